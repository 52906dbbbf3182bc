//! `citychain bench`: the load generator.
//!
//! 1. Fund `--accounts` fresh accounts from `--key`.
//! 2. Pre-sign `--txs` transfers among them (nonces in order per account).
//! 3. Submit them in batches of `--batch`, `--concurrency` batches in flight, while a WebSocket
//!    subscription watches finalized blocks.
//! 4. Report committed transactions per second (first submission to last commit) and the
//!    submit-to-finalized latency of each transaction (p50, p99).
//! 5. Beside them, the yardstick: how fast this machine verifies the run's own signatures in
//!    batches, as admission does, on one core and on every core (measured before submitting,
//!    with the node idle), and committed tx/s as a ratio to both, so that figures from
//!    different machines and days compare.
//!
//! With `--versus`, two workloads run side by side on the same node and accounts, in
//! alternating phases (A B, B A, …), each drained before the next, and the report compares
//! their medians: a noisy machine slows both alike, which separate runs cannot promise.

mod apps;
mod phase;
mod report;
mod workload;
mod yardstick;

use super::DEFAULT_RPC;
use anyhow::{Context as _, bail};
use citychain_client::{Client, keys::open_key_file};
use citychain_types::SignedTransaction;
use clap::Args;
use phase::Drive;
use serde::Serialize;
use std::{path::PathBuf, time::Duration};
use workload::Setup;

#[derive(Args)]
pub struct BenchArgs {
    /// The node's API.
    #[arg(long, default_value = DEFAULT_RPC)]
    rpc: String,
    /// A funded key to pay for the test accounts (default: the dev chain's alice).
    #[arg(long, default_value = ".citychain/dev/dev-keys/alice.json")]
    key: PathBuf,
    /// How many sending accounts.
    #[arg(long, default_value_t = 200)]
    accounts: usize,
    /// How many transfers in total.
    #[arg(long, default_value_t = 20_000)]
    txs: usize,
    /// Transactions per `tx_submitBatch` request.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Batches in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Offered load in transactions per second (default: as fast as the node accepts them).
    #[arg(long)]
    rate: Option<f64>,
    /// Give up waiting for commits after this many seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// What to send: native transfers; transfers through the token contract (deployed first,
    /// tokens handed out to the sending accounts); native asset transfers (an asset created and
    /// minted to the accounts first, so `--key` needs the issuer role, as the dev chain's
    /// alice has); offers made and taken in turns (each account makes one, then takes its
    /// neighbour's); distribution claims (distributions made first, one per transaction an
    /// account sends); or certificate issuance (a certificates contract deployed from the
    /// application this binary carries, every account registered as an issuer that defines a
    /// type, then each transaction issues a three-field certificate to the next account); or
    /// e-invoice issuance (an invoices contract deployed, every account a registered issuer,
    /// each transaction a two-line invoice with its amounts checked); transit ride batches (a
    /// clearing contract deployed, a scheme per account with the account as its clearing
    /// house, each transaction a batch of 100 two-leg rides: rides/s is 100 × tx/s); or custody
    /// hand-overs as `--workload ship --versus receive` (a traceability contract deployed, the
    /// accounts registered, a batch commissioned per hand-over; each round ships every batch
    /// to the next account, then each receiver signs its receipt).
    #[arg(long, value_enum, default_value_t = Workload::Transfer)]
    workload: Workload,
    /// Compare `--workload` with this one in the same run: `--rounds` rounds of `--txs` of
    /// each, alternating which goes first, on the same accounts; reports each one's median
    /// committed tx/s and their ratio (`--txs` must then be a multiple of `--accounts`).
    #[arg(long, value_enum)]
    versus: Option<Workload>,
    /// Rounds of a `--versus` comparison.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// The token contract's code, for `--workload token` (built by
    /// `cd contracts && cargo build --release --target wasm32-unknown-unknown`).
    #[arg(
        long,
        default_value = "contracts/target/wasm32-unknown-unknown/release/token.wasm"
    )]
    token_wasm: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Workload {
    /// Native currency transfers.
    Transfer,
    /// `transfer` calls of the token contract in `contracts/token`.
    Token,
    /// Native asset transfers (`asset` operation `transfer`).
    Asset,
    /// Offers: an account's even transactions make one (1 asset unit for 1 native unit), its
    /// odd ones take the previous account's.
    Offer,
    /// Distribution claims: each account claims its part of one distribution per transaction.
    Claim,
    /// Certificate issuance: each transaction issues a three-field certificate.
    Cert,
    /// E-invoice issuance: each transaction issues a two-line invoice.
    Invoice,
    /// Transit clearing: each transaction submits a batch of 100 two-leg rides.
    Rides,
    /// Custody hand-overs, first half: each transaction ships a batch to the next account.
    Ship,
    /// Custody hand-overs, second half: each transaction receives what the previous account
    /// shipped (only with `--workload ship --versus receive`).
    Receive,
}

