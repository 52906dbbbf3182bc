//! E-certificates (`contracts/certificates`, `docs/apps/certificates.md`): field commitments,
//! the disclosure link a holder hands over (also a QR code's payload), the presentation that
//! carries everything needed to check a disclosure offline, and that check.
//!
//! A verifier trusts one thing: the chain's genesis document. From it, the presentation's
//! epoch records and the header's finality certificate prove a finalized state root; Merkle
//! proofs against that root give the contract (and its code hash), the certificate, its
//! issuer's record and its type; the disclosed fields are checked against the certificate's
//! salted-hash commitments.

mod credential;
mod disclosure;
mod records;
mod verify;
pub use credential::{
    CREDENTIAL_TYPE, PROOF_TYPE, VC_CONTEXT, check_credential, credential, read_presentation,
};
pub use disclosure::{DisclosedField, Disclosure, HolderFile, commitment};
pub use records::{
    CertificateRecord, IssuerRecord, TypeRecord, certificate_key, issue_args, issuer_key, type_key,
};
pub use verify::{
    Check, Expectations, Presentation, Verdict, fetch_presentation, verify_presentation,
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
