//! Two-party offers, delivery versus payment: the maker escrows what it gives; a taker pays
//! what it wants and receives the escrow in the same transaction; the maker cancels, or anyone
//! returns an expired offer's escrow to its maker.
//!
//! A partial take of `g` out of `give_left` pays `want_left × g / give_left` rounded up (the
//! maker never receives less than its price); the take that empties the offer pays exactly
//! `want_left`.

use super::{
    Done,
    error::{AssetError, Verdict},
    events,
    fungible::check,
    ledger,
};
use crate::{Overlay, native::Env, read::assets as r};
use citychain_crypto::Address;
use citychain_types::{
    Amount, Encode, TimestampMs,
    asset::{Offer, OfferId, OfferStatus, Value, mul_div_ceil},
    layout,
};

/// The longest an offer may stay open: one year.
const MAX_OFFER_MS: u64 = 366 * 24 * 3600 * 1000;

pub(super) struct NewOffer<'a> {
    pub give: &'a Value,
    pub want: &'a Value,
    pub partial: bool,
    pub taker: Option<&'a Address>,
    pub deadline_ms: TimestampMs,
}

fn validate(env: &Env<'_>, new: &NewOffer<'_>) -> std::result::Result<(), AssetError> {
    ledger::require_positive(new.give, "what an offer gives")?;
    ledger::require_positive(new.want, "what an offer wants")?;
    if new.give.denom() == new.want.denom() {
        return Err(AssetError::Invalid(format!(
            "an offer cannot swap {} for the same thing",
            new.give
        )));
    }
    if new.partial && !(new.give.is_fungible() && new.want.is_fungible()) {
        return Err(AssetError::Invalid(
            "only an offer of an amount for an amount may be taken in parts".into(),
        ));
    }
    if new.taker == Some(&env.sender) {
        return Err(AssetError::Invalid(
            "an offer to oneself is a self-swap".into(),
        ));
    }
    if new.deadline_ms <= env.time || new.deadline_ms.0 - env.time.0 > MAX_OFFER_MS {
        return Err(AssetError::Invalid(format!(
            "the deadline must be after the block time {} ms and at most a year later",
            env.time
        )));
    }
    Ok(())
}

pub(super) fn make(overlay: &mut Overlay, env: &Env<'_>, new: NewOffer<'_>) -> Verdict<Done> {
    check!(validate(env, &new));
    if let Value::Token { asset, .. } = new.want {
        check!(ledger::class(overlay, asset)?);
    }
    let id = OfferId::derive(env.suite, &env.sender, env.nonce);
    if r::offer(overlay, &id)?.is_some() {
        return Ok(Err(AssetError::Exists(format!("offer {id}"))));
    }
    let offer = Offer {
        id,
        maker: env.sender,
        give: *new.give,
        want: *new.want,
        give_left: new.give.amount(),
        want_left: new.want.amount(),
        partial: new.partial,
        taker: new.taker.copied(),
        deadline_ms: new.deadline_ms,
        status: OfferStatus::Open,
        created_height: env.height,
    };
    // Written before the escrow moves, so the offer's address counts as an escrow.
    overlay.set(layout::offer_key(&id), offer.encode());
    set_indexed(overlay, &offer, true);
    let mut events = Vec::with_capacity(2);
    check!(ledger::transfer_value(
        overlay,
        env.height,
        &env.sender,
        &id.escrow(),
        new.give,
        &mut events
    )?);
    events.push(events::created("offer_made", &id.0, &env.sender));
    Ok(Ok(Done {
        events,
        output: id.0.to_vec(),
    }))
}

/// Adds an open offer to (or removes it from) the indexes by maker and by denomination.
fn set_indexed(overlay: &mut Overlay, offer: &Offer, open: bool) {
    let keys = [
        layout::offer_by_maker_key(&offer.maker, &offer.id),
        layout::offer_by_denom_key(&offer.give.denom(), &offer.id),
        layout::offer_by_denom_key(&offer.want.denom(), &offer.id),
    ];
    for key in keys {
        if open {
            overlay.set(key, layout::PRESENT.to_vec());
        } else {
            overlay.remove(key);
        }
    }
}

