//! The permits and grants applications end to end on `citychain dev`, as their walkthroughs
//! (`docs/apps/permits.md`, `docs/apps/grants.md`) run them through the CLI: a permit through
//! its route, consultation and escalation, issued as a certificate that `cert verify` accepts;
//! a grant programme created by a multisig treasury and a milestone paid on evidence.

use crate::harness::{Dev, citychain_json, now_ms};
use std::{process::Command, time::Duration};

#[test]
fn a_permit_runs_its_route_and_is_issued_as_a_certificate_that_verifies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dev = Dev::start(dir.path());
    let (certs, permits) = (dev.app("certificates"), dev.app("permits"));
    let (bob, carol) = (dev.addr("bob"), dev.addr("carol"));
    let a = |s: &str| s.to_string();

    // The registry's admin lets the permits office issue; the office defines a route:
    // planning (bob, 1.5 s to decide), then the fire department (carol); a 10 s consultation.
    dev.call(
        "alice",
        &certs,
        "register_issuer",
        &[format!("issuer={permits}"), a("name=City Permits Office")],
    );
    dev.call(
        "alice",
        &permits,
        "define_type",
        &[
            a("type_id=construction"),
            a("name=Construction permit"),
            format!(r#"stages=[[["{bob}"], 1500], [["{carol}"], 60000]]"#),
            a("consultation_ms=10000"),
            a("validity_ms=63072000000"),
        ],
    );
    let document = format!("0x{}", "11".repeat(32));
    let applied = dev.call(
        "dave",
        &permits,
        "apply",
        &[
            a("type_id=construction"),
            a("title=Riverside library extension"),
            format!("document={document}"),
        ],
    );
    assert_eq!(applied["returned"][0], 0, "{applied}");
    assert_eq!(applied["events"][0]["topic"], "applied", "{applied}");

    let err = dev.refused(
        "carol",
        &permits,
        "approve",
        &[a("id=0"), a("comment=ok"), format!("document={document}")],
    );
    assert!(
        err.contains("decides in stage 1; application 0 is in stage 0"),
        "{err}"
    );
    dev.call(
        "alice",
        &permits,
        "comment",
        &[
            a("id=0"),
            a("support=true"),
            a("text=the district needs it"),
        ],
    );
    let err = dev.refused(
        "alice",
        &permits,
        "comment",
        &[a("id=0"), a("support=false"), a("text=again")],
    );
    assert!(
        err.contains("has commented on application 0 already"),
        "{err}"
    );

    // Planning misses its 1.5 s; the office sees who is late and escalates. (Views see the
    // latest block's time: a transfer makes a block after the deadline.)
    std::thread::sleep(Duration::from_millis(1_600));
    citychain_json(&[
        "tx",
        "transfer",
        "--rpc",
        &dev.rpc,
        "--key",
        &dev.key("alice"),
        "--to",
        &carol,
        "--amount",
        "1",
    ]);
    let overdue = dev.query(&permits, "overdue", &[a("id=0")]);
    assert_eq!(overdue[0], true, "{overdue}");
    assert_eq!(overdue[2], serde_json::json!([bob]), "{overdue}");
    dev.call(
        "alice",
        &permits,
        "escalate",
        &[a("id=0"), a("note=statutory limit passed")],
    );

    dev.call(
        "bob",
        &permits,
        "approve",
        &[
            a("id=0"),
            a("comment=zoning conforms"),
            format!("document={document}"),
        ],
    );
    dev.call(
        "carol",
        &permits,
        "approve",
        &[
            a("id=0"),
            a("comment=exits adequate"),
            format!("document={document}"),
        ],
    );
    let app = dev.query(&permits, "application", &[a("id=0")]);
    assert_eq!(app[1][0], 2, "awaiting the consultation: {app}");
    let until = app[1][4].as_u64().expect("consultation end");
    let err = dev.refused("bob", &permits, "finalize", &[a("id=0")]);
    assert!(err.contains("consultation is open until"), "{err}");
    while now_ms() <= until + 500 {
        std::thread::sleep(Duration::from_millis(200));
    }
    let done = dev.call("bob", &permits, "finalize", &[a("id=0")]);
    let certificate = done["returned"][0].as_u64().expect("a certificate id");
    let app = dev.query(&permits, "application", &[a("id=0")]);
    assert_eq!(app[1][0], 3, "approved: {app}");
    assert_eq!(app[2][0], 1, "one supporting comment");
    assert_eq!(app[2][2], 1, "one escalation");

    // The permit is a certificate with public fields: anyone can disclose and verify them.
    let holder = serde_json::json!({
        "format": "citychain-certificate-holder/v1",
        "chain_id": "citychain-dev",
        "contract": certs,
        "id": certificate,
        "fields": [
            {"name": "application", "value": "0", "salt": format!("0x{}", "00".repeat(32))},
            {"name": "title", "value": "Riverside library extension", "salt": format!("0x{}", "00".repeat(32))},
            {"name": "document", "value": document, "salt": format!("0x{}", "00".repeat(32))},
        ],
    });
    let holder_file = dir.path().join("permit.json");
    std::fs::write(&holder_file, holder.to_string()).expect("write");
    let link = citychain_json(&[
        "cert",
        "disclose",
        holder_file.to_str().expect("utf-8"),
        "--all",
    ])["link"]
        .as_str()
        .expect("a link")
        .to_string();
    let genesis = dir.path().join("genesis.json");
    let verified = citychain_json(&[
        "cert",
        "verify",
        &link,
        "--rpc",
        &dev.rpc,
        "--genesis",
        genesis.to_str().expect("utf-8"),
    ]);
    assert_eq!(verified["valid"], true, "{verified}");
    assert_eq!(verified["issuer"]["name"], "City Permits Office");
    assert_eq!(verified["certificate"]["holder"], dev.addr("dave"));
}

