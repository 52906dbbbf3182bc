//! Fungible asset classes: creation, mint and burn by the issuer, transfers, allow-lists and
//! the regulator's freezes.

use super::{
    Done, audit,
    error::{AssetError, Verdict},
    events,
    ledger::{self, set_balance},
};
use crate::{Overlay, Result, native::Env, read::assets as r};
use citychain_crypto::Address;
use citychain_types::{
    Amount, Encode,
    asset::{self as a, AssetClass, AssetId, Class, MAX_DECIMALS, Metadata, TransferRule},
    layout,
};

macro_rules! check {
    ($v:expr) => {
        match $v {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        }
    };
}
pub(super) use check;

/// The fields of a new asset class.
pub(super) struct NewClass<'a> {
    pub symbol: &'a str,
    pub name: &'a str,
    pub decimals: u8,
    pub supply_cap: Option<Amount>,
    pub metadata: &'a Metadata,
    pub rule: TransferRule,
}

/// Checks a new class's fields.
pub(super) fn validate(new: &NewClass<'_>) -> std::result::Result<(), AssetError> {
    a::validate_symbol(new.symbol).map_err(AssetError::Invalid)?;
    a::validate_name(new.name).map_err(AssetError::Invalid)?;
    new.metadata.validate().map_err(AssetError::Invalid)?;
    if new.decimals > MAX_DECIMALS {
        return Err(AssetError::Invalid(format!(
            "{} decimals; at most {MAX_DECIMALS}",
            new.decimals
        )));
    }
    if new.supply_cap == Some(Amount::ZERO) {
        return Err(AssetError::Invalid(
            "a supply cap of zero allows nothing".into(),
        ));
    }
    Ok(())
}

/// Creates an asset class issued by the sender (whose `issuer` role the permission check saw).
pub(super) fn create(overlay: &mut Overlay, env: &Env<'_>, new: NewClass<'_>) -> Verdict<Done> {
    check!(validate(&new));
    let id = AssetId::derive(env.suite, &env.sender, env.nonce);
    if r::asset_class(overlay, &id)?.is_some() {
        return Ok(Err(AssetError::Exists(format!("asset {id}"))));
    }
    let class = AssetClass {
        id,
        symbol: new.symbol.into(),
        name: new.name.into(),
        decimals: new.decimals,
        issuer: env.sender,
        supply_cap: new.supply_cap,
        supply: Amount::ZERO,
        metadata: new.metadata.clone(),
        rule: new.rule,
        frozen: false,
        records: 0,
        vault_shares: false,
        created_height: env.height,
    };
    overlay.set(layout::asset_key(&id), class.encode());
    Ok(Ok(Done {
        events: vec![events::created("asset_created", &id.0, &env.sender)],
        output: id.0.to_vec(),
    }))
}

/// Loads a class that only its issuer may act on.
fn issued_by(
    overlay: &Overlay,
    asset: &AssetId,
    sender: &Address,
    action: &'static str,
) -> Verdict<AssetClass> {
    let class = check!(ledger::class(overlay, asset)?);
    if class.vault_shares {
        return Ok(Err(AssetError::Unavailable(format!(
            "asset {asset} is a vault's shares: only the vault mints and burns them"
        ))));
    }
    if class.issuer != *sender {
        return Ok(Err(AssetError::NotAuthorized {
            action,
            expected: format!("the issuer {}", class.issuer),
            sender: *sender,
        }));
    }
    Ok(Ok(class))
}

fn positive(amount: Amount) -> std::result::Result<(), AssetError> {
    if amount == Amount::ZERO {
        return Err(AssetError::Invalid(
            "the amount must be more than zero".into(),
        ));
    }
    Ok(())
}

pub(super) fn mint(
    overlay: &mut Overlay,
    env: &Env<'_>,
    asset: &AssetId,
    to: &Address,
    amount: Amount,
) -> Verdict<Done> {
    check!(positive(amount));
    let mut class = check!(issued_by(overlay, asset, &env.sender, "mint")?);
    check!(ledger::mint(overlay, &mut class, to, amount)?);
    Ok(Ok(Done::event(events::supply(
        "asset_minted",
        asset,
        to,
        amount,
    ))))
}

pub(super) fn burn(
    overlay: &mut Overlay,
    env: &Env<'_>,
    asset: &AssetId,
    amount: Amount,
) -> Verdict<Done> {
    check!(positive(amount));
    let mut class = check!(issued_by(overlay, asset, &env.sender, "burn")?);
    check!(ledger::burn(overlay, &mut class, &env.sender, amount)?);
    Ok(Ok(Done::event(events::supply(
        "asset_burned",
        asset,
        &env.sender,
        amount,
    ))))
}

pub(super) fn transfer(
    overlay: &mut Overlay,
    env: &Env<'_>,
    asset: &AssetId,
    to: &Address,
    amount: Amount,
) -> Verdict<Done> {
    check!(positive(amount));
    let class = check!(ledger::class(overlay, asset)?);
    let mut events = Vec::with_capacity(1);
    check!(ledger::transfer_token(
        overlay,
        &class,
        &env.sender,
        to,
        amount,
        &mut events
    )?);
    Ok(Ok(Done {
        events,
        output: Vec::new(),
    }))
}

/// The issuer of an asset class or collection puts an account on its allow-list or takes it
/// off.
pub(super) fn allow(
    overlay: &mut Overlay,
    env: &Env<'_>,
    class: &Class,
    account: &Address,
    allowed: bool,
) -> Verdict<Done> {
    let issuer = match class {
        Class::Asset(id) => check!(ledger::class(overlay, id)?).issuer,
        Class::Collection(id) => match r::collection(overlay, id)? {
            Some(c) => c.issuer,
            None => return Ok(Err(AssetError::NoCollection(*id))),
        },
    };
    if issuer != env.sender {
        return Ok(Err(AssetError::NotAuthorized {
            action: "change the allow-list",
            expected: format!("the issuer {issuer}"),
            sender: env.sender,
        }));
    }
    let id = class.id_bytes();
    let key = layout::allowed_key(&id, account);
    if allowed {
        overlay.set(key, layout::PRESENT.to_vec());
    } else {
        overlay.remove(key);
    }
    Ok(Ok(Done::event(events::allowed(&id, account, allowed))))
}

/// A regulator (whose role and the policy the permission check saw) freezes or unfreezes an
/// asset class or one holder's balance of it; the audit trail records it.
pub(super) fn freeze(
    overlay: &mut Overlay,
    env: &Env<'_>,
    asset: &AssetId,
    holder: Option<&Address>,
    freeze: bool,
) -> Result<std::result::Result<Done, AssetError>> {
    let mut class = check!(ledger::class(overlay, asset)?);
    let what = match holder {
        None => {
            class.frozen = freeze;
            overlay.set(layout::asset_key(asset), class.encode());
            format!("asset {asset}")
        }
        Some(holder) => {
            let mut h = r::holding(overlay, asset, holder)?;
            let balance = h.balance;
            h.frozen = freeze;
            // Written through set_balance so an unfrozen empty holding is deleted.
            set_balance(overlay, &class, holder, h, balance);
            format!("{holder}'s balance of asset {asset}")
        }
    };
    let verb = if freeze { "froze" } else { "unfroze" };
    audit(
        overlay,
        env,
        if freeze {
            "regulator_freeze"
        } else {
            "regulator_unfreeze"
        },
        "asset_freeze",
        format!("{verb} {what}"),
    )?;
    Ok(Ok(Done::event(events::frozen(asset, holder, freeze))))
}
