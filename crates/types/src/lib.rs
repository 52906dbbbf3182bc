//! citychain's identifiers, transactions, blocks, receipts, genesis and their canonical encoding.
//!
//! Everything that is hashed or signed implements [`Encode`] and [`Decode`] with the rules in
//! [`codec`]; `docs/protocol.md` specifies the bytes and carries test vectors.

pub mod block;
pub mod codec;
pub mod genesis;
pub mod governance;
pub mod layout;
pub mod merkle;
pub mod multisig;
mod primitives;
pub mod proof;
pub mod proposal;
pub mod receipt;
pub mod transaction;
pub mod wasm_params;

pub use block::{Block, BlockHeader, ValidatorKey};
pub use codec::{Decode, DecodeError, Encode};
pub use genesis::{
    ChainParams, DEFAULT_EPOCH_BLOCKS, Genesis, GenesisAccount, GenesisMember, MIN_EPOCH_BLOCKS,
};
pub use governance::{Member, OrgId, Organization, Policy, Roles, Thresholds};
pub use layout::{Account, ContractInfo, ContractStatus, Validator, ValidatorSet};
pub use primitives::{Amount, ChainId, Gas, Height, MAX_CHAIN_ID_LEN, Nonce, TimestampMs};
pub use proposal::{GovAction, GovTx, Proposal, ProposalStatus};
pub use receipt::{Event, Receipt, Status};
pub use transaction::{Payload, SignedTransaction, Transaction};
pub use wasm_params::WasmParams;

pub use citychain_crypto::{Address, Hash, PublicKey, SecretKey, Signature, Suite};
