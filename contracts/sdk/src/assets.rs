//! Native assets from inside a contract: what it holds, what a call brought it, and moving
//! what it holds (under the same transfer rules and freezes as any holder's).

use crate::{
    Address,
    codec::{Decode, DecodeError, Encode, Reader},
    sys,
};
use alloc::vec::Vec;

/// A fungible asset class's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AssetId(pub [u8; 20]);

/// A collection's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CollectionId(pub [u8; 20]);

macro_rules! id_codec {
    ($t:ident) => {
        impl Encode for $t {
            fn encode_to(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.0);
            }
        }
        impl Decode for $t {
            fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok($t(r.array()?))
            }
        }
    };
}
id_codec!(AssetId);
id_codec!(CollectionId);

/// Something of value: the native currency, an amount of an asset, or one item. Its encoding
/// is the chain's (`docs/assets.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    /// Tag 0.
    Native(u128),
    /// Tag 1.
    Token(AssetId, u128),
    /// Tag 2.
    Item(CollectionId, u64),
}

impl Encode for Value {
    fn encode_to(&self, out: &mut Vec<u8>) {
        match self {
            Value::Native(a) => {
                out.push(0);
                a.encode_to(out);
            }
            Value::Token(id, a) => {
                out.push(1);
                id.encode_to(out);
                a.encode_to(out);
            }
            Value::Item(c, i) => {
                out.push(2);
                c.encode_to(out);
                i.encode_to(out);
            }
        }
    }
}

impl Decode for Value {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match u8::decode_from(r)? {
            0 => Value::Native(u128::decode_from(r)?),
            1 => Value::Token(AssetId::decode_from(r)?, u128::decode_from(r)?),
            2 => Value::Item(CollectionId::decode_from(r)?, u64::decode_from(r)?),
            _ => return Err(r.error("unknown value kind")),
        })
    }
}

/// Why moving an asset or an item failed (nothing moved).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssetError {
    /// This contract holds less than the amount.
    InsufficientBalance,
    /// The asset, or this contract's or the recipient's balance of it, is frozen.
    Frozen,
    /// The recipient may not hold it (not a member, not on the allow-list), or the item is
    /// locked.
    Restricted,
    /// No such asset or item, this contract does not own the item, or the amount is zero.
    Other,
}

fn result(code: i32) -> Result<(), AssetError> {
    match code {
        0 => Ok(()),
        1 => Err(AssetError::InsufficientBalance),
        2 => Err(AssetError::Frozen),
        3 => Err(AssetError::Restricted),
        _ => Err(AssetError::Other),
    }
}

/// `holder`'s balance of `asset` (0 for an unknown asset).
pub fn balance(asset: &AssetId, holder: &Address) -> u128 {
    let mut out = [0u8; 16];
    sys::asset_balance(
        asset.0.as_ptr() as i32,
        holder.0.as_ptr() as i32,
        out.as_mut_ptr() as i32,
    );
    u128::from_be_bytes(out)
}

/// Moves `amount` of `asset` from this contract to `to`.
pub fn transfer(asset: &AssetId, to: &Address, amount: u128) -> Result<(), AssetError> {
    let a = amount.to_be_bytes();
    result(sys::asset_transfer(
        asset.0.as_ptr() as i32,
        to.0.as_ptr() as i32,
        a.as_ptr() as i32,
    ))
}

/// The owner of item `item` of `collection`, if it exists.
pub fn item_owner(collection: &CollectionId, item: u64) -> Option<Address> {
    let mut out = [0u8; 20];
    let found = sys::item_owner(
        collection.0.as_ptr() as i32,
        item as i64,
        out.as_mut_ptr() as i32,
    );
    (found == 0).then_some(Address(out))
}

/// Moves an item this contract owns to `to`.
pub fn transfer_item(collection: &CollectionId, item: u64, to: &Address) -> Result<(), AssetError> {
    result(sys::item_transfer(
        collection.0.as_ptr() as i32,
        item as i64,
        to.0.as_ptr() as i32,
    ))
}

/// What the transaction brought this contract with the call (an asset operation `call`);
/// empty in nested calls and ordinary calls.
pub fn attached() -> Vec<Value> {
    let len = sys::attached_assets();
    let mut buf = alloc::vec![0u8; len.max(0) as usize];
    sys::read_register(buf.as_mut_ptr() as i32);
    // The host writes a canonical list; a decoding failure would be a host bug.
    Vec::<Value>::decode(&buf).unwrap_or_default()
}

/// Money a call brought: the native currency (`asset` none) or one asset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Money {
    /// The asset, or `None` for the native currency.
    pub asset: Option<AssetId>,
    /// How much.
    pub amount: u128,
}

/// What this call brought, if it is money of exactly one kind: the call's native value, or one
/// asset amount attached with an asset `call` (not both, not an item, not nothing).
pub fn received() -> Option<Money> {
    match (crate::env::value(), attached().as_slice()) {
        (0, [Value::Token(asset, amount)]) if *amount > 0 => Some(Money {
            asset: Some(*asset),
            amount: *amount,
        }),
        (native, []) if native > 0 => Some(Money {
            asset: None,
            amount: native,
        }),
        _ => None,
    }
}

/// Pays `amount` of the native currency (`asset` none) or of `asset` from this contract to
/// `to`; whether it was paid.
pub fn pay(asset: Option<AssetId>, to: &Address, amount: u128) -> bool {
    match asset {
        None => crate::env::transfer(to, amount).is_ok(),
        Some(a) => transfer(&a, to, amount).is_ok(),
    }
}
