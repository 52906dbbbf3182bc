//! Grants (`contracts/grants`): a programme created and funded by a multisig treasury, grants
//! awarded M of N, milestones paid on reviewed evidence (the funder approving large payments),
//! missed milestones reclaimed, the funded total never exceeded; programmes in an asset; and
//! every abuse refused with a reason, changing nothing.

use citychain_contract_harness::{TestChain, args, contract_code};
use citychain_execution::read::assets as r;
use citychain_types::{
    Address, Amount, Payload, Receipt, Roles, Status,
    asset::{AssetId, AssetTx, Metadata, TransferRule, Value},
    codec::Reader,
    multisig::MultisigTx,
};

const DAY: u64 = 86_400_000;
// alice (0) and bob (1) sign the treasury; carol (2), dave (3) and erin (4) review; frank (5)
// is a firm.
const ALICE: usize = 0;
const BOB: usize = 1;
const CAROL: usize = 2;
const DAVE: usize = 3;
const ERIN: usize = 4;
const FIRM: usize = 5;

fn ok(r: Receipt) -> Receipt {
    assert!(r.is_success(), "{:?}: {}", r.status, r.reason);
    r
}

fn u64_of(bytes: &[u8]) -> u64 {
    Reader::new(bytes).u64("id").expect("a u64")
}

struct Grants {
    chain: TestChain,
    contract: Address,
}

impl Grants {
    fn call(&mut self, from: usize, method: &str, a: Vec<u8>) -> Receipt {
        let contract = self.contract;
        self.chain.call(from, &contract, method, &a, 0)
    }

    fn query(&self, method: &str, a: Vec<u8>) -> Vec<u8> {
        self.chain.query_output(&self.contract, method, &a)
    }

    /// A call that must be refused with `reason` and change nothing the contract keeps.
    fn refused(&mut self, from: usize, method: &str, a: Vec<u8>, reason: &str) {
        let before = self.snapshot();
        let r = self.call(from, method, a);
        assert_eq!(r.status, Status::Reverted, "{method}: {}", r.reason);
        assert!(
            r.reason.contains(reason),
            "{method}: {:?} lacks {reason:?}",
            r.reason
        );
        assert_eq!(self.snapshot(), before, "{method} changed something");
    }

    /// Every programme, grant and milestone as the views show them, and the balance held.
    fn snapshot(&self) -> Vec<Vec<u8>> {
        let counts = self.query("counts", Vec::new());
        let mut r = Reader::new(&counts);
        let (programmes, grants) = (r.u64("p").expect("p"), r.u64("g").expect("g"));
        let mut all = vec![
            counts.clone(),
            self.chain.balance(&self.contract).0.to_be_bytes().to_vec(),
        ];
        for p in 0..programmes {
            all.push(self.query("programme_of", p.to_be_bytes().to_vec()));
        }
        for g in 0..grants {
            let grant = self.query("grant_of", g.to_be_bytes().to_vec());
            let mut r = Reader::new(&grant);
            r.take("head", 8 + 20).expect("head");
            let _title = r.string("title", 256).expect("title");
            let _amount = r.u128("amount").expect("amount");
            let _status = r.u8("status").expect("status");
            let milestones = r.u32("milestones").expect("milestones");
            all.push(grant);
            for m in 0..milestones {
                all.push(self.query(
                    "milestone_of",
                    args(|w| {
                        w.u64(g).u32(m);
                    }),
                ));
            }
        }
        all
    }

    /// `(budget, awarded, paid, reclaimed, released)` of programme `id`.
    fn money(&self, id: u64) -> [u128; 5] {
        let out = self.query("programme_of", id.to_be_bytes().to_vec());
        let mut r = Reader::new(&out);
        r.take("funder", 20).expect("funder");
        let _name = r.string("name", 256).expect("name");
        let _asset = r
            .option("asset", |r| r.array::<20>("asset"))
            .expect("asset");
        [0; 5].map(|_| r.u128("money").expect("an amount"))
    }

    /// `(status, approvals, declines)` of grant `id`.
    fn grant_status(&self, id: u64) -> u8 {
        let out = self.query("grant_of", id.to_be_bytes().to_vec());
        let mut r = Reader::new(&out);
        r.take("head", 8 + 20).expect("head");
        let _title = r.string("title", 256).expect("title");
        let _amount = r.u128("amount").expect("amount");
        r.u8("status").expect("status")
    }

