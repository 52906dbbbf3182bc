//! Gas that bounds time, and receipts that depend on the block alone: the shapes that halted
//! chains cheaply (issue 11) must cost what they do, be refused, or end the same way on every
//! node whatever its caches hold.

use citychain_contract_harness::TestChain;
use citychain_execution::contracts::{MAX_BR_TABLE_TARGETS, MAX_EXPORTS, MAX_FUNCTION_LOCALS, Vm};
use citychain_types::{Amount, Gas, Payload, Status, WasmParams};

const IMPORTS: &str = r#"
  (import "citychain" "storage_write" (func $write (param i32 i32 i32 i32)))
  (import "citychain" "storage_remove" (func $remove (param i32 i32)))
  (import "citychain" "storage_next" (func $next (param i32 i32 i32 i32) (result i32)))
  (import "citychain" "set_output" (func $out (param i32 i32)))
"#;

fn module(body: &str) -> Vec<u8> {
    let text = format!("(module {IMPORTS} (memory (export \"memory\") 1) {body})");
    wat::parse_str(&text).unwrap_or_else(|e| panic!("test WAT does not parse: {e}\n{text}"))
}

fn call_tx(
    chain: &TestChain,
    nonce: u64,
    contract: &citychain_types::Address,
    method: &str,
) -> citychain_types::SignedTransaction {
    chain.sign_with_nonce(
        0,
        nonce,
        Payload::Call {
            contract: *contract,
            method: method.into(),
            args: Vec::new(),
            value: Amount(0),
        },
    )
}

#[test]
fn an_element_segment_that_does_not_fit_gets_the_same_reason_every_time() {
    // The engine's own text for this carries a process-local store id.
    let code = wat::parse_str(
        r#"(module (memory (export "memory") 1) (table 1 funcref) (func $f)
             (elem (i32.const 5) $f) (func (export "g")))"#,
    )
    .expect("wat");
    let mut chain = TestChain::new();
    let first = chain.deploy(0, &code, &[]).expect_err("does not fit");
    let second = chain.deploy(0, &code, &[]).expect_err("does not fit");
    let mut other = TestChain::new();
    let third = other.deploy(0, &code, &[]).expect_err("does not fit");
    assert_eq!(first.status, Status::InvalidCode);
    assert_eq!(
        first.reason,
        "the module cannot be instantiated: an element segment does not fit its table"
    );
    assert_eq!(first.reason, second.reason);
    assert_eq!(first.reason, third.reason);
    assert_eq!(first.gas_used, third.gas_used);
}

#[test]
fn engine_errors_reach_receipts_in_the_chains_words() {
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "data past memory",
            wat::parse_str(
                r#"(module (memory (export "memory") 1) (data (i32.const 65535) "xy"))"#,
            )
            .expect("wat"),
            "the module cannot be instantiated: a data segment does not fit its memory",
        ),
        (
            "garbage",
            b"\0asm\x01\0\0\0\x01\xff".to_vec(),
            "invalid module: it is not valid WASM",
        ),
    ];
    for (name, code, reason) in cases {
        let mut chain = TestChain::new();
        let r = chain.deploy(0, &code, &[]).expect_err(name);
        assert_eq!(r.status, Status::InvalidCode, "{name}");
        assert!(r.reason.starts_with(reason), "{name}: {}", r.reason);
    }
}

#[test]
fn module_shapes_that_are_dear_to_compile_or_instantiate_are_refused_with_the_limit() {
    let exports: String = (0..=MAX_EXPORTS)
        .map(|i| format!("(func (export \"e{i}\"))"))
        .collect();
    let br_table = format!(
        "(func (export \"f\") (block $b (br_table {} $b (i32.const 0))))",
        "$b ".repeat(MAX_BR_TABLE_TARGETS + 1)
    );
    let locals = format!(
        "(func (export \"f\") (local {}))",
        "i64 ".repeat(50_000).trim_end()
    );
    let cases = [
        (
            "exports",
            module(&exports),
            format!("limit is {}", MAX_EXPORTS + 1),
        ),
        (
            "br_table",
            module(&br_table),
            format!(
                "a br_table has {} targets; the limit is {MAX_BR_TABLE_TARGETS}",
                MAX_BR_TABLE_TARGETS + 1
            ),
        ),
        (
            "locals",
            module(&locals),
            format!("locals; the limit is {MAX_FUNCTION_LOCALS}"),
        ),
    ];
    for (name, code, reason) in cases {
        let mut chain = TestChain::new();
        let r = chain.deploy(0, &code, &[]).expect_err(name);
        assert_eq!(r.status, Status::InvalidCode, "{name}: {}", r.reason);
        assert!(
            r.reason.contains(&reason),
            "{name}: {:?} lacks {reason:?}",
            r.reason
        );
    }
}

#[test]
fn iterating_over_deleted_keys_costs_per_key_stepped_over() {
    let code = module(
        r#"
  (data (i32.const 0) "p")
  (func $clear (local $i i32)
    (loop $l (i32.store (i32.const 1) (local.get $i))
      (call $remove (i32.const 0) (i32.const 5))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 2000)))))
  (func (export "clear") (call $clear))
  (func (export "clear_then_scan")
    (call $clear)
    (drop (call $next (i32.const 0) (i32.const 1) (i32.const 0) (i32.const -1))))
  (func (export "bad_after_len")
    (drop (call $next (i32.const 0) (i32.const 1) (i32.const 0) (i32.const -2))))
