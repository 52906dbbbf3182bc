//! `citychain contract`: scaffold, build, deploy, call, query and inspect WASM contracts.

use super::{
    DEFAULT_RPC,
    send::{SendArgs, send_tx},
};
use crate::output;
use anyhow::{Context as _, bail};
use citychain_client::api::*;
use citychain_client::{
    Client, abi,
    types::{ContractView, QueryResult},
};
use citychain_crypto::{Address, Suite, hex};
use citychain_execution::contracts::{Vm, entry_points};
use citychain_types::{
    Amount, Payload, WasmParams,
    metadata::{ContractMetadata, Ty},
};
use clap::Subcommand;
use serde::Serialize;
use std::{
    path::{Path, PathBuf},
    process::Command,
};

/// Where the SDK lives in this source tree (the default for `contract new`).
const SDK_IN_TREE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/sdk");

#[derive(Subcommand)]
pub enum ContractCommand {
    /// Create a contract project (a counter to start from) that builds as is.
    New {
        /// The project's name (a Rust package name).
        name: String,
        /// Directory to create the project in.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Path of the citychain-sdk crate (default: the SDK of this source tree).
        #[arg(long)]
        sdk: Option<PathBuf>,
    },
    /// Build a contract for wasm32, check it against the chain's rules and report its size and
    /// entry points. Given a .wasm file, only checks it.
    Build {
        /// A contract project directory or a .wasm file.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The package to build, in a workspace of several contracts.
        #[arg(long, short)]
        package: Option<String>,
    },
    /// Deploy a contract; prints its address.
    Deploy {
        #[command(flatten)]
        send: SendArgs,
        /// The .wasm file.
        code: PathBuf,
        /// Arguments of `init`: NAME=VALUE by the code's metadata, or TYPE:VALUE (repeat; see
        /// `contract call --help`).
        #[arg(long = "arg")]
        args: Vec<String>,
        /// `init` arguments as raw hex instead.
        #[arg(long, conflicts_with = "args")]
        args_hex: Option<String>,
    },
    /// Call a contract method in a transaction; waits for the receipt.
    ///
    /// A contract with metadata (every contract built with the SDK) takes its arguments by
    /// name, checked against their types before anything is signed, and its result and events
    /// are printed decoded: --arg to=0x…  --arg amount=100. Numbers, true/false, 0x-addresses
    /// and 0x-hex bytes are written as such, a String as its text, and vectors, tuples and
    /// options as JSON (--arg approvers='["0x…","0x…"]', --arg memo=null); an option of a
    /// plain type also takes the plain value (--arg memo=hello).
    ///
    /// Without metadata, arguments are TYPE:VALUE, concatenated in order in the canonical
    /// encoding: u8, u16, u32, u64, u128, bool, address, hash (32 raw bytes), string, bytes
    /// (hex, length first), raw (hex as is). Example: --arg address:0x…  --arg u128:100
    Call {
        #[command(flatten)]
        send: SendArgs,
        contract: Address,
        method: String,
        #[arg(long = "arg")]
        args: Vec<String>,
        #[arg(long, conflicts_with = "args")]
        args_hex: Option<String>,
        /// Native currency to attach, in base units.
        #[arg(long, default_value = "0")]
        value: Amount,
        /// Decode the return value as these comma-separated types (e.g. u128 or
        /// string,string,u8,u128 or option<u64>) instead of as the metadata says.
        #[arg(long)]
        returns: Option<String>,
    },
    /// Run a method read-only on the latest state: no transaction, nothing kept. Arguments
    /// and results as for `contract call`.
    Query {
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
        contract: Address,
        method: String,
        #[arg(long = "arg")]
        args: Vec<String>,
        #[arg(long, conflicts_with = "args")]
        args_hex: Option<String>,
        /// The caller the contract sees (default: the zero address).
        #[arg(long)]
        caller: Option<Address>,
        #[arg(long)]
        gas_limit: Option<u64>,
        /// Decode the return value as these comma-separated types.
        #[arg(long)]
        returns: Option<String>,
    },
    /// Print the payload of a call as JSON instead of sending it, with the arguments checked
    /// and encoded as for `contract call`: for `multisig propose --payload` (a treasury calling
    /// a contract) or a governance proposal.
    Payload {
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
        contract: Address,
        method: String,
        #[arg(long = "arg")]
        args: Vec<String>,
        #[arg(long, conflicts_with = "args")]
        args_hex: Option<String>,
        /// Native currency to attach, in base units.
        #[arg(long, default_value = "0")]
        value: Amount,
    },
    /// Show a deployed contract: code hash and size, admin, status, entry points, balance, and
    /// what its metadata says (methods with their arguments, events, revert reasons).
    Info {
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
        contract: Address,
    },
}