    /// `(action, actor)` of each entry of grant `id`'s record.
    fn record(&self, id: u64) -> Vec<(u8, Address)> {
        (0..)
            .map_while(|n: u32| {
                let out = self.query(
                    "record_of",
                    args(|w| {
                        w.u64(id).u32(n);
                    }),
                );
                let mut r = Reader::new(&out);
                (r.u8("some").expect("tag") == 1).then(|| {
                    let _at = r.u64("at").expect("at");
                    let actor = Address(r.array("actor").expect("actor"));
                    (r.u8("action").expect("action"), actor)
                })
            })
            .collect()
    }

    /// `(amount, status, round)` of milestone `n` of grant `id`.
    fn milestone(&self, id: u64, n: u32) -> (u128, u8, u32) {
        let out = self.query(
            "milestone_of",
            args(|w| {
                w.u64(id).u32(n);
            }),
        );
        let mut r = Reader::new(&out);
        let _share = r.u32("share").expect("share");
        let amount = r.u128("amount").expect("amount");
        let _due = r.u64("due").expect("due");
        let _evidence_required = r.string("required", 256).expect("required");
        let status = r.u8("status").expect("status");
        let _evidence = r.array::<32>("evidence").expect("evidence");
        (amount, status, r.u32("round").expect("round"))
    }

    fn apply(&mut self, programme: u64, amount: u128, milestones: &[(u32, u64)]) -> Receipt {
        let now = self.chain.time_ms();
        self.call(
            FIRM,
            "apply",
            args(|w| {
                w.u64(programme)
                    .string("Flood sensors for the river district")
                    .u128(amount)
                    .list(milestones, |w, (share, due_in)| {
                        w.u32(*share)
                            .u64(now + due_in)
                            .string("installation report");
                    });
            }),
        )
    }
}

fn programme_args(chain: &TestChain, reviewers: &[usize], threshold: u32, large: u128) -> Vec<u8> {
    let now = chain.time_ms();
    args(|w| {
        w.string("Smart river programme")
            .list(reviewers, |w, &i| {
                w.put(&chain.address(i));
            })
            .u32(threshold)
            .u128(large)
            .u64(now + 30 * DAY);
    })
}

fn review(id: u64, approve: bool) -> Vec<u8> {
    args(|w| {
        w.u64(id)
            .bool(approve)
            .string("assessed against the criteria");
    })
}

fn on_milestone(id: u64, n: u32) -> Vec<u8> {
    args(|w| {
        w.u64(id).u32(n).string("evidence checked on site");
    })
}

fn evidence(id: u64, n: u32, hash: u8) -> Vec<u8> {
    args(|w| {
        w.u64(id).u32(n).raw(&[hash; 32]);
    })
}

/// The treasury (2 of alice and bob) sends `payload`: alice proposes, bob approves; returns
/// bob's receipt, whose output is the payload's status code.
fn treasury_sends(chain: &mut TestChain, treasury: Address, payload: Payload) -> Receipt {
    let r = ok(chain.submit(
        ALICE,
        Payload::Multisig {
            op: MultisigTx::Propose {
                account: treasury,
                payload: Box::new(payload),
            },
        },
    ));
    let id = u64_of(&r.output);
    ok(chain.submit(
        BOB,
        Payload::Multisig {
            op: MultisigTx::Approve {
                account: treasury,
                id,
            },
        },
    ))
}

