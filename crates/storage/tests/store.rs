//! Crash and corruption behaviour of the chain store.

use citychain_crypto::{Address, Hash, SecretKey, Suite};
use citychain_state::StateView;
use citychain_storage::{ChainStore, Error, StoredBlock};
use citychain_types::{
    Amount, Block, BlockHeader, ChainId, Encode, Gas, Height, Nonce, Payload, Receipt, TimestampMs,
    Transaction, ValidatorKey, block::tx_root,
};
use std::{fs, path::Path, sync::Arc};

const GENESIS: Hash = Hash([42; 32]);

fn block(parent: Hash, height: u64, state_root: Hash) -> (Arc<Block>, Arc<Vec<Receipt>>) {
    block_of(parent, height, state_root, 1)
}

/// The `i`-th transfer's recipient in [`block_of`]: even ones go to the zero address, odd
/// ones to `[1; 20]`.
fn recipient_of(i: usize) -> Address {
    if i.is_multiple_of(2) {
        Address::default()
    } else {
        Address([1; 20])
    }
}

/// A block of `n` transfers from one sender (see [`recipient_of`]).
fn block_of(
    parent: Hash,
    height: u64,
    state_root: Hash,
    n: usize,
) -> (Arc<Block>, Arc<Vec<Receipt>>) {
    let key = SecretKey::insecure_from_label(Suite::Ed25519, "s");
    let txs: Vec<_> = (0..n)
        .map(|i| {
            Transaction {
                chain_id: ChainId::new("store-test").expect("id"),
                sender: key.public_key(),
                nonce: Nonce(height * n as u64 + i as u64),
                gas_limit: Gas(10_000),
                payload: Payload::Transfer {
                    to: recipient_of(i),
                    amount: Amount(1),
                },
            }
            .sign(&key)
        })
        .collect();
    let receipts: Vec<Receipt> = txs
        .iter()
        .map(|tx| Receipt::success(tx.hash(), Gas(5), vec![], vec![]))
        .collect();
    let header = BlockHeader {
        chain_id: ChainId::new("store-test").expect("id"),
        height: Height(height),
        parent,
        timestamp: TimestampMs(height),
        epoch: 0,
        view: height,
        parent_view: height.saturating_sub(1),
        proposer: ValidatorKey([1; 32]),
        tx_root: tx_root(Suite::Ed25519, &txs),
        tx_count: txs.len() as u32,
        state_root,
        receipts_root: citychain_types::block::receipts_root(Suite::Ed25519, &receipts),
        gas_used: Gas(5),
        suite: Suite::Ed25519,
    };
    (
        Arc::new(Block {
            header,
            transactions: txs,
        }),
        Arc::new(receipts),
    )
}

/// Commits `n` blocks (each writing key `h`), returning their hashes.
fn commit_chain(store: &ChainStore, n: u64) -> Vec<Hash> {
    let mut hashes = Vec::new();
    for h in 0..n {
        let view = StateView::committed(store.state().clone(), store.head().map(|hd| hd.height.0));
        let pending = view
            .apply([(h.to_be_bytes().to_vec(), Some(vec![h as u8]))].into())
            .expect("apply");
        let parent = store.head().map_or(Hash::ZERO, |hd| hd.hash);
        let (b, r) = block(parent, h, pending.root());
        store.commit(&b, &r, &pending).expect("commit");
        hashes.push(b.hash());
    }
    hashes
}

fn open(dir: &Path) -> citychain_storage::Opened {
    ChainStore::open(dir, Suite::Ed25519, GENESIS).expect("open")
}

#[test]
fn committed_blocks_survive_reopen_with_indexes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hashes = {
        let opened = open(dir.path());
        commit_chain(&opened.store, 3)
    };
    let opened = open(dir.path());
    assert!(opened.unexecuted.is_empty());
    assert!(opened.repaired_tail.is_none());
    let store = opened.store;
    let head = store.head().expect("head");
    assert_eq!(head.height, Height(2));
    assert_eq!(head.hash, hashes[2]);
    let stored = store
        .stored_block(Height(1))
        .expect("read")
        .expect("present");
    assert_eq!(stored.block.hash(), hashes[1]);
    assert_eq!(stored.receipts.len(), 1);
    assert_eq!(store.height_of(&hashes[0]).expect("index"), Some(Height(0)));
    let tx = stored.block.transactions[0].hash();
    let loc = store.tx_location(&tx).expect("index").expect("indexed");
    assert_eq!((loc.height, loc.index), (Height(1), 0));
    // The committed state is readable and provable at the head.
    assert_eq!(
        store.state().get(&2u64.to_be_bytes()).expect("get"),
        Some(vec![2])
    );
    let (value, proof) = store.state().prove(&2u64.to_be_bytes(), 2).expect("prove");
    proof
        .verify(
            Suite::Ed25519,
            &head.state_root,
            &2u64.to_be_bytes(),
            value.as_deref(),
        )
        .expect("valid");
}

