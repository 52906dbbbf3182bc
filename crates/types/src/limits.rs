//! Hard caps that hold whatever a chain's parameters say: decoders check them before they
//! allocate, and genesis validation refuses parameters above them.

/// The hard cap on an encoded signed transaction.
pub const MAX_TX_BYTES_HARD: usize = 1 << 20;

/// The hard cap on transactions in one block.
pub const MAX_BLOCK_TXS_HARD: usize = 100_000;

/// Most signers of one multisig account.
pub const MAX_SIGNERS: usize = 16;
