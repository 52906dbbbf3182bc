//! E-invoices (`contracts/invoices`): registered issuers issue invoices whose every amount the
//! contract checks; buyers accept; credit notes reverse partly or wholly; a reimbursement is
//! recorded once in the whole city; the bureau lists an issuer's invoices by period and status.
//! Every abuse is refused with a reason and changes nothing.

use citychain_contract_harness::{TestChain, args, contract_code};
use citychain_types::{Address, codec::Reader};

// alice (0) the tax bureau; bob (1) a seller; carol (2) the buyer; dave (3) her employer;
// erin (4) an insurer; frank (5) nobody in particular.
const BUREAU: usize = 0;
const SELLER: usize = 1;
const BUYER: usize = 2;
const EMPLOYER: usize = 3;
const INSURER: usize = 4;
const STRANGER: usize = 5;

/// `(name, quantity in thousandths, unit price, amount, rate in bps, tax)`; every line's
/// specification is `M8` and unit `box`.
type Line = (&'static str, u64, u128, u128, u32, u128);

struct Invoices {
    chain: TestChain,
    contract: Address,
}

impl Invoices {
    fn new() -> Invoices {
        let mut chain = TestChain::new();
        let contract = chain
            .deploy(BUREAU, &contract_code("invoices"), &[])
            .unwrap_or_else(|r| panic!("deploys: {}", r.reason));
        let mut me = Invoices { chain, contract };
        let seller = me.chain.address(SELLER);
        me.ok(
            BUREAU,
            "register_issuer",
            args(|w| {
                w.put(&seller)
                    .string("91110108MA01ABCD2X")
                    .string("Riverside Hardware Ltd");
            }),
        );
        for (who, name) in [
            (EMPLOYER, "Design Institute"),
            (INSURER, "City Health Insurance"),
        ] {
            let a = me.chain.address(who);
            me.ok(
                BUREAU,
                "register_reimburser",
                args(|w| {
                    w.put(&a).string(name);
                }),
            );
        }
        me
    }

    fn call(&mut self, from: usize, method: &str, a: Vec<u8>) -> Result<Vec<u8>, String> {
        self.chain.try_call(from, &self.contract, method, &a, 0)
    }

    fn ok(&mut self, from: usize, method: &str, a: Vec<u8>) -> Vec<u8> {
        self.call(from, method, a)
            .unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    fn query(&self, method: &str, a: Vec<u8>) -> Vec<u8> {
        self.chain.query_output(&self.contract, method, &a)
    }

    /// What the contract keeps about the invoices `numbers` and their claims.
    fn snapshot(&self, numbers: &[&str]) -> Vec<(Vec<u8>, Vec<u8>)> {
        numbers
            .iter()
            .map(|n| {
                let a = args(|w| {
                    w.string(n);
                });
                let q = self
                    .chain
                    .query(&self.chain.address(0), &self.contract, "invoice", &a);
                (q.output, self.query("claim_of", a.clone()))
            })
            .collect()
    }

    fn refused(&mut self, from: usize, method: &str, a: Vec<u8>, reason: &str, numbers: &[&str]) {
        let before = self.snapshot(numbers);
        let err = self.call(from, method, a).expect_err(method);
        assert!(err.contains(reason), "{method}: {err:?} lacks {reason:?}");
        assert_eq!(self.snapshot(numbers), before, "{method} changed something");
    }

    fn status(&self, number: &str) -> (u8, u128, u128) {
        let out = self.query(
            "invoice",
            args(|w| {
                w.string(number);
            }),
        );
        // Skip to the third group: the status and the credited amounts.
        let mut r = Reader::new(&out);
        r.take("issuer", 20).expect("issuer");
        for _ in 0..4 {
            r.string("text", 200).expect("text");
        }
        r.take("buyer", 20).expect("buyer");
        r.u32("date").expect("date");
        r.list("items", 100, |r| {
            for _ in 0..3 {
                r.string("t", 200)?;
            }
            r.u64("q")?;
            r.u128("p")?;
            r.u128("a")?;
            r.u32("rate")?;
            r.u128("tax")
        })
        .expect("items");
        r.u128("amount").expect("amount");
        r.u128("tax").expect("tax");
        r.string("remarks", 200).expect("remarks");
        (
            r.u8("status").expect("status"),
            r.u128("credited").expect("credited"),
            r.u128("credited tax").expect("credited tax"),
        )
    }
}

fn issue_args(number: &str, buyer: &Address, date: u32, lines: &[Line]) -> Vec<u8> {
    args(|w| {
        w.string(number)
            .string("91110105MA00XYZ12Q")
            .string("Municipal Design Institute")
            .put(buyer)
            .u32(date)
            .list(lines, |w, (name, quantity, price, amount, rate, tax)| {
                w.string(name)
                    .string("M8")
                    .string("box")
                    .u64(*quantity)
                    .u128(*price)
                    .u128(*amount)
                    .u32(*rate)
                    .u128(*tax);
            })
            .string("project 2026-17");
    })
}

fn number_arg(number: &str) -> Vec<u8> {
    args(|w| {
        w.string(number);
    })
}

fn claim_args(number: &str, reference: &str) -> Vec<u8> {
    args(|w| {
        w.string(number).string(reference);
    })
}

fn credit_args(number: &str, credit: &str, amount: u128, tax: u128) -> Vec<u8> {
    args(|w| {
        w.string(number)
            .string(credit)
            .u32(20261204)
            .u128(amount)
            .u128(tax)
            .string("goods returned");
    })
}

// 2.5 boxes of bolts at 12.34 yuan: 30.85 yuan; 13% tax: 4.0105 → 4.01 yuan.
const BOLTS: Line = ("bolts", 2_500, 1_234, 3_085, 1_300, 401);
// 3 drills at 399.00 yuan: 1197.00 yuan; 13% tax: 155.61 yuan.
const DRILLS: Line = ("drills", 3_000, 39_900, 119_700, 1_300, 15_561);

#[test]
fn an_invoice_is_issued_accepted_reversed_and_reimbursed_once_in_the_whole_city() {
    let mut inv = Invoices::new();
    let buyer = inv.chain.address(BUYER);
    let out = inv.ok(
        SELLER,
        "issue",
        issue_args("26110000000000000001", &buyer, 20261203, &[BOLTS, DRILLS]),
    );
    let total = Reader::new(&out).u128("total").expect("total");
    assert_eq!(
        total,
        3_085 + 119_700 + 401 + 15_561,
        "the totals are the contract's own"
    );
    inv.refused(
        STRANGER,
        "accept",
        number_arg("26110000000000000001"),
        "only invoice 26110000000000000001's buyer",
        &["26110000000000000001"],
    );
    inv.ok(BUYER, "accept", number_arg("26110000000000000001"));
    assert_eq!(inv.status("26110000000000000001").0, 1);

    // A partial credit note: a returned box of bolts' worth.
    inv.ok(
        SELLER,
        "credit",
        credit_args("26110000000000000001", "26110000000000000002", 1_234, 160),
    );
    assert_eq!(inv.status("26110000000000000001"), (2, 1_234, 160));
    assert_eq!(inv.status("26110000000000000002").0, 4, "a credit note");
    inv.refused(
        SELLER,
        "credit",
        credit_args("26110000000000000001", "26110000000000000003", 200_000, 0),
        "left to reverse",
        &["26110000000000000001"],
    );

    // The employer claims what is left; nobody can claim it again, the insurer included.
    let out = inv.ok(
        EMPLOYER,
        "claim",
        claim_args("26110000000000000001", "EXP-2026-0042"),
    );
    assert_eq!(
        Reader::new(&out).u128("amount").expect("amount"),
        total - 1_234 - 160
    );
    inv.refused(
        INSURER,
        "claim",
        claim_args("26110000000000000001", "CLM-77"),
        "was reimbursed already, by",
        &["26110000000000000001"],
    );
    inv.refused(
        EMPLOYER,
        "claim",
        claim_args("26110000000000000001", "EXP-2026-0043"),
        "was reimbursed already",
        &["26110000000000000001"],
    );
    inv.refused(
        SELLER,
        "credit",
        credit_args("26110000000000000001", "26110000000000000004", 1, 0),
        "is reimbursed; it cannot be reversed",
        &["26110000000000000001"],
    );
    inv.refused(
        STRANGER,
        "claim",
        claim_args("26110000000000000002", "X"),
        "is not a registered reimburser",
        &["26110000000000000002"],
    );
    inv.refused(
        EMPLOYER,
        "claim",
        claim_args("26110000000000000002", "X"),
        "is a credit note",
        &["26110000000000000002"],
    );

    // A voided invoice cannot be claimed.
    inv.ok(
        SELLER,
        "issue",
        issue_args("26110000000000000005", &buyer, 20261204, &[BOLTS]),
    );
    inv.ok(
        SELLER,
        "credit",
        credit_args("26110000000000000005", "26110000000000000006", 3_085, 401),
    );
    assert_eq!(inv.status("26110000000000000005").0, 3, "void");
    inv.refused(
        INSURER,
        "claim",
        claim_args("26110000000000000005", "CLM-78"),
        "is void",
        &["26110000000000000005"],
    );
    inv.refused(
        SELLER,
        "credit",
        credit_args("26110000000000000005", "26110000000000000007", 1, 0),
        "is void already",
        &["26110000000000000005"],
    );

    // The bureau's listing: bob's documents of 2026-12-04, then only the void ones.
    let seller = inv.chain.address(SELLER);
    let list = |inv: &Invoices, status: Option<u8>| -> Vec<(String, u8)> {
        let out = inv.query(
            "by_issuer",
            args(|w| {
                w.put(&seller)
                    .u32(20261204)
                    .u32(20261204)
                    .option(status.as_ref(), |w, s| {
                        w.u8(*s);
                    })
                    .u8(0);
            }),
        );
        let mut r = Reader::new(&out);
        let rows = r
            .list("rows", 100, |r| {
                let number = r.string("number", 32)?;
                let _date = r.u32("date")?;
                let status = r.u8("status")?;
                let _total = r.u128("total")?;
                let _claimed = r.bool("claimed")?;
                Ok((number, status))
            })
            .expect("rows");
        assert_eq!(r.u8("next").expect("next"), 0, "one page holds the period");
        rows
    };
    assert_eq!(
        list(&inv, None),
        [
            ("26110000000000000002".to_string(), 4),
            ("26110000000000000005".to_string(), 3),
            ("26110000000000000006".to_string(), 4),
        ]
    );
    assert_eq!(
        list(&inv, Some(3)),
        [("26110000000000000005".to_string(), 3)]
    );
}

#[test]
fn invoices_that_do_not_add_up_or_come_from_strangers_are_refused() {
    let mut inv = Invoices::new();
    let buyer = inv.chain.address(BUYER);
    let n = "26110000000000000009";
    let bad_amount = ("bolts", 2_500, 1_234, 3_084, 1_300, 401);
    let bad_tax = ("bolts", 2_500, 1_234, 3_085, 1_300, 400);
    for (lines, reason) in [
        (
            vec![bad_amount],
            "item 0: the amount 3084 is not quantity x unit price = 3085",
        ),
        (
            vec![BOLTS, bad_tax],
            "item 1: the tax 400 is not amount x rate = 401",
        ),
        (vec![], "1 to 100 items"),
        (
            vec![("x", 1_000, 1, 1, 10_001, 0)],
            "at most 10000 basis points",
        ),
        (
            vec![("x", 2_000, u128::MAX, 1, 0, 0)],
            "quantity x unit price is too large",
        ),
    ] {
        inv.refused(
            SELLER,
            "issue",
            issue_args(n, &buyer, 20261203, &lines),
            reason,
            &[n],
        );
    }
    inv.refused(
        SELLER,
        "issue",
        issue_args(n, &buyer, 20261340, &[BOLTS]),
        "is not YYYYMMDD",
        &[n],
    );
    inv.refused(
        SELLER,
        "issue",
        issue_args("12AB", &buyer, 20261203, &[BOLTS]),
        "1 to 32 digits",
        &[n],
    );
    inv.refused(
        STRANGER,
        "issue",
        issue_args(n, &buyer, 20261203, &[BOLTS]),
        "is not a registered issuer",
        &[n],
    );
    inv.ok(SELLER, "issue", issue_args(n, &buyer, 20261203, &[BOLTS]));
    inv.refused(
        SELLER,
        "issue",
        issue_args(n, &buyer, 20261203, &[DRILLS]),
        "is taken",
        &[n],
    );
    inv.refused(
        BUYER,
        "credit",
        credit_args(n, "26110000000000000010", 1, 0),
        "is not a registered issuer",
        &[n],
    );
    let stranger = inv.chain.address(STRANGER);
    inv.refused(
        STRANGER,
        "register_issuer",
        args(|w| {
            w.put(&stranger).string("1").string("me");
        }),
        "only the tax bureau",
        &[n],
    );
    // A retired issuer issues nothing more; what it issued stays claimable.
    let seller = inv.chain.address(SELLER);
    inv.ok(
        BUREAU,
        "retire_issuer",
        args(|w| {
            w.put(&seller);
        }),
    );
    inv.refused(
        SELLER,
        "issue",
        issue_args("26110000000000000011", &buyer, 20261203, &[BOLTS]),
        "is retired",
        &[n],
    );
    inv.ok(INSURER, "claim", claim_args(n, "CLM-1"));
}

#[test]
fn the_bureaus_listing_pages_through_a_busy_period() {
    let mut inv = Invoices::new();
    let buyer = inv.chain.address(BUYER);
    for n in 0..120u32 {
        inv.ok(
            SELLER,
            "issue",
            issue_args(&format!("2611{n:016}"), &buyer, 20261201 + n % 3, &[BOLTS]),
        );
    }
    let seller = inv.chain.address(SELLER);
    let page =
        |inv: &Invoices, after: Option<(u32, String)>| -> (Vec<String>, Option<(u32, String)>) {
            let out = inv.query(
                "by_issuer",
                args(|w| {
                    w.put(&seller).u32(20261201).u32(20261231).u8(0).option(
                        after.as_ref(),
                        |w, (d, n)| {
                            w.u32(*d).string(n);
                        },
                    );
                }),
            );
            let mut r = Reader::new(&out);
            let rows = r
                .list("rows", 100, |r| {
                    let number = r.string("number", 32)?;
                    r.take("rest", 4 + 1 + 16 + 1)?;
                    Ok(number)
                })
                .expect("rows");
            let next = r
                .option("next", |r| Ok((r.u32("date")?, r.string("number", 32)?)))
                .expect("next");
            (rows, next)
        };
    let (first, next) = page(&inv, None);
    assert_eq!(first.len(), 100);
    assert!(next.is_some(), "more to come");
    let (second, next) = page(&inv, next);
    assert_eq!((second.len(), next), (20, None));
    let mut all: Vec<String> = first.into_iter().chain(second).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 120, "every invoice exactly once");
}
