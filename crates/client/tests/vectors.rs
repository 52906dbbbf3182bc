//! The test vectors of `docs/protocol.md`, recomputed from their inputs by the real code.
//!
//! `cargo test -p citychain-client --test vectors -- --ignored --nocapture` prints them.

use citychain_client::verify::finalize_message;
use citychain_crypto::{Address, Hash, SecretKey, Suite, framed};
use citychain_state::{StateStore, StateView};
use citychain_types::{
    Account, Amount, BlockHeader, ChainId, Encode, Gas, Height, Nonce, Payload, TimestampMs,
    Transaction, ValidatorKey,
    block::{receipts_root, tx_root},
    layout,
    transaction::TX_NAMESPACE,
};
use serde_json::{Value, json};

fn hex(b: impl AsRef<[u8]>) -> String {
    citychain_crypto::hex::encode(b)
}

fn key(suite: Suite, secret: &str) -> SecretKey {
    SecretKey::from_bytes(suite, &citychain_crypto::hex::decode(secret).expect("hex"))
        .expect("valid secret")
}

fn transfer_vector(suite: Suite, secret: &str) -> (Value, citychain_types::SignedTransaction) {
    let sk = key(suite, secret);
    let to: Address = "0x00112233445566778899aabbccddeeff00112233"
        .parse()
        .expect("address");
    let tx = Transaction {
        chain_id: ChainId::new("citychain-test").expect("id"),
        sender: sk.public_key(),
        nonce: Nonce(7),
        gas_limit: Gas(100_000),
        payload: Payload::Transfer {
            to,
            amount: Amount(1_000),
        },
    };
    let signed = tx.clone().sign(&sk);
    assert!(signed.verify_signature());
    let v = json!({
        "secret_key": secret,
        "public_key": sk.public_key().to_string(),
        "address": sk.public_key().address().to_string(),
        "chain_id": "citychain-test",
        "nonce": 7,
        "gas_limit": 100000,
        "to": to.to_string(),
        "amount": "1000",
        "tx_bytes": hex(tx.encode()),
        "signing_message": hex(tx.signing_message()),
        "tx_hash": signed.hash().to_string(),
        "signature": signed.signature().to_string(),
        "signed_tx_bytes": hex(signed.encode()),
    });
    (v, signed)
}