impl Workload {
    /// How many operations one transaction carries.
    fn operations_per_tx(self) -> u64 {
        match self {
            Workload::Rides => apps::RIDES_PER_BATCH,
            _ => 1,
        }
    }

    /// What one operation is, in the plural.
    fn operation(self) -> &'static str {
        match self {
            Workload::Rides => "rides",
            _ => "transactions",
        }
    }
}

impl std::fmt::Display for Workload {
    /// The name `--workload` takes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = clap::ValueEnum::to_possible_value(self).expect("no variant is skipped");
        f.write_str(value.get_name())
    }
}

/// Receipts checked after a run: committed is not the same as succeeded.
const RECEIPT_SAMPLE: usize = 200;

/// The most transactions one account may have in the mempool.
const PER_SENDER_LIMIT: usize = 4_000;

pub async fn run(args: BenchArgs, json: bool) -> anyhow::Result<()> {
    let plan = Plan::new(&args)?;
    let client = Client::connect(&args.rpc)?;
    let info = client.chain_info().await?;
    let funder = open_key_file(&args.key, super::prompt_passphrase)
        .with_context(|| format!("opening {}", args.key.display()))?;
    let say = |m: &str| {
        if !json {
            eprintln!("{m}");
        }
    };

    // 1. Fund the accounts.
    say(&format!(
        "funding {} accounts from {}",
        args.accounts,
        funder.public_key().address()
    ));
    let keys = workload::fund_accounts(&client, &info, &funder, args.accounts, args.batch).await?;

    // 2. Set each workload up for all its phases, then pre-sign every phase: nonces run on
    //    from phase to phase, each workload's sequence numbers from its own previous phase.
    let mut setup = Setup::new(&client, &info, &funder, &keys, args.batch, &args.token_wasm);
    let mut loads = Vec::new();
    for w in plan.workloads() {
        let uses = plan.per_account * plan.phases.iter().filter(|p| **p == w).count();
        loads.push((w, setup.prepare(w, uses, &say).await?, 0u64));
    }
    say(&format!(
        "signing {} transactions",
        args.txs * plan.phases.len()
    ));
    let mut phases: Vec<(Workload, Vec<SignedTransaction>)> = Vec::new();
    for (p, w) in plan.phases.iter().enumerate() {
        let (_, load, next_seq) = loads
            .iter_mut()
            .find(|(lw, _, _)| lw == w)
            .expect("every phase's workload is prepared");
        let txs = workload::sign_phase(
            &keys,
            &info.chain_id,
            load,
            plan.per_account,
            args.txs,
            (p * plan.per_account) as u64 + setup.account_nonces_used(),
            *next_seq,
        );
        *next_seq += plan.per_account as u64;
        phases.push((*w, txs));
    }

    // 3. The yardstick, with the node idle.
    say("measuring this machine's signature verification (the yardstick)");
    let ceiling = yardstick::measure_ceiling(&phases[0].1, args.batch);

    // 4. Run the phases, each until all it sent is committed.
    let mut results = Vec::with_capacity(phases.len());
    for (p, (w, txs)) in phases.iter().enumerate() {
        let how = Drive {
            batch: args.batch,
            concurrency: args.concurrency,
            rate: args.rate,
            timeout: Duration::from_secs(args.timeout),
            receipt_sample: RECEIPT_SAMPLE / phases.len(),
            progress: (!json).then(|| match args.versus {
                None => String::new(),
                Some(_) => format!("round {} of {}: {w}", p / 2 + 1, args.rounds),
            }),
        };
        let phase = phase::drive(&client, txs, &how).await?;
        if args.versus.is_some() && !json {
            report::print_phase(p / 2 + 1, *w, &phase);
        }
        results.push((*w, phase));
    }

    match args.versus {
        None => {
            let (w, phase) = results.pop().expect("one phase");
            report::single(w, args.accounts, &phase, ceiling, json)
        }
        Some(versus) => report::comparison(
            args.workload,
            versus,
            args.accounts,
            &results,
            ceiling,
            json,
        ),
    }
}

