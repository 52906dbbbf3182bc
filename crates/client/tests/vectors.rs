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

/// A deployment and a call, signed by the Ed25519 vector key, and the contract layout.
fn contract_vectors(secret: &str) -> Value {
    let sk = key(Suite::Ed25519, secret);
    let chain_id = ChainId::new("citychain-test").expect("id");
    // The smallest valid contract: `(module (memory (export "memory") 1))`.
    let code = b"\0asm\x01\0\0\0\x05\x03\x01\0\x01\x07\x0a\x01\x06memory\x02\0".to_vec();
    let deploy = Transaction {
        chain_id: chain_id.clone(),
        sender: sk.public_key(),
        nonce: Nonce(7),
        gas_limit: Gas(1_000_000),
        payload: Payload::Deploy {
            code: code.clone(),
            init_args: vec![0x01, 0x02],
        },
    }
    .sign(&sk);
    let deployer = sk.public_key().address();
    let contract = layout::contract_address(Suite::Ed25519, &deployer, Nonce(7));
    let call = Transaction {
        chain_id,
        sender: sk.public_key(),
        nonce: Nonce(8),
        gas_limit: Gas(200_000),
        payload: Payload::Call {
            contract,
            method: "transfer".into(),
            args: vec![0xaa; 4],
            value: Amount(5),
        },
    }
    .sign(&sk);
    let info = citychain_types::ContractInfo {
        code_hash: Suite::Ed25519.hash(&code),
        admin: deployer,
        deployer,
        deployed_at: Height(3),
        status: citychain_types::ContractStatus::Active,
    };
    let receipt = citychain_types::Receipt::success(
        call.hash(),
        Gas(12_345),
        vec![citychain_types::Event {
            emitter: contract,
            topic: "transfer".into(),
            data: vec![1, 2, 3],
        }],
        vec![0x00, 0x2a],
    );
    json!({
        "code": hex(&code),
        "deploy_signed_tx_bytes": hex(deploy.encode()),
        "deploy_tx_hash": deploy.hash().to_string(),
        "deployer": deployer.to_string(),
        "deploy_nonce": 7,
        "contract_address": contract.to_string(),
        "call_signed_tx_bytes": hex(call.encode()),
        "call_tx_hash": call.hash().to_string(),
        "contract_info_key": hex(layout::contract_key(&contract)),
        "contract_info_bytes": hex(info.encode()),
        "code_key": hex(layout::code_key(&info.code_hash)),
        "storage_key_of_balance": hex(layout::contract_storage_key(&contract, b"balance")),
        "receipt_bytes": hex(receipt.encode()),
        "default_chain_params": serde_json::to_value(citychain_types::ChainParams::default())
            .expect("json"),
        "default_chain_params_bytes": hex(citychain_types::ChainParams::default().encode()),
    })
}