pub async fn run(cmd: ContractCommand, json: bool) -> anyhow::Result<()> {
    match cmd {
        ContractCommand::New { name, dir, sdk } => scaffold(&name, &dir, sdk, json),
        ContractCommand::Build { path, package } => build(&path, package.as_deref(), json),
        ContractCommand::Deploy {
            send,
            code,
            args,
            args_hex,
        } => {
            let bytes =
                std::fs::read(&code).with_context(|| format!("reading {}", code.display()))?;
            let params = WasmParams::default();
            if let Err(reason) = Vm::for_params(&params).validate(&bytes) {
                bail!("{} is not a valid contract: {reason}", code.display());
            }
            let metadata = citychain_execution::contracts::metadata::read(&bytes)
                .ok()
                .flatten();
            let init_args = encode_for(metadata.as_ref(), "init", &args, args_hex.as_deref())?;
            let (sent, receipt) = send_tx(
                &send,
                Payload::Deploy {
                    code: bytes,
                    init_args,
                },
            )
            .await?;
            let r = &receipt.receipt;
            if !r.is_success() {
                bail!(
                    "deployment failed: {:?} (code {}): {}",
                    r.status,
                    r.code,
                    r.reason
                );
            }
            let address = Address(
                r.output
                    .as_slice()
                    .try_into()
                    .context("the receipt does not carry a 20-byte address")?,
            );
            if json {
                return output::json(&serde_json::json!({
                    "contract": address,
                    "tx_hash": sent,
                    "receipt": receipt,
                }));
            }
            println!("deployed {address}");
            super::tx::print_receipt(&receipt);
            Ok(())
        }
        ContractCommand::Call {
            send,
            contract,
            method,
            args,
            args_hex,
            value,
            returns,
        } => {
            let client = Client::connect(&send.rpc)?;
            let info = contract_info(&client, contract, &method).await?;
            let meta = info.metadata.as_ref();
            let args = encode_for(meta, &method, &args, args_hex.as_deref())?;
            if let Some(m) = meta.and_then(|m| m.method(&method))
                && m.writes == Some(false)
                && !json
            {
                eprintln!(
                    "note: {method} changes no state; `citychain contract query` runs it without \
                     a transaction or a fee"
                );
            }
            let (_, receipt) = send_tx(
                &send,
                Payload::Call {
                    contract,
                    method: method.clone(),
                    args,
                    value,
                },
            )
            .await?;
            let output = &receipt.receipt.output;
            // A failed call's output is its reason, not a return value.
            let decoded = if receipt.receipt.is_success() {
                decode_output(meta, &method, returns.as_deref(), output)?
            } else {
                None
            };
            let events = super::events::EventDecoder::new(&client)
                .knowing(contract, info.metadata.clone())
                .decode_all(&receipt.receipt.events)
                .await;
            if json {
                output::json(&serde_json::json!({
                    "receipt": receipt,
                    "returned": decoded,
                    "events": events,
                }))?;
            } else {
                super::tx::print_receipt(&receipt);
                super::events::print(&events, &receipt.receipt.events);
                if receipt.receipt.is_success() {
                    print_output(output, decoded.as_ref());
                }
            }
            if !receipt.receipt.is_success() {
                bail!(
                    "the call failed: {:?}: {}",
                    receipt.receipt.status,
                    receipt.receipt.reason
                );
            }
            Ok(())
        }
        ContractCommand::Query {
            rpc,
            contract,
            method,
            args,
            args_hex,
            caller,
            gas_limit,
            returns,
        } => {
            let client = Client::connect(&rpc)?;
            let info = contract_info(&client, contract, &method).await?;
            let meta = info.metadata.as_ref();
            let args = encode_for(meta, &method, &args, args_hex.as_deref())?;
            let result: QueryResult = client
                .rpc()
                .contract_query(
                    contract,
                    method.clone(),
                    Some(hex::encode(&args)),
                    caller,
                    gas_limit,
                )
                .await?;
            let output_bytes = hex::decode(&result.output).context("the node's output")?;
            let decoded = if result.code == 0 {
                decode_output(meta, &method, returns.as_deref(), &output_bytes)?
            } else {
                None
            };
            if json {
                return output::json(&serde_json::json!({
                    "result": result,
                    "returned": decoded,
                }));
            }
            if result.code != 0 {
                bail!(
                    "the query failed: {:?} (code {}): {}",
                    result.status,
                    result.code,
                    result.reason
                );
            }
            output::rows(&[
                ("height", result.height.to_string()),
                ("gas used", result.gas_used.to_string()),
            ]);
            print_output(&output_bytes, decoded.as_ref());
            Ok(())
        }
        ContractCommand::Payload {
            rpc,
            contract,
            method,
            args,
            args_hex,
            value,
        } => {
            let client = Client::connect(&rpc)?;
            let info = contract_info(&client, contract, &method).await?;
            let args = encode_for(info.metadata.as_ref(), &method, &args, args_hex.as_deref())?;
            println!(
                "{}",
                serde_json::to_string(&Payload::Call {
                    contract,
                    method,
                    args,
                    value,
                })?
            );
            Ok(())
        }
        ContractCommand::Info { rpc, contract } => {
            let client = Client::connect(&rpc)?;
            let info: ContractView = client.rpc().contract_get_info(contract).await?;
            if json {
                return output::json(&info);
            }
            output::rows(&[
                ("address", info.address.to_string()),
                ("code hash", info.code_hash.to_string()),
                ("code size", format!("{} bytes", info.code_size)),
                ("admin", info.admin.to_string()),
                ("deployer", info.deployer.to_string()),
                ("deployed at", format!("height {}", info.deployed_at)),
                ("status", format!("{:?}", info.status).to_lowercase()),
                ("balance", info.balance.to_string()),
                ("entry points", info.entry_points.join(", ")),
            ]);
            match &info.metadata {
                None => println!(
                    "  metadata      none (the code carries no {} section)",
                    citychain_types::metadata::SECTION
                ),
                Some(m) => print_metadata(m),
            }
            Ok(())
        }
    }
}

