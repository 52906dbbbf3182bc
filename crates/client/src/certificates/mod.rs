//! E-certificates (`contracts/certificates`, `docs/apps/certificates.md`): field commitments,
//! the disclosure link a holder hands over (also a QR code's payload), the presentation that
//! carries everything needed to check a disclosure offline, and that check.
//!
//! A verifier trusts one thing: the chain's genesis document. From it, the presentation's
//! epoch records and the header's finality certificate prove a finalized state root; Merkle
//! proofs against that root give the contract (and its code hash), the certificate, its
//! issuer's record and its type; the disclosed fields are checked against the certificate's
//! salted-hash commitments.

use crate::verify::{TrustRoot, VerifyError, quorum, verify_header, verify_key};
use crate::{Client, ClientError, time::rfc3339};
use base64::Engine as _;
use citychain_crypto::{Address, Hash, Suite, hex};
use citychain_rpc::types::{BlockId, EpochRecord, HeaderInfo, MAX_EPOCH_RECORDS, ProofInfo};
use citychain_types::{
    BlockHeader, ChainId, ContractInfo, ContractStatus, Decode, DecodeError,
    codec::{Reader, Writer},
    layout,
};
use serde::{Deserialize, Serialize};

mod credential;
pub use credential::{
    CREDENTIAL_TYPE, PROOF_TYPE, VC_CONTEXT, check_credential, credential, read_presentation,
};

/// What a disclosure link starts with.
pub const LINK_SCHEME: &str = "citychain-cert:";
/// The version byte the link's payload starts with.
pub const LINK_VERSION: u8 = 1;
/// The `format` of a presentation file.
pub const PRESENTATION_FORMAT: &str = "citychain-certificate-presentation/v1";
/// The `format` of the holder's file of field values and salts.
pub const HOLDER_FORMAT: &str = "citychain-certificate-holder/v1";
/// Most fields a certificate commits to (the contract's limit).
pub const MAX_FIELDS: usize = 32;
/// Longest field name (the contract's limit).
pub const MAX_NAME: usize = 64;
/// Longest disclosed value: a link must still fit a QR code (2,953 bytes at most).
pub const MAX_VALUE: usize = 1_024;
/// Longest link accepted.
pub const MAX_LINK: usize = 4_096;

/// A certificate's status on record.
pub const VALID: u8 = 0;
/// Suspended by its issuer (it may be reinstated).
pub const SUSPENDED: u8 = 1;
/// Revoked for good.
pub const REVOKED: u8 = 2;

/// Why a link, a file or a record could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CertError {
    /// The link is not a certificate link of a version this client reads.
    #[error("not a citychain certificate link: {0}")]
    Link(String),
    /// A stored value does not have the certificates contract's layout.
    #[error("the {what} on record does not decode: {detail}")]
    Record {
        /// Which record.
        what: &'static str,
        /// The decoder's complaint.
        detail: String,
    },
    /// A file is not what it claims to be.
    #[error("{0}")]
    File(String),
}

/// One field the holder discloses: its value and the salt its commitment was made with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisclosedField {
    /// The field's name (`degree`).
    pub name: String,
    /// Its value (`BSc Civil Engineering`).
    pub value: String,
    /// The 32-byte salt, hex with `0x`.
    #[serde(with = "hex_salt")]
    pub salt: [u8; 32],
}

impl DisclosedField {
    /// A field with a fresh random salt.
    pub fn new_salted(name: String, value: String) -> Result<Self, String> {
        let mut salt = [0u8; 32];
        getrandom::fill(&mut salt).map_err(|e| format!("no randomness for the salt: {e}"))?;
        Ok(DisclosedField { name, value, salt })
    }

    /// The commitment the certificate stores for this field.
    pub fn commitment(&self, suite: Suite) -> Hash {
        commitment(suite, &self.salt, &self.name, &self.value)
    }
}

mod hex_salt {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(super) fn serialize<S: Serializer>(salt: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&citychain_crypto::hex::encode(salt))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let bytes = citychain_crypto::hex::decode(&text).map_err(D::Error::custom)?;
        bytes
            .try_into()
            .map_err(|_| D::Error::custom("a salt is 32 bytes"))
    }
}

