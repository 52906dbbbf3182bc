//! Native digital assets (`Payload::Asset`): fungible asset classes with supply caps, transfer
//! rules and freezes; collections of unique items; vaults that split an item into shares;
//! pro-rata distributions; offers (delivery versus payment); multi-leg atomic settlement; and
//! court orders that governance executes.
//!
//! Every operation checks before it writes, and a failed one leaves no trace (the executor
//! drops its writes). The invariants `docs/assets.md` states (holdings sum to the supply,
//! escrows match open offers and vaults, nothing is created by rounding) are tested by the
//! property tests beside this module.

pub mod court;
mod distribution;
pub mod error;
mod events;
mod fungible;
mod items;
mod ledger;
mod offer;
mod settle;
mod vault;

pub use error::AssetError;

use super::{Env, NativeModule, PayloadOutcome, Step};
use crate::{
    BlockError, InvalidTx, Overlay, Result,
    gas::GasMeter,
    native::governance::{GovEnv, audit as gov_audit},
    permissions::{self, Rules},
    read::{self, StateRead},
};
use citychain_crypto::Address;
use citychain_types::{Amount, Event, Gas, Payload, Roles, Status, asset::AssetId, asset::AssetTx};

/// The assets module: `Payload::Asset`.
pub struct Assets;

/// What a successful operation produced.
pub(crate) struct Done {
    events: Vec<Event>,
    output: Vec<u8>,
}

impl Done {
    fn event(e: Event) -> Done {
        Done {
            events: vec![e],
            output: Vec::new(),
        }
    }
}

impl NativeModule for Assets {
    fn tags(&self) -> &'static [u8] {
        &[Payload::TAG_ASSET]
    }

    fn permit(
        &self,
        state: &dyn StateRead,
        rules: &Rules,
        sender: &Address,
        payload: &Payload,
    ) -> Result<std::result::Result<(), InvalidTx>> {
        let Payload::Asset { op } = payload else {
            return Err(super::not_mine("assets", payload));
        };
        match op {
            AssetTx::Create { .. } => {
                permissions::require_roles(state, sender, "create an asset", Roles::ISSUER)
            }
            AssetTx::CreateCollection { .. } => {
                permissions::require_roles(state, sender, "create a collection", Roles::ISSUER)
            }
            AssetTx::Freeze { .. } => {
                permissions::require_regulator(state, rules, sender, "freeze assets")
            }
            AssetTx::Call { contract, .. } => {
                let call = rules.policy.call_roles(contract);
                match permissions::require_roles(state, sender, "call", call)? {
                    Ok(()) => permissions::require_roles(
                        state,
                        sender,
                        "move assets",
                        rules.policy.transfer,
                    ),
                    denied => Ok(denied),
                }
            }
            // Moving value is what the policy's transfer rule governs.
            _ => permissions::require_roles(state, sender, "move assets", rules.policy.transfer),
        }
    }

    fn execute(
        &self,
        overlay: &mut Overlay,
        env: &Env<'_>,
        meter: &mut GasMeter,
        payload: &Payload,
    ) -> Result<Step> {
        let Payload::Asset { op } = payload else {
            return Err(super::not_mine("assets", payload));
        };
        let gas = gas(env, op);
        if let Err(e) = meter.charge(gas) {
            return Ok(PayloadOutcome::Failure {
                status: Status::OutOfGas,
                reason: format!(
                    "the asset operation {} needs {} gas; {} remained",
                    op.kind(),
                    e.needed,
                    e.available
                ),
            }
            .into());
        }
        if let AssetTx::Call {
            contract,
            method,
            args,
            assets,
        } = op
        {
            return Ok(call_with(overlay, env, meter, contract, method, args, assets)?.into());
        }
        let result = match execute(overlay, env, op)? {
            Ok(done) => PayloadOutcome::Success {
                events: done.events,
                output: done.output,
            },
            Err(e) => PayloadOutcome::Failure {
                status: e.status(),
                reason: e.to_string(),
            },
        };
        Ok(result.into())
    }
}

