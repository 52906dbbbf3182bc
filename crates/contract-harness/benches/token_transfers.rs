//! Token-contract transfers against native transfers: the execution side of issue 20's part 4.
//!
//! `cargo bench -p citychain-contract-harness --bench token_transfers` executes one block of
//! transfers through the token contract in `contracts/token` and one block of native transfers
//! from the same senders to the same recipients, alternating, and prints each block's median
//! time (execution plus state root, as a verifying validator does it, signatures excluded) and
//! the token block's rate as a share of the native one. `--txs N` sets the block size (default
//! 6,000), `--reps N` the repetitions (default 7).

use citychain_contract_harness::{ACCOUNT_LABELS, TestChain, args, contract_code};
use citychain_types::{Address, Amount, ChainParams, Gas, Payload, SignedTransaction, Suite};
use std::time::{Duration, Instant};

fn flag(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} takes a number"))
        })
        .unwrap_or(default)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// `n` transactions, round-robin over the senders, each to the next account.
fn block(
    chain: &TestChain,
    n: usize,
    payload: impl Fn(Address) -> Payload,
) -> Vec<SignedTransaction> {
    let senders = ACCOUNT_LABELS.len();
    let nonces: Vec<u64> = (0..senders)
        .map(|i| chain.account(&chain.address(i)).nonce.0)
        .collect();
    (0..n)
        .map(|i| {
            let from = i % senders;
            let to = chain.address((from + 1) % senders);
            chain.sign_with_nonce(from, nonces[from] + (i / senders) as u64, payload(to))
        })
        .collect()
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let txs = flag(&argv, "--txs", 6_000);
    let reps = flag(&argv, "--reps", 7);
    let params = ChainParams {
        block_gas_limit: Gas(100_000_000_000),
        ..ChainParams::default()
    };
    let mut chain = TestChain::with(Suite::Ed25519, params);
    chain.gas_limit = Gas(40_000_000);
    let init = args(|w| {
        w.string("Bench Token")
            .string("BENCH")
            .u8(0)
            .u128(u128::from(u64::MAX));
    });
    let token = chain
        .deploy(0, &contract_code("token"), &init)
        .unwrap_or_else(|r| panic!("the token does not deploy: {}", r.reason));
    for i in 1..ACCOUNT_LABELS.len() {
        let to = chain.address(i);
        let receipt = chain.call(0, &token, "transfer", &transfer_args(to), 0);
        assert!(receipt.is_success(), "handout failed: {}", receipt.reason);
    }

    chain.gas_limit = Gas(500_000);
    let token_block = block(&chain, txs, |to| Payload::Call {
        contract: token,
        method: "transfer".into(),
        args: transfer_args(to),
        value: Amount(0),
    });
    chain.gas_limit = Gas(50_000);
    let native_block = block(&chain, txs, |to| Payload::Transfer {
        to,
        amount: Amount(1),
    });

    let mut native = Vec::with_capacity(reps);
    let mut tokens = Vec::with_capacity(reps);
    let mut gas = 0;
    for _ in 0..reps {
        native.push(time(&chain, &native_block).0);
        let (t, g) = time(&chain, &token_block);
        tokens.push(t);
        gas = g;
    }
    let (native, tokens) = (median(native), median(tokens));
    let rate = |d: Duration| txs as f64 / d.as_secs_f64();
    println!("block of {txs} transfers, median of {reps}:");
    println!(
        "  native  {:>8.1} ms  {:>9.0} tx/s",
        native.as_secs_f64() * 1e3,
        rate(native)
    );
    println!(
        "  token   {:>8.1} ms  {:>9.0} tx/s  ({} gas per transfer)",
        tokens.as_secs_f64() * 1e3,
        rate(tokens),
        gas / txs as u64
    );
    println!("  token / native: {:.2}", rate(tokens) / rate(native));
}

fn transfer_args(to: Address) -> Vec<u8> {
    let mut a = to.0.to_vec();
    a.extend_from_slice(&1u128.to_be_bytes());
    a
}

/// One dry run of `txs`: its time and the gas it used; panics if any transaction failed.
fn time(chain: &TestChain, txs: &[SignedTransaction]) -> (Duration, u64) {
    let start = Instant::now();
    let (receipts, _root) = chain.dry_run(txs).unwrap_or_else(|e| panic!("{e}"));
    let elapsed = start.elapsed();
    if let Some(r) = receipts.iter().find(|r| !r.is_success()) {
        panic!("a transfer failed: {:?} {}", r.status, r.reason);
    }
    (elapsed, receipts.iter().map(|r| r.gas_used.0).sum())
}
