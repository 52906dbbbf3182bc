//! Resource bounds of the API (RELIABILITY 14, 15): JSON-RPC batches, `tx_submitBatch`
//! entries and subscriptions per connection are bounded and refused before any work, with the
//! codes docs/protocol.md gives; the node keeps serving and its memory stays bounded.

use crate::harness::{DevNode, block_on, http_post};
use citychain_client::CitychainApiClient;

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn batch(calls: usize, method: &str, params: &str) -> Vec<u8> {
    let items: Vec<String> = (0..calls)
        .map(|i| format!(r#"{{"jsonrpc":"2.0","id":{i},"method":"{method}","params":{params}}}"#))
        .collect();
    format!("[{}]", items.join(",")).into_bytes()
}

#[test]
fn batches_and_subscriptions_are_bounded_before_any_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), &[]);
    let addr = node.rpc_addr;

    // A JSON-RPC batch of 100 calls is answered call by call; 101 get one error and no call
    // runs.
    let (_, body) = http_post(addr, &batch(100, "chain_status", "[]"));
    assert_eq!(
        body.matches("\"result\"").count(),
        100,
        "{}",
        &body[..body.len().min(300)]
    );
    let (_, body) = http_post(addr, &batch(101, "chain_status", "[]"));
    assert!(
        body.contains("-32010") && !body.contains("\"result\""),
        "{body}"
    );

    // `tx_submitBatch` takes at most 10,000 transactions: 3 million tiny entries (a 16 MiB
    // body) are refused while being read, with invalid params.
    let entries = vec!["\"0x\""; 3_000_000].join(",");
    let huge =
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"tx_submitBatch","params":[[{entries}]]}}"#);
    assert!(huge.len() < 16 << 20);
    let before = rss_kib(node.pid());
    let mut answers = Vec::new();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| http_post(addr, huge.as_bytes())))
            .collect();
        for h in handles {
            answers.push(h.join().expect("thread"));
        }
    });
    let after = rss_kib(node.pid());
    for (_, body) in &answers {
        assert!(
            body.contains("-32602") && body.contains("at most 10000"),
            "{}",
            &body[..body.len().min(400)]
        );
    }
    eprintln!("peak RSS before {before} KiB, after four concurrent 16 MiB batches {after} KiB");
    assert!(
        after < before + 512 * 1024,
        "peak memory grew by {} MiB under four 16 MiB batches",
        (after - before) / 1024
    );

    // Subscriptions per connection: 128, then a clear refusal; the connection keeps working.
    block_on(async {
        let ws = node.client().ws().await.expect("websocket");
        let mut subs = Vec::new();
        for _ in 0..128 {
            subs.push(ws.chain_subscribe_finalized().await.expect("subscribes"));
        }
        let err = ws
            .chain_subscribe_finalized()
            .await
            .expect_err("the 129th is refused");
        assert!(
            err.to_string().to_lowercase().contains("subscription"),
            "{err}"
        );
        drop(subs);
        let status = node.client().status().await.expect("still serving");
        assert!(!status.chain_id.is_empty());
    });
}
