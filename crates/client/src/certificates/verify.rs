//! The presentation of a disclosure and its verification against a trusted genesis.

use super::{
    CertificateRecord, Disclosure, IssuerRecord, PRESENTATION_FORMAT, REVOKED, SUSPENDED,
    TypeRecord, VALID, certificate_key, issuer_key, type_key,
};
use crate::verify::{TrustRoot, VerifyError, quorum, verify_header, verify_key};
use crate::{Client, ClientError, time::rfc3339};
use citychain_crypto::{Address, Hash, Suite, hex};
use citychain_rpc::types::{BlockId, EpochRecord, HeaderInfo, MAX_EPOCH_RECORDS, ProofInfo};
use citychain_types::{BlockHeader, ChainId, ContractInfo, ContractStatus, Decode, layout};
use serde::{Deserialize, Serialize};

/// Everything needed to check a disclosure without a node: the link, a finalized header with
/// its certificate, the validator sets of the epochs up to the header's, and proofs of the
/// contract, the certificate, its issuer and its type at that header.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Presentation {
    /// [`PRESENTATION_FORMAT`].
    pub format: String,
    /// The disclosure link.
    pub link: String,
    /// The finalized header the proofs are against.
    pub header: HeaderInfo,
    /// The records of epochs 1 to the header's epoch, in order (empty in epoch 0).
    pub epochs: Vec<EpochRecord>,
    /// The contract's record (its code hash).
    pub contract: ProofInfo,
    /// The certificate.
    pub certificate: ProofInfo,
    /// Its issuer's record.
    pub issuer: ProofInfo,
    /// Its type's record.
    pub certificate_type: ProofInfo,
}

/// Asks `client` for everything a [`Presentation`] of `disclosure` needs, at the node's latest
/// finalized state. Nothing here is trusted: [`verify_presentation`] checks it all.
pub async fn fetch_presentation(
    client: &Client,
    disclosure: &Disclosure,
) -> Result<Presentation, ClientError> {
    use citychain_rpc::client::{ChainApiClient as _, StateApiClient as _};
    let rpc = client.rpc();
    let own = |key: &[u8]| hex::encode(layout::contract_storage_key(&disclosure.contract, key));
    let certificate = rpc
        .state_get_key_proof(own(&certificate_key(disclosure.id)), None)
        .await?;
    let height = Some(certificate.height);
    let Some(value) = &certificate.value else {
        return Err(ClientError::Other(format!(
            "contract {} holds no certificate {}",
            disclosure.contract, disclosure.id
        )));
    };
    let record = hex::decode(value)
        .map_err(|e| ClientError::Other(e.to_string()))
        .and_then(|b| {
            CertificateRecord::decode(&b).map_err(|e| ClientError::Other(e.to_string()))
        })?;
    let contract = rpc
        .state_get_key_proof(
            hex::encode(layout::contract_key(&disclosure.contract)),
            height,
        )
        .await?;
    let issuer = rpc
        .state_get_key_proof(own(&issuer_key(&record.issuer)), height)
        .await?;
    let certificate_type = rpc
        .state_get_key_proof(own(&type_key(&record.issuer, &record.type_id)), height)
        .await?;
    let header = rpc
        .chain_get_header(BlockId::Height(certificate.height))
        .await?;
    let epoch = header.finality.as_ref().map_or(0, |f| f.epoch);
    let mut epochs = Vec::new();
    while (epochs.len() as u64) < epoch {
        let next = epochs.len() as u64 + 1;
        let wanted = (epoch - next + 1).min(u64::from(MAX_EPOCH_RECORDS)) as u32;
        let got = rpc.chain_get_epoch_records(next, Some(wanted)).await?;
        if got.is_empty() {
            return Err(ClientError::Other(format!(
                "the node has no record of epoch {next}'s validators"
            )));
        }
        epochs.extend(got);
    }
    Ok(Presentation {
        format: PRESENTATION_FORMAT.into(),
        link: disclosure.to_link(),
        header,
        epochs,
        contract,
        certificate,
        issuer,
        certificate_type,
    })
}

/// One check of a verification, as a report line.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// What was checked (`finality`, `fields`, `status`…).
    pub check: &'static str,
    /// Whether it passed.
    pub passed: bool,
    /// What was found, with the values involved.
    pub detail: String,
}

