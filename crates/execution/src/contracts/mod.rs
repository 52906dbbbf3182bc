//! WASM smart contracts: deployment, calls and read-only queries.
//!
//! A contract is a WASM module (see [`Vm::validate`] for the rules) that imports the host API
//! ([`host`]) and exports entry points. Its metadata, code and storage live in the authenticated
//! state (`docs/contracts.md`), so they can be proven like balances.

mod engine;
pub(crate) use engine::{LoadError, Loaded};
mod host;
mod invoke;
pub mod metadata;
mod pool;
mod reasons;
mod reuse;
mod shape;

pub use engine::{HOST_MODULE, INIT_METHOD, Vm, entry_points};
pub use host::{CONTRACT_MESSAGE_NAMESPACE, Env};
pub use shape::{
    MAX_BR_TABLE_TARGETS, MAX_DATA_SEGMENTS, MAX_ELEMENT_SEGMENTS, MAX_EXPORTS,
    MAX_FUNCTION_LOCALS, MAX_FUNCTIONS, MAX_GLOBALS,
};

use crate::{Overlay, Result, gas::GasMeter, native::PayloadOutcome};
use citychain_crypto::Address;
use citychain_state::StateView;
use citychain_types::{
    Amount, ChainParams, ContractInfo, ContractStatus, Event, Gas, Height, Nonce, Status,
    codec::Writer, layout,
};
use host::HostState;
use invoke::{CallRequest, CallResult};
pub use pool::Runtime;
pub use reuse::{MAX_REUSED_GLOBALS, MAX_REUSED_PAGES};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use wasmi::Store;

/// Topic of the event a deployment emits (data: contract address, code hash).
pub const DEPLOY_TOPIC: &str = "contract_deployed";

/// Runs `f` in the block's WASM store (see [`pool`]), which owns the overlay for the duration,
/// metering with `meter`.
fn with_store(
    overlay: &mut Overlay,
    vm: &Arc<Vm>,
    env: Env,
    meter: &mut GasMeter,
    deadline: Option<Instant>,
    f: impl FnOnce(&mut Store<HostState>) -> CallResult,
) -> Result<(CallResult, Vec<Event>)> {
    let mut runtime = overlay
        .take_runtime()
        .filter(|r| r.runs(vm))
        .unwrap_or_else(|| Runtime::new(vm));
    let store = runtime.store();
    store.data_mut().begin(overlay.take(), env, deadline);
    let budget = meter.remaining();
    let result = match store.set_fuel(budget) {
        Ok(()) => f(store),
        Err(_) => CallResult::Done {
            status: Status::Trapped,
            output: Vec::new(),
            reason: "the engine does not meter gas".into(),
        },
    };
    // Running out of gas spends all of it (the engine may stop with less than one
    // instruction's price left).
    let ran_out = matches!(
        result,
        CallResult::Done {
            status: Status::OutOfGas,
            ..
        }
    );
    let left = if ran_out && !store.data().timed_out {
        0
    } else {
        store.get_fuel().unwrap_or(0).min(budget)
    };
    meter
        .charge(Gas(budget - left))
        .expect("a call cannot use more fuel than it was given");
    let (back, events, fatal) = store.data_mut().end();
    *overlay = back.expect("the store gives the overlay back");
    if runtime.keep() {
        overlay.keep_runtime(runtime);
    }
    if let Some(e) = fatal {
        return Err(e);
    }
    Ok((result, events))
}

fn outcome(result: CallResult, events: Vec<Event>) -> PayloadOutcome {
    match result {
        CallResult::Done {
            status: Status::Success,
            output,
            ..
        } => PayloadOutcome::Success { events, output },
        CallResult::Done { status, reason, .. } => PayloadOutcome::Failure { status, reason },
        CallResult::Fatal => PayloadOutcome::Failure {
            status: Status::Trapped,
            reason: "state unavailable".into(),
        },
    }
}