fn vectors() -> Value {
    let (ed, ed_tx) = transfer_vector(
        Suite::Ed25519,
        "0x9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    );
    let (sm, _) = transfer_vector(
        Suite::Sm2,
        "0x3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8",
    );

    let txs = vec![ed_tx.clone()];
    let receipts = vec![citychain_types::Receipt::success(
        ed_tx.hash(),
        Gas(3_670),
        vec![],
    )];
    let header = BlockHeader {
        chain_id: ChainId::new("citychain-test").expect("id"),
        height: Height(42),
        parent: Hash([0x11; 32]),
        timestamp: TimestampMs(1_764_000_000_000),
        epoch: 0,
        view: 43,
        parent_view: 42,
        proposer: ValidatorKey([0x22; 32]),
        tx_root: tx_root(Suite::Ed25519, &txs),
        tx_count: 1,
        state_root: Hash([0x33; 32]),
        receipts_root: receipts_root(Suite::Ed25519, &receipts),
        gas_used: Gas(3_670),
        suite: Suite::Ed25519,
    };

    // A three-account state, an inclusion proof and an exclusion proof.
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fjall::Database::builder(dir.path()).open().expect("db");
    let store = StateStore::open(&db, Suite::Ed25519).expect("store");
    let accounts: Vec<(Address, Account)> = (1u8..=3)
        .map(|i| {
            (
                Address([i; 20]),
                Account {
                    nonce: Nonce(u64::from(i)),
                    balance: Amount(u128::from(i) * 1_000),
                },
            )
        })
        .collect();
    let writes = accounts
        .iter()
        .map(|(a, acct)| (layout::account_key(a), Some(acct.encode())))
        .collect();
    let pending = StateView::committed(store.clone(), None)
        .apply(writes)
        .expect("apply");
    let mut batch = db.batch();
    store.write_pending(&mut batch, &pending);
    batch.commit().expect("commit");
    let (value, proof) = store
        .prove(&layout::account_key(&accounts[1].0), 0)
        .expect("prove");
    let absent = Address([9; 20]);
    let (none, absent_proof) = store
        .prove(&layout::account_key(&absent), 0)
        .expect("prove");
    assert!(none.is_none());
    proof
        .verify(
            Suite::Ed25519,
            &pending.root(),
            &layout::account_key(&accounts[1].0),
            value.as_deref(),
        )
        .expect("inclusion");
    absent_proof
        .verify(
            Suite::Ed25519,
            &pending.root(),
            &layout::account_key(&absent),
            None,
        )
        .expect("exclusion");

    // A finalize vote, as the light client checks it.
    let validator = key(
        Suite::Ed25519,
        "0x4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    );
    let genesis_hash = Hash([0x44; 32]);
    let namespace = [b"citychain/consensus/v1/".as_slice(), &genesis_hash.0].concat();
    let finalize_ns = [namespace.as_slice(), b"_FINALIZE"].concat();
    let message = finalize_message(0, 43, 42, &header.hash());
    let signature = validator.sign(&finalize_ns, &message);

    json!({
        "transfer_ed25519": ed,
        "transfer_sm2": sm,
        "header": {
            "header": serde_json::to_value(&header).expect("json"),
            "header_bytes": hex(header.encode()),
            "hash": header.hash().to_string(),
        },
        "account_proof": {
            "suite": "ed25519",
            "accounts": accounts.iter().map(|(a, acct)| json!({"address": a.to_string(), "nonce": acct.nonce.0, "balance": acct.balance.to_string()})).collect::<Vec<_>>(),
            "state_root": pending.root().to_string(),
            "address": accounts[1].0.to_string(),
            "key": hex(layout::account_key(&accounts[1].0)),
            "key_hash": Suite::Ed25519.hash(&layout::account_key(&accounts[1].0)).to_string(),
            "value": value.as_ref().map(hex),
            "proof": serde_json::to_value(&proof).expect("json"),
            "absent_address": absent.to_string(),
            "absent_key_hash": Suite::Ed25519.hash(&layout::account_key(&absent)).to_string(),
            "absent_proof": serde_json::to_value(&absent_proof).expect("json"),
        },
        "finality": {
            "genesis_hash": genesis_hash.to_string(),
            "namespace": hex(&namespace),
            "finalize_namespace": hex(&finalize_ns),
            "epoch": 0,
            "view": 43,
            "parent_view": 42,
            "block_hash": header.hash().to_string(),
            "message": hex(&message),
            "signed_bytes": hex(framed(&finalize_ns, &message)),
            "validator_secret_key": "0x4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "validator_key": hex(validator.public_key().as_bytes()),
            "signature": signature.to_string(),
        },
        "tx_namespace": hex(TX_NAMESPACE),
    })
}

fn doc_vectors() -> Value {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/protocol.md"
    ))
    .expect("docs/protocol.md");
    let start = doc
        .find("```json test-vectors")
        .expect("the vectors block in docs/protocol.md");
    let body = &doc[start..];
    let body = &body[body.find('\n').expect("newline") + 1..];
    let end = body.find("\n```").expect("end of the vectors block");
    serde_json::from_str(&body[..end]).expect("the vectors block is JSON")
}

#[test]
fn protocol_doc_vectors_match_the_code() {
    let computed = vectors();
    let documented = doc_vectors();
    assert_eq!(
        documented, computed,
        "docs/protocol.md's vectors differ from what the code computes; regenerate with \
         `cargo test -p citychain-client --test vectors -- --ignored --nocapture`"
    );
}

#[test]
#[ignore = "prints the vectors for docs/protocol.md"]
fn print_vectors() {
    println!(
        "{}",
        serde_json::to_string_pretty(&vectors()).expect("json")
    );
}