/// An operation's gas: the flat price of a transfer for each value it moves or record it
/// makes, and a signature check's price for each co-signature.
fn gas(env: &Env<'_>, op: &AssetTx) -> Gas {
    let unit = env.params.transfer_gas.0;
    let units: u64 = match op {
        AssetTx::Transfer { .. }
        | AssetTx::Mint { .. }
        | AssetTx::Burn { .. }
        | AssetTx::Allow { .. }
        | AssetTx::Freeze { .. }
        | AssetTx::TransferItem { .. }
        | AssetTx::BurnItem { .. }
        | AssetTx::VoteReserve { .. }
        | AssetTx::CancelOffer { .. }
        | AssetTx::Reclaim { .. } => 1,
        AssetTx::Create { .. }
        | AssetTx::CreateCollection { .. }
        | AssetTx::MintItem { .. }
        | AssetTx::ProposeReserve { .. }
        | AssetTx::Distribute { .. }
        | AssetTx::Claim { .. }
        | AssetTx::MakeOffer { .. }
        | AssetTx::TakeOffer { .. }
        | AssetTx::ClaimProceeds { .. }
        | AssetTx::Redeem { .. }
        | AssetTx::Buyout { .. } => 2,
        AssetTx::CreateVault { .. } => 3,
        // The contract call meters itself; this is the assets it brings.
        AssetTx::Call { assets, .. } => assets.len() as u64,
        AssetTx::Settle { legs, cosigners } => {
            let verify = env.params.wasm.verify_gas.0;
            return Gas(unit
                .saturating_mul(legs.len() as u64)
                .saturating_add(verify.saturating_mul(cosigners.len() as u64)));
        }
    };
    Gas(unit.saturating_mul(units))
}

/// Runs an operation for `env.sender`.
fn execute(
    overlay: &mut Overlay,
    env: &Env<'_>,
    op: &AssetTx,
) -> Result<std::result::Result<Done, AssetError>> {
    match op {
        AssetTx::Create {
            symbol,
            name,
            decimals,
            supply_cap,
            metadata,
            rule,
        } => fungible::create(
            overlay,
            env,
            fungible::NewClass {
                symbol,
                name,
                decimals: *decimals,
                supply_cap: *supply_cap,
                metadata,
                rule: *rule,
            },
        ),
        AssetTx::Mint { asset, to, amount } => fungible::mint(overlay, env, asset, to, *amount),
        AssetTx::Burn { asset, amount } => fungible::burn(overlay, env, asset, *amount),
        AssetTx::Transfer { asset, to, amount } => {
            fungible::transfer(overlay, env, asset, to, *amount)
        }
        AssetTx::Allow {
            class,
            account,
            allowed,
        } => fungible::allow(overlay, env, class, account, *allowed),
        AssetTx::Freeze {
            asset,
            holder,
            freeze,
        } => fungible::freeze(overlay, env, asset, holder.as_ref(), *freeze),
        AssetTx::CreateCollection {
            symbol,
            name,
            metadata,
            rule,
            mint,
        } => items::create(
            overlay,
            env,
            items::NewCollection {
                symbol,
                name,
                metadata,
                rule: *rule,
                mint: *mint,
            },
        ),
        AssetTx::MintItem {
            collection,
            item,
            to,
            metadata,
            locked,
        } => items::mint(overlay, env, collection, *item, to, metadata, *locked),
        AssetTx::TransferItem {
            collection,
            item,
            to,
        } => items::transfer(overlay, env, collection, *item, to),
        AssetTx::BurnItem { collection, item } => items::burn(overlay, env, collection, *item),
        AssetTx::CreateVault {
            content,
            shares,
            symbol,
            name,
            reserve,
        } => vault::create(
            overlay,
            env,
            vault::NewVault {
                content,
                shares: *shares,
                symbol,
                name,
                reserve: reserve.as_ref(),
            },
        ),
        AssetTx::Redeem { vault } => vault::redeem(overlay, env, vault),
        AssetTx::Buyout { vault } => vault::buyout(overlay, env, vault),
        AssetTx::ClaimProceeds { vault, holder } => {
            vault::claim_proceeds(overlay, env, vault, holder)
        }
        AssetTx::ProposeReserve {
            vault,
            price,
            deadline_ms,
        } => vault::propose_reserve(overlay, env, vault, price, *deadline_ms),
        AssetTx::VoteReserve { vault, approve } => {
            vault::vote_reserve(overlay, env, vault, *approve)
        }
        AssetTx::Distribute {
            asset,
            total,
            claim_until_ms,
        } => distribution::distribute(overlay, env, asset, total, *claim_until_ms),
        AssetTx::Claim {
            asset,
            record,
            holder,
        } => distribution::claim(overlay, env, asset, *record, holder),
        AssetTx::Reclaim { asset, record } => distribution::reclaim(overlay, env, asset, *record),
        AssetTx::MakeOffer {
            give,
            want,
            partial,
            taker,
            deadline_ms,
        } => offer::make(
            overlay,
            env,
            offer::NewOffer {
                give,
                want,
                partial: *partial,
                taker: taker.as_ref(),
                deadline_ms: *deadline_ms,
            },
        ),
        AssetTx::TakeOffer { offer, amount } => offer::take(overlay, env, offer, *amount),
        AssetTx::CancelOffer { offer } => offer::cancel(overlay, env, offer),
        AssetTx::Settle { legs, cosigners } => settle::settle(overlay, env, legs, cosigners),
        AssetTx::Call { .. } => Err(corrupt(
            "assets",
            "a call with assets is run by call_with, not dispatched",
        )),
    }
}

