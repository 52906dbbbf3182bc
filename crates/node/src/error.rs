//! What stops a node, by kind. Each message names what failed and, where there is one, what to
//! do about it; callers match on the kind (the CLI, the simulation) and print the message.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The genesis document is invalid.
    #[error("invalid genesis: {0}")]
    InvalidGenesis(String),
    /// A configuration, genesis or key file cannot be read or is invalid.
    #[error("{}: {detail}", path.display())]
    File { path: PathBuf, detail: String },
    /// The configuration is inconsistent (for example a validator with no address).
    #[error("{0}")]
    Config(String),
    /// The data directory's storage cannot be opened or belongs to another chain; the message
    /// names the file and the remedy.
    #[error("{0}")]
    Storage(String),
    /// Consensus storage does not match the chain store, or the vote journal lost votes.
    #[error("{0}")]
    ConsensusRecords(String),
    /// The vote record cannot be read or written.
    #[error("{0}")]
    VoteRecord(String),
    /// A block cannot be committed or re-executed.
    #[error("{0}")]
    Commit(String),
    /// An address to listen on is taken or refused, or the thread pool cannot start.
    #[error("{0}")]
    Resources(String),
    /// A part of the node stopped.
    #[error("{0}")]
    Stopped(String),
}

impl Error {
    pub(crate) fn file(path: &std::path::Path, detail: impl std::fmt::Display) -> Self {
        Error::File {
            path: path.to_path_buf(),
            detail: detail.to_string(),
        }
    }
}

/// The result of the node's fallible operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
