//! Moving value: the checks and writes every asset operation shares. Each function checks
//! everything before it writes anything, so a failure leaves the overlay as it was (the
//! executor drops a failed transaction's writes anyway; vaults, offers and settlements rely on
//! this to move several values or none).

use super::error::{AssetError, Verdict};
use super::events;
use crate::{
    Overlay, Result,
    read::{self, StateRead, assets as r},
};
use citychain_crypto::Address;
use citychain_types::{
    Amount, Encode, Event, Height,
    asset::{
        AssetClass, AssetId, Checkpoint, CollectionId, Holding, ItemEvent, ItemEventKind,
        TransferRule, Value,
    },
    layout,
};

/// Loads an asset class.
pub(super) fn class(state: &(impl StateRead + ?Sized), asset: &AssetId) -> Verdict<AssetClass> {
    Ok(r::asset_class(state, asset)?.ok_or(AssetError::NoAsset(*asset)))
}

/// Whether `account` is an escrow address of the assets module (an offer, a vault, an asset
/// class holding distribution funds): escrows hold restricted assets in passing for the
/// accounts the rules admit.
pub(super) fn is_escrow(state: &(impl StateRead + ?Sized), account: &Address) -> Result<bool> {
    let id = account.0;
    Ok(state
        .read(&layout::offer_key(&citychain_types::asset::OfferId(id)))?
        .is_some()
        || state.read(&layout::asset_key(&AssetId(id)))?.is_some())
}

/// Whether `account` may hold something under `rule` of the class `class_id` issued by
/// `issuer`; if not, why.
pub(super) fn may_hold(
    state: &(impl StateRead + ?Sized),
    rule: TransferRule,
    class_id: &[u8; 20],
    issuer: &Address,
    account: &Address,
) -> Result<std::result::Result<(), &'static str>> {
    if rule == TransferRule::Open || account == issuer {
        return Ok(Ok(()));
    }
    let (ok, why) = match rule {
        TransferRule::Members => (
            read::member(state, account)?.is_some(),
            "it is not a member of the consortium",
        ),
        _ => (
            r::allowed(state, class_id, account)?,
            "it is not on the issuer's allow-list",
        ),
    };
    if ok || is_escrow(state, account)? {
        return Ok(Ok(()));
    }
    Ok(Err(why))
}

fn restricted(account: &Address, what: String, why: &'static str) -> AssetError {
    AssetError::Restricted {
        account: *account,
        what,
        why,
    }
}

/// Checks that `account`'s holding of `class` may change (neither the class nor the holding is
/// frozen, the rule admits it) and returns the holding.
fn movable_holding(
    state: &(impl StateRead + ?Sized),
    class: &AssetClass,
    account: &Address,
) -> Verdict<Holding> {
    if class.frozen {
        return Ok(Err(AssetError::AssetFrozen(class.id)));
    }
    let h = r::holding(state, &class.id, account)?;
    if h.frozen {
        return Ok(Err(AssetError::HoldingFrozen {
            asset: class.id,
            holder: *account,
        }));
    }
    if let Err(why) = may_hold(state, class.rule, &class.id.0, &class.issuer, account)? {
        return Ok(Err(restricted(account, format!("asset {}", class.id), why)));
    }
    Ok(Ok(h))
}

/// Why moving `amount` of `class` from `from` to `to` would fail, if it would: the transfer
/// pre-check and the first half of every token move.
pub(super) fn check_transfer(
    state: &(impl StateRead + ?Sized),
    class: &AssetClass,
    from: &Address,
    to: &Address,
    amount: Amount,
) -> Verdict<(Holding, Holding)> {
    let sender = match movable_holding(state, class, from)? {
        Ok(h) => h,
        Err(e) => return Ok(Err(e)),
    };
    let recipient = match movable_holding(state, class, to)? {
        Ok(h) => h,
        Err(e) => return Ok(Err(e)),
    };
    if sender.balance < amount {
        return Ok(Err(AssetError::InsufficientBalance {
            holder: *from,
            denom: format!("asset {}", class.id),
            balance: sender.balance,
            needed: amount,
        }));
    }
    if from != to && recipient.balance.checked_add(amount).is_none() {
        return Ok(Err(AssetError::Overflow {
            holder: *to,
            denom: format!("asset {}", class.id),
            balance: recipient.balance,
            amount,
        }));
    }
    Ok(Ok((sender, recipient)))
}

