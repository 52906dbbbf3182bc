//! `citychain genesis`: write, check and fingerprint a genesis document.

use anyhow::{Context as _, bail};
use citychain_crypto::{Address, PublicKey, Suite, keystore::KeyFile};
use citychain_types::{
    Amount, ChainId, ChainParams, Genesis, GenesisAccount, GenesisMember, OrgId, Organization,
    Policy, Roles, TimestampMs, Validator, ValidatorKey,
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
        /// Where to write it (never overwritten).
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a genesis document and print its hash (compare it with every other organization's).
    Hash { file: PathBuf },
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
                contracts: Vec::new(),
            };
            genesis.validate().map_err(anyhow::Error::msg)?;
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
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "genesis_hash": genesis.hash(), "chain_id": genesis.chain_id, "validators": genesis.validators.len() })
                );
            } else {
                println!(
                    "{}  {} ({}, {} validators)",
                    genesis.hash(),
                    genesis.chain_id,
                    genesis.suite,
                    genesis.validators.len()
                );
            }
        }
    }
    Ok(())
}
