//! One contract call: find the contract, move the attached value, run the entry point, and keep
//! or drop everything it did. Nested calls from the `call` host function come through here too.

use super::{
    LoadError,
    engine::INIT_METHOD,
    host::{self, Abort, Frame, HostState},
    pool, reasons,
};
use crate::{BlockError, Overlay, Result};
use citychain_crypto::Address;
use citychain_types::{Amount, ContractStatus, Status, layout};
use wasmi::{AsContextMut, Error, TrapCode};

pub(crate) struct CallRequest {
    pub contract: Address,
    pub caller: Address,
    pub method: String,
    pub input: Vec<u8>,
    pub value: Amount,
    /// Whether this is the deployment's `init` call (the only way to run `init`).
    pub deploying: bool,
}

pub(crate) enum CallResult {
    Done {
        status: Status,
        output: Vec<u8>,
        reason: String,
    },
    /// The node's state failed; the error is in [`HostState::fatal`].
    Fatal,
}

impl CallResult {
    fn failed(status: Status, reason: impl Into<String>) -> Self {
        CallResult::Done {
            status,
            output: Vec::new(),
            reason: reason.into(),
        }
    }
}

/// Moves `amount` between accounts; `Ok(Err(status))` if the balances do not allow it.
pub(crate) fn move_value(
    overlay: &mut Overlay,
    from: &Address,
    to: &Address,
    amount: Amount,
) -> Result<std::result::Result<(), Status>> {
    if amount.0 == 0 {
        return Ok(Ok(()));
    }
    if from == to {
        let balance = overlay.account(from)?.balance;
        return Ok(if balance < amount {
            Err(Status::InsufficientBalance)
        } else {
            Ok(())
        });
    }
    let mut sender = overlay.account(from)?;
    let mut recipient = overlay.account(to)?;
    let Some(new_sender) = sender.balance.checked_sub(amount) else {
        return Ok(Err(Status::InsufficientBalance));
    };
    let Some(new_recipient) = recipient.balance.checked_add(amount) else {
        return Ok(Err(Status::BalanceOverflow));
    };
    sender.balance = new_sender;
    recipient.balance = new_recipient;
    overlay.set_account(from, &sender);
    overlay.set_account(to, &recipient);
    Ok(Ok(()))
}

