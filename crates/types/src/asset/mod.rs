//! Native digital assets: fungible asset classes, collections of unique items (NFTs), vaults
//! that split an asset into shares, pro-rata distributions, offers and multi-leg settlement.
//!
//! This module holds the identifiers and the values the rest share ([`Value`], [`Metadata`],
//! [`TransferRule`]); [`state`] the stored values; [`tx`] the payload. `docs/assets.md`
//! explains the model and its invariants; `docs/protocol.md` specifies the bytes.

pub mod state;
pub mod tx;

use crate::{
    Amount, Nonce,
    codec::{Decode, DecodeError, Encode, Reader, Writer},
};
use citychain_crypto::{Address, Hash, Suite, impl_hex_newtype};
use serde::{Deserialize, Serialize};

pub use state::{
    AssetClass, Checkpoint, Collection, Distribution, Holding, Item, ItemEvent, ItemEventKind,
    MintRule, Offer, OfferStatus, ReserveVote, Vault, VaultStatus,
};
pub use tx::{
    AssetTx, COSIGN_NAMESPACE, Class, Cosignature, CourtAction, CourtOrder, Leg,
    settlement_message, settlement_signing_bytes,
};

/// Longest asset or collection symbol, in bytes.
pub const MAX_SYMBOL_LEN: usize = 16;
/// Longest asset or collection name, in bytes.
pub const MAX_NAME_LEN: usize = 64;
/// Longest metadata URI, in bytes.
pub const MAX_URI_LEN: usize = 256;
/// Most decimals an asset may declare (its amounts stay whole numbers of base units).
pub const MAX_DECIMALS: u8 = 24;
/// Most legs of one settlement.
pub const MAX_LEGS: usize = 16;
/// Most co-signers of one settlement.
pub const MAX_COSIGNERS: usize = 8;
/// Most values one call may bring to a contract.
pub const MAX_ATTACHED: usize = 8;
/// Longest court case id, in bytes.
pub const MAX_CASE_LEN: usize = 64;

/// Domain of asset class id derivation.
pub const ASSET_ID_DOMAIN: &[u8] = b"citychain/asset-id/v1";
/// Domain of collection id derivation.
pub const COLLECTION_ID_DOMAIN: &[u8] = b"citychain/collection-id/v1";
/// Domain of vault id derivation (a vault's id is the id of its share asset).
pub const VAULT_ID_DOMAIN: &[u8] = b"citychain/vault-id/v1";
/// Domain of offer id derivation.
pub const OFFER_ID_DOMAIN: &[u8] = b"citychain/offer-id/v1";

macro_rules! id_newtype {
    ($(#[$doc:meta])* $name:ident, $field:literal, $domain:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub [u8; 20]);

        impl_hex_newtype!($name, 20);

        impl $name {
            /// The id of the one created by `creator`'s transaction with nonce `nonce`: the
            /// first 20 bytes of `H(framed(domain, creator || nonce))`, known before it runs.
            pub fn derive(suite: Suite, creator: &Address, nonce: Nonce) -> Self {
                $name(crate::primitives::derived_address(suite, $domain, creator, nonce).0)
            }

            /// The address that holds what is escrowed with it (nobody has its key).
            pub fn escrow(&self) -> Address {
                Address(self.0)
            }
        }

        impl Encode for $name {
            fn encode_to(&self, w: &mut Writer) {
                w.raw(&self.0);
            }
        }

        impl Decode for $name {
            fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                r.array($field).map($name)
            }
        }
    };
}

id_newtype!(
    /// A fungible asset class (a vault's shares included: their id is the vault's).
    AssetId, "asset id", ASSET_ID_DOMAIN
);
id_newtype!(
    /// A collection of unique items.
    CollectionId, "collection id", COLLECTION_ID_DOMAIN
);
id_newtype!(
    /// An offer.
    OfferId, "offer id", OFFER_ID_DOMAIN
);

/// The id of the vault (and of its share asset) created by `creator` with nonce `nonce`.
pub fn vault_id(suite: Suite, creator: &Address, nonce: Nonce) -> AssetId {
    AssetId(crate::primitives::derived_address(suite, VAULT_ID_DOMAIN, creator, nonce).0)
}

