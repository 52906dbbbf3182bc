//! The yardstick: how fast this machine verifies a run's own signatures, so that committed
//! tx/s from different machines and days compare as ratios.

use citychain_types::{Encode, SignedTransaction};
use serde::Serialize;
use std::time::Instant;

/// Signature verification rates of this machine, for the run's own transactions.
#[derive(Clone, Copy, Serialize)]
pub(super) struct Ceiling {
    /// The signatures verified per measurement.
    pub signatures: usize,
    pub cores: usize,
    pub one_core_per_sec: f64,
    pub all_cores_per_sec: f64,
}

/// Most signatures the yardstick verifies (enough for a stable rate, quick on any suite).
const CEILING_SAMPLE: usize = 20_000;

/// Verifies (up to [`CEILING_SAMPLE`] of) `txs`' signatures in batches of `batch`, as the
/// mempool admits a `tx_submitBatch` request, on one thread and then on one thread per core.
pub(super) fn measure_ceiling(txs: &[SignedTransaction], batch: usize) -> Ceiling {
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
