//! Bad input of every kind gets a clear error and changes nothing.

use crate::harness::{DevNode, block_on, http_post, wait_for_height};
use citychain_client::api::*;
use citychain_client::{ClientError, keys::open_key_file};
use citychain_types::{
    Amount, ChainId, Encode, Gas, Nonce, Payload, SignedTransaction, Transaction,
};
use std::time::Duration;

#[test]
fn bad_transactions_and_requests_are_rejected_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), &["--empty-block-interval-ms", "150"]);
    let alice =
        open_key_file(&node.account("alice").key_file, |_| unreachable!()).expect("alice key");
    let bob = node.account("bob").address;
    let chain_id = node.genesis().chain_id;
    let tx = |nonce: u64, chain: &ChainId| {
        Transaction {
            chain_id: chain.clone(),
            sender: alice.public_key(),
            nonce: Nonce(nonce),
            gas_limit: Gas(100_000),
            payload: Payload::Transfer {
                to: bob,
                amount: Amount(7),
            },
        }
        .sign(&alice)
    };

    block_on(async {
        let client = node.client();
        // One good transfer first, so a replay has something to replay.
        let first = tx(0, &chain_id);
        client.submit(&first).await.expect("valid");
        let r = client
            .wait_for_receipt(first.hash(), Duration::from_secs(30))
            .await
            .expect("receipt");
        wait_for_height(&client, r.inclusion.height).await;
        let before = client.status().await.expect("status");

        let mut forged_sig = *tx(1, &chain_id).signature();
        forged_sig.0[3] ^= 0x10;
        let forged = SignedTransaction::new(tx(1, &chain_id).transaction().clone(), forged_sig);
        let cases: Vec<(String, &str)> = vec![
            ("0xdeadbeef".into(), "malformed"),
            (
                citychain_crypto::hex::encode(
                    tx(1, &ChainId::new("other-chain").expect("id")).encode(),
                ),
                "wrong_chain",
            ),
            (
                citychain_crypto::hex::encode(forged.encode()),
                "bad_signature",
            ),
            (
                citychain_crypto::hex::encode(first.encode()),
                "nonce_too_low",
            ),
            (
                citychain_crypto::hex::encode(tx(1_000_000, &chain_id).encode()),
                "nonce_too_high",
            ),
            (format!("0x{}", "00".repeat(600_000)), "too_large"),
        ];
        for (hex, code) in cases {
            match client.rpc().tx_submit(hex).await.map_err(ClientError::from) {
                Err(ClientError::Rejected { code: got, message }) => {
                    assert_eq!(got, code, "message: {message}");
                    assert!(!message.is_empty());
                }
                other => panic!("expected rejection {code}, got {other:?}"),
            }
        }
        // Not even hex.
        let err = client
            .rpc()
            .tx_submit("not hex".into())
            .await
            .expect_err("invalid params");
        assert!(err.to_string().contains("transaction"), "{err}");

        // Garbage JSON, a wrong method, and a body over the size limit.
        let (status, body) = http_post(node.rpc_addr, b"{this is not json");
        assert!(
            body.contains("\"code\":-32700"),
            "parse error expected: {status} {body}"
        );
        let (_, body) = http_post(
            node.rpc_addr,
            br#"{"jsonrpc":"2.0","id":1,"method":"chain_nope","params":[]}"#,
        );
        assert!(body.contains("-32601"), "method not found expected: {body}");
        // Epoch queries out of range: clear errors, or nothing.
        let err = client
            .rpc()
            .chain_get_validators(Some(u64::MAX))
            .await
            .expect_err("an epoch that has not started");
        assert!(err.to_string().contains("has not started"), "{err}");
        let err = client
            .rpc()
            .chain_get_epoch_records(0, None)
            .await
            .expect_err("epoch 0 has no record");
        assert!(err.to_string().contains("genesis"), "{err}");
        for (from, count) in [(u64::MAX, Some(64)), (1 << 40, None)] {
            let records = client
                .rpc()
                .chain_get_epoch_records(from, count)
                .await
                .expect("answers");
            assert!(records.is_empty(), "{from} {count:?}: {records:?}");
        }
        // The document's bound on `count` (1 to 64) is the node's.
        for count in [0, 65, u32::MAX] {
            let err = client
                .rpc()
                .chain_get_epoch_records(1, Some(count))
                .await
                .expect_err("count out of range");
            assert!(err.to_string().contains("1 to 64"), "{count}: {err}");
        }
        let huge = format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"tx_submit","params":["0x{}"]}}"#,
            "00".repeat(9 << 20)
        );
        let (status, body) = http_post(node.rpc_addr, huge.as_bytes());
        assert_eq!(
            status, 413,
            "oversized request must be refused before parsing"
        );
        assert!(body.contains("Request is too big"), "{body}");

        // Blocks keep coming, and nothing moved.
        wait_for_height(&client, before.height + 3).await;
        let after = client.status().await.expect("status");
        assert_eq!(
            after.state_root, before.state_root,
            "state root changed after rejected input"
        );
        let account = client
            .rpc()
            .state_get_account(alice.public_key().address())
            .await
            .expect("account");
        assert_eq!(account.nonce, 1);
        assert_eq!(after.pending_txs, 0);
    });
}

