//! Deployed contracts' metadata: code hash, admin, deployer and lifecycle status.

use crate::{
    Height,
    codec::{Decode, DecodeError, Encode, Reader, Writer},
};
use citychain_crypto::{Address, Hash};
use serde::{Deserialize, Serialize};

/// Whether a contract may run. Governance (a later module) moves contracts between these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContractStatus {
    /// Calls run.
    Active,
    /// Calls are refused until unfrozen; storage is kept.
    Frozen,
    /// Calls are refused for good.
    Revoked,
}

impl ContractStatus {
    /// The status's byte in the encoding.
    pub const fn code(self) -> u8 {
        match self {
            ContractStatus::Active => 0,
            ContractStatus::Frozen => 1,
            ContractStatus::Revoked => 2,
        }
    }
}

/// A deployed contract, stored under [`crate::layout::contract_key`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContractInfo {
    /// Hash (in the chain's suite) of the WASM code, stored under [`crate::layout::code_key`].
    pub code_hash: Hash,
    /// The account allowed to propose upgrades and lifecycle changes (the deployer at first).
    pub admin: Address,
    /// The account that deployed it.
    pub deployer: Address,
    /// The height of the block that deployed it.
    pub deployed_at: Height,
    /// Whether it may run.
    pub status: ContractStatus,
}

/// Encoding: `code_hash || admin || deployer || deployed_at (u64) || status (u8)`.
impl Encode for ContractInfo {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.code_hash)
            .put(&self.admin)
            .put(&self.deployer)
            .put(&self.deployed_at)
            .u8(self.status.code());
    }
}

impl Decode for ContractInfo {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ContractInfo {
            code_hash: Hash::decode_from(r)?,
            admin: Address::decode_from(r)?,
            deployer: Address::decode_from(r)?,
            deployed_at: Height::decode_from(r)?,
            status: match r.u8("contract status")? {
                0 => ContractStatus::Active,
                1 => ContractStatus::Frozen,
                2 => ContractStatus::Revoked,
                other => {
                    return Err(r.error("contract status", format!("unknown status {other}")));
                }
            },
        })
    }
}
