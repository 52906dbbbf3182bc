//! The city-economy applications end to end on `citychain dev`, as their walkthroughs run them
//! through the CLI (`docs/apps/invoices.md`, …).

use crate::harness::{Dev, citychain_json};
use std::process::Command;

#[test]
fn an_invoice_is_issued_accepted_and_reimbursed_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dev = Dev::start(dir.path());
    let invoices = dev.app("invoices");
    let a = |s: &str| s.to_string();
    dev.call(
        "alice",
        &invoices,
        "register_issuer",
        &[
            format!("issuer={}", dev.addr("bob")),
            a("tax_id=91110108MA01ABCD2X"),
            a("name=Riverside Hardware Ltd"),
        ],
    );
    dev.call(
        "alice",
        &invoices,
        "register_reimburser",
        &[
            format!("reimburser={}", dev.addr("dave")),
            a("name=Municipal Design Institute"),
        ],
    );
    let issued = dev.call(
        "bob",
        &invoices,
        "issue",
        &[
            a("number=26110000000000000001"),
            a("buyer_tax_id=91110105MA00XYZ12Q"),
            a("buyer_name=Municipal Design Institute"),
            format!("buyer={}", dev.addr("carol")),
            a("date=20261203"),
            a(r#"items=[["bolts", "M8", "box", 2500, 1234, 3085, 1300, 401], ["drills", "", "piece", 3000, 39900, 119700, 1300, 15561]]"#),
            a("remarks=project 2026-17"),
        ],
    );
    assert_eq!(
        issued["returned"][0], "138747",
        "amount and tax in fen: {issued}"
    );
    // Arithmetic that does not add up is refused before anything is kept.
    let err = dev.refused(
        "bob",
        &invoices,
        "issue",
        &[
            a("number=26110000000000000002"),
            a("buyer_tax_id=9111"),
            a("buyer_name=x"),
            format!("buyer={}", dev.addr("carol")),
            a("date=20261203"),
            a(r#"items=[["bolts", "M8", "box", 2500, 1234, 3000, 1300, 390]]"#),
            a("remarks="),
        ],
    );
    assert!(
        err.contains("item 0: the amount 3000 is not quantity x unit price = 3085"),
        "{err}"
    );
    dev.call(
        "carol",
        &invoices,
        "accept",
        &[a("number=26110000000000000001")],
    );
    let claimed = dev.call(
        "dave",
        &invoices,
        "claim",
        &[
            a("number=26110000000000000001"),
            a("reference=EXP-2026-0042"),
        ],
    );
    assert_eq!(claimed["returned"][0], "138747");
    let err = dev.refused(
        "dave",
        &invoices,
        "claim",
        &[
            a("number=26110000000000000001"),
            a("reference=EXP-2026-0043"),
        ],
    );
    assert!(err.contains("was reimbursed already, by"), "{err}");
    let listed = dev.query(
        &invoices,
        "by_issuer",
        &[
            format!("issuer={}", dev.addr("bob")),
            a("from=20261201"),
            a("to=20261231"),
            a("status=null"),
            a("after=null"),
        ],
    );
    assert_eq!(
        listed,
        serde_json::json!([
            [["26110000000000000001", 20261203, 1, "138747", true]],
            null
        ]),
        "accepted and claimed"
    );
}

#[test]
fn a_payroll_is_paid_straight_to_the_workers_and_a_dispute_freezes_its_claim() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dev = Dev::start(dir.path());
    let wages = dev.app("wages");
    let a = |s: &str| s.to_string();
    // Bob owns the project, carol is the general contractor, dave the labour subcontractor,
    // alice (the labour bureau) resolves disputes; alice also works on the site.
    let created = Command::new(env!("CARGO_BIN_EXE_citychain"))
        .args([
            "--json",
            "contract",
            "call",
            "--rpc",
            &dev.rpc,
            "--key",
            &dev.key("bob"),
            &wages,
        ])
        .args(["create_project", "--arg", "name=Riverside library"])
        .arg("--arg")
        .arg(format!("contractor={}", dev.addr("carol")))
        .arg("--arg")
        .arg(format!("subcontractor={}", dev.addr("dave")))
        .args([
            "--arg",
            "start_month=202612",
            "--arg",
            "pay_day=10",
            "--value",
            "100000",
        ])
        .output()
        .expect("run citychain");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let lines = format!(
        r#"lines=[["{}", 22, 30000], ["{}", 20, 25000]]"#,
        dev.addr("alice"),
        dev.addr("bob")
    );
    dev.call(
        "dave",
        &wages,
        "file_payroll",
        &[a("id=0"), a("month=202612"), lines],
    );
    let err = dev.refused(
        "dave",
        &wages,
        "file_payroll",
        &[
            a("id=0"),
            a("month=202701"),
            format!(r#"lines=[["{}", 20, 120000]]"#, dev.addr("alice")),
        ],
    );
    assert!(err.contains("exceeds the fund's available 100000"), "{err}");
    let before = dev.balance("alice");
    let paid = dev.call(
        "carol",
        &wages,
        "approve_payroll",
        &[a("id=0"), a("month=202612")],
    );
    assert_eq!(paid["returned"][0], "55000", "{paid}");
    assert_eq!(dev.balance("alice"), before + 30_000);
    dev.call(
        "alice",
        &wages,
        "dispute",
        &[
            a("id=0"),
            a("month=202612"),
            a("claimed=5000"),
            a("reason=22 days worked, 20 paid"),
        ],
    );
    let books = dev.query(&wages, "project_of", &[a("id=0")]);
    assert_eq!(
        books[1],
        serde_json::json!(["100000", "55000", "5000", "40000"]),
        "{books}"
    );
    let disputes = dev.query(&wages, "disputes", &[a("id=0")]);
    assert_eq!(disputes[0][2], "5000", "{disputes}");
}

#[test]
fn a_day_of_rides_is_cleared_in_one_batch_and_settled_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dev = Dev::start(dir.path());
    let transit = dev.app("transit");
    let a = |s: &str| s.to_string();
    // Alice is the transport authority, bob the clearing house; carol runs the metro and
    // dave the buses.
    dev.call(
        "alice",
        &transit,
        "create_scheme",
        &[
            a("name=City transit clearing"),
            format!("clearer={}", dev.addr("bob")),
            format!(
                r#"operators=["{}", "{}"]"#,
                dev.addr("carol"),
                dev.addr("dave")
            ),
            a("boarding_bps=3000"),
            a("asset=null"),
        ],
    );
    let rides = r#"rides=[[1001, 600, [[0, 12400]]], [1002, 400, [[1, 3000], [0, 9000]]], [1003, 333, [[0, 1], [1, 1]]]]"#;
    let batch = dev.call(
        "bob",
        &transit,
        "submit_batch",
        &[a("scheme=0"), a("period=20261203"), a(rides)],
    );
    assert_eq!(batch["returned"][0], 0, "{batch}");
    let err = dev.refused(
        "bob",
        &transit,
        "submit_batch",
        &[
            a("scheme=0"),
            a("period=20261204"),
            a(r#"rides=[[1002, 400, [[1, 3000]]]]"#),
        ],
    );
    assert!(
        err.contains("ride 1002 was submitted already, in batch 0"),
        "{err}"
    );
    let period = dev.query(
        &transit,
        "period_of",
        &[a("scheme=0"), a("period=20261203")],
    );
    // 600 to the metro; 400 as 270 metro and 130 bus; 333 as 167 and 166.
    assert_eq!(
        period[0],
        serde_json::json!(["1333", ["1037", "296"], false]),
        "{period}"
    );
    let (carol, dave) = (dev.balance("carol"), dev.balance("dave"));
    let settled = Command::new(env!("CARGO_BIN_EXE_citychain"))
        .args([
            "--json",
            "contract",
            "call",
            "--rpc",
            &dev.rpc,
            "--key",
            &dev.key("bob"),
            &transit,
        ])
        .args([
            "settle",
            "--arg",
            "scheme=0",
            "--arg",
            "period=20261203",
            "--value",
            "1333",
        ])
        .output()
        .expect("run citychain");
    assert!(
        settled.status.success(),
        "{}",
        String::from_utf8_lossy(&settled.stderr)
    );
    assert_eq!(
        (dev.balance("carol"), dev.balance("dave")),
        (carol + 1_037, dave + 296)
    );
}

#[test]
fn a_data_set_is_published_found_granted_and_its_use_logged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dev = Dev::start(dir.path());
    let share = dev.app("datashare");
    let a = |s: &str| s.to_string();
    // Alice is the big-data bureau; bob the transport bureau; carol the planning bureau.
    for (who, name) in [("bob", "Transport Bureau"), ("carol", "Planning Bureau")] {
        dev.call(
            "alice",
            &share,
            "register_agency",
            &[format!("agency={}", dev.addr(who)), format!("name={name}")],
        );
    }
    dev.call(
        "bob",
        &share,
        "publish",
        &[
            a("id=bus-gps"),
            a("title=Bus GPS positions"),
            format!("schema_hash=0x{}", "ab".repeat(32)),
            a("classification=1"),
            a("frequency=every 30 s"),
            a("endpoint=api://transport/bus-gps/v1"),
            a(r#"keywords=["transport", "GPS"]"#),
            format!(r#"approvers=["{}"]"#, dev.addr("bob")),
            a("required=1"),
        ],
    );
    let found = dev.query(
        &share,
        "search",
        &[
            a("owner=null"),
            a("keyword=gps"),
            a("max_classification=null"),
            a("after=null"),
        ],
    );
    assert_eq!(found[0][0][0], "bus-gps", "{found}");
    let requested = dev.call(
        "carol",
        &share,
        "request_access",
        &[
            a("dataset=bus-gps"),
            a("purpose=commuter flow model"),
            a("duration_ms=2592000000"),
        ],
    );
    let id = requested["returned"][0]
        .as_u64()
        .expect("a request id")
        .to_string();
    let err = dev.refused(
        "bob",
        &share,
        "log_access",
        &[
            format!("id={id}"),
            format!("query_hash=0x{}", "01".repeat(32)),
        ],
    );
    assert!(err.contains("is not a live grant"), "{err}");
    dev.call("bob", &share, "approve", &[format!("id={id}")]);
    dev.call(
        "bob",
        &share,
        "log_access",
        &[
            format!("id={id}"),
            format!("query_hash=0x{}", "01".repeat(32)),
        ],
    );
    let usage = dev.query(&share, "usage_of", &[a("dataset=bus-gps")]);
    assert_eq!(usage[0][1], dev.addr("carol"), "{usage}");
    assert_eq!(usage[0][4], 1, "one access logged: {usage}");
}

#[test]
fn a_batch_lineage_is_traced_and_proven_and_a_recall_shows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dev = Dev::start(dir.path());
    let trace = dev.app("trace");
    let a = |s: &str| s.to_string();
    // Alice is the market regulator and also inspects; bob farms, carol carries, dave makes
    // yogurt.
    for (who, name, role) in [
        ("bob", "Yanqing dairy farm", 0),
        ("carol", "Cold Express", 1),
        ("dave", "Capital Dairy", 5),
        ("alice", "Food safety centre", 4),
    ] {
        dev.call(
            "alice",
            &trace,
            "register_party",
            &[
                format!("party={}", dev.addr(who)),
                format!("name={name}"),
                format!("role={role}"),
                a("location=Beijing"),
            ],
        );
    }
    let milk = "urn:epc:class:lgtin:0614141.107346.MILK-A";
    dev.call(
        "bob",
        &trace,
        "commission",
        &[
            format!("code={milk}"),
            a("product=raw milk"),
            a("quantity=1000"),
            a("unit=L"),
            a("origin=Farm 7, Yanqing"),
            a(r#"attributes=[["fat", "3.6%"]]"#),
            a("cold_chain=[2000, 6000]"),
        ],
    );
    let hop = |from: &str, to: &str, arrival: i64| {
        dev.call(
            from,
            &trace,
            "ship",
            &[
                format!("code={milk}"),
                format!("to={}", dev.addr(to)),
                a("place=dock"),
                a(r#"readings=[["temperature", 4000, 0]]"#),
            ],
        );
        dev.call(
            to,
            &trace,
            "receive",
            &[
                format!("code={milk}"),
                a("place=gate"),
                format!(r#"readings=[["temperature", {arrival}, 0]]"#),
            ],
        );
    };
    hop("bob", "carol", 9_000); // 9 °C on arrival
    let err = dev.refused(
        "bob",
        &trace,
        "ship",
        &[
            format!("code={milk}"),
            format!("to={}", dev.addr("dave")),
            a("place=dock"),
            a("readings=[]"),
        ],
    );
    assert!(err.contains("does not hold batch"), "{err}");
    hop("carol", "dave", 4_500);
    dev.call(
        "dave",
        &trace,
        "transform",
        &[
            format!(r#"inputs=["{milk}"]"#),
            a(r#"outputs=[["YOG-1", "plain yogurt", 500, "cups"], ["YOG-2", "plain yogurt", 500, "cups"]]"#),
            a("biz_step=fermenting"),
            a("place=plant 3"),
        ],
    );
    dev.call(
        "alice",
        &trace,
        "recall",
        &[
            format!("code={milk}"),
            a("reason=listeria in lab report 2026-118"),
        ],
    );

    let genesis = dir.path().join("genesis.json");
    let traced = citychain_json(&[
        "trace",
        "YOG-1",
        "--rpc",
        &dev.rpc,
        "--genesis",
        genesis.to_str().expect("utf-8"),
    ]);
    let codes: Vec<(&str, i64)> = traced["batches"]
        .as_array()
        .expect("batches")
        .iter()
        .map(|b| {
            (
                b["code"].as_str().expect("code"),
                b["generation"].as_i64().expect("generation"),
            )
        })
        .collect();
    assert_eq!(codes, [("YOG-1", 0), (milk, -1)], "{traced}");
    assert_eq!(traced["recalled"], serde_json::json!(["YOG-1", milk]));
    let milk_record = &traced["batches"][1];
    assert_eq!(milk_record["batch"]["excursions"], 1, "{milk_record}");
    let steps: Vec<&str> = milk_record["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["biz_step"].as_str().expect("step"))
        .collect();
    assert_eq!(
        steps,
        [
            "commissioning",
            "shipping",
            "receiving",
            "shipping",
            "receiving",
            "fermenting",
            "recalling"
        ]
    );
    assert!(
        traced["signers"].as_u64() >= Some(1),
        "proven against a finalized block: {traced}"
    );
    let down = citychain_json(&["trace", milk, "--rpc", &dev.rpc]);
    let codes: Vec<&str> = down["batches"]
        .as_array()
        .expect("batches")
        .iter()
        .map(|b| b["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, [milk, "YOG-1", "YOG-2"]);
    let out = Command::new(env!("CARGO_BIN_EXE_citychain"))
        .args(["trace", "NO-SUCH-LOT", "--rpc", &dev.rpc])
        .output()
        .expect("run citychain");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no batch NO-SUCH-LOT"));
}
