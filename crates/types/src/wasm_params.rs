//! Contract execution parameters: limits and the gas cost table, part of [`crate::ChainParams`].
//!
//! Every node meters contracts with these numbers, so the same call costs the same gas
//! everywhere; governance may change them like any other chain parameter.

use crate::{
    Gas,
    codec::{Decode, DecodeError, Encode, Reader, Writer},
    limits::MAX_TX_BYTES_HARD,
    receipt::MAX_OUTPUT_LEN,
};
use serde::{Deserialize, Serialize};

/// Largest memory a contract may be allowed, in 64 KiB pages (64 MiB).
pub const MAX_MEMORY_PAGES_HARD: u32 = 1024;
/// Deepest contract-to-contract call chain any chain may allow.
pub const MAX_CALL_DEPTH_HARD: u32 = 64;

/// Limits and gas costs of contract execution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct WasmParams {
    /// Largest deployable module, in bytes.
    pub max_code_bytes: u32,
    /// Most linear memory one contract instance may use, in 64 KiB pages.
    pub max_memory_pages: u32,
    /// Most nested contract calls (the transaction's own call is depth 1).
    pub max_call_depth: u32,
    /// Most nested WASM function calls within one instance (recursion limit).
    pub max_recursion_depth: u32,
    /// Largest return value or revert reason, in bytes.
    pub max_output_bytes: u32,
    /// Longest contract storage key, in bytes.
    pub max_key_bytes: u32,
    /// Largest contract storage value, in bytes.
    pub max_value_bytes: u32,
    /// Gas per executed WASM instruction (control-flow markers are free).
    pub instruction_gas: u8,
    /// Gas per memory load or store instruction.
    pub memory_access_gas: u8,
    /// Gas per `call` or `call_indirect` instruction.
    pub call_instruction_gas: u8,
    /// Bytes copied, filled or grown per unit of gas by bulk memory instructions.
    pub bytes_per_gas: u32,
    /// Gas of every host call, on top of its own cost.
    pub host_call_gas: Gas,
    /// Gas to instantiate a contract for a call, plus `instantiate_byte_gas` per byte of its
    /// code and `memory_page_gas` per page of its initial memory.
    pub instantiate_gas: Gas,
    /// Gas per byte of the code's data segments at every instantiation (they are copied into
    /// the new memory).
    pub instantiate_byte_gas: Gas,
    /// Gas per function, export, global and table element at every instantiation.
    pub instantiate_item_gas: Gas,
    /// Gas per 64 KiB page of initial memory at instantiation.
    pub memory_page_gas: Gas,
    /// Gas per byte of code the first time a block runs a contract's code: a node that does
    /// not hold it compiled compiles it then.
    pub load_byte_gas: Gas,
    /// Gas per function of the code, at the same first run (compilation has a cost per
    /// function besides its cost per byte).
    pub load_function_gas: Gas,
    /// Gas per byte of code at deployment: validating, compiling and storing it.
    pub deploy_byte_gas: Gas,
    /// Gas of a storage read (or one step of prefix iteration).
    pub storage_read_gas: Gas,
    /// Gas per deleted key that prefix iteration steps over (the state records deletions).
    pub storage_step_gas: Gas,
    /// Gas per byte of key and value read.
    pub storage_read_byte_gas: Gas,
    /// Gas of a storage write or removal.
    pub storage_write_gas: Gas,
    /// Gas per byte of key and value written.
    pub storage_write_byte_gas: Gas,
    /// Gas of emitting an event.
    pub event_gas: Gas,
    /// Gas per byte of event topic and data.
    pub event_byte_gas: Gas,
    /// Gas of calling another contract, before the gas forwarded to it.
    pub call_gas: Gas,
    /// Gas of hashing, plus `hash_byte_gas` per input byte.
    pub hash_gas: Gas,
    /// Gas per byte hashed (and per byte of a verified message).
    pub hash_byte_gas: Gas,
    /// Gas of one signature verification.
    pub verify_gas: Gas,
}

impl Default for WasmParams {
    fn default() -> Self {
        WasmParams {
            max_code_bytes: 256 * 1024,
            max_memory_pages: 32,
            max_call_depth: 8,
            max_recursion_depth: 1024,
            max_output_bytes: MAX_OUTPUT_LEN as u32,
            max_key_bytes: 256,
            max_value_bytes: 64 * 1024,
            instruction_gas: 1,
            memory_access_gas: 2,
            call_instruction_gas: 5,
            bytes_per_gas: 64,
            host_call_gas: Gas(20),
            instantiate_gas: Gas(5_000),
            instantiate_byte_gas: Gas(1),
            instantiate_item_gas: Gas(50),
            memory_page_gas: Gas(200),
            load_byte_gas: Gas(8),
            load_function_gas: Gas(400),
            deploy_byte_gas: Gas(20),
            storage_read_gas: Gas(300),
            storage_step_gas: Gas(128),
            storage_read_byte_gas: Gas(1),
            storage_write_gas: Gas(2_000),
            storage_write_byte_gas: Gas(10),
            event_gas: Gas(500),
            event_byte_gas: Gas(5),
            call_gas: Gas(5_000),
            hash_gas: Gas(200),
            hash_byte_gas: Gas(2),
            verify_gas: Gas(20_000),
        }
    }
}

