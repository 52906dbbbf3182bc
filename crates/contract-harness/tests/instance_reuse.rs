//! A block runs its contract calls in instances that earlier calls used (docs/contracts.md,
//! "Every call starts fresh"); each call must still see its contract exactly as instantiation
//! leaves it, and the per-transaction limits must count it as a fresh instance.

use citychain_contract_harness::TestChain;
use citychain_types::{Address, Amount, Gas, Payload, Receipt, SignedTransaction, Status};

const IMPORTS: &str = r#"
  (import "citychain" "read_register" (func $reg (param i32)))
  (import "citychain" "set_output" (func $out (param i32 i32)))
  (import "citychain" "self_address" (func $self (param i32)))
  (import "citychain" "input" (func $input (result i32)))
  (import "citychain" "call" (func $call (param i32 i32 i32 i32 i32 i32 i64) (result i32)))
"#;

fn module(pages: u32, body: &str) -> Vec<u8> {
    let text = format!("(module {IMPORTS} (memory (export \"memory\") {pages}) {body})");
    wat::parse_str(&text).unwrap_or_else(|e| panic!("test WAT does not parse: {e}\n{text}"))
}

/// `report` outputs its global (8 bytes), memory bytes 0 and 100 and its memory size in pages;
/// every entry point then changes all of them, and `trap` traps after changing them.
fn dirtying() -> Vec<u8> {
    module(
        1,
        r#"
  (data (i32.const 0) "\01")
  (global $g (mut i64) (i64.const 5))
  (func $report
    (i64.store (i32.const 200) (global.get $g))
    (i32.store8 (i32.const 208) (i32.load8_u (i32.const 0)))
    (i32.store8 (i32.const 209) (i32.load8_u (i32.const 100)))
    (i32.store8 (i32.const 210) (memory.size))
    (call $out (i32.const 200) (i32.const 11)))
  (func $dirty
    (global.set $g (i64.const 77))
    (i32.store8 (i32.const 0) (i32.const 9))
    (i32.store8 (i32.const 100) (i32.const 7)))
  (func (export "run") (call $report) (call $dirty))
  (func (export "grow") (call $report) (call $dirty) (drop (memory.grow (i32.const 1))))
  (func (export "trap") (call $dirty) unreachable)
"#,
    )
}

/// What a fresh instance of [`dirtying`] reports.
fn fresh_report() -> Vec<u8> {
    let mut r = 5u64.to_le_bytes().to_vec();
    r.extend_from_slice(&[1, 0, 1]);
    r
}

fn call(contract: Address, method: &str, args: Vec<u8>) -> Payload {
    Payload::Call {
        contract,
        method: method.into(),
        args,
        value: Amount(0),
    }
}

/// Signs `payloads` from account 0 with consecutive nonces and runs them as one block.
fn one_block(chain: &mut TestChain, payloads: Vec<Payload>) -> Vec<Receipt> {
    let nonce = chain.account(&chain.address(0)).nonce.0;
    let txs: Vec<SignedTransaction> = payloads
        .into_iter()
        .enumerate()
        .map(|(i, p)| chain.sign_with_nonce(0, nonce + i as u64, p))
        .collect();
    chain.execute(&txs)
}

#[test]
fn every_call_in_a_block_sees_a_fresh_instance() {
    let mut chain = TestChain::new();
    let c = chain.deploy(0, &dirtying(), &[]).expect("deploys");
    let methods = ["run", "trap", "run", "grow", "run", "run"];
    let receipts = one_block(
        &mut chain,
        methods.iter().map(|m| call(c, m, Vec::new())).collect(),
    );
    for (method, receipt) in methods.iter().zip(&receipts) {
        if *method == "trap" {
            assert_eq!(receipt.status, Status::Trapped);
        } else {
            assert!(receipt.is_success(), "{method}: {}", receipt.reason);
            assert_eq!(
                receipt.output,
                fresh_report(),
                "{method} saw a used instance"
            );
        }
    }
    // Each call after a first one in a block of its own (a new store) costs the same gas.
    for (method, in_block) in methods.iter().zip(&receipts).skip(1) {
        let alone = one_block(
            &mut chain,
            vec![call(c, "run", Vec::new()), call(c, method, Vec::new())],
        )
        .remove(1);
        assert_eq!(alone.gas_used, in_block.gas_used, "{method}");
        assert_eq!(alone.output, in_block.output, "{method}");
    }
}

#[test]
fn a_contract_calling_itself_gets_a_second_fresh_instance() {
    let code = module(
        1,
        r#"
  (data (i32.const 0) "inner")
  (global $g (mut i64) (i64.const 5))
  (func (export "outer")
    (global.set $g (i64.const 6))
    (i32.store8 (i32.const 100) (i32.const 7))
    (call $self (i32.const 40))
    (if (i32.ne (call $call (i32.const 40) (i32.const 0) (i32.const 5) (i32.const 0) (i32.const 0)
                            (i32.const 200) (i64.const 0)) (i32.const 0))
      (then unreachable))
    (call $reg (i32.const 300))
    (i64.store (i32.const 309) (global.get $g))
    (i32.store8 (i32.const 317) (i32.load8_u (i32.const 100)))
    (call $out (i32.const 300) (i32.const 18)))
  (func (export "inner")
    (i64.store (i32.const 300) (global.get $g))
    (i32.store8 (i32.const 308) (i32.load8_u (i32.const 100)))
    (global.set $g (i64.const 99))
    (i32.store8 (i32.const 100) (i32.const 99))
    (call $out (i32.const 300) (i32.const 9)))
"#,
    );
    let mut chain = TestChain::new();
    let c = chain.deploy(0, &code, &[]).expect("deploys");
    // The inner call sees 5 and 0; the outer call still has its own 6 and 7 afterwards.
    let mut expected = 5u64.to_le_bytes().to_vec();
    expected.push(0);
    expected.extend_from_slice(&6u64.to_le_bytes());
    expected.push(7);
    let receipts = one_block(&mut chain, vec![call(c, "outer", Vec::new()); 3]);
    for r in &receipts {
        assert!(r.is_success(), "{}", r.reason);
        assert_eq!(r.output, expected);
    }
}

