//! The host API: the functions a contract imports from module `citychain`, and the state they
//! act on. `docs/contracts.md` documents each function for contract authors.
//!
//! Conventions: pointers and lengths are `i32` offsets into the calling contract's exported
//! memory; addresses are 20 bytes, amounts 16 bytes big-endian, hashes 32 bytes. A function that
//! returns variable-size data puts it in the *register* and returns its length; the contract
//! copies it out with `read_register`. Every call costs `host_call_gas` plus its own price.

mod assets;
mod bank;
mod calls;
mod context;
mod crypto;
mod events;
mod io;
mod storage;

use super::{
    engine::{HOST_MODULE, Signature, Vm},
    invoke::{self, CallRequest, CallResult},
    pool::Pool,
};
use crate::{BlockError, Overlay};
use citychain_crypto::{Address, PublicKey, SIGNATURE_LEN, Signature as Sig, Suite};
use citychain_types::{
    Amount, Decode, Event, Gas, Status, WasmParams, layout,
    receipt::{MAX_EVENT_DATA_LEN, MAX_EVENTS, MAX_TOPIC_LEN},
};
use std::{fmt, sync::Arc};
use wasmi::{AsContextMut, Caller, Engine, Error, Extern, Linker, ResourceLimiter, ValType};
use wasmi_core::LimiterError;

/// Namespace under which messages checked by the `verify` host function are signed.
pub const CONTRACT_MESSAGE_NAMESPACE: &[u8] = b"citychain/contract-message/v1";

/// Why a contract stopped early, carried through WASM as a host error.
#[derive(Debug)]
pub enum Abort {
    /// The contract called `revert`.
    Revert(String),
    OutOfGas,
    /// A limit or a misuse of the host API.
    Trap(String),
    /// The node could not read its own state; recorded in [`HostState::fatal`].
    Fatal,
    /// A query ran past its wall-clock limit.
    TimeLimit,
}

impl fmt::Display for Abort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Abort::Revert(r) => write!(f, "reverted: {r}"),
            Abort::OutOfGas => write!(f, "out of gas"),
            Abort::Trap(m) => write!(f, "{m}"),
            Abort::Fatal => write!(f, "state unavailable"),
            Abort::TimeLimit => write!(f, "the query's time limit was reached"),
        }
    }
}

impl wasmi::errors::HostError for Abort {}

/// The block and transaction a contract runs in.
#[derive(Clone, Debug)]
pub struct Env {
    pub suite: Suite,
    pub height: u64,
    pub timestamp_ms: u64,
    /// The account that signed the transaction (or asked the query).
    pub origin: Address,
    /// Assets the transaction moved to the called contract with the call (`attached_assets`).
    pub attached: Vec<citychain_types::asset::Value>,
}

/// One contract call in progress.
pub(crate) struct Frame {
    pub contract: Address,
    pub caller: Address,
    pub value: Amount,
    pub input: Vec<u8>,
    pub output: Vec<u8>,
    /// The running instance's exported memory, once it is instantiated (host calls find it
    /// here instead of looking the export up by name each time).
    pub memory: Option<wasmi::Memory>,
}

/// Everything host functions read and change; the data of the WASM store.
pub struct HostState {
    pub(crate) overlay: Option<Overlay>,
    pub(crate) env: Option<Env>,
    pub(crate) vm: Option<Arc<Vm>>,
    pub(crate) params: WasmParams,
    pub(crate) frames: Vec<Frame>,
    pub(crate) events: Vec<Event>,
    pub(crate) register: Vec<u8>,
    pub(crate) limits: Limits,
    /// A state read failure: the block cannot be executed on this node.
    pub(crate) fatal: Option<BlockError>,
    /// Queries only (never a transaction): the wall-clock time at which the query is stopped.
    pub(crate) deadline: Option<std::time::Instant>,
    /// The deadline stopped the query (it did not run out of gas).
    pub(crate) timed_out: bool,
    /// Instances kept for the next calls (they outlive the transaction; nothing else here does).
    pub(crate) pool: Pool,
}

impl HostState {
    /// A state between transactions: no overlay, no environment.
    pub(crate) fn idle(vm: Arc<Vm>) -> Self {
        let mut state = HostState::detached(vm.params.clone());
        state.vm = Some(vm);
        state
    }

    /// Starts a transaction (or query) on `overlay`, with the limits of a fresh one.
    pub(crate) fn begin(
        &mut self,
        overlay: Overlay,
        env: Env,
        deadline: Option<std::time::Instant>,
    ) {
        self.overlay = Some(overlay);
        self.env = Some(env);
        self.deadline = deadline;
        self.limits = limits(&self.params);
        self.frames.clear();
        self.events.clear();
        self.register.clear();
        self.fatal = None;
        self.timed_out = false;
    }

    /// Ends the transaction: its overlay, its events and the state failure it met, if any.
    pub(crate) fn end(&mut self) -> (Option<Overlay>, Vec<Event>, Option<BlockError>) {
        self.env = None;
        self.deadline = None;
        self.register = Vec::new();
        (
            self.overlay.take(),
            std::mem::take(&mut self.events),
            self.fatal.take(),
        )
    }

