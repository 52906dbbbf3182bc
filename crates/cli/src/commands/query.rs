//! `citychain query`: read the chain, and verify what was read.

use super::DEFAULT_RPC;
use crate::output;
use anyhow::{Context as _, bail};
use citychain_client::api::*;
use citychain_client::{
    Client,
    types::BlockId,
    verify::{TrustRoot, verify_account, verify_header},
};
use citychain_crypto::{Address, Hash};
use citychain_types::{
    Genesis,
    asset::{AssetId, CollectionId, Holding, Item, Vault},
    layout,
};
use clap::Subcommand;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum QueryCommand {
    /// Chain id, height, finalized tip, mempool.
    Status {
        /// The node's API.
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// An account's nonce and balance.
    Account {
        /// The account's address (0x…, 20 bytes).
        address: Address,
        /// The node's API.
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// A block by height or hash (default: latest).
    Block {
        /// A height, a block hash, or "latest".
        #[arg(default_value = "latest")]
        block: BlockId,
        /// Include transactions and receipts.
        #[arg(long)]
        full: bool,
        /// The node's API.
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// The validators of an epoch (default: the current one), in certificate order, and the set
    /// governance has chosen for the next epoch.
    Validators {
        /// An epoch number.
        #[arg(long)]
        epoch: Option<u64>,
        /// The node's API.
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// A header and its finality certificate.
    Header {
        /// A height, a block hash, or "latest".
        #[arg(default_value = "latest")]
        block: BlockId,
        /// The node's API.
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// A transaction, pending or committed.
    Tx {
        /// The transaction hash.
        hash: Hash,
        /// The node's API.
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// A committed transaction's receipt.
    Receipt {
        /// The transaction hash.
        hash: Hash,
        /// The node's API.
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// An account with its Merkle proof; with --verify, checks the proof and the header's
    /// finality certificate locally instead of trusting the node.
    Proof {
        /// The account's address (0x…, 20 bytes).
        address: Address,
        /// Height to prove at (default: latest).
        #[arg(long)]
        height: Option<u64>,
        /// Verify locally.
        #[arg(long)]
        verify: bool,
        /// Your own copy of the genesis document to trust (default: ask the node, and say so).
        #[arg(long)]
        genesis: Option<PathBuf>,
        /// The node's API.
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// A holder's balance of an asset with its Merkle proof; with --verify, checked locally
    /// against a finalized header like `query proof`.
    Holding {
        asset: AssetId,
        holder: Address,
        #[command(flatten)]
        proof: ProofArgs,
    },
    /// An item (its owner, metadata, lock) with its Merkle proof; --verify checks it locally.
    Item {
        collection: CollectionId,
        item: u64,
        #[command(flatten)]
        proof: ProofArgs,
    },
    /// A vault (content, shares, reserve, status) with its Merkle proof; --verify checks it
    /// locally.
    Vault {
        vault: AssetId,
        #[command(flatten)]
        proof: ProofArgs,
    },
    /// A contract's stored value under KEY (hex), proven against a finalized state root and
    /// verified locally (e.g. a notary record: key = 0x64 ("d") followed by the document hash).
    Storage {
        contract: Address,
        /// The contract's own storage key, hex.
        key: String,
        /// Height to prove at (default: latest).
        #[arg(long)]
        height: Option<u64>,
        /// Your own copy of the genesis document to trust (default: ask the node, and say so).
        #[arg(long)]
        genesis: Option<PathBuf>,
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
}

/// Options of the proven queries of asset state.
#[derive(clap::Args)]
pub struct ProofArgs {
    /// Height to prove at (default: latest).
    #[arg(long)]
    height: Option<u64>,
    /// Verify locally: the proof against the header's state root, the header's finality
    /// certificate against the validators the genesis starts from.
    #[arg(long)]
    verify: bool,
    /// Your own copy of the genesis document to trust (default: ask the node, and say so).
    #[arg(long)]
    genesis: Option<PathBuf>,
    /// The node's API.
    #[arg(long, default_value = DEFAULT_RPC)]
    rpc: String,
}

/// The genesis to trust: the user's file, or the node's (saying so).
async fn trusted_genesis(
    client: &Client,
    genesis: Option<PathBuf>,
) -> anyhow::Result<(Genesis, String)> {
    Ok(match genesis {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            (
                serde_json::from_str::<Genesis>(&text)
                    .with_context(|| format!("parsing {}", path.display()))?,
                format!("your file {}", path.display()),
            )
        }
        None => (
            client.rpc().chain_get_genesis().await?,
            "the node (pass --genesis FILE to check against your own copy)".to_string(),
        ),
    })
}

/// A header at `height` whose finality was verified against the trusted genesis, with what the
/// proof rests on.
pub(super) struct Verification {
    pub(super) trust: TrustRoot,
    pub(super) header: citychain_types::BlockHeader,
    info: citychain_client::types::HeaderInfo,
    pub(super) anchor: Anchor,
}

pub(super) async fn verified_header(
    client: &Client,
    genesis: Option<PathBuf>,
    height: u64,
) -> anyhow::Result<Verification> {
    let (genesis, source) = trusted_genesis(client, genesis).await?;
    let mut trust = TrustRoot::from_genesis(&genesis);
    let info = client
        .rpc()
        .chain_get_header(BlockId::Height(height))
        .await?;
    // A certificate of a later epoch needs that epoch's validators, learned from the genesis
    // onwards one epoch at a time.
    let epoch = info.finality.as_ref().map_or(0, |f| f.epoch);
    if epoch > trust.latest_epoch() {
        if epoch > 1 {
            eprintln!("verifying the validator sets of epochs 1 to {epoch}…");
        }
        client
            .learn_epochs(&mut trust, epoch, |e| {
                if e % 1_000 == 0 {
                    eprintln!("  … epoch {e} of {epoch}");
                }
            })
            .await
            .context("cannot establish the certificate's validator set")?;
    }
    let header = verify_header(&trust, &info).context("the header's finality does not verify")?;
    let validators = trust.validators(epoch).map_or(0, <[_]>::len);
    let anchor = Anchor {
        height: header.height.0,
        block_hash: info.hash,
        state_root: header.state_root,
        genesis_hash: trust.genesis_hash,
        genesis_source: source,
        signers: info.finality.as_ref().map_or(0, |f| f.signers.len()),
        validators,
        epoch,
    };
    Ok(Verification {
        trust,
        header,
        info,
        anchor,
    })
}

/// What a locally verified proof rests on: a finalized header and the trusted genesis.
#[derive(Serialize)]
pub(super) struct Anchor {
    height: u64,
    block_hash: Hash,
    state_root: Hash,
    genesis_hash: Hash,
    genesis_source: String,
    signers: usize,
    validators: usize,
    /// The consensus epoch of the certificate.
    epoch: u64,
}

impl Anchor {
    pub(super) fn rows(&self) -> [(&'static str, String); 3] {
        let quorum = citychain_client::verify::quorum(self.validators);
        [
            (
                "proven against",
                format!(
                    "state root {} of block {} at height {}",
                    self.state_root, self.block_hash, self.height
                ),
            ),
            (
                "finality",
                format!(
                    "{} of {} validators of epoch {} signed (quorum {quorum})",
                    self.signers, self.validators, self.epoch
                ),
            ),
            (
                "trusted genesis",
                format!("{} from {}", self.genesis_hash, self.genesis_source),
            ),
        ]
    }
}

#[derive(Serialize)]
struct VerifiedStorage {
    contract: Address,
    key: String,
    state_key: String,
    value: Option<String>,
    #[serde(flatten)]
    anchor: Anchor,
}

#[derive(Serialize)]
struct Verified {
    address: Address,
    nonce: u64,
    balance: citychain_types::Amount,
    #[serde(flatten)]
    anchor: Anchor,
    finalized_via_descendant_at: Option<u64>,
}

pub async fn run(cmd: QueryCommand, json: bool) -> anyhow::Result<()> {
    match cmd {
        QueryCommand::Status { rpc } => show_status(&rpc, json).await,
        QueryCommand::Account { address, rpc } => show_account(address, &rpc, json).await,
        QueryCommand::Block { block, full, rpc } => show_block(block, full, &rpc, json).await,
        QueryCommand::Validators { epoch, rpc } => show_validators(epoch, &rpc, json).await,
        QueryCommand::Header { block, rpc } => show_header(block, &rpc, json).await,
        QueryCommand::Tx { hash, rpc } => show_tx(hash, &rpc, json).await,
        QueryCommand::Receipt { hash, rpc } => show_receipt(hash, &rpc, json).await,
        QueryCommand::Storage {
            contract,
            key,
            height,
            genesis,
            rpc,
        } => show_storage(contract, key, height, genesis, &rpc, json).await,
        QueryCommand::Proof {
            address,
            height,
            verify,
            genesis,
            rpc,
        } => show_proof(address, height, verify, genesis, &rpc, json).await,
        QueryCommand::Holding {
            asset,
            holder,
            proof,
        } => {
            let key = layout::holding_key(&asset, &holder);
            show_proven::<Holding>(&key, proof, json, |h| {
                let h = h.copied().unwrap_or_default();
                vec![
                    ("asset", asset.to_string()),
                    ("holder", holder.to_string()),
                    ("balance", h.balance.to_string()),
                    ("frozen", h.frozen.to_string()),
                ]
            })
            .await
        }
        QueryCommand::Item {
            collection,
            item,
            proof,
        } => {
            let key = layout::item_key(&collection, item);
            show_proven::<Item>(&key, proof, json, |i| match i {
                None => vec![("item", format!("{item} of {collection}: absent (proven)"))],
                Some(i) => vec![
                    ("item", format!("{item} of {collection}")),
                    ("owner", i.owner.to_string()),
                    ("metadata", i.metadata.to_string()),
                    ("locked", i.locked.to_string()),
                ],
            })
            .await
        }
        QueryCommand::Vault { vault, proof } => {
            let key = layout::vault_key(&vault);
            show_proven::<Vault>(&key, proof, json, |v| match v {
                None => vec![("vault", format!("{vault}: absent (proven)"))],
                Some(v) => vec![
                    ("vault", vault.to_string()),
                    ("content", v.content.to_string()),
                    ("shares", v.shares.to_string()),
                    (
                        "reserve",
                        v.reserve.map_or("none".into(), |p| p.to_string()),
                    ),
                    ("status", format!("{:?}", v.status).to_lowercase()),
                ],
            })
            .await
        }
    }
}

/// A state value of type `T` under `state_key`, proven; with `--verify` checked locally and
/// described by `describe` (which sees the decoded value, or `None` if proven absent).
async fn show_proven<T: citychain_types::Decode + Serialize>(
    state_key: &[u8],
    args: ProofArgs,
    json: bool,
    describe: impl FnOnce(Option<&T>) -> Vec<(&'static str, String)>,
) -> anyhow::Result<()> {
    let client = Client::connect(&args.rpc)?;
    let proof = client
        .rpc()
        .state_get_key_proof(citychain_crypto::hex::encode(state_key), args.height)
        .await?;
    if !args.verify {
        return output::json(&proof);
    }
    let v = verified_header(&client, args.genesis, proof.height).await?;
    let raw = citychain_client::verify::verify_key(&v.trust, &v.header, state_key, &proof)
        .context("the proof does not verify")?;
    // Only a value just proven against a finalized state root is decoded.
    let value = raw
        .as_deref()
        .map(T::decode)
        .transpose()
        .context("the proven value does not decode")?;
    if json {
        #[derive(Serialize)]
        struct Proven<T> {
            state_key: String,
            value: Option<T>,
            #[serde(flatten)]
            anchor: Anchor,
        }
        return output::json(&Proven {
            state_key: citychain_crypto::hex::encode(state_key),
            value,
            anchor: v.anchor,
        });
    }
    println!("verified locally:");
    let mut rows = describe(value.as_ref());
    rows.extend(v.anchor.rows());
    output::rows(&rows);
    Ok(())
}

/// `query status`.
async fn show_status(rpc: &str, json: bool) -> anyhow::Result<()> {
    let s = Client::connect(rpc)?.status().await?;
    if json {
        return output::json(&s);
    }
    output::rows(&[
        ("chain", format!("{} ({})", s.chain_id, s.suite)),
        ("genesis", s.genesis_hash.to_string()),
        ("height", format!("{} ({})", s.height, s.head_hash)),
        ("state root", s.state_root.to_string()),
        ("finalized tip", s.finalized_tip.to_string()),
        ("pending txs", s.pending_txs.to_string()),
        ("validators", s.validators.to_string()),
        ("node", s.node_version),
    ]);
    Ok(())
}

/// `query account`.
async fn show_account(address: Address, rpc: &str, json: bool) -> anyhow::Result<()> {
    let a = Client::connect(rpc)?
        .rpc()
        .state_get_account(address)
        .await?;
    if json {
        return output::json(&a);
    }
    output::rows(&[
        ("address", a.address.to_string()),
        ("balance", a.balance.to_string()),
        ("nonce", a.nonce.to_string()),
        ("at height", a.height.to_string()),
    ]);
    Ok(())
}

/// `query block`.
async fn show_block(
    block: citychain_client::types::BlockId,
    full: bool,
    rpc: &str,
    json: bool,
) -> anyhow::Result<()> {
    let b = Client::connect(rpc)?
        .rpc()
        .chain_get_block(block, Some(full))
        .await?;
    if json {
        return output::json(&b);
    }
    let h = &b.header;
    output::rows(&[
        ("height", h.height.to_string()),
        ("hash", b.hash.to_string()),
        ("parent", h.parent.to_string()),
        ("time (ms)", h.timestamp.to_string()),
        ("transactions", h.tx_count.to_string()),
        ("gas used", h.gas_used.to_string()),
        ("state root", h.state_root.to_string()),
        ("proposer", h.proposer.to_string()),
    ]);
    for t in &b.tx_hashes {
        println!("  tx {t}");
    }
    for t in &b.transactions {
        println!(
            "  tx {} from {} nonce {}",
            t.hash(),
            t.sender(),
            t.transaction().nonce
        );
    }
    Ok(())
}

/// `query validators`: the epoch's set, and the next one when governance changed it.
async fn show_validators(epoch: Option<u64>, rpc: &str, json: bool) -> anyhow::Result<()> {
    let v = Client::connect(rpc)?
        .rpc()
        .chain_get_validators(epoch)
        .await?;
    if json {
        return output::json(&v);
    }
    println!(
        "epoch {} (heights {} to {}): {} validators",
        v.epoch,
        v.first_height,
        v.last_height,
        v.validators.len()
    );
    let list = |set: &[citychain_client::types::ValidatorInfo]| {
        for x in set {
            println!("  {:>3}  {}  {}", x.index, x.consensus_key, x.name);
        }
    };
    list(&v.validators);
    let keys = |set: &[citychain_client::types::ValidatorInfo]| {
        set.iter().map(|x| x.consensus_key).collect::<Vec<_>>()
    };
    if epoch.is_none() && keys(&v.next) != keys(&v.validators) {
        println!(
            "from epoch {} (chosen by governance so far): {} validators",
            v.epoch + 1,
            v.next.len()
        );
        list(&v.next);
    }
    Ok(())
}

/// `query header`, with the certificate that makes it final.
async fn show_header(
    block: citychain_client::types::BlockId,
    rpc: &str,
    json: bool,
) -> anyhow::Result<()> {
    let h = Client::connect(rpc)?.rpc().chain_get_header(block).await?;
    if json {
        return output::json(&h);
    }
    output::rows(&[
        ("height", h.header.height.to_string()),
        ("hash", h.hash.to_string()),
        ("state root", h.header.state_root.to_string()),
    ]);
    match &h.finality {
        Some(f) => output::rows(&[
            (
                "finalized by",
                format!(
                    "{} of the validators' signatures, view {}",
                    f.signers.len(),
                    f.view
                ),
            ),
            (
                "certificate for",
                format!("{} at height {}", f.finalized_hash, f.finalized_height),
            ),
        ]),
        None => println!("  no finality certificate found near this block"),
    }
    Ok(())
}

/// `query tx`.
async fn show_tx(hash: Hash, rpc: &str, json: bool) -> anyhow::Result<()> {
    let t = Client::connect(rpc)?.rpc().tx_get(hash).await?;
    let Some(t) = t else {
        bail!("no transaction {hash} is pending or committed")
    };
    if json {
        return output::json(&t);
    }
    println!("{}", serde_json::to_string_pretty(&t)?);
    Ok(())
}

/// `query receipt`.
async fn show_receipt(hash: Hash, rpc: &str, json: bool) -> anyhow::Result<()> {
    let r = Client::connect(rpc)?.rpc().tx_get_receipt(hash).await?;
    let Some(r) = r else {
        bail!("no receipt for {hash}: it is pending, unknown, or not committed yet")
    };
    let client = Client::connect(rpc)?;
    let events = super::events::EventDecoder::new(&client)
        .decode_all(&r.receipt.events)
        .await;
    if json {
        return output::json(&serde_json::json!({ "receipt": r, "events": events }));
    }
    super::tx::print_receipt(&r);
    super::events::print(&events, &r.receipt.events);
    Ok(())
}

/// `query storage`: a contract's storage key, proven and verified locally.
async fn show_storage(
    contract: Address,
    key: String,
    height: Option<u64>,
    genesis: Option<std::path::PathBuf>,
    rpc: &str,
    json: bool,
) -> anyhow::Result<()> {
    let own_key = citychain_crypto::hex::decode(&key).context("KEY must be hex")?;
    let state_key = citychain_types::layout::contract_storage_key(&contract, &own_key);
    let client = Client::connect(rpc)?;
    let proof = client
        .rpc()
        .state_get_key_proof(citychain_crypto::hex::encode(&state_key), height)
        .await?;
    let v = verified_header(&client, genesis, proof.height).await?;
    let value = citychain_client::verify::verify_key(&v.trust, &v.header, &state_key, &proof)
        .context("the storage proof does not verify")?;
    let result = VerifiedStorage {
        contract,
        key: citychain_crypto::hex::encode(&own_key),
        state_key: citychain_crypto::hex::encode(&state_key),
        value: value.as_ref().map(citychain_crypto::hex::encode),
        anchor: v.anchor,
    };
    if json {
        return output::json(&result);
    }
    println!("verified locally:");
    let mut rows = vec![
        ("contract", result.contract.to_string()),
        ("key", result.key.clone()),
        (
            "value",
            result
                .value
                .clone()
                .unwrap_or_else(|| "absent (proven)".into()),
        ),
    ];
    rows.extend(result.anchor.rows());
    output::rows(&rows);
    Ok(())
}

/// `query proof`: an account with its proof, verified locally with `--verify`.
async fn show_proof(
    address: Address,
    height: Option<u64>,
    verify: bool,
    genesis: Option<std::path::PathBuf>,
    rpc: &str,
    json: bool,
) -> anyhow::Result<()> {
    let client = Client::connect(rpc)?;
    let proof = client.rpc().state_get_proof(address, height).await?;
    if !verify {
        return output::json(&proof);
    }
    let v = verified_header(&client, genesis, proof.height).await?;
    let account = verify_account(&v.trust, &v.header, &address, &proof)
        .context("the account proof does not verify")?;
    let finality = v
        .info
        .finality
        .as_ref()
        .expect("verified headers carry finality");
    let finalized_via_descendant_at =
        (!finality.descendants.is_empty()).then_some(finality.finalized_height);
    let result = Verified {
        address,
        nonce: account.nonce.0,
        balance: account.balance,
        anchor: v.anchor,
        finalized_via_descendant_at,
    };
    if json {
        return output::json(&result);
    }
    println!("verified locally:");
    let mut rows = vec![
        ("account", result.address.to_string()),
        ("balance", result.balance.to_string()),
        ("nonce", result.nonce.to_string()),
    ];
    rows.extend(result.anchor.rows());
    output::rows(&rows);
    if let Some(h) = result.finalized_via_descendant_at {
        println!("  (finalized through descendant block {h}, linked by parent hashes)");
    }
    Ok(())
}