/// Something of value that can move between accounts: an amount of the native currency or of
/// a fungible asset, or one unique item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Value {
    /// Tag 0: the native currency.
    Native {
        /// How much, in base units.
        amount: Amount,
    },
    /// Tag 1: a fungible asset.
    Token {
        /// The asset class.
        asset: AssetId,
        /// How much, in base units.
        amount: Amount,
    },
    /// Tag 2: one item of a collection.
    Item {
        /// The collection.
        collection: CollectionId,
        /// The item's number in it.
        item: u64,
    },
}

impl Value {
    /// What it is a quantity of.
    pub fn denom(&self) -> Denom {
        match self {
            Value::Native { .. } => Denom::Native,
            Value::Token { asset, .. } => Denom::Token(*asset),
            Value::Item { collection, item } => Denom::Item(*collection, *item),
        }
    }

    /// The amount (1 for an item).
    pub fn amount(&self) -> Amount {
        match self {
            Value::Native { amount } | Value::Token { amount, .. } => *amount,
            Value::Item { .. } => Amount(1),
        }
    }

    /// The same denomination with another amount (an item stays itself).
    pub fn with_amount(&self, amount: Amount) -> Value {
        match *self {
            Value::Native { .. } => Value::Native { amount },
            Value::Token { asset, .. } => Value::Token { asset, amount },
            item @ Value::Item { .. } => item,
        }
    }

    /// Whether it can be divided (everything but an item).
    pub fn is_fungible(&self) -> bool {
        !matches!(self, Value::Item { .. })
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Native { amount } => write!(f, "{amount} of the native currency"),
            Value::Token { asset, amount } => write!(f, "{amount} of asset {asset}"),
            Value::Item { collection, item } => write!(f, "item {item} of collection {collection}"),
        }
    }
}

/// Encoding: tag `u8`, then `amount` (0), `asset || amount` (1) or `collection || item u64` (2).
impl Encode for Value {
    fn encode_to(&self, w: &mut Writer) {
        match self {
            Value::Native { amount } => w.u8(0).put(amount),
            Value::Token { asset, amount } => w.u8(1).put(asset).put(amount),
            Value::Item { collection, item } => w.u8(2).put(collection).u64(*item),
        };
    }
}

impl Decode for Value {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match r.u8("value kind")? {
            0 => Value::Native {
                amount: Amount::decode_from(r)?,
            },
            1 => Value::Token {
                asset: AssetId::decode_from(r)?,
                amount: Amount::decode_from(r)?,
            },
            2 => Value::Item {
                collection: CollectionId::decode_from(r)?,
                item: r.u64("item")?,
            },
            other => return Err(r.error("value kind", format!("unknown value kind {other}"))),
        })
    }
}

/// What a [`Value`] is a quantity of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Denom {
    /// The native currency.
    Native,
    /// A fungible asset.
    Token(AssetId),
    /// One item.
    Item(CollectionId, u64),
}

impl Denom {
    /// The bytes that index offers by what they give or want: `0x00` (native), `0x01 ||
    /// asset` or `0x02 || collection` (every item of a collection under one key).
    pub fn index_key(&self) -> Vec<u8> {
        match self {
            Denom::Native => vec![0],
            Denom::Token(a) => [&[1u8][..], &a.0].concat(),
            Denom::Item(c, _) => [&[2u8][..], &c.0].concat(),
        }
    }
}

/// Where a description of an asset lives, and the hash of that description so a reader can
/// check what it fetched.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// A URI (at most [`MAX_URI_LEN`] bytes; may be empty).
    #[serde(default)]
    pub uri: String,
    /// The hash of the document at `uri`, if given.
    #[serde(default)]
    pub hash: Option<Hash>,
}

impl Metadata {
    /// Checks the URI's length and that it has no control characters.
    pub fn validate(&self) -> Result<(), String> {
        if self.uri.len() > MAX_URI_LEN {
            return Err(format!(
                "the metadata URI is {} bytes; at most {MAX_URI_LEN}",
                self.uri.len()
            ));
        }
        if self.uri.chars().any(char::is_control) {
            return Err("the metadata URI contains a control character".into());
        }
        Ok(())
    }
}

