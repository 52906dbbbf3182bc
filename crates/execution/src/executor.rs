//! Executing a block's transactions in order.
//!
//! For each transaction:
//! 1. Validity (see [`check_stateless`] and the nonce and fee checks): an invalid transaction is
//!    not part of the block at all. A proposer skips it; a block containing one is invalid.
//! 2. The sender's nonce is incremented and the maximum fee (`gas_limit * fee_price`) is taken.
//! 3. The payload runs under a gas meter. If it fails, its writes are dropped, and the receipt
//!    records why; an out-of-gas failure uses the whole gas limit.
//! 4. The unused part of the fee is refunded. Fees are burned.

use crate::{
    BlockError, InvalidTx, Overlay, Result,
    admission::{self, NonceRule},
    gas::{GasMeter, intrinsic_gas},
    native::{self, NativeModule, Outcome, PayloadOutcome, Step},
    permissions, read,
};
use citychain_crypto::{Address, Suite};
use citychain_state::{StateView, WriteSet};
use citychain_types::{
    Amount, ChainId, ChainParams, Gas, Height, Nonce, Payload, Receipt, SignedTransaction, Status,
    TimestampMs, block::MAX_BLOCK_TX_BYTES, layout,
};

/// What a block's execution needs to know besides the state.
#[derive(Clone, Debug)]
pub struct BlockContext {
    pub chain_id: ChainId,
    pub suite: Suite,
    /// Blocks per consensus epoch (from the genesis): the last block of an epoch records the
    /// validator set of the next.
    pub epoch_blocks: u64,
}

impl BlockContext {
    /// The context of blocks of the chain `genesis` starts.
    pub fn of(genesis: &citychain_types::Genesis) -> Self {
        BlockContext {
            chain_id: genesis.chain_id.clone(),
            suite: genesis.suite,
            epoch_blocks: genesis.epoch_blocks,
        }
    }
}

/// The block being executed, as contracts see it.
#[derive(Clone, Copy, Debug)]
pub struct BlockInfo {
    pub height: Height,
    pub timestamp: TimestampMs,
}

/// The result of executing a block.
#[derive(Debug)]
pub struct BlockOutcome {
    pub writes: WriteSet,
    pub receipts: Vec<Receipt>,
    pub gas_used: Gas,
}

/// Executes transactions one at a time on top of a state view.
pub struct Executor {
    ctx: BlockContext,
    block: BlockInfo,
    params: ChainParams,
    /// The permission policy as of the block's start (changes apply from the next block), and
    /// whether any account is frozen (kept current within the block).
    rules: permissions::Rules,
    overlay: Overlay,
    receipts: Vec<Receipt>,
    gas_used: Gas,
    tx_bytes: usize,
}

impl Executor {
    pub fn new(view: &StateView, ctx: BlockContext, block: BlockInfo) -> Result<Self> {
        let overlay = Overlay::new(view);
        let params = overlay.params()?;
        let rules = permissions::Rules::read(&overlay, ctx.suite)?;
        Ok(Executor {
            ctx,
            block,
            rules,
            params,
            overlay,
            receipts: Vec::new(),
            gas_used: Gas(0),
            tx_bytes: 0,
        })
    }

    pub fn params(&self) -> &ChainParams {
        &self.params
    }

    pub fn tx_count(&self) -> usize {
        self.receipts.len()
    }

    /// Whether the block has room for `tx` (transaction count, bytes and gas).
    pub fn has_room_for(&self, tx: &SignedTransaction) -> bool {
        self.receipts.len() < self.params.max_block_txs as usize
            && self.tx_bytes + tx.encoded_len() <= MAX_BLOCK_TX_BYTES
            && self.gas_fits(tx)
    }