#[test]
fn a_treasury_funds_a_grant_programme_and_a_milestone_is_paid_on_evidence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dev = Dev::start(dir.path());
    let grants = dev.app("grants");
    let a = |s: &str| s.to_string();
    let created = citychain_json(&[
        "multisig",
        "create",
        "--rpc",
        &dev.rpc,
        "--key",
        &dev.key("alice"),
        "--signer",
        &dev.addr("alice"),
        "--signer",
        &dev.addr("bob"),
        "--threshold",
        "2",
    ]);
    let treasury = created["receipt"]["output"]
        .as_str()
        .expect("an address")
        .to_string();
    citychain_json(&[
        "tx",
        "transfer",
        "--rpc",
        &dev.rpc,
        "--key",
        &dev.key("alice"),
        "--to",
        &treasury,
        "--amount",
        "1000000",
    ]);

    // The treasury calls the contract: the payload is written by `contract payload`.
    let until = now_ms() + 86_400_000;
    let payload = Command::new(env!("CARGO_BIN_EXE_citychain"))
        .args([
            "contract",
            "payload",
            "--rpc",
            &dev.rpc,
            &grants,
            "create_programme",
        ])
        .args(["--arg", "name=Smart river programme"])
        .arg("--arg")
        .arg(format!(
            r#"reviewers=["{}", "{}"]"#,
            dev.addr("alice"),
            dev.addr("carol")
        ))
        .args(["--arg", "threshold=2", "--arg", "large_payment=1000000"])
        .arg("--arg")
        .arg(format!("apply_until_ms={until}"))
        .args(["--value", "100000"])
        .output()
        .expect("run citychain");
    assert!(
        payload.status.success(),
        "{}",
        String::from_utf8_lossy(&payload.stderr)
    );
    let payload = String::from_utf8(payload.stdout).expect("utf-8");
    let bad = Command::new(env!("CARGO_BIN_EXE_citychain"))
        .args([
            "contract",
            "payload",
            "--rpc",
            &dev.rpc,
            &grants,
            "create_programme",
            "--arg",
            "threshold=two",
        ])
        .output()
        .expect("run citychain");
    assert!(
        !bad.status.success(),
        "a bad argument is refused before anything is printed"
    );
    assert!(bad.stdout.is_empty());
    citychain_json(&[
        "multisig",
        "propose",
        "--rpc",
        &dev.rpc,
        "--key",
        &dev.key("alice"),
        &treasury,
        "--payload",
        payload.trim(),
    ]);
    citychain_json(&[
        "multisig",
        "approve",
        "--rpc",
        &dev.rpc,
        "--key",
        &dev.key("bob"),
        &treasury,
        "0",
    ]);
    let programme = dev.query(&grants, "programme_of", &[a("id=0")]);
    assert_eq!(programme[0][0], treasury, "{programme}");
    assert_eq!(programme[1][0], "100000", "{programme}");

    let milestones = format!(
        r#"milestones=[[5000, {}, "installation report"], [5000, {}, "handover"]]"#,
        until + 1,
        until + 2
    );
    let applied = dev.call(
        "dave",
        &grants,
        "apply",
        &[
            a("programme=0"),
            a("title=Flood sensors"),
            a("amount=60000"),
            milestones,
        ],
    );
    assert_eq!(applied["returned"][0], 0, "{applied}");
    for reviewer in ["alice", "carol"] {
        dev.call(
            reviewer,
            &grants,
            "review",
            &[
                a("id=0"),
                a("approve=true"),
                a("comment=meets the criteria"),
            ],
        );
    }
    let evidence = format!("evidence=0x{}", "33".repeat(32));
    dev.call(
        "dave",
        &grants,
        "submit_evidence",
        &[a("id=0"), a("milestone=0"), evidence],
    );
    let before = dev.balance("dave");
    dev.call(
        "alice",
        &grants,
        "approve_milestone",
        &[a("id=0"), a("milestone=0"), a("comment=seen on site")],
    );
    let paid = dev.call(
        "carol",
        &grants,
        "approve_milestone",
        &[a("id=0"), a("milestone=0"), a("comment=report read")],
    );
    assert!(
        paid["events"]
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e["topic"] == "paid"),
        "{paid}"
    );
    assert_eq!(dev.balance("dave"), before + 30_000);
    let err = dev.refused(
        "carol",
        &grants,
        "approve_milestone",
        &[a("id=0"), a("milestone=0"), a("comment=again")],
    );
    assert!(
        err.contains("milestone 0 of grant 0 is paid already"),
        "{err}"
    );
}