/// Issue 10, item 16: the answers JSON-RPC 2.0 and HTTP specify, not jsonrpsee's (`null` for
/// an id it cannot keep, `-32603` for a subscription over HTTP, 200 for a failed upgrade).
#[test]
fn odd_ids_subscriptions_over_http_and_bad_upgrades_get_the_answers_the_specifications_give() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), &[]);
    let addr = node.rpc_addr;
    let body_of = |reply: &str| -> serde_json::Value {
        let body = reply.split("\r\n\r\n").nth(1).unwrap_or("");
        serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {reply}"))
    };
    for id in [
        "[1]",
        "{\"a\":1}",
        "1.5",
        "-3",
        "123456789012345678901234567890",
    ] {
        let request = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"chain_status"}}"#);
        let (status, reply) = http_post(addr, request.as_bytes());
        assert_eq!(status, 200, "{reply}");
        let answer = body_of(&reply);
        assert_eq!(answer["id"], serde_json::Value::Null, "id {id}: {answer}");
        assert_eq!(answer["error"]["code"], -32600, "id {id}: {answer}");
    }
    for method in ["chain_subscribeFinalized", "tx_subscribeReceipt"] {
        let request = format!(r#"{{"jsonrpc":"2.0","id":9,"method":"{method}","params":[]}}"#);
        let (_, reply) = http_post(addr, request.as_bytes());
        let answer = body_of(&reply);
        assert_eq!(answer["id"], 9, "{answer}");
        assert_eq!(answer["error"]["code"], -32601, "{answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("WebSocket")),
            "{answer}"
        );
    }
    // In a batch, the good calls are answered as usual beside the faulty ones.
    let (_, reply) = http_post(
        addr,
        br#"[{"jsonrpc":"2.0","id":1,"method":"chain_status"},{"jsonrpc":"2.0","id":[2],"method":"chain_status"}]"#,
    );
    let answers = body_of(&reply);
    let answers = answers.as_array().expect("a batch answer");
    assert_eq!(answers.len(), 2, "{reply}");
    assert!(
        answers
            .iter()
            .any(|a| a["id"] == 1 && a["result"]["height"].is_u64())
    );
    assert!(
        answers
            .iter()
            .any(|a| a["id"].is_null() && a["error"]["code"] == -32600)
    );
    // A WebSocket upgrade without its key is a bad request, and says what is missing.
    let (status, reply) = crate::harness::http(
        addr,
        "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
        &[],
    );
    assert_eq!(status, 400, "{reply}");
    assert!(reply.contains("Sec-WebSocket-Key"), "{reply}");
    // The subscriptions still work over a WebSocket.
    block_on(async {
        let ws = node.client().ws().await.expect("ws");
        let mut heads = ws.chain_subscribe_finalized().await.expect("subscribe");
        tokio::time::timeout(Duration::from_secs(30), heads.next())
            .await
            .expect("a head within 30 s")
            .expect("open")
            .expect("a head");
    });
    assert!(
        !node.stderr().contains("Subscriptions not supported"),
        "the server still logs a warning per request"
    );
}