/// What [`verify_presentation`] found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Verdict {
    /// Every check made, in order; verification stops at the first that leaves nothing to
    /// build on (an unreadable link, a proof that fails).
    pub checks: Vec<Check>,
    /// The certificate as proven.
    pub certificate: Option<CertificateRecord>,
    /// Its issuer as proven.
    pub issuer: Option<IssuerRecord>,
    /// Its type as proven.
    pub certificate_type: Option<TypeRecord>,
    /// The fields disclosed, `(name, value)`, whether or not they matched.
    pub disclosed: Vec<(String, String)>,
    /// The height and time of the finalized block the proofs are against.
    pub height: u64,
    /// Its timestamp.
    pub block_time_ms: u64,
}

impl Verdict {
    /// True when every check passed (and there were checks).
    pub fn is_valid(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.passed)
    }

    pub(super) fn pass(&mut self, check: &'static str, detail: String) {
        self.checks.push(Check {
            check,
            passed: true,
            detail,
        });
    }

    pub(super) fn fail(&mut self, check: &'static str, detail: String) {
        self.checks.push(Check {
            check,
            passed: false,
            detail,
        });
    }
}

/// What the verifier expects besides the trusted genesis.
#[derive(Clone, Debug, Default)]
pub struct Expectations {
    /// "Now", for the validity period.
    pub now_ms: u64,
    /// The code hash of the certificates contract the verifier knows; `None` skips the
    /// check (and says so).
    pub code_hash: Option<Hash>,
    /// Refuse state older than this (a revocation after the proven block is not visible in
    /// it); `None`: report the age only.
    pub max_age_ms: Option<u64>,
}

/// Checks `presentation` against the chain whose genesis gave `trust` (and whose id is
/// `chain_id`): finality, the contract's code, the certificate, the disclosed fields, the
/// issuer's authority when it issued, the type, the status and validity at `expect.now_ms`.
pub fn verify_presentation(
    trust: &mut TrustRoot,
    chain_id: &ChainId,
    presentation: &Presentation,
    expect: &Expectations,
) -> Verdict {
    let mut v = Verdict::default();
    // The structural part: each step needs the one before; the first failure ends it.
    let Some((disclosure, header, contract)) =
        structure(trust, chain_id, presentation, expect, &mut v)
    else {
        return v;
    };
    let proven = |p: &ProofInfo, key: Vec<u8>| {
        verify_key(
            trust,
            &header,
            &layout::contract_storage_key(&contract, &key),
            p,
        )
    };
    let record = match proven(&presentation.certificate, certificate_key(disclosure.id)) {
        Ok(Some(bytes)) => match CertificateRecord::decode(&bytes) {
            Ok(r) => r,
            Err(e) => return failed(v, "certificate", e.to_string()),
        },
        Ok(None) => {
            return failed(
                v,
                "certificate",
                format!(
                    "proven absent: contract {contract} holds no certificate {}",
                    disclosure.id
                ),
            );
        }
        Err(e) => return failed(v, "certificate", format!("the proof does not verify: {e}")),
    };
    v.pass(
        "certificate",
        format!(
            "certificate {} of type {} held by {}, issued {} by {} (proven)",
            disclosure.id,
            record.type_id,
            record.holder,
            rfc3339(record.issued_at_ms),
            record.issuer
        ),
    );
    check_fields(trust.suite, &disclosure, &record, &mut v);
    match proven(&presentation.issuer, issuer_key(&record.issuer)) {
        Ok(Some(bytes)) => match IssuerRecord::decode(&bytes) {
            Ok(issuer) => {
                let tenure = match issuer.retired_at_ms {
                    0 => format!("registered {}, active", rfc3339(issuer.registered_at_ms)),
                    r => format!(
                        "registered {}, retired {}",
                        rfc3339(issuer.registered_at_ms),
                        rfc3339(r)
                    ),
                };
                let detail = format!("{} ({}): {tenure}", issuer.name, record.issuer);
                if issuer.had_authority_at(record.issued_at_ms) {
                    v.pass("issuer", format!("{detail}; it could issue when it did"));
                } else {
                    v.fail(
                        "issuer",
                        format!(
                            "{detail}; it could not issue at {}",
                            rfc3339(record.issued_at_ms)
                        ),
                    );
                }
                v.issuer = Some(issuer);
            }
            Err(e) => v.fail("issuer", e.to_string()),
        },
        Ok(None) => v.fail(
            "issuer",
            format!("{} is not a registered issuer (proven)", record.issuer),
        ),
        Err(e) => v.fail("issuer", format!("the proof does not verify: {e}")),
    }
    match proven(
        &presentation.certificate_type,
        type_key(&record.issuer, &record.type_id),
    ) {
        Ok(Some(bytes)) => match TypeRecord::decode(&bytes) {
            Ok(t) => {
                v.pass(
                    "type",
                    format!(
                        "{}: {}{}",
                        record.type_id,
                        t.name,
                        if t.transferable {
                            " (transferable)"
                        } else {
                            ""
                        }
                    ),
                );
                v.certificate_type = Some(t);
            }
            Err(e) => v.fail("type", e.to_string()),
        },
        Ok(None) => v.fail(
            "type",
            format!("the issuer defines no type {} (proven)", record.type_id),
        ),
        Err(e) => v.fail("type", format!("the proof does not verify: {e}")),
    }
    let as_of = format!("as of block {} ({})", v.height, rfc3339(v.block_time_ms));
    match record.status {
        VALID => v.pass("status", format!("not suspended or revoked {as_of}")),
        SUSPENDED => v.fail(
            "status",
            format!(
                "SUSPENDED since {}: {} ({as_of})",
                rfc3339(record.changed_at_ms),
                record.reason
            ),
        ),
        REVOKED => v.fail(
            "status",
            format!(
                "REVOKED on {}: {} ({as_of})",
                rfc3339(record.changed_at_ms),
                record.reason
            ),
        ),
        other => v.fail("status", format!("unknown status {other}")),
    }
    let period = format!(
        "{} to {}",
        rfc3339(record.valid_from_ms),
        rfc3339(record.valid_until_ms)
    );
    let now = expect.now_ms;
    if now < record.valid_from_ms {
        v.fail(
            "validity",
            format!("not valid yet at {}: valid {period}", rfc3339(now)),
        );
    } else if now >= record.valid_until_ms {
        v.fail(
            "validity",
            format!("EXPIRED at {}: valid {period}", rfc3339(now)),
        );
    } else {
        v.pass(
            "validity",
            format!("valid now ({}): {period}", rfc3339(now)),
        );
    }
    v.certificate = Some(record);
    v
}

