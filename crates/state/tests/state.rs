//! Property tests of the authenticated state: roots, proofs and the pending chain.

use citychain_crypto::Suite;
use citychain_state::{StateStore, StateView, WriteSet};
use fjall::Database;
use proptest::prelude::*;
use std::collections::BTreeMap;

struct Fixture {
    _dir: tempfile::TempDir,
    db: Database,
    store: StateStore,
}

fn fixture(suite: Suite) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Database::builder(dir.path()).open().expect("open fjall");
    let store = StateStore::open(&db, suite).expect("open store");
    Fixture {
        _dir: dir,
        db,
        store,
    }
}

impl Fixture {
    /// Applies each write set as the next version and commits it.
    fn commit_all(&self, sets: &[WriteSet]) -> Vec<citychain_crypto::Hash> {
        let mut roots = Vec::new();
        let mut view = StateView::committed(self.store.clone(), None);
        for writes in sets {
            let pending = view.apply(writes.clone()).expect("apply");
            let mut batch = self.db.batch();
            self.store.write_pending(&mut batch, &pending);
            batch.commit().expect("commit");
            pending.detach_parent();
            roots.push(pending.root());
            view = StateView::committed(self.store.clone(), Some(pending.version()));
        }
        roots
    }
}

fn kv_strategy() -> impl Strategy<Value = BTreeMap<Vec<u8>, Vec<u8>>> {
    prop::collection::btree_map(
        prop::collection::vec(any::<u8>(), 1..24),
        prop::collection::vec(any::<u8>(), 0..40),
        1..60,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The root depends only on the final contents, not on how they were split into versions.
    #[test]
    fn root_is_independent_of_insertion_order(kvs in kv_strategy(), split in 1usize..5, sm2 in any::<bool>()) {
        let suite = if sm2 { Suite::Sm2 } else { Suite::Ed25519 };
        let all: Vec<_> = kvs.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect();

        let one = fixture(suite);
        let one_root = *one.commit_all(&[all.iter().cloned().collect()]).last().expect("root");

        let many = fixture(suite);
        let mut reversed = all.clone();
        reversed.reverse();
        let chunk = reversed.len().div_ceil(split);
        let sets: Vec<WriteSet> = reversed.chunks(chunk).map(|c| c.iter().cloned().collect()).collect();
        let many_root = *many.commit_all(&sets).last().expect("root");
        prop_assert_eq!(one_root, many_root);
    }

    /// The batched insert path and the per-key path (taken when a write set deletes) build the
    /// same tree: deleting a key that does not exist changes nothing.
    #[test]
    fn batched_and_per_key_updates_agree(base in kv_strategy(), update in kv_strategy(), sm2 in any::<bool>()) {
        let suite = if sm2 { Suite::Sm2 } else { Suite::Ed25519 };
        let first: WriteSet = base.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect();
        let second: WriteSet = update.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect();
        let mut second_with_delete = second.clone();
        second_with_delete.insert(b"never-written-key-with-a-long-name".to_vec(), None);

        let batched = fixture(suite);
        let per_key = fixture(suite);
        let a = batched.commit_all(&[first.clone(), second]);
        let b = per_key.commit_all(&[first, second_with_delete]);
        prop_assert_eq!(a, b);
    }

    /// Every present key has an inclusion proof, absent keys have exclusion proofs, and a
    /// tampered proof fails.
    #[test]
    fn every_proof_verifies(kvs in kv_strategy(), absent in prop::collection::vec(prop::collection::vec(any::<u8>(), 25..30), 1..8), sm2 in any::<bool>()) {
        let suite = if sm2 { Suite::Sm2 } else { Suite::Ed25519 };
        let f = fixture(suite);
        let writes: WriteSet = kvs.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect();
        let root = f.commit_all(&[writes])[0];
        for (k, v) in &kvs {
            let (value, proof) = f.store.prove(k, 0).expect("prove");
            prop_assert_eq!(value.as_ref(), Some(v));
            prop_assert!(proof.verify(suite, &root, k, Some(v)).is_ok());
            prop_assert!(proof.verify(suite, &root, k, None).is_err(), "present key cannot be proven absent");
            let mut wrong = v.clone();
            wrong.push(1);
            prop_assert!(proof.verify(suite, &root, k, Some(&wrong)).is_err());
            if !proof.siblings.is_empty() {
                let mut tampered = proof.clone();
                tampered.siblings[0].0[31] ^= 1;
                prop_assert!(tampered.verify(suite, &root, k, Some(v)).is_err());
            }
        }
        for k in &absent {
            let (value, proof) = f.store.prove(k, 0).expect("prove");
            prop_assert!(value.is_none());
            prop_assert!(proof.verify(suite, &root, k, None).is_ok());
            prop_assert!(proof.verify(suite, &root, k, Some(b"x")).is_err());
        }
    }
}

#[test]
fn deletes_and_old_versions() {
    let f = fixture(Suite::Ed25519);
    let v0: WriteSet = [
        (b"a".to_vec(), Some(b"1".to_vec())),
        (b"b".to_vec(), Some(b"2".to_vec())),
    ]
    .into();
    let v1: WriteSet = [(b"a".to_vec(), None), (b"c".to_vec(), Some(b"3".to_vec()))].into();
    let roots = f.commit_all(&[v0, v1]);
    // At version 1 "a" is gone, at version 0 it is still provable.
    let (now, proof_now) = f.store.prove(b"a", 1).expect("prove");
    assert!(now.is_none());
    proof_now
        .verify(Suite::Ed25519, &roots[1], b"a", None)
        .expect("absent now");
    let (then, proof_then) = f.store.prove(b"a", 0).expect("prove");
    assert_eq!(then.as_deref(), Some(&b"1"[..]));
    proof_then
        .verify(Suite::Ed25519, &roots[0], b"a", Some(b"1"))
        .expect("present then");
    assert_eq!(f.store.get(b"a").expect("get"), None);
    assert_eq!(f.store.get(b"c").expect("get").as_deref(), Some(&b"3"[..]));
    assert!(f.store.prove(b"a", 7).is_err(), "unknown version");
}

#[test]
fn pending_chain_reads_through_and_commits_in_order() {
    let f = fixture(Suite::Sm2);
    let genesis = StateView::committed(f.store.clone(), None);
    let p0 = genesis
        .apply([(b"k".to_vec(), Some(b"0".to_vec()))].into())
        .expect("v0");
    let p1 = StateView::pending(f.store.clone(), p0.clone())
        .apply(
            [
                (b"k".to_vec(), Some(b"1".to_vec())),
                (b"j".to_vec(), Some(b"x".to_vec())),
            ]
            .into(),
        )
        .expect("v1");
    // A sibling fork at version 1 does not see p1's writes.
    let fork = StateView::pending(f.store.clone(), p0.clone())
        .apply([(b"z".to_vec(), Some(b"9".to_vec()))].into())
        .expect("fork");
    let on_p1 = StateView::pending(f.store.clone(), p1.clone());
    assert_eq!(on_p1.get(b"k").expect("get").as_deref(), Some(&b"1"[..]));
    let on_fork = StateView::pending(f.store.clone(), fork.clone());
    assert_eq!(on_fork.get(b"k").expect("get").as_deref(), Some(&b"0"[..]));
    assert_eq!(on_fork.get(b"j").expect("get"), None);
    assert_ne!(p1.root(), fork.root());

    // Commit p0 then p1; the store now has p1's root and the same reads.
    for p in [&p0, &p1] {
        let mut batch = f.db.batch();
        f.store.write_pending(&mut batch, p);
        batch.commit().expect("commit");
        p.detach_parent();
    }
    let committed = StateView::committed(f.store.clone(), Some(1));
    assert_eq!(committed.root().expect("root"), p1.root());
    assert_eq!(
        committed.get(b"j").expect("get").as_deref(),
        Some(&b"x"[..])
    );

    // The same writes applied in one go from scratch give the same root.
    let g = fixture(Suite::Sm2);
    let roots = g.commit_all(&[
        [(b"k".to_vec(), Some(b"0".to_vec()))].into(),
        [
            (b"k".to_vec(), Some(b"1".to_vec())),
            (b"j".to_vec(), Some(b"x".to_vec())),
        ]
        .into(),
    ]);
    assert_eq!(roots[1], p1.root());
}

#[test]
fn empty_blocks_keep_the_root() {
    let f = fixture(Suite::Ed25519);
    let roots = f.commit_all(&[
        [(b"a".to_vec(), Some(b"1".to_vec()))].into(),
        WriteSet::new(),
        WriteSet::new(),
        [(b"b".to_vec(), Some(b"2".to_vec()))].into(),
    ]);
    assert_eq!(roots[0], roots[1]);
    assert_eq!(roots[1], roots[2]);
    assert_ne!(roots[2], roots[3]);
}

/// Prefix iteration through committed values and pending layers gives what a plain map would:
/// the newest value of each key, deletions skipped, keys outside the prefix never.
#[test]
fn prefix_iteration_sees_the_newest_layer() {
    let f = fixture(Suite::Ed25519);
    let set = |items: &[(&[u8], Option<&[u8]>)]| -> WriteSet {
        items
            .iter()
            .map(|(k, v)| (k.to_vec(), v.map(<[u8]>::to_vec)))
            .collect()
    };
    f.commit_all(&[set(&[
        (b"a1", Some(b"old")),
        (b"a2", Some(b"x")),
        (b"a4", Some(b"y")),
        (b"b1", Some(b"other prefix")),
    ])]);
    let committed = StateView::committed(f.store.clone(), Some(0));
    let p1 = committed
        .apply(set(&[
            (b"a2", None),
            (b"a3", Some(b"new")),
            (b"a1", Some(b"v1")),
        ]))
        .expect("apply");
    let v1 = StateView::pending(f.store.clone(), p1);
    let p2 = v1
        .apply(set(&[(b"a4", None), (b"a5", Some(b"z"))]))
        .expect("apply");
    let view = StateView::pending(f.store.clone(), p2);

    let mut seen = Vec::new();
    let mut cursor: Option<Vec<u8>> = None;
    while let Some((k, v)) = view.next_key(b"a", cursor.as_deref()).expect("next") {
        seen.push((k.clone(), v));
        cursor = Some(k);
    }
    let expected: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (b"a1".to_vec(), b"v1".to_vec()),
        (b"a3".to_vec(), b"new".to_vec()),
        (b"a5".to_vec(), b"z".to_vec()),
    ];
    assert_eq!(seen, expected);
    assert_eq!(view.next_key(b"c", None).expect("next"), None);
    assert_eq!(
        view.next_key(b"b", None).expect("next"),
        Some((b"b1".to_vec(), b"other prefix".to_vec()))
    );
}

