//! Gas calibration: nanoseconds per gas of every WASM instruction class, every host function
//! (with its worst case), instantiation of the largest allowed module shapes and compilation of
//! the worst allowed module, each against a block of native transfers on the same machine.
//!
//! `cargo bench -p citychain-contract-harness --bench gas_calibration` prints one row per case: the gas
//! the block used, its median time (execution plus state root, as a verifying validator does it,
//! signatures excluded), nanoseconds per gas, and the ratio to the native transfer's. The gas
//! table in `WasmParams::default` is set so that no row exceeds `MAX_RATIO` (docs/contracts.md,
//! "How the prices were set"). `--quick` runs fewer repetitions; `--json` prints the rows as JSON.

use citychain_contract_harness::TestChain;
use citychain_execution::contracts::Vm;
use citychain_types::{Amount, ChainParams, Gas, Payload, SignedTransaction, Suite, WasmParams};
use std::time::{Duration, Instant};

/// The most a case's time per gas may exceed a native transfer's.
const MAX_RATIO: f64 = 5.0;
/// Gas of each contract transaction in a case.
const TX_GAS: u64 = 20_000_000;

const IMPORTS: &str = r#"
  (import "citychain" "input" (func $input (result i32)))
  (import "citychain" "read_register" (func $reg (param i32)))
  (import "citychain" "storage_read" (func $read (param i32 i32) (result i32)))
  (import "citychain" "storage_write" (func $write (param i32 i32 i32 i32)))
  (import "citychain" "storage_remove" (func $remove (param i32 i32)))
  (import "citychain" "storage_next" (func $next (param i32 i32 i32 i32) (result i32)))
  (import "citychain" "set_output" (func $out (param i32 i32)))
  (import "citychain" "caller" (func $caller (param i32)))
  (import "citychain" "balance" (func $balance (param i32 i32)))
  (import "citychain" "transfer" (func $transfer (param i32 i32) (result i32)))
  (import "citychain" "block_height" (func $height (result i64)))
  (import "citychain" "emit" (func $emit (param i32 i32 i32 i32)))
  (import "citychain" "call" (func $call (param i32 i32 i32 i32 i32 i32 i64) (result i32)))
  (import "citychain" "hash" (func $hash (param i32 i32 i32)))
  (import "citychain" "verify" (func $verify (param i32 i32 i32 i32 i32) (result i32)))
"#;

fn wat(text: &str) -> Vec<u8> {
    wat::parse_str(text).unwrap_or_else(|e| panic!("calibration WAT does not parse: {e}\n{text}"))
}

/// A module whose `run` repeats `body` (16 copies per iteration) until it runs out of gas.
/// `$x` (i64), `$y` (i32) and `$k` (i32) are locals the body may use; `extra` goes at module
/// level.
fn looping(body: &str, extra: &str) -> Vec<u8> {
    let unrolled = body.repeat(16);
    wat(&format!(
        r#"(module {IMPORTS} (memory (export "memory") 4)
  (global $g (mut i64) (i64.const 0))
  {extra}
  (func (export "run") (local $x i64) (local $y i32) (local $k i32)
    (local.set $y (i32.const 7))
    (loop $l {unrolled} (br $l))))"#
    ))
}

/// A module of `exports` entry points, `functions` functions, `globals` globals, `data` bytes of
/// data segments and `elements` table elements, whose `noop` does nothing. Its instances are
/// never reused (it has a passive data segment): every call instantiates it afresh.
fn shaped(
    exports: usize,
    functions: usize,
    globals: usize,
    data: usize,
    elements: usize,
) -> Vec<u8> {
    let mut m = shape_text(4, exports, functions, globals, data, elements);
    m.insert_str(m.len() - 1, "(data \"\")\n");
    wat(&m)
}

/// [`shaped`] with instances a block resets and reuses between calls (so at most
/// `MAX_REUSED_PAGES` of memory).
fn shaped_reused(globals: usize, data: usize, elements: usize) -> Vec<u8> {
    let pages = citychain_execution::contracts::MAX_REUSED_PAGES;
    wat(&shape_text(pages, 0, 0, globals, data, elements))
}