/// Moves `assets` from the sender to `contract`, then calls it (it sees them with
/// `attached_assets`). A failure of either leaves nothing: the executor drops the writes.
fn call_with(
    overlay: &mut Overlay,
    env: &Env<'_>,
    meter: &mut GasMeter,
    contract: &Address,
    method: &str,
    args: &[u8],
    assets: &[citychain_types::asset::Value],
) -> Result<PayloadOutcome> {
    let mut moved = Vec::with_capacity(assets.len());
    for (i, value) in assets.iter().enumerate() {
        if let Err(e) = ledger::require_positive(value, "an attached value") {
            return Ok(failure(e));
        }
        if let Err(e) = ledger::transfer_value(
            overlay,
            env.height,
            &env.sender,
            contract,
            value,
            &mut moved,
        )? {
            return Ok(failure(AssetError::Leg {
                index: i,
                error: Box::new(e),
            }));
        }
    }
    let runtime = crate::contracts::Env {
        suite: env.suite,
        height: env.height.0,
        timestamp_ms: env.time.0,
        origin: env.sender,
        attached: assets.to_vec(),
    };
    let outcome = crate::contracts::call(
        overlay,
        env.params,
        runtime,
        meter,
        contract,
        method,
        args,
        Amount::ZERO,
    )?;
    Ok(match outcome {
        PayloadOutcome::Success { events, output } => {
            moved.extend(events);
            PayloadOutcome::Success {
                events: moved,
                output,
            }
        }
        failed => failed,
    })
}

fn failure(e: AssetError) -> PayloadOutcome {
    PayloadOutcome::Failure {
        status: e.status(),
        reason: e.to_string(),
    }
}

/// Moves a value from `from` to `to` under its rules (a contract moving what it holds).
pub(crate) fn move_value(
    overlay: &mut Overlay,
    height: citychain_types::Height,
    from: &Address,
    to: &Address,
    value: &citychain_types::asset::Value,
    events: &mut Vec<Event>,
) -> Result<std::result::Result<(), AssetError>> {
    ledger::transfer_value(overlay, height, from, to, value, events)
}

/// Why `from` could not transfer `amount` of `asset` to `to` now, if it could not: the same
/// checks as the transfer itself, against `state` (the pre-check a wallet runs before signing).
pub fn check_transfer(
    state: &(impl StateRead + ?Sized),
    asset: &AssetId,
    from: &Address,
    to: &Address,
    amount: Amount,
) -> Result<std::result::Result<(), AssetError>> {
    if amount == Amount::ZERO {
        return Ok(Err(AssetError::Invalid(
            "the amount must be more than zero".into(),
        )));
    }
    if read::is_frozen(state, from)? {
        return Ok(Err(AssetError::AccountFrozen(*from)));
    }
    let class = match ledger::class(state, asset)? {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    Ok(ledger::check_transfer(state, &class, from, to, amount)?.map(|_| ()))
}

/// Records an asset action in the governance audit trail.
fn audit(
    overlay: &mut Overlay,
    env: &Env<'_>,
    event: &str,
    action: &str,
    detail: String,
) -> Result<()> {
    let gov = GovEnv {
        suite: env.suite,
        height: env.height,
        time: env.time,
        sender: env.sender,
    };
    gov_audit(overlay, &gov, event, None, action, detail)
}

fn corrupt(what: &'static str, detail: &str) -> BlockError {
    BlockError::CorruptState {
        what,
        detail: detail.into(),
    }
}

#[cfg(test)]
mod tests;