/// For people: the URI and, if given, the content hash; "none" when both are absent.
impl std::fmt::Display for Metadata {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.uri.is_empty(), &self.hash) {
            (true, None) => f.write_str("none"),
            (false, None) => f.write_str(&self.uri),
            (true, Some(h)) => write!(f, "content hash {h}"),
            (false, Some(h)) => write!(f, "{} (content hash {h})", self.uri),
        }
    }
}

/// Encoding: `string uri || option<hash>`.
impl Encode for Metadata {
    fn encode_to(&self, w: &mut Writer) {
        w.string(&self.uri).option(self.hash.as_ref(), |w, h| {
            w.put(h);
        });
    }
}

impl Decode for Metadata {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Metadata {
            uri: r.string("metadata uri", MAX_URI_LEN)?,
            hash: r.option("metadata hash", Hash::decode_from)?,
        })
    }
}

/// Who may hold an asset (or an item of a collection), chosen when it is created.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransferRule {
    /// 0: anyone.
    #[default]
    Open,
    /// 1: members of the consortium only.
    Members,
    /// 2: accounts on the issuer's allow-list only (KYC'd holders).
    AllowList,
}

impl TransferRule {
    /// The rule's byte.
    pub const fn code(self) -> u8 {
        match self {
            TransferRule::Open => 0,
            TransferRule::Members => 1,
            TransferRule::AllowList => 2,
        }
    }
}

impl std::fmt::Display for TransferRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransferRule::Open => "open",
            TransferRule::Members => "members",
            TransferRule::AllowList => "allow_list",
        })
    }
}

impl std::str::FromStr for TransferRule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "open" => Ok(TransferRule::Open),
            "members" => Ok(TransferRule::Members),
            "allow_list" | "allow-list" | "allowlist" => Ok(TransferRule::AllowList),
            _ => Err(format!(
                "unknown transfer rule {s:?}; rules are open, members and allow_list"
            )),
        }
    }
}

impl Encode for TransferRule {
    fn encode_to(&self, w: &mut Writer) {
        w.u8(self.code());
    }
}

impl Decode for TransferRule {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match r.u8("transfer rule")? {
            0 => TransferRule::Open,
            1 => TransferRule::Members,
            2 => TransferRule::AllowList,
            other => return Err(r.error("transfer rule", format!("unknown transfer rule {other}"))),
        })
    }
}

/// Checks a symbol: 1 to [`MAX_SYMBOL_LEN`] characters from `A-Z`, `0-9`, `-` and `.`.
pub fn validate_symbol(symbol: &str) -> Result<(), String> {
    let ok = !symbol.is_empty()
        && symbol.len() <= MAX_SYMBOL_LEN
        && symbol
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid symbol {symbol:?}: use 1 to {MAX_SYMBOL_LEN} characters from A-Z, 0-9, '-' \
             and '.'"
        ))
    }
}

/// Checks a name: 1 to [`MAX_NAME_LEN`] bytes, no control characters.
pub fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(format!(
            "the name must be 1 to {MAX_NAME_LEN} bytes; it is {}",
            name.len()
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("the name contains a control character".into());
    }
    Ok(())
}

/// `a * b / c` rounded down, exact for every `u128` input (the product is kept in 256 bits);
/// `None` if `c` is 0 or the quotient does not fit in 128 bits.
pub fn mul_div_floor(a: u128, b: u128, c: u128) -> Option<u128> {
    if c == 0 {
        return None;
    }
    let (hi, lo) = widening_mul(a, b);
    if hi >= c {
        return None;
    }
    // Long division of (hi, lo) by c, one bit at a time; `rem < c` throughout.
    let mut rem = hi;
    let mut quotient = 0u128;
    for i in (0..128).rev() {
        let carry = rem >> 127;
        rem = (rem << 1) | ((lo >> i) & 1);
        quotient <<= 1;
        if carry == 1 || rem >= c {
            rem = rem.wrapping_sub(c);
            quotient |= 1;
        }
    }
    Some(quotient)
}

