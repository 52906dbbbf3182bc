//! `citychain`: run a dev chain or a node, manage keys, send transactions, query and verify,
//! benchmark. Logic lives in the library crates; this binary parses arguments and prints.

/// `println!` for the whole crate (a macro defined before the modules shadows std's in all of
/// them): when stdout is a pipe whose reader has gone (`citychain … | head`), the command ends
/// quietly, as Unix tools do, instead of panicking as std's `println!` does.
macro_rules! println {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            panic!("cannot write to stdout: {e}");
        }
    }};
}

mod apps;
mod commands;
mod output;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// citychain: a permissioned blockchain a city runs as shared digital infrastructure.
///
/// Start with `citychain dev`, which runs a single-node chain with funded accounts; then use
/// `citychain tx transfer` and `citychain query` against it from another terminal.
#[derive(Parser)]
#[command(name = "citychain", version, propagate_version = true)]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a single-node development chain (one validator, funded accounts, insecure keys).
    Dev(commands::dev::DevArgs),
    /// Run one node of a network from its configuration file.
    Node(commands::node::NodeArgs),
    /// A local network of several validators, each its own process.
    #[command(subcommand)]
    Testnet(commands::testnet::TestnetCommand),
    /// Write a genesis document for a new network, or check one and print its hash.
    #[command(subcommand)]
    Genesis(commands::genesis::GenesisCommand),
    /// Create and inspect key files.
    #[command(subcommand)]
    Keys(commands::keys::KeysCommand),
    /// Sign and send transactions.
    #[command(subcommand)]
    Tx(commands::tx::TxCommand),
    /// WASM contracts: scaffold, build, deploy, call, query, inspect.
    #[command(subcommand)]
    Contract(commands::contract::ContractCommand),
    /// The consortium's organizations and members; rotate your organization's admin keys.
    #[command(subcommand)]
    Org(commands::gov::OrgCommand),
    /// Governance: propose, vote, show and list proposals, the policy, regulator freezes.
    #[command(subcommand)]
    Gov(commands::gov::GovCommand),
    /// Multi-signature (M of N) accounts: create, propose, approve, show.
    #[command(subcommand)]
    Multisig(commands::gov::MultisigCommand),
    /// Fungible assets: create, mint, burn, transfer (checked first), allow-lists, freezes,
    /// distributions to holders, multi-leg settlement.
    #[command(subcommand)]
    Asset(commands::asset::AssetCommand),
    /// Collections of unique items (title deeds, certificates): create, mint, transfer, burn.
    #[command(subcommand)]
    Nft(commands::nft::NftCommand),
    /// Fractional ownership: vaults that split an item into shares, buyouts, reserve votes.
    #[command(subcommand)]
    Vault(commands::vault::VaultCommand),
    /// Offers: swap assets with another party atomically, or get them back at expiry.
    #[command(subcommand)]
    Offer(commands::offer::OfferCommand),
    /// E-certificates: issue with salted field commitments, disclose some fields (link, QR
    /// payload, presentation, W3C credential), verify a disclosure offline.
    #[command(subcommand)]
    Cert(commands::cert::CertCommand),
    /// A batch's supply-chain lineage (what it came from, what it went into, every event,
    /// recalls), every record proven against a finalized block.
    Trace(commands::trace::TraceArgs),
    /// The audit trail of governance, and frozen accounts.
    #[command(subcommand)]
    Audit(commands::gov::AuditCommand),
    /// Read the chain: status, blocks, transactions, receipts, accounts, verified proofs.
    #[command(subcommand)]
    Query(commands::query::QueryCommand),
    /// Load-test a node: fund accounts, pre-sign transfers (native or through the token
    /// contract), submit them and measure.
    Bench(commands::bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Dev(args) => commands::dev::run(args, cli.json),
        Command::Node(args) => commands::node::run(args, cli.json),
        Command::Testnet(commands::testnet::TestnetCommand::Init(args)) => {
            commands::testnet::init(args, cli.json)
        }
        Command::Testnet(commands::testnet::TestnetCommand::Up(args)) => {
            commands::block_on(commands::testnet::up(args))
        }
        Command::Genesis(cmd) => commands::genesis::run(cmd, cli.json),
        Command::Keys(cmd) => commands::keys::run(cmd, cli.json),
        Command::Tx(cmd) => commands::block_on(commands::tx::run(cmd, cli.json)),
        Command::Contract(cmd) => commands::block_on(commands::contract::run(cmd, cli.json)),
        Command::Org(cmd) => commands::block_on(commands::gov::run_org(cmd, cli.json)),
        Command::Gov(cmd) => commands::block_on(commands::gov::run_gov(cmd, cli.json)),
        Command::Multisig(cmd) => commands::block_on(commands::gov::run_multisig(cmd, cli.json)),
        Command::Asset(cmd) => commands::block_on(commands::asset::run(cmd, cli.json)),
        Command::Nft(cmd) => commands::block_on(commands::nft::run(cmd, cli.json)),
        Command::Vault(cmd) => commands::block_on(commands::vault::run(cmd, cli.json)),
        Command::Offer(cmd) => commands::block_on(commands::offer::run(cmd, cli.json)),
        Command::Trace(args) => commands::block_on(commands::trace::run(args, cli.json)),
        Command::Cert(cmd) => commands::block_on(commands::cert::run(cmd, cli.json)),
        Command::Audit(cmd) => commands::block_on(commands::gov::run_audit(cmd, cli.json)),
        Command::Query(cmd) => commands::block_on(commands::query::run(cmd, cli.json)),
        Command::Bench(args) => commands::block_on(commands::bench::run(args, cli.json)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, with a node's JSON-RPC error shown as its message.
fn describe(e: &anyhow::Error) -> String {
    use citychain_rpc::jsonrpsee::core::client::Error as RpcError;
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        if let Some(RpcError::Call(object)) = cause.downcast_ref::<RpcError>() {
            // Its sources only repeat the object.
            parts.push(format!("the node says: {}", object.message()));
            break;
        }
        let text = cause.to_string();
        // Wrappers often repeat their source's text.
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}
