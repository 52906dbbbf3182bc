//! Receipts: the outcome of every executed transaction.

use crate::{
    Gas,
    codec::{Decode, DecodeError, Encode, Reader, Writer},
};
use citychain_crypto::{Address, Hash};
use serde::{Deserialize, Serialize};

/// Longest receipt reason, in bytes.
pub const MAX_REASON_LEN: usize = 512;
/// Longest event topic, in bytes.
pub const MAX_TOPIC_LEN: usize = 64;
/// Largest event data, in bytes.
pub const MAX_EVENT_DATA_LEN: usize = 4096;
/// Most events one transaction may emit.
pub const MAX_EVENTS: usize = 256;
/// Largest output (a contract's return data or a deployed contract's address), in bytes.
pub const MAX_OUTPUT_LEN: usize = 16 * 1024;

/// How a transaction ended. The numeric codes are part of the protocol and never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Executed; its effects are in the state.
    Success,
    /// The sender could not cover the transferred amount.
    InsufficientBalance,
    /// The gas limit ran out before the transaction finished.
    OutOfGas,
    /// A balance would have exceeded the largest representable amount.
    BalanceOverflow,
    /// The contract reverted; the reason is the contract's message.
    Reverted,
    /// The contract's code failed: a trap (unreachable, bad memory access), a limit (memory,
    /// stack, call depth, event or output size) or a host-call misuse.
    Trapped,
    /// The deployed code is not a valid contract module; the reason says which rule it breaks.
    InvalidCode,
    /// No contract lives at the called address.
    ContractNotFound,
    /// The contract has no such entry point.
    MethodNotFound,
    /// The contract is frozen or revoked.
    ContractUnavailable,
    /// An asset's transfer rule refuses a holder (not a member, not on the allow-list), or the
    /// item is locked.
    AssetRestricted,
    /// The asset, or the holder's balance of it, is frozen.
    AssetFrozen,
}

impl Status {
    /// The status's number (§4 of `docs/protocol.md`).
    pub const fn code(self) -> u16 {
        match self {
            Status::Success => 0,
            Status::InsufficientBalance => 1,
            Status::OutOfGas => 2,
            Status::BalanceOverflow => 3,
            Status::Reverted => 4,
            Status::Trapped => 5,
            Status::InvalidCode => 6,
            Status::ContractNotFound => 7,
            Status::MethodNotFound => 8,
            Status::ContractUnavailable => 9,
            Status::AssetRestricted => 10,
            Status::AssetFrozen => 11,
        }
    }

    /// The status with number `code`, if any.
    pub fn from_code(code: u16) -> Option<Status> {
        Some(match code {
            0 => Status::Success,
            1 => Status::InsufficientBalance,
            2 => Status::OutOfGas,
            3 => Status::BalanceOverflow,
            4 => Status::Reverted,
            5 => Status::Trapped,
            6 => Status::InvalidCode,
            7 => Status::ContractNotFound,
            8 => Status::MethodNotFound,
            9 => Status::ContractUnavailable,
            10 => Status::AssetRestricted,
            11 => Status::AssetFrozen,
            _ => return None,
        })
    }
}

/// Something a transaction announces for clients to watch (a transfer, a state change).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Event {
    /// The module or contract that emitted it; native modules use the zero address.
    pub emitter: Address,
    /// What happened (`transfer`, or a contract's own topic).
    pub topic: String,
    #[serde(with = "citychain_crypto::hex::serde_bytes")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "citychain_crypto::schema::HexBytes")
    )]
    /// Its details, in the emitter's encoding.
    pub data: Vec<u8>,
}

impl Encode for Event {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.emitter).string(&self.topic).bytes(&self.data);
    }
}

impl Decode for Event {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Event {
            emitter: Address::decode_from(r)?,
            topic: r.string("event topic", MAX_TOPIC_LEN)?,
            data: r.bytes("event data", MAX_EVENT_DATA_LEN)?.to_vec(),
        })
    }
}