fn failed(mut v: Verdict, check: &'static str, detail: String) -> Verdict {
    v.fail(check, detail);
    v
}

/// The steps everything else rests on: the format, the link, the chain, finality, the state's
/// age and the contract. `None` once one fails (recorded in `v`).
fn structure(
    trust: &mut TrustRoot,
    chain_id: &ChainId,
    p: &Presentation,
    expect: &Expectations,
    v: &mut Verdict,
) -> Option<(Disclosure, BlockHeader, Address)> {
    if p.format != PRESENTATION_FORMAT {
        v.fail(
            "format",
            format!("{:?} is not {PRESENTATION_FORMAT}", p.format),
        );
        return None;
    }
    let disclosure = match Disclosure::from_link(&p.link) {
        Ok(d) => d,
        Err(e) => {
            v.fail("link", e.to_string());
            return None;
        }
    };
    if disclosure.chain_id != *chain_id {
        v.fail(
            "chain",
            format!(
                "the certificate is on chain {}, but your genesis is chain {chain_id}",
                disclosure.chain_id
            ),
        );
        return None;
    }
    v.pass(
        "chain",
        format!("{chain_id}, genesis {}", trust.genesis_hash),
    );
    let header = match finalized(trust, p) {
        Ok(h) => h,
        Err(e) => {
            v.fail("finality", e);
            return None;
        }
    };
    if header.chain_id != *chain_id {
        v.fail(
            "finality",
            format!("the header is of chain {}", header.chain_id),
        );
        return None;
    }
    v.height = header.height.0;
    v.block_time_ms = header.timestamp.0;
    let (signers, epoch) = p
        .header
        .finality
        .as_ref()
        .map_or((0, 0), |f| (f.signers.len(), f.epoch));
    let validators = trust.validators(epoch).map_or(0, <[_]>::len);
    v.pass(
        "finality",
        format!(
            "block {} ({}) finalized by {signers} of {validators} validators of epoch {epoch} (quorum {})",
            header.height.0,
            p.header.hash,
            quorum(validators)
        ),
    );
    let age = expect.now_ms.saturating_sub(header.timestamp.0);
    let age_text = format!(
        "state as of {} ({} before now); a change after that is not in this proof",
        rfc3339(header.timestamp.0),
        human_duration(age)
    );
    match expect.max_age_ms {
        Some(max) if age > max => {
            v.fail(
                "age",
                format!("{age_text}, older than the {} allowed", human_duration(max)),
            );
            return None;
        }
        _ => v.pass("age", age_text),
    }
    let contract = disclosure.contract;
    let info = match verify_key(
        trust,
        &header,
        &layout::contract_key(&contract),
        &p.contract,
    ) {
        Ok(Some(bytes)) => match ContractInfo::decode(&bytes) {
            Ok(info) => info,
            Err(e) => {
                v.fail("contract", format!("its record does not decode: {e}"));
                return None;
            }
        },
        Ok(None) => {
            v.fail("contract", format!("no contract at {contract} (proven)"));
            return None;
        }
        Err(e) => {
            v.fail("contract", format!("the proof does not verify: {e}"));
            return None;
        }
    };
    let status = match info.status {
        ContractStatus::Active => "active",
        ContractStatus::Frozen => "frozen by governance",
        ContractStatus::Revoked => "revoked by governance",
    };
    match expect.code_hash {
        Some(known) if known != info.code_hash => {
            v.fail(
                "contract",
                format!(
                    "{contract} runs code {}, not the certificates contract this verifier knows ({known})",
                    info.code_hash
                ),
            );
            return None;
        }
        Some(_) => v.pass(
            "contract",
            format!("{contract} runs the certificates contract (code {}), {status}", info.code_hash),
        ),
        None => v.pass(
            "contract",
            format!(
                "{contract} runs code {} (NOT compared: this verifier carries no certificates code), {status}",
                info.code_hash
            ),
        ),
    }
    Some((disclosure, header, contract))
}

