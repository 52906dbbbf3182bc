//! A client written in Python from docs/protocol.md alone talks to a real node.

use crate::harness::{DevNode, citychain_json};
use std::process::Command;

#[test]
fn python_client_built_from_the_protocol_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), &[]);
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../clients/python");
    let vectors = Command::new("python3")
        .arg(format!("{root}/test_vectors.py"))
        .output()
        .expect("python3 must be installed (.ci/run installs it)");
    assert!(
        vectors.status.success(),
        "{}{}",
        String::from_utf8_lossy(&vectors.stdout),
        String::from_utf8_lossy(&vectors.stderr)
    );

    let out = Command::new("python3")
        .arg(format!("{root}/e2e.py"))
        .args(["--rpc", &node.banner.rpc_url])
        .arg("--key")
        .arg(&node.account("alice").key_file)
        .arg("--genesis")
        .arg(dir.path().join("genesis.json"))
        .args([
            "--to",
            &node.account("dave").address.to_string(),
            "--amount",
            "17",
        ])
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("verified:")
            && stdout.contains(&(1_000_000_000_000_000u128 + 17).to_string()),
        "{stdout}"
    );

    // An asset transfer, signed by the Python client and proven by it.
    let rpc = node.banner.rpc_url.clone();
    let key = node
        .account("alice")
        .key_file
        .to_str()
        .expect("utf-8")
        .to_string();
    let alice = node.account("alice").address.to_string();
    let created = citychain_json(&[
        "asset",
        "create",
        "--rpc",
        &rpc,
        "--key",
        &key,
        "--symbol",
        "PY",
        "--name",
        "Python test",
    ]);
    let asset = created["receipt"]["output"]
        .as_str()
        .expect("an id")
        .to_string();
    citychain_json(&[
        "asset", "mint", &asset, "--to", &alice, "--amount", "100", "--rpc", &rpc, "--key", &key,
    ]);
    let out = Command::new("python3")
        .arg(format!("{root}/e2e.py"))
        .args(["--rpc", &rpc, "--key", &key])
        .arg("--genesis")
        .arg(dir.path().join("genesis.json"))
        .args([
            "--to",
            &node.account("dave").address.to_string(),
            "--amount",
            "42",
            "--asset",
            &asset,
        ])
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("verified:") && stdout.contains("holds 42 "),
        "{stdout}"
    );
}
