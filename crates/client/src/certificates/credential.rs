//! A presented certificate as a W3C Verifiable Credential 2.0 (`docs/apps/certificates.md`,
//! "As a Verifiable Credential"), for wallets that speak that data model.
//!
//! The credential's claims are derived from the presentation alone, deterministically, and its
//! `proof` carries the presentation. A verifier checks the presentation and then that the
//! credential is exactly the one derived from it, so an edited claim is caught.

use super::{
    CertError, CertificateRecord, Disclosure, IssuerRecord, PRESENTATION_FORMAT, Presentation,
    REVOKED, SUSPENDED, TypeRecord, Verdict,
};
use crate::time::rfc3339;
use citychain_crypto::hex;
use citychain_rpc::types::ProofInfo;
use serde_json::{Map, Value, json};

/// The base context every VC 2.0 credential names first.
pub const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The credential type citychain adds to `VerifiableCredential`.
pub const CREDENTIAL_TYPE: &str = "CitychainCertificate";
/// The proof type: a [`Presentation`] (finality certificate and state proofs).
pub const PROOF_TYPE: &str = "CitychainStateProof";

fn proven_value(p: &ProofInfo, what: &'static str) -> Result<Vec<u8>, CertError> {
    let text = p
        .value
        .as_ref()
        .ok_or_else(|| CertError::File(format!("the presentation proves no {what}")))?;
    hex::decode(text).map_err(|e| CertError::File(format!("the {what}'s value: {e}")))
}

/// The credential of `p`: its claims are what the presentation's proofs say (verify the
/// presentation to trust them).
pub fn credential(p: &Presentation) -> Result<Value, CertError> {
    let d = Disclosure::from_link(&p.link)?;
    let record = CertificateRecord::decode(&proven_value(&p.certificate, "certificate")?)?;
    let issuer = IssuerRecord::decode(&proven_value(&p.issuer, "issuer")?)?;
    let kind = TypeRecord::decode(&proven_value(&p.certificate_type, "type")?)?;
    let chain = format!("urn:citychain:{}", d.chain_id);
    let certificate_id = format!("{chain}:{}:certificate:{}", d.contract, d.id);
    let mut subject = Map::new();
    subject.insert(
        "id".into(),
        json!(format!("{chain}:account:{}", record.holder)),
    );
    for f in &d.fields {
        if f.name == "id" {
            return Err(CertError::File(
                "a field named id cannot be a credential claim (it would be the subject's id); \
                 disclose it with a link or presentation instead"
                    .into(),
            ));
        }
        subject.insert(f.name.clone(), json!(f.value));
    }
    let status = match record.status {
        SUSPENDED => "suspended",
        REVOKED => "revoked",
        _ => "valid",
    };
    Ok(json!({
        "@context": [VC_CONTEXT],
        "id": certificate_id,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "name": kind.name,
        "issuer": { "id": format!("{chain}:account:{}", record.issuer), "name": issuer.name },
        "validFrom": rfc3339(record.valid_from_ms),
        "validUntil": rfc3339(record.valid_until_ms),
        "credentialSubject": Value::Object(subject),
        "credentialStatus": {
            "id": format!("{certificate_id}#status"),
            "type": "CitychainCertificateStatus",
            "statusPurpose": "revocation",
            "status": status,
            "asOfBlock": p.header.header.height.0,
        },
        "proof": {
            "type": PROOF_TYPE,
            "created": rfc3339(p.header.header.timestamp.0),
            "proofPurpose": "assertionMethod",
            "presentation": p,
        },
    }))
}

/// A file's presentation: the file is a presentation, or a credential whose proof carries one
/// (returned too, to be checked with [`check_credential`]).
pub fn read_presentation(file: &Value) -> Result<(Presentation, Option<Value>), CertError> {
    let parse = |v: &Value| {
        serde_json::from_value::<Presentation>(v.clone())
            .map_err(|e| CertError::File(format!("not a certificate presentation: {e}")))
    };
    if file.get("format").and_then(Value::as_str) == Some(PRESENTATION_FORMAT) {
        return Ok((parse(file)?, None));
    }
    let is_credential = file
        .get("type")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(|t| t == CREDENTIAL_TYPE));
    match file.pointer("/proof/presentation") {
        Some(p) if is_credential => Ok((parse(p)?, Some(file.clone()))),
        _ => Err(CertError::File(format!(
            "neither a certificate presentation (format {PRESENTATION_FORMAT}) nor a \
             {CREDENTIAL_TYPE} credential"
        ))),
    }
}

/// Adds a `credential` check to `v`: `vc` is exactly the credential `p` gives, so every claim
/// it shows is one the verified presentation proves.
pub fn check_credential(vc: &Value, p: &Presentation, v: &mut Verdict) {
    match credential(p) {
        Ok(expected) if &expected == vc => v.pass(
            "credential",
            "every claim of the credential is the proven one".into(),
        ),
        Ok(expected) => {
            let differ: Vec<String> = keys(&expected, vc);
            v.fail(
                "credential",
                format!(
                    "the credential's claims differ from what its proof proves: {}",
                    differ.join(", ")
                ),
            );
        }
        Err(e) => v.fail("credential", e.to_string()),
    }
}

/// The top-level (and `credentialSubject`) keys whose values differ.
fn keys(a: &Value, b: &Value) -> Vec<String> {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return vec!["(not an object)".into()];
    };
    let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
    names.sort();
    names.dedup();
    let mut out = Vec::new();
    for name in names {
        match (a.get(name), b.get(name)) {
            (Some(x), Some(y)) if x == y => {}
            (Some(x), Some(y)) if name == "credentialSubject" => {
                out.extend(
                    keys(x, y)
                        .into_iter()
                        .map(|k| format!("credentialSubject.{k}")),
                );
            }
            _ => out.push(name.clone()),
        }
    }
    out
}
