//! Hostile and broken contracts (RELIABILITY.md 17 and 18), written in WAT so each test states
//! exactly what the code does. Every one must end deterministically with the right status, and
//! leave the state as it was apart from the sender's nonce and fee.

use citychain_contract_harness::TestChain;
use citychain_types::{Address, Status};

/// Host imports used by the test modules.
const IMPORTS: &str = r#"
  (import "citychain" "input" (func $input (result i32)))
  (import "citychain" "read_register" (func $reg (param i32)))
  (import "citychain" "storage_read" (func $read (param i32 i32) (result i32)))
  (import "citychain" "storage_write" (func $write (param i32 i32 i32 i32)))
  (import "citychain" "set_output" (func $out (param i32 i32)))
  (import "citychain" "revert" (func $revert (param i32 i32)))
  (import "citychain" "emit" (func $emit (param i32 i32 i32 i32)))
  (import "citychain" "block_height" (func $height (result i64)))
  (import "citychain" "call" (func $call (param i32 i32 i32 i32 i32 i32 i64) (result i32)))
"#;

fn module(body: &str) -> Vec<u8> {
    let text = format!("(module {IMPORTS} (memory (export \"memory\") 1) {body})");
    wat::parse_str(&text).unwrap_or_else(|e| panic!("test WAT does not parse: {e}\n{text}"))
}

/// A counter: `inc` adds one to key "n" and emits "counted"; `get` returns it.
fn counter() -> Vec<u8> {
    module(
        r#"
  (data (i32.const 0) "n")
  (data (i32.const 16) "counted")
  (func $load (result i64)
    (if (result i64) (i32.eq (call $read (i32.const 0) (i32.const 1)) (i32.const 8))
      (then (call $reg (i32.const 100)) (i64.load (i32.const 100)))
      (else (i64.const 0))))
  (func (export "inc")
    (i64.store (i32.const 100) (i64.add (call $load) (i64.const 1)))
    (call $write (i32.const 0) (i32.const 1) (i32.const 100) (i32.const 8))
    (call $emit (i32.const 16) (i32.const 7) (i32.const 100) (i32.const 8)))
  (func (export "get")
    (i64.store (i32.const 100) (call $load))
    (call $out (i32.const 100) (i32.const 8)))
"#,
    )
}

fn counter_value(chain: &TestChain, contract: &Address) -> u64 {
    chain
        .storage(contract, b"n")
        .map(|v| u64::from_le_bytes(v.try_into().expect("8 bytes")))
        .unwrap_or(0)
}

/// Runs `method` of a fresh deployment of `code` and checks that it failed with `status` and
/// changed nothing but the caller's nonce.
fn assert_fails_cleanly(code: &[u8], method: &str, status: Status, reason_part: &str) -> u64 {
    let mut chain = TestChain::new();
    let contract = chain.deploy(0, code, &[]).expect("the module deploys");
    let before = (
        chain.balance(&chain.address(0)),
        chain.storage(&contract, b"n"),
    );
    let receipt = chain.call(0, &contract, method, &[], 0);
    assert_eq!(receipt.status, status, "reason: {}", receipt.reason);
    assert!(
        receipt.reason.contains(reason_part),
        "reason {:?} does not mention {reason_part:?}",
        receipt.reason
    );
    assert!(receipt.events.is_empty());
    let after = (
        chain.balance(&chain.address(0)),
        chain.storage(&contract, b"n"),
    );
    assert_eq!(before, after, "a failed call changed the state");
    receipt.gas_used.0
}

