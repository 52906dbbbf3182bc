//! The JSON shapes of `docs/protocol.md` §9 ("JSON shapes"), produced by the real wire types, so
//! a document a client is written from cannot drift from what the node sends.
//!
//! `cargo test -p citychain-client --test shapes -- --ignored --nocapture` prints them.

use citychain_client::types::{
    AccountTxEntry, AccountTxPage, ContractView, HoldingView, Inclusion, ReceiptInfo,
    TransferCheck, TxInfo, TxPosition,
};
use citychain_crypto::{Address, Hash, SecretKey, Suite};
use citychain_types::metadata::build;
use citychain_types::{
    Amount, ChainId, Event, Gas, GovTx, Nonce, Payload, Receipt, Status, TimestampMs, Transaction,
    asset::{AssetId, AssetTx, CollectionId, Value as AssetValue},
};
use serde_json::{Value, json};

fn shapes() -> Value {
    // RFC 8032's test 1 seed, as in the vectors.
    let sk = SecretKey::from_bytes(
        Suite::Ed25519,
        &citychain_crypto::hex::decode(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        )
        .expect("hex"),
    )
    .expect("key");
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
    }
    .sign(&sk);
    let inclusion = Inclusion {
        height: 42,
        index: 0,
        block_hash: Hash([0xab; 32]),
    };
    let receipt = Receipt {
        tx_hash: tx.hash(),
        status: Status::Reverted,
        code: Status::Reverted.code(),
        reason: "balance 10 is below 25".into(),
        gas_used: Gas(25_170),
        events: vec![Event {
            emitter: to,
            topic: "transfer".into(),
            data: vec![1, 2, 3],
        }],
        output: Vec::new(),
    };
    let payloads = vec![
        Payload::Deploy {
            code: vec![0, 0x61, 0x73, 0x6d],
            init_args: vec![1],
        },
        Payload::Call {
            contract: to,
            method: "transfer".into(),
            args: vec![0xde, 0xad],
            value: Amount(0),
        },
        Payload::Governance {
            op: GovTx::Vote {
                proposal: 3,
                approve: true,
            },
        },
        Payload::Asset {
            op: AssetTx::Transfer {
                asset: AssetId([0x11; 20]),
                to,
                amount: Amount(1_000),
            },
        },
        Payload::Asset {
            op: AssetTx::MakeOffer {
                give: AssetValue::Token {
                    asset: AssetId([0x11; 20]),
                    amount: Amount(100),
                },
                want: AssetValue::Item {
                    collection: CollectionId([0x22; 20]),
                    item: 17,
                },
                partial: false,
                taker: None,
                deadline_ms: TimestampMs(1_764_000_000_000),
            },
        },
    ];
    let holding = HoldingView {
        asset: AssetId([0x11; 20]),
        holder: to,
        balance: Amount(4_000),
        frozen: false,
        asset_frozen: false,
        height: 42,
    };
    let check = TransferCheck {
        ok: false,
        code: Some("asset_restricted".into()),
        status: Some(Status::AssetRestricted.code()),
        reason: Some(format!(
            "{to} may not hold asset {}: it is not on the issuer's allow-list",
            AssetId([0x11; 20])
        )),
        height: 42,
    };
    let mut metadata = citychain_types::metadata::ContractMetadata::parse(
        &[
            build::contract("token", "0.1.0"),
            build::method(
                "balance_of",
                "The balance of `owner`.",
                "u128",
                &[("owner", "Address")],
            ),
            build::method(
                "transfer",
                "Moves `amount` of the caller's tokens to `to`.",
                "Result<(), Error>",
                &[("to", "Address"), ("amount", "u128")],
            ),
            build::event(
                "transfer",
                "Tokens moved.",
                &[("from", "Address"), ("to", "Address"), ("amount", "u128")],
            ),
            build::revert("balance {} is below {}"),
        ]
        .concat(),
    )
    .expect("metadata");
    // What the chain finds in the code.
    metadata.methods[0].writes = Some(false);
    metadata.methods[1].writes = Some(true);
    let contract = ContractView {
        address: Address([0x22; 20]),
        code_hash: Hash([0x33; 32]),
        code_size: 26_554,
        admin: to,
        deployer: to,
        deployed_at: 7,
        status: citychain_types::ContractStatus::Active,
        entry_points: vec!["balance_of".into(), "transfer".into()],
        balance: Amount(0),
        metadata: Some(metadata),
        height: 42,
    };
    let history = AccountTxPage {
        address: to,
        transactions: vec![AccountTxEntry {
            hash: tx.hash(),
            height: inclusion.height,
            index: inclusion.index,
        }],
        next: Some(TxPosition {
            height: inclusion.height,
            index: inclusion.index,
        }),
        indexed_from: 0,
    };
    json!({
        "contract_getInfo": contract,
        "tx_listByAccount": history,
        "tx_getReceipt": ReceiptInfo { tx_hash: tx.hash(), receipt, inclusion: inclusion.clone() },
        "tx_get": TxInfo {
            hash: tx.hash(),
            status: "committed".into(),
            transaction: tx,
            inclusion: Some(inclusion),
        },
        "payloads": payloads,
        "asset_getBalance": holding,
        "asset_checkTransfer": check,
    })
}

fn doc_shapes() -> Value {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/protocol.md"
    ))
    .expect("docs/protocol.md");
    let start = doc
        .find("```json shapes")
        .expect("the shapes block in docs/protocol.md");
    let body = &doc[start..];
    let body = &body[body.find('\n').expect("newline") + 1..];
    let end = body.find("\n```").expect("end of the shapes block");
    serde_json::from_str(&body[..end]).expect("the shapes block is JSON")
}

#[test]
fn protocol_doc_json_shapes_match_the_wire_types() {
    assert_eq!(
        doc_shapes(),
        shapes(),
        "docs/protocol.md's JSON shapes differ from what the node sends; regenerate with \
         `cargo test -p citychain-client --test shapes -- --ignored --nocapture`"
    );
}

#[test]
#[ignore = "prints the shapes for docs/protocol.md"]
fn print_shapes() {
    println!("{}", serde_json::to_string_pretty(&shapes()).expect("json"));
}
