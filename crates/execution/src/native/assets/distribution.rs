//! Pro-rata distributions (a dividend, a coupon, a rent) to the holders of an asset, in three
//! bounded steps:
//! 1. `distribute` escrows the total, takes a record point of the asset and notes its supply;
//!    no holder is visited.
//! 2. `claim` pays one holder `total × held / eligible` rounded down, where `held` is its
//!    balance at the record point (read from its checkpoints, so later transfers change
//!    nothing) and `eligible` the supply then. Anyone may send it; the holder is paid (shares
//!    escrowed in an offer earn for the offer's maker).
//! 3. `reclaim`: after the claim deadline, or once every share was claimed, the payer takes
//!    back what was not paid, the rounding remainder included. Nothing is created or lost.

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
    asset::{AssetId, Distribution, OfferId, Value, mul_div_floor},
    layout,
};

/// The longest a claim window may be: ten years.
const MAX_CLAIM_WINDOW_MS: u64 = 10 * 366 * 24 * 3600 * 1000;

pub(super) fn distribute(
    overlay: &mut Overlay,
    env: &Env<'_>,
    asset: &AssetId,
    total: &Value,
    claim_until_ms: TimestampMs,
) -> Verdict<Done> {
    let mut class = check!(ledger::class(overlay, asset)?);
    match total {
        Value::Item { .. } => {
            return Ok(Err(AssetError::NotFungible {
                what: "a distribution",
                denom: total.denom(),
            }));
        }
        Value::Token { asset: paid, .. } if paid == asset => {
            return Ok(Err(AssetError::Invalid(
                "an asset cannot be distributed to its own holders".into(),
            )));
        }
        _ => check!(ledger::require_positive(total, "the total")),
    }
    if class.supply == Amount::ZERO {
        return Ok(Err(AssetError::Unavailable(format!(
            "nobody holds asset {asset}: there is no one to distribute to"
        ))));
    }
    if claim_until_ms <= env.time || claim_until_ms.0 - env.time.0 > MAX_CLAIM_WINDOW_MS {
        return Ok(Err(AssetError::Invalid(format!(
            "the claim deadline must be after the block time {} ms and at most ten years later",
            env.time
        ))));
    }
    let mut events = Vec::with_capacity(2);
    check!(ledger::transfer_value(
        overlay,
        env.height,
        &env.sender,
        &asset.escrow(),
        total,
        &mut events
    )?);
    let record = class.records;
    class.records += 1;
    overlay.set(layout::asset_key(asset), class.encode());
    let d = Distribution {
        asset: *asset,
        record,
        payer: env.sender,
        total: *total,
        eligible: class.supply,
        paid: Amount::ZERO,
        claimed_shares: Amount::ZERO,
        height: env.height,
        claim_until_ms,
        closed: false,
    };
    overlay.set(layout::distribution_key(asset, record), d.encode());
    events.push(events::record("distribution_made", asset, record));
    Ok(Ok(Done {
        events,
        output: record.to_be_bytes().to_vec(),
    }))
}

fn load(overlay: &Overlay, asset: &AssetId, record: u64) -> Verdict<Distribution> {
    Ok(
        r::distribution(overlay, asset, record)?.ok_or(AssetError::NoDistribution {
            asset: *asset,
            record,
        }),
    )
}

/// Pays `holder` its part of distribution `record` of `asset`.
pub(super) fn claim(
    overlay: &mut Overlay,
    env: &Env<'_>,
    asset: &AssetId,
    record: u64,
    holder: &Address,
) -> Verdict<Done> {
    let mut d = check!(load(overlay, asset, record)?);
    if d.closed || env.time > d.claim_until_ms {
        return Ok(Err(AssetError::Unavailable(format!(
            "distribution {record} of asset {asset} is closed to claims"
        ))));
    }
    if r::claimed(overlay, asset, record, holder)? {
        return Ok(Err(AssetError::Unavailable(format!(
            "{holder} was paid its part of distribution {record} already"
        ))));
    }
    let held = r::balance_at(overlay, asset, holder, record)?;
    if held == Amount::ZERO {
        return Ok(Err(AssetError::Unavailable(format!(
            "{holder} held none of asset {asset} at record point {record}"
        ))));
    }
    let beneficiary = match r::offer(overlay, &OfferId(holder.0))? {
        Some(offer) => offer.maker,
        None if ledger::is_escrow(overlay, holder)? => {
            return Ok(Err(AssetError::Unavailable(format!(
                "{holder} is a vault or distribution escrow: what it held is left to the payer"
            ))));
        }
        None => *holder,
    };
    if held > d.eligible || d.paid > d.total.amount() {
        return Err(super::corrupt(
            "distribution",
            "a holding above the eligible supply",
        ));
    }
    let pay = mul_div_floor(d.total.amount().0, held.0, d.eligible.0)
        .ok_or_else(|| super::corrupt("distribution", "no eligible supply"))?;
    overlay.set(
        layout::claim_key(asset, record, holder),
        layout::PRESENT.to_vec(),
    );
    let mut events = Vec::with_capacity(2);
    if pay > 0 {
        check!(ledger::transfer_value(
            overlay,
            env.height,
            &asset.escrow(),
            &beneficiary,
            &d.total.with_amount(Amount(pay)),
            &mut events
        )?);
    }
    d.paid = Amount(d.paid.0 + pay);
    d.claimed_shares = Amount(d.claimed_shares.0 + held.0);
    overlay.set(layout::distribution_key(asset, record), d.encode());
    events.push(events::paid(
        "distribution_claimed",
        asset,
        Some(record),
        holder,
        held,
        Amount(pay),
    ));
    Ok(Ok(Done {
        events,
        output: pay.to_be_bytes().to_vec(),
    }))
}

/// The payer takes back what was not paid, after the deadline or once every share claimed.
pub(super) fn reclaim(
    overlay: &mut Overlay,
    env: &Env<'_>,
    asset: &AssetId,
    record: u64,
) -> Verdict<Done> {
    let mut d = check!(load(overlay, asset, record)?);
    if d.payer != env.sender {
        return Ok(Err(AssetError::NotAuthorized {
            action: "reclaim a distribution",
            expected: format!("its payer {}", d.payer),
            sender: env.sender,
        }));
    }
    if d.closed {
        return Ok(Err(AssetError::Unavailable(format!(
            "distribution {record} of asset {asset} was reclaimed already"
        ))));
    }
    if env.time <= d.claim_until_ms && d.claimed_shares < d.eligible {
        return Ok(Err(AssetError::Unavailable(format!(
            "holders may claim until {} ms and {} of {} shares have not",
            d.claim_until_ms,
            d.eligible.0 - d.claimed_shares.0,
            d.eligible
        ))));
    }
    let left = d
        .total
        .amount()
        .checked_sub(d.paid)
        .ok_or_else(|| super::corrupt("distribution", "paid more than its total"))?;
    let mut events = Vec::with_capacity(2);
    if left > Amount::ZERO {
        check!(ledger::transfer_value(
            overlay,
            env.height,
            &asset.escrow(),
            &env.sender,
            &d.total.with_amount(left),
            &mut events
        )?);
    }
    d.closed = true;
    overlay.set(layout::distribution_key(asset, record), d.encode());
    events.push(events::record("distribution_reclaimed", asset, record));
    Ok(Ok(Done {
        events,
        output: left.0.to_be_bytes().to_vec(),
    }))
}
