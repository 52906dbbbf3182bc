//! Due process: what a court order does to assets once governance approved it. Freezes and
//! transfer rules do not stop it (that is what an order is for); balances and supply still
//! add up. The governance module records it, with the case id, in the audit trail.

use super::{
    error::{AssetError, Verdict},
    fungible::check,
    ledger::{self, ItemMove},
};
use crate::{Overlay, read::assets as r};
use citychain_crypto::Address;
use citychain_types::{
    Amount, Height,
    asset::{AssetClass, CourtAction, CourtOrder},
};

/// Applies an approved court order; the text says what it did, for the audit trail.
pub fn apply(overlay: &mut Overlay, height: Height, order: &CourtOrder) -> Verdict<String> {
    check!(order.validate().map_err(AssetError::Invalid));
    let did = match &order.action {
        CourtAction::ForcedTransfer {
            asset,
            from,
            to,
            amount,
        } => {
            let class = check!(ledger::class(overlay, asset)?);
            check!(force(overlay, &class, from, to, *amount)?);
            format!("moved {amount} of asset {asset} from {from} to {to}")
        }
        CourtAction::Reissue { asset, from, to } => {
            let class = check!(ledger::class(overlay, asset)?);
            let amount = r::holding(overlay, asset, from)?.balance;
            check!(force(overlay, &class, from, to, amount)?);
            format!("reissued {from}'s {amount} of asset {asset} to {to}")
        }
        CourtAction::ForcedItemTransfer {
            collection,
            item,
            to,
        } => {
            let Some(owner) = r::item(overlay, collection, *item)?.map(|i| i.owner) else {
                return Ok(Err(AssetError::NoItem {
                    collection: *collection,
                    item: *item,
                }));
            };
            check!(ledger::transfer_item(
                overlay,
                height,
                collection,
                *item,
                &owner,
                to,
                ItemMove::Court,
                &mut Vec::new(),
            )?);
            format!("moved item {item} of collection {collection} from {owner} to {to}")
        }
    };
    Ok(Ok(format!("case {}: {did}", order.case)))
}

/// Moves `amount` from `from` to `to` whatever the freezes and rules say.
fn force(
    overlay: &mut Overlay,
    class: &AssetClass,
    from: &Address,
    to: &Address,
    amount: Amount,
) -> Verdict<()> {
    if amount == Amount::ZERO {
        return Ok(Err(AssetError::Invalid(format!(
            "{from} holds none of asset {}",
            class.id
        ))));
    }
    if from == to {
        return Ok(Err(AssetError::Invalid(
            "an order to move a balance to itself".into(),
        )));
    }
    let sender = r::holding(overlay, &class.id, from)?;
    if sender.balance < amount {
        return Ok(Err(AssetError::InsufficientBalance {
            holder: *from,
            denom: format!("asset {}", class.id),
            balance: sender.balance,
            needed: amount,
        }));
    }
    let recipient = r::holding(overlay, &class.id, to)?;
    let Some(sum) = recipient.balance.checked_add(amount) else {
        return Ok(Err(AssetError::Overflow {
            holder: *to,
            denom: format!("asset {}", class.id),
            balance: recipient.balance,
            amount,
        }));
    };
    ledger::set_balance(
        overlay,
        class,
        from,
        sender,
        Amount(sender.balance.0 - amount.0),
    );
    ledger::set_balance(overlay, class, to, recipient, sum);
    Ok(Ok(()))
}