#[test]
fn a_counter_counts_emits_and_answers_queries() {
    let mut chain = TestChain::new();
    let contract = chain.deploy(0, &counter(), &[]).expect("deploys");
    for _ in 0..3 {
        let r = chain.call(1, &contract, "inc", &[], 0);
        assert!(r.is_success(), "{}", r.reason);
        assert_eq!(r.events.len(), 1);
        assert_eq!(r.events[0].emitter, contract);
        assert_eq!(r.events[0].topic, "counted");
    }
    assert_eq!(counter_value(&chain, &contract), 3);
    let root = chain.state_root();
    let q = chain.query(&chain.address(2), &contract, "get", &[]);
    assert_eq!(q.status, Status::Success);
    assert_eq!(q.output, 3u64.to_le_bytes());
    assert!(q.gas_used.0 > 0);
    assert_eq!(chain.state_root(), root, "a query changed the state");
    // A query that writes keeps nothing.
    let q = chain.query(&chain.address(2), &contract, "inc", &[]);
    assert_eq!(q.status, Status::Success);
    assert_eq!(counter_value(&chain, &contract), 3);
}

#[test]
fn the_same_call_costs_the_same_gas_and_gives_the_same_root_everywhere() {
    let run = || {
        let mut chain = TestChain::new();
        let contract = chain.deploy(0, &counter(), &[]).expect("deploys");
        let gas: Vec<u64> = (0..3)
            .map(|_| chain.call(0, &contract, "inc", &[], 0).gas_used.0)
            .collect();
        (gas, chain.state_root())
    };
    let (gas_a, root_a) = run();
    let (gas_b, root_b) = run();
    assert_eq!(gas_a, gas_b);
    assert_eq!(root_a, root_b);
}

