//! Admission: every check, in order, with its code.

use citychain_crypto::{Address, SecretKey, Suite};
use citychain_execution::{BlockContext, read::StateRead};
use citychain_mempool::{CommittedState, Mempool, MempoolConfig};
use citychain_types::{
    Account, Amount, ChainId, ChainParams, Encode, Gas, Nonce, Payload, SignedTransaction,
    Transaction, layout,
};
use commonware_parallel::Sequential;
use futures::executor::block_on;
use parking_lot::Mutex;
use std::{collections::HashMap, sync::Arc};

/// Committed accounts; each change is a new committed height, as a block commit makes one.
#[derive(Default)]
struct Accounts(Mutex<(u64, HashMap<Address, Account>)>);

impl Accounts {
    fn commit(&self, address: Address, account: Account) {
        let mut state = self.0.lock();
        state.0 += 1;
        state.1.insert(address, account);
    }
}

/// The committed state as the pool reads it: these accounts, nothing else.
struct Snapshot(HashMap<Address, Account>);

impl StateRead for Snapshot {
    fn read(&self, key: &[u8]) -> citychain_execution::Result<Option<Vec<u8>>> {
        Ok(self
            .0
            .iter()
            .find(|(address, _)| layout::account_key(address) == key)
            .map(|(_, account)| account.encode()))
    }
}

impl CommittedState for Accounts {
    fn latest(&self) -> Option<(u64, Box<dyn StateRead + Send + Sync>)> {
        let state = self.0.lock();
        Some((state.0, Box::new(Snapshot(state.1.clone()))))
    }
}

fn ctx() -> BlockContext {
    BlockContext {
        chain_id: ChainId::new("pool-test").expect("id"),
        suite: Suite::Ed25519,
        epoch_blocks: citychain_types::DEFAULT_EPOCH_BLOCKS,
    }
}

fn transfer(key: &SecretKey, nonce: u64) -> SignedTransaction {
    Transaction {
        chain_id: ctx().chain_id,
        sender: key.public_key(),
        nonce: Nonce(nonce),
        gas_limit: Gas(100_000),
        payload: Payload::Transfer {
            to: Address([1; 20]),
            amount: Amount(1),
        },
    }
    .sign(key)
}

fn pool(config: MempoolConfig, accounts: Arc<Accounts>) -> Mempool<Sequential> {
    Mempool::new(config, ctx(), ChainParams::default(), accounts, Sequential)
}

fn codes(pool: &Mempool<Sequential>, raws: Vec<Vec<u8>>) -> Vec<&'static str> {
    block_on(pool.submit(raws))
        .into_iter()
        .map(|r| r.map_or_else(|e| e.code(), |_| "ok"))
        .collect()
}

#[test]
fn each_check_rejects_with_its_code() {
    let accounts = Arc::new(Accounts::default());
    let alice = SecretKey::insecure_from_label(Suite::Ed25519, "alice");
    accounts.commit(
        alice.public_key().address(),
        Account {
            nonce: Nonce(5),
            balance: Amount(0),
        },
    );
    let p = pool(
        MempoolConfig {
            nonce_window: 10,
            ..MempoolConfig::default()
        },
        accounts,
    );

    let good = transfer(&alice, 5);
    let mut bad_sig = *good.signature();
    bad_sig.0[10] ^= 1;
    let forged = SignedTransaction::new(transfer(&alice, 6).transaction().clone(), bad_sig);
    let other_chain = Transaction {
        chain_id: ChainId::new("elsewhere").expect("id"),
        ..transfer(&alice, 7).transaction().clone()
    }
    .sign(&alice);
    let sm2_key = SecretKey::insecure_from_label(Suite::Sm2, "sm2");
    let wrong_suite = transfer(&sm2_key, 0);

    let raws = vec![
        good.encode(),
        vec![0xde, 0xad],
        vec![0u8; ChainParams::default().max_tx_bytes as usize + 1],
        forged.encode(),
        other_chain.encode(),
        wrong_suite.encode(),
        transfer(&alice, 4).encode(),
        transfer(&alice, 15).encode(),
        good.encode(),
        Transaction {
            gas_limit: Gas(10),
            ..transfer(&alice, 8).transaction().clone()
        }
        .sign(&alice)
        .encode(),
    ];
    assert_eq!(
        codes(&p, raws),
        vec![
            "ok",
            "malformed",
            "too_large",
            "bad_signature",
            "wrong_chain",
            "wrong_suite",
            "nonce_too_low",
            "nonce_too_high",
            "nonce_conflict",
            "gas_limit_too_low",
        ]
    );
    // Resubmitting an admitted transaction is idempotent.
    assert_eq!(codes(&p, vec![good.encode()]), vec!["ok"]);
    assert_eq!(p.len(), 1);
    let stats = p.stats();
    assert_eq!((stats.pending, stats.admitted), (1, 2));
    assert_eq!(stats.rejected, 9);
}