fn open_offer(overlay: &Overlay, id: &OfferId) -> Verdict<Offer> {
    let Some(offer) = r::offer(overlay, id)? else {
        return Ok(Err(AssetError::NoOffer(*id)));
    };
    if offer.status != OfferStatus::Open {
        return Ok(Err(AssetError::Unavailable(format!(
            "offer {id} is {} already",
            match offer.status {
                OfferStatus::Filled => "taken",
                OfferStatus::Cancelled => "cancelled",
                OfferStatus::Expired => "expired",
                OfferStatus::Open => "open",
            }
        ))));
    }
    Ok(Ok(offer))
}

/// The sender takes `amount` of what the offer gives and pays its price.
pub(super) fn take(
    overlay: &mut Overlay,
    env: &Env<'_>,
    id: &OfferId,
    amount: Amount,
) -> Verdict<Done> {
    let mut offer = check!(open_offer(overlay, id)?);
    if env.time > offer.deadline_ms {
        return Ok(Err(AssetError::OfferExpired {
            offer: *id,
            deadline_ms: offer.deadline_ms,
            now_ms: env.time,
        }));
    }
    if offer.maker == env.sender {
        return Ok(Err(AssetError::Invalid(
            "the maker cannot take its own offer (a self-swap); cancel it instead".into(),
        )));
    }
    if let Some(taker) = offer.taker
        && taker != env.sender
    {
        return Ok(Err(AssetError::NotAuthorized {
            action: "take this offer",
            expected: format!("its named taker {taker}"),
            sender: env.sender,
        }));
    }
    if amount == Amount::ZERO || amount > offer.give_left {
        return Ok(Err(AssetError::Invalid(format!(
            "take between 1 and the {} left",
            offer.give_left
        ))));
    }
    if amount != offer.give_left && !offer.partial {
        return Ok(Err(AssetError::Invalid(format!(
            "offer {id} must be taken whole: all {} left",
            offer.give.with_amount(offer.give_left)
        ))));
    }
    let pay = if amount == offer.give_left {
        offer.want_left
    } else {
        Amount(
            mul_div_ceil(offer.want_left.0, amount.0, offer.give_left.0)
                .ok_or_else(|| super::corrupt("offer", "more taken than left"))?,
        )
    };
    let mut events = Vec::with_capacity(3);
    check!(ledger::transfer_value(
        overlay,
        env.height,
        &env.sender,
        &offer.maker,
        &offer.want.with_amount(pay),
        &mut events
    )?);
    check!(ledger::transfer_value(
        overlay,
        env.height,
        &id.escrow(),
        &env.sender,
        &offer.give.with_amount(amount),
        &mut events
    )?);
    offer.give_left = Amount(offer.give_left.0 - amount.0);
    offer.want_left = Amount(offer.want_left.0 - pay.0);
    if offer.give_left == Amount::ZERO {
        offer.status = OfferStatus::Filled;
        set_indexed(overlay, &offer, false);
    }
    overlay.set(layout::offer_key(id), offer.encode());
    events.push(events::offer(
        "offer_taken",
        id,
        &env.sender,
        amount,
        Some(pay),
    ));
    Ok(Ok(Done {
        events,
        output: Vec::new(),
    }))
}

/// The maker cancels; or, after the deadline, anyone returns the escrow to the maker.
pub(super) fn cancel(overlay: &mut Overlay, env: &Env<'_>, id: &OfferId) -> Verdict<Done> {
    let mut offer = check!(open_offer(overlay, id)?);
    let expired = env.time > offer.deadline_ms;
    if env.sender != offer.maker && !expired {
        return Ok(Err(AssetError::NotAuthorized {
            action: "cancel this offer before its deadline",
            expected: format!("its maker {}", offer.maker),
            sender: env.sender,
        }));
    }
    let left = offer.give_left;
    let mut events = Vec::with_capacity(2);
    check!(ledger::transfer_value(
        overlay,
        env.height,
        &id.escrow(),
        &offer.maker,
        &offer.give.with_amount(left),
        &mut events
    )?);
    offer.give_left = Amount::ZERO;
    offer.status = if expired {
        OfferStatus::Expired
    } else {
        OfferStatus::Cancelled
    };
    set_indexed(overlay, &offer, false);
    overlay.set(layout::offer_key(id), offer.encode());
    let topic = if expired {
        "offer_expired"
    } else {
        "offer_cancelled"
    };
    events.push(events::offer(topic, id, &offer.maker, left, None));
    Ok(Ok(Done {
        events,
        output: Vec::new(),
    }))
}
