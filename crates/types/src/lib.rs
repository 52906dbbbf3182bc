#![warn(missing_docs, unreachable_pub)]
//! citychain's identifiers, transactions, blocks, receipts, genesis and their canonical encoding.
//!
//! Everything that is hashed or signed implements [`Encode`] and [`Decode`] with the rules in
//! [`codec`]; `docs/protocol.md` specifies the bytes and carries test vectors.
//!
//! The modules form layers, each using only those before it: `codec`; `primitives`, `limits`,
//! `merkle`, `proof`; the state values `account`, `receipt`, `validator`, `contract`,
//! `governance`, `asset`; the key `layout`; `wasm_params` and `genesis` (chain parameters);
//! `proposal`; `transaction` (the payload and its operations); `multisig` and `block`.

pub mod account;
pub mod asset;
pub mod block;
pub mod codec;
pub mod contract;
pub mod genesis;
pub mod governance;
pub mod layout;
pub mod limits;
pub mod merkle;
pub mod metadata;
pub mod multisig;
mod primitives;
pub mod proof;
pub mod proposal;
pub mod receipt;
#[cfg(feature = "schema")]
mod schema;
pub mod transaction;
pub mod validator;
pub mod wasm_params;

pub use account::Account;
pub use block::{Block, BlockHeader};
pub use codec::{Decode, DecodeError, Encode};
pub use contract::{ContractInfo, ContractStatus};
pub use genesis::{
    ChainParams, DEFAULT_EPOCH_BLOCKS, Genesis, GenesisAccount, GenesisContract, GenesisMember,
    MIN_EPOCH_BLOCKS,
};
pub use governance::{Member, OrgId, Organization, Policy, Roles, Thresholds};
pub use primitives::{Amount, ChainId, Gas, Height, MAX_CHAIN_ID_LEN, Nonce, TimestampMs};
pub use proposal::{GovAction, GovTx, Proposal, ProposalStatus};
pub use receipt::{Event, Receipt, Status};
pub use transaction::{Payload, SignedTransaction, Transaction};
pub use validator::{Validator, ValidatorKey, ValidatorSet};
pub use wasm_params::WasmParams;

pub use citychain_crypto::{Address, Hash, PublicKey, SecretKey, Signature, Suite};
