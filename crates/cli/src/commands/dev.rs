//! `citychain dev`: a single-validator chain on the same code path as a real network.

use crate::output;
use anyhow::{Context as _, bail};
use citychain_crypto::{SecretKey, Suite, keystore::KeyFile};
use citychain_mempool::MempoolConfig;
use citychain_node::{NodeConfig, consensus};
use citychain_types::{
    Amount, ChainId, ChainParams, Genesis, GenesisAccount, TimestampMs, Validator,
};
use clap::Args;
use serde::Serialize;
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::{SystemTime, UNIX_EPOCH},
};

/// Names of the funded dev accounts.
const DEV_ACCOUNTS: [&str; 4] = ["alice", "bob", "carol", "dave"];
/// What each dev account starts with.
const DEV_BALANCE: u128 = 1_000_000_000_000_000;

#[derive(Args)]
pub struct DevArgs {
    /// Where the chain lives. Started again on the same directory, the chain continues.
    #[arg(long, default_value = ".citychain/dev")]
    data_dir: PathBuf,
    /// Address of the JSON-RPC API (HTTP and WebSocket), /health and /metrics.
    #[arg(long, default_value = "127.0.0.1:8545")]
    rpc_addr: SocketAddr,
    /// Address the validator's p2p endpoint listens on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    p2p_addr: SocketAddr,
    /// Crypto suite of a new chain: ed25519 (with SHA-256) or sm2 (with SM3). Fixed at genesis.
    #[arg(long)]
    suite: Option<Suite>,
    /// With nothing to do, propose an empty block only this often (milliseconds; new chains only).
    #[arg(long, default_value_t = 1_000)]
    empty_block_interval_ms: u64,
    /// Threads for signature verification (default: all cores).
    #[arg(long)]
    verify_threads: Option<usize>,
    /// Keep no index of each account's transactions (`tx_listByAccount` then answers that the
    /// index is off, and the console's account pages show no history); commits write less.
    #[arg(long)]
    no_account_index: bool,
    /// Start a new chain without the city's applications (by default they are deployed at
    /// genesis, administered by alice, at addresses their names give).
    #[arg(long)]
    bare: bool,
}

#[derive(Serialize)]
struct DevAccount {
    name: String,
    address: citychain_crypto::Address,
    balance: Amount,
    key_file: PathBuf,
}

