use thiserror::Error;

/// Errors reading or updating the authenticated state.
#[derive(Debug, Error)]
pub enum Error {
    #[error("storage: {0}")]
    Storage(#[from] fjall::Error),
    #[error("the state tree is inconsistent: {0}")]
    Tree(String),
    #[error("no state root is stored for version {0}")]
    MissingVersion(u64),
    #[error("a stored {what} could not be decoded: {detail}")]
    Corrupt { what: &'static str, detail: String },
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        Error::Tree(format!("{e:#}"))
    }
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