#[test]
fn blocks_logged_but_not_indexed_are_returned_for_replay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (logged, logged_hash) = {
        let opened = open(dir.path());
        commit_chain(&opened.store, 2);
        let head = opened.store.head().expect("head");
        // Power loss after the log sync, before the index batch reached disk.
        let (b, r) = block(head.hash, 2, Hash([9; 32]));
        let stored = StoredBlock {
            block: b.clone(),
            receipts: r,
        };
        opened
            .store
            .log()
            .append(2, &stored.encode())
            .expect("append");
        (stored, b.hash())
    };
    let opened = open(dir.path());
    assert_eq!(opened.store.head().expect("head").height, Height(1));
    assert_eq!(opened.unexecuted.len(), 1);
    assert_eq!(opened.unexecuted[0].0, logged);
    assert_eq!(opened.unexecuted[0].0.block.hash(), logged_hash);
}

#[test]
fn a_torn_last_record_is_cut_and_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let opened = open(dir.path());
        commit_chain(&opened.store, 2);
    }
    let seg = dir.path().join("blocks/seg-00000000.log");
    let good_len = fs::metadata(&seg).expect("meta").len();
    // Half a record: a header promising 1000 bytes and only 10 of them.
    let mut partial = b"CCBL".to_vec();
    partial.extend(2u64.to_be_bytes());
    partial.extend(1000u32.to_be_bytes());
    partial.extend([0u8; 4]);
    partial.extend([7u8; 10]);
    let mut bytes = fs::read(&seg).expect("read");
    bytes.extend(partial);
    fs::write(&seg, bytes).expect("write");

    let opened = open(dir.path());
    let repaired = opened.repaired_tail.expect("repaired");
    assert_eq!(repaired.file, seg);
    assert_eq!(repaired.offset, good_len);
    assert!(
        repaired.problem.contains("truncated record of height 2"),
        "{}",
        repaired.problem
    );
    assert_eq!(
        fs::metadata(&seg).expect("meta").len(),
        good_len,
        "the torn bytes are gone"
    );
    // And the chain continues from there.
    commit_chain_from(&opened.store, 2, 3);
}

fn commit_chain_from(store: &ChainStore, from: u64, to: u64) {
    for h in from..to {
        let view = StateView::committed(store.state().clone(), store.head().map(|hd| hd.height.0));
        let pending = view
            .apply([(h.to_be_bytes().to_vec(), Some(vec![h as u8]))].into())
            .expect("apply");
        let (b, r) = block(store.head().expect("head").hash, h, pending.root());
        store.commit(&b, &r, &pending).expect("commit");
    }
}

#[test]
fn a_corrupt_committed_block_refuses_to_start_and_names_the_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let opened = open(dir.path());
        commit_chain(&opened.store, 3);
    }
    let seg = dir.path().join("blocks/seg-00000000.log");
    let mut bytes = fs::read(&seg).expect("read");
    let last = bytes.len() - 3;
    bytes[last] ^= 0x55; // inside the head's record
    fs::write(&seg, bytes).expect("write");
    match ChainStore::open(dir.path(), Suite::Ed25519, GENESIS) {
        Err(Error::Corrupt {
            file,
            offset,
            problem,
        }) => {
            assert_eq!(file, seg);
            assert!(offset > 0);
            assert!(problem.contains("checksum"), "{problem}");
        }
        Err(other) => panic!("expected a corruption error, got {other}"),
        Ok(_) => panic!("must refuse to open"),
    }
}

