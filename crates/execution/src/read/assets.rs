//! Typed readers of the assets module's state: classes, holdings (now and at a record point),
//! allow-lists, collections and items, vaults, distributions and offers, and the paginated
//! listings the API serves.

use super::{StateRead, decode};
use crate::{BlockError, Result};
use citychain_crypto::Address;
use citychain_types::{
    Decode,
    asset::{
        AssetClass, AssetId, Checkpoint, Collection, CollectionId, Denom, Distribution, Holding,
        Item, ItemEvent, Offer, OfferId, Vault,
    },
    layout,
};

pub fn asset_class(
    state: &(impl StateRead + ?Sized),
    asset: &AssetId,
) -> Result<Option<AssetClass>> {
    decode(state.read(&layout::asset_key(asset))?, "asset class")
}

/// `holder`'s holding of `asset` (absent: nothing held).
pub fn holding(
    state: &(impl StateRead + ?Sized),
    asset: &AssetId,
    holder: &Address,
) -> Result<Holding> {
    Ok(decode(state.read(&layout::holding_key(asset, holder))?, "holding")?.unwrap_or_default())
}

/// What `holder` held of `asset` at record point `record` (which the asset has taken).
///
/// A balance that changed after the record point was saved then in a checkpoint covering the
/// points it was held at; the first checkpoint ending at or after `record` is the only one that
/// can cover it. No such checkpoint: the balance held since the holder's last change, if that
/// change came before the record point, else nothing.
pub fn balance_at(
    state: &(impl StateRead + ?Sized),
    asset: &AssetId,
    holder: &Address,
    record: u64,
) -> Result<citychain_types::Amount> {
    let prefix = layout::checkpoints_prefix(asset, holder);
    let after = record
        .checked_sub(1)
        .map(|r| layout::checkpoint_key(asset, holder, r));
    if let Some((_, raw)) = state.next_key(&prefix, after.as_deref())? {
        let c = Checkpoint::decode(&raw).map_err(|e| corrupt("checkpoint", e))?;
        return Ok(if c.from <= record {
            c.balance
        } else {
            citychain_types::Amount::ZERO
        });
    }
    let h = holding(state, asset, holder)?;
    Ok(if h.record <= record {
        h.balance
    } else {
        citychain_types::Amount::ZERO
    })
}

/// Whether `account` is on the allow-list of the asset class or collection `class_id`.
pub fn allowed(
    state: &(impl StateRead + ?Sized),
    class_id: &[u8; 20],
    account: &Address,
) -> Result<bool> {
    Ok(state
        .read(&layout::allowed_key(class_id, account))?
        .is_some())
}

pub fn collection(
    state: &(impl StateRead + ?Sized),
    collection: &CollectionId,
) -> Result<Option<Collection>> {
    decode(
        state.read(&layout::collection_key(collection))?,
        "collection",
    )
}

pub fn item(
    state: &(impl StateRead + ?Sized),
    collection: &CollectionId,
    item: u64,
) -> Result<Option<Item>> {
    decode(state.read(&layout::item_key(collection, item))?, "item")
}

/// Entries `from ..` of an item's ownership history, at most `limit`.
pub fn item_history(
    state: &(impl StateRead + ?Sized),
    collection: &CollectionId,
    item: u64,
    from: u64,
    limit: usize,
) -> Result<Vec<ItemEvent>> {
    let mut out = Vec::new();
    let mut n = from;
    while out.len() < limit {
        let Some(e) = decode(
            state.read(&layout::item_history_key(collection, item, n))?,
            "item event",
        )?
        else {
            break;
        };
        out.push(e);
        n += 1;
    }
    Ok(out)
}

pub fn vault(state: &(impl StateRead + ?Sized), vault: &AssetId) -> Result<Option<Vault>> {
    decode(state.read(&layout::vault_key(vault))?, "vault")
}

pub fn distribution(
    state: &(impl StateRead + ?Sized),
    asset: &AssetId,
    record: u64,
) -> Result<Option<Distribution>> {
    decode(
        state.read(&layout::distribution_key(asset, record))?,
        "distribution",
    )
}

/// Whether `holder` was paid its part of distribution `record` of `asset`.
pub fn claimed(
    state: &(impl StateRead + ?Sized),
    asset: &AssetId,
    record: u64,
    holder: &Address,
) -> Result<bool> {
    Ok(state
        .read(&layout::claim_key(asset, record, holder))?
        .is_some())
}

/// Whether `voter` voted on the reserve proposal of `vault` at record `record`.
pub fn voted(
    state: &(impl StateRead + ?Sized),
    vault: &AssetId,
    record: u64,
    voter: &Address,
) -> Result<bool> {
    Ok(state
        .read(&layout::vault_vote_key(vault, record, voter))?
        .is_some())
}

pub fn offer(state: &(impl StateRead + ?Sized), offer: &OfferId) -> Result<Option<Offer>> {
    decode(state.read(&layout::offer_key(offer))?, "offer")
}

