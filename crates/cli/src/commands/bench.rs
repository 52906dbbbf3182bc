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

use super::DEFAULT_RPC;
use crate::output;
use anyhow::{Context as _, bail};
use citychain_client::api::*;
use citychain_client::{Client, keys::open_key_file, types::BlockId};
use citychain_crypto::{Address, Hash, SecretKey};
use citychain_types::{
    Amount, Encode, Gas, Nonce, Payload, SignedTransaction, TimestampMs, Transaction,
    asset::{AssetId, AssetTx, OfferId, Value},
};
use clap::Args;
use futures::{StreamExt, stream};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::{
    collections::{BTreeMap, HashMap},
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

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
    /// neighbour's); or distribution claims (distributions made first, one per transaction an
    /// account sends).
    #[arg(long, value_enum, default_value_t = Workload::Transfer)]
    workload: Workload,
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
    /// Offers: even nonces make one (1 asset unit for 1 native unit), odd nonces take the
    /// previous account's.
    Offer,
    /// Distribution claims: each account claims its part of one distribution per transaction.
    Claim,
}

/// Receipts checked after a run: committed is not the same as succeeded.
const RECEIPT_SAMPLE: usize = 200;

/// The numbers a run produces.
#[derive(Serialize)]
struct Report {
    workload: Workload,
    txs: usize,
    accounts: usize,
    committed: usize,
    rejected: usize,
    rejections: BTreeMap<String, usize>,
    elapsed_secs: f64,
    committed_per_sec: f64,
    submit_per_sec: f64,
    latency_p50_ms: f64,
    latency_p99_ms: f64,
    latency_max_ms: f64,
    blocks: usize,
    max_block_txs: usize,
    /// Receipts of committed transactions checked at the end, and how many of them failed.
    receipts_checked: usize,
    receipts_failed: usize,
    /// What this machine's cores do for the same signatures.
    ceiling: Ceiling,
    /// `committed_per_sec` over the verification rate of every core.
    ratio_to_all_cores: f64,
    /// `committed_per_sec` over the verification rate of one core.
    ratio_to_one_core: f64,
}

/// Signature verification rates of this machine, for the run's own transactions.
#[derive(Clone, Copy, Serialize)]
struct Ceiling {
    /// The signatures verified per measurement.
    signatures: usize,
    cores: usize,
    one_core_per_sec: f64,
    all_cores_per_sec: f64,
}

/// Most signatures the yardstick verifies (enough for a stable rate, quick on any suite).
const CEILING_SAMPLE: usize = 20_000;

/// Verifies (up to [`CEILING_SAMPLE`] of) `txs`' signatures in batches of `batch`, as the
/// mempool admits a `tx_submitBatch` request, on one thread and then on one thread per core.
fn measure_ceiling(txs: &[SignedTransaction], batch: usize) -> Ceiling {
    use citychain_crypto::{BatchItem, verify_batch};
    use citychain_types::transaction::TX_NAMESPACE;
    let sample = &txs[..txs.len().min(CEILING_SAMPLE)];
    let messages: Vec<Vec<u8>> = sample.iter().map(|t| t.transaction().encode()).collect();
    let verify = |range: std::ops::Range<usize>| {
        let items: Vec<BatchItem<'_>> = range
            .map(|i| BatchItem {
                public_key: &sample[i].transaction().sender,
                message: &messages[i],
                signature: sample[i].signature(),
            })
            .collect();
        let ok = verify_batch(&commonware_parallel::Sequential, TX_NAMESPACE, &items);
        assert!(ok.iter().all(|v| *v), "the bench signed a bad signature");
    };
    let batches: Vec<std::ops::Range<usize>> = (0..sample.len())
        .step_by(batch.max(1))
        .map(|start| start..(start + batch).min(sample.len()))
        .collect();
    let rate = |secs: f64| sample.len() as f64 / secs.max(1e-9);

    let start = Instant::now();
    batches.iter().cloned().for_each(verify);
    let one_core = rate(start.elapsed().as_secs_f64());

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let start = Instant::now();
    std::thread::scope(|s| {
        for part in batches.chunks(batches.len().div_ceil(cores).max(1)) {
            s.spawn(|| part.iter().cloned().for_each(verify));
        }
    });
    let all_cores = rate(start.elapsed().as_secs_f64());
    Ceiling {
        signatures: sample.len(),
        cores,
        one_core_per_sec: one_core,
        all_cores_per_sec: all_cores,
    }
}

