//! The host API: the functions a contract imports from module `citychain`, and the state they
//! act on. `docs/contracts.md` documents each function for contract authors.
//!
//! Conventions: pointers and lengths are `i32` offsets into the calling contract's exported
//! memory; addresses are 20 bytes, amounts 16 bytes big-endian, hashes 32 bytes. A function that
//! returns variable-size data puts it in the *register* and returns its length; the contract
//! copies it out with `read_register`. Every call costs `host_call_gas` plus its own price.

use super::{
    engine::{HOST_MODULE, Signature, Vm},
    invoke::{self, CallRequest, CallResult},
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
}

/// One contract call in progress.
pub(crate) struct Frame {
    pub contract: Address,
    pub caller: Address,
    pub value: Amount,
    pub input: Vec<u8>,
    pub output: Vec<u8>,
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
}

impl HostState {
    pub(crate) fn new(overlay: Overlay, env: Env, vm: Arc<Vm>) -> Self {
        let params = vm.params.clone();
        HostState {
            overlay: Some(overlay),
            env: Some(env),
            vm: Some(vm),
            limits: limits(&params),
            params,
            frames: Vec::new(),
            events: Vec::new(),
            register: Vec::new(),
            fatal: None,
            deadline: None,
            timed_out: false,
        }
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
];

/// The type of host function `name`, if the API has it.
pub(crate) fn signature(name: &str) -> Option<Signature> {
    HOST_FUNCTIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
}

type C<'a> = Caller<'a, HostState>;

/// Defines the host API.
pub(crate) fn linker(engine: &Engine) -> Linker<HostState> {
    let mut l = Linker::new(engine);
    let m = HOST_MODULE;
    let ok = "host function names are unique";
    l.func_wrap(m, "input", |mut c: C<'_>| -> Result<i32, Error> {
        let input = c.data().frame()?.input.clone();
        enter(&mut c, input.len() as u64 / 32)?;
        Ok(to_register(&mut c, input))
    })
    .expect(ok);
    l.func_wrap(
        m,
        "read_register",
        |mut c: C<'_>, ptr: i32| -> Result<(), Error> {
            let bytes = std::mem::take(&mut c.data_mut().register);
            enter(&mut c, bytes.len() as u64 / 32)?;
            let result = write(&mut c, ptr, &bytes);
            c.data_mut().register = bytes;
            result
        },
    )
    .expect(ok);
    l.func_wrap(m, "register_len", |mut c: C<'_>| -> Result<i32, Error> {
        enter(&mut c, 0)?;
        Ok(c.data().register.len() as i32)
    })
    .expect(ok);
    l.func_wrap(
        m,
        "set_output",
        |mut c: C<'_>, ptr: i32, len: i32| -> Result<(), Error> {
            enter(&mut c, len.max(0) as u64 / 32)?;
            let max = c.data().params.max_output_bytes as usize;
            let out = read_bounded(&c, ptr, len, max, "output")?;
            if let Some(f) = c.data_mut().frames.last_mut() {
                f.output = out;
            }
            Ok(())
        },
    )
    .expect(ok);
    l.func_wrap(
        m,
        "revert",
        |mut c: C<'_>, ptr: i32, len: i32| -> Result<(), Error> {
            enter(&mut c, 0)?;
            let max = c.data().params.max_output_bytes as usize;
            let reason = read_bounded(&c, ptr, len, max, "revert reason")?;
            Err(Error::host(Abort::Revert(
                String::from_utf8_lossy(&reason).into_owned(),
            )))
        },
    )
    .expect(ok);
    l.func_wrap(
        m,
        "storage_read",
        |mut c: C<'_>, kp: i32, kl: i32| -> Result<i32, Error> {
            let p = c.data().params.clone();
            let key = read_bounded(&c, kp, kl, p.max_key_bytes as usize, "storage key")?;
            let contract = c.data().frame()?.contract;
            let value = {
                let s = c.data_mut();
                match s
                    .overlay()?
                    .get(&layout::contract_storage_key(&contract, &key))
                {
                    Ok(v) => v,
                    Err(e) => return Err(s.fail(e)),
                }
            };
            let len = value.as_ref().map_or(0, Vec::len);
            enter(
                &mut c,
                byte_cost(p.storage_read_gas, p.storage_read_byte_gas, key.len() + len),
            )?;
            Ok(match value {
                None => -1,
                Some(v) => to_register(&mut c, v),
            })
        },
    )
    .expect(ok);
    l.func_wrap(
        m,
        "storage_write",
        |mut c: C<'_>, kp: i32, kl: i32, vp: i32, vl: i32| -> Result<(), Error> {
            let p = c.data().params.clone();
            let key = read_bounded(&c, kp, kl, p.max_key_bytes as usize, "storage key")?;
            let value = read_bounded(&c, vp, vl, p.max_value_bytes as usize, "storage value")?;
            enter(
                &mut c,
                byte_cost(
                    p.storage_write_gas,
                    p.storage_write_byte_gas,
                    key.len() + value.len(),
                ),
            )?;
            let contract = c.data().frame()?.contract;
            c.data_mut()
                .overlay()?
                .set(layout::contract_storage_key(&contract, &key), value);
            Ok(())
        },
    )
    .expect(ok);
    l.func_wrap(
        m,
        "storage_remove",
        |mut c: C<'_>, kp: i32, kl: i32| -> Result<(), Error> {
            let p = c.data().params.clone();
            let key = read_bounded(&c, kp, kl, p.max_key_bytes as usize, "storage key")?;
            enter(
                &mut c,
                byte_cost(p.storage_write_gas, p.storage_write_byte_gas, key.len()),
            )?;
            let contract = c.data().frame()?.contract;
            c.data_mut()
                .overlay()?
                .remove(layout::contract_storage_key(&contract, &key));
            Ok(())
        },
    )
    .expect(ok);
    l.func_wrap(
        m,
        "storage_next",
        |mut c: C<'_>, pp: i32, pl: i32, ap: i32, al: i32| -> Result<i32, Error> {
            let p = c.data().params.clone();
            let prefix = read_bounded(&c, pp, pl, p.max_key_bytes as usize, "storage prefix")?;
            let after = if al == -1 {
                None
            } else {
                Some(read_bounded(
                    &c,
                    ap,
                    al,
                    p.max_key_bytes as usize,
                    "storage key",
                )?)
            };
            enter(&mut c, p.storage_read_gas.0)?;
            let contract = c.data().frame()?.contract;
            let full_prefix = layout::contract_storage_key(&contract, &prefix);
            let full_after = after.map(|a| layout::contract_storage_key(&contract, &a));
            // Every deletion of this block stepped over is paid for; the scan stops where the
            // gas left would run out.
            let step = p.storage_step_gas.0.max(1);
            let max_skips = c.get_fuel()? / step;
            let scan = {
                let s = c.data_mut();
                match s
                    .overlay()?
                    .scan(&full_prefix, full_after.as_deref(), max_skips)
                {
                    Ok(v) => v,
                    Err(e) => return Err(s.fail(e)),
                }
            };
            charge(&mut c, scan.skipped.saturating_mul(step))?;
            if !scan.complete {
                charge(&mut c, step)?;
            }
            let Some((key, value)) = scan.found else {
                return Ok(-1);
            };
            let key = &key[21..];
            enter(
                &mut c,
                p.storage_read_byte_gas
                    .0
                    .saturating_mul((key.len() + value.len()) as u64),
            )?;
            let mut out = Vec::with_capacity(4 + key.len() + value.len());
            out.extend_from_slice(&(key.len() as u32).to_be_bytes());
            out.extend_from_slice(key);
            out.extend_from_slice(&value);
            Ok(to_register(&mut c, out))
        },
    )
    .expect(ok);
    l.func_wrap(m, "caller", |mut c: C<'_>, ptr: i32| -> Result<(), Error> {
        enter(&mut c, 0)?;
        let a = c.data().frame()?.caller;
        write(&mut c, ptr, &a.0)
    })
    .expect(ok);
    l.func_wrap(m, "origin", |mut c: C<'_>, ptr: i32| -> Result<(), Error> {
        enter(&mut c, 0)?;
        let a = c.data().env()?.origin;
        write(&mut c, ptr, &a.0)
    })
    .expect(ok);
    l.func_wrap(
        m,
        "self_address",
        |mut c: C<'_>, ptr: i32| -> Result<(), Error> {
            enter(&mut c, 0)?;
            let a = c.data().frame()?.contract;
            write(&mut c, ptr, &a.0)
        },
    )
    .expect(ok);
    l.func_wrap(m, "value", |mut c: C<'_>, ptr: i32| -> Result<(), Error> {
        enter(&mut c, 0)?;
        let v = c.data().frame()?.value;
        write(&mut c, ptr, &v.0.to_be_bytes())
    })
    .expect(ok);
    l.func_wrap(
        m,
        "balance",
        |mut c: C<'_>, ap: i32, out: i32| -> Result<(), Error> {
            let read_gas = c.data().params.storage_read_gas.0;
            enter(&mut c, read_gas)?;
            let who = Address(read_array::<20>(&c, ap)?);
            let balance = {
                let s = c.data_mut();
                match s.overlay()?.account(&who) {
                    Ok(a) => a.balance,
                    Err(e) => return Err(s.fail(e)),
                }
            };
            write(&mut c, out, &balance.0.to_be_bytes())
        },
    )
    .expect(ok);
    l.func_wrap(
        m,
        "transfer",
        |mut c: C<'_>, tp: i32, ap: i32| -> Result<i32, Error> {
            let p = c.data().params.clone();
            enter(&mut c, p.storage_write_gas.0.saturating_mul(2))?;
            let to = Address(read_array::<20>(&c, tp)?);
            let amount = Amount(u128::from_be_bytes(read_array::<16>(&c, ap)?));
            let from = c.data().frame()?.contract;
            let s = c.data_mut();
            match invoke::move_value(s.overlay()?, &from, &to, amount) {
                Ok(Ok(())) => Ok(0),
                Ok(Err(Status::InsufficientBalance)) => Ok(1),
                Ok(Err(_)) => Ok(2),
                Err(e) => Err(s.fail(e)),
            }
        },
    )
    .expect(ok);
    l.func_wrap(m, "block_height", |mut c: C<'_>| -> Result<i64, Error> {
        enter(&mut c, 0)?;
        Ok(c.data().env()?.height as i64)
    })
    .expect(ok);
    l.func_wrap(m, "block_time", |mut c: C<'_>| -> Result<i64, Error> {
        enter(&mut c, 0)?;
        Ok(c.data().env()?.timestamp_ms as i64)
    })
    .expect(ok);
    l.func_wrap(m, "gas_left", |mut c: C<'_>| -> Result<i64, Error> {
        enter(&mut c, 0)?;
        Ok(c.get_fuel()? as i64)
    })
    .expect(ok);
    l.func_wrap(
        m,
        "emit",
        |mut c: C<'_>, tp: i32, tl: i32, dp: i32, dl: i32| -> Result<(), Error> {
            let p = c.data().params.clone();
            let topic = read_bounded(&c, tp, tl, MAX_TOPIC_LEN, "event topic")?;
            let data = read_bounded(&c, dp, dl, MAX_EVENT_DATA_LEN, "event data")?;
            enter(
                &mut c,
                byte_cost(p.event_gas, p.event_byte_gas, topic.len() + data.len()),
            )?;
            let topic = String::from_utf8(topic).map_err(|_| trap("event topic is not UTF-8"))?;
            let emitter = c.data().frame()?.contract;
            let s = c.data_mut();
            if s.events.len() >= MAX_EVENTS {
                return Err(trap(format!(
                    "more than {MAX_EVENTS} events in one transaction"
                )));
            }
            s.events.push(Event {
                emitter,
                topic,
                data,
            });
            Ok(())
        },
    )
    .expect(ok);
    l.func_wrap(
        m,
        "call",
        |mut c: C<'_>,
         ap: i32,
         mp: i32,
         ml: i32,
         argp: i32,
         argl: i32,
         vp: i32,
         gas: i64|
         -> Result<i32, Error> {
            let p = c.data().params.clone();
            let contract = Address(read_array::<20>(&c, ap)?);
            let method = read_bounded(
                &c,
                mp,
                ml,
                citychain_types::transaction::MAX_METHOD_LEN,
                "method name",
            )?;
            let method = String::from_utf8(method).map_err(|_| trap("method name is not UTF-8"))?;
            let args = read_bounded(&c, argp, argl, p.max_value_bytes as usize, "call arguments")?;
            let value = Amount(u128::from_be_bytes(read_array::<16>(&c, vp)?));
            enter(&mut c, p.call_gas.0)?;
            let caller_address = c.data().frame()?.contract;
            // Forward what was asked for (all that is left when 0 or too much).
            let available = c.get_fuel()?;
            let forwarded = match u64::try_from(gas) {
                Ok(g) if g > 0 && g <= available => g,
                _ => available,
            };
            c.set_fuel(forwarded)?;
            let result = invoke::invoke(
                &mut c,
                CallRequest {
                    contract,
                    caller: caller_address,
                    method,
                    input: args,
                    value,
                    deploying: false,
                },
            );
            let left = c.get_fuel()?;
            c.set_fuel(available - forwarded + left)?;
            let (status, data) = match result {
                CallResult::Fatal => return Err(Error::host(Abort::Fatal)),
                CallResult::Done {
                    status,
                    output,
                    reason,
                } => {
                    if status == Status::Success {
                        (status, output)
                    } else {
                        (status, reason.into_bytes())
                    }
                }
            };
            to_register(&mut c, data);
            Ok(i32::from(status.code()))
        },
    )
    .expect(ok);
    l.func_wrap(
        m,
        "hash",
        |mut c: C<'_>, ptr: i32, len: i32, out: i32| -> Result<(), Error> {
            let p = c.data().params.clone();
            let data = read_bounded(&c, ptr, len, p.max_value_bytes as usize, "hash input")?;
            enter(&mut c, byte_cost(p.hash_gas, p.hash_byte_gas, data.len()))?;
            let h = c.data().env()?.suite.hash(&data);
            write(&mut c, out, &h.0)
        },
    )
    .expect(ok);
    l.func_wrap(
        m,
        "verify",
        |mut c: C<'_>, kp: i32, kl: i32, mp: i32, ml: i32, sp: i32| -> Result<i32, Error> {
            let p = c.data().params.clone();
            let key = read_bounded(&c, kp, kl, 64, "public key")?;
            let msg = read_bounded(&c, mp, ml, p.max_value_bytes as usize, "signed message")?;
            let sig = read_array::<SIGNATURE_LEN>(&c, sp)?;
            enter(&mut c, byte_cost(p.verify_gas, p.hash_byte_gas, msg.len()))?;
            let Ok(key) = PublicKey::decode(&key) else {
                return Ok(0);
            };
            Ok(i32::from(key.verify(
                CONTRACT_MESSAGE_NAMESPACE,
                &msg,
                &Sig(sig),
            )))
        },
    )
    .expect(ok);
    l
}