/// Deploys `code` as a new contract of `deployer` and runs its `init` entry point, if any.
pub fn deploy(
    overlay: &mut Overlay,
    params: &ChainParams,
    env: Env,
    meter: &mut GasMeter,
    nonce: Nonce,
    code: &[u8],
    init_args: &[u8],
) -> Result<PayloadOutcome> {
    let wasm = &params.wasm;
    let store_gas = Gas(wasm.deploy_byte_gas.0.saturating_mul(code.len() as u64));
    if let Err(e) = meter.charge(store_gas) {
        return Ok(PayloadOutcome::Failure {
            status: Status::OutOfGas,
            reason: format!(
                "storing {} bytes of code needs {} gas; {} remained",
                code.len(),
                e.needed,
                e.available
            ),
        });
    }
    let address = layout::contract_address(env.suite, &env.origin, nonce);
    let admin = env.origin;
    deploy_at(overlay, params, env, meter, address, admin, code, init_args)
}

/// Deploys `code` at `address` with `admin`, running its `init` with `init_args` as
/// `env.origin`: a deployment transaction, or a contract the genesis names.
#[allow(clippy::too_many_arguments)]
pub fn deploy_at(
    overlay: &mut Overlay,
    params: &ChainParams,
    env: Env,
    meter: &mut GasMeter,
    address: Address,
    admin: Address,
    code: &[u8],
    init_args: &[u8],
) -> Result<PayloadOutcome> {
    let wasm = &params.wasm;
    let vm = Vm::for_params(wasm);
    let module = match vm.validate(code) {
        Ok(m) => m,
        Err(reason) => {
            return Ok(PayloadOutcome::Failure {
                status: Status::InvalidCode,
                reason,
            });
        }
    };
    let deployer = env.origin;
    if crate::read::contract_info(overlay, &address)?.is_some() {
        return Ok(PayloadOutcome::Failure {
            status: Status::InvalidCode,
            reason: format!("a contract already lives at {address}"),
        });
    }
    let code_hash = env.suite.hash(code);
    // Deployment paid for compiling it: the rest of the block runs it warm.
    let loaded = vm.remember_validated(code_hash, module.clone(), code);
    overlay.loaded_in_block(code_hash, loaded);
    let code_key = layout::code_key(&code_hash);
    if overlay.get(&code_key)?.is_none() {
        overlay.set(code_key, code.to_vec());
    }
    let info = ContractInfo {
        code_hash,
        admin,
        deployer,
        deployed_at: Height(env.height),
        status: ContractStatus::Active,
    };
    overlay.set(
        layout::contract_key(&address),
        citychain_types::Encode::encode(&info),
    );
    let mut data = Writer::with_capacity(52);
    data.raw(&address.0).raw(&code_hash.0);
    let deployed = Event {
        emitter: Address::ZERO,
        topic: DEPLOY_TOPIC.into(),
        data: data.into_bytes(),
    };
    if module.get_export(INIT_METHOD).is_none() {
        return Ok(PayloadOutcome::Success {
            events: vec![deployed],
            output: address.0.to_vec(),
        });
    }
    let (result, events) = with_store(overlay, &vm, env, meter, None, |store| {
        invoke::invoke(
            store,
            CallRequest {
                contract: address,
                caller: deployer,
                method: INIT_METHOD.into(),
                input: init_args.to_vec(),
                value: Amount(0),
                deploying: true,
            },
        )
    })?;
    Ok(match outcome(result, events) {
        PayloadOutcome::Success { mut events, .. } => {
            events.insert(0, deployed);
            PayloadOutcome::Success {
                events,
                output: address.0.to_vec(),
            }
        }
        PayloadOutcome::Failure { status, reason } => PayloadOutcome::Failure {
            status,
            reason: format!("init failed: {reason}"),
        },
    })
}

/// Calls `method` of `contract` for the transaction's sender, attaching `value`.
#[allow(clippy::too_many_arguments)]
pub fn call(
    overlay: &mut Overlay,
    params: &ChainParams,
    env: Env,
    meter: &mut GasMeter,
    contract: &Address,
    method: &str,
    args: &[u8],
    value: Amount,
) -> Result<PayloadOutcome> {
    call_until(
        overlay, params, env, meter, contract, method, args, value, None,
    )
}

