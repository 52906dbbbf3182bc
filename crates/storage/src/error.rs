use std::path::PathBuf;
use thiserror::Error;

/// Errors from the chain store.
#[derive(Debug, Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("index database: {0}")]
    Db(#[from] fjall::Error),
    #[error("state: {0}")]
    State(#[from] citychain_state::Error),
    #[error("{file}: byte {offset}: {problem}")]
    Corrupt {
        file: PathBuf,
        offset: u64,
        problem: String,
    },
    #[error("stored {what} could not be decoded: {detail}")]
    Decode { what: &'static str, detail: String },
    #[error(
        "this data directory belongs to another chain (genesis {found}, expected {expected}); use another --data-dir"
    )]
    WrongGenesis { expected: String, found: String },
    #[error("injected fault at {0:?}")]
    Injected(crate::CommitPoint),
    #[error("block {height} cannot be committed on top of head {head}")]
    OutOfOrder { height: u64, head: String },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
