//! The city-economy applications end to end on `citychain dev`, as their walkthroughs run them
//! through the CLI (`docs/apps/invoices.md`, …).

use crate::harness::Dev;

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
