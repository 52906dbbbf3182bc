//! Collections of unique items (NFTs): creation, minting, transfers with an ownership history,
//! burning.

use super::{
    Done,
    error::{AssetError, Verdict},
    events,
    fungible::check,
    ledger::{self, ItemMove},
};
use crate::{Overlay, native::Env, read, read::assets as r};
use citychain_crypto::Address;
use citychain_types::{
    Encode, Roles,
    asset::{
        self as a, Collection, CollectionId, Item, ItemEventKind, Metadata, MintRule, TransferRule,
    },
    layout,
};

/// The fields of a new collection.
pub(super) struct NewCollection<'a> {
    pub symbol: &'a str,
    pub name: &'a str,
    pub metadata: &'a Metadata,
    pub rule: TransferRule,
    pub mint: MintRule,
}

pub(super) fn create(
    overlay: &mut Overlay,
    env: &Env<'_>,
    new: NewCollection<'_>,
) -> Verdict<Done> {
    check!(a::validate_symbol(new.symbol).map_err(AssetError::Invalid));
    check!(a::validate_name(new.name).map_err(AssetError::Invalid));
    check!(new.metadata.validate().map_err(AssetError::Invalid));
    let id = CollectionId::derive(env.suite, &env.sender, env.nonce);
    if r::collection(overlay, &id)?.is_some() {
        return Ok(Err(AssetError::Exists(format!("collection {id}"))));
    }
    let c = Collection {
        id,
        symbol: new.symbol.into(),
        name: new.name.into(),
        issuer: env.sender,
        metadata: new.metadata.clone(),
        rule: new.rule,
        mint: new.mint,
        items: 0,
        created_height: env.height,
    };
    overlay.set(layout::collection_key(&id), c.encode());
    Ok(Ok(Done {
        events: vec![events::created("collection_created", &id.0, &env.sender)],
        output: id.0.to_vec(),
    }))
}

/// Mints item `item_no` of a collection to `to`: by its issuer, or by any account with the
/// `issuer` role if the collection allows.
pub(super) fn mint(
    overlay: &mut Overlay,
    env: &Env<'_>,
    collection_id: &CollectionId,
    item_no: u64,
    to: &Address,
    metadata: &Metadata,
    locked: bool,
) -> Verdict<Done> {
    check!(metadata.validate().map_err(AssetError::Invalid));
    let Some(mut collection) = r::collection(overlay, collection_id)? else {
        return Ok(Err(AssetError::NoCollection(*collection_id)));
    };
    let may_mint = env.sender == collection.issuer
        || (collection.mint == MintRule::AnyIssuer
            && read::member(overlay, &env.sender)?
                .is_some_and(|m| m.roles.intersects(Roles::ISSUER)));
    if !may_mint {
        let expected = match collection.mint {
            MintRule::Issuer => format!("the issuer {}", collection.issuer),
            MintRule::AnyIssuer => "an account with the issuer role".into(),
        };
        return Ok(Err(AssetError::NotAuthorized {
            action: "mint items of this collection",
            expected,
            sender: env.sender,
        }));
    }
    if r::item(overlay, collection_id, item_no)?.is_some() {
        return Ok(Err(AssetError::ItemExists {
            collection: *collection_id,
            item: item_no,
        }));
    }
    if let Err(why) = ledger::may_hold(
        overlay,
        collection.rule,
        &collection_id.0,
        &collection.issuer,
        to,
    )? {
        return Ok(Err(AssetError::Restricted {
            account: *to,
            what: format!("items of collection {collection_id}"),
            why,
        }));
    }
    let mut item = Item {
        owner: *to,
        metadata: metadata.clone(),
        locked,
        minted_height: env.height,
        events: 0,
    };
    ledger::push_history(
        overlay,
        collection_id,
        item_no,
        &mut item,
        ItemEventKind::Mint,
        Address::ZERO,
        *to,
        env.height,
    );
    overlay.set(layout::item_key(collection_id, item_no), item.encode());
    overlay.set(
        layout::owned_key(to, collection_id, item_no),
        layout::PRESENT.to_vec(),
    );
    collection.items += 1;
    overlay.set(layout::collection_key(collection_id), collection.encode());
    Ok(Ok(Done::event(events::item(
        "item_minted",
        collection_id,
        item_no,
        to,
    ))))
}