/// The outcome of one transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Receipt {
    /// The transaction it is the outcome of.
    pub tx_hash: Hash,
    /// Success, or the kind of failure.
    pub status: Status,
    /// The status's numeric code (repeated in JSON for clients that match on numbers).
    pub code: u16,
    /// Empty on success; otherwise says what went wrong, with the values involved.
    pub reason: String,
    /// The gas charged (the fee is this times the gas price).
    pub gas_used: Gas,
    /// Events emitted (none when the transaction failed).
    pub events: Vec<Event>,
    /// What the transaction returned: a contract call's return data, a deployment's contract
    /// address; empty otherwise.
    #[serde(with = "citychain_crypto::hex::serde_bytes")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "citychain_crypto::schema::HexBytes")
    )]
    pub output: Vec<u8>,
}

impl Receipt {
    /// The receipt of a transaction that succeeded.
    pub fn success(tx_hash: Hash, gas_used: Gas, events: Vec<Event>, output: Vec<u8>) -> Self {
        Receipt {
            tx_hash,
            status: Status::Success,
            code: 0,
            reason: String::new(),
            gas_used,
            events,
            output,
        }
    }

    /// The receipt of a transaction that failed; a reason longer than `MAX_REASON_LEN` is cut at a character boundary.
    pub fn failure(
        tx_hash: Hash,
        status: Status,
        reason: impl Into<String>,
        gas_used: Gas,
    ) -> Self {
        let mut reason = reason.into();
        if reason.len() > MAX_REASON_LEN {
            let mut cut = MAX_REASON_LEN;
            while !reason.is_char_boundary(cut) {
                cut -= 1;
            }
            reason.truncate(cut);
        }
        Receipt {
            tx_hash,
            status,
            code: status.code(),
            reason,
            gas_used,
            events: Vec::new(),
            output: Vec::new(),
        }
    }

    /// Whether the transaction succeeded.
    pub fn is_success(&self) -> bool {
        self.status == Status::Success
    }
}

impl Encode for Receipt {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.tx_hash)
            .u16(self.status.code())
            .string(&self.reason)
            .put(&self.gas_used)
            .list(&self.events, |w, e| {
                w.put(e);
            })
            .bytes(&self.output);
    }
}

impl Decode for Receipt {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let tx_hash = Hash::decode_from(r)?;
        let code = r.u16("receipt status")?;
        let status = Status::from_code(code)
            .ok_or_else(|| r.error("receipt status", format!("unknown status code {code}")))?;
        Ok(Receipt {
            tx_hash,
            status,
            code,
            reason: r.string("receipt reason", MAX_REASON_LEN)?,
            gas_used: Gas::decode_from(r)?,
            events: r.list("receipt events", MAX_EVENTS, Event::decode_from)?,
            output: r.bytes("receipt output", MAX_OUTPUT_LEN)?.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_round_trip() {
        let ok = Receipt::success(
            Hash([1; 32]),
            Gas(21),
            vec![Event {
                emitter: Address::ZERO,
                topic: "transfer".into(),
                data: vec![1, 2, 3],
            }],
            vec![9, 9],
        );
        let failed = Receipt::failure(
            Hash([2; 32]),
            Status::OutOfGas,
            "needed 10, limit 5",
            Gas(5),
        );
        for r in [ok, failed] {
            assert_eq!(Receipt::decode(&r.encode()).expect("decodes"), r);
        }
    }

    #[test]
    fn codes_are_stable() {
        for (status, code) in [
            (Status::Success, 0),
            (Status::InsufficientBalance, 1),
            (Status::OutOfGas, 2),
            (Status::BalanceOverflow, 3),
            (Status::Reverted, 4),
            (Status::Trapped, 5),
            (Status::InvalidCode, 6),
            (Status::ContractNotFound, 7),
            (Status::MethodNotFound, 8),
            (Status::ContractUnavailable, 9),
        ] {
            assert_eq!(status.code(), code);
            assert_eq!(Status::from_code(code), Some(status));
        }
        let mut bytes = Receipt::success(Hash::ZERO, Gas(0), vec![], vec![]).encode();
        bytes[33] = 99;
        assert!(Receipt::decode(&bytes).is_err());
    }

    #[test]
    fn long_reasons_are_cut_at_a_char_boundary() {
        let r = Receipt::failure(Hash::ZERO, Status::OutOfGas, "é".repeat(400), Gas(0));
        assert!(r.reason.len() <= MAX_REASON_LEN);
        assert_eq!(Receipt::decode(&r.encode()).expect("decodes"), r);
    }
}
