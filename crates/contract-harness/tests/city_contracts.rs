//! The contracts in `contracts/`, built for wasm32 and run on the real executor.

use citychain_contract_harness::{TestChain, contract_code};
use citychain_types::{Address, Status, codec::Writer, layout};

fn args(f: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut w = Writer::new();
    f(&mut w);
    w.into_bytes()
}

fn u128_out(bytes: &[u8]) -> u128 {
    u128::from_be_bytes(bytes.try_into().expect("a u128 output"))
}

fn token(chain: &mut TestChain, supply: u128) -> Address {
    let init = args(|w| {
        w.string("City Credit").string("CCR").u8(2).u128(supply);
    });
    chain
        .deploy(0, &contract_code("token"), &init)
        .unwrap_or_else(|r| panic!("token deploys: {r:?}"))
}

fn balance_of(chain: &TestChain, token: &Address, who: &Address) -> u128 {
    let q = chain.query(who, token, "balance_of", &who.0);
    assert_eq!(q.status, Status::Success, "{}", q.reason);
    u128_out(&q.output)
}

#[test]
fn the_token_mints_transfers_and_delegates() {
    let mut chain = TestChain::new();
    let t = token(&mut chain, 1_000_000);
    let (alice, bob, carol) = (chain.address(0), chain.address(1), chain.address(2));
    assert_eq!(balance_of(&chain, &t, &alice), 1_000_000);

    let info = chain.query(&bob, &t, "info", &[]);
    let expected = args(|w| {
        w.string("City Credit").string("CCR").u8(2).u128(1_000_000);
    });
    assert_eq!(info.output, expected);

    let r = chain.call(
        0,
        &t,
        "transfer",
        &args(|w| {
            w.raw(&bob.0).u128(250);
        }),
        0,
    );
    assert!(r.is_success(), "{}", r.reason);
    assert_eq!(r.events[0].topic, "transfer");
    assert_eq!(r.events[0].emitter, t);
    assert_eq!(balance_of(&chain, &t, &bob), 250);
    assert_eq!(balance_of(&chain, &t, &alice), 999_750);

    // Overdrawing reverts with the amounts and changes nothing.
    let root = chain.state_root();
    let r = chain.call(
        1,
        &t,
        "transfer",
        &args(|w| {
            w.raw(&carol.0).u128(251);
        }),
        0,
    );
    assert_eq!(r.status, Status::Reverted);
    assert_eq!(r.reason, "balance 250 is below 251");
    assert_eq!(balance_of(&chain, &t, &bob), 250);
    assert_ne!(chain.state_root(), root, "bob's nonce moved");

    // Allowances.
    let r = chain.call(
        1,
        &t,
        "approve",
        &args(|w| {
            w.raw(&carol.0).u128(100);
        }),
        0,
    );
    assert!(r.is_success(), "{}", r.reason);
    let r = chain.call(
        2,
        &t,
        "transfer_from",
        &args(|w| {
            w.raw(&bob.0).raw(&carol.0).u128(60);
        }),
        0,
    );
    assert!(r.is_success(), "{}", r.reason);
    let r = chain.call(
        2,
        &t,
        "transfer_from",
        &args(|w| {
            w.raw(&bob.0).raw(&carol.0).u128(60);
        }),
        0,
    );
    assert_eq!(r.reason, "allowance 40 is below 60");
    assert_eq!(balance_of(&chain, &t, &carol), 60);

    // A garbage argument is a clear revert.
    let r = chain.call(0, &t, "transfer", &[1, 2, 3], 0);
    assert_eq!(r.status, Status::Reverted);
    assert!(
        r.reason.contains("cannot decode argument `to`"),
        "{}",
        r.reason
    );

    // A balance is provable from the state root like an account.
    let key = layout::contract_storage_key(&t, &[b"b".as_slice(), &carol.0].concat());
    let (value, proof) = chain.prove(&key);
    assert_eq!(value, Some(60u128.to_be_bytes().to_vec()));
    proof
        .verify(chain.suite(), &chain.state_root(), &key, value.as_deref())
        .expect("the balance proof verifies");
}

#[test]
fn the_notary_anchors_once_and_proves_the_record() {
    let mut chain = TestChain::new();
    let notary = chain
        .deploy(0, &contract_code("notary"), &[])
        .unwrap_or_else(|r| panic!("notary deploys: {r:?}"));
    let doc = chain.suite().hash(b"land registry extract #4411");
    let anchor = args(|w| {
        w.raw(&doc.0).string("extract for parcel 4411");
    });
    let r = chain.call(1, &notary, "anchor", &anchor, 0);
    assert!(r.is_success(), "{}", r.reason);
    let anchored_at = chain.time_ms();
    let anchored_height = chain.height();

    let again = chain.call(2, &notary, "anchor", &anchor, 0);
    assert_eq!(again.status, Status::Reverted);
    assert!(
        again.reason.starts_with("already anchored by"),
        "{}",
        again.reason
    );

    let q = chain.query(&chain.address(3), &notary, "lookup", &doc.0);
    let expected = args(|w| {
        w.u8(1)
            .raw(&chain.address(1).0)
            .u64(anchored_at)
            .u64(anchored_height)
            .string("extract for parcel 4411");
    });
    assert_eq!(q.output, expected);
    let unknown = chain.query(&chain.address(3), &notary, "lookup", &[0u8; 32]);
    assert_eq!(unknown.output, vec![0], "absent records are None");

    let key = layout::contract_storage_key(&notary, &[b"d".as_slice(), &doc.0].concat());
    let (value, proof) = chain.prove(&key);
    assert_eq!(value.as_deref(), Some(&expected[1..]));
    proof
        .verify(chain.suite(), &chain.state_root(), &key, value.as_deref())
        .expect("the record proof verifies");

    let count = chain.query(&chain.address(3), &notary, "count", &[]);
    assert_eq!(count.output, 1u64.to_be_bytes());
}