/// Learns the presentation's epochs and verifies its header's finality.
fn finalized(trust: &mut TrustRoot, p: &Presentation) -> Result<BlockHeader, String> {
    for record in &p.epochs {
        if record.epoch <= trust.latest_epoch() {
            continue;
        }
        trust
            .learn_epoch(record.epoch, &record.header, &record.proof)
            .map_err(|e| {
                format!(
                    "the validator set of epoch {} does not verify: {e}",
                    record.epoch
                )
            })?;
    }
    verify_header(trust, &p.header).map_err(|e| match e {
        VerifyError::UnknownEpoch(_) => format!("{e} (the presentation lacks its epoch records)"),
        e => format!("the header's finality does not verify: {e}"),
    })
}

fn check_fields(suite: Suite, d: &Disclosure, record: &CertificateRecord, v: &mut Verdict) {
    let mut problems = Vec::new();
    for f in &d.fields {
        v.disclosed.push((f.name.clone(), f.value.clone()));
        match record.fields.iter().find(|(name, _)| *name == f.name) {
            None => problems.push(format!("the certificate has no field {}", f.name)),
            Some((_, c)) if *c != f.commitment(suite) => problems.push(format!(
                "{}: the value or its salt does not match the commitment on record",
                f.name
            )),
            Some(_) => {}
        }
    }
    let names: Vec<&str> = d.fields.iter().map(|f| f.name.as_str()).collect();
    if !problems.is_empty() {
        v.fail("fields", problems.join("; "));
    } else if names.is_empty() {
        v.pass(
            "fields",
            format!("none disclosed ({} on record)", record.fields.len()),
        );
    } else {
        v.pass(
            "fields",
            format!(
                "{} of {} match their commitments: {}",
                names.len(),
                record.fields.len(),
                names.join(", ")
            ),
        );
    }
}

fn human_duration(ms: u64) -> String {
    let s = ms / 1_000;
    match s {
        0..120 => format!("{s} s"),
        120..7_200 => format!("{} min", s / 60),
        7_200..172_800 => format!("{} h", s / 3_600),
        _ => format!("{} days", s / 86_400),
    }
}