/// The phases a run sends, and how many transactions each account sends in each.
struct Plan {
    phases: Vec<Workload>,
    per_account: usize,
}

impl Plan {
    fn new(args: &BenchArgs) -> anyhow::Result<Plan> {
        if args.accounts == 0 || args.txs == 0 || args.batch == 0 || args.rounds == 0 {
            bail!("--accounts, --txs, --batch and --rounds must be positive");
        }
        if args.batch > citychain_client::types::MAX_SUBMIT_BATCH {
            bail!(
                "--batch is at most {} (what one tx_submitBatch request may carry)",
                citychain_client::types::MAX_SUBMIT_BATCH
            );
        }
        let per_account = args.txs.div_ceil(args.accounts);
        if per_account > PER_SENDER_LIMIT {
            bail!(
                "{per_account} transactions per account exceeds the mempool's per-sender limit \
                 ({PER_SENDER_LIMIT}); use more --accounts"
            );
        }
        let custody = [Workload::Ship, Workload::Receive];
        if args.workload == Workload::Receive
            || (custody.contains(&args.workload)
                && args.versus.is_some_and(|v| !custody.contains(&v)))
            || (args.versus == Some(Workload::Ship) && args.workload != Workload::Receive)
            || (args.versus == Some(Workload::Receive) && args.workload != Workload::Ship)
        {
            bail!(
                "a batch is received after it is shipped: run custody hand-overs as \
                 --workload ship --versus receive"
            );
        }
        let Some(versus) = args.versus else {
            return Ok(Plan {
                phases: vec![args.workload],
                per_account,
            });
        };
        if versus == args.workload {
            bail!("--versus names the same workload as --workload; compare two different ones");
        }
        // Phases follow one another on the same accounts: each must use every account's
        // nonces evenly, and offers pair a make with the take after it.
        if !args.txs.is_multiple_of(args.accounts) {
            bail!(
                "with --versus, --txs ({}) must be a multiple of --accounts ({}) so that every \
                 account sends the same number in each phase",
                args.txs,
                args.accounts
            );
        }
        if [args.workload, versus].contains(&Workload::Offer) && !per_account.is_multiple_of(2) {
            bail!(
                "offers come in pairs (make, take): with --versus, --txs / --accounts must be \
                 even"
            );
        }
        // A, B, then B, A: neither always runs first, on the smaller state; but what is
        // received must have been shipped in the phase before.
        let phases = (0..args.rounds)
            .flat_map(|r| match r % 2 {
                _ if args.workload == Workload::Ship => [Workload::Ship, Workload::Receive],
                0 => [args.workload, versus],
                _ => [versus, args.workload],
            })
            .collect();
        Ok(Plan {
            phases,
            per_account,
        })
    }

    /// The workloads in the order they are first sent.
    fn workloads(&self) -> Vec<Workload> {
        let mut seen = Vec::new();
        for w in &self.phases {
            if !seen.contains(w) {
                seen.push(*w);
            }
        }
        seen
    }
}
