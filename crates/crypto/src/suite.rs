//! The per-chain crypto suite and its hash function.

use crate::{Error, Result, impl_hex_newtype};
use sha2::Digest as _;
use std::{fmt, str::FromStr};

/// The signature and hash algorithms a chain uses, fixed at genesis.
///
/// The discriminant is the suite's tag byte in every encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Suite {
    /// Ed25519 signatures (ZIP-215 verification rules) with SHA-256 hashing.
    Ed25519 = 1,
    /// SM2 signatures (GB/T 32918) with SM3 hashing (GB/T 32905).
    Sm2 = 2,
}

impl Suite {
    /// Every suite, in tag order.
    pub const ALL: [Suite; 2] = [Suite::Ed25519, Suite::Sm2];

    /// The suite's tag byte.
    pub const fn tag(self) -> u8 {
        self as u8
    }

    /// The suite with this tag byte.
    pub fn from_tag(tag: u8) -> Result<Self> {
        match tag {
            1 => Ok(Suite::Ed25519),
            2 => Ok(Suite::Sm2),
            other => Err(Error::UnknownSuite(format!("tag {other}"))),
        }
    }

    /// The name used in configuration and on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Suite::Ed25519 => "ed25519",
            Suite::Sm2 => "sm2",
        }
    }

    /// Hashes `data` with the suite's hash function (SHA-256 or SM3).
    pub fn hash(self, data: &[u8]) -> Hash {
        let mut hasher = self.hasher();
        hasher.update(data);
        hasher.finalize()
    }

    /// `hash(framed(namespace, msg))` without building the framed copy.
    pub fn hash_framed(self, namespace: &[u8], msg: &[u8]) -> Hash {
        let mut hasher = self.hasher();
        hasher.update(&crate::framed(namespace, &[]));
        hasher.update(msg);
        hasher.finalize()
    }

    /// A streaming hasher for the suite's hash function.
    pub fn hasher(self) -> Hasher {
        match self {
            Suite::Ed25519 => Hasher::Sha256(sha2::Sha256::new()),
            Suite::Sm2 => Hasher::Sm3(sm3::Sm3::new()),
        }
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Suite {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "ed25519" => Ok(Suite::Ed25519),
            "sm2" => Ok(Suite::Sm2),
            _ => Err(Error::UnknownSuite(format!(
                "{s:?} (expected \"ed25519\" or \"sm2\")"
            ))),
        }
    }
}

impl serde::Serialize for Suite {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Suite {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A 32-byte digest of the chain's hash function.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; 32]);

impl_hex_newtype!(Hash, 32);

impl Hash {
    /// All zero bytes: the parent of the genesis block, and "nothing" where a hash is required.
    pub const ZERO: Hash = Hash([0u8; 32]);

    /// The digest's bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// A streaming hasher for one suite.
#[derive(Clone)]
pub enum Hasher {
    Sha256(sha2::Sha256),
    Sm3(sm3::Sm3),
}

impl Hasher {
    /// Absorbs `data`.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sm3(h) => sm3::Digest::update(h, data),
        }
    }

    /// Finishes and returns the digest.
    pub fn finalize(self) -> Hash {
        let mut out = [0u8; 32];
        match self {
            Hasher::Sha256(h) => out.copy_from_slice(&h.finalize()),
            Hasher::Sm3(h) => out.copy_from_slice(&sm3::Digest::finalize(h)),
        }
        Hash(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex32(s: &str) -> Hash {
        s.parse().expect("valid hex")
    }

    #[test]
    fn sm3_matches_gbt_32905_examples() {
        // GB/T 32905-2016 Appendix A, example 1 ("abc") and example 2 ("abcd" x 16).
        assert_eq!(
            Suite::Sm2.hash(b"abc"),
            hex32("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        );
        assert_eq!(
            Suite::Sm2.hash(&b"abcd".repeat(16)),
            hex32("debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")
        );
    }

    #[test]
    fn sha256_matches_fips_180_example() {
        assert_eq!(
            Suite::Ed25519.hash(b"abc"),
            hex32("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
    }

    #[test]
    fn streaming_equals_one_shot() {
        for suite in Suite::ALL {
            let mut h = suite.hasher();
            h.update(b"ab");
            h.update(b"c");
            assert_eq!(h.finalize(), suite.hash(b"abc"));
        }
    }

    #[test]
    fn suite_names_and_tags_round_trip() {
        for suite in Suite::ALL {
            assert_eq!(suite.name().parse::<Suite>().expect("name"), suite);
            assert_eq!(Suite::from_tag(suite.tag()).expect("tag"), suite);
        }
        assert!("rsa".parse::<Suite>().is_err());
        assert!(Suite::from_tag(9).is_err());
    }
}