#[allow(clippy::too_many_arguments)]
fn call_until(
    overlay: &mut Overlay,
    params: &ChainParams,
    env: Env,
    meter: &mut GasMeter,
    contract: &Address,
    method: &str,
    args: &[u8],
    value: Amount,
    deadline: Option<Instant>,
) -> Result<PayloadOutcome> {
    let vm = Vm::for_params(&params.wasm);
    let caller = env.origin;
    let (result, events) = with_store(overlay, &vm, env, meter, deadline, |store| {
        invoke::invoke(
            store,
            CallRequest {
                contract: *contract,
                caller,
                method: method.into(),
                input: args.to_vec(),
                value,
                deploying: false,
            },
        )
    })?;
    Ok(outcome(result, events))
}

/// What a read-only query returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryOutcome {
    pub status: Status,
    pub reason: String,
    pub output: Vec<u8>,
    pub events: Vec<Event>,
    pub gas_used: Gas,
}

/// The longest a query may run: it stops at its next host call or contract call after this,
/// with status `out_of_gas` and a reason that says so. Its gas (at most `max_tx_gas`) bounds
/// the time between two such points.
pub const QUERY_TIME_LIMIT: Duration = Duration::from_secs(1);

/// Runs `method` of `contract` on `view` as `env.origin` would, keeping nothing it writes,
/// within `gas` (at most `max_tx_gas`) and [`QUERY_TIME_LIMIT`].
pub fn query(
    view: &StateView,
    env: Env,
    contract: &Address,
    method: &str,
    args: &[u8],
    gas: Gas,
) -> Result<QueryOutcome> {
    let deadline = Instant::now() + QUERY_TIME_LIMIT;
    query_until(view, env, contract, method, args, gas, deadline)
}

/// [`query`] with its own wall-clock `deadline`.
pub fn query_until(
    view: &StateView,
    env: Env,
    contract: &Address,
    method: &str,
    args: &[u8],
    gas: Gas,
    deadline: Instant,
) -> Result<QueryOutcome> {
    let mut overlay = Overlay::new(view);
    let params = overlay.params()?;
    let mut meter = GasMeter::new(Gas(gas.0.min(params.max_tx_gas.0)));
    let out = call_until(
        &mut overlay,
        &params,
        env,
        &mut meter,
        contract,
        method,
        args,
        Amount(0),
        Some(deadline),
    )?;
    let gas_used = meter.used();
    Ok(match out {
        PayloadOutcome::Success { events, output } => QueryOutcome {
            status: Status::Success,
            reason: String::new(),
            output,
            events,
            gas_used,
        },
        PayloadOutcome::Failure { status, reason } => QueryOutcome {
            status,
            reason,
            output: Vec::new(),
            events: Vec::new(),
            gas_used,
        },
    })
}

/// A deployed contract's metadata and entry points, for `contract info`.
#[derive(Clone, Debug)]
pub struct ContractDetails {
    pub info: ContractInfo,
    pub code_size: usize,
    pub entry_points: Vec<String>,
    /// What the contract says about itself, if its code carries metadata.
    pub metadata: Option<citychain_types::metadata::ContractMetadata>,
}

/// Looks up a contract on `view`.
pub fn details(view: &StateView, contract: &Address) -> Result<Option<ContractDetails>> {
    let overlay = Overlay::new(view);
    let Some(info) = crate::read::contract_info(&overlay, contract)? else {
        return Ok(None);
    };
    let code = overlay
        .get(&layout::code_key(&info.code_hash))?
        .unwrap_or_default();
    let params = overlay.params()?;
    let vm = Vm::for_params(&params.wasm);
    let entry_points = vm
        .module(&info.code_hash, None, || {
            Ok::<_, crate::BlockError>(code.clone())
        })?
        .map(|m| entry_points(&m.module))
        .unwrap_or_default();
    // Deployed code passed the same check; code from before metadata was checked shows none.
    let metadata = metadata::read(&code).ok().flatten();
    Ok(Some(ContractDetails {
        info,
        code_size: code.len(),
        entry_points,
        metadata,
    }))
}
