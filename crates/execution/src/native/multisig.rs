//! Multi-signature accounts: creation, proposing and approving their transactions. Once enough
//! signers approved, the module hands the transaction back to the executor to run as the
//! account ([`Step::RunAs`]), and records how it ended ([`NativeModule::finish_run_as`]).

use super::{Env, NativeModule, PayloadOutcome, Step};
use crate::{
    BlockError, InvalidTx, Overlay, Result,
    gas::GasMeter,
    permissions::{self, Rules},
    read::{self, StateRead},
};
use citychain_crypto::{Address, Suite};
use citychain_types::{
    Encode, Event, Height, Nonce, Payload, Status, layout,
    multisig::{MultisigAccount, MultisigPending, MultisigStatus, MultisigTx, multisig_address},
    receipt::MAX_REASON_LEN,
};

/// The multisig module: `Payload::Multisig`.
pub struct Multisig;

impl NativeModule for Multisig {
    fn tags(&self) -> &'static [u8] {
        &[Payload::TAG_MULTISIG]
    }

    fn permit(
        &self,
        state: &dyn StateRead,
        rules: &Rules,
        sender: &Address,
        payload: &Payload,
    ) -> Result<std::result::Result<(), InvalidTx>> {
        let Payload::Multisig { op } = payload else {
            return Err(super::not_mine("multisig", payload));
        };
        match op {
            // Creating one is like sending money: the policy's transfer roles.
            MultisigTx::Create { .. } => permissions::require_roles(
                state,
                sender,
                "create a multisig account",
                rules.policy.transfer,
            ),
            MultisigTx::Propose { account, .. } | MultisigTx::Approve { account, .. } => {
                let is_signer = read::multisig_account(state, account)?
                    .is_some_and(|a| a.signers.contains(sender));
                if is_signer {
                    Ok(Ok(()))
                } else {
                    Ok(Err(InvalidTx::NotASigner { account: *account }))
                }
            }
        }
    }

    fn execute(
        &self,
        overlay: &mut Overlay,
        env: &Env<'_>,
        meter: &mut GasMeter,
        payload: &Payload,
    ) -> Result<Step> {
        let Payload::Multisig { op } = payload else {
            return Err(super::not_mine("multisig", payload));
        };
        if let Err(failure) = super::charge_flat(meter, env.params, "a multisig operation") {
            return Ok(failure.into());
        }
        execute(overlay, env.suite, env.height, env.sender, env.nonce, op)
    }

    fn finish_run_as(
        &self,
        overlay: &mut Overlay,
        account: &Address,
        id: u64,
        result: PayloadOutcome,
    ) -> Result<PayloadOutcome> {
        let result = match result {
            PayloadOutcome::Success { events, output } => Ok((events, output)),
            PayloadOutcome::Failure { status, reason } => Err((status, reason)),
        };
        finish(overlay, account, id, result)
    }
}

fn fail(reason: impl Into<String>) -> Result<Step> {
    Ok(PayloadOutcome::reverted(reason).into())
}

fn corrupt(what: &'static str, e: impl ToString) -> BlockError {
    BlockError::CorruptState {
        what,
        detail: e.to_string(),
    }
}

fn event(topic: &str, account: &Address, id: u64) -> Event {
    let mut data = account.0.to_vec();
    data.extend_from_slice(&id.to_be_bytes());
    Event {
        emitter: Address::ZERO,
        topic: topic.into(),
        data,
    }
}