/// Writes `holder`'s new balance of `class`. A balance that changes for the first time since
/// record points were taken is saved first in a checkpoint covering them (if it was not zero);
/// an empty, unfrozen holding is deleted; the index of what an account holds follows.
pub(super) fn set_balance(
    overlay: &mut Overlay,
    class: &AssetClass,
    holder: &Address,
    mut h: Holding,
    balance: Amount,
) {
    if h.record < class.records {
        if h.balance > Amount::ZERO {
            let c = Checkpoint {
                from: h.record,
                balance: h.balance,
            };
            overlay.set(
                layout::checkpoint_key(&class.id, holder, class.records - 1),
                c.encode(),
            );
        }
        h.record = class.records;
    }
    let was_held = h.balance > Amount::ZERO;
    h.balance = balance;
    let key = layout::holding_key(&class.id, holder);
    if balance == Amount::ZERO && !h.frozen {
        overlay.remove(key);
    } else {
        overlay.set(key, h.encode());
    }
    match (was_held, balance > Amount::ZERO) {
        (false, true) => overlay.set(
            layout::held_key(holder, &class.id),
            layout::PRESENT.to_vec(),
        ),
        (true, false) => overlay.remove(layout::held_key(holder, &class.id)),
        _ => {}
    }
}

/// Moves `amount` of `class` from `from` to `to` under its rules.
pub(super) fn transfer_token(
    overlay: &mut Overlay,
    class: &AssetClass,
    from: &Address,
    to: &Address,
    amount: Amount,
    events: &mut Vec<Event>,
) -> Verdict<()> {
    let (sender, recipient) = match check_transfer(overlay, class, from, to, amount)? {
        Ok(hs) => hs,
        Err(e) => return Ok(Err(e)),
    };
    if from != to {
        // Checked above: the sender has `amount`, the recipient's sum does not overflow.
        set_balance(
            overlay,
            class,
            from,
            sender,
            Amount(sender.balance.0 - amount.0),
        );
        set_balance(
            overlay,
            class,
            to,
            recipient,
            Amount(recipient.balance.0 + amount.0),
        );
    }
    events.push(events::token_transfer(&class.id, from, to, amount));
    Ok(Ok(()))
}

/// Creates `amount` of `class` for `to` (the issuer's mint, a vault's shares): the rules for
/// `to`, the cap, the supply.
pub(super) fn mint(
    overlay: &mut Overlay,
    class: &mut AssetClass,
    to: &Address,
    amount: Amount,
) -> Verdict<()> {
    let h = match movable_holding(overlay, class, to)? {
        Ok(h) => h,
        Err(e) => return Ok(Err(e)),
    };
    let Some(supply) = class.supply.checked_add(amount) else {
        return Ok(Err(AssetError::Overflow {
            holder: *to,
            denom: format!("asset {}", class.id),
            balance: class.supply,
            amount,
        }));
    };
    if let Some(cap) = class.supply_cap
        && supply > cap
    {
        return Ok(Err(AssetError::CapExceeded {
            asset: class.id,
            amount,
            supply: class.supply,
            cap,
        }));
    }
    class.supply = supply;
    overlay.set(layout::asset_key(&class.id), class.encode());
    // Cannot overflow: every balance is part of the supply, which did not.
    set_balance(overlay, class, to, h, Amount(h.balance.0 + amount.0));
    Ok(Ok(()))
}

/// Destroys `amount` of `from`'s balance of `class` (neither frozen).
pub(super) fn burn(
    overlay: &mut Overlay,
    class: &mut AssetClass,
    from: &Address,
    amount: Amount,
) -> Verdict<()> {
    if class.frozen {
        return Ok(Err(AssetError::AssetFrozen(class.id)));
    }
    let h = r::holding(overlay, &class.id, from)?;
    if h.frozen {
        return Ok(Err(AssetError::HoldingFrozen {
            asset: class.id,
            holder: *from,
        }));
    }
    if h.balance < amount {
        return Ok(Err(AssetError::InsufficientBalance {
            holder: *from,
            denom: format!("asset {}", class.id),
            balance: h.balance,
            needed: amount,
        }));
    }
    class.supply = Amount(class.supply.0 - amount.0);
    overlay.set(layout::asset_key(&class.id), class.encode());
    set_balance(overlay, class, from, h, Amount(h.balance.0 - amount.0));
    Ok(Ok(()))
}

