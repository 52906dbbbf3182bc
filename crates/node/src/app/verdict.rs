//! Why a block is refused, or cannot be checked yet.

use citychain_crypto::{Hash, Suite};
use citychain_types::{ChainId, Gas, Height, TimestampMs};

/// Why a proposed block is invalid: every honest validator refuses it for the same reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidBlock {
    #[error("block is for chain {block}, not {chain}")]
    WrongChain { block: ChainId, chain: ChainId },
    #[error("block uses suite {block}, the chain uses {chain}")]
    WrongSuite { block: Suite, chain: Suite },
    #[error("block does not extend its parent")]
    NotOnParent,
    #[error("timestamp {timestamp} is not after the parent's {parent}")]
    TimestampNotAfterParent {
        timestamp: TimestampMs,
        parent: TimestampMs,
    },
    #[error("transaction root or count does not match the body")]
    BodyMismatch,
    #[error("transaction {0} has a bad signature")]
    BadSignature(Hash),
    /// Executing the transactions failed (not for a reason of this node's storage).
    #[error("{0}")]
    Execution(String),
    #[error("gas used is {computed}, the header says {header}")]
    GasUsed { computed: Gas, header: Gas },
    #[error("receipts root is {computed}, the header says {header}")]
    ReceiptsRoot { computed: Hash, header: Hash },
    #[error("state root is {computed}, the header says {header}")]
    StateRoot { computed: Hash, header: Hash },
    #[error("block {block} at height {height} conflicts with the finalized chain")]
    ConflictsWithFinalized { block: Hash, height: Height },
    #[error("ancestry is not a chain")]
    BrokenAncestry,
}

/// Why a block was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Invalid(#[from] InvalidBlock),
    /// Something it builds on is not here yet (the request stays pending).
    #[error("cannot verify yet: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}