/// Runs one call in its own state layer, with the store's current fuel as its gas.
pub(crate) fn invoke(mut ctx: impl AsContextMut<Data = HostState>, req: CallRequest) -> CallResult {
    let mut store = ctx.as_context_mut();
    let fuel = store.get_fuel().unwrap_or(0);
    let state = store.data_mut();
    let depth = state.frames.len() as u32;
    if depth >= state.params.max_call_depth {
        return CallResult::failed(
            Status::Trapped,
            format!(
                "call depth limit of {} reached",
                state.params.max_call_depth
            ),
        );
    }
    let Some(overlay) = state.overlay.as_mut() else {
        return CallResult::failed(Status::Trapped, "no state");
    };
    let info = match overlay.contract_info(&req.contract) {
        Ok(Some(info)) => info,
        Ok(None) => {
            return CallResult::failed(
                Status::ContractNotFound,
                format!("no contract at {}", req.contract),
            );
        }
        Err(e) => {
            state.fatal = Some(e);
            return CallResult::Fatal;
        }
    };
    if info.status != ContractStatus::Active {
        return CallResult::failed(
            Status::ContractUnavailable,
            format!("contract {} is {:?}", req.contract, info.status).to_lowercase(),
        );
    }
    if req.method == INIT_METHOD && !req.deploying {
        return CallResult::failed(Status::MethodNotFound, "init runs only at deployment");
    }
    let Some(vm) = state.vm.clone() else {
        return CallResult::failed(Status::Trapped, "no engine");
    };
    let warm = overlay.loaded(&info.code_hash);
    let cold = warm.is_none();
    let module = match warm {
        Some(loaded) => Ok(Ok(loaded)),
        None => vm.module(&info.code_hash, Some(fuel), || {
            overlay
                .get(&layout::code_key(&info.code_hash))?
                .ok_or_else(|| BlockError::CorruptState {
                    what: "contract code",
                    detail: format!("code {} of {} is missing", info.code_hash, req.contract),
                })
        }),
    };
    let loaded = match module {
        Ok(Ok(m)) => m,
        Ok(Err(LoadError::Invalid(reason))) => {
            return CallResult::failed(Status::InvalidCode, reason);
        }
        Ok(Err(LoadError::OutOfGas)) => {
            // As if the load price had been charged and not met: all the gas is spent.
            let _ = store.set_fuel(0);
            return CallResult::failed(Status::OutOfGas, "out of gas");
        }
        Err(e) => {
            state.fatal = Some(e);
            return CallResult::Fatal;
        }
    };
    if cold {
        // The first run in the block pays for loading, whether or not this node had the code
        // compiled, and before anything else can fail; checked as before compiling, so both
        // kinds of node end alike.
        let load = loaded.load_gas(&state.params);
        if load.saturating_add(loaded.instantiate_gas(&state.params)) > fuel {
            let _ = store.set_fuel(0);
            return CallResult::failed(Status::OutOfGas, "out of gas");
        }
        overlay.loaded_in_block(info.code_hash, loaded.clone());
        if store.set_fuel(fuel - load).is_err() {
            return CallResult::failed(Status::Trapped, "the engine does not meter gas");
        }
    }
    let state = store.data_mut();
    let Some(overlay) = state.overlay.as_mut() else {
        return CallResult::failed(Status::Trapped, "no state");
    };
    let Some(wasmi::ExternType::Func(_)) = loaded.module.get_export(&req.method) else {
        return CallResult::failed(
            Status::MethodNotFound,
            format!(
                "contract {} has no entry point {:?}",
                req.contract, req.method
            ),
        );
    };

    // From here on, everything the call does is undone if it fails.
    overlay.checkpoint();
    let events_before = state.events.len();
    match move_value(overlay, &req.caller, &req.contract, req.value) {
        Ok(Ok(())) => {}
        Ok(Err(status)) => {
            overlay.revert_checkpoint();
            return CallResult::failed(status, format!("cannot attach {} to the call", req.value));
        }
        Err(e) => {
            state.fatal = Some(e);
            return CallResult::Fatal;
        }
    }
    state.frames.push(Frame {
        contract: req.contract,
        caller: req.caller,
        value: req.value,
        input: req.input,
        output: Vec::new(),
        memory: None,
    });
    let instantiate_gas = loaded.instantiate_gas(&state.params);
    let outcome = host::past_deadline(state)
        .and_then(|()| host::charge(&mut store, instantiate_gas))
        .and_then(|()| {
            let lease = pool::lend(store.as_context_mut(), &vm, info.code_hash, &loaded)?;
            if let Some(frame) = store.data_mut().frames.last_mut() {
                frame.memory = lease.memory;
            }
            let ran = match lease.instance.get_func(&store, &req.method) {
                Some(func) => func.call(&mut store, &[], &mut []),
                None => Err(Error::new("entry point vanished")),
            };
            pool::give_back(&mut store, lease);
            ran
        });
    let state = store.data_mut();
    let frame = state.frames.pop().expect("pushed above");
    let Some(overlay) = state.overlay.as_mut() else {
        return CallResult::failed(Status::Trapped, "no state");
    };
    match outcome {
        Ok(()) => {
            overlay.commit_checkpoint();
            CallResult::Done {
                status: Status::Success,
                output: frame.output,
                reason: String::new(),
            }
        }
        Err(error) => {
            overlay.revert_checkpoint();
            state.events.truncate(events_before);
            if state.fatal.is_some() {
                return CallResult::Fatal;
            }
            let (status, reason) = classify(&error);
            CallResult::failed(status, reason)
        }
    }
}

/// The receipt status and reason of a failed call.
fn classify(error: &Error) -> (Status, String) {
    if let Some(abort) = error.downcast_ref::<Abort>() {
        return match abort {
            Abort::Revert(reason) => (Status::Reverted, reason.clone()),
            Abort::OutOfGas => (Status::OutOfGas, "out of gas".into()),
            Abort::Trap(msg) => (Status::Trapped, msg.clone()),
            Abort::Fatal => (Status::Trapped, "state unavailable".into()),
            Abort::TimeLimit => (Status::OutOfGas, abort.to_string()),
        };
    }
    match error.as_trap_code() {
        Some(TrapCode::OutOfFuel) => (Status::OutOfGas, "out of gas".into()),
        _ => (Status::Trapped, reasons::trapped(error)),
    }
}
