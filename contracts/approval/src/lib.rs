//! Multi-party approval: a request names an action (a call to a contract), the parties who may
//! approve it, how many approvals it needs and a deadline. The approval that reaches the
//! threshold before the deadline executes the action in the same transaction; if the action
//! fails, that approval fails too and nothing changes. After the deadline the request is
//! expired and can no longer be approved.
//!
//! Events: `created (id, creator)`, `approved (id, approver, approvals)`,
//! `executed (id)`, `rejected (id, party)`.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::{string::String, vec::Vec};
use citychain_sdk::{
    Address, Decode, DecodeError, Encode, Error, Item, Map, Reader, contract, env, events, fail,
    require,
};

/// A request's whole state.
struct Request {
    creator: Address,
    target: Address,
    method: String,
    args: Vec<u8>,
    approvers: Vec<Address>,
    required: u32,
    deadline_ms: u64,
    approvals: u32,
    /// 0 open, 1 executed, 2 rejected.
    state: u8,
}

impl Encode for Request {
    fn encode_to(&self, out: &mut Vec<u8>) {
        (self.creator, self.target, &self.method, &self.args).encode_to(out);
        (
            &self.approvers,
            self.required,
            self.deadline_ms,
            self.approvals,
            self.state,
        )
            .encode_to(out);
    }
}

impl Decode for Request {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (creator, target, method, args) = Decode::decode_from(r)?;
        let (approvers, required, deadline_ms, approvals, state) = Decode::decode_from(r)?;
        Ok(Request {
            creator,
            target,
            method,
            args,
            approvers,
            required,
            deadline_ms,
            approvals,
            state,
        })
    }
}

const OPEN: u8 = 0;
const EXECUTED: u8 = 1;
const REJECTED: u8 = 2;

const NEXT_ID: Item<u64> = Item::new(b"next");
const REQUESTS: Map<u64, Request> = Map::new(b"r");
const APPROVED: Map<(u64, Address), bool> = Map::new(b"v");

fn load(id: u64) -> Result<Request, Error> {
    REQUESTS
        .get(&id)
        .ok_or_else(|| Error(alloc::format!("no request {id}")))
}

fn check_open(id: u64, req: &Request) -> Result<(), Error> {
    require!(
        req.state == OPEN,
        "request {} is already {}",
        id,
        if req.state == EXECUTED {
            "executed"
        } else {
            "rejected"
        }
    );
    require!(
        env::block_time_ms() <= req.deadline_ms,
        "request {} expired at {} ms",
        id,
        req.deadline_ms
    );
    let caller = env::caller();
    require!(
        req.approvers.contains(&caller),
        "{} is not a party to request {}",
        caller,
        id
    );
    Ok(())
}

events! {
    /// `creator` opened request `id`.
    created(id: u64, creator: Address);
    /// `approver` approved request `id`, which now has `approvals`.
    approved(id: u64, approver: Address, approvals: u32);
    /// Request `id` reached its threshold and its action ran.
    executed(id: u64);
    /// `party` rejected request `id` for good.
    rejected(id: u64, party: Address);
}

contract! {
    /// Opens a request; returns its id.
    fn create(
        target: Address,
        method: String,
        args: Vec<u8>,
        approvers: Vec<Address>,
        required: u32,
        deadline_ms: u64,
    ) -> Result<u64, Error> {
        require!(!approvers.is_empty() && approvers.len() <= 64, "1 to 64 approvers");
        require!(required >= 1 && required as usize <= approvers.len(), "required must be between 1 and the number of approvers");
        require!(deadline_ms > env::block_time_ms(), "the deadline has passed already");
        let mut sorted = approvers.clone();
        sorted.sort();
        sorted.dedup();
        require!(sorted.len() == approvers.len(), "an approver is listed twice");
        let id = NEXT_ID.get().unwrap_or(0);
        NEXT_ID.set(&(id + 1));
        let creator = env::caller();
        REQUESTS.set(&id, &Request {
            creator, target, method, args, approvers, required, deadline_ms, approvals: 0, state: OPEN,
        });
        events::created(id, creator);
        Ok(id)
    }

    /// Approves request `id`; the approval that reaches the threshold runs the action.
    fn approve(id: u64) -> Result<bool, Error> {
        let mut req = load(id)?;
        check_open(id, &req)?;
        let caller = env::caller();
        require!(!APPROVED.contains(&(id, caller)), "{} already approved request {}", caller, id);
        APPROVED.set(&(id, caller), &true);
        req.approvals += 1;
        events::approved(id, caller, req.approvals);
        let executes = req.approvals >= req.required;
        if executes {
            if let Err(e) = env::call(&req.target, &req.method, &RawArgs(&req.args), 0, 0) {
                fail!("the action failed (status {}): {}", e.status, e.reason);
            }
            req.state = EXECUTED;
            events::executed(id);
        }
        REQUESTS.set(&id, &req);
        Ok(executes)
    }

    /// Rejects request `id` for good (any party may).
    fn reject(id: u64) -> Result<(), Error> {
        let mut req = load(id)?;
        check_open(id, &req)?;
        req.state = REJECTED;
        REQUESTS.set(&id, &req);
        events::rejected(id, env::caller());
        Ok(())
    }

    /// `(creator, target, method, approvals, required, deadline_ms, state)`; state is
    /// "open", "executed", "rejected" or "expired".
    fn status(id: u64) -> Result<(Address, Address, String, u32, u32, u64, String), Error> {
        let req = load(id)?;
        let state = match req.state {
            EXECUTED => "executed",
            REJECTED => "rejected",
            _ if env::block_time_ms() > req.deadline_ms => "expired",
            _ => "open",
        };
        Ok((req.creator, req.target, req.method, req.approvals, req.required, req.deadline_ms, state.into()))
    }

    /// Whether `party` approved request `id`.
    fn has_approved(id: u64, party: Address) -> bool {
        APPROVED.contains(&(id, party))
    }
}

/// Already-encoded arguments, passed through unchanged.
struct RawArgs<'a>(&'a [u8]);

impl Encode for RawArgs<'_> {
    fn encode_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.0);
    }
}