#[test]
fn a_treasury_funds_a_programme_whose_grants_are_paid_by_milestone_and_never_exceed_it() {
    let mut chain = TestChain::new();
    let contract = chain
        .deploy(ALICE, &contract_code("grants"), &[])
        .unwrap_or_else(|r| panic!("deploys: {}", r.reason));
    let r = ok(chain.submit(
        ALICE,
        Payload::Multisig {
            op: MultisigTx::Create {
                signers: vec![chain.address(ALICE), chain.address(BOB)],
                threshold: 2,
            },
        },
    ));
    let treasury = Address(r.output.try_into().expect("an address"));
    ok(chain.submit(
        ALICE,
        Payload::Transfer {
            to: treasury,
            amount: Amount(1_000_000),
        },
    ));
    let create = Payload::Call {
        contract,
        method: "create_programme".into(),
        args: programme_args(&chain, &[CAROL, DAVE, ERIN], 2, 35_000),
        value: Amount(100_000),
    };
    let r = treasury_sends(&mut chain, treasury, create);
    assert_eq!(r.output, [0], "the treasury's call succeeded");
    let mut g = Grants { chain, contract };
    assert_eq!(g.money(0), [100_000, 0, 0, 0, 0]);
    assert_eq!(g.chain.balance(&contract).0, 100_000);

    // Grant 0: 60,000 in two halves, awarded 2 of 3.
    let grant = u64_of(&ok(g.apply(0, 60_000, &[(5_000, 60 * DAY), (5_000, 120 * DAY)])).output);
    g.refused(
        FIRM,
        "review",
        review(grant, true),
        "is not a reviewer of this programme",
    );
    ok(g.call(CAROL, "review", review(grant, true)));
    g.refused(
        CAROL,
        "review",
        review(grant, true),
        "has voted on this already",
    );
    ok(g.call(DAVE, "review", review(grant, true)));
    assert_eq!(g.grant_status(grant), 1, "awarded");
    assert_eq!(g.money(0)[1], 60_000);
    // The funded total cannot be exceeded: 40,000 are left.
    let r = g.apply(0, 50_000, &[(10_000, 10 * DAY)]);
    assert!(
        r.reason
            .contains("exceeds the programme's unallocated 40000"),
        "{}",
        r.reason
    );

    // Milestone 0: evidence, two approvals, paid once.
    g.refused(
        CAROL,
        "submit_evidence",
        evidence(grant, 0, 1),
        "only grant 0's recipient",
    );
    g.refused(
        CAROL,
        "approve_milestone",
        on_milestone(grant, 0),
        "has no evidence to approve",
    );
    ok(g.call(FIRM, "submit_evidence", evidence(grant, 0, 1)));
    let firm_before = g.chain.balance(&g.chain.address(FIRM)).0;
    ok(g.call(CAROL, "approve_milestone", on_milestone(grant, 0)));
    assert_eq!(g.milestone(grant, 0).1, 1, "one approval does not pay");
    ok(g.call(ERIN, "approve_milestone", on_milestone(grant, 0)));
    assert_eq!(g.milestone(grant, 0), (30_000, 2, 0));
    let paid_to_firm = g.chain.balance(&g.chain.address(FIRM)).0 - firm_before;
    assert_eq!(paid_to_firm, 30_000);
    g.refused(
        DAVE,
        "approve_milestone",
        on_milestone(grant, 0),
        "is paid already",
    );

    // Milestone 1: evidence rejected, then resubmitted; the votes start over.
    ok(g.call(FIRM, "submit_evidence", evidence(grant, 1, 2)));
    ok(g.call(CAROL, "approve_milestone", on_milestone(grant, 1)));
    ok(g.call(ERIN, "reject_evidence", on_milestone(grant, 1)));
    assert_eq!(g.milestone(grant, 1), (30_000, 0, 1));
    ok(g.call(FIRM, "submit_evidence", evidence(grant, 1, 3)));
    ok(g.call(CAROL, "approve_milestone", on_milestone(grant, 1)));
    assert_eq!(
        g.milestone(grant, 1).1,
        1,
        "carol's vote of the earlier round does not count"
    );
    ok(g.call(DAVE, "approve_milestone", on_milestone(grant, 1)));
    assert_eq!(g.grant_status(grant), 3, "completed");
    assert_eq!(
        g.record(grant),
        [
            (0, FIRM),  // applied
            (1, CAROL), // voted for
            (1, DAVE),  // voted for
            (3, DAVE),  // awarded
            (5, FIRM),  // evidence, milestone 0
            (6, CAROL), // approved
            (6, ERIN),  // approved
            (8, ERIN),  // paid
            (5, FIRM),  // evidence, milestone 1
            (6, CAROL), // approved
            (7, ERIN),  // rejected
            (5, FIRM),  // evidence again
            (6, CAROL), // approved
            (6, DAVE),  // approved
            (8, DAVE),  // paid
        ]
        .map(|(action, who)| (action, g.chain.address(who))),
        "every decision on record, with its actor"
    );

    // Grant 1: one payment of 40,000, at least the large-payment threshold: the funder decides.
    let big = u64_of(&ok(g.apply(0, 40_000, &[(10_000, 10 * DAY)])).output);
    ok(g.call(CAROL, "review", review(big, true)));
    ok(g.call(ERIN, "review", review(big, true)));
    assert_eq!(g.money(0)[..2], [100_000, 100_000]);
    ok(g.call(FIRM, "submit_evidence", evidence(big, 0, 4)));
    g.refused(
        CAROL,
        "approve_milestone",
        on_milestone(big, 0),
        "the funder",
    );
    let r = treasury_sends(
        &mut g.chain,
        treasury,
        Payload::Call {
            contract,
            method: "approve_milestone".into(),
            args: on_milestone(big, 0),
            value: Amount(0),
        },
    );
    assert_eq!(r.output, [0]);
    assert_eq!(g.milestone(big, 0).1, 2, "paid on the funder's approval");

    // A top-up, then grant 2 misses its due date: the funder reclaims it.
    let r = treasury_sends(
        &mut g.chain,
        treasury,
        Payload::Call {
            contract,
            method: "fund".into(),
            args: 0u64.to_be_bytes().to_vec(),
            value: Amount(20_000),
        },
    );
    assert_eq!(r.output, [0]);
    let late = u64_of(&ok(g.apply(0, 20_000, &[(10_000, 5 * DAY)])).output);
    ok(g.call(CAROL, "review", review(late, true)));
    ok(g.call(DAVE, "review", review(late, true)));
    g.refused(
        CAROL,
        "reclaim",
        args(|w| {
            w.u64(late).u32(0);
        }),
        "only the programme's funder",
    );
    g.chain.advance_time(6 * DAY);
    g.refused(FIRM, "submit_evidence", evidence(late, 0, 5), "was due at");
    let treasury_before = g.chain.balance(&treasury).0;
    let reclaim = Payload::Call {
        contract,
        method: "reclaim".into(),
        args: args(|w| {
            w.u64(late).u32(0);
        }),
        value: Amount(0),
    };
    assert_eq!(
        treasury_sends(&mut g.chain, treasury, reclaim.clone()).output,
        [0]
    );
    assert_eq!(g.chain.balance(&treasury).0, treasury_before + 20_000);
    assert_eq!(g.milestone(late, 0).1, 3, "reclaimed");
    assert_eq!(
        treasury_sends(&mut g.chain, treasury, reclaim).output,
        [Status::Reverted.code() as u8],
        "reclaimed once"
    );

    // The books: everything funded was awarded, then paid or reclaimed; nothing is left.
    assert_eq!(g.money(0), [120_000, 120_000, 100_000, 20_000, 0]);
    assert_eq!(g.chain.balance(&contract).0, 0);
    let close = Payload::Call {
        contract,
        method: "close".into(),
        args: 0u64.to_be_bytes().to_vec(),
        value: Amount(0),
    };
    assert_eq!(treasury_sends(&mut g.chain, treasury, close).output, [0]);
    let r = g.apply(0, 1, &[(10_000, DAY)]);
    assert!(r.reason.contains("takes no applications"), "{}", r.reason);
}

