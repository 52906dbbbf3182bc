//! A newcomer's tour, as tests: transfer, receipt, offline proof verification, subscriptions.

use crate::harness::{DevNode, block_on, http_get, wait_for_height};
use citychain_client::api::*;
use citychain_client::{
    keys::open_key_file,
    types::BlockId,
    verify::{TrustRoot, verify_account, verify_header},
};
use citychain_types::{Amount, Gas};
use std::time::Duration;

fn transfer_and_verify(suite_args: &[&str]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), suite_args);
    let genesis = node.genesis();
    let alice = open_key_file(&node.account("alice").key_file, |_| {
        unreachable!("dev keys need no passphrase")
    })
    .expect("alice key");
    let bob = node.account("bob").address;
    block_on(async {
        let client = node.client();
        let before = client
            .rpc()
            .state_get_account(bob)
            .await
            .expect("account")
            .balance;
        let tx = client
            .transfer(&alice, bob, Amount(1_234), Gas(100_000))
            .await
            .expect("submit");
        let receipt = client
            .wait_for_receipt(tx.hash(), Duration::from_secs(30))
            .await
            .expect("receipt");
        assert!(receipt.receipt.is_success(), "{:?}", receipt.receipt);
        assert_eq!(receipt.receipt.events[0].topic, "transfer");
        wait_for_height(&client, receipt.inclusion.height).await;

        // Both parties' histories list it, newest first, a page at a time.
        for party in [alice.public_key().address(), bob] {
            let page = client
                .rpc()
                .tx_list_by_account(party, None, None)
                .await
                .expect("history");
            assert_eq!(page.transactions[0].hash, tx.hash(), "{party}");
            assert_eq!(page.transactions[0].height, receipt.inclusion.height);
            assert_eq!(page.indexed_from, 0);
        }
        let second = client
            .transfer(&alice, bob, Amount(1), Gas(100_000))
            .await
            .expect("submit");
        let second = client
            .wait_for_receipt(second.hash(), Duration::from_secs(30))
            .await
            .expect("receipt");
        let first_page = client
            .rpc()
            .tx_list_by_account(bob, None, Some(1))
            .await
            .expect("page");
        assert_eq!(first_page.transactions.len(), 1);
        assert_eq!(first_page.transactions[0].hash, second.tx_hash);
        let next_page = client
            .rpc()
            .tx_list_by_account(bob, first_page.next, Some(1))
            .await
            .expect("page");
        assert_eq!(next_page.transactions[0].hash, tx.hash());
        let err = client
            .rpc()
            .tx_list_by_account(bob, None, Some(100_000))
            .await
            .expect_err("limit");
        assert!(err.to_string().contains("limit"), "{err}");

        // Verify offline against our own copy of the genesis, not the node's word.
        let trust = TrustRoot::from_genesis(&genesis);
        let proof = client
            .rpc()
            .state_get_proof(bob, Some(receipt.inclusion.height))
            .await
            .expect("proof");
        let header_info = client
            .rpc()
            .chain_get_header(BlockId::Height(receipt.inclusion.height))
            .await
            .expect("header");
        let header = verify_header(&trust, &header_info).expect("final header");
        let account = verify_account(&trust, &header, &bob, &proof).expect("valid proof");
        assert_eq!(account.balance, Amount(before.0 + 1_234));

        // A forged balance fails the proof; a forged certificate fails finality.
        let mut forged = proof.clone();
        let mut acct = forged.account.expect("decoded account");
        acct.balance = Amount(acct.balance.0 + 1);
        forged.value = Some(citychain_crypto::hex::encode(
            citychain_types::Encode::encode(&acct),
        ));
        assert!(verify_account(&trust, &header, &bob, &forged).is_err());
        let mut bad_cert = header_info.clone();
        if let Some(f) = bad_cert.finality.as_mut() {
            f.signatures[0].0[0] ^= 1;
        }
        assert!(verify_header(&trust, &bad_cert).is_err());
        let mut other_genesis = genesis.clone();
        other_genesis.genesis_time_ms.0 += 1;
        assert!(
            verify_header(&TrustRoot::from_genesis(&other_genesis), &header_info).is_err(),
            "another chain's trust root"
        );
    });
}

#[test]
fn ed25519_transfer_receipt_and_offline_proof() {
    transfer_and_verify(&[]);
}

#[test]
fn sm2_transfer_receipt_and_offline_proof() {
    transfer_and_verify(&["--suite", "sm2"]);
}

#[test]
fn subscriptions_health_and_metrics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), &["--empty-block-interval-ms", "200"]);
    let alice =
        open_key_file(&node.account("alice").key_file, |_| unreachable!()).expect("alice key");
    let carol = node.account("carol").address;
    block_on(async {
        let client = node.client();
        let ws = client.ws().await.expect("websocket");
        let mut headers = ws.chain_subscribe_finalized().await.expect("subscribe");
        let first = headers.next().await.expect("a header").expect("valid");
        let second = headers.next().await.expect("a header").expect("valid");
        assert_eq!(second.header.height.0, first.header.height.0 + 1);
        assert_eq!(second.header.parent, first.hash);

        let tx = client
            .transfer(&alice, carol, Amount(5), Gas(100_000))
            .await
            .expect("submit");
        let mut receipts = ws.tx_subscribe_receipt(tx.hash()).await.expect("subscribe");
        let r = tokio::time::timeout(Duration::from_secs(30), receipts.next())
            .await
            .expect("in time")
            .expect("one")
            .expect("valid");
        assert_eq!(r.tx_hash, tx.hash());
        assert!(r.receipt.is_success());
        let got = client
            .rpc()
            .tx_get(tx.hash())
            .await
            .expect("tx_get")
            .expect("known");
        assert_eq!(got.status, "committed");
    });
    let (status, body) = http_get(node.rpc_addr, "/health");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"healthy\":true"), "{body}");
    let (status, body) = http_get(node.rpc_addr, "/metrics");
    assert_eq!(status, 200);
    assert!(
        body.contains("committed_height"),
        "metrics lack committed_height"
    );
    // Requests that are neither JSON-RPC nor a route get HTTP's answers, and JSON-RPC still
    // takes POST on the same port.
    let (status, body) = http_get(node.rpc_addr, "/no-such-page");
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("no route /no-such-page"), "{body}");
    // `GET /` is the console's page, with its script and styles beside it.
    let (status, body) = http_get(node.rpc_addr, "/");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("/console/console.js"), "{body}");
    let (status, body) = http_get(node.rpc_addr, "/console/console.js");
    assert_eq!(status, 200);
    assert!(
        body.len() > 10_000,
        "the console's script is {} bytes",
        body.len()
    );
    let (status, body) = crate::harness::http_post(
        node.rpc_addr,
        br#"{"jsonrpc":"2.0","id":1,"method":"chain_status"}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"chain_id\""), "{body}");
}

#[test]
fn without_the_account_index_history_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), &["--bare", "--no-account-index"]);
    let bob = node.account("bob").address;
    block_on(async {
        let err = node
            .client()
            .rpc()
            .tx_list_by_account(bob, None, None)
            .await
            .expect_err("no index");
        assert!(err.to_string().contains("no account index"), "{err}");
    });
}
