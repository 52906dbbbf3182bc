//! Measures the authenticated state: updating, committing and proving.
//!
//! `cargo bench -p citychain-state --bench tree` prints the median of several runs for a tree of
//! 100,000 accounts updated 10,000 keys at a time (about what a block of 5,000 transfers writes).

use citychain_crypto::Suite;
use citychain_state::{StateStore, StateView, WriteSet};
use citychain_types::Encode;
use std::time::Instant;

fn key(i: u64) -> Vec<u8> {
    let mut k = vec![0x01];
    k.extend_from_slice(&Suite::Ed25519.hash(&i.to_be_bytes()).0[..20]);
    k
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    v[v.len() / 2]
}

fn main() {
    for suite in Suite::ALL {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = fjall::Database::builder(dir.path()).open().expect("db");
        let store = StateStore::open(&db, suite).expect("store");
        const BASE: u64 = 100_000;
        const UPDATE: u64 = 10_000;

        let writes: WriteSet = (0..BASE).map(|i| (key(i), Some(vec![7u8; 24]))).collect();
        let start = Instant::now();
        let p = StateView::committed(store.clone(), None)
            .apply(writes)
            .expect("apply");
        let mut batch = db.batch();
        store.write_pending(&mut batch, &p);
        batch.commit().expect("commit");
        let base_secs = start.elapsed().as_secs_f64();

        let (mut apply_ms, mut commit_ms) = (Vec::new(), Vec::new());
        let mut version = 0u64;
        for run in 0..7u64 {
            let writes: WriteSet = (0..UPDATE)
                .map(|j| {
                    (
                        key((j * 7919 + run * 104_729) % BASE),
                        Some((run * UPDATE + j).to_be_bytes().repeat(3)),
                    )
                })
                .collect();
            let view = StateView::committed(store.clone(), Some(version));
            let t = Instant::now();
            let p = view.apply(writes).expect("apply");
            apply_ms.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            let mut batch = db.batch().durability(Some(fjall::PersistMode::Buffer));
            store.write_pending(&mut batch, &p);
            batch.commit().expect("commit");
            commit_ms.push(t.elapsed().as_secs_f64() * 1e3);
            version += 1;
        }

        let mut prove_us = Vec::new();
        let mut proof_bytes = Vec::new();
        for i in 0..2_000u64 {
            let k = key((i * 31) % BASE);
            let t = Instant::now();
            let (_, proof) = store.prove(&k, version).expect("prove");
            prove_us.push(t.elapsed().as_secs_f64() * 1e6);
            proof_bytes.push(proof.encode().len() as f64);
        }
        println!(
            "{suite}: base {BASE} keys in {base_secs:.2} s; update {UPDATE} keys: root {:.1} ms, commit {:.1} ms (median of 7); proof {:.1} us, {:.0} bytes (median of 2000)",
            median(apply_ms),
            median(commit_ms),
            median(prove_us),
            median(proof_bytes)
        );
    }
}
