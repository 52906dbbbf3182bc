use citychain_crypto::{Hash, Suite};
use citychain_types::{Amount, ChainId, Gas, Nonce};
use thiserror::Error;

/// Why a transaction cannot be included in a block at all.
///
/// These are rejections, not failures: a transaction rejected here costs nothing and changes
/// nothing. The mempool applies the same checks on admission, and a block containing such a
/// transaction is invalid.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum InvalidTx {
    #[error("transaction is for chain {found:?}, but this chain is {expected:?}")]
    WrongChain { expected: ChainId, found: ChainId },
    #[error("transaction is signed with {found}, but this chain uses {expected}")]
    WrongSuite { expected: Suite, found: Suite },
    #[error("transaction is {size} bytes; the limit is {max}")]
    TooLarge { size: usize, max: u32 },
    #[error("gas limit {limit} exceeds the per-transaction maximum {max}")]
    GasLimitTooHigh { limit: Gas, max: Gas },
    #[error("gas limit {limit} is below the {intrinsic} gas this transaction costs before it runs")]
    GasLimitBelowIntrinsic { limit: Gas, intrinsic: Gas },
    #[error("nonce {nonce} is below the account's next nonce {expected} (already used: a replay?)")]
    NonceTooLow { nonce: Nonce, expected: Nonce },
    #[error("nonce {nonce} is ahead of the account's next nonce {expected}")]
    NonceTooHigh { nonce: Nonce, expected: Nonce },
    #[error("the sender's balance {balance} cannot cover the maximum fee {needed}")]
    CannotPayFee { needed: Amount, balance: Amount },
    #[error(
        "the sender's key is an Ed25519 point of small order: anyone can sign as it, so it may \
         not send transactions"
    )]
    WeakSenderKey,
    #[error("the signature does not verify for the sender's public key")]
    BadSignature,
    #[error("code {code_hash} is not approved for deployment (the policy needs a vote first)")]
    CodeNotApproved { code_hash: citychain_crypto::Hash },
    #[error("the sender is not a signer of multisig account {account}")]
    NotASigner { account: citychain_crypto::Address },
    #[error("account {account} is frozen")]
    AccountFrozen { account: citychain_crypto::Address },
    #[error("permission denied: {action} needs the role {needed}; the sender has {has}{}", if detail.is_empty() { String::new() } else { format!(" ({detail})") })]
    PermissionDenied {
        action: &'static str,
        needed: citychain_types::Roles,
        has: citychain_types::Roles,
        detail: String,
    },
}

impl InvalidTx {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            InvalidTx::WrongChain { .. } => "wrong_chain",
            InvalidTx::WrongSuite { .. } => "wrong_suite",
            InvalidTx::TooLarge { .. } => "too_large",
            InvalidTx::GasLimitTooHigh { .. } => "gas_limit_too_high",
            InvalidTx::GasLimitBelowIntrinsic { .. } => "gas_limit_too_low",
            InvalidTx::NonceTooLow { .. } => "nonce_too_low",
            InvalidTx::NonceTooHigh { .. } => "nonce_too_high",
            InvalidTx::CannotPayFee { .. } => "insufficient_fee_balance",
            InvalidTx::BadSignature => "bad_signature",
            InvalidTx::WeakSenderKey => "weak_key",
            InvalidTx::AccountFrozen { .. } => "account_frozen",
            InvalidTx::NotASigner { .. } => "not_a_signer",
            InvalidTx::CodeNotApproved { .. } => "code_not_approved",
            InvalidTx::PermissionDenied { .. } => "permission_denied",
        }
    }
}

/// Why a block cannot be executed.
#[derive(Debug, Error)]
pub enum BlockError {
    #[error("transaction {index} ({hash}) is invalid: {error}")]
    InvalidTx {
        index: usize,
        hash: Hash,
        error: InvalidTx,
    },
    #[error("block has {count} transactions; the limit is {max}")]
    TooManyTxs { count: usize, max: u32 },
    #[error("the block's transactions take {bytes} bytes; the limit is {max}")]
    TooLarge { bytes: usize, max: usize },
    #[error(
        "transaction {index} asks for up to {gas_limit} gas after {used} used; the block gas \
         limit is {max}"
    )]
    GasLimitExceeded {
        index: usize,
        used: Gas,
        gas_limit: Gas,
        max: Gas,
    },
    #[error("the chain parameters are missing from the state")]
    MissingParams,
    #[error("state: {0}")]
    State(#[from] citychain_state::Error),
    #[error("corrupt state value under {what}: {detail}")]
    CorruptState { what: &'static str, detail: String },
}

/// Result with [`BlockError`].
pub type Result<T> = std::result::Result<T, BlockError>;