/// Assets: derived ids, an asset transfer, a settlement with a co-signature, stored values and
/// their keys. The sender is the Ed25519 vector key; the co-signer RFC 8032's test 2 key.
fn asset_vectors(secret: &str, cosigner_secret: &str) -> Value {
    use citychain_types::asset::{
        AssetClass, AssetId, AssetTx, COSIGN_NAMESPACE, CollectionId, Cosignature, Holding, Item,
        Leg, Metadata, OfferId, TransferRule, Value as AssetValue, settlement_message, vault_id,
    };
    let sk = key(Suite::Ed25519, secret);
    let cosigner = key(Suite::Ed25519, cosigner_secret);
    let chain_id = ChainId::new("citychain-test").expect("id");
    let issuer = sk.public_key().address();
    let asset = AssetId::derive(Suite::Ed25519, &issuer, Nonce(9));
    let collection = CollectionId::derive(Suite::Ed25519, &issuer, Nonce(10));
    let vault = vault_id(Suite::Ed25519, &issuer, Nonce(11));
    let offer = OfferId::derive(Suite::Ed25519, &issuer, Nonce(12));
    let to: Address = "0x00112233445566778899aabbccddeeff00112233"
        .parse()
        .expect("address");
    let sign = |nonce: u64, op: AssetTx| {
        Transaction {
            chain_id: chain_id.clone(),
            sender: sk.public_key(),
            nonce: Nonce(nonce),
            gas_limit: Gas(100_000),
            payload: Payload::Asset { op },
        }
        .sign(&sk)
    };
    let transfer = sign(
        13,
        AssetTx::Transfer {
            asset,
            to,
            amount: Amount(1_000),
        },
    );
    let legs = vec![
        Leg {
            from: issuer,
            to: cosigner.public_key().address(),
            value: AssetValue::Token {
                asset,
                amount: Amount(100),
            },
        },
        Leg {
            from: cosigner.public_key().address(),
            to: issuer,
            value: AssetValue::Native {
                amount: Amount(5_000),
            },
        },
    ];
    let message = settlement_message(&chain_id, &issuer, Nonce(14), &legs);
    let cosignature = Cosignature {
        key: cosigner.public_key(),
        signature: cosigner.sign(COSIGN_NAMESPACE, &message),
    };
    let settle = sign(
        14,
        AssetTx::Settle {
            legs,
            cosigners: vec![cosignature.clone()],
        },
    );
    let class = AssetClass {
        id: asset,
        symbol: "BOND-26".into(),
        name: "City bond 2026".into(),
        decimals: 2,
        issuer,
        supply_cap: Some(Amount(100_000_000)),
        supply: Amount(5_000),
        metadata: Metadata {
            uri: "https://city.example/bond".into(),
            hash: None,
        },
        rule: TransferRule::Members,
        frozen: false,
        records: 1,
        vault_shares: false,
        created_height: Height(5),
    };
    let holding = Holding {
        balance: Amount(4_000),
        frozen: false,
        record: 1,
    };
    let item = Item {
        owner: to,
        metadata: Metadata::default(),
        locked: true,
        minted_height: Height(6),
        events: 1,
    };
    json!({
        "issuer": issuer.to_string(),
        "asset_id_nonce_9": asset.to_string(),
        "collection_id_nonce_10": collection.to_string(),
        "vault_id_nonce_11": vault.to_string(),
        "offer_id_nonce_12": offer.to_string(),
        "transfer_signed_tx_bytes": hex(transfer.encode()),
        "transfer_tx_hash": transfer.hash().to_string(),
        "cosigner_secret_key": cosigner_secret,
        "settlement_message": hex(&message),
        "cosignature": hex(cosignature.encode()),
        "settle_signed_tx_bytes": hex(settle.encode()),
        "settle_tx_hash": settle.hash().to_string(),
        "asset_key": hex(layout::asset_key(&asset)),
        "asset_class_bytes": hex(class.encode()),
        "holding_key": hex(layout::holding_key(&asset, &to)),
        "holding_bytes": hex(holding.encode()),
        "item_key_17": hex(layout::item_key(&collection, 17)),
        "item_bytes": hex(item.encode()),
        "vault_key": hex(layout::vault_key(&vault)),
        "offer_key": hex(layout::offer_key(&offer)),
    })
}

/// A consortium genesis: its JSON, canonical bytes and hash.
fn genesis_vector() -> Value {
    let admin: Address = "0x00112233445566778899aabbccddeeff00112233"
        .parse()
        .expect("address");
    let regulator = Address([0x77; 20]);
    let org = citychain_types::OrgId::new("transport-bureau").expect("id");
    let genesis = citychain_types::Genesis {
        chain_id: ChainId::new("citychain-test").expect("id"),
        suite: Suite::Ed25519,
        genesis_time_ms: TimestampMs(1_764_000_000_000),
        params: citychain_types::ChainParams::default(),
        validators: vec![citychain_types::Validator {
            name: "transport-1".into(),
            consensus_key: ValidatorKey([0x22; 32]),
        }],
        accounts: vec![citychain_types::GenesisAccount {
            address: admin,
            balance: Amount(1_000_000),
        }],
        organizations: vec![citychain_types::Organization {
            id: org.clone(),
            name: "Municipal Transport Bureau".into(),
            admins: vec![admin],
            validators: vec![ValidatorKey([0x22; 32])],
        }],
        members: vec![
            citychain_types::GenesisMember {
                account: admin,
                org: org.clone(),
                roles: citychain_types::Roles::ADMIN,
            },
            citychain_types::GenesisMember {
                account: regulator,
                org,
                roles: citychain_types::Roles::REGULATOR.union(citychain_types::Roles::OBSERVER),
            },
        ],
        policy: citychain_types::Policy::consortium(),
        thresholds: citychain_types::Thresholds::default(),
        epoch_blocks: citychain_types::DEFAULT_EPOCH_BLOCKS,
        contracts: Vec::new(),
    };
    genesis.validate().expect("a valid genesis");
    json!({
        "genesis": serde_json::to_value(&genesis).expect("json"),
        "genesis_bytes": hex(genesis.encode()),
        "genesis_hash": genesis.hash().to_string(),
    })
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
        "consortium_genesis": genesis_vector(),
        "contracts": contract_vectors(
            "0x9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        ),
        "assets": asset_vectors(
            "0x9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "0x4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        ),
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
