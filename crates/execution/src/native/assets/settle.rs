//! Atomic settlement: one transaction moves several values between several parties, all or
//! none. Each party that gives something is the sender (a key, or a multisig account acting
//! through its threshold) or signed the settlement as a co-signer.

use super::{
    Done,
    error::{AssetError, Verdict},
    fungible::check,
    ledger,
};
use crate::{Overlay, native::Env, read};
use citychain_crypto::Address;
use citychain_types::asset::{COSIGN_NAMESPACE, Cosignature, Leg, settlement_message};
use std::collections::BTreeSet;

/// Checks the co-signatures and returns the parties allowed to give: the sender and the
/// co-signers.
fn parties(
    overlay: &Overlay,
    env: &Env<'_>,
    legs: &[Leg],
    cosigners: &[Cosignature],
) -> Verdict<BTreeSet<Address>> {
    let mut parties = BTreeSet::from([env.sender]);
    if cosigners.is_empty() {
        return Ok(Ok(parties));
    }
    let message = settlement_message(env.chain_id, &env.sender, env.nonce, legs);
    for (i, c) in cosigners.iter().enumerate() {
        let address = c.key.address();
        if c.key.suite() != env.suite {
            return Ok(Err(AssetError::Invalid(format!(
                "co-signer {i} ({address}) signs with {}, but this chain uses {}",
                c.key.suite(),
                env.suite
            ))));
        }
        if c.key.is_small_order() {
            return Ok(Err(AssetError::Invalid(format!(
                "co-signer {i} ({address}) has a small-order key, whose signatures anyone can \
                 forge"
            ))));
        }
        if !parties.insert(address) {
            return Ok(Err(AssetError::Invalid(format!(
                "{address} signs the settlement twice"
            ))));
        }
        if !c.key.verify(COSIGN_NAMESPACE, &message, &c.signature) {
            return Ok(Err(AssetError::Invalid(format!(
                "co-signer {i}'s signature does not verify for {address} over this \
                 settlement (it names the sender, its nonce and every leg)"
            ))));
        }
        if read::is_frozen(overlay, &address)? {
            return Ok(Err(AssetError::AccountFrozen(address)));
        }
    }
    Ok(Ok(parties))
}

pub(super) fn settle(
    overlay: &mut Overlay,
    env: &Env<'_>,
    legs: &[Leg],
    cosigners: &[Cosignature],
) -> Verdict<Done> {
    if legs.is_empty() {
        return Ok(Err(AssetError::Invalid(
            "a settlement needs at least one leg".into(),
        )));
    }
    let parties = check!(parties(overlay, env, legs, cosigners)?);
    let mut events = Vec::with_capacity(legs.len());
    for (i, leg) in legs.iter().enumerate() {
        if !parties.contains(&leg.from) {
            return Ok(Err(AssetError::NotAuthorized {
                action: "give in a settlement",
                expected: format!(
                    "the sender or a co-signer (leg {i} gives from {})",
                    leg.from
                ),
                sender: env.sender,
            }));
        }
        check!(ledger::require_positive(&leg.value, "every leg's value"));
        if let Err(e) = ledger::transfer_value(
            overlay,
            env.height,
            &leg.from,
            &leg.to,
            &leg.value,
            &mut events,
        )? {
            return Ok(Err(AssetError::Leg {
                index: i,
                error: Box::new(e),
            }));
        }
    }
    Ok(Ok(Done {
        events,
        output: Vec::new(),
    }))
}
