//! The checks a transaction must pass before it may run, in one place for both callers: the
//! mempool, against the committed state when it admits a transaction, and the executor, against
//! the block's state so far. A transaction that fails them is invalid: it costs nothing and
//! changes nothing. (Signatures are checked separately, in batches; who may send what is the
//! permission rule of each payload's module, [`crate::permissions`].)

use crate::{BlockContext, InvalidTx, gas::intrinsic_gas};
use citychain_types::{Amount, ChainParams, Gas, Nonce, SignedTransaction};

pub use crate::permissions::check as check_permission;

/// Checks that need no state: chain, suite, sender key, size and gas limit.
pub fn check_stateless(
    tx: &SignedTransaction,
    ctx: &BlockContext,
    params: &ChainParams,
) -> std::result::Result<(), InvalidTx> {
    let t = tx.transaction();
    if t.chain_id != ctx.chain_id {
        return Err(InvalidTx::WrongChain {
            expected: ctx.chain_id.clone(),
            found: t.chain_id.clone(),
        });
    }
    if t.sender.suite() != ctx.suite {
        return Err(InvalidTx::WrongSuite {
            expected: ctx.suite,
            found: t.sender.suite(),
        });
    }
    if t.sender.is_small_order() {
        return Err(InvalidTx::WeakSenderKey);
    }
    if tx.encoded_len() > params.max_tx_bytes as usize {
        return Err(InvalidTx::TooLarge {
            size: tx.encoded_len(),
            max: params.max_tx_bytes,
        });
    }
    if t.gas_limit > params.max_tx_gas {
        return Err(InvalidTx::GasLimitTooHigh {
            limit: t.gas_limit,
            max: params.max_tx_gas,
        });
    }
    let intrinsic = intrinsic_gas(params, tx);
    if t.gas_limit < intrinsic {
        return Err(InvalidTx::GasLimitBelowIntrinsic {
            limit: t.gas_limit,
            intrinsic,
        });
    }
    Ok(())
}

/// Which nonces a check accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonceRule {
    /// Exactly the account's next nonce (in a block).
    Next,
    /// The next one or a later one (in the pool, where a later nonce waits for the gap to fill).
    NotStale,
}

/// The nonce check: a used nonce is always refused; in a block, so is a later one.
pub fn check_nonce(nonce: Nonce, expected: Nonce, rule: NonceRule) -> Result<(), InvalidTx> {
    if nonce < expected {
        return Err(InvalidTx::NonceTooLow { nonce, expected });
    }
    if rule == NonceRule::Next && nonce > expected {
        return Err(InvalidTx::NonceTooHigh { nonce, expected });
    }
    Ok(())
}

/// The fee check: the sender's balance pays the most the transaction can cost
/// (`gas_limit * fee_price`). Returns the balance once that is taken.
pub fn pay_max_fee(
    params: &ChainParams,
    gas_limit: Gas,
    balance: Amount,
) -> Result<Amount, InvalidTx> {
    let max_fee = params.fee_price.checked_mul_gas(gas_limit);
    max_fee
        .and_then(|fee| balance.checked_sub(fee))
        .ok_or(InvalidTx::CannotPayFee {
            needed: max_fee.unwrap_or(Amount(u128::MAX)),
            balance,
        })
}
