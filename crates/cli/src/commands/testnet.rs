//! `citychain testnet`: a local multi-validator network of separate processes.

use anyhow::{Context as _, bail};
use citychain_client::Client;
use citychain_crypto::{
    SecretKey, Suite,
    keystore::{KdfParams, KeyFile},
};
use citychain_node::{
    config::{NodeFile, Peer},
    consensus,
};
use citychain_types::{
    Amount, ChainId, ChainParams, Genesis, GenesisAccount, GenesisMember, OrgId, Organization,
    Policy, Roles, Thresholds, TimestampMs, Validator,
};
use clap::{Args, Subcommand};
use std::{
    io::{IsTerminal, Write},
    net::{IpAddr, Ipv4Addr, SocketAddr},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

#[derive(Subcommand)]
pub enum TestnetCommand {
    /// Generate keys, one genesis and one configuration per node.
    Init(InitArgs),
    /// Start every node of a testnet as its own process; Ctrl-C stops them all.
    Up(UpArgs),
}

#[derive(Args)]
pub struct InitArgs {
    /// How many validators (one per organization).
    #[arg(long, default_value_t = 4)]
    validators: usize,
    /// Non-voting full nodes to add.
    #[arg(long, default_value_t = 0)]
    full_nodes: usize,
    /// Directory to create the testnet in.
    #[arg(long)]
    dir: PathBuf,
    /// Crypto suite of the chain.
    #[arg(long, default_value = "ed25519")]
    suite: Suite,
    /// Node i listens on 127.0.0.1: p2p on port base + 10 i, the API on the next port.
    #[arg(long, default_value_t = 26_600)]
    base_port: u16,
    /// With nothing to do, propose an empty block only this often (milliseconds).
    #[arg(long, default_value_t = 1_000)]
    empty_block_interval_ms: u64,
    /// Blocks per consensus epoch: validator set changes voted by governance take effect when
    /// the next epoch starts.
    #[arg(long, default_value_t = citychain_types::DEFAULT_EPOCH_BLOCKS)]
    epoch_blocks: u64,
    /// Create the chain without the city's applications (by default they are deployed at
    /// genesis, administered by the account alice).
    #[arg(long)]
    bare: bool,
}

#[derive(Args)]
pub struct UpArgs {
    /// A directory made by `citychain testnet init`.
    #[arg(long)]
    dir: PathBuf,
}

const ACCOUNTS: [&str; 4] = ["alice", "bob", "carol", "dave"];

/// Node `index`'s p2p address (`offset` 0) or API address (`offset` 1).
///
/// All nodes share 127.0.0.1: p2p checks that a peer connects from its registered IP, and
/// connections between loopback aliases leave from 127.0.0.1 whatever the target.
fn node_addr(index: usize, base_port: u16, offset: u16) -> SocketAddr {
    SocketAddr::new(
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        base_port + 10 * index as u16 + offset,
    )
}

/// A random passphrase: 18 bytes from a fresh key's secret, in hex.
fn random_passphrase() -> anyhow::Result<String> {
    Ok(hex::encode(
        &SecretKey::generate(Suite::Ed25519)?.to_bytes()[..18],
    ))
}

pub fn init(args: InitArgs, json: bool) -> anyhow::Result<()> {
    if args.validators == 0 || args.validators + args.full_nodes > 250 {
        bail!("use between 1 and 250 nodes");
    }
    if u32::from(args.base_port) + 10 * (args.validators + args.full_nodes) as u32 > 65_535 {
        bail!(
            "--base-port {} leaves too few ports for {} nodes",
            args.base_port,
            args.validators + args.full_nodes
        );
    }
    if args.dir.exists() && std::fs::read_dir(&args.dir)?.next().is_some() {
        bail!("{} is not empty; choose a new --dir", args.dir.display());
    }
    std::fs::create_dir_all(args.dir.join("accounts"))?;
    // One passphrase for the local testnet's keys, kept beside them for `testnet up`.
    let passphrase = match std::env::var(citychain_crypto::keystore::PASSPHRASE_ENV) {
        Ok(p) => p,
        Err(_) => random_passphrase()?,
    };
    crate::output::write_private(&args.dir.join("passphrase"), &passphrase)?;

    let total = args.validators + args.full_nodes;
    let mut identities = Vec::new();
    for i in 0..total {
        let key = SecretKey::generate(Suite::Ed25519)?;
        let node_dir = args.dir.join(format!("node{i}"));
        std::fs::create_dir_all(&node_dir)?;
        KeyFile::encrypt(&key, &passphrase, KdfParams::STRONG)?
            .write_new(&node_dir.join("node.key"))?;
        let SecretKey::Ed25519(k) = &key else {
            unreachable!("generated as ed25519")
        };
        identities.push(consensus::validator_key(
            &commonware_cryptography::Signer::public_key(k),
        ));
    }
    let mut accounts = Vec::new();
    let mut new_account = |name: &str| -> anyhow::Result<citychain_crypto::Address> {
        let key = SecretKey::generate(args.suite)?;
        KeyFile::insecure_plaintext(&key)
            .write_new(&args.dir.join("accounts").join(format!("{name}.json")))?;
        let address = key.public_key().address();
        accounts.push(GenesisAccount {
            address,
            balance: Amount(1_000_000_000_000_000),
        });
        Ok(address)
    };
    // One organization per validator, with an admin account; alice is a client and an issuer
    // of the first (so she may deploy contracts and create assets), `regulator` its regulator;
    // the others are citizens.
    let mut organizations = Vec::new();
    let mut members = Vec::new();
    for (i, validator) in identities.iter().take(args.validators).enumerate() {
        let id = OrgId::new(format!("org{}", i + 1)).map_err(anyhow::Error::msg)?;
        let admin = new_account(&format!("{id}-admin"))?;
        organizations.push(Organization {
            id: id.clone(),
            name: format!("Organization {}", i + 1),
            admins: vec![admin],
            validators: vec![*validator],
        });
        members.push(GenesisMember {
            account: admin,
            org: id,
            roles: Roles::ADMIN,
        });
    }
    let first = organizations[0].id.clone();
    let mut alice = None;
    for name in ACCOUNTS {
        let address = new_account(name)?;
        if name == "alice" {
            alice = Some(address);
            members.push(GenesisMember {
                account: address,
                org: first.clone(),
                roles: Roles::CLIENT.union(Roles::ISSUER),
            });
        }
    }
    let regulator = new_account("regulator")?;
    members.push(GenesisMember {
        account: regulator,
        org: first,
        roles: Roles::REGULATOR,
    });
    let genesis = Genesis {
        chain_id: ChainId::new("citychain-testnet").map_err(anyhow::Error::msg)?,
        suite: args.suite,
        genesis_time_ms: TimestampMs(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
        ),
        params: ChainParams {
            empty_block_interval_ms: args.empty_block_interval_ms,
            ..ChainParams::default()
        },
        validators: (0..args.validators)
            .map(|i| Validator {
                name: format!("org{}", i + 1),
                consensus_key: identities[i],
            })
            .collect(),
        accounts,
        organizations,
        members,
        policy: Policy::consortium(),
        thresholds: Thresholds::default(),
        epoch_blocks: args.epoch_blocks,
        contracts: match (args.bare, alice) {
            (false, Some(admin)) => crate::apps::genesis_contracts(args.suite, admin),
            _ => Vec::new(),
        },
    };
    genesis.validate().map_err(anyhow::Error::msg)?;
    std::fs::write(
        args.dir.join("genesis.json"),
        serde_json::to_string_pretty(&genesis)?,
    )?;

    write_node_files(&args, &identities)?;
    report_created(&args, &genesis, json)
}

/// Writes each node's `node.toml`: its addresses and every peer of the testnet.
fn write_node_files(
    args: &InitArgs,
    identities: &[citychain_types::ValidatorKey],
) -> anyhow::Result<()> {
    let total = args.validators + args.full_nodes;
    let validators: Vec<Peer> = (0..args.validators)
        .map(|i| Peer {
            name: format!("org{}", i + 1),
            key: identities[i],
            address: node_addr(i, args.base_port, 0),
        })
        .collect();
    let full_nodes: Vec<Peer> = (args.validators..total)
        .map(|i| Peer {
            name: format!("full{}", i - args.validators + 1),
            key: identities[i],
            address: node_addr(i, args.base_port, 0),
        })
        .collect();
    for i in 0..total {
        let file = NodeFile {
            data_dir: "data".into(),
            genesis: "../genesis.json".into(),
            key: "node.key".into(),
            p2p_listen: node_addr(i, args.base_port, 0),
            rpc_listen: node_addr(i, args.base_port, 1),
            verify_threads: 0,
            account_index: true,
            validators: validators.clone(),
            full_nodes: full_nodes.clone(),
        };
        file.write(&args.dir.join(format!("node{i}/node.toml")))
            .map_err(anyhow::Error::msg)?;
    }
    Ok(())
}

/// Says what `init` created: where, which nodes on which ports, and how to start it.
fn report_created(args: &InitArgs, genesis: &Genesis, json: bool) -> anyhow::Result<()> {
    let total = args.validators + args.full_nodes;
    if json {
        let nodes: Vec<serde_json::Value> = (0..total)
            .map(|i| {
                serde_json::json!({
                    "node": format!("node{i}"),
                    "role": if i < args.validators { "validator" } else { "full node" },
                    "config": args.dir.join(format!("node{i}/node.toml")),
                    "p2p": node_addr(i, args.base_port, 0).to_string(),
                    "rpc": format!("http://{}", node_addr(i, args.base_port, 1)),
                })
            })
            .collect();
        return crate::output::json(&serde_json::json!({
            "dir": args.dir,
            "suite": args.suite,
            "validators": args.validators,
            "genesis": args.dir.join("genesis.json"),
            "genesis_hash": genesis.hash(),
            "accounts": args.dir.join("accounts"),
            "nodes": nodes,
            "applications": crate::apps::deployed(genesis.suite, &genesis.contracts),
        }));
    }
    println!(
        "created a {}-validator {} testnet in {}",
        args.validators,
        args.suite,
        args.dir.display()
    );
    for i in 0..total {
        let role = if i < args.validators {
            format!("validator org{}", i + 1)
        } else {
            format!("full node {}", i - args.validators + 1)
        };
        println!(
            "  node{i}  {role:<16} p2p {}  API http://{}",
            node_addr(i, args.base_port, 0),
            node_addr(i, args.base_port, 1)
        );
    }
    println!(
        "funded accounts (insecure keys): {}/accounts/",
        args.dir.display()
    );
    if !genesis.contracts.is_empty() {
        println!("applications deployed at genesis (admin: alice):");
        for app in crate::apps::deployed(genesis.suite, &genesis.contracts) {
            println!("  {:<13} {}  {}", app.name, app.address, app.about);
        }
    }
    println!(
        "start it with: citychain testnet up --dir {}",
        args.dir.display()
    );
    Ok(())
}

struct Running {
    name: String,
    rpc: String,
    child: Child,
    exited: Option<std::process::ExitStatus>,
}

fn stop_all(nodes: &mut [Running]) {
    for n in nodes.iter() {
        // SIGTERM: nodes shut down cleanly.
        terminate(n.child.id());
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    for n in nodes.iter_mut() {
        while Instant::now() < deadline {
            if let Ok(Some(_)) = n.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = n.child.kill();
        let _ = n.child.wait();
    }
}

/// Sends SIGTERM through the `kill` command (this crate forbids unsafe code).
fn terminate(pid: u32) {
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
}

pub async fn up(args: UpArgs) -> anyhow::Result<()> {
    let passphrase = std::fs::read_to_string(args.dir.join("passphrase"))
        .with_context(|| format!("{} is not a testnet directory", args.dir.display()))?;
    let exe = std::env::current_exe()?;
    let mut nodes = Vec::new();
    for i in 0.. {
        let dir = args.dir.join(format!("node{i}"));
        let config = dir.join("node.toml");
        if !config.exists() {
            break;
        }
        let file = NodeFile::read(&config).map_err(anyhow::Error::msg)?;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("node.log"))?;
        let child = Command::new(&exe)
            .args(["node", "--config"])
            .arg(&config)
            .env(
                citychain_crypto::keystore::PASSPHRASE_ENV,
                passphrase.trim(),
            )
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn,citychain_node=info".into()),
            )
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting node{i}"))?;
        nodes.push(Running {
            name: format!("node{i}"),
            rpc: format!("http://{}", file.rpc_listen),
            child,
            exited: None,
        });
    }
    if nodes.is_empty() {
        bail!(
            "{} holds no node*/node.toml; run `citychain testnet init` first",
            args.dir.display()
        );
    }
    println!(
        "started {} nodes (logs in {}/node*/node.log); Ctrl-C (or SIGTERM) stops them all",
        nodes.len(),
        args.dir.display()
    );
    for n in &nodes {
        println!("  {}  API {}", n.name, n.rpc);
    }

    let clients: Vec<Client> = nodes
        .iter()
        .map(|n| Client::connect(&n.rpc))
        .collect::<Result<_, _>>()?;
    let tty = std::io::stdout().is_terminal();
    let mut samples: Vec<(Instant, u64, u64)> = Vec::new(); // (time, height, total txs)
    let mut total_txs = 0u64;
    let mut counted_height = 0u64;
    let mut last_print = Instant::now() - Duration::from_secs(60);
    // One listener for the whole run: a signal that arrives while the nodes are being polled
    // waits in it, where a listener made anew each round would miss it.
    let stop = super::stop_signal();
    tokio::pin!(stop);
    let result = loop {
        tokio::select! {
            _ = &mut stop => break Ok(()),
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        let mut parts = Vec::new();
        let mut best = 0u64;
        for (n, c) in nodes.iter_mut().zip(&clients) {
            if n.exited.is_none() {
                n.exited = n.child.try_wait().ok().flatten();
            }
            let part = match (n.exited, c.status().await) {
                (Some(code), _) => format!("{} exited ({code})", n.name),
                (None, Ok(s)) => {
                    best = best.max(s.height);
                    format!("{} h{} p{}", n.name, s.height, s.peers)
                }
                (None, Err(_)) => format!("{} starting", n.name),
            };
            parts.push(part);
        }
        // Count finalized transactions from the first reachable node's blocks.
        if let Some(c) = clients.first() {
            while counted_height < best {
                counted_height += 1;
                match c.rpc_header_tx_count(counted_height).await {
                    Some(n) => total_txs += n,
                    None => {
                        counted_height -= 1;
                        break;
                    }
                }
            }
        }
        let now = Instant::now();
        samples.push((now, counted_height, total_txs));
        samples.retain(|(t, _, _)| now.duration_since(*t) <= Duration::from_secs(10));
        let rate = match (samples.first(), samples.last()) {
            (Some(a), Some(b)) if b.0 > a.0 => {
                (b.2 - a.2) as f64 / b.0.duration_since(a.0).as_secs_f64()
            }
            _ => 0.0,
        };
        let line = format!("{}  | {:.0} tx/s finalized (10 s)", parts.join("  "), rate);
        if tty {
            print!("\r\x1b[2K{line}");
            let _ = std::io::stdout().flush();
        } else if now.duration_since(last_print) >= Duration::from_secs(5) {
            println!("{line}");
            last_print = now;
        }
        if nodes.iter().all(|n| n.exited.is_some()) {
            break Err(anyhow::anyhow!("every node has exited; see the node logs"));
        }
    };
    println!();
    println!("stopping {} nodes", nodes.len());
    stop_all(&mut nodes);
    result
}

/// Small helper trait so the status loop reads cleanly.
trait HeaderTxCount {
    async fn rpc_header_tx_count(&self, height: u64) -> Option<u64>;
}

impl HeaderTxCount for Client {
    async fn rpc_header_tx_count(&self, height: u64) -> Option<u64> {
        use citychain_client::api::*;
        let b = self
            .rpc()
            .chain_get_block(
                citychain_client::types::BlockId::Height(height),
                Some(false),
            )
            .await
            .ok()?;
        Some(u64::from(b.header.tx_count))
    }
}