fn shape_text(
    pages: u64,
    exports: usize,
    functions: usize,
    globals: usize,
    data: usize,
    elements: usize,
) -> String {
    let mut m = format!("(module (memory (export \"memory\") {pages})\n");
    m.push_str("(func $noop (export \"noop\"))\n");
    for i in 0..functions {
        m.push_str(&format!("(func $f{i} (drop (i32.const {i})))\n"));
    }
    for i in 0..exports {
        let f = if functions > 0 { i % functions } else { 0 };
        let target = if functions > 0 {
            format!("$f{f}")
        } else {
            "$noop".into()
        };
        m.push_str(&format!("(export \"e{i}\" (func {target}))\n"));
    }
    for i in 0..globals {
        m.push_str(&format!("(global (mut i64) (i64.const {i}))\n"));
    }
    let mut offset = 0;
    while offset < data {
        let n = (data - offset).min(4096);
        m.push_str(&format!(
            "(data (i32.const {offset}) \"{}\")\n",
            "\\ab".repeat(n)
        ));
        offset += n;
    }
    if elements > 0 {
        m.push_str(&format!("(table {elements} funcref)\n(elem (i32.const 0)"));
        for _ in 0..elements {
            m.push_str(" $noop");
        }
        m.push_str(")\n");
    }
    m.push(')');
    m
}

/// A module that is all code of one expensive-to-compile shape, close to `bytes` long.
fn compile_heavy(kind: &str, bytes: usize) -> Vec<u8> {
    let mut m = String::from("(module (memory (export \"memory\") 1)\n");
    match kind {
        "br_table" => {
            // Functions of one br_table with as many targets as allowed.
            let targets = citychain_execution::contracts::MAX_BR_TABLE_TARGETS;
            let per_fn = targets * 2 + 16;
            for i in 0..(bytes / per_fn).max(1) {
                let export = if i == 0 { "(export \"f0\")" } else { "" };
                m.push_str(&format!(
                    "(func {export} (block $b (br_table {} $b (i32.const 0))))\n",
                    "$b ".repeat(targets)
                ));
            }
        }
        "locals" => {
            let locals = citychain_execution::contracts::MAX_FUNCTION_LOCALS;
            let functions =
                (bytes / (locals * 2 + 16)).min(citychain_execution::contracts::MAX_FUNCTIONS - 1);
            for i in 0..functions {
                let export = if i == 0 { "(export \"f0\")" } else { "" };
                // Locals of alternating types do not compress into one declaration.
                let decl: String = (0..locals)
                    .map(|j| {
                        if j % 2 == 0 {
                            "(local i64)"
                        } else {
                            "(local i32)"
                        }
                    })
                    .collect();
                m.push_str(&format!(
                    "(func {export} {decl} (local.set 0 (i64.const 1)))\n"
                ));
            }
        }
        "functions" => {
            // As many functions as allowed, each a short run of arithmetic.
            let functions = citychain_execution::contracts::MAX_FUNCTIONS - 1;
            let ops = ((bytes / functions).saturating_sub(12) / 7).max(1);
            for i in 0..functions {
                let export = if i == 0 { "(export \"f0\")" } else { "" };
                m.push_str(&format!("(func {export} (local $x i64)\n"));
                for _ in 0..ops {
                    m.push_str("(local.set $x (i64.add (local.get $x) (i64.const 1)))\n");
                }
                m.push_str(")\n");
            }
        }
        _ => {
            // Long straight-line arithmetic.
            let ops = bytes / 8;
            m.push_str("(func (export \"f\") (local $x i64)\n");
            for _ in 0..ops {
                m.push_str("(local.set $x (i64.add (local.get $x) (i64.const 1)))\n");
            }
            m.push_str(")\n");
        }
    }
    m.push(')');
    let code = wat(&m);
    let max = WasmParams::default().max_code_bytes as usize;
    assert!(code.len() <= max, "{kind} module is {} bytes", code.len());
    code
}

struct Row {
    name: String,
    gas: u64,
    time: Duration,
}