/// `a * b / c` rounded up; `None` as for [`mul_div_floor`].
pub fn mul_div_ceil(a: u128, b: u128, c: u128) -> Option<u128> {
    let floor = mul_div_floor(a, b, c)?;
    let (hi, lo) = widening_mul(a, b);
    let (qh, ql) = widening_mul(floor, c);
    if (qh, ql) == (hi, lo) {
        Some(floor)
    } else {
        floor.checked_add(1)
    }
}

/// The 256-bit product of two `u128`, as (high, low) halves.
fn widening_mul(a: u128, b: u128) -> (u128, u128) {
    const MASK: u128 = u64::MAX as u128;
    let (a_hi, a_lo) = (a >> 64, a & MASK);
    let (b_hi, b_lo) = (b >> 64, b & MASK);
    let lo_lo = a_lo * b_lo;
    let hi_lo = a_hi * b_lo;
    let lo_hi = a_lo * b_hi;
    let hi_hi = a_hi * b_hi;
    let cross = (lo_lo >> 64) + (hi_lo & MASK) + (lo_hi & MASK);
    let lo = (cross << 64) | (lo_lo & MASK);
    let hi = hi_hi + (hi_lo >> 64) + (lo_hi >> 64) + (cross >> 64);
    (hi, lo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn values_round_trip_in_bytes_and_json() {
        let values = [
            Value::Native { amount: Amount(5) },
            Value::Token {
                asset: AssetId([1; 20]),
                amount: Amount(u128::MAX),
            },
            Value::Item {
                collection: CollectionId([2; 20]),
                item: 7,
            },
        ];
        for v in values {
            assert_eq!(Value::decode(&v.encode()).expect("decodes"), v);
            let json = serde_json::to_string(&v).expect("json");
            assert_eq!(serde_json::from_str::<Value>(&json).expect("parses"), v);
        }
        assert!(Value::decode(&[3]).is_err());
    }

    #[test]
    fn symbols_and_names_are_checked() {
        assert!(validate_symbol("CITY-BOND.26").is_ok());
        assert!(validate_symbol("").is_err());
        assert!(validate_symbol("lower").is_err());
        assert!(validate_symbol("<script>").is_err());
        assert!(validate_name("Car park space 17").is_ok());
        assert!(validate_name("a\u{7}b").is_err());
        assert!(validate_name(&"x".repeat(MAX_NAME_LEN + 1)).is_err());
    }

    #[test]
    fn mul_div_handles_the_extremes() {
        assert_eq!(
            mul_div_floor(u128::MAX, u128::MAX, u128::MAX),
            Some(u128::MAX)
        );
        assert_eq!(mul_div_floor(10, 1, 3), Some(3));
        assert_eq!(mul_div_ceil(10, 1, 3), Some(4));
        assert_eq!(mul_div_ceil(9, 1, 3), Some(3));
        assert_eq!(mul_div_floor(1, 1, 0), None);
        assert_eq!(mul_div_floor(u128::MAX, 2, 1), None);
    }

    proptest! {
        #[test]
        fn mul_div_agrees_with_small_arithmetic(a in any::<u64>(), b in any::<u64>(), c in 1u64..) {
            let exact = u128::from(a) * u128::from(b);
            let (a, b, c) = (u128::from(a), u128::from(b), u128::from(c));
            prop_assert_eq!(mul_div_floor(a, b, c), Some(exact / c));
            prop_assert_eq!(mul_div_ceil(a, b, c), Some(exact.div_ceil(c)));
        }

        #[test]
        fn mul_div_of_a_fraction_never_exceeds_the_whole(a in any::<u128>(), b in any::<u128>(), c in any::<u128>()) {
            // The shape a distribution uses: b <= c, so a * b / c <= a.
            let (b, c) = if b <= c { (b, c.max(1)) } else { (c, b) };
            let q = mul_div_floor(a, b, c).expect("fits");
            prop_assert!(q <= a);
        }
    }
}