#[test]
fn a_programme_in_an_asset_declines_pays_and_releases_in_that_asset_and_bad_input_is_refused() {
    let mut chain = TestChain::consortium_with(|genesis| {
        let alice = genesis
            .members
            .iter_mut()
            .find(|m| m.roles == Roles::ADMIN && m.org.as_str() == "agency")
            .expect("alice is the agency's admin");
        alice.roles = Roles::ADMIN.union(Roles::ISSUER);
    });
    let r = ok(chain.submit(
        ALICE,
        Payload::Asset {
            op: AssetTx::Create {
                symbol: "GRANT".into(),
                name: "Innovation voucher".into(),
                decimals: 0,
                supply_cap: None,
                metadata: Metadata::default(),
                rule: TransferRule::Open,
            },
        },
    ));
    let voucher = AssetId(r.output.try_into().expect("an id"));
    let alice = chain.address(ALICE);
    ok(chain.submit(
        ALICE,
        Payload::Asset {
            op: AssetTx::Mint {
                asset: voucher,
                to: alice,
                amount: Amount(10_000),
            },
        },
    ));
    let contract = chain
        .deploy(ALICE, &contract_code("grants"), &[])
        .unwrap_or_else(|r| panic!("deploys: {}", r.reason));
    let fund_with = |chain: &mut TestChain, assets: Vec<Value>| {
        chain.submit(
            ALICE,
            Payload::Asset {
                op: AssetTx::Call {
                    contract,
                    method: "create_programme".into(),
                    args: programme_args(chain, &[CAROL, DAVE, ERIN], 2, u128::MAX),
                    assets,
                },
            },
        )
    };
    let token = |amount| Value::Token {
        asset: voucher,
        amount: Amount(amount),
    };
    for assets in [vec![], vec![token(5), Value::Native { amount: Amount(5) }]] {
        let r = fund_with(&mut chain, assets);
        assert!(r.reason.contains("one asset, and not both"), "{}", r.reason);
    }
    let r = chain.call(
        ALICE,
        &contract,
        "create_programme",
        &programme_args(&chain, &[CAROL, CAROL], 1, 1),
        5,
    );
    assert!(r.reason.contains("appears twice"), "{}", r.reason);
    let r = chain.call(
        ALICE,
        &contract,
        "create_programme",
        &programme_args(&chain, &[CAROL], 2, 1),
        5,
    );
    assert!(
        r.reason.contains("threshold must be 1 to 1"),
        "{}",
        r.reason
    );
    ok(fund_with(&mut chain, vec![token(6_000)]));
    let held = |chain: &TestChain, who: &Address| {
        r::holding(chain.view(), &voucher, who)
            .expect("readable")
            .balance
            .0
    };
    assert_eq!(held(&chain, &contract), 6_000);
    let mut g = Grants { chain, contract };

    // Applications that do not add up.
    for (milestones, says) in [
        (
            vec![(6_000, DAY), (3_000, 2 * DAY)],
            "sum to 9000 basis points",
        ),
        (
            vec![(5_000, 2 * DAY), (5_000, DAY)],
            "milestone 1 is due before",
        ),
        (
            vec![(0, DAY), (10_000, 2 * DAY)],
            "milestone 0 has no share",
        ),
        (vec![], "1 to 12 milestones"),
    ] {
        let r = g.apply(0, 100, &milestones);
        assert!(r.reason.contains(says), "{}: {says}", r.reason);
    }
    let r = g.apply(0, 0, &[(10_000, DAY)]);
    assert!(r.reason.contains("must be positive"), "{}", r.reason);
    let r = g.apply(7, 100, &[(10_000, DAY)]);
    assert!(r.reason.contains("no programme 7"), "{}", r.reason);

    // Declined once two of three say no (the threshold of 2 can no longer be reached).
    let declined = u64_of(&ok(g.apply(0, 1_000, &[(10_000, DAY)])).output);
    ok(g.call(CAROL, "review", review(declined, false)));
    assert_eq!(g.grant_status(declined), 0, "still open");
    ok(g.call(DAVE, "review", review(declined, false)));
    assert_eq!(g.grant_status(declined), 2, "declined");
    g.refused(ERIN, "review", review(declined, true), "is decided already");

    // Paid in the asset, in thirds that add up to the amount exactly.
    let grant = u64_of(
        &ok(g.apply(
            0,
            1_000,
            &[(3_333, DAY), (3_333, 2 * DAY), (3_334, 3 * DAY)],
        ))
        .output,
    );
    let amounts: Vec<u128> = (0..3).map(|n| g.milestone(grant, n).0).collect();
    assert_eq!(amounts, [333, 333, 334]);
    ok(g.call(CAROL, "review", review(grant, true)));
    ok(g.call(DAVE, "review", review(grant, true)));
    ok(g.call(FIRM, "submit_evidence", evidence(grant, 0, 9)));
    ok(g.call(CAROL, "approve_milestone", on_milestone(grant, 0)));
    ok(g.call(DAVE, "approve_milestone", on_milestone(grant, 0)));
    let firm = g.chain.address(FIRM);
    assert_eq!(held(&g.chain, &firm), 333);

    // Closing releases what was never awarded, in the asset; awarded grants run on.
    let alice_before = held(&g.chain, &alice);
    g.refused(
        CAROL,
        "close",
        0u64.to_be_bytes().to_vec(),
        "only the programme's funder",
    );
    let r = ok(g.call(ALICE, "close", 0u64.to_be_bytes().to_vec()));
    assert_eq!(
        Reader::new(&r.output).u128("released").expect("released"),
        5_000
    );
    assert_eq!(held(&g.chain, &alice), alice_before + 5_000);
    assert_eq!(g.money(0), [6_000, 1_000, 333, 0, 5_000]);
    g.refused(
        ALICE,
        "close",
        0u64.to_be_bytes().to_vec(),
        "is closed already",
    );
    ok(g.call(FIRM, "submit_evidence", evidence(grant, 1, 10)));
    ok(g.call(CAROL, "approve_milestone", on_milestone(grant, 1)));
    ok(g.call(ERIN, "approve_milestone", on_milestone(grant, 1)));
    assert_eq!(held(&g.chain, &firm), 666);
    assert_eq!(
        held(&g.chain, &contract),
        334,
        "what the last milestone needs"
    );
}