impl Row {
    fn ns_per_gas(&self) -> f64 {
        self.time.as_nanos() as f64 / self.gas.max(1) as f64
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Times `txs` as one block on `chain`, `reps` times; `before` runs ahead of each repetition
/// (outside the clock).
fn measure(
    chain: &TestChain,
    name: &str,
    txs: &[SignedTransaction],
    reps: usize,
    before: &dyn Fn(),
) -> Row {
    let mut times = Vec::with_capacity(reps);
    let mut gas = 0;
    for _ in 0..reps {
        before();
        let start = Instant::now();
        let (receipts, _root) = chain.dry_run(txs).unwrap_or_else(|e| panic!("{name}: {e}"));
        times.push(start.elapsed());
        gas = receipts.iter().map(|r| r.gas_used.0).sum();
    }
    Row {
        name: name.into(),
        gas,
        time: median(times),
    }
}

fn bench_params() -> ChainParams {
    ChainParams {
        block_gas_limit: Gas(100_000_000_000),
        max_tx_gas: Gas(TX_GAS),
        ..ChainParams::default()
    }
}

fn deploy(chain: &mut TestChain, code: &[u8]) -> citychain_types::Address {
    chain.gas_limit = Gas(TX_GAS);
    chain
        .deploy(0, code, &[])
        .unwrap_or_else(|r| panic!("calibration module does not deploy: {}", r.reason))
}

fn calls(
    chain: &TestChain,
    contract: &citychain_types::Address,
    method: &str,
    n: usize,
) -> Vec<SignedTransaction> {
    let nonce = chain.account(&chain.address(0)).nonce.0;
    (0..n as u64)
        .map(|i| {
            chain.sign_with_nonce(
                0,
                nonce + i,
                Payload::Call {
                    contract: *contract,
                    method: method.into(),
                    args: Vec::new(),
                    value: Amount(0),
                },
            )
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let json = args.iter().any(|a| a == "--json");
    let reps = if quick { 3 } else { 7 };
    let filter = args.iter().skip(1).find(|a| !a.starts_with("--")).cloned();
    let mut chain = TestChain::with(Suite::Ed25519, bench_params());
    let mut rows: Vec<Row> = Vec::new();
    let keep = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    let nothing = || {};

    // The yardstick: a block of native transfers between fresh accounts.
    chain.gas_limit = Gas(10_000);
    let transfers: Vec<SignedTransaction> = (0..4_000u64)
        .map(|i| {
            let mut to = [0u8; 20];
            to[..8].copy_from_slice(&(i + 1).to_be_bytes());
            chain.sign_with_nonce(
                0,
                i,
                Payload::Transfer {
                    to: citychain_types::Address(to),
                    amount: Amount(1),
                },
            )
        })
        .collect();
    let transfer = measure(&chain, "native transfer", &transfers, reps, &nothing);

    // WASM instruction classes, each a loop of one kind of instruction.
    let classes: Vec<(&str, &str, &str)> = vec![
        ("wasm: empty loop", "(nop)", ""),
        (
            "wasm: i64 add",
            "(local.set $x (i64.add (local.get $x) (i64.const 3)))",
            "",
        ),
        (
            "wasm: i64 mul",
            "(local.set $x (i64.mul (local.get $x) (i64.const 3)))",
            "",
        ),
        (
            "wasm: i64 div/rem",
            "(local.set $x (i64.rem_u (i64.div_u (i64.const -1) (i64.const 7)) (i64.const 5)))",
            "",
        ),
        (
            "wasm: i32 shifts/compare",
            "(local.set $y (i32.lt_u (i32.shl (local.get $y) (i32.const 3)) (i32.const 9)))",
            "",
        ),
        (
            "wasm: globals",
            "(global.set $g (i64.add (global.get $g) (i64.const 1)))",
            "",
        ),
        (
            "wasm: select",
            "(local.set $y (select (local.get $y) (i32.const 1) (local.get $y)))",
            "",
        ),
        ("wasm: load", "(local.set $x (i64.load (i32.const 64)))", ""),
        (
            "wasm: store",
            "(i64.store (i32.const 64) (local.get $x))",
            "",
        ),
        (
            "wasm: load8/store8",
            "(i32.store8 (i32.const 65) (i32.load8_u (i32.const 66)))",
            "",
        ),
        ("wasm: call", "(call $leaf)", "(func $leaf)"),
        (
            "wasm: call with args",
            "(local.set $x (call $add (local.get $x) (i64.const 1)))",
            "(func $add (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))",
        ),
        (
            "wasm: call_indirect",
            "(call_indirect (type $t) (i32.const 0))",
            "(type $t (func)) (table 1 funcref) (elem (i32.const 0) $leaf) (func $leaf)",
        ),
        (
            "wasm: br_table",
            "(block $a (block $b (block $c (br_table $a $b $c (i32.and (local.get $y) (i32.const 3))))))",
            "",
        ),
        ("wasm: br_if", "(block $a (br_if $a (local.get $y)))", ""),
        ("wasm: memory.size", "(local.set $y (memory.size))", ""),
        (
            "wasm: memory.fill 64 KiB",
            "(memory.fill (i32.const 0) (i32.const 1) (i32.const 65536))",
            "",
        ),
        (
            "wasm: memory.copy 64 KiB",
            "(memory.copy (i32.const 0) (i32.const 65536) (i32.const 65536))",
            "",
        ),
        (
            "wasm: memory.fill 8 B",
            "(memory.fill (i32.const 0) (i32.const 1) (i32.const 8))",
            "",
        ),
    ];
    // Host functions, with their worst cases.
    let data = r#"(data (i32.const 0) "key") (data (i32.const 16) "topic")"#;
    let host: Vec<(&str, &str, &str)> = vec![
        ("host: block_height", "(drop (call $height))", ""),
        ("host: caller", "(call $caller (i32.const 64))", ""),
        (
            "host: storage_read missing",
            "(drop (call $read (i32.const 0) (i32.const 3)))",
            data,
        ),
        (
            "host: storage_read 256 B key",
            "(drop (call $read (i32.const 0) (i32.const 256)))",
            data,
        ),
        (
            "host: storage_write 8 B",
            "(call $write (i32.const 0) (i32.const 3) (i32.const 64) (i32.const 8))",
            data,
        ),
        (
            "host: storage_write 64 KiB",
            "(call $write (i32.const 0) (i32.const 3) (i32.const 1024) (i32.const 65536))",
            data,
        ),
        (
            "host: storage_write new keys",
            "(i32.store (i32.const 0) (local.get $k)) (local.set $k (i32.add (local.get $k) (i32.const 1))) (call $write (i32.const 0) (i32.const 4) (i32.const 64) (i32.const 8))",
            data,
        ),
        (
            "host: storage_remove",
            "(call $remove (i32.const 0) (i32.const 3))",
            data,
        ),
        (
            "host: storage_remove new keys",
            "(i32.store (i32.const 0) (local.get $k)) (local.set $k (i32.add (local.get $k) (i32.const 1))) (call $remove (i32.const 0) (i32.const 4))",
            data,
        ),
        (
            "host: emit 8 B",
            "(call $emit (i32.const 16) (i32.const 5) (i32.const 64) (i32.const 8))",
            data,
        ),
        (
            "host: hash 32 B",
            "(call $hash (i32.const 0) (i32.const 32) (i32.const 64))",
            "",
        ),
        (
            "host: hash 64 KiB",
            "(call $hash (i32.const 0) (i32.const 65536) (i32.const 64))",
            "",
        ),
        (
            "host: verify (bad key)",
            "(drop (call $verify (i32.const 0) (i32.const 32) (i32.const 0) (i32.const 32) (i32.const 128)))",
            "",
        ),
        (
            "host: balance",
            "(call $balance (i32.const 0) (i32.const 64))",
            "",
        ),
        (
            "host: transfer 0",
            "(drop (call $transfer (i32.const 0) (i32.const 64)))",
            "",
        ),
        (
            "host: input + read_register",
            "(drop (call $input)) (call $reg (i32.const 64))",
            "",
        ),
    ];
    for (name, body, extra) in classes.iter().chain(host.iter()) {
        if !keep(name) {
            continue;
        }
        let contract = deploy(&mut chain, &looping(body, extra));
        let txs = calls(&chain, &contract, "run", 2);
        rows.push(measure(&chain, name, &txs, reps, &nothing));
    }

    // A real signature check: verify over 32 bytes with a valid key.
    if keep("host: verify") {
        let key = citychain_crypto::SecretKey::insecure_from_label(Suite::Ed25519, "calibration");
        let pk = key.public_key();
        let msg = [7u8; 32];
        let sig = key.sign(
            citychain_execution::contracts::CONTRACT_MESSAGE_NAMESPACE,
            &msg,
        );
        let hex = |b: &[u8]| b.iter().map(|x| format!("\\{x:02x}")).collect::<String>();
        let extra = format!(
            r#"(data (i32.const 0) "{}") (data (i32.const 64) "{}") (data (i32.const 128) "{}")"#,
            hex(&citychain_types::Encode::encode(&pk)),
            hex(&msg),
            hex(&sig.0)
        );
        let key_len = citychain_types::Encode::encode(&pk).len();
        let body = format!(
            "(drop (call $verify (i32.const 0) (i32.const {key_len}) (i32.const 64) (i32.const 32) (i32.const 128)))"
        );
        let body = body.as_str();
        let contract = deploy(&mut chain, &looping(body, &extra));
        let txs = calls(&chain, &contract, "run", 2);
        rows.push(measure(
            &chain,
            "host: verify (valid)",
            &txs,
            reps,
            &nothing,
        ));
    }

    // storage_next over keys this transaction removed, and over committed removals.
    if keep("storage_next") {
        let body =
            r#"(drop (call $next (i32.const 0) (i32.const 1) (i32.const 0) (i32.const -1)))"#;
        let extra = r#"(data (i32.const 0) "p")
  (func (export "fill") (local $i i32)
    (loop $l (i32.store (i32.const 1) (local.get $i))
      (call $write (i32.const 0) (i32.const 5) (i32.const 64) (i32.const 8))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 2000)))))
  (func (export "clear") (local $i i32)
    (loop $l (i32.store (i32.const 1) (local.get $i))
      (call $remove (i32.const 0) (i32.const 5))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 2000)))))
  (func (export "clear_then_scan") (local $x i64) (local $y i32) (local $k i32)
    (call $clear_inner)
    (loop $l (drop (call $next (i32.const 0) (i32.const 1) (i32.const 0) (i32.const -1))) (br $l)))
  (func $clear_inner (local $i i32)
    (loop $l (i32.store (i32.const 1) (i32.add (local.get $i) (i32.const 100000)))
      (call $remove (i32.const 0) (i32.const 5))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 2000)))))"#;
        let contract = deploy(&mut chain, &looping(body, extra));
        let txs = calls(&chain, &contract, "run", 2);
        rows.push(measure(
            &chain,
            "host: storage_next (no keys)",
            &txs,
            reps,
            &nothing,
        ));
        let txs = calls(&chain, &contract, "clear_then_scan", 2);
        rows.push(measure(
            &chain,
            "host: storage_next over 2000 removed in the tx",
            &txs,
            reps,
            &nothing,
        ));
        for method in ["fill", "clear"] {
            let r = chain.call(0, &contract, method, &[], 0);
            assert!(r.is_success(), "{method}: {}", r.reason);
        }
        let txs = calls(&chain, &contract, "run", 2);
        rows.push(measure(
            &chain,
            "host: storage_next over 2000 committed removals",
            &txs,
            reps,
            &nothing,
        ));
    }

    // Instantiation of the largest shapes, with and without the module cache; and resetting
    // the largest shapes whose instances are reused (a page of memory to write back).
    use citychain_execution::contracts::{
        MAX_EXPORTS, MAX_FUNCTIONS, MAX_GLOBALS, MAX_REUSED_GLOBALS,
    };
    let shapes: Vec<(&str, Vec<u8>)> = vec![
        ("instantiate: minimal module", shaped(0, 0, 0, 0, 0)),
        (
            "instantiate: max exports",
            shaped(MAX_EXPORTS - 1, MAX_EXPORTS - 1, 0, 0, 0),
        ),
        (
            "instantiate: max functions",
            shaped(0, MAX_FUNCTIONS - 1, 0, 0, 0),
        ),
        ("instantiate: max globals", shaped(0, 0, MAX_GLOBALS, 0, 0)),
        ("instantiate: 200 KB of data", shaped(0, 0, 0, 200_000, 0)),
        ("instantiate: max table", shaped(0, 0, 0, 0, 4096)),
        (
            "reuse: most mutable globals",
            shaped_reused(MAX_REUSED_GLOBALS, 0, 0),
        ),
        (
            "reuse: 1 page (the most), 60 KB of data",
            shaped_reused(0, 60_000, 0),
        ),
        ("reuse: max table", shaped_reused(0, 0, 4096)),
    ];
    for (name, code) in &shapes {
        if !keep(name) {
            continue;
        }
        let contract = deploy(&mut chain, code);
        let txs = calls(&chain, &contract, "noop", 200);
        rows.push(measure(&chain, name, &txs, reps, &nothing));
        let cold = format!("{name}, not cached");
        let txs = calls(&chain, &contract, "noop", 1);
        rows.push(measure(&chain, &cold, &txs, reps, &|| {
            Vm::for_params(&WasmParams::default()).forget_compiled()
        }));
    }

    // Compilation: deployments of the worst modules this chain accepts.
    let max = WasmParams::default().max_code_bytes as usize - 8_192;
    for kind in ["br_table", "locals", "functions", "straight"] {
        let name = format!("deploy: {kind} module");
        if !keep(&name) {
            continue;
        }
        let code = compile_heavy(kind, max);
        chain.gas_limit = Gas(TX_GAS);
        let nonce = chain.account(&chain.address(0)).nonce.0;
        let tx = chain.sign_with_nonce(
            0,
            nonce,
            Payload::Deploy {
                code: code.clone(),
                init_args: Vec::new(),
            },
        );
        let row = measure(
            &chain,
            &format!("{name} ({} KB)", code.len() / 1024),
            &[tx],
            reps,
            &nothing,
        );
        rows.push(row);
        if let Ok(contract) = chain.deploy(0, &code, &[]) {
            let method = if kind == "straight" { "f" } else { "f0" };
            let txs = calls(&chain, &contract, method, 1);
            rows.push(measure(
                &chain,
                &format!("call: {kind} module, not cached"),
                &txs,
                reps,
                &|| Vm::for_params(&WasmParams::default()).forget_compiled(),
            ));
        }
    }

    report(&transfer, &rows, json);
}

