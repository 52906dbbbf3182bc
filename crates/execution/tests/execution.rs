//! Executing transactions against a real state store.

use citychain_crypto::{Address, SecretKey, Suite};
use citychain_execution::{
    BlockContext, BlockError, BlockInfo, Executor, InvalidTx, execute_block, genesis_writes,
};
use citychain_state::{StateStore, StateView};
use citychain_types::{
    Account, Amount, ChainId, ChainParams, Decode, Gas, Genesis, GenesisAccount, Nonce, Payload,
    SignedTransaction, Status, TimestampMs, Transaction, Validator, ValidatorKey, layout,
};

const BLOCK: BlockInfo = BlockInfo {
    height: citychain_types::Height(1),
    timestamp: TimestampMs(1_700_000_000_000),
};

struct Chain {
    _dir: tempfile::TempDir,
    store: StateStore,
    view: StateView,
    ctx: BlockContext,
    alice: SecretKey,
    bob: Address,
}

fn chain(params: ChainParams, alice_balance: u128) -> Chain {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fjall::Database::builder(dir.path()).open().expect("db");
    let store = StateStore::open(&db, Suite::Ed25519).expect("store");
    let alice = SecretKey::insecure_from_label(Suite::Ed25519, "alice");
    let bob = SecretKey::insecure_from_label(Suite::Ed25519, "bob")
        .public_key()
        .address();
    let genesis = Genesis {
        chain_id: ChainId::new("exec-test").expect("id"),
        suite: Suite::Ed25519,
        genesis_time_ms: TimestampMs(0),
        params,
        validators: vec![Validator {
            name: "v".into(),
            consensus_key: ValidatorKey([1; 32]),
        }],
        accounts: vec![GenesisAccount {
            address: alice.public_key().address(),
            balance: Amount(alice_balance),
        }],
        organizations: Vec::new(),
        members: Vec::new(),
        policy: citychain_types::Policy::default(),
        thresholds: citychain_types::Thresholds::default(),
        epoch_blocks: citychain_types::DEFAULT_EPOCH_BLOCKS,
        contracts: Vec::new(),
    };
    let empty = StateView::committed(store.clone(), None);
    let pending = empty
        .apply(genesis_writes(&genesis, &empty).expect("a valid genesis"))
        .expect("genesis");
    let view = StateView::pending(store.clone(), pending);
    let ctx = BlockContext::of(&genesis);
    Chain {
        _dir: dir,
        store,
        view,
        ctx,
        alice,
        bob,
    }
}

impl Chain {
    fn transfer(&self, nonce: u64, amount: u128, gas: u64) -> SignedTransaction {
        Transaction {
            chain_id: self.ctx.chain_id.clone(),
            sender: self.alice.public_key(),
            nonce: Nonce(nonce),
            gas_limit: Gas(gas),
            payload: Payload::Transfer {
                to: self.bob,
                amount: Amount(amount),
            },
        }
        .sign(&self.alice)
    }

    fn account_after(&self, writes: &citychain_state::WriteSet, address: &Address) -> Account {
        let next = StateView::pending(
            self.store.clone(),
            self.view.apply(writes.clone()).expect("apply"),
        );
        next.get(&layout::account_key(address))
            .expect("read")
            .map(|raw| Account::decode(&raw).expect("account"))
            .unwrap_or_default()
    }
}

#[test]
fn transfers_move_balance_and_bump_the_nonce() {
    let c = chain(ChainParams::default(), 1_000);
    let txs = vec![c.transfer(0, 300, 100_000), c.transfer(1, 200, 100_000)];
    let out = execute_block(&c.view, c.ctx.clone(), BLOCK, &txs).expect("valid block");
    assert!(out.receipts.iter().all(|r| r.is_success()));
    assert_eq!(out.receipts[0].events[0].topic, "transfer");
    let alice = c.account_after(&out.writes, &c.alice.public_key().address());
    let bob = c.account_after(&out.writes, &c.bob);
    assert_eq!((alice.nonce, alice.balance), (Nonce(2), Amount(500)));
    assert_eq!(bob.balance, Amount(500));
    assert_eq!(
        out.gas_used,
        Gas(out.receipts[0].gas_used.0 + out.receipts[1].gas_used.0)
    );
}

