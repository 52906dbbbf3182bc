//! kill -9 and restart: nothing acknowledged is lost, the chain continues.

use crate::harness::{DevNode, block_on, wait_for_height};
use citychain_client::{CitychainApiClient, keys::open_key_file, types::BlockId};
use citychain_types::{Amount, Encode, Gas, Nonce, Payload, Transaction};
use std::time::Duration;

#[test]
fn kill_9_under_load_loses_no_acknowledged_transaction() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), &["--empty-block-interval-ms", "100"]);
    let alice =
        open_key_file(&node.account("alice").key_file, |_| unreachable!()).expect("alice key");
    let bob = node.account("bob").address;
    let chain_id = node.genesis().chain_id;

    // Sign 600 transfers; submit them in batches and stop at an arbitrary moment.
    let txs: Vec<_> = (0..600u64)
        .map(|n| {
            Transaction {
                chain_id: chain_id.clone(),
                sender: alice.public_key(),
                nonce: Nonce(n),
                gas_limit: Gas(100_000),
                payload: Payload::Transfer {
                    to: bob,
                    amount: Amount(1),
                },
            }
            .sign(&alice)
        })
        .collect();
    let (acked, head_before) = block_on(async {
        let client = node.client();
        for chunk in txs.chunks(100) {
            let entries = client
                .rpc()
                .tx_submit_batch(
                    chunk
                        .iter()
                        .map(|t| citychain_crypto::hex::encode(t.encode()))
                        .collect(),
                )
                .await
                .expect("batch");
            assert!(entries.iter().all(|e| e.hash.is_some()), "{entries:?}");
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        // Whatever has a receipt now was acknowledged as committed.
        let mut acked = Vec::new();
        for tx in &txs {
            if let Some(r) = client
                .rpc()
                .tx_get_receipt(tx.hash())
                .await
                .expect("receipt query")
            {
                acked.push(r);
            }
        }
        let status = client.status().await.expect("status");
        (acked, status)
    });
    assert!(
        !acked.is_empty(),
        "some transfers should have committed before the kill"
    );
    node.kill();

    let node = DevNode::start(dir.path(), &["--empty-block-interval-ms", "100"]);
    block_on(async {
        let client = node.client();
        let status = client.status().await.expect("status");
        assert!(
            status.height >= head_before.height,
            "height went back from {} to {}",
            head_before.height,
            status.height
        );
        let block = client
            .rpc()
            .chain_get_block(BlockId::Height(head_before.height), None)
            .await
            .expect("block");
        assert_eq!(
            block.hash, head_before.head_hash,
            "the committed head changed across the crash"
        );
        assert_eq!(block.header.state_root, head_before.state_root);
        for r in &acked {
            let again = client
                .rpc()
                .tx_get_receipt(r.tx_hash)
                .await
                .expect("query")
                .expect("acknowledged receipt survives");
            assert_eq!(again.inclusion.block_hash, r.inclusion.block_hash);
            assert_eq!(again.receipt, r.receipt);
        }

        // The rest can be resubmitted and everything ends up committed exactly once.
        for chunk in txs.chunks(200) {
            client
                .rpc()
                .tx_submit_batch(
                    chunk
                        .iter()
                        .map(|t| citychain_crypto::hex::encode(t.encode()))
                        .collect(),
                )
                .await
                .expect("batch");
        }
        let last = client
            .wait_for_receipt(txs[599].hash(), Duration::from_secs(60))
            .await
            .expect("all committed");
        wait_for_height(&client, last.inclusion.height).await;
        let account = client
            .rpc()
            .state_get_account(alice.public_key().address())
            .await
            .expect("account");
        assert_eq!(account.nonce, 600);
        let bob_account = client.rpc().state_get_account(bob).await.expect("account");
        assert_eq!(bob_account.balance.0, 1_000_000_000_000_000 + 600);
    });

    // A clean restart keeps the same head again.
    let status = block_on(async { node.client().status().await.expect("status") });
    drop(node);
    let node = DevNode::start(dir.path(), &[]);
    block_on(async {
        let block = node
            .client()
            .rpc()
            .chain_get_block(BlockId::Height(status.height), None)
            .await
            .expect("block");
        assert_eq!(block.hash, status.head_hash);
    });
}