    /// A state for instantiating a module without running it (validation).
    pub(crate) fn detached(params: WasmParams) -> Self {
        HostState {
            overlay: None,
            env: None,
            vm: None,
            limits: limits(&params),
            params,
            frames: Vec::new(),
            events: Vec::new(),
            register: Vec::new(),
            fatal: None,
            deadline: None,
            timed_out: false,
            pool: Pool::default(),
        }
    }

    pub(crate) fn overlay(&mut self) -> Result<&mut Overlay, Error> {
        self.overlay
            .as_mut()
            .ok_or_else(|| Error::host(Abort::Trap("no state during validation".into())))
    }

    fn env(&self) -> Result<&Env, Error> {
        self.env
            .as_ref()
            .ok_or_else(|| Error::host(Abort::Trap("no environment during validation".into())))
    }

    fn frame(&self) -> Result<&Frame, Error> {
        self.frames
            .last()
            .ok_or_else(|| Error::host(Abort::Trap("host call outside a contract call".into())))
    }

    /// Records a state failure and aborts the whole execution.
    pub(crate) fn fail(&mut self, e: BlockError) -> Error {
        self.fatal = Some(e);
        Error::host(Abort::Fatal)
    }
}

fn limits(params: &WasmParams) -> Limits {
    let per_instance = params.max_memory_pages as usize * 65_536;
    Limits {
        per_instance,
        // Instances live until the transaction ends, so sequential nested calls add up.
        total: per_instance * (params.max_call_depth as usize + 1),
        used: 0,
        table_elements: 0,
    }
}

/// Table elements one instance may have (function pointers; compilers use a few hundred).
const MAX_TABLE_ELEMENTS: usize = 4_096;
/// Table elements all instances of one transaction may have together.
const MAX_TABLE_ELEMENTS_PER_TX: usize = 65_536;

/// Memory and table limits of one transaction's contract instances.
pub(crate) struct Limits {
    per_instance: usize,
    total: usize,
    used: usize,
    table_elements: usize,
}

impl Limits {
    /// Counts a reused instance's memory and tables as a fresh instance's would be counted, if
    /// the limits allow them (otherwise counts nothing).
    pub(crate) fn admit(&mut self, memory_bytes: usize, table_elements: u64) -> bool {
        let used = self.used.saturating_add(memory_bytes);
        let elements = self
            .table_elements
            .saturating_add(usize::try_from(table_elements).unwrap_or(usize::MAX));
        let fits = memory_bytes <= self.per_instance
            && used <= self.total
            && table_elements <= MAX_TABLE_ELEMENTS as u64
            && elements <= MAX_TABLE_ELEMENTS_PER_TX;
        if fits {
            self.used = used;
            self.table_elements = elements;
        }
        fits
    }
}

impl ResourceLimiter for Limits {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool, LimiterError> {
        let added = desired.saturating_sub(current);
        if desired > self.per_instance || self.used.saturating_add(added) > self.total {
            return Ok(false);
        }
        self.used += added;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool, LimiterError> {
        let added = desired.saturating_sub(current);
        if desired > MAX_TABLE_ELEMENTS
            || self.table_elements.saturating_add(added) > MAX_TABLE_ELEMENTS_PER_TX
        {
            return Ok(false);
        }
        self.table_elements += added;
        Ok(true)
    }

    fn instances(&self) -> usize {
        100_000
    }

    fn tables(&self) -> usize {
        100_000
    }