    /// The block gas rule: the gas the block's earlier transactions used plus this one's gas
    /// limit stays within `block_gas_limit`. So the gas a block uses (which bounds the time it
    /// takes to execute) never exceeds the limit, however generous senders' limits are.
    pub fn gas_fits(&self, tx: &SignedTransaction) -> bool {
        u128::from(self.gas_used.0) + u128::from(tx.transaction().gas_limit.0)
            <= u128::from(self.params.block_gas_limit.0)
    }

    /// The next nonce the block expects from the sender of `tx` (for a proposer choosing txs).
    pub fn next_nonce(&self, tx: &SignedTransaction) -> Result<Nonce> {
        Ok(self.overlay.account(&tx.sender())?.nonce)
    }

    /// Checks and executes `tx`, whose signature the caller has verified.
    ///
    /// `Ok(Err(_))` means the transaction is invalid and nothing changed.
    pub fn apply(
        &mut self,
        tx: &SignedTransaction,
    ) -> Result<std::result::Result<&Receipt, InvalidTx>> {
        if let Err(e) = admission::check_stateless(tx, &self.ctx, &self.params) {
            return Ok(Err(e));
        }
        let t = tx.transaction();
        let sender = tx.sender();
        let mut account = self.overlay.account(&sender)?;
        if let Err(e) = admission::check_nonce(t.nonce, account.nonce, NonceRule::Next) {
            return Ok(Err(e));
        }
        if let Err(e) = permissions::check(&self.overlay, &self.rules, tx)? {
            return Ok(Err(e));
        }
        let new_balance = match admission::pay_max_fee(&self.params, t.gas_limit, account.balance) {
            Ok(balance) => balance,
            Err(e) => return Ok(Err(e)),
        };

        // Valid: from here on the transaction is in the block, whatever its payload does.
        account.nonce = Nonce(account.nonce.0 + 1);
        account.balance = new_balance;
        self.overlay.set_account(&sender, &account);
        self.overlay.commit_tx();

        let intrinsic = intrinsic_gas(&self.params, tx);
        let mut meter = GasMeter::new(Gas(t.gas_limit.0 - intrinsic.0));
        let outcome = self.run_payload(&t.payload, sender, t.nonce, &mut meter)?;
        if outcome.freezes_changed && matches!(outcome.result, PayloadOutcome::Success { .. }) {
            // A freeze applies to the very next transaction of the block.
            self.rules.any_frozen = read::frozen_count(&self.overlay)? > 0;
        }
        let receipt = match outcome.result {
            PayloadOutcome::Success { events, output } => {
                self.overlay.commit_tx();
                Receipt::success(tx.hash(), Gas(intrinsic.0 + meter.used().0), events, output)
            }
            PayloadOutcome::Failure { status, reason } => {
                self.overlay.revert_tx();
                let used = if status == Status::OutOfGas {
                    t.gas_limit
                } else {
                    Gas(intrinsic.0 + meter.used().0)
                };
                Receipt::failure(tx.hash(), status, reason, used)
            }
        };

        // Refund the unused fee.
        let unused = Gas(t.gas_limit.0 - receipt.gas_used.0);
        if let Some(refund) = self
            .params
            .fee_price
            .checked_mul_gas(unused)
            .filter(|r| r.0 > 0)
        {
            let mut account = self.overlay.account(&sender)?;
            // Cannot overflow: the refund was part of this balance a moment ago.
            account.balance = account
                .balance
                .checked_add(refund)
                .unwrap_or(Amount(u128::MAX));
            self.overlay.set_account(&sender, &account);
            self.overlay.commit_tx();
        }

        self.gas_used = Gas(self.gas_used.0.saturating_add(receipt.gas_used.0));
        self.tx_bytes += tx.encoded_len();
        self.receipts.push(receipt);
        Ok(Ok(self.receipts.last().expect("just pushed")))
    }

