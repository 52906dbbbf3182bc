//! `docs/openrpc.json` against the method definitions and a running node: the document is the
//! one generated from the traits, every namespace is in it, and the node serves every method it
//! describes (and the document itself, as `rpc.discover`).

use crate::harness::{DevNode, block_on, http_post};
use citychain_rpc::{
    jsonrpsee::{
        core::{ClientError, client::ClientT},
        rpc_params,
    },
    openrpc,
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn document_path() -> PathBuf {
    repo().join("docs/openrpc.json")
}

#[test]
fn the_document_is_the_one_the_method_definitions_generate() {
    let generated = openrpc::document_text().expect("every method's types are known");
    let path = document_path();
    if std::env::var_os("CITYCHAIN_UPDATE_OPENRPC").is_some() {
        std::fs::write(&path, &generated).expect("write docs/openrpc.json");
    }
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        written == generated,
        "docs/openrpc.json is out of date with crates/rpc/src/api; regenerate it with \
         `CITYCHAIN_UPDATE_OPENRPC=1 cargo test -p citychain-cli --test it openrpc` and commit it"
    );
}

#[test]
fn every_namespace_file_is_described() {
    let mut files: Vec<String> = std::fs::read_dir(repo().join("crates/rpc/src/api"))
        .expect("api dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name != "mod.rs")
        .map(|name| name.trim_end_matches(".rs").to_string())
        .collect();
    files.sort();
    let mut described: Vec<String> = openrpc::API_SOURCES
        .iter()
        .map(|(name, _)| name.to_string())
        .collect();
    described.sort();
    assert_eq!(files, described, "crates/rpc/src/openrpc.rs::API_SOURCES");
    // And every file defines at least one method, each named with its namespace's prefix.
    for (namespace, source) in openrpc::API_SOURCES {
        let defs = openrpc::definitions(source).expect("parses");
        assert!(!defs.is_empty(), "{namespace}");
        for def in defs {
            assert!(
                def.name.starts_with(&format!("{namespace}_")),
                "{}",
                def.name
            );
            assert!(!def.doc.is_empty(), "{} has no doc comment", def.name);
        }
    }
}

/// Calls `name` with no parameters over a WebSocket (where subscriptions live too); returns
/// the error code, or 0 for a result.
async fn call_code(ws: &impl ClientT, name: &str) -> i32 {
    match ws.request::<Value, _>(name, rpc_params![]).await {
        Ok(_) => 0,
        Err(ClientError::Call(e)) => e.code(),
        Err(other) => panic!("{name}: {other}"),
    }
}

#[test]
fn the_node_serves_the_document_and_every_method_in_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), &["--bare"]);
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(document_path()).expect("document"))
            .expect("document is JSON");

    let body = json!({ "jsonrpc": "2.0", "id": 1, "method": "rpc.discover" });
    let (status, response) = http_post(node.rpc_addr, body.to_string().as_bytes());
    assert_eq!(status, 200, "{response}");
    let served: Value =
        serde_json::from_str(response.split("\r\n\r\n").nth(1).expect("body")).expect("JSON");
    assert!(
        served["result"] == written,
        "rpc.discover does not serve docs/openrpc.json (rebuild the node after regenerating it)"
    );

    let methods = written["methods"].as_array().expect("methods");
    assert!(methods.len() >= 40, "{} methods", methods.len());
    block_on(async {
        let ws = node.client().ws().await.expect("websocket");
        for method in methods {
            let name = method["name"].as_str().expect("name");
            let code = call_code(&ws, name).await;
            assert_ne!(code, -32601, "the node does not serve {name}");
        }
        // The check can fail: a method nobody defined is unknown.
        assert_eq!(call_code(&ws, "chain_noSuchMethod").await, -32601);
    });
}