#[test]
fn a_failed_transfer_costs_gas_keeps_the_nonce_and_the_block_goes_on() {
    let params = ChainParams {
        fee_price: Amount(1),
        ..ChainParams::default()
    };
    let c = chain(params, 100_000);
    // Too much, then a good one.
    let txs = vec![c.transfer(0, 1_000_000, 10_000), c.transfer(1, 10, 10_000)];
    let out = execute_block(&c.view, c.ctx.clone(), BLOCK, &txs).expect("valid block");
    let failed = &out.receipts[0];
    assert_eq!(failed.status, Status::InsufficientBalance);
    assert_eq!(failed.code, 1);
    assert!(
        failed.reason.contains("cannot transfer 1000000"),
        "{}",
        failed.reason
    );
    assert!(out.receipts[1].is_success());
    let alice = c.account_after(&out.writes, &c.alice.public_key().address());
    let fees = failed.gas_used.0 as u128 + out.receipts[1].gas_used.0 as u128;
    assert_eq!(alice.nonce, Nonce(2));
    assert_eq!(
        alice.balance,
        Amount(100_000 - 10 - fees),
        "only the fee of the failed transfer is charged"
    );
    assert_eq!(c.account_after(&out.writes, &c.bob).balance, Amount(10));
}

#[test]
fn out_of_gas_uses_the_whole_limit() {
    let params = ChainParams {
        fee_price: Amount(2),
        ..ChainParams::default()
    };
    let c = chain(params.clone(), 1_000_000);
    let probe = c.transfer(0, 5, 1);
    let intrinsic = citychain_execution::gas::intrinsic_gas(&params, &probe).0;
    let tx = c.transfer(0, 5, intrinsic + params.transfer_gas.0 - 1);
    let out = execute_block(&c.view, c.ctx.clone(), BLOCK, std::slice::from_ref(&tx))
        .expect("valid block");
    assert_eq!(out.receipts[0].status, Status::OutOfGas);
    assert_eq!(out.receipts[0].gas_used, tx.transaction().gas_limit);
    let alice = c.account_after(&out.writes, &c.alice.public_key().address());
    assert_eq!(
        alice.balance,
        Amount(1_000_000 - 2 * u128::from(tx.transaction().gas_limit.0))
    );
    assert_eq!(c.account_after(&out.writes, &c.bob).balance, Amount(0));
}

#[test]
fn invalid_transactions_make_the_block_invalid() {
    let c = chain(ChainParams::default(), 1_000);
    let cases: Vec<(Vec<SignedTransaction>, &str)> = vec![
        (vec![c.transfer(1, 1, 100_000)], "nonce_too_high"),
        (
            vec![c.transfer(0, 1, 100_000), c.transfer(0, 1, 100_000)],
            "nonce_too_low",
        ),
        (vec![c.transfer(0, 1, 10)], "gas_limit_too_low"),
        (vec![c.transfer(0, 1, 60_000_000)], "gas_limit_too_high"),
    ];
    for (txs, code) in cases {
        match execute_block(&c.view, c.ctx.clone(), BLOCK, &txs) {
            Err(BlockError::InvalidTx { error, .. }) => assert_eq!(error.code(), code),
            other => panic!("expected {code}, got {other:?}"),
        }
    }
    let mut other_chain = c.ctx.clone();
    other_chain.chain_id = ChainId::new("elsewhere").expect("id");
    match execute_block(&c.view, other_chain, BLOCK, &[c.transfer(0, 1, 100_000)]) {
        Err(BlockError::InvalidTx {
            error: InvalidTx::WrongChain { .. },
            ..
        }) => {}
        other => panic!("expected wrong chain, got {other:?}"),
    }
}