#[test]
fn reads_never_serve_corrupt_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    commit_chain(&open(dir.path()).store, 3);
    // Reopened, so that no block is held in memory since its commit: reads go to the log.
    let opened = open(dir.path());
    let seg = dir.path().join("blocks/seg-00000000.log");
    let mut bytes = fs::read(&seg).expect("read");
    bytes[30] ^= 0x01; // inside block 0's payload
    fs::write(&seg, bytes).expect("write");
    let err = opened.store.stored_block(Height(0)).expect_err("corrupt");
    assert!(
        err.to_string().contains("seg-00000000.log: byte 0"),
        "{err}"
    );
    assert!(
        opened
            .store
            .stored_block(Height(1))
            .expect("intact")
            .is_some()
    );
}

#[test]
fn wrong_genesis_and_out_of_order_commits_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let opened = open(dir.path());
        commit_chain(&opened.store, 1);
        let view = StateView::committed(opened.store.state().clone(), Some(0));
        let pending = view.apply(Default::default()).expect("apply");
        let (b, r) = block(Hash([1; 32]), 1, pending.root());
        let err = opened
            .store
            .commit(&b, &r, &pending)
            .expect_err("wrong parent");
        assert!(matches!(err, Error::OutOfOrder { .. }));
    }
    let err = ChainStore::open(dir.path(), Suite::Ed25519, Hash([1; 32]))
        .err()
        .expect("other chain");
    assert!(err.to_string().contains("another chain"), "{err}");
}

#[test]
fn the_account_index_lists_an_accounts_transactions_newest_first_and_says_where_it_starts() {
    use citychain_storage::StoreOptions;
    let dir = tempfile::tempdir().expect("tempdir");
    let sender = SecretKey::insecure_from_label(Suite::Ed25519, "s")
        .public_key()
        .address();
    let recipient = citychain_crypto::Address::default();
    let stranger = citychain_crypto::Address([7; 20]);
    let opened = open(dir.path());
    commit_chain(&opened.store, 5);
    let store = opened.store;
    assert_eq!(store.account_index_from().expect("meta"), Some(Height(0)));

    let page = store
        .account_txs(&sender, None, 2)
        .expect("read")
        .expect("on");
    let heights: Vec<u64> = page.iter().map(|t| t.height.0).collect();
    assert_eq!(heights, vec![4, 3], "newest first");
    let block3 = store.block(Height(3)).expect("read").expect("block");
    assert_eq!(page[1].hash, block3.transactions[0].hash());
    let older = store
        .account_txs(&sender, Some((Height(3), 0)), 10)
        .expect("read")
        .expect("on");
    let heights: Vec<u64> = older.iter().map(|t| t.height.0).collect();
    assert_eq!(heights, vec![2, 1, 0], "strictly before the position");
    // The transfers' recipient has the same history; a stranger has none.
    assert_eq!(
        store
            .account_txs(&recipient, None, 10)
            .expect("read")
            .expect("on")
            .len(),
        5
    );
    assert!(
        store
            .account_txs(&stranger, None, 10)
            .expect("read")
            .expect("on")
            .is_empty()
    );
    drop(store);

    // Turned off: nothing answers, and turning it on again says history before is incomplete.
    let off = StoreOptions {
        no_account_index: true,
        ..StoreOptions::default()
    };
    let opened = ChainStore::open_with(dir.path(), Suite::Ed25519, GENESIS, off).expect("open");
    assert_eq!(opened.store.account_index_from().expect("meta"), None);
    assert_eq!(
        opened.store.account_txs(&sender, None, 10).expect("read"),
        None
    );
    commit_chain_from(&opened.store, 5, 7);
    drop(opened);
    let store = open(dir.path()).store;
    assert_eq!(store.account_index_from().expect("meta"), Some(Height(7)));
    let heights = history_heights(&store, &sender);
    assert_eq!(
        heights,
        vec![4, 3, 2, 1, 0],
        "blocks 5 and 6 were not indexed"
    );
}

/// The heights of `account`'s latest 10 history entries, newest first.
fn history_heights(store: &ChainStore, account: &Address) -> Vec<u64> {
    store
        .account_txs(account, None, 10)
        .expect("read")
        .expect("on")
        .iter()
        .map(|t| t.height.0)
        .collect()
}