/// The owner moves its item; the issuer may move any item of its collection (a locked one
/// included) from its owner.
pub(super) fn transfer(
    overlay: &mut Overlay,
    env: &Env<'_>,
    collection_id: &CollectionId,
    item_no: u64,
    to: &Address,
) -> Verdict<Done> {
    let (owner, how) = check!(mover(overlay, env, collection_id, item_no)?);
    let mut events = Vec::with_capacity(1);
    check!(ledger::transfer_item(
        overlay,
        env.height,
        collection_id,
        item_no,
        &owner,
        to,
        how,
        &mut events
    )?);
    Ok(Ok(Done {
        events,
        output: Vec::new(),
    }))
}

/// The owner burns its item (not a locked one), or the issuer burns any (revokes a
/// certificate).
pub(super) fn burn(
    overlay: &mut Overlay,
    env: &Env<'_>,
    collection_id: &CollectionId,
    item_no: u64,
) -> Verdict<Done> {
    let (owner, how) = check!(mover(overlay, env, collection_id, item_no)?);
    let Some(mut item) = r::item(overlay, collection_id, item_no)? else {
        return Ok(Err(AssetError::NoItem {
            collection: *collection_id,
            item: item_no,
        }));
    };
    if how == ItemMove::Owner && item.locked {
        return Ok(Err(AssetError::ItemLocked {
            collection: *collection_id,
            item: item_no,
        }));
    }
    let Some(mut collection) = r::collection(overlay, collection_id)? else {
        return Ok(Err(AssetError::NoCollection(*collection_id)));
    };
    // The history stays: a burned item's past owners remain provable.
    ledger::push_history(
        overlay,
        collection_id,
        item_no,
        &mut item,
        ItemEventKind::Burn,
        owner,
        Address::ZERO,
        env.height,
    );
    item.owner = Address::ZERO;
    overlay.set(layout::item_key(collection_id, item_no), item.encode());
    overlay.remove(layout::owned_key(&owner, collection_id, item_no));
    collection.items = collection.items.saturating_sub(1);
    overlay.set(layout::collection_key(collection_id), collection.encode());
    Ok(Ok(Done::event(events::item(
        "item_burned",
        collection_id,
        item_no,
        &owner,
    ))))
}

/// Who owns the item and in which capacity the sender moves it: as its owner, or as the
/// collection's issuer (never out of an escrow: a vault or an offer holds it for others).
fn mover(
    overlay: &Overlay,
    env: &Env<'_>,
    collection_id: &CollectionId,
    item_no: u64,
) -> Verdict<(Address, ItemMove)> {
    let Some(collection) = r::collection(overlay, collection_id)? else {
        return Ok(Err(AssetError::NoCollection(*collection_id)));
    };
    let item = match r::item(overlay, collection_id, item_no)? {
        Some(i) if i.owner != Address::ZERO => i,
        _ => {
            return Ok(Err(AssetError::NoItem {
                collection: *collection_id,
                item: item_no,
            }));
        }
    };
    if item.owner == env.sender {
        return Ok(Ok((item.owner, ItemMove::Owner)));
    }
    if collection.issuer == env.sender && !ledger::is_escrow(overlay, &item.owner)? {
        return Ok(Ok((item.owner, ItemMove::Issuer)));
    }
    Ok(Err(AssetError::NotAuthorized {
        action: "move this item",
        expected: format!("its owner {}", item.owner),
        sender: env.sender,
    }))
}
