//! Governance on a running `citychain dev` (a one-organization consortium: alice administers
//! `city`, bob is its regulator) through `citychain org`, `gov` and `audit`.

use crate::harness::{DevNode, block_on, citychain_json};
use citychain_client::{ClientError, keys::open_key_file};
use citychain_types::{Amount, Gas};
use std::process::Command;

#[test]
fn proposals_votes_freezes_and_the_audit_trail_through_the_cli() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), &[]);
    let rpc = node.banner.rpc_url.clone();
    let key = |name: &str| {
        node.account(name)
            .key_file
            .to_str()
            .expect("utf-8")
            .to_string()
    };
    let (alice, bob, carol, dave) = (
        node.account("alice").address.to_string(),
        node.account("bob").address.to_string(),
        node.account("carol").address,
        node.account("dave").address.to_string(),
    );

    let orgs = citychain_json(&["org", "list", "--rpc", &rpc]);
    assert_eq!(orgs[0]["id"], "city");
    assert_eq!(orgs[0]["admins"][0], alice.as_str());

    // Alice proposes making dave a client of the city; her organization's yes passes it.
    let action = format!(
        r#"{{"type":"set_member","account":"{dave}","member":{{"org":"city","roles":["client"]}}}}"#
    );
    let proposed = citychain_json(&[
        "gov",
        "propose",
        "--rpc",
        &rpc,
        "--key",
        &key("alice"),
        "--title",
        "dave joins",
        "--action",
        &action,
    ]);
    assert_eq!(proposed["receipt"]["status"], "success");
    let voted = citychain_json(&[
        "gov",
        "vote",
        "--rpc",
        &rpc,
        "--key",
        &key("alice"),
        "0",
        "yes",
    ]);
    assert_eq!(voted["receipt"]["status"], "success");
    let shown = citychain_json(&["gov", "show", "0", "--rpc", &rpc]);
    assert_eq!(shown["effective_status"], "executed");
    assert_eq!(shown["votes"][0]["org"], "city");
    let member = citychain_json(&["org", "member", &dave, "--rpc", &rpc]);
    assert_eq!(member["member"]["roles"][0], "client");

    // A citizen's vote is refused at admission with a permission error.
    let out = Command::new(env!("CARGO_BIN_EXE_citychain"))
        .args([
            "gov",
            "vote",
            "--rpc",
            &rpc,
            "--key",
            &key("dave"),
            "0",
            "no",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("permission denied"), "{err}");

    // Bob, the regulator, freezes carol: her transfers are refused until he unfreezes her.
    let carol_s = carol.to_string();
    citychain_json(&[
        "gov",
        "regulate",
        "--rpc",
        &rpc,
        "--key",
        &key("bob"),
        "freeze",
        &carol_s,
    ]);
    let frozen = citychain_json(&["audit", "frozen", "--rpc", &rpc]);
    assert_eq!(frozen[0]["address"], carol_s.as_str());
    let carol_key = open_key_file(&node.account("carol").key_file, |_| {
        unreachable!("dev keys need no passphrase")
    })
    .expect("carol's key");
    let bob_address = node.account("bob").address;
    block_on(async {
        let client = node.client();
        match client
            .transfer(&carol_key, bob_address, Amount(1), Gas(100_000))
            .await
        {
            Err(ClientError::Rejected { code, .. }) => assert_eq!(code, "account_frozen"),
            other => panic!("expected account_frozen, got {other:?}"),
        }
    });
    citychain_json(&[
        "gov",
        "regulate",
        "--rpc",
        &rpc,
        "--key",
        &key("bob"),
        "unfreeze",
        &carol_s,
    ]);
    block_on(async {
        let client = node.client();
        client
            .transfer(&carol_key, bob_address, Amount(1), Gas(100_000))
            .await
            .expect("carol may send again");
    });

    // The audit trail has every step, in order, with who did it.
    let trail = citychain_json(&["audit", "trail", "--rpc", &rpc]);
    let events: Vec<&str> = trail
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|e| e["event"].as_str())
        .collect();
    assert_eq!(
        events,
        [
            "proposed",
            "voted",
            "executed",
            "regulator_freeze",
            "regulator_unfreeze"
        ]
    );
    assert_eq!(trail[3]["actor"], bob.as_str());
    let list = citychain_json(&["gov", "list", "--rpc", &rpc]);
    assert_eq!(list.as_array().expect("a list").len(), 1);

    // A 2-of-2 treasury of bob and carol pays dave only when both sign.
    let created = citychain_json(&[
        "multisig",
        "create",
        "--rpc",
        &rpc,
        "--key",
        &key("alice"),
        "--signer",
        &bob,
        "--signer",
        &carol_s,
        "--threshold",
        "2",
    ]);
    let output = created["receipt"]["output"].as_str().expect("hex output");
    let treasury = output.to_string();
    citychain_json(&[
        "tx",
        "transfer",
        "--rpc",
        &rpc,
        "--key",
        &key("alice"),
        "--to",
        &treasury,
        "--amount",
        "1000",
    ]);
    let payload = format!(r#"{{"type":"transfer","to":"{dave}","amount":"250"}}"#);
    citychain_json(&[
        "multisig",
        "propose",
        "--rpc",
        &rpc,
        "--key",
        &key("bob"),
        &treasury,
        "--payload",
        &payload,
    ]);
    let pending = citychain_json(&["multisig", "show", &treasury, "0", "--rpc", &rpc]);
    assert_eq!(pending["status"], "pending");
    citychain_json(&[
        "multisig",
        "approve",
        "--rpc",
        &rpc,
        "--key",
        &key("carol"),
        &treasury,
        "0",
    ]);
    let done = citychain_json(&["multisig", "show", &treasury, "0", "--rpc", &rpc]);
    assert_eq!(done["status"], "executed");
    let account = citychain_json(&["multisig", "show", &treasury, "--rpc", &rpc]);
    assert_eq!(account["balance"], "750");
}

