//! Fractional ownership: a vault takes an item (or an amount of a fungible asset) into custody
//! and issues shares; a holder of every share redeems the content; anyone buys it out at the
//! reserve price, after which shareholders claim the proceeds pro rata; shareholders may vote
//! a new reserve price, weighted by the shares they held when it was proposed.
//!
//! Proceeds are exact: a claim of `s` shares pays `proceeds × s / unclaimed_shares` rounded
//! down, out of what is left, so the last claim takes exactly the remainder and nothing is
//! created or lost.

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
    asset::{
        self as a, AssetClass, AssetId, ReserveVote, TransferRule, Value, Vault, VaultStatus,
        mul_div_floor,
    },
    layout,
};

/// The longest a reserve vote may stay open, as a governance proposal.
const MAX_VOTE_MS: u64 = crate::native::governance::MAX_VOTING_PERIOD_MS;

fn load(overlay: &Overlay, vault: &AssetId) -> Verdict<(Vault, AssetClass)> {
    let Some(v) = r::vault(overlay, vault)? else {
        return Ok(Err(AssetError::NoVault(*vault)));
    };
    let class = check!(ledger::class(overlay, vault)?);
    Ok(Ok((v, class)))
}

fn active(v: &Vault) -> std::result::Result<(), AssetError> {
    match v.status {
        VaultStatus::Active => Ok(()),
        VaultStatus::Redeemed => Err(AssetError::Unavailable(format!(
            "vault {} was redeemed",
            v.id
        ))),
        VaultStatus::BoughtOut => Err(AssetError::Unavailable(format!(
            "vault {} was bought out",
            v.id
        ))),
    }
}

/// A price must be a positive amount of the native currency or of another fungible asset.
fn check_price(price: &Value, vault: &AssetId) -> std::result::Result<(), AssetError> {
    match price {
        Value::Item { .. } => Err(AssetError::NotFungible {
            what: "a reserve price",
            denom: price.denom(),
        }),
        Value::Token { asset, .. } if asset == vault => Err(AssetError::Invalid(
            "a vault cannot be priced in its own shares".into(),
        )),
        _ => ledger::require_positive(price, "the reserve price"),
    }
}

pub(super) struct NewVault<'a> {
    pub content: &'a Value,
    pub shares: Amount,
    pub symbol: &'a str,
    pub name: &'a str,
    pub reserve: Option<&'a Value>,
}

/// Locks `content` from the sender in a new vault and issues its shares to the sender.
pub(super) fn create(overlay: &mut Overlay, env: &Env<'_>, new: NewVault<'_>) -> Verdict<Done> {
    check!(a::validate_symbol(new.symbol).map_err(AssetError::Invalid));
    check!(a::validate_name(new.name).map_err(AssetError::Invalid));
    check!(ledger::require_positive(new.content, "the vault's content"));
    if new.shares == Amount::ZERO {
        return Ok(Err(AssetError::Invalid(
            "a vault issues at least one share".into(),
        )));
    }
    let id = a::vault_id(env.suite, &env.sender, env.nonce);
    if let Some(price) = new.reserve {
        check!(check_price(price, &id));
    }
    // Shares are as open as what they are shares of; an allow-list cannot carry over (the
    // vault keeps none), so such content stays whole.
    let rule = match check!(content_rule(overlay, new.content)?) {
        TransferRule::AllowList => {
            return Ok(Err(AssetError::Invalid(format!(
                "{} is for allow-listed holders only; it cannot be split into shares",
                new.content
            ))));
        }
        rule => rule,
    };
    if r::vault(overlay, &id)?.is_some() || r::asset_class(overlay, &id)?.is_some() {
        return Ok(Err(AssetError::Exists(format!("vault {id}"))));
    }
    let mut shares = AssetClass {
        id,
        symbol: new.symbol.into(),
        name: new.name.into(),
        decimals: 0,
        issuer: id.escrow(),
        supply_cap: Some(new.shares),
        supply: Amount::ZERO,
        metadata: Default::default(),
        rule,
        frozen: false,
        records: 0,
        vault_shares: true,
        created_height: env.height,
    };
    // The share class exists before the content moves, so the escrow counts as one.
    overlay.set(layout::asset_key(&id), shares.encode());
    let mut events = Vec::with_capacity(3);
    check!(ledger::transfer_value(
        overlay,
        env.height,
        &env.sender,
        &id.escrow(),
        new.content,
        &mut events
    )?);
    check!(ledger::mint(overlay, &mut shares, &env.sender, new.shares)?);
    let vault = Vault {
        id,
        creator: env.sender,
        content: *new.content,
        shares: new.shares,
        reserve: new.reserve.copied(),
        status: VaultStatus::Active,
        buyer: None,
        proceeds: Amount::ZERO,
        unclaimed_shares: Amount::ZERO,
        vote: None,
        created_height: env.height,
    };
    overlay.set(layout::vault_key(&id), vault.encode());
    events.push(events::created("vault_created", &id.0, &env.sender));
    Ok(Ok(Done {
        events,
        output: id.0.to_vec(),
    }))
}