/// `H(salt || u32_be(len name) || name || u32_be(len value) || value)` with the chain's hash.
pub fn commitment(suite: Suite, salt: &[u8; 32], name: &str, value: &str) -> Hash {
    let mut w = Writer::new();
    w.raw(salt).string(name).string(value);
    suite.hash(&w.into_bytes())
}

/// What a holder discloses: which certificate, on which chain, and some of its fields. Its
/// canonical encoding, base64url without padding after [`LINK_SCHEME`], is the link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disclosure {
    /// The chain's id (`citychain-dev`).
    pub chain_id: ChainId,
    /// The certificates contract.
    pub contract: Address,
    /// The certificate's id.
    pub id: u64,
    /// The fields disclosed (possibly none: the certificate's existence and status only).
    pub fields: Vec<DisclosedField>,
}

impl Disclosure {
    /// `version (u8) || chain id (string) || contract (20 bytes) || id (u64) || fields`, each
    /// field `name (string) || value (string) || salt (32 bytes)` (`docs/protocol.md` §1).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(LINK_VERSION)
            .string(self.chain_id.as_str())
            .put(&self.contract)
            .u64(self.id)
            .list(&self.fields, |w, f| {
                w.string(&f.name).string(&f.value).raw(&f.salt);
            });
        w.into_bytes()
    }

    /// The inverse of [`Disclosure::encode`]; refuses trailing bytes and a field named twice.
    pub fn decode(bytes: &[u8]) -> Result<Self, CertError> {
        let link = |e: DecodeError| CertError::Link(e.to_string());
        let mut r = Reader::new(bytes);
        let version = r.u8("version").map_err(link)?;
        if version != LINK_VERSION {
            return Err(CertError::Link(format!(
                "version {version}; this client reads version {LINK_VERSION}"
            )));
        }
        let chain_id = ChainId::new(
            r.string("chain id", citychain_types::MAX_CHAIN_ID_LEN)
                .map_err(link)?,
        )
        .map_err(CertError::Link)?;
        let contract = Address::decode_from(&mut r).map_err(link)?;
        let id = r.u64("id").map_err(link)?;
        let fields = r
            .list("fields", MAX_FIELDS, |r| {
                Ok(DisclosedField {
                    name: r.string("field name", MAX_NAME)?,
                    value: r.string("field value", MAX_VALUE)?,
                    salt: r.array("salt")?,
                })
            })
            .map_err(link)?;
        r.finish("disclosure").map_err(link)?;
        for (i, f) in fields.iter().enumerate() {
            if fields[..i].iter().any(|g| g.name == f.name) {
                return Err(CertError::Link(format!("field {} appears twice", f.name)));
            }
        }
        Ok(Disclosure {
            chain_id,
            contract,
            id,
            fields,
        })
    }

    /// The link: `citychain-cert:` and the base64url (no padding) of [`Disclosure::encode`].
    pub fn to_link(&self) -> String {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.encode());
        format!("{LINK_SCHEME}{payload}")
    }

    /// Reads a link (surrounding white space is ignored).
    pub fn from_link(link: &str) -> Result<Self, CertError> {
        let link = link.trim();
        if link.len() > MAX_LINK {
            return Err(CertError::Link(format!(
                "{} characters; a link has at most {MAX_LINK}",
                link.len()
            )));
        }
        let payload = link
            .strip_prefix(LINK_SCHEME)
            .ok_or_else(|| CertError::Link(format!("it does not start with {LINK_SCHEME}")))?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|e| CertError::Link(format!("its payload is not base64url: {e}")))?;
        Disclosure::decode(&bytes)
    }
}

/// The holder's file: every field's value and salt, kept private; disclosures are cut from it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HolderFile {
    /// [`HOLDER_FORMAT`].
    pub format: String,
    /// The certificate; `id` is `None` while the issuing transaction is pending.
    pub chain_id: ChainId,
    /// The certificates contract.
    pub contract: Address,
    /// The certificate's id, once issued.
    pub id: Option<u64>,
    /// Every field.
    pub fields: Vec<DisclosedField>,
}

