//! Native modules: state transitions built into the chain rather than deployed as contracts.
//!
//! Each module owns payload tags and implements [`NativeModule`]: who may send its payloads (its
//! permission rule) and how they run (returning the outcome and the facts the executor must
//! know, [`Outcome`]). The executor and the permission check find a payload's module in
//! [`MODULES`] by its tag. Adding a module: write it here, give its payload a tag in
//! `citychain_types::Payload`, and list it in [`MODULES`]; nothing else central changes.

pub mod assets;
pub mod bank;
pub mod governance;
pub mod multisig;
pub mod wasm;

use crate::{
    BlockError, InvalidTx, Overlay, Result, gas::GasMeter, permissions::Rules, read::StateRead,
};
use citychain_crypto::{Address, Suite};
use citychain_types::{ChainId, ChainParams, Event, Height, Nonce, Payload, Status, TimestampMs};

/// How a payload ended. Failures are recorded in the receipt; the transaction still costs gas.
pub enum PayloadOutcome {
    Success { events: Vec<Event>, output: Vec<u8> },
    Failure { status: Status, reason: String },
}

impl PayloadOutcome {
    /// A failure for a reason the module states (`Reverted`).
    pub fn reverted(reason: impl Into<String>) -> Self {
        PayloadOutcome::Failure {
            status: Status::Reverted,
            reason: reason.into(),
        }
    }
}

/// What running a payload did: its outcome, and what the executor must know of its effects.
pub struct Outcome {
    pub result: PayloadOutcome,
    /// The number of frozen accounts may have changed (a freeze applies to the very next
    /// transaction of the block, so the executor reads it again).
    pub freezes_changed: bool,
}

impl From<PayloadOutcome> for Outcome {
    fn from(result: PayloadOutcome) -> Self {
        Outcome {
            result,
            freezes_changed: false,
        }
    }
}

/// What the executor does after a module ran.
pub enum Step {
    Done(Outcome),
    /// Run `payload` as `account` (a multisig account whose threshold was reached), then hand
    /// its outcome to the same module's [`NativeModule::finish_run_as`].
    RunAs {
        account: Address,
        id: u64,
        payload: Payload,
    },
}

impl From<PayloadOutcome> for Step {
    fn from(result: PayloadOutcome) -> Self {
        Step::Done(result.into())
    }
}

/// Where and for whom a payload runs.
pub struct Env<'a> {
    pub chain_id: &'a ChainId,
    pub suite: Suite,
    pub params: &'a ChainParams,
    pub height: Height,
    pub time: TimestampMs,
    /// The signer, or the multisig account acting through it.
    pub sender: Address,
    /// The sending transaction's nonce (a multisig transaction's id), which distinguishes the
    /// contracts it deploys.
    pub nonce: Nonce,
}

/// A native module: the permission rule and the execution of the payloads it owns.
pub trait NativeModule: Sync {
    /// The payload tags it owns.
    fn tags(&self) -> &'static [u8];

    /// Whether `sender` may send `payload` under `rules` (the frozen check comes before, for
    /// every module). `Ok(Err(_))`: the transaction is invalid and costs nothing.
    fn permit(
        &self,
        state: &dyn StateRead,
        rules: &Rules,
        sender: &Address,
        payload: &Payload,
    ) -> Result<std::result::Result<(), InvalidTx>>;

    /// Runs `payload` under `meter`. Its writes are kept only if it succeeds.
    fn execute(
        &self,
        overlay: &mut Overlay,
        env: &Env<'_>,
        meter: &mut GasMeter,
        payload: &Payload,
    ) -> Result<Step>;

    /// Records the outcome of a payload run as `account` after [`Step::RunAs`] (only modules
    /// that delegate implement it).
    fn finish_run_as(
        &self,
        _overlay: &mut Overlay,
        _account: &Address,
        _id: u64,
        _result: PayloadOutcome,
    ) -> Result<PayloadOutcome> {
        Err(BlockError::CorruptState {
            what: "native module",
            detail: "a module that delegates no payload was asked to finish one".into(),
        })
    }
}

/// Every native module, by the tags it owns.
pub static MODULES: [&dyn NativeModule; 5] = [
    &bank::Bank,
    &wasm::Contracts,
    &governance::Governance,
    &assets::Assets,
    &multisig::Multisig,
];

/// The module that owns `payload`.
pub fn module_of(payload: &Payload) -> &'static dyn NativeModule {
    let tag = payload.tag();
    MODULES
        .iter()
        .copied()
        .find(|m| m.tags().contains(&tag))
        .expect("every payload tag has a module (see the registry test)")
}

/// The error of a module handed a payload it does not own (the registry routes by tag, so
/// this means a bug, reported rather than panicking).
pub(crate) fn not_mine(module: &'static str, payload: &Payload) -> BlockError {
    BlockError::CorruptState {
        what: module,
        detail: format!("handed a {} payload", payload.kind()),
    }
}

/// Charges the flat gas of a native operation (the price of a transfer): a failure if the
/// meter cannot pay it.
pub fn charge_flat(
    meter: &mut GasMeter,
    params: &ChainParams,
    what: &str,
) -> std::result::Result<(), PayloadOutcome> {
    meter
        .charge(params.transfer_gas)
        .map_err(|e| PayloadOutcome::Failure {
            status: Status::OutOfGas,
            reason: format!("{what} needs {} gas; {} remained", e.needed, e.available),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tag_has_exactly_one_module() {
        for tag in [
            Payload::TAG_TRANSFER,
            Payload::TAG_DEPLOY,
            Payload::TAG_CALL,
            Payload::TAG_GOVERNANCE,
            Payload::TAG_ASSET,
            Payload::TAG_MULTISIG,
        ] {
            let owners = MODULES.iter().filter(|m| m.tags().contains(&tag)).count();
            assert_eq!(owners, 1, "tag {tag:#04x} has {owners} modules");
        }
    }
}