/// The transfer rule of what a vault would hold.
fn content_rule(overlay: &Overlay, content: &Value) -> Verdict<TransferRule> {
    Ok(match content {
        Value::Native { .. } => Err(AssetError::Invalid(
            "a vault holds an item or a fungible asset, not the native currency".into(),
        )),
        Value::Token { asset, .. } => {
            let class = check!(ledger::class(overlay, asset)?);
            Ok(class.rule)
        }
        Value::Item { collection, .. } => match r::collection(overlay, collection)? {
            Some(c) => Ok(c.rule),
            None => Err(AssetError::NoCollection(*collection)),
        },
    })
}

/// A holder of every share burns them and takes the content.
pub(super) fn redeem(overlay: &mut Overlay, env: &Env<'_>, vault_id: &AssetId) -> Verdict<Done> {
    let (mut v, mut shares) = check!(load(overlay, vault_id)?);
    check!(active(&v));
    let held = r::holding(overlay, vault_id, &env.sender)?.balance;
    if held != shares.supply {
        return Ok(Err(AssetError::InsufficientBalance {
            holder: env.sender,
            denom: format!("the shares of vault {vault_id}"),
            balance: held,
            needed: shares.supply,
        }));
    }
    let mut events = Vec::with_capacity(3);
    check!(ledger::burn(overlay, &mut shares, &env.sender, held)?);
    check!(ledger::transfer_value(
        overlay,
        env.height,
        &vault_id.escrow(),
        &env.sender,
        &v.content,
        &mut events
    )?);
    v.status = VaultStatus::Redeemed;
    v.vote = None;
    overlay.set(layout::vault_key(vault_id), v.encode());
    events.push(events::vault("vault_redeemed", vault_id, &env.sender));
    Ok(Ok(Done {
        events,
        output: Vec::new(),
    }))
}

/// The sender pays the reserve price into the vault and takes the content.
pub(super) fn buyout(overlay: &mut Overlay, env: &Env<'_>, vault_id: &AssetId) -> Verdict<Done> {
    let (mut v, shares) = check!(load(overlay, vault_id)?);
    check!(active(&v));
    let Some(price) = v.reserve else {
        return Ok(Err(AssetError::Unavailable(format!(
            "vault {vault_id} has no reserve price: it cannot be bought out"
        ))));
    };
    let mut events = Vec::with_capacity(3);
    check!(ledger::transfer_value(
        overlay,
        env.height,
        &env.sender,
        &vault_id.escrow(),
        &price,
        &mut events
    )?);
    check!(ledger::transfer_value(
        overlay,
        env.height,
        &vault_id.escrow(),
        &env.sender,
        &v.content,
        &mut events
    )?);
    v.status = VaultStatus::BoughtOut;
    v.buyer = Some(env.sender);
    v.proceeds = price.amount();
    v.unclaimed_shares = shares.supply;
    v.vote = None;
    overlay.set(layout::vault_key(vault_id), v.encode());
    events.push(events::vault("vault_bought_out", vault_id, &env.sender));
    Ok(Ok(Done {
        events,
        output: Vec::new(),
    }))
}

/// After a buyout, burns `holder`'s shares and pays it its part of what is left of the
/// proceeds (anyone may send this: the payment goes to the holder).
pub(super) fn claim_proceeds(
    overlay: &mut Overlay,
    env: &Env<'_>,
    vault_id: &AssetId,
    holder: &Address,
) -> Verdict<Done> {
    let (mut v, mut shares) = check!(load(overlay, vault_id)?);
    if v.status != VaultStatus::BoughtOut {
        return Ok(Err(AssetError::Unavailable(format!(
            "vault {vault_id} was not bought out: there are no proceeds to claim"
        ))));
    }
    let Some(price) = v.reserve else {
        return Err(super::corrupt(
            "vault",
            "bought out without a reserve price",
        ));
    };
    if ledger::is_escrow(overlay, holder)? {
        return Ok(Err(AssetError::Unavailable(format!(
            "{holder} is an escrow: cancel the offer holding the shares, then claim"
        ))));
    }
    let held = r::holding(overlay, vault_id, holder)?.balance;
    if held == Amount::ZERO {
        return Ok(Err(AssetError::Unavailable(format!(
            "{holder} holds no shares of vault {vault_id}"
        ))));
    }
    if held > v.unclaimed_shares {
        return Err(super::corrupt("vault", "more shares held than unclaimed"));
    }
    // At most `proceeds`, since `held <= unclaimed_shares`.
    let pay = mul_div_floor(v.proceeds.0, held.0, v.unclaimed_shares.0)
        .ok_or_else(|| super::corrupt("vault", "no unclaimed shares"))?;
    let mut events = Vec::with_capacity(2);
    check!(ledger::burn(overlay, &mut shares, holder, held)?);
    if pay > 0 {
        check!(ledger::transfer_value(
            overlay,
            env.height,
            &vault_id.escrow(),
            holder,
            &price.with_amount(Amount(pay)),
            &mut events
        )?);
    }
    v.proceeds = Amount(v.proceeds.0 - pay);
    v.unclaimed_shares = Amount(v.unclaimed_shares.0 - held.0);
    overlay.set(layout::vault_key(vault_id), v.encode());
    events.push(events::paid(
        "proceeds_claimed",
        vault_id,
        None,
        holder,
        held,
        Amount(pay),
    ));
    Ok(Ok(Done {
        events,
        output: pay.to_be_bytes().to_vec(),
    }))
}