impl HolderFile {
    /// The disclosure of the fields named in `names` (all of them if `names` is empty and
    /// `all` is set), refusing a name the certificate does not have.
    pub fn disclose(&self, names: &[String], all: bool) -> Result<Disclosure, CertError> {
        let id = self.id.ok_or_else(|| {
            CertError::File(
                "the holder file has no certificate id: the issuing transaction did not commit"
                    .into(),
            )
        })?;
        let fields = if all {
            self.fields.clone()
        } else {
            names
                .iter()
                .map(|n| {
                    self.fields
                        .iter()
                        .find(|f| &f.name == n)
                        .cloned()
                        .ok_or_else(|| {
                            CertError::File(format!(
                                "the certificate has no field {n}; it has {}",
                                self.fields
                                    .iter()
                                    .map(|f| f.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ))
                        })
                })
                .collect::<Result<_, _>>()?
        };
        Ok(Disclosure {
            chain_id: self.chain_id.clone(),
            contract: self.contract,
            id,
            fields,
        })
    }
}

/// The arguments of the contract's `issue` method: `holder, type_id, valid_from_ms,
/// valid_until_ms, fields` with each field's commitment.
pub fn issue_args(
    holder: &Address,
    type_id: &str,
    valid_from_ms: u64,
    valid_until_ms: u64,
    fields: &[(String, Hash)],
) -> Vec<u8> {
    let mut w = Writer::new();
    w.put(holder)
        .string(type_id)
        .u64(valid_from_ms)
        .u64(valid_until_ms)
        .list(fields, |w, (name, c)| {
            w.string(name).raw(&c.0);
        });
    w.into_bytes()
}

/// The contract's own storage key of certificate `id`: `"c" || u64_be(id)`.
pub fn certificate_key(id: u64) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(b"c").u64(id);
    w.into_bytes()
}

/// The contract's own storage key of an issuer's record: `"i" || issuer`.
pub fn issuer_key(issuer: &Address) -> Vec<u8> {
    [b"i".as_slice(), &issuer.0].concat()
}

/// The contract's own storage key of an issuer's type: `"t" || issuer || string(type id)`.
pub fn type_key(issuer: &Address, type_id: &str) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(b"t").put(issuer).string(type_id);
    w.into_bytes()
}

/// A certificate as the contract stores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertificateRecord {
    /// The issuing agency's account.
    pub issuer: Address,
    /// The holder's account.
    pub holder: Address,
    /// The issuer's type id (`degree`).
    pub type_id: String,
    /// Block time of issue.
    pub issued_at_ms: u64,
    /// Valid from this time…
    pub valid_from_ms: u64,
    /// …until (excluding) this time.
    pub valid_until_ms: u64,
    /// [`VALID`], [`SUSPENDED`] or [`REVOKED`].
    pub status: u8,
    /// The reason given for the last status change.
    pub reason: String,
    /// Block time of the last status change (of issue, if none).
    pub changed_at_ms: u64,
    /// `(name, commitment)` of every field.
    pub fields: Vec<(String, Hash)>,
}

fn record_error(what: &'static str) -> impl Fn(DecodeError) -> CertError {
    move |e| CertError::Record {
        what,
        detail: e.to_string(),
    }
}

impl CertificateRecord {
    /// Decodes the stored value (`docs/apps/certificates.md`, "Storage layout").
    pub fn decode(bytes: &[u8]) -> Result<Self, CertError> {
        let mut r = Reader::new(bytes);
        let read = |r: &mut Reader<'_>| -> Result<Self, DecodeError> {
            Ok(CertificateRecord {
                issuer: Address::decode_from(r)?,
                holder: Address::decode_from(r)?,
                type_id: r.string("type id", MAX_NAME)?,
                issued_at_ms: r.u64("issued at")?,
                valid_from_ms: r.u64("valid from")?,
                valid_until_ms: r.u64("valid until")?,
                status: r.u8("status")?,
                reason: r.string("reason", 1_024)?,
                changed_at_ms: r.u64("changed at")?,
                fields: r.list("fields", MAX_FIELDS, |r| {
                    Ok((
                        r.string("field name", MAX_NAME)?,
                        Hash(r.array("commitment")?),
                    ))
                })?,
            })
        };
        let record = read(&mut r).map_err(record_error("certificate"))?;
        r.finish("certificate")
            .map_err(record_error("certificate"))?;
        Ok(record)
    }
}

/// An issuing agency's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IssuerRecord {
    /// The agency's name as registered.
    pub name: String,
    /// Block time of registration.
    pub registered_at_ms: u64,
    /// Block time of retirement, 0 while active.
    pub retired_at_ms: u64,
}

