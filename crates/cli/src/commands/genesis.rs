//! `citychain genesis`: write, check and fingerprint a genesis document.

use anyhow::{Context as _, bail};
use citychain_crypto::{Address, PublicKey, Suite, keystore::KeyFile};
use citychain_types::{
    Amount, ChainId, ChainParams, Genesis, GenesisAccount, GenesisContract, GenesisMember, OrgId,
    Organization, Policy, Roles, TimestampMs, Validator, ValidatorKey,
};
use clap::Subcommand;
use std::{
    path::PathBuf,
    time::{SystemTime, UNIX_EPOCH},
};

#[derive(Subcommand)]
pub enum GenesisCommand {
    /// Write a genesis document for a new network.
    New {
        /// The chain's name (a-z, 0-9, '-').
        #[arg(long)]
        chain_id: String,
        /// ed25519 or sm2 (transaction signatures and hashing; fixed forever).
        #[arg(long, default_value = "ed25519")]
        suite: Suite,
        /// A validator as NAME=KEY, KEY being its node key file (only the public part is read) or
        /// that file's `public_key` (ed25519:0x...). Repeat, once per validator.
        #[arg(long = "validator", required = true)]
        validators: Vec<String>,
        /// A funded account as ADDRESS=BALANCE. Repeat.
        #[arg(long = "account")]
        accounts: Vec<String>,
        /// A consortium organization as ID=ADMIN[,ADMIN…] (admin account addresses; they get
        /// the admin role). Repeat, once per organization.
        #[arg(long = "org")]
        orgs: Vec<String>,
        /// Which organization runs a validator, as ORG=VALIDATOR_NAME. Repeat.
        #[arg(long = "org-validator")]
        org_validators: Vec<String>,
        /// A member account as ADDRESS=ORG:ROLE[,ROLE…] (roles: admin, validator, client,
        /// regulator, observer). Repeat.
        #[arg(long = "member")]
        members: Vec<String>,
        /// The permission policy: `consortium` (members deploy, admins propose) or `open`
        /// (anyone deploys). Default: consortium if organizations are given, else open.
        #[arg(long, value_parser = ["consortium", "open"])]
        policy: Option<String>,
        /// With nothing to do, propose an empty block only this often (milliseconds).
        #[arg(long, default_value_t = 1_000)]
        empty_block_interval_ms: u64,
        /// Blocks per consensus epoch: validator set changes voted by governance take effect
        /// when the next epoch starts. Fixed for the life of the chain.
        #[arg(long, default_value_t = citychain_types::DEFAULT_EPOCH_BLOCKS)]
        epoch_blocks: u64,
        /// Deploy the city's applications this binary carries (certificates, permits, grants,
        /// notary, approval, asset escrow, a token) at genesis, with --contracts-admin as their
        /// admin; `citychain dev` prints what each is for.
        #[arg(long, requires = "contracts_admin")]
        apps: bool,
        /// A contract to deploy at genesis, as NAME=FILE.wasm (its address follows from NAME).
        /// Repeat.
        #[arg(long = "contract", requires = "contracts_admin")]
        contracts: Vec<String>,
        /// Arguments of a --contract's `init`, as NAME=HEX (the canonical encoding).
        #[arg(long = "contract-init")]
        contract_inits: Vec<String>,
        /// The admin (and the caller of `init`) of the genesis contracts.
        #[arg(long)]
        contracts_admin: Option<Address>,
        /// Where to write it (never overwritten).
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a genesis document and print its hash (compare it with every other
    /// organization's). Also builds the genesis state in a scratch directory, running every
    /// genesis contract's `init`, so a document that would not start fails here, with why.
    Hash { file: PathBuf },
}

/// The genesis contracts `genesis new` was asked for: the bundled applications and files.
fn genesis_contracts(
    suite: Suite,
    apps: bool,
    files: &[String],
    inits: &[String],
    admin: Option<Address>,
) -> anyhow::Result<Vec<GenesisContract>> {
    let Some(admin) = admin else {
        if !inits.is_empty() {
            bail!("--contract-init needs --contract and --contracts-admin");
        }
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    if apps {
        out = crate::apps::genesis_contracts(suite, admin);
        if out.is_empty() {
            bail!("this binary carries no applications (built without the wasm32 target)");
        }
    }
    for file in files {
        let (name, path) = split_pair(file, "contract")?;
        let code =
            std::fs::read(path).with_context(|| format!("contract {name}: reading {path}"))?;
        out.push(GenesisContract {
            name: name.into(),
            code,
            init_args: Vec::new(),
            admin,
        });
    }
    for init in inits {
        let (name, hex) = split_pair(init, "contract init")?;
        let contract = out
            .iter_mut()
            .find(|c| c.name == name)
            .with_context(|| format!("--contract-init {name}: no --contract {name}"))?;
        contract.init_args = citychain_crypto::hex::decode(hex)
            .with_context(|| format!("--contract-init {name}: not hex"))?;
    }
    Ok(out)
}

/// Builds the genesis state in a scratch directory (running the contracts' `init`); the
/// genesis block's hash and state root.
fn check_state(
    genesis: &Genesis,
) -> anyhow::Result<(citychain_crypto::Hash, citychain_crypto::Hash)> {
    let scratch = std::env::temp_dir().join(format!(
        "citychain-genesis-check-{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    let result = citychain_node::wiring::check_genesis(genesis, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    result.map_err(|e| anyhow::anyhow!("the genesis state cannot be built: {e}"))
}

/// A validator's key given as its node key file (no passphrase needed) or as hex.
fn validator_key(text: &str) -> anyhow::Result<ValidatorKey> {
    let path = std::path::Path::new(text);
    if path.is_file() {
        let file = KeyFile::read(path).with_context(|| format!("reading {text}"))?;
        return match file.public_key {
            PublicKey::Ed25519(_) => Ok(ValidatorKey(file.public_key.as_bytes().try_into()?)),
            PublicKey::Sm2(_) => bail!("{text} is an SM2 key; consensus keys are Ed25519"),
        };
    }
    let hex = text.strip_prefix("ed25519:").unwrap_or(text);
    hex.parse::<ValidatorKey>()
        .with_context(|| format!("{text:?} is neither a key file nor a 32-byte hex key"))
}

fn split_pair<'a>(text: &'a str, what: &str) -> anyhow::Result<(&'a str, &'a str)> {
    text.split_once('=')
        .with_context(|| format!("{what} {text:?}: expected NAME=VALUE"))
}

/// The organizations and members given on the command line; admins become admin members.
fn consortium(
    orgs: &[String],
    org_validators: &[String],
    members: &[String],
    validators: &[Validator],
) -> anyhow::Result<(Vec<Organization>, Vec<GenesisMember>)> {
    let mut organizations = Vec::new();
    let mut out: Vec<GenesisMember> = Vec::new();
    for o in orgs {
        let (id, admins) = split_pair(o, "organization")?;
        let id = OrgId::new(id).map_err(anyhow::Error::msg)?;
        let admins = admins
            .split(',')
            .map(|a| {
                a.trim()
                    .parse::<Address>()
                    .with_context(|| format!("organization {id}: bad admin address {a:?}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        for a in &admins {
            out.push(GenesisMember {
                account: *a,
                org: id.clone(),
                roles: Roles::ADMIN,
            });
        }
        organizations.push(Organization {
            name: id.to_string(),
            id,
            admins,
            validators: Vec::new(),
        });
    }
    for ov in org_validators {
        let (org, name) = split_pair(ov, "org-validator")?;
        let v = validators
            .iter()
            .find(|v| v.name == name)
            .with_context(|| format!("no validator named {name:?}"))?;
        let o = organizations
            .iter_mut()
            .find(|o| o.id.as_str() == org)
            .with_context(|| format!("no organization {org:?} (give it with --org)"))?;
        o.validators.push(v.consensus_key);
    }
    for m in members {
        let (address, rest) = split_pair(m, "member")?;
        let (org, roles) = rest
            .split_once(':')
            .with_context(|| format!("member {m:?}: expected ADDRESS=ORG:ROLES"))?;
        let account = address
            .parse::<Address>()
            .with_context(|| format!("member {address}: bad address"))?;
        let org = OrgId::new(org).map_err(anyhow::Error::msg)?;
        let roles = Roles::parse(roles).map_err(anyhow::Error::msg)?;
        match out.iter_mut().find(|x| x.account == account) {
            Some(existing) if existing.org == org => existing.roles = existing.roles.union(roles),
            Some(existing) => bail!(
                "{account} is already a member of {}; an account belongs to one organization",
                existing.org
            ),
            None => out.push(GenesisMember {
                account,
                org,
                roles,
            }),
        }
    }
    Ok((organizations, out))
}

pub fn run(cmd: GenesisCommand, json: bool) -> anyhow::Result<()> {
    match cmd {
        GenesisCommand::New {
            chain_id,
            suite,
            validators,
            accounts,
            orgs,
            org_validators,
            members,
            policy,
            empty_block_interval_ms,
            epoch_blocks,
            apps,
            contracts,
            contract_inits,
            contracts_admin,
            out,
        } => {
            if out.exists() {
                bail!("{} exists; refusing to overwrite", out.display());
            }
            let mut vs = Vec::new();
            for v in &validators {
                let (name, key) = split_pair(v, "validator")?;
                vs.push(Validator {
                    name: name.into(),
                    consensus_key: validator_key(key)
                        .with_context(|| format!("validator {name}"))?,
                });
            }
            let mut accts = Vec::new();
            for a in &accounts {
                let (address, balance) = split_pair(a, "account")?;
                accts.push(GenesisAccount {
                    address: address
                        .parse::<Address>()
                        .with_context(|| format!("account {address}: bad address"))?,
                    balance: balance.parse::<Amount>().map_err(anyhow::Error::msg)?,
                });
            }
            let (organizations, members) = consortium(&orgs, &org_validators, &members, &vs)?;
            let policy = match policy.as_deref() {
                Some("open") => Policy::open(),
                Some(_) => Policy::consortium(),
                None if organizations.is_empty() => Policy::open(),
                None => Policy::consortium(),
            };
            let genesis = Genesis {
                chain_id: ChainId::new(chain_id).map_err(anyhow::Error::msg)?,
                suite,
                genesis_time_ms: TimestampMs(
                    SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map_or(0, |d| d.as_millis() as u64),
                ),
                params: ChainParams {
                    empty_block_interval_ms,
                    ..ChainParams::default()
                },
                validators: vs,
                accounts: accts,
                organizations,
                members,
                policy,
                thresholds: citychain_types::Thresholds::default(),
                epoch_blocks,
                contracts: genesis_contracts(
                    suite,
                    apps,
                    &contracts,
                    &contract_inits,
                    contracts_admin,
                )?,
            };
            genesis.validate().map_err(anyhow::Error::msg)?;
            check_state(&genesis)?;
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&out)
                .and_then(|mut f| {
                    std::io::Write::write_all(
                        &mut f,
                        serde_json::to_string_pretty(&genesis)?.as_bytes(),
                    )
                })
                .with_context(|| format!("writing {}", out.display()))?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "file": out, "genesis_hash": genesis.hash(), "chain_id": genesis.chain_id, "validators": genesis.validators.len() })
                );
            } else {
                println!("wrote {} (genesis hash {})", out.display(), genesis.hash());
            }
        }
        GenesisCommand::Hash { file } => {
            let genesis: Genesis = serde_json::from_str(
                &std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?,
            )
            .with_context(|| format!("parsing {}", file.display()))?;
            genesis.validate().map_err(anyhow::Error::msg)?;
            let (block, state_root) = check_state(&genesis)?;
            let apps = crate::apps::deployed(genesis.suite, &genesis.contracts);
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "genesis_hash": genesis.hash(),
                        "chain_id": genesis.chain_id,
                        "validators": genesis.validators.len(),
                        "genesis_block": block,
                        "state_root": state_root,
                        "contracts": apps,
                    })
                );
            } else {
                println!(
                    "{}  {} ({}, {} validators)",
                    genesis.hash(),
                    genesis.chain_id,
                    genesis.suite,
                    genesis.validators.len()
                );
                println!("  genesis block {block}, state root {state_root}");
                for app in &apps {
                    println!("  contract {:<14} {}", app.name, app.address);
                }
            }
        }
    }
    Ok(())
}
