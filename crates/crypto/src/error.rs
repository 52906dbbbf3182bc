use thiserror::Error;

/// Errors from parsing keys, verifying inputs and opening key files.
#[derive(Debug, Error)]
pub enum Error {
    #[error("unknown crypto suite {0}")]
    UnknownSuite(String),
    #[error("invalid hex {0}")]
    InvalidHex(String),
    #[error("expected {expected} bytes, found {found}")]
    InvalidLength { expected: usize, found: usize },
    #[error("invalid public key: {0}")]
    InvalidPublicKey(String),
    #[error("invalid secret key: {0}")]
    InvalidSecretKey(String),
    #[error("the operating system's random number generator failed: {0}")]
    Randomness(String),
    #[error("wrong passphrase (or a corrupted key file): the key could not be decrypted")]
    WrongPassphrase,
    #[error("key file {path} is readable by other users (mode {mode:04o}); run `chmod 600 {path}`")]
    KeyFilePermissions { path: String, mode: u32 },
    #[error("key file: {0}")]
    KeyFile(String),
    #[error("{0}")]
    Io(String),
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