/// A permit anchored in the notary once two of three agencies approve before the deadline.
#[test]
fn an_approval_executes_its_action_once_enough_parties_approve_in_time() {
    let mut chain = TestChain::new();
    let notary = chain
        .deploy(0, &contract_code("notary"), &[])
        .unwrap_or_else(|r| panic!("notary deploys: {r:?}"));
    let approval = chain
        .deploy(0, &contract_code("approval"), &[])
        .unwrap_or_else(|r| panic!("approval deploys: {r:?}"));
    let permit = chain.suite().hash(b"building permit 2026-0042");
    let action = args(|w| {
        w.raw(&permit.0).string("permit 2026-0042");
    });
    let parties = [chain.address(1), chain.address(2), chain.address(3)];
    let create = |deadline: u64| {
        args(|w| {
            w.raw(&notary.0).string("anchor").bytes(&action);
            w.u32(3);
            for p in &parties {
                w.raw(&p.0);
            }
            w.u32(2).u64(deadline);
        })
    };
    let deadline = chain.time_ms() + 60_000;
    let r = chain.call(0, &approval, "create", &create(deadline), 0);
    assert!(r.is_success(), "{}", r.reason);
    assert_eq!(r.output, 0u64.to_be_bytes(), "the first request is id 0");
    let id = 0u64.to_be_bytes();

    // Not a party.
    let r = chain.call(0, &approval, "approve", &id, 0);
    assert_eq!(r.status, Status::Reverted);
    assert!(r.reason.contains("is not a party"), "{}", r.reason);

    // One approval is below the threshold: nothing happens.
    let r = chain.call(1, &approval, "approve", &id, 0);
    assert!(r.is_success(), "{}", r.reason);
    assert_eq!(r.output, [0], "not executed yet");
    let lookup = chain.query(&parties[0], &notary, "lookup", &permit.0);
    assert_eq!(lookup.output, vec![0]);
    let r = chain.call(1, &approval, "approve", &id, 0);
    assert!(r.reason.contains("already approved"), "{}", r.reason);

    // The second approval executes the action, in the same transaction.
    let r = chain.call(3, &approval, "approve", &id, 0);
    assert!(r.is_success(), "{}", r.reason);
    assert_eq!(r.output, [1], "executed");
    assert!(
        r.events
            .iter()
            .any(|e| e.topic == "anchored" && e.emitter == notary)
    );
    let lookup = chain.query(&parties[0], &notary, "lookup", &permit.0);
    assert_eq!(lookup.output[0], 1);
    assert_eq!(
        &lookup.output[1..21],
        &approval.0,
        "the approval contract anchored it"
    );
    let status = chain.query(&parties[0], &approval, "status", &id);
    assert!(status.output.ends_with(b"executed"));

    // A second request for the same permit: the action fails (already anchored), so the
    // deciding approval fails and leaves the request open.
    let r = chain.call(0, &approval, "create", &create(chain.time_ms() + 60_000), 0);
    assert!(r.is_success(), "{}", r.reason);
    let id1 = 1u64.to_be_bytes();
    assert!(chain.call(1, &approval, "approve", &id1, 0).is_success());
    let r = chain.call(2, &approval, "approve", &id1, 0);
    assert_eq!(r.status, Status::Reverted);
    assert!(r.reason.starts_with("the action failed"), "{}", r.reason);
    let mut q = id1.to_vec();
    q.extend_from_slice(&parties[1].0);
    let voted = chain.query(&parties[0], &approval, "has_approved", &q);
    assert_eq!(voted.output, [0], "the failed approval was undone");

    // A request past its deadline is expired and cannot be approved.
    let r = chain.call(0, &approval, "create", &create(chain.time_ms() + 5_000), 0);
    assert!(r.is_success(), "{}", r.reason);
    let id2 = 2u64.to_be_bytes();
    chain.advance_time(10_000);
    let r = chain.call(1, &approval, "approve", &id2, 0);
    assert_eq!(r.status, Status::Reverted);
    assert!(r.reason.contains("expired"), "{}", r.reason);
    let status = chain.query(&parties[0], &approval, "status", &id2);
    assert!(status.output.ends_with(b"expired"));
}

#[test]
fn contract_code_is_stored_once_and_metadata_names_the_admin() {
    let mut chain = TestChain::new();
    let a = token(&mut chain, 5);
    let b = token(&mut chain, 7);
    assert_ne!(a, b);
    let info = |c: &Address| {
        let raw = chain_get(&chain, &layout::contract_key(c)).expect("metadata");
        <citychain_types::ContractInfo as citychain_types::Decode>::decode(&raw).expect("decodes")
    };
    let (ia, ib) = (info(&a), info(&b));
    assert_eq!(ia.code_hash, ib.code_hash);
    assert_eq!(ia.admin, chain.address(0));
    assert_eq!(ia.status, citychain_types::ContractStatus::Active);
    assert_eq!(
        chain_get(&chain, &layout::code_key(&ia.code_hash)),
        Some(contract_code("token"))
    );
}

fn chain_get(chain: &TestChain, key: &[u8]) -> Option<Vec<u8>> {
    let (value, _) = chain.prove(key);
    value
}
