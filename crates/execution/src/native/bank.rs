//! The native currency: transfers between accounts.

use super::{Env, NativeModule, PayloadOutcome, Step};
use crate::{
    InvalidTx, Overlay, Result,
    gas::GasMeter,
    permissions::{self, Rules},
    read::StateRead,
};
use citychain_crypto::Address;
use citychain_types::{Amount, ChainParams, Event, Payload, Status, codec::Writer};

/// Topic of the event every successful transfer emits.
pub const TRANSFER_TOPIC: &str = "transfer";

/// The native currency's module: `Payload::Transfer`.
pub struct Bank;

impl NativeModule for Bank {
    fn tags(&self) -> &'static [u8] {
        &[Payload::TAG_TRANSFER]
    }

    fn permit(
        &self,
        state: &dyn StateRead,
        rules: &Rules,
        sender: &Address,
        _payload: &Payload,
    ) -> Result<std::result::Result<(), InvalidTx>> {
        permissions::require_roles(state, sender, "transfer", rules.policy.transfer)
    }

    fn execute(
        &self,
        overlay: &mut Overlay,
        env: &Env<'_>,
        meter: &mut GasMeter,
        payload: &Payload,
    ) -> Result<Step> {
        let Payload::Transfer { to, amount } = payload else {
            return Err(super::not_mine("bank", payload));
        };
        Ok(transfer(overlay, meter, env.params, &env.sender, to, *amount)?.into())
    }
}

/// Moves `amount` from `from` to `to`, charging the transfer's gas first.
pub fn transfer(
    overlay: &mut Overlay,
    meter: &mut GasMeter,
    params: &ChainParams,
    from: &Address,
    to: &Address,
    amount: Amount,
) -> Result<PayloadOutcome> {
    if let Err(e) = meter.charge(params.transfer_gas) {
        return Ok(PayloadOutcome::Failure {
            status: Status::OutOfGas,
            reason: format!(
                "a transfer needs {} gas; {} remained",
                e.needed, e.available
            ),
        });
    }
    let mut sender = overlay.account(from)?;
    let Some(new_sender_balance) = sender.balance.checked_sub(amount) else {
        return Ok(PayloadOutcome::Failure {
            status: Status::InsufficientBalance,
            reason: format!(
                "cannot transfer {amount}: the sender's balance is {} after fees",
                sender.balance
            ),
        });
    };
    if from != to {
        let mut recipient = overlay.account(to)?;
        let Some(new_recipient_balance) = recipient.balance.checked_add(amount) else {
            return Ok(PayloadOutcome::Failure {
                status: Status::BalanceOverflow,
                reason: format!(
                    "the recipient's balance {} plus {amount} overflows",
                    recipient.balance
                ),
            });
        };
        sender.balance = new_sender_balance;
        recipient.balance = new_recipient_balance;
        overlay.set_account(from, &sender);
        overlay.set_account(to, &recipient);
    }
    let mut data = Writer::with_capacity(56);
    data.raw(&from.0).raw(&to.0).u128(amount.0);
    Ok(PayloadOutcome::Success {
        events: vec![Event {
            emitter: Address::ZERO,
            topic: TRANSFER_TOPIC.into(),
            data: data.into_bytes(),
        }],
        output: Vec::new(),
    })
}