/// The contract's details, refusing before anything is signed if it has no such entry point.
async fn contract_info(
    client: &Client,
    contract: Address,
    method: &str,
) -> anyhow::Result<ContractView> {
    let info: ContractView = client
        .rpc()
        .contract_get_info(contract)
        .await
        .with_context(|| format!("looking up contract {contract}"))?;
    if !info.entry_points.iter().any(|e| e == method) {
        bail!(
            "contract {contract} has no entry point {method:?}; it has: {}",
            info.entry_points.join(", ")
        );
    }
    Ok(info)
}

/// Whether `--arg`s are NAME=VALUE (all of them) rather than TYPE:VALUE.
fn by_name(args: &[String]) -> anyhow::Result<bool> {
    let named = |a: &&String| {
        a.split_once('=').is_some_and(|(n, _)| {
            !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    let n = args.iter().filter(named).count();
    if n != 0 && n != args.len() {
        bail!("give every --arg as NAME=VALUE, or every one as TYPE:VALUE, not a mix");
    }
    Ok(n > 0)
}

/// The input of `method`: by name through the metadata when the arguments are NAME=VALUE.
fn encode_for(
    metadata: Option<&ContractMetadata>,
    method: &str,
    args: &[String],
    hex_args: Option<&str>,
) -> anyhow::Result<Vec<u8>> {
    if hex_args.is_some() || !by_name(args)? {
        let declared = metadata.and_then(|m| m.method(method));
        if let Some(m) = declared
            && args.is_empty()
            && hex_args.is_none()
            && !m.args.is_empty()
        {
            bail!(
                "{method} takes {}; give them as --arg NAME=VALUE",
                abi::signature(m)
            );
        }
        return encode(args, hex_args);
    }
    let Some(metadata) = metadata else {
        bail!(
            "NAME=VALUE arguments need the contract's metadata, and this code carries none: \
             give them as TYPE:VALUE"
        );
    };
    let Some(m) = metadata.method(method) else {
        bail!(
            "the metadata of {} describes no method {method:?}; it describes: {}",
            metadata.name,
            metadata
                .methods
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    abi::encode_named(m, args).map_err(anyhow::Error::msg)
}

/// The output decoded by `--returns`, else by the method's declared type.
fn decode_output(
    metadata: Option<&ContractMetadata>,
    method: &str,
    returns: Option<&str>,
    bytes: &[u8],
) -> anyhow::Result<Option<Vec<serde_json::Value>>> {
    if returns.is_some() {
        return decode(returns, bytes);
    }
    let Some(m) = metadata.and_then(|m| m.method(method)) else {
        return Ok(None);
    };
    if m.returns == Ty::Unit && bytes.is_empty() {
        return Ok(None);
    }
    abi::decode_typed(&m.returns, bytes)
        .map(|v| Some(vec![v]))
        .map_err(|e| anyhow::anyhow!("the output does not decode as {}: {e}", m.returns))
}

/// The metadata's methods, events and revert reasons.
fn print_metadata(m: &ContractMetadata) {
    println!("  metadata      {} {}", m.name, m.version);
    for method in &m.methods {
        let returns = if method.returns == Ty::Unit {
            String::new()
        } else {
            format!(" -> {}", method.returns)
        };
        let access = match method.writes {
            Some(false) => "  [read-only]",
            _ => "",
        };
        println!(
            "  method        {}{}{returns}{access}",
            method.name,
            abi::signature(method)
        );
        if !method.doc.is_empty() {
            println!("                  {}", method.doc);
        }
    }
    for e in &m.events {
        let fields: Vec<String> = e
            .fields
            .iter()
            .map(|f| format!("{}: {}", f.name, f.ty))
            .collect();
        println!("  event         {}({})", e.name, fields.join(", "));
    }
    for r in &m.reverts {
        println!("  reverts with  {r}");
    }
}

fn encode(args: &[String], hex_args: Option<&str>) -> anyhow::Result<Vec<u8>> {
    match hex_args {
        Some(h) => hex::decode(h).context("--args-hex"),
        None => abi::encode_args(args).map_err(anyhow::Error::msg),
    }
}

fn decode(types: Option<&str>, bytes: &[u8]) -> anyhow::Result<Option<Vec<serde_json::Value>>> {
    match types {
        None => Ok(None),
        Some(t) => abi::decode_values(t, bytes)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("cannot decode the output as {t:?}: {e}")),
    }
}

fn print_output(bytes: &[u8], decoded: Option<&Vec<serde_json::Value>>) {
    match decoded {
        Some(values) => {
            let shown: Vec<String> = values.iter().map(super::events::show).collect();
            println!("returned: {}", shown.join(", "));
        }
        None if bytes.is_empty() => println!("returned nothing"),
        None => println!(
            "returned: {} (hex; --returns TYPES decodes it)",
            hex::encode(bytes)
        ),
    }
}

#[derive(Serialize)]
struct BuildReport {
    wasm: PathBuf,
    size: usize,
    code_hash_ed25519: citychain_crypto::Hash,
    code_hash_sm2: citychain_crypto::Hash,
    entry_points: Vec<String>,
    /// What the code says about itself (`null`: it carries no metadata).
    metadata: Option<ContractMetadata>,
}

fn build(path: &Path, package: Option<&str>, json: bool) -> anyhow::Result<()> {
    let wasm = if path.is_file() {
        path.to_path_buf()
    } else {
        compile(path, package)?
    };
    let code = std::fs::read(&wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let module = Vm::for_params(&WasmParams::default())
        .validate(&code)
        .map_err(|reason| {
            anyhow::anyhow!("{} breaks the contract rules: {reason}", wasm.display())
        })?;
    let report = BuildReport {
        size: code.len(),
        code_hash_ed25519: Suite::Ed25519.hash(&code),
        code_hash_sm2: Suite::Sm2.hash(&code),
        entry_points: entry_points(&module),
        // `validate` checked it; `Ok(None)` is code without metadata.
        metadata: citychain_execution::contracts::metadata::read(&code)
            .ok()
            .flatten(),
        wasm,
    };
    if json {
        return output::json(&report);
    }
    output::rows(&[
        ("wasm", report.wasm.display().to_string()),
        (
            "size",
            format!(
                "{} bytes (limit {})",
                report.size,
                WasmParams::default().max_code_bytes
            ),
        ),
        (
            "code hash (ed25519 chains)",
            report.code_hash_ed25519.to_string(),
        ),
        ("code hash (sm2 chains)", report.code_hash_sm2.to_string()),
        ("entry points", report.entry_points.join(", ")),
    ]);
    match &report.metadata {
        Some(m) => print_metadata(m),
        None => println!(
            "  metadata      none: build with the SDK's contract! macro to describe the contract"
        ),
    }
    println!("valid: passes the chain's module checks");
    Ok(())
}

/// Runs cargo for wasm32 and returns the built module.
fn compile(dir: &Path, package: Option<&str>) -> anyhow::Result<PathBuf> {
    let manifest = dir.join("Cargo.toml");
    if !manifest.exists() {
        bail!(
            "{} has no Cargo.toml; give a contract project or a .wasm file",
            dir.display()
        );
    }
    // Absolute, because cargo runs from inside the project (a relative path would then point
    // below it).
    let dir = &dir
        .canonicalize()
        .with_context(|| format!("resolving {}", dir.display()))?;
    let manifest = dir.join("Cargo.toml");
    let metadata = Command::new("cargo")
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(&manifest)
        .output()
        .context("running cargo metadata (is cargo installed?)")?;
    if !metadata.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&metadata.stderr)
        );
    }
    let meta: serde_json::Value = serde_json::from_slice(&metadata.stdout)?;
    let target_dir = PathBuf::from(meta["target_directory"].as_str().unwrap_or("target"));
    let packages: Vec<String> = meta["packages"]
        .as_array()
        .map(|p| {
            p.iter()
                .filter_map(|p| p["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let name = match (package, packages.as_slice()) {
        (Some(p), _) if packages.iter().any(|n| n == p) => p.to_string(),
        (Some(p), _) => bail!("no package {p} here; there are: {}", packages.join(", ")),
        (None, [only]) => only.clone(),
        (None, _) => bail!(
            "{} holds several packages ({}); choose one with --package",
            dir.display(),
            packages.join(", ")
        ),
    };
    eprintln!("building {name} for wasm32-unknown-unknown (release)…");
    let status = Command::new("cargo")
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "--package",
        ])
        .arg(&name)
        .arg("--manifest-path")
        .arg(&manifest)
        // From the project, so cargo reads its .cargo/config.toml.
        .current_dir(dir)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!(
            "cargo build failed ({status}); if the target is missing: rustup target add \
             wasm32-unknown-unknown"
        );
    }
    Ok(target_dir
        .join("wasm32-unknown-unknown/release")
        .join(format!("{}.wasm", name.replace('-', "_"))))
}

fn scaffold(name: &str, parent: &Path, sdk: Option<PathBuf>, json: bool) -> anyhow::Result<()> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if !valid {
        bail!(
            "{name:?} is not a valid package name (letters, digits, - and _, starting with a letter)"
        );
    }
    let sdk = sdk.unwrap_or_else(|| PathBuf::from(SDK_IN_TREE));
    let sdk = sdk.canonicalize().with_context(|| {
        format!(
            "the SDK is not at {}; pass --sdk PATH to the citychain-sdk crate",
            sdk.display()
        )
    })?;
    let dir = parent.join(name);
    if dir.exists() {
        bail!("{} already exists", dir.display());
    }
    std::fs::create_dir_all(dir.join("src"))?;
    let sdk_path = sdk.display().to_string().replace('\\', "/");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"

[lib]
crate-type = ["cdylib"]

[dependencies]
citychain-sdk = {{ path = "{sdk_path}" }}

# A project of its own, even inside another workspace.
[workspace]

[profile.release]
opt-level = 3
lto = true
codegen-units = 1
panic = "abort"
strip = true
"#
        ),
    )?;
    std::fs::write(dir.join(".gitignore"), "/target\n")?;
    std::fs::create_dir_all(dir.join(".cargo"))?;
    std::fs::write(
        dir.join(".cargo/config.toml"),
        "# Each call zeroes the contract's initial memory: keep the stack small (32 KiB).\n\
         [target.wasm32-unknown-unknown]\n\
         rustflags = [\"-C\", \"link-arg=-zstack-size=32768\"]\n",
    )?;
    std::fs::write(dir.join("src/lib.rs"), SCAFFOLD_LIB)?;
    if json {
        return output::json(&serde_json::json!({ "project": dir }));
    }
    let wasm = dir
        .join("target/wasm32-unknown-unknown/release")
        .join(format!("{}.wasm", name.replace('-', "_")));
    println!("created {}", dir.display());
    println!("next:");
    println!("  citychain contract build {}", dir.display());
    println!(
        "  citychain contract deploy --key KEY_FILE {} --arg start=0",
        wasm.display()
    );
    Ok(())
}