#[test]
fn per_sender_and_pool_caps_hold() {
    let accounts = Arc::new(Accounts::default());
    let flood = SecretKey::insecure_from_label(Suite::Ed25519, "flood");
    let p = pool(
        MempoolConfig {
            max_txs: 6,
            max_per_sender: 4,
            nonce_window: 100,
            ..MempoolConfig::default()
        },
        accounts,
    );
    let raws: Vec<_> = (0..10).map(|n| transfer(&flood, n).encode()).collect();
    let c = codes(&p, raws);
    assert_eq!(c.iter().filter(|c| **c == "ok").count(), 4);
    assert!(c[4..].iter().all(|c| *c == "sender_cap"));
    // Other senders still get in, up to the pool's capacity.
    let others: Vec<_> = (0..3)
        .map(|i| {
            transfer(
                &SecretKey::insecure_from_label(Suite::Ed25519, &format!("o{i}")),
                0,
            )
            .encode()
        })
        .collect();
    assert_eq!(codes(&p, others), vec!["ok", "ok", "mempool_full"]);
}

#[test]
fn the_pool_holds_a_bounded_number_of_bytes_and_frees_them() {
    let accounts = Arc::new(Accounts::default());
    let alice = SecretKey::insecure_from_label(Suite::Ed25519, "alice");
    let one = transfer(&alice, 0).encoded_len();
    let p = pool(
        MempoolConfig {
            max_bytes: 3 * one,
            ..MempoolConfig::default()
        },
        accounts.clone(),
    );
    let txs: Vec<_> = (0..4).map(|n| transfer(&alice, n)).collect();
    assert_eq!(
        codes(&p, txs.iter().map(|t| t.encode()).collect()),
        vec!["ok", "ok", "ok", "mempool_full"]
    );
    // Committing frees the bytes for new transactions.
    accounts.commit(
        alice.public_key().address(),
        Account {
            nonce: Nonce(2),
            balance: Amount(0),
        },
    );
    p.remove_committed(&txs[..2]);
    assert_eq!(codes(&p, vec![txs[3].encode()]), vec!["ok"]);
}

#[test]
fn committed_transactions_leave_the_pool() {
    let accounts = Arc::new(Accounts::default());
    let alice = SecretKey::insecure_from_label(Suite::Ed25519, "alice");
    let p = pool(MempoolConfig::default(), accounts.clone());
    let txs: Vec<_> = (0..4).map(|n| transfer(&alice, n)).collect();
    assert!(
        codes(&p, txs.iter().map(|t| t.encode()).collect())
            .iter()
            .all(|c| *c == "ok")
    );
    assert_eq!(p.candidates(10).len(), 4);
    assert!(p.contains_verified(&txs[2]));

    // Block with nonces 0 and 1 committed; nonce 2 was also included elsewhere (account at 3).
    accounts.commit(
        alice.public_key().address(),
        Account {
            nonce: Nonce(3),
            balance: Amount(0),
        },
    );
    p.remove_committed(&txs[..2]);
    let left = p.candidates(10);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].transaction().nonce, Nonce(3));
}

#[test]
fn waiting_for_transactions_wakes_on_admission() {
    let accounts = Arc::new(Accounts::default());
    let p = Arc::new(pool(MempoolConfig::default(), accounts));
    let wait = p.wait_for_transactions();
    let alice = SecretKey::insecure_from_label(Suite::Ed25519, "alice");
    assert_eq!(codes(&p, vec![transfer(&alice, 0).encode()]), vec!["ok"]);
    block_on(wait);
    block_on(p.wait_for_transactions()); // non-empty: resolves at once
}