#[test]
fn fee_must_be_payable_up_front() {
    let params = ChainParams {
        fee_price: Amount(1_000),
        ..ChainParams::default()
    };
    let c = chain(params, 5);
    let mut exec = Executor::new(&c.view, c.ctx.clone(), BLOCK).expect("executor");
    let err = exec
        .apply(&c.transfer(0, 1, 10_000))
        .expect("state ok")
        .expect_err("cannot pay");
    assert_eq!(err.code(), "insufficient_fee_balance");
    assert_eq!(exec.tx_count(), 0);
    assert!(
        exec.finish().expect("state ok").writes.is_empty(),
        "a rejected transaction changes nothing"
    );
}

#[test]
fn block_limits_are_enforced() {
    let params = ChainParams {
        max_block_txs: 1,
        ..ChainParams::default()
    };
    let c = chain(params, 1_000);
    let txs = vec![c.transfer(0, 1, 100_000), c.transfer(1, 1, 100_000)];
    assert!(matches!(
        execute_block(&c.view, c.ctx.clone(), BLOCK, &txs),
        Err(BlockError::TooManyTxs { .. })
    ));
    // The gas rule counts what earlier transactions used plus the next one's limit: two
    // transfers that may use 100,000 each fit a 150,000 block (the first uses ~3,600)...
    let params = ChainParams {
        block_gas_limit: Gas(150_000),
        max_tx_gas: Gas(100_000),
        ..ChainParams::default()
    };
    let c = chain(params, 1_000);
    let txs = vec![c.transfer(0, 1, 100_000), c.transfer(1, 1, 100_000)];
    let out = execute_block(&c.view, c.ctx.clone(), BLOCK, &txs).expect("fits");
    assert!(out.gas_used.0 <= 150_000);
    // ...but not a 102,000 one: after the first, 100,000 more could exceed it.
    let params = ChainParams {
        block_gas_limit: Gas(102_000),
        max_tx_gas: Gas(100_000),
        ..ChainParams::default()
    };
    let c = chain(params, 1_000);
    let txs = vec![c.transfer(0, 1, 100_000), c.transfer(1, 1, 100_000)];
    match execute_block(&c.view, c.ctx.clone(), BLOCK, &txs) {
        Err(BlockError::GasLimitExceeded { index, max, .. }) => {
            assert_eq!((index, max), (1, Gas(102_000)));
        }
        other => panic!(
            "expected the gas limit, got {:?}",
            other.map(|o| o.gas_used)
        ),
    }
}

#[test]
fn balances_never_overflow() {
    let c = chain(ChainParams::default(), u128::MAX);
    // Fund bob with almost everything, then send the rest: bob's balance would overflow.
    let txs = vec![
        c.transfer(0, u128::MAX - 1, 100_000),
        c.transfer(1, 1, 100_000),
    ];
    let out = execute_block(&c.view, c.ctx.clone(), BLOCK, &txs).expect("valid");
    assert!(out.receipts[0].is_success());
    assert!(out.receipts[1].is_success(), "MAX-1 + 1 fits");
    let c2 = chain(ChainParams::default(), u128::MAX);
    let to_self = Transaction {
        chain_id: c2.ctx.chain_id.clone(),
        sender: c2.alice.public_key(),
        nonce: Nonce(0),
        gas_limit: Gas(100_000),
        payload: Payload::Transfer {
            to: c2.alice.public_key().address(),
            amount: Amount(u128::MAX),
        },
    }
    .sign(&c2.alice);
    let out = execute_block(&c2.view, c2.ctx.clone(), BLOCK, &[to_self]).expect("valid");
    assert!(
        out.receipts[0].is_success(),
        "a self-transfer never overflows"
    );
    let alice = c2.account_after(&out.writes, &c2.alice.public_key().address());
    assert_eq!(alice.balance, Amount(u128::MAX));
}

#[test]
fn bad_signatures_are_found() {
    let c = chain(ChainParams::default(), 1_000);
    let good = c.transfer(0, 1, 100_000);
    let mut sig = *good.signature();
    sig.0[0] ^= 1;
    let bad = SignedTransaction::new(good.transaction().clone(), sig);
    let strategy = commonware_parallel::Sequential;
    assert_eq!(
        citychain_execution::first_bad_signature(&strategy, std::slice::from_ref(&good)),
        None
    );
    assert_eq!(
        citychain_execution::first_bad_signature(&strategy, &[good, bad]),
        Some(1)
    );
}
