//! Contracts on a running `citychain dev`, driven through the `citychain contract` commands as a
//! user would: build, deploy, call, query, inspect, prove; and a scaffolded project that builds.

use crate::harness::{DevNode, block_on, citychain_json};
use serde_json::Value;
use std::{path::Path, process::Command};

/// Runs `citychain ARGS` expecting failure; returns stderr.
fn citychain_fails(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_citychain"))
        .args(args)
        .output()
        .expect("run citychain");
    assert!(
        !out.status.success(),
        "citychain {args:?} should have failed"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn a_token_and_a_notary_on_a_dev_chain_through_the_cli() {
    // Builds contracts/ for wasm32 (the harness helper) and takes the token from there.
    let token_wasm = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(
        token_wasm.path(),
        citychain_contract_harness::contract_code("token"),
    )
    .expect("write");
    let notary_wasm = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(
        notary_wasm.path(),
        citychain_contract_harness::contract_code("notary"),
    )
    .expect("write");

    let built = citychain_json(&["contract", "build", path_str(token_wasm.path())]);
    let entry_points: Vec<&str> = built["entry_points"]
        .as_array()
        .expect("entry points")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(entry_points.contains(&"transfer") && entry_points.contains(&"init"));

    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), &[]);
    let rpc = node.banner.rpc_url.clone();
    let alice_key = node.account("alice").key_file.clone();
    let bob = node.account("bob").address.to_string();
    let alice = node.account("alice").address.to_string();
    let send = |extra: &[&str]| -> Vec<String> {
        let mut v = vec![
            "--rpc".to_string(),
            rpc.clone(),
            "--key".into(),
            path_str(&alice_key).into(),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };

    // Deploy with typed init arguments.
    let mut args = vec!["contract".to_string(), "deploy".into()];
    args.extend(send(&[
        path_str(token_wasm.path()),
        "--arg",
        "string:City Credit",
        "--arg",
        "string:CCR",
        "--arg",
        "u8:2",
        "--arg",
        "u128:1000000",
    ]));
    let deployed = citychain_json(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let token = deployed["contract"].as_str().expect("address").to_string();

    // Call transfer; query both balances, decoded.
    let mut args = vec!["contract".to_string(), "call".into()];
    args.extend(send(&[
        &token,
        "transfer",
        "--arg",
        &format!("address:{bob}"),
        "--arg",
        "u128:2500",
    ]));
    let called = citychain_json(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(called["receipt"]["receipt"]["status"], "success");
    let balance = |who: &str| {
        citychain_json(&[
            "contract",
            "query",
            "--rpc",
            &rpc,
            &token,
            "balance_of",
            "--arg",
            &format!("address:{who}"),
            "--returns",
            "u128",
        ])["returned"][0]
            .as_str()
            .expect("a u128 as a string")
            .to_string()
    };
    assert_eq!(balance(&bob), "2500");
    assert_eq!(balance(&alice), "997500");

    // An overdraft fails with the contract's reason, and the CLI exits non-zero.
    let mut args = vec!["contract".to_string(), "call".into()];
    args.extend(send(&[
        &token,
        "transfer",
        "--arg",
        &format!("address:{bob}"),
        "--arg",
        "u128:999999999",
    ]));
    let err = Command::new(env!("CARGO_BIN_EXE_citychain"))
        .args(&args)
        .output()
        .expect("run");
    assert!(!err.status.success());
    assert!(
        String::from_utf8_lossy(&err.stdout).contains("balance 997500 is below 999999999"),
        "{}",
        String::from_utf8_lossy(&err.stdout)
    );
    assert_eq!(balance(&bob), "2500");

    let info = citychain_json(&["contract", "info", "--rpc", &rpc, &token]);
    assert_eq!(info["admin"], alice.as_str());
    assert_eq!(info["status"], "active");
    assert_eq!(info["code_size"], built["size"]);

    // The notary: anchor a hash, then prove the record from a verified header.
    let mut args = vec!["contract".to_string(), "deploy".into()];
    args.extend(send(&[path_str(notary_wasm.path())]));
    let notary = citychain_json(&args.iter().map(String::as_str).collect::<Vec<_>>())["contract"]
        .as_str()
        .expect("address")
        .to_string();
    let doc_hash = format!("0x{}", "ab".repeat(32));
    let mut args = vec!["contract".to_string(), "call".into()];
    args.extend(send(&[
        &notary,
        "anchor",
        "--arg",
        &format!("hash:{doc_hash}"),
        "--arg",
        "string:minutes of the council, 2026-11-26",
    ]));
    citychain_json(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let looked_up = citychain_json(&[
        "contract",
        "query",
        "--rpc",
        &rpc,
        &notary,
        "lookup",
        "--arg",
        &format!("hash:{doc_hash}"),
        "--returns",
        "option<address>,u64,u64,string",
    ]);
    assert_eq!(looked_up["returned"][0], alice.as_str());
    assert_eq!(
        looked_up["returned"][3],
        "minutes of the council, 2026-11-26"
    );

    let key = format!("0x64{}", "ab".repeat(32));
    let genesis_file = dir.path().join("genesis.json");
    let proven = citychain_json(&[
        "query",
        "storage",
        "--rpc",
        &rpc,
        "--genesis",
        path_str(&genesis_file),
        &notary,
        &key,
    ]);
    let value = proven["value"].as_str().expect("the record is present");
    assert!(value.starts_with(&alice.to_lowercase()), "{value}");
    let absent = citychain_json(&[
        "query",
        "storage",
        "--rpc",
        &rpc,
        &notary,
        &format!("0x64{}", "cd".repeat(32)),
    ]);
    assert_eq!(absent["value"], Value::Null);

    // A multi-party approval: alice and bob must both approve anchoring a permit.
    let approval_wasm = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(
        approval_wasm.path(),
        citychain_contract_harness::contract_code("approval"),
    )
    .expect("write");
    let mut args = vec!["contract".to_string(), "deploy".into()];
    args.extend(send(&[path_str(approval_wasm.path())]));
    let approval = citychain_json(&args.iter().map(String::as_str).collect::<Vec<_>>())["contract"]
        .as_str()
        .expect("address")
        .to_string();
    let permit = "cd".repeat(32);
    let mut action = citychain_types::codec::Writer::new();
    action.raw(&[0xcd; 32]).string("permit 2026-0042");
    let action_hex = citychain_crypto::hex::encode(action.into_bytes());
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as u64
        + 600_000;
    let mut args = vec!["contract".to_string(), "call".into()];
    args.extend(send(&[
        &approval,
        "create",
        "--arg",
        &format!("address:{notary}"),
        "--arg",
        "string:anchor",
        "--arg",
        &format!("bytes:{action_hex}"),
        "--arg",
        "u32:2",
        "--arg",
        &format!("address:{alice}"),
        "--arg",
        &format!("address:{bob}"),
        "--arg",
        "u32:2",
        "--arg",
        &format!("u64:{deadline}"),
        "--returns",
        "u64",
    ]));
    let created = citychain_json(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(created["returned"][0], 0, "the first request is id 0");
    let approve = |key: &Path| {
        citychain_json(&[
            "contract",
            "call",
            "--rpc",
            &rpc,
            "--key",
            path_str(key),
            &approval,
            "approve",
            "--arg",
            "u64:0",
            "--returns",
            "bool",
        ])["returned"][0]
            .clone()
    };
    assert_eq!(
        approve(&alice_key),
        Value::Bool(false),
        "one of two: not yet"
    );
    let bob_key = node.account("bob").key_file.clone();
    assert_eq!(approve(&bob_key), Value::Bool(true), "two of two: executed");
    let anchored = citychain_json(&[
        "contract",
        "query",
        "--rpc",
        &rpc,
        &notary,
        "lookup",
        "--arg",
        &format!("hash:0x{permit}"),
        "--returns",
        "option<address>,u64,u64,string",
    ]);
    assert_eq!(
        anchored["returned"][0],
        approval.as_str(),
        "anchored by the approval contract"
    );
    assert_eq!(anchored["returned"][3], "permit 2026-0042");

    // Bad input is refused before anything is sent.
    let bogus = tempfile::NamedTempFile::new().expect("temp");
    std::fs::write(bogus.path(), b"not wasm").expect("write");
    let mut args = vec!["contract".to_string(), "deploy".into()];
    args.extend(send(&[path_str(bogus.path())]));
    let err = citychain_fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(err.contains("is not a valid contract"), "{err}");
    let err = citychain_fails(&[
        "contract",
        "query",
        "--rpc",
        &rpc,
        &token,
        "balance_of",
        "--arg",
        "u128",
    ]);
    assert!(err.contains("TYPE:VALUE"), "{err}");
}

#[test]
fn a_scaffolded_contract_builds_and_validates() {
    let dir = tempfile::tempdir().expect("tempdir");
    // As a user would, from the directory the project goes in, with relative paths.
    let run_here = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_citychain"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("run citychain")
    };
    let created = run_here(&["contract", "new", "street_lights"]);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let said = String::from_utf8_lossy(&created.stdout).into_owned();
    assert!(
        said.contains("citychain contract build ./street_lights"),
        "{said}"
    );
    assert!(
        said.contains("citychain contract deploy --key KEY_FILE ./street_lights/target/wasm32-unknown-unknown/release/street_lights.wasm --arg start=0"),
        "{said}"
    );
    let built = run_here(&["--json", "contract", "build", "./street_lights"]);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let built: Value = serde_json::from_slice(&built.stdout).expect("JSON");
    assert!(
        dir.path()
            .join("street_lights/target/wasm32-unknown-unknown/release/street_lights.wasm")
            .exists(),
        "the module is where the next step says"
    );
    let entry_points: Vec<&str> = built["entry_points"]
        .as_array()
        .expect("entry points")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(entry_points, ["get", "increment", "init", "reset"]);
    // The scaffold describes itself: methods with their arguments, its event, its reasons.
    let meta = &built["metadata"];
    assert_eq!(meta["name"], "street_lights", "{built}");
    assert_eq!(meta["methods"][1]["name"], "increment");
    assert_eq!(meta["methods"][1]["args"][0]["type"], "u64");
    assert_eq!(meta["methods"][1]["writes"], true);
    assert_eq!(meta["methods"][0]["writes"], false, "get only reads");
    assert_eq!(meta["events"][0]["name"], "incremented");
    assert!(
        meta["reverts"]
            .as_array()
            .expect("reasons")
            .contains(&Value::from("only the owner may reset")),
        "{meta}"
    );
    let err = citychain_fails(&[
        "contract",
        "new",
        "street_lights",
        "--dir",
        path_str(dir.path()),
    ]);
    assert!(err.contains("already exists"), "{err}");
}

/// A contract built with the SDK describes itself, so the CLI takes its arguments by name,
/// checks them before signing, and prints results and events decoded, for `contract call`,
/// `contract query`, `tx get` and `query receipt` alike.
#[test]
fn a_contract_with_metadata_takes_arguments_by_name_and_decodes_what_it_returns() {
    let token_wasm = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(
        token_wasm.path(),
        citychain_contract_harness::contract_code("token"),
    )
    .expect("write");
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), &[]);
    let rpc = node.banner.rpc_url.clone();
    let key = path_str(&node.account("alice").key_file).to_string();
    let alice = node.account("alice").address;
    let bob = node.account("bob").address.to_string();
    let run = |args: &[&str]| citychain_json(args);

    let deployed = run(&[
        "contract",
        "deploy",
        "--rpc",
        &rpc,
        "--key",
        &key,
        path_str(token_wasm.path()),
        "--arg",
        "name=City Credit",
        "--arg",
        "symbol=CCR",
        "--arg",
        "decimals=2",
        "--arg",
        "supply=1_000_000",
    ]);
    let token = deployed["contract"].as_str().expect("address").to_string();

    let info = run(&["contract", "info", "--rpc", &rpc, &token]);
    let meta = &info["metadata"];
    assert_eq!(meta["name"], "token", "{info}");
    let method = |name: &str| {
        meta["methods"]
            .as_array()
            .expect("methods")
            .iter()
            .find(|m| m["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} in {meta}"))
    };
    assert_eq!(method("balance_of")["writes"], false);
    assert_eq!(method("transfer")["writes"], true);
    assert_eq!(method("transfer")["args"][1]["type"], "u128");

    let called = run(&[
        "contract",
        "call",
        "--rpc",
        &rpc,
        "--key",
        &key,
        &token,
        "transfer",
        "--arg",
        "amount=250",
        "--arg",
        &format!("to={bob}"),
    ]);
    let event = &called["events"][0];
    assert_eq!(event["topic"], "transfer", "{called}");
    assert_eq!(event["fields"]["to"], bob.as_str());
    assert_eq!(event["fields"]["from"], alice.to_string());
    assert_eq!(event["fields"]["amount"], "250");

    let queried = run(&[
        "contract",
        "query",
        "--rpc",
        &rpc,
        &token,
        "balance_of",
        "--arg",
        &format!("owner={bob}"),
    ]);
    assert_eq!(queried["returned"][0], "250", "{queried}");
    let about = run(&["contract", "query", "--rpc", &rpc, &token, "info"]);
    assert_eq!(
        about["returned"][0],
        serde_json::json!(["City Credit", "CCR", 2, "1000000"])
    );

    let hash = called["receipt"]["tx_hash"]
        .as_str()
        .expect("hash")
        .to_string();
    let got = run(&["tx", "get", "--rpc", &rpc, &hash]);
    assert_eq!(got["events"][0]["fields"]["amount"], "250", "{got}");
    let receipt = run(&["query", "receipt", "--rpc", &rpc, &hash]);
    assert_eq!(
        receipt["events"][0]["fields"]["to"],
        bob.as_str(),
        "{receipt}"
    );

    // Arguments that do not fit are refused before anything is signed.
    let nonce = || block_on(async { node.client().next_nonce(&alice).await.expect("nonce") });
    let before = nonce();
    let to = format!("to={bob}");
    for (args, why) in [
        (
            vec!["transfer", to.as_str()],
            "argument amount (u128) is missing",
        ),
        (
            vec!["transfer", to.as_str(), "amount=lots"],
            "argument amount (u128)",
        ),
        (
            vec!["transfer", "to=0x1234", "amount=1"],
            "argument to (Address)",
        ),
        (
            vec!["transfer", to.as_str(), "amount=1", "memo=hi"],
            "has no argument \"memo\"",
        ),
        (vec!["transfer", to.as_str(), "u128:1"], "not a mix"),
        (
            vec!["transfr", to.as_str()],
            "has no entry point \"transfr\"",
        ),
    ] {
        let mut cmd = vec![
            "contract", "call", "--rpc", &rpc, "--key", &key, &token, args[0],
        ];
        for a in &args[1..] {
            cmd.extend(["--arg", a]);
        }
        let err = citychain_fails(&cmd);
        assert!(err.contains(why), "{args:?}: {err}");
    }
    assert_eq!(nonce(), before, "nothing was signed");
}

/// `citychain dev` starts with the city's applications deployed at genesis, at addresses their
/// names give, administered by alice and usable at once; `--bare` starts without them.
#[test]
fn the_dev_chain_starts_with_its_applications() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), &[]);
    let rpc = node.banner.rpc_url.clone();
    let alice = node.account("alice").address;
    let names: Vec<&str> = node
        .banner
        .applications
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, crate::harness::APPLICATIONS);
    let suite = node.genesis().suite;
    for app in &node.banner.applications {
        assert_eq!(
            app.address,
            citychain_types::layout::genesis_contract_address(suite, &app.name),
            "{}",
            app.name
        );
    }
    let app = |name: &str| {
        node.banner
            .applications
            .iter()
            .find(|a| a.name == name)
            .expect("deployed")
            .address
            .to_string()
    };
    let credit = app("city-credit");
    let info = citychain_json(&["contract", "info", "--rpc", &rpc, &credit]);
    assert_eq!(info["metadata"]["name"], "token", "{info}");
    assert_eq!(info["admin"], alice.to_string());
    assert_eq!(info["deployed_at"], 0);
    let balance = citychain_json(&[
        "contract",
        "query",
        "--rpc",
        &rpc,
        &credit,
        "balance_of",
        "--arg",
        &format!("owner={alice}"),
    ]);
    assert_eq!(
        balance["returned"][0], "100000000",
        "init ran for alice: {balance}"
    );
    let notary = app("notary");
    let key = path_str(&node.account("alice").key_file).to_string();
    let anchored = citychain_json(&[
        "contract",
        "call",
        "--rpc",
        &rpc,
        "--key",
        &key,
        &notary,
        "anchor",
        "--arg",
        &format!("document_hash=0x{}", "ab".repeat(32)),
        "--arg",
        "note=council minutes",
    ]);
    assert_eq!(
        anchored["events"][0]["fields"]["submitter"],
        alice.to_string(),
        "{anchored}"
    );
    drop(node);

    let bare_dir = tempfile::tempdir().expect("tempdir");
    let bare = DevNode::start(bare_dir.path(), &["--bare"]);
    assert!(bare.banner.applications.is_empty());
    let err = citychain_fails(&[
        "contract",
        "info",
        "--rpc",
        &bare.banner.rpc_url.clone(),
        &notary,
    ]);
    assert!(err.contains("no contract"), "{err}");
}
