//! Safe wrappers over the host API (`docs/contracts.md` documents each function).

use crate::{Address, codec::Encode, sys};
use alloc::{string::String, vec, vec::Vec};

/// Copies the register (where the host leaves variable-size results) into a vector.
fn register(len: i32) -> Vec<u8> {
    let mut buf = vec![0u8; len.max(0) as usize];
    sys::read_register(buf.as_mut_ptr() as i32);
    buf
}

/// The call's argument bytes.
pub fn input() -> Vec<u8> {
    let len = sys::input();
    register(len)
}

/// Sets the call's return value.
pub fn set_output(bytes: &[u8]) {
    sys::set_output(bytes.as_ptr() as i32, bytes.len() as i32);
}

/// Ends the call, undoing everything it did (nested calls included); `reason` goes into the
/// receipt.
pub fn revert(reason: &str) -> ! {
    sys::revert(reason.as_ptr() as i32, reason.len() as i32);
    // The host never returns from `revert`.
    unreachable()
}

#[cfg(target_arch = "wasm32")]
fn unreachable() -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(not(target_arch = "wasm32"))]
fn unreachable() -> ! {
    panic!("revert returned")
}

fn address_from(f: fn(i32)) -> Address {
    let mut a = [0u8; 20];
    f(a.as_mut_ptr() as i32);
    Address(a)
}

/// The account or contract that called this contract.
pub fn caller() -> Address {
    address_from(sys::caller)
}

/// The account that signed the transaction (the first caller in a chain of calls).
pub fn origin() -> Address {
    address_from(sys::origin)
}

/// This contract's address.
pub fn self_address() -> Address {
    address_from(sys::self_address)
}

/// Native currency attached to this call (already on this contract's balance).
pub fn value() -> u128 {
    let mut b = [0u8; 16];
    sys::value(b.as_mut_ptr() as i32);
    u128::from_be_bytes(b)
}

/// Native balance of any account or contract.
pub fn balance(of: &Address) -> u128 {
    let mut b = [0u8; 16];
    sys::balance(of.0.as_ptr() as i32, b.as_mut_ptr() as i32);
    u128::from_be_bytes(b)
}

/// Why a native transfer from this contract failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferError {
    /// The contract holds less than the amount.
    InsufficientBalance,
    /// The recipient's balance would overflow.
    RecipientOverflow,
}

/// Sends `amount` of the native currency from this contract to `to`.
pub fn transfer(to: &Address, amount: u128) -> Result<(), TransferError> {
    let a = amount.to_be_bytes();
    match sys::transfer(to.0.as_ptr() as i32, a.as_ptr() as i32) {
        0 => Ok(()),
        1 => Err(TransferError::InsufficientBalance),
        _ => Err(TransferError::RecipientOverflow),
    }
}

/// Height of the block being executed.
pub fn block_height() -> u64 {
    sys::block_height() as u64
}

/// Timestamp of the block being executed, in milliseconds since the Unix epoch.
pub fn block_time_ms() -> u64 {
    sys::block_time() as u64
}

/// Gas left for this call.
pub fn gas_left() -> u64 {
    sys::gas_left() as u64
}

/// Emits an event with `topic` and the canonical encoding of `data`.
pub fn emit(topic: &str, data: &impl Encode) {
    let bytes = data.encode();
    sys::emit(
        topic.as_ptr() as i32,
        topic.len() as i32,
        bytes.as_ptr() as i32,
        bytes.len() as i32,
    );
}

/// The chain's hash (SHA-256 or SM3, by the chain's suite) of `data`.
pub fn hash(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    sys::hash(
        data.as_ptr() as i32,
        data.len() as i32,
        out.as_mut_ptr() as i32,
    );
    out
}

/// Whether `signature` is `public_key`'s signature of `message` under the contract-message
/// namespace (`docs/contracts.md`); `public_key` is in the protocol's encoding (suite tag first).
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8; 64]) -> bool {
    sys::verify(
        public_key.as_ptr() as i32,
        public_key.len() as i32,
        message.as_ptr() as i32,
        message.len() as i32,
        signature.as_ptr() as i32,
    ) == 1
}

/// How a call to another contract failed: the receipt status code and the callee's reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallError {
    /// The receipt status code of the failed call (§4 of the protocol).
    pub status: u16,
    /// The callee's reason.
    pub reason: String,
}

/// Calls `method` of `contract` with `args`, attaching `value` and forwarding at most `gas`
/// (0: all that is left). If the callee fails, everything it did is undone and this call goes on.
pub fn call(
    contract: &Address,
    method: &str,
    args: &impl Encode,
    value: u128,
    gas: u64,
) -> Result<Vec<u8>, CallError> {
    let args = args.encode();
    let v = value.to_be_bytes();
    let status = sys::call(
        contract.0.as_ptr() as i32,
        method.as_ptr() as i32,
        method.len() as i32,
        args.as_ptr() as i32,
        args.len() as i32,
        v.as_ptr() as i32,
        gas as i64,
    );
    // The register holds the output on success and the reason on failure.
    let data = register(sys::register_len());
    if status == 0 {
        Ok(data)
    } else {
        Err(CallError {
            status: status as u16,
            reason: String::from_utf8_lossy(&data).into_owned(),
        })
    }
}
