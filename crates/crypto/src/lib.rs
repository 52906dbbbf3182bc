//! Signature and hash suites (Ed25519 + SHA-256, SM2 + SM3), addresses and encrypted key files.
//!
//! A chain picks one [`Suite`] at genesis; every transaction signature, address and hash on that
//! chain uses it. Validators' consensus votes are Ed25519 in both suites (see `docs/protocol.md`).

mod batch;
mod error;
pub mod hex;
mod keys;
pub mod keystore;
#[cfg(feature = "schema")]
pub mod schema;
mod suite;

pub use batch::{BatchItem, verify_batch};
pub use error::{Error, Result};
pub use keys::{
    ADDRESS_DOMAIN, Address, ED25519_PUBLIC_KEY_LEN, PublicKey, SIGNATURE_LEN, SM2_PUBLIC_KEY_LEN,
    SM2_USER_ID, SecretKey, Signature, ed25519_small_order, framed, small_order_addresses,
    small_order_encodings,
};
pub use suite::{Hash, Hasher, Suite};
