//! The events asset operations emit (emitter: the zero address, as for every native module).
//! Their data is canonical bytes, specified in `docs/assets.md`.

use citychain_crypto::Address;
use citychain_types::{
    Amount, Event,
    asset::{AssetId, CollectionId, OfferId},
    codec::Writer,
};

fn event(topic: &str, data: Writer) -> Event {
    Event {
        emitter: Address::ZERO,
        topic: topic.into(),
        data: data.into_bytes(),
    }
}

/// `transfer`: `from || to || amount`, as a native transfer's.
pub(super) fn native_transfer(from: &Address, to: &Address, amount: Amount) -> Event {
    let mut w = Writer::with_capacity(56);
    w.put(from).put(to).put(&amount);
    event(crate::native::bank::TRANSFER_TOPIC, w)
}

/// `asset_transfer`: `asset || from || to || amount`.
pub(super) fn token_transfer(
    asset: &AssetId,
    from: &Address,
    to: &Address,
    amount: Amount,
) -> Event {
    let mut w = Writer::with_capacity(76);
    w.put(asset).put(from).put(to).put(&amount);
    event("asset_transfer", w)
}

/// `asset_created` / `collection_created` / `vault_created` / `offer_made`: the new id and
/// its creator.
pub(super) fn created(topic: &str, id: &[u8; 20], creator: &Address) -> Event {
    let mut w = Writer::with_capacity(40);
    w.raw(id).put(creator);
    event(topic, w)
}

/// `asset_minted` (`asset || to || amount`) and `asset_burned` (`asset || from || amount`).
pub(super) fn supply(topic: &str, asset: &AssetId, holder: &Address, amount: Amount) -> Event {
    let mut w = Writer::with_capacity(56);
    w.put(asset).put(holder).put(&amount);
    event(topic, w)
}

/// `asset_allowed`: `class id || account || allowed (bool)`.
pub(super) fn allowed(class_id: &[u8; 20], account: &Address, allowed: bool) -> Event {
    let mut w = Writer::with_capacity(41);
    w.raw(class_id).put(account).bool(allowed);
    event("asset_allowed", w)
}

/// `asset_frozen` / `asset_unfrozen`: `asset || option<holder>`.
pub(super) fn frozen(asset: &AssetId, holder: Option<&Address>, freeze: bool) -> Event {
    let mut w = Writer::with_capacity(41);
    w.put(asset).option(holder, |w, h| {
        w.put(h);
    });
    event(
        if freeze {
            "asset_frozen"
        } else {
            "asset_unfrozen"
        },
        w,
    )
}

/// `item_minted` (`collection || item || to`) and `item_burned` (`collection || item ||
/// from`).
pub(super) fn item(topic: &str, collection: &CollectionId, item: u64, who: &Address) -> Event {
    let mut w = Writer::with_capacity(48);
    w.put(collection).u64(item).put(who);
    event(topic, w)
}

/// `item_transfer`: `collection || item || from || to`.
pub(super) fn item_transfer(
    collection: &CollectionId,
    item: u64,
    from: &Address,
    to: &Address,
) -> Event {
    let mut w = Writer::with_capacity(68);
    w.put(collection).u64(item).put(from).put(to);
    event("item_transfer", w)
}

/// Vault events: `vault_redeemed`, `vault_bought_out` (`vault || account`).
pub(super) fn vault(topic: &str, vault: &AssetId, who: &Address) -> Event {
    let mut w = Writer::with_capacity(40);
    w.put(vault).put(who);
    event(topic, w)
}

/// `proceeds_claimed`: `vault || holder || shares || paid`; `distribution_claimed`: `asset ||
/// holder || shares || paid` preceded by the record (`asset || record || holder || shares ||
/// paid`).
pub(super) fn paid(
    topic: &str,
    asset: &AssetId,
    record: Option<u64>,
    holder: &Address,
    shares: Amount,
    paid: Amount,
) -> Event {
    let mut w = Writer::with_capacity(80);
    w.put(asset);
    if let Some(r) = record {
        w.u64(r);
    }
    w.put(holder).put(&shares).put(&paid);
    event(topic, w)
}

/// `reserve_proposed` / `reserve_set` / `reserve_rejected` (`vault || record`) and
/// `distribution_made` / `distribution_reclaimed` (`asset || record`).
pub(super) fn record(topic: &str, asset: &AssetId, record: u64) -> Event {
    let mut w = Writer::with_capacity(28);
    w.put(asset).u64(record);
    event(topic, w)
}

/// `reserve_voted`: `vault || record || voter || approve (bool) || weight`.
pub(super) fn voted(
    vault: &AssetId,
    record: u64,
    voter: &Address,
    approve: bool,
    weight: Amount,
) -> Event {
    let mut w = Writer::with_capacity(65);
    w.put(vault)
        .u64(record)
        .put(voter)
        .bool(approve)
        .put(&weight);
    event("reserve_voted", w)
}

/// `offer_taken`: `offer || taker || given || paid`; `offer_cancelled` / `offer_expired`:
/// `offer || maker || returned`.
pub(super) fn offer(
    topic: &str,
    offer: &OfferId,
    who: &Address,
    a: Amount,
    b: Option<Amount>,
) -> Event {
    let mut w = Writer::with_capacity(72);
    w.put(offer).put(who).put(&a);
    if let Some(b) = b {
        w.put(&b);
    }
    event(topic, w)
}
