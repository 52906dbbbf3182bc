//! The node configuration file (TOML), as an operator writes it.
//!
//! ```toml
//! data_dir = "data"                  # relative paths are relative to this file
//! genesis = "genesis.json"
//! key = "node.key"                   # this node's Ed25519 identity (encrypted key file)
//! p2p_listen = "0.0.0.0:26656"
//! rpc_listen = "127.0.0.1:8545"
//! account_index = true               # index each account's transactions (default: true)
//!
//! [[validators]]                     # every validator (genesis or voted in) and where to reach it
//! name = "org1"
//! key = "0x…"
//! address = "10.0.0.1:26656"
//!
//! [[full_nodes]]                     # non-voting nodes allowed to connect (optional)
//! name = "api-1"
//! key = "0x…"
//! address = "10.0.0.9:26656"
//! ```
//!
//! A node votes in the epochs whose validator set (in the state) holds its key; otherwise it
//! follows the chain and serves the API (a full node). Only keys listed here may connect.

use crate::{Error, Result, consensus::ConsensusSecret, process::NodeConfig};
use citychain_crypto::{SecretKey, keystore::KeyFile};
use citychain_mempool::MempoolConfig;
use citychain_types::{Genesis, ValidatorKey};
use serde::{Deserialize, Serialize};
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

/// One peer of the network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Peer {
    pub name: String,
    /// The peer's Ed25519 identity (a validator's consensus key).
    pub key: ValidatorKey,
    pub address: SocketAddr,
}

/// The configuration file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeFile {
    pub data_dir: PathBuf,
    pub genesis: PathBuf,
    /// This node's identity key file (Ed25519, usually encrypted).
    pub key: PathBuf,
    pub p2p_listen: SocketAddr,
    pub rpc_listen: SocketAddr,
    /// Threads for signature verification; 0 uses every core.
    #[serde(default)]
    pub verify_threads: usize,
    /// Index each account's transactions for `tx_listByAccount` and the console's account
    /// pages (on by default; off saves a few writes per transaction).
    #[serde(default = "default_account_index")]
    pub account_index: bool,
    pub validators: Vec<Peer>,
    #[serde(default)]
    pub full_nodes: Vec<Peer>,
}

fn default_account_index() -> bool {
    true
}

impl NodeFile {
    /// Reads a configuration file; relative paths in it become relative to its directory.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::file(path, e))?;
        let mut file: NodeFile = toml::from_str(&text).map_err(|e| Error::file(path, e))?;
        let base = path.parent().unwrap_or(Path::new("."));
        for p in [&mut file.data_dir, &mut file.genesis, &mut file.key] {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(file)
    }

    /// Writes the file (used by `testnet init`).
    pub fn write(&self, path: &Path) -> Result<()> {
        let text = toml::to_string_pretty(self).map_err(|e| Error::file(path, e))?;
        let header = "# citychain node configuration. Relative paths are relative to this file.\n";
        std::fs::write(path, format!("{header}{text}")).map_err(|e| Error::file(path, e))
    }

    /// Opens the key and genesis and builds the runtime configuration.
    pub fn load(self, prompt: impl FnOnce(&str) -> std::io::Result<String>) -> Result<NodeConfig> {
        let genesis: Genesis = serde_json::from_str(
            &std::fs::read_to_string(&self.genesis).map_err(|e| Error::file(&self.genesis, e))?,
        )
        .map_err(|e| Error::file(&self.genesis, e))?;
        genesis
            .validate()
            .map_err(|e| Error::file(&self.genesis, e))?;
        let key = open_identity(&self.key, prompt)?;
        for v in &genesis.validators {
            if !self.validators.iter().any(|p| p.key == v.consensus_key) {
                return Err(Error::Config(format!(
                    "validator {} ({}) of the genesis has no address in [[validators]]",
                    v.name, v.consensus_key
                )));
            }
        }
        Ok(NodeConfig {
            data_dir: self.data_dir,
            genesis,
            signer: key,
            p2p_listen: self.p2p_listen,
            validators: self.validators.iter().map(|p| (p.key, p.address)).collect(),
            full_nodes: self.full_nodes.iter().map(|p| (p.key, p.address)).collect(),
            rpc_listen: self.rpc_listen,
            verify_threads: if self.verify_threads == 0 {
                std::thread::available_parallelism().map_or(2, |n| n.get())
            } else {
                self.verify_threads
            },
            worker_threads: 2,
            mempool: MempoolConfig::default(),
            account_index: self.account_index,
        })
    }
}

/// Opens an Ed25519 identity key file (passphrase from the environment or `prompt`).
pub fn open_identity(
    path: &Path,
    prompt: impl FnOnce(&str) -> std::io::Result<String>,
) -> Result<ConsensusSecret> {
    let file = KeyFile::read(path).map_err(|e| Error::file(path, e))?;
    let key = if file.is_insecure() {
        file.decrypt("")
    } else {
        let passphrase = match std::env::var(citychain_crypto::keystore::PASSPHRASE_ENV) {
            Ok(p) => p,
            Err(_) => prompt(&format!("Passphrase for {}: ", path.display()))
                .map_err(|e| Error::Config(e.to_string()))?,
        };
        file.decrypt(&passphrase)
    }
    .map_err(|e| Error::file(path, e))?;
    match key {
        SecretKey::Ed25519(k) => Ok(k),
        SecretKey::Sm2(_) => Err(Error::file(
            path,
            "node identities are Ed25519 keys, this is an SM2 key",
        )),
    }
}
