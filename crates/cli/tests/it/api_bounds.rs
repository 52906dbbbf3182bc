//! Resource bounds of the API (RELIABILITY 14, 15): JSON-RPC batches, `tx_submitBatch`
//! entries and subscriptions per connection are bounded and refused before any work, with the
//! codes docs/protocol.md gives; the node keeps serving and its memory stays bounded.

use crate::harness::{DevNode, block_on, http_post};
use citychain_client::api::*;

/// Peak resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    status_kib(pid, "VmHWM:")
}

/// A memory figure of `/proc/PID/status`, in KiB.
fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
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

/// A WebSocket client that sends and never reads: opens the connection, then writes `calls`
/// as masked text frames (a zero mask key leaves the payload as is).
fn unread_websocket(addr: std::net::SocketAddr, calls: &[String]) -> std::net::TcpStream {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.write_all(
        b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    )
    .expect("handshake");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).expect("handshake answer");
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    s.set_write_timeout(Some(std::time::Duration::from_secs(5)))
        .expect("timeout");
    for call in calls {
        let payload = call.as_bytes();
        let mut frame = vec![0x81u8];
        if payload.len() < 126 {
            frame.push(0x80 | payload.len() as u8);
        } else {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        }
        frame.extend_from_slice(&[0, 0, 0, 0]);
        frame.extend_from_slice(payload);
        // A server that stops reading (its buffer for this client is full) is what we want.
        if s.write_all(&frame).is_err() {
            break;
        }
    }
    s
}

/// Issue 10, item 8: 10 connections sending 10,000 subscription requests each and reading
/// nothing. Each gets 128 subscriptions, the rest refused; the server buffers a bounded number
/// of messages per connection, drops subscribers that read nothing for 10 s, and frees what
/// they held on close. Before the bounds, memory grew by about 3 MB/s and stayed.
#[test]
fn unread_subscriptions_keep_memory_bounded_and_are_freed_on_close() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), &["--empty-block-interval-ms", "100"]);
    let addr = node.rpc_addr;
    let calls: Vec<String> = (0..10_000)
        .map(|i| format!(r#"{{"jsonrpc":"2.0","id":{i},"method":"chain_subscribeFinalized"}}"#))
        .collect();
    let start = status_kib(node.pid(), "VmRSS:");
    let connections: Vec<_> = (0..10).map(|_| unread_websocket(addr, &calls)).collect();
    let mut samples = Vec::new();
    for _ in 0..8 {
        std::thread::sleep(std::time::Duration::from_secs(2));
        samples.push(status_kib(node.pid(), "VmRSS:"));
    }
    drop(connections);
    std::thread::sleep(std::time::Duration::from_secs(3));
    let closed = status_kib(node.pid(), "VmRSS:");
    let peak = status_kib(node.pid(), "VmHWM:");
    eprintln!(
        "RSS at start {start} KiB; every 2 s with 10 unread connections: {samples:?} KiB; 3 s \
         after closing them {closed} KiB; peak {peak} KiB"
    );
    // Bounded: the last 8 s (subscribers dropped at 10 s) add little to the first samples.
    let grew = samples[7].saturating_sub(samples[3]);
    assert!(
        grew < 16 * 1024,
        "memory kept growing with unread subscriptions: {samples:?} KiB"
    );
    // The peak is what the bounds allow: about 110 MB above the start for this debug node
    // alone, up to 140 MB under the whole suite's load (2026-12-03). Unbounded buffering is
    // caught by the growth check above; this one catches a bound set far too high.
    assert!(
        peak.saturating_sub(start) < 192 * 1024,
        "peak RSS {peak} KiB from {start} KiB"
    );
    // Closed connections give back what they held (allowing for the allocator keeping some).
    assert!(
        closed <= samples[7] + 4 * 1024,
        "RSS went on growing after closing: {closed} KiB after {samples:?}"
    );
    block_on(async {
        let status = node.client().status().await.expect("still serving");
        assert!(status.height > 0);
    });
}
