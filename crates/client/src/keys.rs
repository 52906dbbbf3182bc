//! Opening key files: the passphrase comes from `CITYCHAIN_PASSPHRASE`, else from a prompt.

use citychain_crypto::{
    SecretKey,
    keystore::{KeyFile, PASSPHRASE_ENV},
};
use std::path::Path;

/// Opens a key file. Unencrypted dev keys need no passphrase; otherwise the passphrase is read
/// from the environment or, failing that, from `prompt`.
pub fn open_key_file(
    path: &Path,
    prompt: impl FnOnce(&str) -> std::io::Result<String>,
) -> Result<SecretKey, citychain_crypto::Error> {
    let file = KeyFile::read(path)?;
    if file.is_insecure() {
        return file.decrypt("");
    }
    let passphrase = match std::env::var(PASSPHRASE_ENV) {
        Ok(p) => p,
        Err(_) => prompt(&format!(
            "Passphrase for {} ({}): ",
            path.display(),
            file.address
        ))
        .map_err(|e| citychain_crypto::Error::Io(format!("cannot read the passphrase: {e}")))?,
    };
    file.decrypt(&passphrase)
}