const SCAFFOLD_LIB: &str = r#"//! A counter: the starting point of a citychain contract.
//!
//! Build: `citychain contract build`. Deploy: `citychain contract deploy --key KEY
//! target/wasm32-unknown-unknown/release/<name>.wasm --arg start=0`. Then
//! `citychain contract info ADDRESS` shows what the macros below describe.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use citychain_sdk::{Address, Error, Item, contract, env, events, fail, require};

const COUNT: Item<u64> = Item::new(b"count");
const OWNER: Item<Address> = Item::new(b"owner");

events! {
    /// `by` moved the count to `count`.
    incremented(by: Address, count: u64);
}

contract! {
    /// Runs once, at deployment.
    fn init(start: u64) {
        COUNT.set(&start);
        OWNER.set(&env::caller());
    }

    /// Adds `by` and returns the new count.
    fn increment(by: u64) -> Result<u64, Error> {
        let n = COUNT.get().unwrap_or(0);
        let Some(next) = n.checked_add(by) else {
            fail!("the counter would overflow");
        };
        COUNT.set(&next);
        events::incremented(env::caller(), next);
        Ok(next)
    }

    /// Only the deployer may reset.
    fn reset() -> Result<(), Error> {
        require!(env::caller() == OWNER.get().unwrap_or_default(), "only the owner may reset");
        COUNT.set(&0);
        Ok(())
    }

    /// The count.
    fn get() -> u64 {
        COUNT.get().unwrap_or(0)
    }
}
"#;
