//! Newtypes for numbers that must not be confused with one another, and the derivation of the
//! addresses of things an account creates.

use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

macro_rules! u64_newtype {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            /// The number inside.
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl Encode for $name {
            fn encode_to(&self, w: &mut Writer) {
                w.u64(self.0);
            }
        }

        impl Decode for $name {
            fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                r.u64($field).map($name)
            }
        }
    };
}

u64_newtype!(
    /// A block's position in the chain; the genesis block is height 0.
    Height, "height"
);
u64_newtype!(
    /// An account's transaction counter: the next transaction must carry exactly this value.
    Nonce, "nonce"
);
u64_newtype!(
    /// Units of execution cost.
    Gas, "gas"
);
u64_newtype!(
    /// Milliseconds since the Unix epoch (UTC).
    TimestampMs, "timestamp"
);

impl Height {
    /// The height after this one.
    pub fn next(self) -> Height {
        Height(self.0.saturating_add(1))
    }
}

/// A balance or a transferred value, in the chain's smallest unit.
///
/// JSON carries it as a decimal string: 128-bit values do not fit in a JSON number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(pub u128);

impl Amount {
    /// Nothing.
    pub const ZERO: Amount = Amount(0);

    /// The sum, or `None` if it overflows.
    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0.checked_add(other.0).map(Amount)
    }

    /// The difference, or `None` if it would be negative.
    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        self.0.checked_sub(other.0).map(Amount)
    }

    /// The price of `gas` at this price per unit, or `None` if it overflows.
    pub fn checked_mul_gas(self, gas: Gas) -> Option<Amount> {
        self.0.checked_mul(u128::from(gas.0)).map(Amount)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Amount {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.trim()
            .replace('_', "")
            .parse::<u128>()
            .map(Amount)
            .map_err(|e| {
                format!("invalid amount {s:?}: {e} (expected a whole number of base units)")
            })
    }
}

impl Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Text(String),
            Number(u64),
        }
        match Either::deserialize(d)? {
            Either::Text(t) => t.parse().map_err(serde::de::Error::custom),
            Either::Number(n) => Ok(Amount(u128::from(n))),
        }
    }
}

impl Encode for Amount {
    fn encode_to(&self, w: &mut Writer) {
        w.u128(self.0);
    }
}

impl Decode for Amount {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.u128("amount").map(Amount)
    }
}

/// The longest chain id, in bytes.
pub const MAX_CHAIN_ID_LEN: usize = 32;

/// A chain's name, carried in every transaction and header so that nothing signed for one chain
/// is valid on another: 1 to 32 characters from `a-z`, `0-9` and `-`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ChainId(String);

impl ChainId {
    /// A chain id, if it is 1 to `MAX_CHAIN_ID_LEN` allowed characters.
    pub fn new(id: impl Into<String>) -> Result<Self, String> {
        let id = id.into();
        let valid_chars = id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if id.is_empty() || id.len() > MAX_CHAIN_ID_LEN || !valid_chars {
            return Err(format!(
                "invalid chain id {id:?}: use 1 to {MAX_CHAIN_ID_LEN} characters from a-z, 0-9 and '-'"
            ));
        }
        Ok(ChainId(id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChainId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ChainId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ChainId::new(s)
    }
}

impl<'de> Deserialize<'de> for ChainId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ChainId::new(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl Encode for ChainId {
    fn encode_to(&self, w: &mut Writer) {
        w.string(&self.0);
    }
}

impl Decode for ChainId {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.position();
        let s = r.string("chain id", MAX_CHAIN_ID_LEN)?;
        ChainId::new(s).map_err(|problem| DecodeError {
            offset: start,
            field: "chain id",
            problem,
        })
    }
}

/// The first 20 bytes of `H(framed(domain, creator || nonce))`: addresses of things an account
/// creates (contracts, multisig accounts, assets, offers), known before the transaction runs.
pub fn derived_address(
    suite: citychain_crypto::Suite,
    domain: &[u8],
    creator: &citychain_crypto::Address,
    nonce: Nonce,
) -> citychain_crypto::Address {
    let mut msg = Vec::with_capacity(28);
    msg.extend_from_slice(&creator.0);
    msg.extend_from_slice(&nonce.0.to_be_bytes());
    let hash = suite.hash(&citychain_crypto::framed(domain, &msg));
    let mut a = [0u8; 20];
    a.copy_from_slice(&hash.0[..20]);
    citychain_crypto::Address(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_ids_are_validated() {
        assert!(ChainId::new("citychain-dev").is_ok());
        assert!(ChainId::new("").is_err());
        assert!(ChainId::new("Upper").is_err());
        assert!(ChainId::new("x".repeat(33)).is_err());
        let bad = Writer::new().string("Bad Id").clone_bytes();
        assert!(ChainId::decode(&bad).is_err());
    }

    #[test]
    fn amounts_are_strings_in_json() {
        let a = Amount(u128::MAX);
        let json = serde_json::to_string(&a).expect("json");
        assert_eq!(json, format!("\"{}\"", u128::MAX));
        assert_eq!(serde_json::from_str::<Amount>(&json).expect("parse"), a);
        assert_eq!(
            serde_json::from_str::<Amount>("42").expect("number"),
            Amount(42)
        );
        assert!("1.5".parse::<Amount>().is_err());
        assert_eq!(
            "1_000".parse::<Amount>().expect("underscores"),
            Amount(1000)
        );
    }

    trait CloneBytes {
        fn clone_bytes(&mut self) -> Vec<u8>;
    }
    impl CloneBytes for Writer {
        fn clone_bytes(&mut self) -> Vec<u8> {
            std::mem::take(self).into_bytes()
        }
    }
}
