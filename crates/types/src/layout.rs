//! Where things live in the authenticated state: key layout and value encodings.
//!
//! Every key starts with a one-byte namespace. The tree itself stores `H(key)` and `H(value)`
//! (see `docs/protocol.md`), so keys may be any length.

use crate::{
    Amount, Nonce,
    block::ValidatorKey,
    codec::{Decode, DecodeError, Encode, Reader, Writer},
};
use citychain_crypto::Address;
use serde::{Deserialize, Serialize};

/// Key namespaces. Values not listed are reserved for later modules.
pub mod prefix {
    /// Chain-wide settings (`0x00 || name`).
    pub const CHAIN: u8 = 0x00;
    /// Native accounts (`0x01 || address`).
    pub const ACCOUNT: u8 = 0x01;
    /// Consensus (`0x02 || name`).
    pub const CONSENSUS: u8 = 0x02;
}

/// The key of an account.
pub fn account_key(address: &Address) -> Vec<u8> {
    let mut key = Vec::with_capacity(21);
    key.push(prefix::ACCOUNT);
    key.extend_from_slice(&address.0);
    key
}

/// The key of the chain parameters.
pub fn params_key() -> Vec<u8> {
    [&[prefix::CHAIN][..], b"params"].concat()
}

/// The key of the validator set.
pub fn validators_key() -> Vec<u8> {
    [&[prefix::CONSENSUS][..], b"validators"].concat()
}

/// A native account. Absent accounts read as nonce 0 and balance 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub nonce: Nonce,
    pub balance: Amount,
}

/// Encoding: `nonce (u64) || balance (u128)`, 24 bytes.
impl Encode for Account {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.nonce).put(&self.balance);
    }
}

impl Decode for Account {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Account {
            nonce: Nonce::decode_from(r)?,
            balance: Amount::decode_from(r)?,
        })
    }
}

/// A member of the validator set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validator {
    /// A label for humans (an organization's node name).
    pub name: String,
    /// The Ed25519 key the validator votes with.
    pub consensus_key: ValidatorKey,
}

/// Longest validator name, in bytes.
pub const MAX_VALIDATOR_NAME_LEN: usize = 64;
/// Most validators in one set.
pub const MAX_VALIDATORS: usize = 256;

impl Encode for Validator {
    fn encode_to(&self, w: &mut Writer) {
        w.string(&self.name).put(&self.consensus_key);
    }
}

impl Decode for Validator {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Validator {
            name: r.string("validator name", MAX_VALIDATOR_NAME_LEN)?,
            consensus_key: ValidatorKey::decode_from(r)?,
        })
    }
}

/// The validator set, stored under [`validators_key`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidatorSet(pub Vec<Validator>);

impl Encode for ValidatorSet {
    fn encode_to(&self, w: &mut Writer) {
        w.list(&self.0, |w, v| {
            w.put(v);
        });
    }
}

impl Decode for ValidatorSet {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.list("validators", MAX_VALIDATORS, Validator::decode_from)
            .map(ValidatorSet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_24_bytes() {
        let a = Account {
            nonce: Nonce(3),
            balance: Amount(10),
        };
        let bytes = a.encode();
        assert_eq!(bytes.len(), 24);
        assert_eq!(Account::decode(&bytes).expect("decodes"), a);
        assert!(Account::decode(&bytes[..23]).is_err());
    }

    #[test]
    fn keys_are_prefixed() {
        let k = account_key(&Address([7; 20]));
        assert_eq!(k[0], prefix::ACCOUNT);
        assert_eq!(k.len(), 21);
        assert_eq!(params_key()[0], prefix::CHAIN);
        assert_eq!(validators_key()[0], prefix::CONSENSUS);
    }
}