type Shared<T> = Arc<std::sync::Mutex<T>>;

/// The payload account `i` sends with nonce `n`.
type PayloadOf = Box<dyn Fn(usize, u64) -> Payload + Sync>;

fn sign_all(
    keys: &[SecretKey],
    chain_id: &citychain_types::ChainId,
    per_account: usize,
    total: usize,
    payload: &(dyn Fn(usize, u64) -> Payload + Sync),
    gas_limit: Gas,
) -> Vec<SignedTransaction> {
    // Order by (nonce, account) so early batches carry early nonces.
    let mut jobs = Vec::with_capacity(total);
    'outer: for n in 0..per_account {
        for i in 0..keys.len() {
            if jobs.len() == total {
                break 'outer;
            }
            jobs.push((i, n as u64));
        }
    }
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = jobs.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|&(i, n)| {
                            Transaction {
                                chain_id: chain_id.clone(),
                                sender: keys[i].public_key(),
                                nonce: Nonce(n),
                                gas_limit,
                                payload: payload(i, n),
                            }
                            .sign(&keys[i])
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("signing thread panicked"))
            .collect()
    })
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

pub async fn run(args: BenchArgs, json: bool) -> anyhow::Result<()> {
    if args.accounts == 0 || args.txs == 0 || args.batch == 0 {
        bail!("--accounts, --txs and --batch must be positive");
    }
    if args.batch > citychain_client::types::MAX_SUBMIT_BATCH {
        bail!(
            "--batch is at most {} (what one tx_submitBatch request may carry)",
            citychain_client::types::MAX_SUBMIT_BATCH
        );
    }
    let per_account = args.txs.div_ceil(args.accounts);
    if per_account > 4_000 {
        bail!(
            "{per_account} transactions per account exceeds the mempool's per-sender limit; use more --accounts"
        );
    }
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
    let keys = fund_accounts(&client, &info, &funder, args.accounts, args.batch).await?;

    // 2. What each account sends, after the workload's setup.
    let addresses: Vec<Address> = keys.iter().map(|k| k.public_key().address()).collect();
    let next = move |i: usize| addresses[(i + 1) % addresses.len()];
    let (payload, gas_limit): (PayloadOf, Gas) = match args.workload {
        Workload::Transfer => (
            Box::new(move |i, _| Payload::Transfer {
                to: next(i),
                amount: Amount(1),
            }),
            Gas(50_000),
        ),
        Workload::Token => {
            let token = setup_token(&client, &info, &funder, &keys, &args, &say).await?;
            (
                Box::new(move |i, _| {
                    let mut a = next(i).0.to_vec();
                    a.extend_from_slice(&1u128.to_be_bytes());
                    Payload::Call {
                        contract: token,
                        method: "transfer".into(),
                        args: a,
                        value: Amount(0),
                    }
                }),
                Gas(500_000),
            )
        }
        Workload::Asset | Workload::Offer | Workload::Claim => {
            let asset = setup_asset(&client, &info, &funder, &keys, args.batch, &say).await?;
            let payload = match args.workload {
                Workload::Asset => asset_payload(asset, next),
                Workload::Offer => offer_payload(asset, info.suite, &keys),
                _ => {
                    say(&format!(
                        "making {per_account} distributions to the holders"
                    ));
                    distribute(&client, &info, &funder, asset, per_account, keys.len()).await?;
                    claim_payload(asset, &keys)
                }
            };
            (payload, Gas(100_000))
        }
    };

    // 3. Pre-sign.
    say(&format!("signing {} transactions", args.txs));
    let txs = sign_all(
        &keys,
        &info.chain_id,
        per_account,
        args.txs,
        &*payload,
        gas_limit,
    );
    say("measuring this machine's signature verification (the yardstick)");
    let ceiling = measure_ceiling(&txs, args.batch);
    let bodies: Vec<(Vec<Hash>, Vec<String>)> = txs
        .chunks(args.batch)
        .map(|c| {
            (
                c.iter().map(|t| t.hash()).collect(),
                c.iter()
                    .map(|t| citychain_crypto::hex::encode(t.encode()))
                    .collect(),
            )
        })
        .collect();
    drop(txs);

    // 4. Watch finalized blocks.
    let submitted: Shared<HashMap<Hash, Instant>> =
        Arc::new(std::sync::Mutex::new(HashMap::with_capacity(args.txs)));
    let latencies: Shared<Vec<f64>> = Arc::new(std::sync::Mutex::new(Vec::with_capacity(args.txs)));
    let blocks: Shared<(usize, usize)> = Arc::new(std::sync::Mutex::new((0, 0)));
    let ws = client.ws().await?;
    let mut finalized = ws
        .chain_subscribe_finalized()
        .await
        .context("subscribing to finalized blocks")?;
    let progress = if json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(args.txs as u64)
    };
    progress.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} committed {per_sec} {msg}",
        )?
        .progress_chars("=> "),
    );
    let watcher = {
        let client = client.clone();
        let (submitted, latencies, blocks, progress) = (
            submitted.clone(),
            latencies.clone(),
            blocks.clone(),
            progress.clone(),
        );
        let target = args.txs;
        tokio::spawn(async move {
            let mut last_commit = Instant::now();
            while let Some(Ok(header)) = finalized.next().await {
                let now = Instant::now();
                if header.header.tx_count == 0 {
                    continue;
                }
                let Ok(block) = client
                    .rpc()
                    .chain_get_block(BlockId::Hash(header.hash), Some(false))
                    .await
                else {
                    continue;
                };
                let mut found = 0;
                {
                    let sent = submitted.lock().expect("lock");
                    let mut lat = latencies.lock().expect("lock");
                    for h in &block.tx_hashes {
                        if let Some(t) = sent.get(h) {
                            lat.push(now.duration_since(*t).as_secs_f64() * 1000.0);
                            found += 1;
                        }
                    }
                }
                if found > 0 {
                    last_commit = now;
                    let mut b = blocks.lock().expect("lock");
                    b.0 += 1;
                    b.1 = b.1.max(block.tx_hashes.len());
                }
                progress.inc(found as u64);
                if latencies.lock().expect("lock").len() >= target {
                    break;
                }
            }
            last_commit
        })
    };

    // 5. Submit.
    let start = Instant::now();
    let rejections: Shared<BTreeMap<String, usize>> =
        Arc::new(std::sync::Mutex::new(BTreeMap::new()));
    let batch_interval = args
        .rate
        .map(|r| Duration::from_secs_f64(args.batch as f64 / r.max(1.0)));
    stream::iter(bodies.into_iter().enumerate())
        .map(|(i, (hashes, body))| {
            let (client, submitted, rejections) =
                (client.clone(), submitted.clone(), rejections.clone());
            async move {
                // With --rate, batch i leaves at start + i * interval (an open-loop schedule).
                if let Some(interval) = batch_interval {
                    tokio::time::sleep_until((start + interval * i as u32).into()).await;
                }
                let now = Instant::now();
                submitted
                    .lock()
                    .expect("lock")
                    .extend(hashes.iter().map(|h| (*h, now)));
                match client.rpc().tx_submit_batch(body.into()).await {
                    Ok(entries) => {
                        for (h, e) in hashes.iter().zip(entries) {
                            if let Some(err) = e.error {
                                submitted.lock().expect("lock").remove(h);
                                *rejections
                                    .lock()
                                    .expect("lock")
                                    .entry(err.code)
                                    .or_default() += 1;
                            }
                        }
                    }
                    Err(e) => {
                        let mut s = submitted.lock().expect("lock");
                        for h in &hashes {
                            s.remove(h);
                        }
                        *rejections
                            .lock()
                            .expect("lock")
                            .entry(format!("request failed: {e}"))
                            .or_default() += hashes.len();
                    }
                }
            }
        })
        .buffer_unordered(args.concurrency.max(1))
        .collect::<Vec<()>>()
        .await;
    let submit_secs = start.elapsed().as_secs_f64();
    let rejected: usize = rejections.lock().expect("lock").values().sum();
    let accepted = args.txs - rejected;

    let waited = tokio::time::timeout(Duration::from_secs(args.timeout), async {
        loop {
            if latencies.lock().expect("lock").len() >= accepted {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    watcher.abort();
    let end = Instant::now();
    progress.finish_and_clear();

    // 6. Committed is not succeeded: check a sample of receipts.
    let sample: Vec<Hash> = submitted
        .lock()
        .expect("lock")
        .keys()
        .take(RECEIPT_SAMPLE)
        .copied()
        .collect();
    let (receipts_checked, receipts_failed) = check_receipts(&client, sample).await;

    let mut lat = latencies.lock().expect("lock").clone();
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let elapsed = end.duration_since(start).as_secs_f64();
    let (block_count, max_block_txs) = *blocks.lock().expect("lock");
    let committed_per_sec = lat.len() as f64 / elapsed.max(1e-9);
    let report = Report {
        workload: args.workload,
        txs: args.txs,
        accounts: args.accounts,
        committed: lat.len(),
        rejected,
        rejections: rejections.lock().expect("lock").clone(),
        elapsed_secs: elapsed,
        committed_per_sec,
        submit_per_sec: args.txs as f64 / submit_secs.max(1e-9),
        latency_p50_ms: percentile(&lat, 0.50),
        latency_p99_ms: percentile(&lat, 0.99),
        latency_max_ms: lat.last().copied().unwrap_or(0.0),
        blocks: block_count,
        max_block_txs,
        receipts_checked,
        receipts_failed,
        ceiling,
        ratio_to_all_cores: committed_per_sec / ceiling.all_cores_per_sec.max(1e-9),
        ratio_to_one_core: committed_per_sec / ceiling.one_core_per_sec.max(1e-9),
    };
    if json {
        return output::json(&report);
    }
    if waited.is_err() {
        println!("timed out after {}s waiting for commits", args.timeout);
    }
    print_report(&report);
    Ok(())
}

/// Creates `count` fresh accounts and funds each from `funder`, waiting for the commits.
async fn fund_accounts(
    client: &Client,
    info: &citychain_client::ChainInfo,
    funder: &SecretKey,
    count: usize,
    batch: usize,
) -> anyhow::Result<Vec<SecretKey>> {
    let keys: Vec<SecretKey> = (0..count)
        .map(|_| SecretKey::generate(info.suite))
        .collect::<Result<_, _>>()?;
    let mut nonce = client.next_nonce(&funder.public_key().address()).await?;
    let mut funding = Vec::new();
    for k in &keys {
        funding.push(
            Transaction {
                chain_id: info.chain_id.clone(),
                sender: funder.public_key(),
                nonce,
                gas_limit: Gas(100_000),
                payload: Payload::Transfer {
                    to: k.public_key().address(),
                    amount: Amount(1_000_000_000),
                },
            }
            .sign(funder),
        );
        nonce = Nonce(nonce.0 + 1);
    }
    submit_in_waves(client, &funding, batch, "funding").await?;

    Ok(keys)
}

/// How many of the sampled receipts could be read, and how many of those failed.
async fn check_receipts(client: &Client, sample: Vec<Hash>) -> (usize, usize) {
    let mut receipts_checked = 0;
    let mut receipts_failed = 0;
    for h in sample {
        if let Ok(Some(r)) = client.rpc().tx_get_receipt(h).await {
            receipts_checked += 1;
            if !r.receipt.is_success() {
                receipts_failed += 1;
            }
        }
    }

    (receipts_checked, receipts_failed)
}

fn print_report(report: &Report) {
    output::rows(&[
        (
            "committed",
            format!(
                "{} of {} ({} rejected)",
                report.committed, report.txs, report.rejected
            ),
        ),
        (
            "throughput",
            format!(
                "{:.0} committed tx/s over {:.2}s",
                report.committed_per_sec, report.elapsed_secs
            ),
        ),
        (
            "yardstick",
            format!(
                "{:.0} signatures/s verified on {} cores, {:.0} on one (this run's {}, batches \
                 as admission checks them)",
                report.ceiling.all_cores_per_sec,
                report.ceiling.cores,
                report.ceiling.one_core_per_sec,
                report.ceiling.signatures
            ),
        ),
        (
            "ratio",
            format!(
                "committed = {:.0}% of every core's verification rate, {:.0}% of one core's",
                report.ratio_to_all_cores * 100.0,
                report.ratio_to_one_core * 100.0
            ),
        ),
        ("submission", format!("{:.0} tx/s", report.submit_per_sec)),
        (
            "latency",
            format!(
                "p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms (submit to finalized)",
                report.latency_p50_ms, report.latency_p99_ms, report.latency_max_ms
            ),
        ),
        (
            "blocks",
            format!("{} (largest {} txs)", report.blocks, report.max_block_txs),
        ),
        (
            "receipts",
            format!(
                "{} of {} sampled failed",
                report.receipts_failed, report.receipts_checked
            ),
        ),
    ]);
    for (code, n) in &report.rejections {
        println!("  rejected {n} × {code}");
    }
}

/// Creates an asset issued by the funder and mints each account plenty of it.
async fn setup_asset(
    client: &Client,
    info: &citychain_client::ChainInfo,
    funder: &SecretKey,
    keys: &[SecretKey],
    batch: usize,
    say: &impl Fn(&str),
) -> anyhow::Result<AssetId> {
    say(&format!(
        "creating an asset and minting it to {} accounts",
        keys.len()
    ));
    let from = funder.public_key().address();
    let mut nonce = client.next_nonce(&from).await?;
    let create = signed(
        info,
        funder,
        nonce,
        AssetTx::Create {
            symbol: "BENCH".into(),
            name: "Bench asset".into(),
            decimals: 0,
            supply_cap: None,
            metadata: Default::default(),
            rule: Default::default(),
        },
    );
    let asset = AssetId::derive(info.suite, &from, nonce);
    submit_in_waves(
        client,
        &[create],
        batch,
        "asset creation (does --key have the issuer role?)",
    )
    .await?;
    nonce = Nonce(nonce.0 + 1);
    let mut mints = Vec::with_capacity(keys.len());
    for k in keys {
        mints.push(signed(
            info,
            funder,
            nonce,
            AssetTx::Mint {
                asset,
                to: k.public_key().address(),
                amount: Amount(1_000_000_000),
            },
        ));
        nonce = Nonce(nonce.0 + 1);
    }
    submit_in_waves(client, &mints, batch, "minting").await?;
    Ok(asset)
}

/// An asset operation signed by `key` with `nonce`.
fn signed(
    info: &citychain_client::ChainInfo,
    key: &SecretKey,
    nonce: Nonce,
    op: AssetTx,
) -> SignedTransaction {
    Transaction {
        chain_id: info.chain_id.clone(),
        sender: key.public_key(),
        nonce,
        gas_limit: Gas(100_000),
        payload: Payload::Asset { op },
    }
    .sign(key)
}

fn asset_payload(asset: AssetId, next: impl Fn(usize) -> Address + Sync + 'static) -> PayloadOf {
    Box::new(move |i, _| Payload::Asset {
        op: AssetTx::Transfer {
            asset,
            to: next(i),
            amount: Amount(1),
        },
    })
}

/// Even nonces offer 1 unit for 1 native unit; odd nonces take the offer the previous
/// account made with the nonce before (its id is known before it runs).
fn offer_payload(asset: AssetId, suite: citychain_crypto::Suite, keys: &[SecretKey]) -> PayloadOf {
    let addresses: Vec<Address> = keys.iter().map(|k| k.public_key().address()).collect();
    let deadline = TimestampMs(super::asset::days_from_now(1).0);
    Box::new(move |i, n| {
        let op = if n % 2 == 0 {
            AssetTx::MakeOffer {
                give: Value::Token {
                    asset,
                    amount: Amount(1),
                },
                want: Value::Native { amount: Amount(1) },
                partial: false,
                taker: None,
                deadline_ms: deadline,
            }
        } else {
            let maker = addresses[(i + addresses.len() - 1) % addresses.len()];
            AssetTx::TakeOffer {
                offer: OfferId::derive(suite, &maker, Nonce(n - 1)),
                amount: Amount(1),
            }
        };
        Payload::Asset { op }
    })
}

/// Nonce `n` of account `i` claims its part of distribution `n`.
fn claim_payload(asset: AssetId, keys: &[SecretKey]) -> PayloadOf {
    let addresses: Vec<Address> = keys.iter().map(|k| k.public_key().address()).collect();
    Box::new(move |i, n| Payload::Asset {
        op: AssetTx::Claim {
            asset,
            record: n,
            holder: addresses[i],
        },
    })
}

/// Makes `count` distributions of native currency to the holders of `asset` (a fresh asset,
/// so their record points are 0 to `count - 1`).
async fn distribute(
    client: &Client,
    info: &citychain_client::ChainInfo,
    funder: &SecretKey,
    asset: AssetId,
    count: usize,
    holders: usize,
) -> anyhow::Result<()> {
    let from = funder.public_key().address();
    let mut nonce = client.next_nonce(&from).await?;
    let until = super::asset::days_from_now(1);
    let mut txs = Vec::with_capacity(count);
    for _ in 0..count {
        txs.push(signed(
            info,
            funder,
            nonce,
            AssetTx::Distribute {
                asset,
                total: Value::Native {
                    amount: Amount(1_000 * holders as u128),
                },
                claim_until_ms: until,
            },
        ));
        nonce = Nonce(nonce.0 + 1);
    }
    submit_in_waves(client, &txs, 500, "distribution").await
}

/// Deploys the token with the funder as holder and gives each account tokens to send.
async fn setup_token(
    client: &Client,
    info: &citychain_client::ChainInfo,
    funder: &SecretKey,
    keys: &[SecretKey],
    args: &BenchArgs,
    say: &impl Fn(&str),
) -> anyhow::Result<Address> {
    let code = std::fs::read(&args.token_wasm).with_context(|| {
        format!(
            "reading the token contract {} (build it with: cd contracts && cargo build \
             --release --target wasm32-unknown-unknown)",
            args.token_wasm.display()
        )
    })?;
    say(&format!(
        "deploying the token and giving {} accounts tokens",
        keys.len()
    ));
    let mut init = citychain_types::codec::Writer::new();
    init.string("Bench Token")
        .string("BENCH")
        .u8(0)
        .u128(u128::from(u64::MAX));
    let from = funder.public_key().address();
    let mut nonce = client.next_nonce(&from).await?;
    let deploy = Transaction {
        chain_id: info.chain_id.clone(),
        sender: funder.public_key(),
        nonce,
        gas_limit: Gas(40_000_000),
        payload: Payload::Deploy {
            code,
            init_args: init.into_bytes(),
        },
    }
    .sign(funder);
    let hash = client.submit(&deploy).await?;
    let receipt = client
        .wait_for_receipt(hash, Duration::from_secs(120))
        .await?;
    if !receipt.receipt.is_success() {
        bail!("deploying the token failed: {}", receipt.receipt.reason);
    }
    let token = Address(
        receipt
            .receipt
            .output
            .as_slice()
            .try_into()
            .context("the deploy receipt carries no address")?,
    );
    nonce = Nonce(nonce.0 + 1);
    let mut handouts = Vec::new();
    for k in keys {
        let mut a = k.public_key().address().0.to_vec();
        a.extend_from_slice(&1_000_000u128.to_be_bytes());
        handouts.push(
            Transaction {
                chain_id: info.chain_id.clone(),
                sender: funder.public_key(),
                nonce,
                gas_limit: Gas(500_000),
                payload: Payload::Call {
                    contract: token,
                    method: "transfer".into(),
                    args: a,
                    value: Amount(0),
                },
            }
            .sign(funder),
        );
        nonce = Nonce(nonce.0 + 1);
    }
    submit_in_waves(client, &handouts, args.batch, "token handout").await?;
    Ok(token)
}

/// Submits one sender's consecutive transactions in waves of 2,000 (the mempool's per-sender
/// window), waiting for each wave's last receipt; fails on any rejection or failed receipt.
async fn submit_in_waves(
    client: &Client,
    txs: &[SignedTransaction],
    batch: usize,
    what: &str,
) -> anyhow::Result<()> {
    for wave in txs.chunks(2_000) {
        for chunk in wave.chunks(batch) {
            let entries = client
                .rpc()
                .tx_submit_batch(
                    chunk
                        .iter()
                        .map(|t| citychain_crypto::hex::encode(t.encode()))
                        .collect(),
                )
                .await?;
            if let Some(e) = entries.iter().find_map(|e| e.error.clone()) {
                bail!("{what} transaction rejected ({}): {}", e.code, e.message);
            }
        }
        let last = wave.last().expect("chunks are never empty").hash();
        let receipt = client
            .wait_for_receipt(last, Duration::from_secs(120))
            .await?;
        if !receipt.receipt.is_success() {
            bail!("{what} failed: {}", receipt.receipt.reason);
        }
    }
    Ok(())
}