/// Runs a multisig operation sent by `sender` (whose signer status the permission check
/// verified).
fn execute(
    overlay: &mut Overlay,
    suite: Suite,
    height: Height,
    sender: Address,
    nonce: Nonce,
    op: &MultisigTx,
) -> Result<Step> {
    match op {
        MultisigTx::Create { signers, threshold } => {
            let account = MultisigAccount {
                signers: signers.clone(),
                threshold: *threshold,
                next_id: 0,
            };
            if let Err(reason) = account.validate() {
                return fail(reason);
            }
            let address = multisig_address(suite, &sender, nonce);
            if read::multisig_account(overlay, &address)?.is_some() {
                return fail(format!("a multisig account already lives at {address}"));
            }
            overlay.set(layout::multisig_key(&address), account.encode());
            Ok(PayloadOutcome::Success {
                events: vec![event("multisig_created", &address, 0)],
                output: address.0.to_vec(),
            }
            .into())
        }
        MultisigTx::Propose { account, payload } => {
            let Some(mut acct) = read::multisig_account(overlay, account)? else {
                return fail(format!("no multisig account at {account}"));
            };
            let id = acct.next_id;
            acct.next_id += 1;
            overlay.set(layout::multisig_key(account), acct.encode());
            let pending = MultisigPending {
                id,
                payload: payload.as_ref().clone(),
                proposer: sender,
                approvals: vec![sender],
                created_height: height,
                status: MultisigStatus::Pending,
                outcome: String::new(),
            };
            overlay.set(layout::multisig_tx_key(account, id), pending.encode());
            if acct.threshold == 1 {
                return Ok(Step::RunAs {
                    account: *account,
                    id,
                    payload: pending.payload,
                });
            }
            Ok(PayloadOutcome::Success {
                events: vec![event("multisig_proposed", account, id)],
                output: id.to_be_bytes().to_vec(),
            }
            .into())
        }
        MultisigTx::Approve { account, id } => {
            let Some(acct) = read::multisig_account(overlay, account)? else {
                return fail(format!("no multisig account at {account}"));
            };
            let Some(mut pending) = read::multisig_pending(overlay, account, *id)? else {
                return fail(format!(
                    "multisig account {account} has no transaction {id}"
                ));
            };
            if pending.status != MultisigStatus::Pending {
                return fail(
                    format!(
                        "transaction {id} of {account} is {:?} already",
                        pending.status
                    )
                    .to_lowercase(),
                );
            }
            if pending.approvals.contains(&sender) {
                return fail(format!("{sender} already approved transaction {id}"));
            }
            pending.approvals.push(sender);
            overlay.set(layout::multisig_tx_key(account, *id), pending.encode());
            if pending.approvals.len() >= usize::from(acct.threshold) {
                return Ok(Step::RunAs {
                    account: *account,
                    id: *id,
                    payload: pending.payload,
                });
            }
            Ok(PayloadOutcome::Success {
                events: vec![event("multisig_approved", account, *id)],
                output: vec![0],
            }
            .into())
        }
    }
}

/// Records how a multisig transaction that reached its threshold ended. The approving
/// transaction succeeds either way (the approval counts); its output is the status code of the
/// multisig transaction's own outcome (0 success).
fn finish(
    overlay: &mut Overlay,
    account: &Address,
    id: u64,
    result: std::result::Result<(Vec<Event>, Vec<u8>), (Status, String)>,
) -> Result<PayloadOutcome> {
    let Some(mut pending) = read::multisig_pending(overlay, account, id)? else {
        return Err(corrupt("multisig transaction", "vanished while running"));
    };
    let (mut events, output) = match result {
        Ok((events, _)) => {
            pending.status = MultisigStatus::Executed;
            (events, vec![0])
        }
        Err((status, mut reason)) => {
            pending.status = MultisigStatus::Failed;
            if reason.len() > MAX_REASON_LEN {
                let mut cut = MAX_REASON_LEN;
                while !reason.is_char_boundary(cut) {
                    cut -= 1;
                }
                reason.truncate(cut);
            }
            pending.outcome = reason;
            (Vec::new(), status.code().to_be_bytes()[1..].to_vec())
        }
    };
    let topic = if pending.status == MultisigStatus::Executed {
        "multisig_executed"
    } else {
        "multisig_failed"
    };
    events.push(event(topic, account, id));
    overlay.set(layout::multisig_tx_key(account, id), pending.encode());
    Ok(PayloadOutcome::Success { events, output })
}