#[test]
fn a_validator_voted_in_is_listed_for_the_next_epoch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), &[]);
    let rpc = node.banner.rpc_url.clone();
    let alice = node
        .account("alice")
        .key_file
        .to_str()
        .expect("utf-8")
        .to_string();
    let before = citychain_json(&["query", "validators", "--rpc", &rpc]);
    assert_eq!(before["epoch"], 0);
    assert_eq!(before["validators"].as_array().map(Vec::len), Some(1));
    assert_eq!(before["next"], before["validators"]);

    let newcomer = citychain_contract_harness::validator_key("city-2");
    let action = format!(
        r#"{{"type":"add_validator","org":"city","validator":{{"name":"city-2","consensus_key":"{newcomer}"}}}}"#
    );
    citychain_json(&[
        "gov",
        "propose",
        "--rpc",
        &rpc,
        "--key",
        &alice,
        "--title",
        "a second validator",
        "--action",
        &action,
    ]);
    let voted = citychain_json(&["gov", "vote", "--rpc", &rpc, "--key", &alice, "0", "yes"]);
    assert_eq!(voted["receipt"]["status"], "success", "{voted}");
    let shown = citychain_json(&["gov", "show", "0", "--rpc", &rpc]);
    assert_eq!(shown["status"], "executed", "{shown}");

    // The running epoch keeps its one validator; the next starts with two.
    let after = citychain_json(&["query", "validators", "--rpc", &rpc]);
    assert_eq!(after["epoch"], 0);
    assert_eq!(after["validators"], before["validators"]);
    let next: Vec<String> = after["next"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v["consensus_key"].as_str().expect("a key").to_string())
        .collect();
    assert_eq!(next.len(), 2);
    assert!(next.contains(&newcomer.to_string()), "{next:?}");
    let orgs = citychain_json(&["org", "list", "--rpc", &rpc]);
    assert!(
        orgs[0]["validators"]
            .as_array()
            .expect("a list")
            .iter()
            .any(|v| v == &serde_json::json!(newcomer.to_string())),
        "{orgs}"
    );
}