impl WasmParams {
    /// Checks that every limit and price is within what the engine supports.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_code_bytes == 0 || self.max_code_bytes as usize > MAX_TX_BYTES_HARD {
            return Err(format!(
                "wasm.max_code_bytes must be between 1 and {MAX_TX_BYTES_HARD}"
            ));
        }
        if self.max_memory_pages == 0 || self.max_memory_pages > MAX_MEMORY_PAGES_HARD {
            return Err(format!(
                "wasm.max_memory_pages must be between 1 and {MAX_MEMORY_PAGES_HARD}"
            ));
        }
        if self.max_call_depth == 0 || self.max_call_depth > MAX_CALL_DEPTH_HARD {
            return Err(format!(
                "wasm.max_call_depth must be between 1 and {MAX_CALL_DEPTH_HARD}"
            ));
        }
        if !(16..=65_536).contains(&self.max_recursion_depth) {
            return Err("wasm.max_recursion_depth must be between 16 and 65536".into());
        }
        if self.max_output_bytes as usize > MAX_OUTPUT_LEN {
            return Err(format!(
                "wasm.max_output_bytes must be at most {MAX_OUTPUT_LEN}"
            ));
        }
        if self.max_key_bytes == 0 || self.max_value_bytes as usize > MAX_TX_BYTES_HARD {
            return Err(
                "wasm.max_key_bytes must be positive and max_value_bytes at most 1 MiB".into(),
            );
        }
        if self.instruction_gas == 0 || self.bytes_per_gas == 0 {
            return Err("wasm.instruction_gas and wasm.bytes_per_gas must be positive".into());
        }
        Ok(())
    }
}

impl Encode for WasmParams {
    fn encode_to(&self, w: &mut Writer) {
        w.u32(self.max_code_bytes)
            .u32(self.max_memory_pages)
            .u32(self.max_call_depth)
            .u32(self.max_recursion_depth)
            .u32(self.max_output_bytes)
            .u32(self.max_key_bytes)
            .u32(self.max_value_bytes)
            .u8(self.instruction_gas)
            .u8(self.memory_access_gas)
            .u8(self.call_instruction_gas)
            .u32(self.bytes_per_gas);
        for gas in [
            self.host_call_gas,
            self.instantiate_gas,
            self.deploy_byte_gas,
            self.storage_read_gas,
            self.storage_read_byte_gas,
            self.storage_write_gas,
            self.storage_write_byte_gas,
            self.event_gas,
            self.event_byte_gas,
            self.call_gas,
            self.hash_gas,
            self.hash_byte_gas,
            self.verify_gas,
            self.instantiate_byte_gas,
            self.instantiate_item_gas,
            self.memory_page_gas,
            self.load_byte_gas,
            self.load_function_gas,
            self.storage_step_gas,
        ] {
            w.put(&gas);
        }
    }
}

impl Decode for WasmParams {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(WasmParams {
            max_code_bytes: r.u32("wasm max code bytes")?,
            max_memory_pages: r.u32("wasm max memory pages")?,
            max_call_depth: r.u32("wasm max call depth")?,
            max_recursion_depth: r.u32("wasm max recursion depth")?,
            max_output_bytes: r.u32("wasm max output bytes")?,
            max_key_bytes: r.u32("wasm max key bytes")?,
            max_value_bytes: r.u32("wasm max value bytes")?,
            instruction_gas: r.u8("wasm instruction gas")?,
            memory_access_gas: r.u8("wasm memory access gas")?,
            call_instruction_gas: r.u8("wasm call instruction gas")?,
            bytes_per_gas: r.u32("wasm bytes per gas")?,
            host_call_gas: Gas::decode_from(r)?,
            instantiate_gas: Gas::decode_from(r)?,
            deploy_byte_gas: Gas::decode_from(r)?,
            storage_read_gas: Gas::decode_from(r)?,
            storage_read_byte_gas: Gas::decode_from(r)?,
            storage_write_gas: Gas::decode_from(r)?,
            storage_write_byte_gas: Gas::decode_from(r)?,
            event_gas: Gas::decode_from(r)?,
            event_byte_gas: Gas::decode_from(r)?,
            call_gas: Gas::decode_from(r)?,
            hash_gas: Gas::decode_from(r)?,
            hash_byte_gas: Gas::decode_from(r)?,
            verify_gas: Gas::decode_from(r)?,
            instantiate_byte_gas: Gas::decode_from(r)?,
            instantiate_item_gas: Gas::decode_from(r)?,
            memory_page_gas: Gas::decode_from(r)?,
            load_byte_gas: Gas::decode_from(r)?,
            load_function_gas: Gas::decode_from(r)?,
            storage_step_gas: Gas::decode_from(r)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip() {
        let p = WasmParams::default();
        p.validate().expect("valid");
        let bytes = p.encode();
        assert_eq!(bytes.len(), 7 * 4 + 3 + 4 + 19 * 8);
        assert_eq!(WasmParams::decode(&bytes).expect("decodes"), p);
    }

    #[test]
    fn unusable_limits_are_refused() {
        let p = WasmParams {
            max_memory_pages: MAX_MEMORY_PAGES_HARD + 1,
            ..Default::default()
        };
        assert!(
            p.validate()
                .expect_err("too much memory")
                .contains("max_memory_pages")
        );
        let p = WasmParams {
            max_call_depth: 0,
            ..Default::default()
        };
        assert!(p.validate().is_err());
    }
}