/// Moves `amount` of the native currency.
pub(super) fn transfer_native(
    overlay: &mut Overlay,
    from: &Address,
    to: &Address,
    amount: Amount,
    events: &mut Vec<Event>,
) -> Verdict<()> {
    let mut sender = overlay.account(from)?;
    let Some(left) = sender.balance.checked_sub(amount) else {
        return Ok(Err(AssetError::InsufficientBalance {
            holder: *from,
            denom: "the native currency".into(),
            balance: sender.balance,
            needed: amount,
        }));
    };
    if from != to {
        let mut recipient = overlay.account(to)?;
        let Some(sum) = recipient.balance.checked_add(amount) else {
            return Ok(Err(AssetError::Overflow {
                holder: *to,
                denom: "the native currency".into(),
                balance: recipient.balance,
                amount,
            }));
        };
        sender.balance = left;
        recipient.balance = sum;
        overlay.set_account(from, &sender);
        overlay.set_account(to, &recipient);
    }
    events.push(events::native_transfer(from, to, amount));
    Ok(Ok(()))
}

/// How an item moves: by its owner (or an escrow acting for one), by the collection's issuer,
/// or by a court order (which no lock or rule stops).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ItemMove {
    Owner,
    Issuer,
    Court,
}

/// Moves an item from `from` (which must own it) to `to`, recording it in its history.
pub(super) fn transfer_item(
    overlay: &mut Overlay,
    height: Height,
    collection_id: &CollectionId,
    item_no: u64,
    from: &Address,
    to: &Address,
    how: ItemMove,
    events: &mut Vec<Event>,
) -> Verdict<()> {
    let Some(collection) = r::collection(overlay, collection_id)? else {
        return Ok(Err(AssetError::NoCollection(*collection_id)));
    };
    let Some(mut item) = r::item(overlay, collection_id, item_no)? else {
        return Ok(Err(AssetError::NoItem {
            collection: *collection_id,
            item: item_no,
        }));
    };
    if item.owner != *from {
        return Ok(Err(AssetError::NotAuthorized {
            action: "move this item",
            expected: format!("its owner {}", item.owner),
            sender: *from,
        }));
    }
    if how == ItemMove::Owner && item.locked {
        return Ok(Err(AssetError::ItemLocked {
            collection: *collection_id,
            item: item_no,
        }));
    }
    if how != ItemMove::Court
        && let Err(why) = may_hold(
            overlay,
            collection.rule,
            &collection.id.0,
            &collection.issuer,
            to,
        )?
    {
        return Ok(Err(restricted(
            to,
            format!("items of collection {collection_id}"),
            why,
        )));
    }
    if from != to {
        overlay.remove(layout::owned_key(from, collection_id, item_no));
        overlay.set(
            layout::owned_key(to, collection_id, item_no),
            layout::PRESENT.to_vec(),
        );
    }
    let kind = if how == ItemMove::Court {
        ItemEventKind::Forced
    } else {
        ItemEventKind::Transfer
    };
    push_history(
        overlay,
        collection_id,
        item_no,
        &mut item,
        kind,
        *from,
        *to,
        height,
    );
    item.owner = *to;
    overlay.set(layout::item_key(collection_id, item_no), item.encode());
    events.push(events::item_transfer(collection_id, item_no, from, to));
    Ok(Ok(()))
}

/// Appends an entry to an item's history (the caller writes the item).
pub(super) fn push_history(
    overlay: &mut Overlay,
    collection: &CollectionId,
    item_no: u64,
    item: &mut citychain_types::asset::Item,
    kind: ItemEventKind,
    from: Address,
    to: Address,
    height: Height,
) {
    let e = ItemEvent {
        kind,
        from,
        to,
        height,
    };
    overlay.set(
        layout::item_history_key(collection, item_no, item.events),
        e.encode(),
    );
    item.events += 1;
}

/// Moves any value from `from` to `to` under its rules.
pub(super) fn transfer_value(
    overlay: &mut Overlay,
    height: Height,
    from: &Address,
    to: &Address,
    value: &Value,
    events: &mut Vec<Event>,
) -> Verdict<()> {
    match value {
        Value::Native { amount } => transfer_native(overlay, from, to, *amount, events),
        Value::Token { asset, amount } => {
            let class = match class(overlay, asset)? {
                Ok(c) => c,
                Err(e) => return Ok(Err(e)),
            };
            transfer_token(overlay, &class, from, to, *amount, events)
        }
        Value::Item { collection, item } => transfer_item(
            overlay,
            height,
            collection,
            *item,
            from,
            to,
            ItemMove::Owner,
            events,
        ),
    }
}

/// Checks that a value can be the subject of an operation: a positive amount, or an item.
pub(super) fn require_positive(value: &Value, what: &str) -> std::result::Result<(), AssetError> {
    if value.is_fungible() && value.amount() == Amount::ZERO {
        return Err(AssetError::Invalid(format!(
            "{what} must be more than zero"
        )));
    }
    Ok(())
}