    fn memories(&self) -> usize {
        100_000
    }
}

fn trap(msg: impl Into<String>) -> Error {
    Error::host(Abort::Trap(msg.into()))
}

/// Takes `gas` from the remaining fuel, or ends the call out of gas.
pub(crate) fn charge(mut ctx: impl AsContextMut<Data = HostState>, gas: u64) -> Result<(), Error> {
    let mut store = ctx.as_context_mut();
    let fuel = store.get_fuel()?;
    if gas > fuel {
        store.set_fuel(0)?;
        return Err(Error::host(Abort::OutOfGas));
    }
    store.set_fuel(fuel - gas)
}

fn byte_cost(base: Gas, per_byte: Gas, bytes: usize) -> u64 {
    base.0
        .saturating_add(per_byte.0.saturating_mul(bytes as u64))
}

fn memory(caller: &Caller<'_, HostState>) -> Result<wasmi::Memory, Error> {
    if let Some(memory) = caller.data().frames.last().and_then(|f| f.memory) {
        return Ok(memory);
    }
    match caller.get_export("memory") {
        Some(Extern::Memory(m)) => Ok(m),
        _ => Err(trap("the contract does not export its memory")),
    }
}

fn read(caller: &Caller<'_, HostState>, ptr: i32, len: i32) -> Result<Vec<u8>, Error> {
    let mem = memory(caller)?;
    let (start, len) = (ptr as u32 as usize, len as u32 as usize);
    let data = mem.data(caller);
    start
        .checked_add(len)
        .and_then(|end| data.get(start..end))
        .map(<[u8]>::to_vec)
        .ok_or_else(|| {
            trap(format!(
                "host call reads {len} bytes at {start}, outside memory"
            ))
        })
}

fn read_bounded(
    caller: &Caller<'_, HostState>,
    ptr: i32,
    len: i32,
    max: usize,
    what: &str,
) -> Result<Vec<u8>, Error> {
    if len < 0 || len as usize > max {
        return Err(trap(format!(
            "{what} of {len} bytes exceeds the limit of {max}"
        )));
    }
    read(caller, ptr, len)
}

fn read_array<const N: usize>(caller: &Caller<'_, HostState>, ptr: i32) -> Result<[u8; N], Error> {
    let v = read(caller, ptr, N as i32)?;
    let mut a = [0u8; N];
    a.copy_from_slice(&v);
    Ok(a)
}

fn write(caller: &mut Caller<'_, HostState>, ptr: i32, bytes: &[u8]) -> Result<(), Error> {
    let mem = memory(caller)?;
    mem.write(&mut *caller, ptr as u32 as usize, bytes)
        .map_err(|_| {
            trap(format!(
                "host call writes {} bytes at {ptr}, outside memory",
                bytes.len()
            ))
        })
}

/// Sets the register and returns its length.
fn to_register(caller: &mut Caller<'_, HostState>, bytes: Vec<u8>) -> i32 {
    let len = bytes.len() as i32;
    caller.data_mut().register = bytes;
    len
}

fn enter(caller: &mut Caller<'_, HostState>, extra: u64) -> Result<(), Error> {
    past_deadline(caller.data_mut())?;
    let base = caller.data().params.host_call_gas.0;
    charge(&mut *caller, base.saturating_add(extra))
}

/// Stops a query that ran past its wall-clock limit (transactions have no deadline: their
/// outcome must not depend on the machine).
pub(crate) fn past_deadline(state: &mut HostState) -> Result<(), Error> {
    match state.deadline {
        Some(d) if std::time::Instant::now() >= d => {
            state.timed_out = true;
            Err(Error::host(Abort::TimeLimit))
        }
        _ => Ok(()),
    }
}

const I32: ValType = ValType::I32;
const I64: ValType = ValType::I64;

/// The host API's functions and types; [`linker`] defines exactly these.
const HOST_FUNCTIONS: &[(&str, Signature)] = &[
    ("input", (&[], &[I32])),
    ("read_register", (&[I32], &[])),
    ("register_len", (&[], &[I32])),
    ("set_output", (&[I32, I32], &[])),
    ("revert", (&[I32, I32], &[])),
    ("storage_read", (&[I32, I32], &[I32])),
    ("storage_write", (&[I32, I32, I32, I32], &[])),
    ("storage_remove", (&[I32, I32], &[])),
    ("storage_next", (&[I32, I32, I32, I32], &[I32])),
    ("caller", (&[I32], &[])),
    ("origin", (&[I32], &[])),
    ("self_address", (&[I32], &[])),
    ("value", (&[I32], &[])),
    ("balance", (&[I32, I32], &[])),
    ("transfer", (&[I32, I32], &[I32])),
    ("block_height", (&[], &[I64])),
    ("block_time", (&[], &[I64])),
    ("gas_left", (&[], &[I64])),
    ("emit", (&[I32, I32, I32, I32], &[])),
    ("call", (&[I32, I32, I32, I32, I32, I32, I64], &[I32])),
    ("hash", (&[I32, I32, I32], &[])),
    ("verify", (&[I32, I32, I32, I32, I32], &[I32])),
    ("asset_balance", (&[I32, I32, I32], &[])),
    ("asset_transfer", (&[I32, I32, I32], &[I32])),
    ("item_owner", (&[I32, I64, I32], &[I32])),
    ("item_transfer", (&[I32, I64, I32], &[I32])),
    ("attached_assets", (&[], &[I32])),
];

/// Host functions that change state: storage, events, value, assets, and calls into other
/// contracts (which may do any of these).
const WRITING: &[&str] = &[
    "storage_write",
    "storage_remove",
    "transfer",
    "emit",
    "call",
    "asset_transfer",
    "item_transfer",
];

/// Whether host function `name` can change state.
pub(crate) fn writes_state(name: &str) -> bool {
    WRITING.contains(&name)
}

/// The type of host function `name`, if the API has it.
pub(crate) fn signature(name: &str) -> Option<Signature> {
    HOST_FUNCTIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
}

type C<'a> = Caller<'a, HostState>;

/// Defines the host API, one area per file.
pub(crate) fn linker(engine: &Engine) -> Linker<HostState> {
    let mut l = Linker::new(engine);
    io::define(&mut l);
    storage::define(&mut l);
    context::define(&mut l);
    bank::define(&mut l);
    assets::define(&mut l);
    events::define(&mut l);
    calls::define(&mut l);
    crypto::define(&mut l);
    l
}