/// Commits blocks of `n` transfers at heights `from..to`.
fn commit_blocks_of(store: &ChainStore, from: u64, to: u64, n: usize) {
    for h in from..to {
        let view = StateView::committed(store.state().clone(), store.head().map(|hd| hd.height.0));
        let pending = view
            .apply([(h.to_be_bytes().to_vec(), Some(vec![h as u8]))].into())
            .expect("apply");
        let parent = store.head().map_or(Hash::ZERO, |hd| hd.hash);
        let (b, r) = block_of(parent, h, pending.root(), n);
        store.commit(&b, &r, &pending).expect("commit");
    }
}

#[test]
fn account_history_pages_through_blocks_of_many_transactions_without_gaps_or_repeats() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path()).store;
    commit_blocks_of(&store, 0, 4, 7);
    let sender = SecretKey::insecure_from_label(Suite::Ed25519, "s")
        .public_key()
        .address();
    let odd = recipient_of(1);
    for (account, expected) in [(sender, 28), (odd, 12)] {
        // Pages of 5, each continuing strictly before the last entry of the one before.
        let mut seen = Vec::new();
        let mut before = None;
        loop {
            let page = store
                .account_txs(&account, before, 5)
                .expect("read")
                .expect("on");
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= 5);
            let last = page.last().expect("non-empty");
            before = Some((last.height, last.index));
            seen.extend(page);
        }
        assert_eq!(seen.len(), expected, "every transaction of {account}, once");
        let positions: Vec<(u64, u32)> = seen.iter().map(|t| (t.height.0, t.index)).collect();
        let mut sorted = positions.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        sorted.dedup();
        assert_eq!(positions, sorted, "newest first, no repeats");
        for t in &seen {
            let block = store.block(t.height).expect("read").expect("block");
            let tx = &block.transactions[t.index as usize];
            assert_eq!(t.hash, tx.hash(), "the entry names its transaction");
            if account == odd {
                assert_eq!(t.index % 2, 1, "only transfers to the odd recipient");
            }
        }
    }
}

#[test]
fn recent_blocks_read_from_memory_equal_the_logged_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opened = open(dir.path());
    commit_blocks_of(&opened.store, 0, 12, 3);
    let live: Vec<_> = (0..12)
        .map(|h| {
            let stored = opened.store.stored_block(Height(h)).expect("read");
            let header = opened.store.header(Height(h)).expect("read");
            (stored.expect("block"), header.expect("header"))
        })
        .collect();
    drop(opened);
    // A reopened store has nothing in memory: every block comes from the log.
    let store = open(dir.path()).store;
    for (h, (stored, header)) in live.into_iter().enumerate() {
        let logged = store.stored_block(Height(h as u64)).expect("read");
        assert_eq!(Some(&stored), logged.as_ref(), "block {h}");
        assert_eq!(header, stored.block.header, "header {h}");
        assert_eq!(
            store.header(Height(h as u64)).expect("read"),
            Some(header),
            "logged header {h}"
        );
    }
    assert_eq!(store.header(Height(12)).expect("read"), None);
}

#[test]
fn an_account_index_of_the_earlier_layout_is_dropped_and_the_gap_announced() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let off = citychain_storage::StoreOptions {
            no_account_index: true,
            ..Default::default()
        };
        let opened = ChainStore::open_with(dir.path(), Suite::Ed25519, GENESIS, off).expect("open");
        commit_chain(&opened.store, 3);
    }
    {
        // What an earlier version left: its per-transaction keyspace, complete from genesis.
        let db = fjall::Database::builder(dir.path().join("index"))
            .open()
            .expect("db");
        let ks = |name| {
            db.keyspace(name, fjall::KeyspaceCreateOptions::default)
                .expect("keyspace")
        };
        ks("account_txs")
            .insert([1u8; 32], [2u8; 32])
            .expect("insert");
        ks("meta")
            .insert(b"account_index_from", 0u64.to_be_bytes())
            .expect("insert");
    }
    let store = open(dir.path()).store;
    assert_eq!(
        store.account_index_from().expect("meta"),
        Some(Height(3)),
        "the history before the upgrade is not claimed"
    );
    commit_chain_from(&store, 3, 4);
    let sender = SecretKey::insecure_from_label(Suite::Ed25519, "s")
        .public_key()
        .address();
    let heights = history_heights(&store, &sender);
    assert_eq!(heights, vec![3]);
    drop(store);
    let db = fjall::Database::builder(dir.path().join("index"))
        .open()
        .expect("db");
    assert!(
        !db.keyspace_exists("account_txs"),
        "the old keyspace is gone"
    );
}
