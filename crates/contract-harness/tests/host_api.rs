//! The host API end to end: the `probe` test contract calls each host function through the SDK.

use citychain_contract_harness::{TestChain, contract_code};
use citychain_execution::contracts::CONTRACT_MESSAGE_NAMESPACE;
use citychain_types::{
    Address, ChainParams, Encode, Status, Suite,
    codec::{Reader, Writer},
};

fn deploy_probe(chain: &mut TestChain) -> Address {
    chain
        .deploy(0, &contract_code("probe"), &[])
        .unwrap_or_else(|r| panic!("probe deploys: {r:?}"))
}

/// Decodes `whoami`'s answer.
fn whoami(bytes: &[u8]) -> (Address, Address, Address, u128, u64, u64, bool) {
    let mut r = Reader::new(bytes);
    let mut addr = || Address(r.array::<20>("address").expect("address"));
    let (caller, origin, me) = (addr(), addr(), addr());
    let out = (
        caller,
        origin,
        me,
        r.u128("value").expect("value"),
        r.u64("height").expect("height"),
        r.u64("time").expect("time"),
        r.bool("gas").expect("gas"),
    );
    r.finish("whoami").expect("nothing left");
    out
}

#[test]
fn caller_origin_value_and_block_come_from_the_host() {
    let mut chain = TestChain::new();
    let p1 = deploy_probe(&mut chain);
    let p2 = deploy_probe(&mut chain);
    let bob = chain.address(1);
    let r = chain.call(1, &p1, "whoami", &[], 7);
    assert!(r.is_success(), "{}", r.reason);
    assert_eq!(
        whoami(&r.output),
        (bob, bob, p1, 7, chain.height(), chain.time_ms(), true)
    );

    // Through another contract: the caller is the relaying contract, the origin the signer.
    let carol = chain.address(2);
    let r = chain.call(2, &p1, "relay", &p2.0, 0);
    assert!(r.is_success(), "{}", r.reason);
    let mut rd = Reader::new(&r.output);
    let inner = rd.bytes("relayed", 1 << 16).expect("bytes").to_vec();
    assert_eq!(
        whoami(&inner),
        (p1, carol, p2, 0, chain.height(), chain.time_ms(), true)
    );
}

#[test]
fn a_contract_holds_and_pays_native_currency() {
    let mut chain = TestChain::new();
    let probe = deploy_probe(&mut chain);
    let dave = chain.address(3);
    assert!(chain.call(0, &probe, "whoami", &[], 1_000).is_success());
    let balance = |chain: &TestChain, who: &Address| {
        let q = chain.query(who, &probe, "balance_of", &who.0);
        u128::from_be_bytes(q.output.try_into().expect("u128"))
    };
    assert_eq!(balance(&chain, &probe), 1_000);
    let before = chain.balance(&dave).0;

    let mut args = Writer::new();
    args.raw(&dave.0).u128(400);
    let r = chain.call(1, &probe, "pay", &args.into_bytes(), 0);
    assert!(r.is_success(), "{}", r.reason);
    assert_eq!(chain.balance(&dave).0, before + 400);
    assert_eq!(balance(&chain, &probe), 600);

    let mut args = Writer::new();
    args.raw(&dave.0).u128(601);
    let r = chain.call(1, &probe, "pay", &args.into_bytes(), 0);
    assert_eq!(r.status, Status::Reverted);
    assert_eq!(r.reason, "cannot pay 601: InsufficientBalance");
    assert_eq!(chain.balance(&dave).0, before + 400);
    assert_eq!(balance(&chain, &probe), 600);
}

#[test]
fn hashing_and_signature_checks_use_the_chain_suite() {
    for suite in Suite::ALL {
        let mut chain = TestChain::with(suite, ChainParams::default());
        let probe = deploy_probe(&mut chain);
        let mut data = Writer::new();
        data.bytes(b"permit 2026-0042");
        let q = chain.query(&chain.address(0), &probe, "hash", &data.into_bytes());
        assert_eq!(q.output, suite.hash(b"permit 2026-0042").0, "{suite}");

        let key = chain.key(1).clone();
        let message = b"I, bob, approve permit 2026-0042";
        let signature = key.sign(CONTRACT_MESSAGE_NAMESPACE, message);
        let verify = |msg: &[u8], pk: &[u8]| {
            let mut a = Writer::new();
            a.bytes(pk).bytes(msg).raw(&signature.0);
            chain.query(&chain.address(0), &probe, "verify", &a.into_bytes())
        };
        let pk = key.public_key().encode();
        let ok = verify(message, &pk);
        assert_eq!(ok.status, Status::Success, "{}", ok.reason);
        assert_eq!(ok.output, [1], "{suite}: a good signature verifies");
        assert_eq!(verify(b"I, bob, approve permit 2026-0043", &pk).output, [0]);
        assert_eq!(
            verify(message, &[9, 9, 9]).output,
            [0],
            "garbage keys are just false"
        );
    }
}

#[test]
fn prefix_iteration_sees_committed_and_uncommitted_entries_in_order() {
    let mut chain = TestChain::new();
    let probe = deploy_probe(&mut chain);
    for id in [3u64, 1, 2] {
        let mut a = Writer::new();
        a.u64(id).bytes(format!("note {id}").as_bytes());
        assert!(
            chain
                .call(0, &probe, "put", &a.into_bytes(), 0)
                .is_success()
        );
    }
    assert!(
        chain
            .call(0, &probe, "remove", &2u64.to_be_bytes(), 0)
            .is_success()
    );

    // Written in this very call and committed earlier, in key order, the removed one skipped.
    let r = chain.call(0, &probe, "list_with", &0u64.to_be_bytes(), 0);
    assert!(r.is_success(), "{}", r.reason);
    let mut expected = Writer::new();
    expected.u32(3);
    for (id, note) in [(0u64, &b"extra"[..]), (1, b"note 1"), (3, b"note 3")] {
        expected.u64(id).bytes(note);
    }
    assert_eq!(r.output, expected.into_bytes());

    let mut a = Writer::new();
    a.u64(0).u32(10);
    let q = chain.query(&chain.address(0), &probe, "list_after", &a.into_bytes());
    let mut expected = Writer::new();
    expected.u32(2).u64(1).u64(3);
    assert_eq!(q.output, expected.into_bytes());
}