impl IssuerRecord {
    /// Decodes the stored value.
    pub fn decode(bytes: &[u8]) -> Result<Self, CertError> {
        let mut r = Reader::new(bytes);
        let record = IssuerRecord {
            name: r.string("name", MAX_NAME).map_err(record_error("issuer"))?,
            registered_at_ms: r.u64("registered at").map_err(record_error("issuer"))?,
            retired_at_ms: r.u64("retired at").map_err(record_error("issuer"))?,
        };
        r.finish("issuer").map_err(record_error("issuer"))?;
        Ok(record)
    }

    /// Whether the agency could issue at `ms`: registered by then and not retired before.
    pub fn had_authority_at(&self, ms: u64) -> bool {
        self.registered_at_ms <= ms && (self.retired_at_ms == 0 || ms <= self.retired_at_ms)
    }
}

/// A certificate type's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TypeRecord {
    /// Its name (`University degree`).
    pub name: String,
    /// Whether its certificates may change holder.
    pub transferable: bool,
}

impl TypeRecord {
    /// Decodes the stored value.
    pub fn decode(bytes: &[u8]) -> Result<Self, CertError> {
        let mut r = Reader::new(bytes);
        let record = TypeRecord {
            name: r.string("name", MAX_NAME).map_err(record_error("type"))?,
            transferable: r.bool("transferable").map_err(record_error("type"))?,
        };
        r.finish("type").map_err(record_error("type"))?;
        Ok(record)
    }
}

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

    fn pass(&mut self, check: &'static str, detail: String) {
        self.checks.push(Check {
            check,
            passed: true,
            detail,
        });
    }

    fn fail(&mut self, check: &'static str, detail: String) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Disclosure {
        Disclosure {
            chain_id: ChainId::new("citychain-dev").expect("a valid id"),
            contract: Address([0x11; 20]),
            id: 7,
            fields: vec![DisclosedField {
                name: "degree".into(),
                value: "BSc Civil Engineering".into(),
                salt: [0x22; 32],
            }],
        }
    }

    #[test]
    fn links_round_trip() {
        let d = sample();
        let link = d.to_link();
        assert!(link.starts_with(LINK_SCHEME));
        assert_eq!(Disclosure::from_link(&link), Ok(d.clone()));
        assert_eq!(Disclosure::from_link(&format!("  {link}\n")), Ok(d));
    }

    #[test]
    fn bad_links_are_refused_with_a_reason() {
        let d = sample();
        let mut twice = d.clone();
        twice.fields.push(twice.fields[0].clone());
        let mut bytes = d.encode();
        bytes[0] = 2;
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        for (link, says) in [
            ("https://example.invalid/x".to_string(), "does not start"),
            (format!("{LINK_SCHEME}!!"), "base64url"),
            (format!("{LINK_SCHEME}{}", b64(&bytes)), "version 2"),
            (
                format!("{LINK_SCHEME}{}", b64(&[d.encode(), vec![0]].concat())),
                "trailing",
            ),
            (twice.to_link(), "appears twice"),
            (format!("{LINK_SCHEME}{}", b64(&d.encode()[..30])), ""),
        ] {
            let err = Disclosure::from_link(&link).expect_err(&link).to_string();
            assert!(err.contains(says), "{link}: {err}");
        }
    }

    #[test]
    fn commitments_follow_the_documented_formula() {
        let salt = [7u8; 32];
        let mut pre = salt.to_vec();
        pre.extend_from_slice(&5u32.to_be_bytes());
        pre.extend_from_slice(b"grade");
        pre.extend_from_slice(&5u32.to_be_bytes());
        pre.extend_from_slice(b"first");
        for suite in [Suite::Ed25519, Suite::Sm2] {
            assert_eq!(commitment(suite, &salt, "grade", "first"), suite.hash(&pre));
        }
    }

    #[test]
    fn issuer_authority_covers_its_tenure_only() {
        let issuer = IssuerRecord {
            name: "bureau".into(),
            registered_at_ms: 100,
            retired_at_ms: 200,
        };
        assert!(!issuer.had_authority_at(99));
        assert!(issuer.had_authority_at(100));
        assert!(issuer.had_authority_at(200));
        assert!(!issuer.had_authority_at(201));
        let active = IssuerRecord {
            retired_at_ms: 0,
            ..issuer
        };
        assert!(active.had_authority_at(u64::MAX));
    }
}