/// A shareholder proposes a new reserve price; the shares held right now weigh the votes.
pub(super) fn propose_reserve(
    overlay: &mut Overlay,
    env: &Env<'_>,
    vault_id: &AssetId,
    price: &Value,
    deadline_ms: TimestampMs,
) -> Verdict<Done> {
    let (mut v, mut shares) = check!(load(overlay, vault_id)?);
    check!(active(&v));
    check!(check_price(price, vault_id));
    if r::holding(overlay, vault_id, &env.sender)?.balance == Amount::ZERO {
        return Ok(Err(AssetError::NotAuthorized {
            action: "propose a reserve price",
            expected: "a shareholder".into(),
            sender: env.sender,
        }));
    }
    if deadline_ms <= env.time || deadline_ms.0 - env.time.0 > MAX_VOTE_MS {
        return Ok(Err(AssetError::Invalid(format!(
            "the deadline must be after the block time {} ms and at most 90 days later",
            env.time
        ))));
    }
    if let Some(open) = &v.vote
        && open.deadline_ms >= env.time
    {
        return Ok(Err(AssetError::Unavailable(format!(
            "vault {vault_id} has a reserve vote open until {} ms",
            open.deadline_ms
        ))));
    }
    let record = shares.records;
    shares.records += 1;
    overlay.set(layout::asset_key(vault_id), shares.encode());
    v.vote = Some(ReserveVote {
        record,
        price: *price,
        proposer: env.sender,
        deadline_ms,
        yes: Amount::ZERO,
        no: Amount::ZERO,
    });
    overlay.set(layout::vault_key(vault_id), v.encode());
    Ok(Ok(Done {
        events: vec![events::record("reserve_proposed", vault_id, record)],
        output: record.to_be_bytes().to_vec(),
    }))
}

/// A shareholder votes with the shares it held at the proposal's record point. More than half
/// of all shares for: the price is set; half or more against: the proposal ends.
pub(super) fn vote_reserve(
    overlay: &mut Overlay,
    env: &Env<'_>,
    vault_id: &AssetId,
    approve: bool,
) -> Verdict<Done> {
    let (mut v, _) = check!(load(overlay, vault_id)?);
    check!(active(&v));
    let Some(mut vote) = v.vote.clone().filter(|vote| vote.deadline_ms >= env.time) else {
        return Ok(Err(AssetError::Unavailable(format!(
            "vault {vault_id} has no open reserve vote"
        ))));
    };
    if r::voted(overlay, vault_id, vote.record, &env.sender)? {
        return Ok(Err(AssetError::Unavailable(format!(
            "{} already voted on this reserve price",
            env.sender
        ))));
    }
    let weight = r::balance_at(overlay, vault_id, &env.sender, vote.record)?;
    if weight == Amount::ZERO {
        return Ok(Err(AssetError::NotAuthorized {
            action: "vote on this reserve price",
            expected: "an account that held shares when it was proposed".into(),
            sender: env.sender,
        }));
    }
    overlay.set(
        layout::vault_vote_key(vault_id, vote.record, &env.sender),
        layout::PRESENT.to_vec(),
    );
    // Shares are never minted while the vault is active, so every share counts in the total.
    let tally = if approve { &mut vote.yes } else { &mut vote.no };
    *tally = Amount(tally.0.saturating_add(weight.0));
    let mut events = vec![events::voted(
        vault_id,
        vote.record,
        &env.sender,
        approve,
        weight,
    )];
    let half = v.shares.0 / 2;
    let passed = vote.yes.0 > half;
    let failed = vote.no.0 >= v.shares.0 - half;
    if passed {
        v.reserve = Some(vote.price);
        v.vote = None;
        events.push(events::record("reserve_set", vault_id, vote.record));
    } else if failed {
        v.vote = None;
        events.push(events::record("reserve_rejected", vault_id, vote.record));
    } else {
        v.vote = Some(vote);
    }
    overlay.set(layout::vault_key(vault_id), v.encode());
    Ok(Ok(Done {
        events,
        output: Vec::new(),
    }))
}