    /// Runs a payload for `sender` (the signer, or a multisig account acting through it) in
    /// the module that owns it. `nonce` distinguishes its deployments.
    fn run_payload(
        &mut self,
        payload: &Payload,
        sender: Address,
        nonce: Nonce,
        meter: &mut GasMeter,
    ) -> Result<Outcome> {
        let module = native::module_of(payload);
        let env = native::Env {
            chain_id: &self.ctx.chain_id,
            suite: self.ctx.suite,
            params: &self.params,
            height: self.block.height,
            time: self.block.timestamp,
            sender,
            nonce,
        };
        match module.execute(&mut self.overlay, &env, meter, payload)? {
            Step::Done(outcome) => Ok(outcome),
            Step::RunAs {
                account,
                id,
                payload,
            } => self.run_as(module, account, id, &payload, meter),
        }
    }

    /// Runs a payload a module delegated (a multisig account's transaction once its threshold
    /// is reached): with the account's permissions, in its own state layer; the module records
    /// how it ended.
    fn run_as(
        &mut self,
        module: &dyn NativeModule,
        account: Address,
        id: u64,
        payload: &Payload,
        meter: &mut GasMeter,
    ) -> Result<Outcome> {
        let denied = permissions::check_payload(&self.overlay, &self.rules, &account, payload)?;
        let (result, freezes_changed) = match denied {
            Err(e) => (PayloadOutcome::reverted(e.to_string()), false),
            Ok(()) => {
                self.overlay.checkpoint();
                let outcome = self.run_payload(payload, account, Nonce(id), meter)?;
                match outcome.result {
                    PayloadOutcome::Success { .. } => {
                        self.overlay.commit_checkpoint();
                        (outcome.result, outcome.freezes_changed)
                    }
                    PayloadOutcome::Failure { .. } => {
                        self.overlay.revert_checkpoint();
                        (outcome.result, false)
                    }
                }
            }
        };
        Ok(Outcome {
            result: module.finish_run_as(&mut self.overlay, &account, id, result)?,
            freezes_changed,
        })
    }

    /// Ends the block. The last block of an epoch also records the validator set the next
    /// epoch runs with: the set as governance left it at the end of this block.
    pub fn finish(mut self) -> Result<BlockOutcome> {
        if let Some(next) = layout::epoch_starting_after(self.block.height, self.ctx.epoch_blocks) {
            let set = self
                .overlay
                .get(&layout::validators_key())?
                .ok_or_else(|| BlockError::CorruptState {
                    what: "validator set",
                    detail: "missing".into(),
                })?;
            self.overlay.commit_tx();
            self.overlay.set(layout::epoch_validators_key(next), set);
        }
        Ok(BlockOutcome {
            writes: self.overlay.into_writes(),
            receipts: self.receipts,
            gas_used: self.gas_used,
        })
    }
}

/// Executes a whole block whose signatures have been verified: every transaction must be valid.
pub fn execute_block(
    view: &StateView,
    ctx: BlockContext,
    block: BlockInfo,
    txs: &[SignedTransaction],
) -> Result<BlockOutcome> {
    let mut exec = Executor::new(view, ctx, block)?;
    let max = exec.params().max_block_txs;
    if txs.len() > max as usize {
        return Err(BlockError::TooManyTxs {
            count: txs.len(),
            max,
        });
    }
    let bytes: usize = txs.iter().map(SignedTransaction::encoded_len).sum();
    if bytes > MAX_BLOCK_TX_BYTES {
        return Err(BlockError::TooLarge {
            bytes,
            max: MAX_BLOCK_TX_BYTES,
        });
    }
    for (index, tx) in txs.iter().enumerate() {
        if !exec.gas_fits(tx) {
            return Err(BlockError::GasLimitExceeded {
                index,
                used: exec.gas_used,
                gas_limit: tx.transaction().gas_limit,
                max: exec.params().block_gas_limit,
            });
        }
        if let Err(error) = exec.apply(tx)? {
            return Err(BlockError::InvalidTx {
                index,
                hash: tx.hash(),
                error,
            });
        }
    }
    exec.finish()
}