#[test]
fn an_infinite_loop_runs_out_of_gas_and_pays_for_all_of_it() {
    let code = module(r#"(func (export "spin") (loop $l (br $l)))"#);
    let gas = assert_fails_cleanly(&code, "spin", Status::OutOfGas, "out of gas");
    assert_eq!(
        gas,
        citychain_contract_harness::DEFAULT_GAS.0,
        "out of gas uses the whole limit"
    );
}

/// The interpreter dispatches each instruction by a tail call; if a build ever kept a stack
/// frame for one, a long loop of that instruction would overflow the node's stack and abort it.
/// A loop of many kinds of instruction runs to the transaction gas limit and ends cleanly.
#[test]
fn a_long_loop_of_every_kind_of_instruction_ends_out_of_gas() {
    let code = module(
        r#"
  (global $g (mut i64) (i64.const 1))
  (table 1 funcref) (elem (i32.const 0) $id)
  (type $t (func (param i64) (result i64)))
  (func $id (param i64) (result i64) (local.get 0))
  (func (export "mix") (local $x i64) (local $y i32)
    (loop $l
      (local.set $x (i64.add (local.get $x) (i64.mul (global.get $g) (i64.const 3))))
      (local.set $x (i64.rem_u (i64.div_u (local.get $x) (i64.const 7)) (i64.const 1000003)))
      (local.set $y (i32.xor (i32.shl (local.get $y) (i32.const 1)) (i32.wrap_i64 (local.get $x))))
      (local.set $y (select (local.get $y) (i32.const 5) (i32.lt_u (local.get $y) (i32.const 9))))
      (i64.store (i32.const 64) (local.get $x))
      (local.set $x (i64.add (local.get $x) (i64.load (i32.const 64))))
      (i32.store8 (i32.const 80) (local.get $y))
      (local.set $y (i32.add (local.get $y) (i32.load8_u (i32.const 80))))
      (global.set $g (call $id (local.get $x)))
      (local.set $x (call_indirect (type $t) (local.get $x) (i32.const 0)))
      (memory.fill (i32.const 128) (i32.const 7) (i32.const 16))
      (memory.copy (i32.const 256) (i32.const 128) (i32.const 16))
      (drop (memory.size))
      (drop (call $height))
      (br_if $l (i32.ne (local.get $y) (i32.const -1)))
      (br $l)))
"#,
    );
    let mut chain = TestChain::new();
    let max = chain.genesis().params.max_tx_gas;
    chain.gas_limit = max;
    let contract = chain.deploy(0, &code, &[]).expect("the module deploys");
    let receipt = chain.call(0, &contract, "mix", &[], 0);
    assert_eq!(
        receipt.status,
        Status::OutOfGas,
        "reason: {}",
        receipt.reason
    );
    assert_eq!(receipt.gas_used, max);
}

#[test]
fn memory_cannot_grow_past_the_limit() {
    // Ask for 2 MiB more than allowed; memory.grow answers -1 and the contract reverts.
    let code = module(
        r#"
  (data (i32.const 0) "denied")
  (func (export "grow")
    (if (i32.eq (memory.grow (i32.const 1000)) (i32.const -1))
      (then (call $revert (i32.const 0) (i32.const 6))))
    (call $write (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1)))
"#,
    );
    assert_fails_cleanly(&code, "grow", Status::Reverted, "denied");
}

#[test]
fn deep_recursion_traps() {
    let code = module(r#"(func $r (export "recurse") (call $r))"#);
    assert_fails_cleanly(&code, "recurse", Status::Trapped, "stack");
}

#[test]
fn a_host_call_flood_runs_out_of_gas() {
    let code = module(r#"(func (export "flood") (loop $l (drop (call $height)) (br $l)))"#);
    assert_fails_cleanly(&code, "flood", Status::OutOfGas, "out of gas");
}

#[test]
fn an_event_flood_hits_the_event_limit() {
    let code = module(
        r#"
  (data (i32.const 0) "spam")
  (func (export "spam") (loop $l (call $emit (i32.const 0) (i32.const 4) (i32.const 0) (i32.const 0)) (br $l)))
"#,
    );
    assert_fails_cleanly(&code, "spam", Status::Trapped, "events");
}

#[test]
fn host_calls_outside_memory_trap() {
    let code = module(
        r#"(func (export "bad") (call $write (i32.const 65530) (i32.const 100) (i32.const 0) (i32.const 1)))"#,
    );
    assert_fails_cleanly(&code, "bad", Status::Trapped, "outside memory");
}

#[test]
fn bad_modules_are_rejected_at_deployment_with_a_reason() {
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("garbage", b"\0asm\x01\0\0\0garbage".to_vec(), "invalid module"),
        ("not wasm", b"hello".to_vec(), "invalid module"),
        (
            "floats",
            module(r#"(func (export "f") (drop (f32.add (f32.const 1) (f32.const 2))))"#),
            "float",
        ),
        (
            "foreign import",
            wat::parse_str(r#"(module (import "env" "x" (func)) (memory (export "memory") 1))"#)
                .expect("wat"),
            "outside the host api",
        ),
        (
            "unknown host function",
            wat::parse_str(
                r#"(module (import "citychain" "steal" (func)) (memory (export "memory") 1))"#,
            )
            .expect("wat"),
            "does not have",
        ),
        (
            "wrong host type",
            wat::parse_str(
                r#"(module (import "citychain" "input" (func (param i64))) (memory (export "memory") 1))"#,
            )
            .expect("wat"),
            "host function is",
        ),
        (
            "start function",
            wat::parse_str(r#"(module (func $s) (start $s) (memory (export "memory") 1))"#)
                .expect("wat"),
            "start",
        ),
        (
            "no memory",
            wat::parse_str(r#"(module (func (export "f")))"#).expect("wat"),
            "memory",
        ),
        (
            "huge memory",
            wat::parse_str(r#"(module (memory (export "memory") 1000))"#).expect("wat"),
            "pages",
        ),
        (
            "entry point with parameters",
            module(r#"(func (export "f") (param i32))"#),
            "entry points take and return nothing",
        ),
    ];
    for (name, code, reason) in cases {
        let mut chain = TestChain::new();
        let root_before = chain.state_root();
        let next = chain.next_contract_address(0);
        let receipt = chain.deploy(0, &code, &[]).expect_err(name);
        assert_eq!(
            receipt.status,
            Status::InvalidCode,
            "{name}: {}",
            receipt.reason
        );
        assert!(
            receipt.reason.to_lowercase().contains(reason),
            "{name}: reason {:?} does not mention {reason:?}",
            receipt.reason
        );
        assert_ne!(chain.state_root(), root_before, "the nonce moved");
        let q = chain.query(&chain.address(0), &next, "f", &[]);
        assert_eq!(
            q.status,
            Status::ContractNotFound,
            "{name} left a contract behind"
        );
    }
}

/// `outer.run(callee ++ mode)`: writes "a", calls `callee.write` (which writes "b"), and then
/// reverts if `mode` is 1. `outer.catch(callee)`: calls `callee.fail` (writes "b", reverts
/// "inner says no") and stores the status and reason it got back under "a".
fn nested_pair() -> (Vec<u8>, Vec<u8>) {
    let callee = module(
        r#"
  (data (i32.const 0) "b")
  (data (i32.const 16) "inner says no")
  (func (export "write") (call $write (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1)))
  (func (export "fail")
    (call $write (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1))
    (call $revert (i32.const 16) (i32.const 13)))
"#,
    );
    let outer = module(
        r#"
  (data (i32.const 0) "a")
  (data (i32.const 8) "write")
  (data (i32.const 16) "fail")
  (data (i32.const 24) "outer gives up")
  ;; input at 100: 20-byte callee address, then the mode byte; value (zero) at 200
  (func (export "run")
    (drop (call $input)) (call $reg (i32.const 100))
    (call $write (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1))
    (if (i32.ne (call $call (i32.const 100) (i32.const 8) (i32.const 5) (i32.const 0) (i32.const 0) (i32.const 200) (i64.const 0)) (i32.const 0))
      (then unreachable))
    (if (i32.eq (i32.load8_u (i32.const 120)) (i32.const 1))
      (then (call $revert (i32.const 24) (i32.const 14)))))
  (func (export "catch")
    (local $status i32) (local $len i32)
    (drop (call $input)) (call $reg (i32.const 100))
    (local.set $status (call $call (i32.const 100) (i32.const 16) (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 200) (i64.const 0)))
    (i32.store8 (i32.const 300) (local.get $status))
    (call $reg (i32.const 301))
    (call $write (i32.const 0) (i32.const 1) (i32.const 300) (i32.const 14)))
"#,
    );
    (outer, callee)
}

#[test]
fn a_revert_after_nested_writes_undoes_them_all() {
    let (outer_code, callee_code) = nested_pair();
    let mut chain = TestChain::new();
    let outer = chain.deploy(0, &outer_code, &[]).expect("outer deploys");
    let callee = chain.deploy(0, &callee_code, &[]).expect("callee deploys");

    let mut input = callee.0.to_vec();
    input.push(1);
    let root = chain.state_root();
    let r = chain.call(1, &outer, "run", &input, 0);
    assert_eq!(r.status, Status::Reverted);
    assert_eq!(r.reason, "outer gives up");
    assert_eq!(chain.storage(&outer, b"a"), None);
    assert_eq!(
        chain.storage(&callee, b"b"),
        None,
        "the nested write survived"
    );
    assert_ne!(chain.state_root(), root, "only the nonce moved");

    input[20] = 0;
    let r = chain.call(1, &outer, "run", &input, 0);
    assert!(r.is_success(), "{}", r.reason);
    assert_eq!(chain.storage(&outer, b"a"), Some(b"a".to_vec()));
    assert_eq!(chain.storage(&callee, b"b"), Some(b"b".to_vec()));
}

#[test]
fn a_failed_nested_call_is_undone_and_reported_to_its_caller() {
    let (outer_code, callee_code) = nested_pair();
    let mut chain = TestChain::new();
    let outer = chain.deploy(0, &outer_code, &[]).expect("outer deploys");
    let callee = chain.deploy(0, &callee_code, &[]).expect("callee deploys");
    let r = chain.call(1, &outer, "catch", &callee.0, 0);
    assert!(r.is_success(), "{}", r.reason);
    let stored = chain
        .storage(&outer, b"a")
        .expect("the outer call kept its write");
    assert_eq!(u16::from(stored[0]), Status::Reverted.code());
    assert_eq!(&stored[1..], b"inner says no");
    assert_eq!(
        chain.storage(&callee, b"b"),
        None,
        "the failed call's write survived"
    );
}

#[test]
fn calls_to_missing_contracts_and_methods_fail_cleanly() {
    let mut chain = TestChain::new();
    let contract = chain.deploy(0, &counter(), &[]).expect("deploys");
    let r = chain.call(0, &Address([7; 20]), "inc", &[], 0);
    assert_eq!(r.status, Status::ContractNotFound);
    let r = chain.call(0, &contract, "nope", &[], 0);
    assert_eq!(r.status, Status::MethodNotFound);
    let r = chain.call(0, &contract, "init", &[], 0);
    assert_eq!(r.status, Status::MethodNotFound);
    // Attaching more than the sender has fails without moving anything.
    let r = chain.call(0, &contract, "inc", &[], u128::MAX / 2);
    assert_eq!(r.status, Status::InsufficientBalance);
    assert_eq!(counter_value(&chain, &contract), 0);
    // Attached value lands on the contract's account.
    let r = chain.call(0, &contract, "inc", &[], 500);
    assert!(r.is_success(), "{}", r.reason);
    assert_eq!(chain.balance(&contract).0, 500);
}

/// `guarded(callee)` calls `callee.spin` (an infinite loop) forwarding 100,000 gas, then stores
/// the status it got under "s"; `recurse(self)` calls itself through the host until the depth
/// limit stops it.
#[test]
fn forwarded_gas_bounds_a_nested_call_and_depth_is_limited() {
    let spinner = module(r#"(func (export "spin") (loop $l (br $l)))"#);
    let outer = module(
        r#"
  (data (i32.const 0) "s")
  (data (i32.const 8) "spin")
  (data (i32.const 16) "recurse")
  (func (export "guarded")
    (drop (call $input)) (call $reg (i32.const 100))
    (i32.store8 (i32.const 300)
      (call $call (i32.const 100) (i32.const 8) (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 200) (i64.const 100000)))
    (call $write (i32.const 0) (i32.const 1) (i32.const 300) (i32.const 1)))
  (func (export "recurse")
    (drop (call $input)) (call $reg (i32.const 100))
    (drop (call $call (i32.const 100) (i32.const 16) (i32.const 7) (i32.const 100) (i32.const 20) (i32.const 200) (i64.const 0))))
"#,
    );
    let mut chain = TestChain::new();
    let spin = chain.deploy(0, &spinner, &[]).expect("spinner deploys");
    let guard = chain.deploy(0, &outer, &[]).expect("outer deploys");
    let r = chain.call(1, &guard, "guarded", &spin.0, 0);
    assert!(r.is_success(), "{}", r.reason);
    assert_eq!(
        chain.storage(&guard, b"s"),
        Some(vec![Status::OutOfGas.code() as u8]),
        "the caller saw the callee run out of its forwarded gas"
    );
    assert!(
        r.gas_used.0 < 200_000,
        "only the forwarded gas was lost: {}",
        r.gas_used
    );
    let r = chain.call(1, &guard, "recurse", &guard.0, 0);
    assert!(r.is_success(), "{}", r.reason);
}

#[test]
fn tables_are_bounded_too() {
    // A table bigger than an instance may have cannot even be deployed (instantiation fails).
    let code = wat::parse_str(
        r#"(module (memory (export "memory") 1) (table 100000 funcref) (func (export "f")))"#,
    )
    .expect("wat");
    let mut chain = TestChain::new();
    let receipt = chain.deploy(0, &code, &[]).expect_err("too big a table");
    assert_eq!(receipt.status, Status::InvalidCode);
    assert!(
        receipt.reason.contains("instantiated"),
        "{}",
        receipt.reason
    );
}