#[derive(Serialize)]
struct Banner {
    rpc_url: String,
    chain_id: String,
    suite: Suite,
    genesis_hash: citychain_crypto::Hash,
    height: u64,
    data_dir: PathBuf,
    accounts: Vec<DevAccount>,
    /// The applications deployed at genesis.
    applications: Vec<crate::apps::Deployed>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn write_key(dir: &Path, name: &str, key: &SecretKey) -> anyhow::Result<PathBuf> {
    let path = dir.join(format!("{name}.json"));
    KeyFile::insecure_plaintext(key)
        .write_new(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

fn read_key(dir: &Path, name: &str) -> anyhow::Result<SecretKey> {
    let path = dir.join(format!("{name}.json"));
    let file =
        KeyFile::read(&path).with_context(|| format!("reading dev key {}", path.display()))?;
    Ok(file.decrypt("")?)
}

/// Creates the dev chain's genesis and keys on first use; reads them afterwards.
fn prepare(args: &DevArgs) -> anyhow::Result<(Genesis, SecretKey)> {
    let keys_dir = args.data_dir.join("dev-keys");
    let genesis_path = args.data_dir.join("genesis.json");
    if genesis_path.exists() {
        let genesis: Genesis = serde_json::from_str(&std::fs::read_to_string(&genesis_path)?)
            .with_context(|| format!("parsing {}", genesis_path.display()))?;
        if args.bare && !genesis.contracts.is_empty() {
            bail!(
                "{} holds a chain with its applications; --bare needs a new --data-dir",
                args.data_dir.display()
            );
        }
        if let Some(suite) = args.suite
            && suite != genesis.suite
        {
            bail!(
                "{} holds a {} chain; --suite {suite} needs a new --data-dir (the suite is fixed at genesis)",
                args.data_dir.display(),
                genesis.suite
            );
        }
        return Ok((genesis, read_key(&keys_dir, "validator")?));
    }

    let suite = args.suite.unwrap_or(Suite::Ed25519);
    std::fs::create_dir_all(&keys_dir)
        .with_context(|| format!("creating {}", keys_dir.display()))?;
    std::fs::write(
        keys_dir.join("README.txt"),
        "These keys are INSECURE: stored unencrypted, for the local dev chain only.\n",
    )?;
    let validator = SecretKey::generate(Suite::Ed25519)?;
    write_key(&keys_dir, "validator", &validator)?;
    let mut accounts = Vec::new();
    for name in DEV_ACCOUNTS {
        let key = SecretKey::generate(suite)?;
        write_key(&keys_dir, name, &key)?;
        accounts.push(GenesisAccount {
            address: key.public_key().address(),
            balance: Amount(DEV_BALANCE),
        });
    }
    let SecretKey::Ed25519(v) = &validator else {
        unreachable!("generated as ed25519")
    };
    let validator_key = consensus::validator_key(&commonware_cryptography::Signer::public_key(v));
    // A one-organization consortium to try governance on: alice administers `city` (so her
    // vote alone passes a proposal) and may issue assets, bob is its regulator; anyone may
    // transact and deploy.
    let alice = accounts[0].address;
    let city = citychain_types::OrgId::new("city").map_err(anyhow::Error::msg)?;
    let organizations = vec![citychain_types::Organization {
        id: city.clone(),
        name: "Dev City".into(),
        admins: vec![accounts[0].address],
        validators: vec![validator_key],
    }];
    let members = vec![
        citychain_types::GenesisMember {
            account: accounts[0].address,
            org: city.clone(),
            roles: citychain_types::Roles::ADMIN.union(citychain_types::Roles::ISSUER),
        },
        citychain_types::GenesisMember {
            account: accounts[1].address,
            org: city,
            roles: citychain_types::Roles::REGULATOR,
        },
    ];
    let genesis = Genesis {
        chain_id: ChainId::new("citychain-dev").map_err(anyhow::Error::msg)?,
        suite,
        genesis_time_ms: TimestampMs(now_ms()),
        params: ChainParams {
            empty_block_interval_ms: args.empty_block_interval_ms,
            ..ChainParams::default()
        },
        validators: vec![Validator {
            name: "dev-validator".into(),
            consensus_key: validator_key,
        }],
        accounts,
        organizations,
        members,
        policy: citychain_types::Policy::open(),
        thresholds: citychain_types::Thresholds::default(),
        epoch_blocks: citychain_types::DEFAULT_EPOCH_BLOCKS,
        contracts: if args.bare {
            Vec::new()
        } else {
            crate::apps::genesis_contracts(suite, alice)
        },
    };
    genesis.validate().map_err(anyhow::Error::msg)?;
    std::fs::write(&genesis_path, serde_json::to_string_pretty(&genesis)?)?;
    Ok((genesis, validator))
}

pub fn run(args: DevArgs, json: bool) -> anyhow::Result<()> {
    super::init_logging();
    let (genesis, validator) = prepare(&args)?;
    let SecretKey::Ed25519(signer) = validator else {
        bail!("the dev validator key must be ed25519")
    };
    let keys_dir = args.data_dir.join("dev-keys");
    let mut accounts = Vec::new();
    for name in DEV_ACCOUNTS {
        let key = read_key(&keys_dir, name)?;
        let address = key.public_key().address();
        let balance = genesis
            .accounts
            .iter()
            .find(|a| a.address == address)
            .map_or(Amount(0), |a| a.balance);
        accounts.push(DevAccount {
            name: name.into(),
            address,
            balance,
            key_file: keys_dir.join(format!("{name}.json")),
        });
    }

    let config = NodeConfig {
        data_dir: args.data_dir.clone(),
        validators: vec![(genesis.validators[0].consensus_key, args.p2p_addr)],
        full_nodes: Vec::new(),
        genesis: genesis.clone(),
        signer,
        p2p_listen: args.p2p_addr,
        rpc_listen: args.rpc_addr,
        verify_threads: args
            .verify_threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
        worker_threads: 2,
        mempool: MempoolConfig::default(),
        account_index: !args.no_account_index,
    };
    let data_dir = args.data_dir.clone();
    citychain_node::run(config, move |ready| {
        let banner = Banner {
            rpc_url: format!("http://{}", ready.rpc_addr),
            chain_id: genesis.chain_id.to_string(),
            suite: genesis.suite,
            genesis_hash: ready.genesis_hash,
            height: ready.height.0,
            data_dir,
            accounts,
            applications: crate::apps::deployed(genesis.suite, &genesis.contracts),
        };
        print_banner(&banner, json);
    })
    .map_err(anyhow::Error::msg)
}

fn print_banner(b: &Banner, json: bool) {
    if json {
        if let Ok(line) = serde_json::to_string(b) {
            println!("{line}");
        }
        return;
    }
    println!("citychain dev chain is running");
    output::rows(&[
        ("chain", format!("{} ({})", b.chain_id, b.suite)),
        ("genesis", b.genesis_hash.to_string()),
        (
            "data dir",
            format!("{} (height {})", b.data_dir.display(), b.height),
        ),
        ("RPC", format!("{}  (HTTP and WebSocket)", b.rpc_url)),
        (
            "health",
            format!("{}/health   metrics: {}/metrics", b.rpc_url, b.rpc_url),
        ),
    ]);
    println!("funded dev accounts (INSECURE unencrypted keys, for this dev chain only):");
    for a in &b.accounts {
        println!(
            "  {:<6} {}  balance {}  key {}",
            a.name,
            a.address,
            a.balance,
            a.key_file.display()
        );
    }
    if !b.applications.is_empty() {
        println!(
            "applications deployed at genesis (admin: alice; `citychain contract info ADDRESS`):"
        );
        for app in &b.applications {
            println!("  {:<13} {}  {}", app.name, app.address, app.about);
        }
    }
    if let (Some(alice), Some(bob)) = (b.accounts.first(), b.accounts.get(1)) {
        println!("try, in another terminal:");
        println!(
            "  citychain tx transfer --rpc {} --key {} --to {} --amount 1000",
            b.rpc_url,
            alice.key_file.display(),
            bob.address
        );
        println!(
            "  citychain query proof {} --rpc {} --verify",
            bob.address, b.rpc_url
        );
    }
    println!("Ctrl-C stops the node; `citychain dev` on the same --data-dir continues this chain.");
}