fn report(transfer: &Row, rows: &[Row], json: bool) {
    let base = transfer.ns_per_gas();
    let worst = rows
        .iter()
        .map(|r| r.ns_per_gas() / base)
        .fold(0.0f64, f64::max);
    if json {
        let items: Vec<String> = std::iter::once(transfer)
            .chain(rows)
            .map(|r| {
                format!(
                    "{{\"case\":{:?},\"gas\":{},\"ns\":{},\"ns_per_gas\":{:.3},\"ratio\":{:.2}}}",
                    r.name,
                    r.gas,
                    r.time.as_nanos(),
                    r.ns_per_gas(),
                    r.ns_per_gas() / base
                )
            })
            .collect();
        println!("[{}]", items.join(",\n"));
        return;
    }
    println!(
        "{:<56} {:>12} {:>10} {:>9} {:>7}",
        "case", "gas", "ms", "ns/gas", "ratio"
    );
    for r in std::iter::once(transfer).chain(rows) {
        let ratio = r.ns_per_gas() / base;
        println!(
            "{:<56} {:>12} {:>10.2} {:>9.3} {:>6.2}{}",
            r.name,
            r.gas,
            r.time.as_secs_f64() * 1e3,
            r.ns_per_gas(),
            ratio,
            if ratio > MAX_RATIO { " !" } else { "" }
        );
    }
    println!(
        "worst ratio {worst:.2} (limit {MAX_RATIO}); a native transfer: {:.3} ns per gas",
        base
    );
}