/// The holders of `asset` in address order after `after`, at most `limit`, with their
/// holdings (only non-zero or frozen holdings are stored).
pub fn holders(
    state: &(impl StateRead + ?Sized),
    asset: &AssetId,
    after: Option<&Address>,
    limit: usize,
) -> Result<Vec<(Address, Holding)>> {
    let prefix = layout::holdings_prefix(asset);
    page(
        state,
        &prefix,
        after.map(|a| layout::holding_key(asset, a)),
        limit,
        |key, raw| {
            Ok((
                address_at(key, prefix.len())?,
                Holding::decode(raw).map_err(|e| corrupt("holding", e))?,
            ))
        },
    )
}

/// The asset classes `holder` holds, after `after`, at most `limit`.
pub fn held_assets(
    state: &(impl StateRead + ?Sized),
    holder: &Address,
    after: Option<&AssetId>,
    limit: usize,
) -> Result<Vec<AssetId>> {
    let prefix = layout::held_prefix(holder);
    page(
        state,
        &prefix,
        after.map(|a| layout::held_key(holder, a)),
        limit,
        |key, _| Ok(AssetId(address_at(key, prefix.len())?.0)),
    )
}

/// The items `owner` owns, after `after`, at most `limit`.
pub fn owned_items(
    state: &(impl StateRead + ?Sized),
    owner: &Address,
    after: Option<(&CollectionId, u64)>,
    limit: usize,
) -> Result<Vec<(CollectionId, u64)>> {
    let prefix = layout::owned_prefix(owner);
    page(
        state,
        &prefix,
        after.map(|(c, i)| layout::owned_key(owner, c, i)),
        limit,
        |key, _| {
            let rest = &key[prefix.len()..];
            let (c, i) = rest
                .split_at_checked(20)
                .ok_or_else(|| corrupt("owned item key", "too short"))?;
            let item: [u8; 8] = i
                .try_into()
                .map_err(|_| corrupt("owned item key", "bad item number"))?;
            Ok((
                CollectionId(c.try_into().expect("split at 20")),
                u64::from_be_bytes(item),
            ))
        },
    )
}

/// Open offers made by `maker`, after `after`, at most `limit`.
pub fn offers_by_maker(
    state: &(impl StateRead + ?Sized),
    maker: &Address,
    after: Option<&OfferId>,
    limit: usize,
) -> Result<Vec<Offer>> {
    let prefix = layout::offers_by_maker_prefix(maker);
    let ids = page(
        state,
        &prefix,
        after.map(|o| layout::offer_by_maker_key(maker, o)),
        limit,
        |key, _| Ok(OfferId(address_at(key, prefix.len())?.0)),
    )?;
    offers(state, ids)
}

/// Open offers that give or want `denom` (any item of a collection for an item), after
/// `after`, at most `limit`.
pub fn offers_by_denom(
    state: &(impl StateRead + ?Sized),
    denom: &Denom,
    after: Option<&OfferId>,
    limit: usize,
) -> Result<Vec<Offer>> {
    let prefix = layout::offers_by_denom_prefix(denom);
    let ids = page(
        state,
        &prefix,
        after.map(|o| layout::offer_by_denom_key(denom, o)),
        limit,
        |key, _| Ok(OfferId(address_at(key, prefix.len())?.0)),
    )?;
    offers(state, ids)
}

/// Distributions to the holders of `asset`, by record point after `after`, at most `limit`.
pub fn distributions(
    state: &(impl StateRead + ?Sized),
    asset: &AssetId,
    after: Option<u64>,
    limit: usize,
) -> Result<Vec<Distribution>> {
    let prefix = layout::distributions_prefix(asset);
    page(
        state,
        &prefix,
        after.map(|r| layout::distribution_key(asset, r)),
        limit,
        |_, raw| Distribution::decode(raw).map_err(|e| corrupt("distribution", e)),
    )
}

fn offers(state: &(impl StateRead + ?Sized), ids: Vec<OfferId>) -> Result<Vec<Offer>> {
    ids.into_iter()
        .map(|id| {
            offer(state, &id)?
                .ok_or_else(|| corrupt("offer index", format!("names missing offer {id}")))
        })
        .collect()
}

/// Up to `limit` entries under `prefix` after the key `after`, each turned into a `T`.
fn page<T>(
    state: &(impl StateRead + ?Sized),
    prefix: &[u8],
    after: Option<Vec<u8>>,
    limit: usize,
    mut each: impl FnMut(&[u8], &[u8]) -> Result<T>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    let mut cursor = after;
    while out.len() < limit {
        let Some((key, raw)) = state.next_key(prefix, cursor.as_deref())? else {
            break;
        };
        out.push(each(&key, &raw)?);
        cursor = Some(key);
    }
    Ok(out)
}

/// The 20 bytes of `key` starting at `at`.
fn address_at(key: &[u8], at: usize) -> Result<Address> {
    key.get(at..at + 20)
        .and_then(|b| b.try_into().ok())
        .map(Address)
        .ok_or_else(|| {
            corrupt(
                "asset index key",
                format!("{} bytes is too short", key.len()),
            )
        })
}

fn corrupt(what: &'static str, e: impl ToString) -> BlockError {
    BlockError::CorruptState {
        what,
        detail: e.to_string(),
    }
}
