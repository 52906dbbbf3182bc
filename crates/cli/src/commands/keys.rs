//! `citychain keys`: create and inspect key files.

use crate::output;
use anyhow::{Context as _, bail};
use citychain_crypto::{
    SecretKey, Suite,
    keystore::{KdfParams, KeyFile, PASSPHRASE_ENV},
};
use clap::Subcommand;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Generate a key and write it encrypted (Argon2id + SM4-GCM or ChaCha20-Poly1305).
    ///
    /// The passphrase is read from CITYCHAIN_PASSPHRASE, or asked for twice.
    New {
        /// The key file to create (never overwritten).
        #[arg(long)]
        out: PathBuf,
        /// ed25519 or sm2: must match the chain's suite.
        #[arg(long, default_value = "ed25519")]
        suite: Suite,
    },
    /// Show a key file's suite, address and public key (no passphrase needed).
    Show { file: PathBuf },
}

#[derive(Serialize)]
struct KeyInfo {
    file: PathBuf,
    suite: Suite,
    address: citychain_crypto::Address,
    public_key: citychain_crypto::PublicKey,
    encrypted: bool,
}

fn new_passphrase() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        return Ok(p);
    }
    let first = super::prompt_passphrase("New passphrase: ")?;
    if first.is_empty() {
        bail!(
            "an empty passphrase would leave the key unprotected; choose one (or set {PASSPHRASE_ENV})"
        );
    }
    let second = super::prompt_passphrase("Repeat passphrase: ")?;
    if first != second {
        bail!("the passphrases differ; nothing was written");
    }
    Ok(first)
}

pub fn run(cmd: KeysCommand, json: bool) -> anyhow::Result<()> {
    let (file, path) = match cmd {
        KeysCommand::New { out, suite } => {
            if out.exists() {
                bail!("{} exists; refusing to overwrite a key file", out.display());
            }
            let passphrase = new_passphrase()?;
            let key = SecretKey::generate(suite)?;
            let file = KeyFile::encrypt(&key, &passphrase, KdfParams::STRONG)?;
            file.write_new(&out)
                .with_context(|| format!("writing {}", out.display()))?;
            (file, out)
        }
        KeysCommand::Show { file } => (KeyFile::read(&file)?, file),
    };
    let info = KeyInfo {
        encrypted: !file.is_insecure(),
        suite: file.suite,
        address: file.address,
        public_key: file.public_key.clone(),
        file: path,
    };
    if json {
        return output::json(&info);
    }
    output::rows(&[
        ("file", info.file.display().to_string()),
        ("suite", info.suite.to_string()),
        ("address", info.address.to_string()),
        ("public key", info.public_key.to_string()),
        (
            "encrypted",
            if info.encrypted {
                "yes".into()
            } else {
                "NO (insecure dev key)".into()
            },
        ),
    ]);
    Ok(())
}