/// A view on the empty pre-genesis state reads nothing from a store that already holds a
/// chain: a node recomputing its genesis on restart sees what a fresh node sees, and gets the
/// same root.
#[test]
fn the_pre_genesis_view_ignores_a_chain_already_in_the_store() {
    let f = fixture(Suite::Ed25519);
    let genesis: WriteSet = [(b"g".to_vec(), Some(b"0".to_vec()))].into();
    let fresh_root = f.commit_all(&[
        genesis.clone(),
        [(b"later".to_vec(), Some(b"1".to_vec()))].into(),
    ])[0];
    let empty = StateView::committed(f.store.clone(), None);
    assert_eq!(empty.get(b"later").expect("get"), None);
    assert_eq!(empty.get(b"g").expect("get"), None);
    assert_eq!(empty.next_key(b"", None).expect("scan"), None);
    let again = empty.apply(genesis).expect("genesis again");
    assert_eq!(again.root(), fresh_root);
    let on_genesis = empty.then(again);
    assert_eq!(
        on_genesis.get(b"g").expect("get").as_deref(),
        Some(&b"0"[..])
    );
    assert_eq!(
        on_genesis.get(b"later").expect("get"),
        None,
        "not from the store"
    );
    assert_eq!(
        on_genesis
            .next_key(b"", None)
            .expect("scan")
            .map(|(k, _)| k),
        Some(b"g".to_vec())
    );
    // The committed head still reads the store.
    let head = StateView::committed(f.store.clone(), Some(1));
    assert_eq!(head.get(b"later").expect("get").as_deref(), Some(&b"1"[..]));
}
