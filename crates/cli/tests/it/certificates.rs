//! E-certificates end to end on `citychain dev`, through `citychain cert` as a clerk, a holder
//! and a verifier would use it: issue, disclose as link, presentation and credential, verify
//! online and offline; and what a verifier must refuse (a tampered field or claim, a revoked or
//! expired certificate, another chain, stale proofs, a forged proof).

use crate::harness::{DevNode, citychain_json};
use citychain_client::certificates::{Disclosure, HolderFile};
use serde_json::Value;
use std::{path::Path, process::Command};

/// Runs `citychain --json ARGS` expecting failure; returns its JSON report (if any) and stderr.
fn refused(args: &[&str]) -> (Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_citychain"))
        .arg("--json")
        .args(args)
        .output()
        .expect("run citychain");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "citychain {args:?} should fail");
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (report, stderr)
}

fn failed_checks(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| c["check"].as_str().expect("name").to_string())
        .collect()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn a_certificate_is_issued_disclosed_and_verified_offline_and_a_verifier_refuses_what_it_must() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), &[]);
    let rpc = node.banner.rpc_url.clone();
    let certs = node
        .banner
        .applications
        .iter()
        .find(|a| a.name == "certificates")
        .expect("certificates app")
        .address
        .to_string();
    let key = |name: &str| s(&node.account(name).key_file).to_string();
    let (bob, carol) = (
        node.account("bob").address.to_string(),
        node.account("carol").address.to_string(),
    );
    let genesis = dir.path().join("genesis.json");
    let call = |who: &str, method: &str, args: &[String]| {
        let mut all = vec![
            "contract".to_string(),
            "call".into(),
            "--rpc".into(),
            rpc.clone(),
            "--key".into(),
            key(who),
            certs.clone(),
            method.into(),
        ];
        for a in args {
            all.extend(["--arg".to_string(), a.clone()]);
        }
        citychain_json(&all.iter().map(String::as_str).collect::<Vec<_>>())
    };
    call(
        "alice",
        "register_issuer",
        &[
            format!("issuer={bob}"),
            "name=Municipal Education Bureau".into(),
        ],
    );
    call(
        "bob",
        "define_type",
        &[
            "type_id=degree".into(),
            "name=University degree".into(),
            "transferable=false".into(),
        ],
    );

    // The clerk issues; the holder's file gets every value and salt, privately.
    let holder_file = dir.path().join("carol-degree.json");
    let issued = citychain_json(&[
        "cert",
        "issue",
        "--rpc",
        &rpc,
        "--key",
        &key("bob"),
        "--holder",
        &carol,
        "--type",
        "degree",
        "--field",
        "name=Carol Chen",
        "--field",
        "degree=BSc Civil Engineering",
        "--field",
        "grade=first",
        "--valid-until",
        "2100-01-01",
        "--out",
        s(&holder_file),
    ]);
    assert_eq!(issued["id"], 0, "{issued}");
    let file: HolderFile =
        serde_json::from_str(&std::fs::read_to_string(&holder_file).expect("holder file"))
            .expect("a holder file");
    assert_eq!(file.id, Some(0));
    assert_eq!(file.fields.len(), 3);
    assert_ne!(
        file.fields[0].salt, file.fields[1].salt,
        "a fresh salt per field"
    );
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&holder_file)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "only the owner reads the salts");
    }
    // The chain holds commitments, not values.
    let record = citychain_json(&[
        "contract",
        "query",
        "--rpc",
        &rpc,
        &certs,
        "certificate",
        "--arg",
        "id=0",
    ]);
    assert!(!record.to_string().contains("Carol Chen"), "{record}");

    // A link discloses one field; verified against the node's proofs and the user's genesis.
    let link = citychain_json(&["cert", "disclose", s(&holder_file), "--field", "degree"])["link"]
        .as_str()
        .expect("link")
        .to_string();
    let verified = citychain_json(&[
        "cert",
        "verify",
        &link,
        "--rpc",
        &rpc,
        "--genesis",
        s(&genesis),
    ]);
    assert_eq!(verified["valid"], true, "{verified}");
    let names: Vec<&str> = verified["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| c["check"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "chain",
            "finality",
            "age",
            "contract",
            "certificate",
            "fields",
            "issuer",
            "type",
            "status",
            "validity"
        ]
    );
    assert_eq!(
        verified["disclosed"],
        serde_json::json!([["degree", "BSc Civil Engineering"]])
    );
    assert_eq!(verified["issuer"]["name"], "Municipal Education Bureau");
    assert!(
        verified["checks"][3]["detail"]
            .as_str()
            .expect("detail")
            .contains("runs the certificates contract"),
        "{verified}"
    );

    // The same link as a QR code: drawn in the terminal, or an SVG to print.
    let qr = citychain_json(&[
        "cert",
        "disclose",
        s(&holder_file),
        "--field",
        "degree",
        "--form",
        "qr",
    ]);
    assert_eq!(qr["link"], link.as_str());
    assert!(
        qr["qr"]
            .as_str()
            .is_some_and(|q| q.contains('▀') && q.lines().count() > 20),
        "{qr}"
    );
    let svg = dir.path().join("degree.svg");
    citychain_json(&[
        "cert",
        "disclose",
        s(&holder_file),
        "--field",
        "degree",
        "--form",
        "qr",
        "--out",
        s(&svg),
    ]);
    let svg = std::fs::read_to_string(&svg).expect("svg");
    assert!(
        svg.starts_with("<?xml") && svg.contains("<svg") && svg.contains("<path"),
        "{svg}"
    );

    // A presentation and a credential, written while the node runs, verify with no node.
    let presentation = dir.path().join("presentation.json");
    let credential = dir.path().join("credential.json");
    for (form, path) in [("presentation", &presentation), ("credential", &credential)] {
        citychain_json(&[
            "cert",
            "disclose",
            s(&holder_file),
            "--field",
            "degree",
            "--field",
            "name",
            "--form",
            form,
            "--out",
            s(path),
            "--rpc",
            &rpc,
        ]);
    }
    let vc: Value =
        serde_json::from_str(&std::fs::read_to_string(&credential).expect("vc")).expect("json");
    assert_eq!(vc["@context"][0], "https://www.w3.org/ns/credentials/v2");
    assert_eq!(vc["credentialSubject"]["degree"], "BSc Civil Engineering");
    assert_eq!(vc["credentialSubject"]["name"], "Carol Chen");
    assert!(
        vc["credentialSubject"].get("grade").is_none(),
        "grade stays private: {vc}"
    );
    assert_eq!(vc["validUntil"], "2100-01-01T00:00:00Z");

    // Abuse while the node runs: an unregistered issuer issues nothing and keeps no file.
    let stray = dir.path().join("stray.json");
    let (_, err) = refused(&[
        "cert",
        "issue",
        "--rpc",
        &rpc,
        "--key",
        &key("carol"),
        "--holder",
        &carol,
        "--type",
        "degree",
        "--field",
        "degree=PhD",
        "--valid-until",
        "2100-01-01",
        "--out",
        s(&stray),
    ]);
    assert!(err.contains("is not a registered issuer"), "{err}");
    assert!(!stray.exists());
    let count = citychain_json(&["contract", "query", "--rpc", &rpc, &certs, "count"]);
    assert_eq!(count["returned"][0], 1, "{count}");

    // A tampered field in a link.
    let mut forged = Disclosure::from_link(&link).expect("link");
    forged.fields[0].value = "PhD Civil Engineering".into();
    let (report, _) = refused(&[
        "cert",
        "verify",
        &forged.to_link(),
        "--rpc",
        &rpc,
        "--genesis",
        s(&genesis),
    ]);
    assert_eq!(failed_checks(&report), ["fields"], "{report}");
    assert!(
        report["checks"]
            .to_string()
            .contains("does not match the commitment")
    );

    // Revoked: the link (fresh proofs) fails; the earlier presentation shows its age, and
    // --max-age refuses it.
    call(
        "bob",
        "revoke",
        &[
            "id=0".into(),
            "reason=degree rescinded by the senate".into(),
        ],
    );
    let (report, _) = refused(&[
        "cert",
        "verify",
        &link,
        "--rpc",
        &rpc,
        "--genesis",
        s(&genesis),
    ]);
    assert_eq!(failed_checks(&report), ["status"], "{report}");
    assert!(report["checks"].to_string().contains("REVOKED"), "{report}");
    drop(node);

    // Offline from here: no node runs.
    let offline = citychain_json(&["cert", "verify", s(&presentation), "--genesis", s(&genesis)]);
    assert_eq!(offline["valid"], true, "valid as of its block: {offline}");
    assert_eq!(offline["input"], "presentation");
    let offline = citychain_json(&["cert", "verify", s(&credential), "--genesis", s(&genesis)]);
    assert_eq!(offline["valid"], true, "{offline}");
    assert_eq!(offline["input"], "credential");
    let (report, _) = refused(&[
        "cert",
        "verify",
        s(&presentation),
        "--genesis",
        s(&genesis),
        "--max-age",
        "0",
    ]);
    assert_eq!(failed_checks(&report), ["age"], "{report}");
    let (report, _) = refused(&[
        "cert",
        "verify",
        s(&presentation),
        "--genesis",
        s(&genesis),
        "--at",
        "2100-01-01",
    ]);
    assert_eq!(failed_checks(&report), ["validity"], "{report}");
    assert!(report["checks"].to_string().contains("EXPIRED"));
    let (_, err) = refused(&["cert", "verify", s(&presentation)]);
    assert!(err.contains("--genesis"), "{err}");

    // An edited claim in the credential.
    let mut edited = vc.clone();
    edited["credentialSubject"]["degree"] = "PhD Civil Engineering".into();
    let edited_path = dir.path().join("edited.json");
    std::fs::write(&edited_path, edited.to_string()).expect("write");
    let (report, _) = refused(&["cert", "verify", s(&edited_path), "--genesis", s(&genesis)]);
    assert_eq!(failed_checks(&report), ["credential"], "{report}");
    assert!(
        report["checks"]
            .to_string()
            .contains("credentialSubject.degree")
    );

    // A forged record: the proof no longer checks against the finalized root.
    let mut p: Value =
        serde_json::from_str(&std::fs::read_to_string(&presentation).expect("p")).expect("json");
    let value = p["certificate"]["value"]
        .as_str()
        .expect("value")
        .to_string();
    let last = value.chars().last().expect("char");
    let flipped = format!(
        "{}{}",
        &value[..value.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    p["certificate"]["value"] = flipped.into();
    let forged_path = dir.path().join("forged.json");
    std::fs::write(&forged_path, p.to_string()).expect("write");
    let (report, _) = refused(&["cert", "verify", s(&forged_path), "--genesis", s(&genesis)]);
    assert_eq!(failed_checks(&report), ["certificate"], "{report}");
    assert!(report["checks"].to_string().contains("does not verify"));

    // Another chain's genesis.
    let mut other: Value =
        serde_json::from_str(&std::fs::read_to_string(&genesis).expect("g")).expect("json");
    other["chain_id"] = "another-city".into();
    let other_path = dir.path().join("other-genesis.json");
    std::fs::write(&other_path, other.to_string()).expect("write");
    let (report, _) = refused(&[
        "cert",
        "verify",
        s(&presentation),
        "--genesis",
        s(&other_path),
    ]);
    assert_eq!(failed_checks(&report), ["chain"], "{report}");
    assert!(report["checks"].to_string().contains("another-city"));
    // Garbage is refused with a reason.
    let (_, err) = refused(&[
        "cert",
        "verify",
        "citychain-cert:AAAA",
        "--genesis",
        s(&genesis),
    ]);
    assert!(err.contains("not a citychain certificate link"), "{err}");
}
