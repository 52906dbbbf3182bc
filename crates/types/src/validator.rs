//! Validators: their consensus keys, and the sets that run consensus.

use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use citychain_crypto::{Suite, impl_hex_newtype};
use serde::{Deserialize, Serialize};

/// A validator's consensus (Ed25519) public key, 32 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ValidatorKey(pub [u8; 32]);

impl_hex_newtype!(ValidatorKey, 32);

impl Encode for ValidatorKey {
    fn encode_to(&self, w: &mut Writer) {
        w.raw(&self.0);
    }
}

impl Decode for ValidatorKey {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.array("validator key").map(ValidatorKey)
    }
}

/// A member of the validator set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

impl Validator {
    /// The name is 1 to [`MAX_VALIDATOR_NAME_LEN`] bytes and the key an Ed25519 point not of
    /// small order.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.is_empty() || self.name.len() > MAX_VALIDATOR_NAME_LEN {
            return Err(format!(
                "validator name {:?} must be 1 to {MAX_VALIDATOR_NAME_LEN} bytes",
                self.name
            ));
        }
        citychain_crypto::PublicKey::from_bytes(Suite::Ed25519, &self.consensus_key.0).map_err(
            |e| {
                format!(
                    "validator {}: key {} is not an Ed25519 public key ({e})",
                    self.name, self.consensus_key
                )
            },
        )?;
        if citychain_crypto::ed25519_small_order(&self.consensus_key.0) {
            return Err(format!(
                "validator {}: key {} is a point of small order, whose signatures anyone can \
                 forge",
                self.name, self.consensus_key
            ));
        }
        Ok(())
    }
}

impl ValidatorSet {
    /// Whether a validator with `key` is in the set.
    pub fn contains(&self, key: &ValidatorKey) -> bool {
        self.0.iter().any(|v| v.consensus_key == *key)
    }
}

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

/// The validator set, stored under [`crate::layout::validators_key`] (and per epoch under
/// [`crate::layout::epoch_validators_key`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
