//! One phase of load: pre-signed transactions submitted in batches while a WebSocket
//! subscription watches finalized blocks, until every accepted one is committed.

use anyhow::Context as _;
use citychain_client::{Client, api::*, types::BlockId};
use citychain_crypto::Hash;
use citychain_types::{Encode, SignedTransaction};
use futures::{StreamExt, stream};
use indicatif::{ProgressBar, ProgressStyle};
use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

type Shared<T> = Arc<Mutex<T>>;

/// How a phase is driven.
pub(super) struct Drive {
    /// Transactions per `tx_submitBatch` request.
    pub batch: usize,
    /// Batches in flight at once.
    pub concurrency: usize,
    /// Offered load in transactions per second (`None`: as fast as the node accepts them).
    pub rate: Option<f64>,
    /// Give up waiting for commits after this long.
    pub timeout: Duration,
    /// Receipts to check at the end.
    pub receipt_sample: usize,
    /// Show a progress bar labelled with this.
    pub progress: Option<String>,
}

/// What a phase measured.
pub(super) struct Phase {
    pub sent: usize,
    pub rejected: usize,
    pub rejections: BTreeMap<String, usize>,
    /// Submit-to-finalized latency of each committed transaction, in milliseconds, sorted.
    pub latencies_ms: Vec<f64>,
    /// First submission to last commit.
    pub elapsed_secs: f64,
    pub submit_secs: f64,
    pub blocks: usize,
    pub max_block_txs: usize,
    pub receipts_checked: usize,
    pub receipts_failed: usize,
    pub timed_out: bool,
}

impl Phase {
    pub fn committed(&self) -> usize {
        self.latencies_ms.len()
    }

    pub fn committed_per_sec(&self) -> f64 {
        self.committed() as f64 / self.elapsed_secs.max(1e-9)
    }

    pub fn latency_ms(&self, p: f64) -> f64 {
        percentile(&self.latencies_ms, p)
    }
}

/// Submits `txs` as `how` says and waits until every accepted one is in a finalized block.
pub(super) async fn drive(
    client: &Client,
    txs: &[SignedTransaction],
    how: &Drive,
) -> anyhow::Result<Phase> {
    let bodies: Vec<(Vec<Hash>, Vec<String>)> = txs
        .chunks(how.batch)
        .map(|c| {
            (
                c.iter().map(|t| t.hash()).collect(),
                c.iter()
                    .map(|t| citychain_crypto::hex::encode(t.encode()))
                    .collect(),
            )
        })
        .collect();

    // Watch finalized blocks before the first submission.
    let submitted: Shared<HashMap<Hash, Instant>> =
        Arc::new(Mutex::new(HashMap::with_capacity(txs.len())));
    let latencies: Shared<Vec<f64>> = Arc::new(Mutex::new(Vec::with_capacity(txs.len())));
    // Blocks with our transactions, the most in one, and when the last of them was seen.
    let blocks: Shared<(usize, usize, Option<Instant>)> = Arc::new(Mutex::new((0, 0, None)));
    let ws = client.ws().await?;
    let mut finalized = ws
        .chain_subscribe_finalized()
        .await
        .context("subscribing to finalized blocks")?;
    let progress = match &how.progress {
        None => ProgressBar::hidden(),
        Some(label) => {
            let bar = ProgressBar::new(txs.len() as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:40}] {pos}/{len} committed {per_sec} {msg}",
                )?
                .progress_chars("=> "),
            );
            bar.set_message(label.clone());
            bar
        }
    };
    let watcher = {
        let client = client.clone();
        let (submitted, latencies, blocks, progress) = (
            submitted.clone(),
            latencies.clone(),
            blocks.clone(),
            progress.clone(),
        );
        let target = txs.len();
        tokio::spawn(async move {
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
                    let mut b = blocks.lock().expect("lock");
                    b.0 += 1;
                    b.1 = b.1.max(block.tx_hashes.len());
                    b.2 = Some(now);
                }
                progress.inc(found as u64);
                if latencies.lock().expect("lock").len() >= target {
                    break;
                }
            }
        })
    };

    // Submit.
    let start = Instant::now();
    let rejections: Shared<BTreeMap<String, usize>> = Arc::new(Mutex::new(BTreeMap::new()));
    let batch_interval = how
        .rate
        .map(|r| Duration::from_secs_f64(how.batch as f64 / r.max(1.0)));
    stream::iter(bodies.into_iter().enumerate())
        .map(|(i, (hashes, body))| {
            let (client, submitted, rejections) =
                (client.clone(), submitted.clone(), rejections.clone());
            async move {
                // With a rate, batch i leaves at start + i * interval (an open-loop schedule).
                if let Some(interval) = batch_interval {
                    tokio::time::sleep_until((start + interval * i as u32).into()).await;
                }
                let now = Instant::now();
                submitted
                    .lock()
                    .expect("lock")
                    .extend(hashes.iter().map(|h| (*h, now)));
                let failures: Vec<(Hash, String)> =
                    match client.rpc().tx_submit_batch(body.into()).await {
                        Ok(entries) => hashes
                            .iter()
                            .zip(entries)
                            .filter_map(|(h, e)| e.error.map(|err| (*h, err.code)))
                            .collect(),
                        Err(e) => hashes
                            .iter()
                            .map(|h| (*h, format!("request failed: {e}")))
                            .collect(),
                    };
                let mut s = submitted.lock().expect("lock");
                let mut r = rejections.lock().expect("lock");
                for (h, why) in failures {
                    s.remove(&h);
                    *r.entry(why).or_default() += 1;
                }
            }
        })
        .buffer_unordered(how.concurrency.max(1))
        .collect::<Vec<()>>()
        .await;
    let submit_secs = start.elapsed().as_secs_f64();
    let rejections = rejections.lock().expect("lock").clone();
    let rejected: usize = rejections.values().sum();
    let accepted = txs.len() - rejected;

    let waited = tokio::time::timeout(how.timeout, async {
        while latencies.lock().expect("lock").len() < accepted {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    watcher.abort();
    progress.finish_and_clear();

    // Committed is not succeeded: check a sample of receipts.
    let sample: Vec<Hash> = submitted
        .lock()
        .expect("lock")
        .keys()
        .take(how.receipt_sample)
        .copied()
        .collect();
    let (receipts_checked, receipts_failed) = check_receipts(client, sample).await;

    let mut latencies_ms = latencies.lock().expect("lock").clone();
    latencies_ms.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let (blocks, max_block_txs, last_commit) = *blocks.lock().expect("lock");
    let elapsed_secs = last_commit
        .unwrap_or_else(Instant::now)
        .duration_since(start)
        .as_secs_f64();
    Ok(Phase {
        sent: txs.len(),
        rejected,
        rejections,
        latencies_ms,
        elapsed_secs,
        submit_secs,
        blocks,
        max_block_txs,
        receipts_checked,
        receipts_failed,
        timed_out: waited.is_err(),
    })
}

/// How many of the sampled receipts could be read, and how many of those failed.
async fn check_receipts(client: &Client, sample: Vec<Hash>) -> (usize, usize) {
    let mut checked = 0;
    let mut failed = 0;
    for h in sample {
        if let Ok(Some(r)) = client.rpc().tx_get_receipt(h).await {
            checked += 1;
            if !r.receipt.is_success() {
                failed += 1;
            }
        }
    }
    (checked, failed)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}