/// Instances of one transaction add up against its memory limit (each at its initial size)
/// whether or not the block reuses them: with the default limit of 32 pages per instance and
/// call depth 8 (9 x 32 pages in all), a 1-page parent fits 287 calls of a 1-page child
/// (1 + 287 <= 288) and the 288th fails.
#[test]
fn reused_instances_count_against_the_transactions_memory_limit() {
    let child = module(1, r#"(func (export "noop"))"#);
    let parent = module(
        1,
        r#"
  (data (i32.const 0) "noop")
  (func (export "run") (local $i i32) (local $ok i32)
    (drop (call $input)) (call $reg (i32.const 40))
    (loop $l
      (if (i32.eqz (call $call (i32.const 40) (i32.const 0) (i32.const 4) (i32.const 0)
                              (i32.const 0) (i32.const 200) (i64.const 0)))
        (then (local.set $ok (i32.add (local.get $ok) (i32.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 300))))
    (i32.store (i32.const 300) (local.get $ok))
    (call $out (i32.const 300) (i32.const 4)))
"#,
    );
    let mut chain = TestChain::new();
    chain.gas_limit = Gas(10_000_000);
    let child = chain.deploy(0, &child, &[]).expect("child deploys");
    let parent = chain.deploy(0, &parent, &[]).expect("parent deploys");
    let receipts = one_block(&mut chain, vec![call(parent, "run", child.0.to_vec()); 3]);
    for r in &receipts {
        assert!(r.is_success(), "{}", r.reason);
        assert_eq!(
            r.output,
            287u32.to_le_bytes(),
            "children that fit in one transaction"
        );
    }
}

/// The token contract (Rust, through the SDK): a block of mixed calls, some failing, gives the
/// same receipts and token balances as the same calls one block each, where every call gets a
/// new store. Only gas differs, and only by the load price the first call of a block pays.
/// (This contract never reads memory it did not write, so a missing reset would not show
/// here: the tests above catch that; this one checks a real contract end to end.)
#[test]
fn a_block_of_token_calls_matches_the_same_calls_one_block_each() {
    use citychain_contract_harness::{args, contract_code};
    let setup = || {
        let mut chain = TestChain::new();
        chain.gas_limit = Gas(40_000_000);
        let init = args(|w| {
            w.string("T").string("T").u8(0).u128(1_000);
        });
        let token = chain
            .deploy(0, &contract_code("token"), &init)
            .expect("the token deploys");
        chain.gas_limit = Gas(1_000_000);
        (chain, token)
    };
    let transfer = |to: Address, amount: u128| {
        let mut a = to.0.to_vec();
        a.extend_from_slice(&amount.to_be_bytes());
        a
    };
    let (mut batched, token) = setup();
    let (bob, carol) = (batched.address(1), batched.address(2));
    let payloads = vec![
        call(token, "transfer", transfer(bob, 100)),
        call(token, "transfer", transfer(carol, 5_000)), // more than alice holds: reverts
        call(token, "approve", transfer(carol, 50)),
        call(token, "balance_of", bob.0.to_vec()),
        call(token, "no_such_method", Vec::new()),
        call(token, "transfer", transfer(carol, 1)),
        call(token, "allowance", [batched.address(0).0, carol.0].concat()),
        call(token, "transfer", vec![1, 2, 3]), // malformed arguments: reverts
        call(token, "balance_of", batched.address(0).0.to_vec()),
    ];
    let in_one = one_block(&mut batched, payloads.clone());
    let (mut separate, _) = setup();
    let one_each: Vec<Receipt> = payloads
        .into_iter()
        .map(|p| one_block(&mut separate, vec![p]).remove(0))
        .collect();
    assert!(in_one.iter().any(|r| !r.is_success()), "some calls fail");
    let load = one_each[1].gas_used.0 - in_one[1].gas_used.0;
    assert!(load > 0, "later calls in a block do not pay for loading");
    for (i, (a, b)) in in_one.iter().zip(&one_each).enumerate() {
        assert_eq!(
            (a.status, &a.reason, &a.output, &a.events),
            (b.status, &b.reason, &b.output, &b.events),
            "call {i}"
        );
        let extra = if i == 0 { 0 } else { load };
        assert_eq!(b.gas_used.0 - a.gas_used.0, extra, "gas of call {i}");
    }
    for who in [0, 1, 2] {
        let key = [b"b".as_slice(), &batched.address(who).0].concat();
        assert_eq!(
            batched.storage(&token, &key),
            separate.storage(&token, &key),
            "token balance of account {who}"
        );
    }
}