"#,
    );
    let mut chain = TestChain::new();
    let contract = chain.deploy(0, &code, &[]).expect("deploys");
    let clear = chain.call(0, &contract, "clear", &[], 0);
    let scan = chain.call(0, &contract, "clear_then_scan", &[], 0);
    assert!(
        clear.is_success() && scan.is_success(),
        "{} / {}",
        clear.reason,
        scan.reason
    );
    let step = WasmParams::default().storage_step_gas.0;
    let difference = scan.gas_used.0 - clear.gas_used.0;
    assert!(
        difference >= 2_000 * step,
        "one storage_next over 2,000 deletions cost {difference} gas; at least {} expected",
        2_000 * step
    );
    // With too little gas for the deletions in its way, the scan stops out of gas.
    chain.gas_limit = Gas(clear.gas_used.0 + 1_000);
    let short = chain.call(0, &contract, "clear_then_scan", &[], 0);
    assert_eq!(short.status, Status::OutOfGas, "{}", short.reason);
    assert_eq!(short.gas_used, chain.gas_limit);

    chain.gas_limit = citychain_contract_harness::DEFAULT_GAS;
    let bad = chain.call(0, &contract, "bad_after_len", &[], 0);
    assert_eq!(bad.status, Status::Trapped);
    assert!(bad.reason.contains("-2 bytes"), "{}", bad.reason);
}

/// A module of `functions` functions whose `noop` does nothing.
fn with_functions(functions: usize) -> Vec<u8> {
    let fs: String = (0..functions)
        .map(|i| format!("(func $f{i} (drop (i32.const {i})))"))
        .collect();
    module(&format!("(func (export \"noop\")) {fs}"))
}

#[test]
fn instantiation_costs_by_shape_and_the_first_run_in_a_block_pays_for_loading() {
    let p = WasmParams::default();
    let mut chain = TestChain::new();
    let small = chain.deploy(0, &with_functions(0), &[]).expect("deploys");
    let large = chain
        .deploy(0, &with_functions(2_000), &[])
        .expect("deploys");
    chain.gas_limit = Gas(5_000_000);

    // Two calls of each in one block: the first pays for loading, the second does not.
    let nonce = chain.account(&chain.address(0)).nonce.0;
    let txs = vec![
        call_tx(&chain, nonce, &small, "noop"),
        call_tx(&chain, nonce + 1, &small, "noop"),
        call_tx(&chain, nonce + 2, &large, "noop"),
        call_tx(&chain, nonce + 3, &large, "noop"),
    ];
    let run = |chain: &TestChain| -> Vec<u64> {
        let (receipts, _) = chain.dry_run(&txs).expect("a valid block");
        receipts
            .iter()
            .map(|r| {
                assert!(r.is_success(), "{}", r.reason);
                r.gas_used.0
            })
            .collect()
    };
    let warm_cache = run(&chain);
    Vm::for_params(&p).forget_compiled();
    let cold_cache = run(&chain);
    assert_eq!(
        warm_cache, cold_cache,
        "gas must not depend on what a node has compiled"
    );
    let [small_first, small_again, large_first, large_again] = warm_cache[..] else {
        panic!("four receipts");
    };
    assert!(
        small_first > small_again,
        "loading is charged once per block"
    );
    assert!(large_first > large_again);
    assert!(
        large_first - large_again >= 2_000 * p.load_function_gas.0,
        "loading 2,000 functions cost {}",
        large_first - large_again
    );
    assert!(
        large_again - small_again >= 2_000 * p.instantiate_item_gas.0,
        "instantiating 2,000 more functions cost {}",
        large_again - small_again
    );

    // A call that cannot pay for loading is out of gas before the code is compiled, and ends
    // the same whether or not it was compiled already.
    chain.gas_limit = Gas(50_000);
    let nonce = chain.account(&chain.address(0)).nonce.0;
    let poor = [call_tx(&chain, nonce, &large, "noop")];
    let (a, _) = chain.dry_run(&poor).expect("valid");
    Vm::for_params(&p).forget_compiled();
    let (b, _) = chain.dry_run(&poor).expect("valid");
    assert_eq!(a, b);
    assert_eq!(a[0].status, Status::OutOfGas);
}

#[test]
fn an_out_of_gas_query_reports_its_whole_limit() {
    let mut chain = TestChain::new();
    let code = module(r#"(func (export "spin") (loop $l (br $l)))"#);
    let contract = chain.deploy(0, &code, &[]).expect("deploys");
    chain.gas_limit = Gas(1_000_003);
    let q = chain.query(&chain.address(0), &contract, "spin", &[]);
    assert_eq!(q.status, Status::OutOfGas);
    assert_eq!(q.gas_used, Gas(1_000_003));
}

#[test]
fn a_query_past_its_time_limit_stops_at_its_next_host_call() {
    let mut chain = TestChain::new();
    let code = module(
        r#"(data (i32.const 0) "k")
  (func (export "busy") (loop $l (call $write (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1)) (br $l)))"#,
    );
    let contract = chain.deploy(0, &code, &[]).expect("deploys");
    let q = chain.query_until(
        &chain.address(0),
        &contract,
        "busy",
        &[],
        std::time::Instant::now(),
    );
    assert_eq!(q.status, Status::OutOfGas);
    assert_eq!(q.reason, "the query's time limit was reached");
    assert!(q.gas_used.0 < 100_000, "stopped early: {}", q.gas_used);
}