#[test]
fn candidates_come_in_nonce_order_per_sender_taking_turns() {
    let accounts = Arc::new(Accounts::default());
    let p = pool(MempoolConfig::default(), accounts);
    let a = SecretKey::insecure_from_label(Suite::Ed25519, "a");
    let b = SecretKey::insecure_from_label(Suite::Ed25519, "b");
    // Later nonces of a arrive first (concurrent batches can do this).
    let raws = vec![
        transfer(&a, 2).encode(),
        transfer(&a, 3).encode(),
        transfer(&b, 0).encode(),
        transfer(&a, 0).encode(),
        transfer(&a, 1).encode(),
        transfer(&b, 1).encode(),
    ];
    assert!(codes(&p, raws).iter().all(|c| *c == "ok"));
    let order: Vec<(bool, u64)> = p
        .candidates(10)
        .iter()
        .map(|t| {
            (
                t.sender() == a.public_key().address(),
                t.transaction().nonce.0,
            )
        })
        .collect();
    assert_eq!(
        order,
        vec![
            (true, 0),
            (false, 0),
            (true, 1),
            (false, 1),
            (true, 2),
            (true, 3)
        ]
    );
    assert_eq!(p.candidates(3).len(), 3);
}

#[test]
fn waiting_for_new_arrivals() {
    let accounts = Arc::new(Accounts::default());
    let p = pool(MempoolConfig::default(), accounts);
    let alice = SecretKey::insecure_from_label(Suite::Ed25519, "alice");
    let seen = p.arrivals();
    let wait = p.wait_for_new(seen);
    assert_eq!(codes(&p, vec![transfer(&alice, 0).encode()]), vec!["ok"]);
    block_on(wait);
    assert_eq!(p.arrivals(), seen + 1);
}

#[test]
fn the_nonce_window_holds_exactly_window_nonces_and_says_so() {
    let accounts = Arc::new(Accounts::default());
    let alice = SecretKey::insecure_from_label(Suite::Ed25519, "alice");
    let p = pool(MempoolConfig::default(), accounts);
    let window = MempoolConfig::default().nonce_window;
    assert_eq!(window, 4_096, "docs/protocol.md §3 states this window");
    // The last nonce of the window is held (a gap: pending until the ones below arrive)...
    assert_eq!(
        codes(&p, vec![transfer(&alice, window - 1).encode()]),
        vec!["ok"]
    );
    // ...the first one past it is refused, with the window in the message.
    let refused = block_on(p.submit(vec![transfer(&alice, window).encode()]))
        .remove(0)
        .expect_err("outside the window");
    assert_eq!(refused.code(), "nonce_too_high");
    assert_eq!(
        refused.to_string(),
        "nonce 4096 is too far ahead of the account's next nonce 0: the pool holds nonces up to \
         4095 (a window of 4096)"
    );
}

#[test]
fn transactions_behind_a_gap_expire_after_the_configured_blocks() {
    let accounts = Arc::new(Accounts::default());
    let alice = SecretKey::insecure_from_label(Suite::Ed25519, "alice");
    let p = pool(
        MempoolConfig {
            expiry_blocks: 10,
            ..MempoolConfig::default()
        },
        accounts,
    );
    p.expire(5);
    // Nonce 0 never comes (a crashed client): 1 and 2 wait behind the gap.
    assert_eq!(
        codes(
            &p,
            vec![transfer(&alice, 1).encode(), transfer(&alice, 2).encode()]
        ),
        vec!["ok", "ok"]
    );
    assert_eq!(
        p.expire(15),
        0,
        "ten blocks after admission they are still held"
    );
    assert_eq!(p.len(), 2);
    assert_eq!(p.expire(16), 2);
    assert_eq!(p.len(), 0);
    assert_eq!(p.stats().expired, 2);
    // Submitted again, they are admitted afresh.
    assert_eq!(codes(&p, vec![transfer(&alice, 1).encode()]), vec!["ok"]);
}

#[test]
fn admission_reads_each_new_committed_height() {
    let accounts = Arc::new(Accounts::default());
    let alice = SecretKey::insecure_from_label(Suite::Ed25519, "alice");
    let p = pool(MempoolConfig::default(), accounts.clone());
    assert_eq!(codes(&p, vec![transfer(&alice, 0).encode()]), vec!["ok"]);
    // A block elsewhere used nonces up to 4: nonce 1 is stale at the new height, however
    // recently the pool read alice's account at the old one.
    accounts.commit(
        alice.public_key().address(),
        Account {
            nonce: Nonce(5),
            balance: Amount(0),
        },
    );
    assert_eq!(
        codes(
            &p,
            vec![transfer(&alice, 1).encode(), transfer(&alice, 5).encode()]
        ),
        vec!["nonce_too_low", "ok"]
    );
}
