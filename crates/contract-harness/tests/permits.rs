//! Permits (`contracts/permits`): a route of agency stages (in sequence, each stage's agencies in
//! parallel) with time limits, requests for changes and resubmission, an overdue stage the
//! supervising office escalates, a public consultation where each account speaks once, and an
//! approved permit issued as an e-certificate. Every abuse is refused with a reason and changes
//! nothing.

use citychain_contract_harness::{TestChain, args, contract_code};
use citychain_types::{Address, Status, codec::Reader};

const DAY: u64 = 86_400_000;
// Accounts: alice (0) the supervising office and the registry's admin; bob (1) the planning
// bureau; carol (2) the fire department; dave (3) the environment bureau; erin (4) the
// applicant; frank (5) a citizen.
const OFFICE: usize = 0;
const PLANNING: usize = 1;
const FIRE: usize = 2;
const ENVIRONMENT: usize = 3;
const APPLICANT: usize = 4;
const CITIZEN: usize = 5;

struct City {
    chain: TestChain,
    registry: Address,
    permits: Address,
}

impl City {
    /// The registry and the permits contract deployed by the office; the permits contract
    /// registered as an issuer when `register` is set.
    fn new(register: bool) -> City {
        let mut chain = TestChain::new();
        let registry = chain
            .deploy(OFFICE, &contract_code("certificates"), &[])
            .unwrap_or_else(|r| panic!("registry deploys: {r:?}"));
        let permits = chain
            .deploy(OFFICE, &contract_code("permits"), &registry.0)
            .unwrap_or_else(|r| panic!("permits deploys: {r:?}"));
        let mut city = City {
            chain,
            registry,
            permits,
        };
        if register {
            let r = city.chain.call(
                OFFICE,
                &registry,
                "register_issuer",
                &args(|w| {
                    w.raw(&permits.0).string("City Permits Office");
                }),
                0,
            );
            assert!(r.is_success(), "{}", r.reason);
        }
        city
    }

    fn call(&mut self, from: usize, method: &str, a: Vec<u8>) -> Result<Vec<u8>, String> {
        self.chain.try_call(from, &self.permits, method, &a, 0)
    }

    fn ok(&mut self, from: usize, method: &str, a: Vec<u8>) -> Vec<u8> {
        self.call(from, method, a)
            .unwrap_or_else(|e| panic!("{method} fails: {e}"))
    }

    /// A call that must be refused with `reason` and change nothing the contract keeps.
    fn refused(&mut self, from: usize, method: &str, a: Vec<u8>, reason: &str) {
        let before = self.snapshot();
        let permits = self.permits;
        let r = self.chain.call(from, &permits, method, &a, 0);
        assert_eq!(r.status, Status::Reverted, "{method}: {}", r.reason);
        assert!(
            r.reason.contains(reason),
            "{method}: {:?} lacks {reason:?}",
            r.reason
        );
        assert_eq!(self.snapshot(), before, "{method} changed something");
    }

    /// What the contract keeps, as its views show it: every application (with its status,
    /// stage, tallies and step count) and the count.
    fn snapshot(&self) -> Vec<Result<Vec<u8>, String>> {
        let mut all: Vec<_> = (0..4)
            .map(|id| self.query("application", id_arg(id)))
            .collect();
        all.push(self.query("count", Vec::new()));
        all
    }

    fn query(&self, method: &str, a: Vec<u8>) -> Result<Vec<u8>, String> {
        let q = self
            .chain
            .query(&self.chain.address(OFFICE), &self.permits, method, &a);
        if q.status == Status::Success {
            Ok(q.output)
        } else {
            Err(q.reason)
        }
    }

    fn application(&self, id: u64) -> App {
        App::decode(
            &self
                .query("application", id_arg(id))
                .expect("an application"),
        )
    }

    /// Defines `construction`: planning, then fire and environment in parallel; a 30-day
    /// consultation; permits valid two years.
    fn define_construction(&mut self) -> Result<Vec<u8>, String> {
        let (planning, fire, environment) = (
            self.chain.address(PLANNING),
            self.chain.address(FIRE),
            self.chain.address(ENVIRONMENT),
        );
        self.call(
            OFFICE,
            "define_type",
            route(
                "construction",
                &[(&[planning], 10 * DAY), (&[fire, environment], 20 * DAY)],
            ),
        )
    }

    fn apply(&mut self, title: &str, doc: u8) -> u64 {
        let out = self.ok(
            APPLICANT,
            "apply",
            args(|w| {
                w.string("construction").string(title).raw(&[doc; 32]);
            }),
        );
        Reader::new(&out).u64("id").expect("an id")
    }
}

fn route(type_id: &str, stages: &[(&[Address], u64)]) -> Vec<u8> {
    args(|w| {
        w.string(type_id)
            .string("Construction permit")
            .list(stages, |w, (agencies, limit)| {
                w.list(agencies, |w, a| {
                    w.raw(&a.0);
                })
                .u64(*limit);
            })
            .u64(30 * DAY)
            .u64(730 * DAY);
    })
}

fn id_arg(id: u64) -> Vec<u8> {
    id.to_be_bytes().to_vec()
}

fn decision(id: u64, comment: &str, doc: u8) -> Vec<u8> {
    args(|w| {
        w.u64(id).string(comment).raw(&[doc; 32]);
    })
}

fn comment(id: u64, support: bool, text: &str) -> Vec<u8> {
    args(|w| {
        w.u64(id).bool(support).string(text);
    })
}

#[derive(Debug)]
struct App {
    applicant: Address,
    document: [u8; 32],
    status: u8,
    stage: u32,
    revision: u32,
    stage_deadline_ms: u64,
    support: u32,
    oppose: u32,
    escalations: u32,
    steps: u32,
    certificate: Option<u64>,
}

impl App {
    fn decode(bytes: &[u8]) -> App {
        let mut r = Reader::new(bytes);
        let applicant = Address(r.array("applicant").expect("applicant"));
        let _type = r.string("type", 64).expect("type");
        let _title = r.string("title", 512).expect("title");
        let document = r.array("document").expect("document");
        let _submitted = r.u64("submitted").expect("submitted");
        let status = r.u8("status").expect("status");
        let stage = r.u32("stage").expect("stage");
        let revision = r.u32("revision").expect("revision");
        let stage_deadline_ms = r.u64("deadline").expect("deadline");
        let _consultation = r.u64("consultation").expect("consultation");
        let support = r.u32("support").expect("support");
        let oppose = r.u32("oppose").expect("oppose");
        let escalations = r.u32("escalations").expect("escalations");
        let steps = r.u32("steps").expect("steps");
        let certificate = r
            .option("certificate", |r| r.u64("certificate"))
            .expect("certificate");
        r.finish("application").expect("nothing left");
        App {
            applicant,
            document,
            status,
            stage,
            revision,
            stage_deadline_ms,
            support,
            oppose,
            escalations,
            steps,
            certificate,
        }
    }
}

/// The action code of each step on record.
fn actions(city: &City, id: u64, steps: u32) -> Vec<u8> {
    (0..steps)
        .map(|n| {
            let out = city
                .query(
                    "step",
                    args(|w| {
                        w.u64(id).u32(n);
                    }),
                )
                .expect("a step");
            let mut r = Reader::new(&out);
            assert_eq!(r.u8("some").expect("tag"), 1, "step {n} exists");
            let _at = r.u64("at").expect("at");
            let _actor = r.array::<20>("actor").expect("actor");
            r.u8("action").expect("action")
        })
        .collect()
}

#[test]
fn a_construction_permit_runs_its_route_consultation_and_escalation_and_is_issued_as_a_certificate()
{
    let mut city = City::new(true);
    city.define_construction()
        .expect("the office defines the route");
    let id = city.apply("Riverside library extension", 1);
    let app = city.application(id);
    assert_eq!((app.status, app.stage, app.revision), (0, 0, 0));
    assert_eq!(app.applicant, city.chain.address(APPLICANT));

    // Out of order and the wrong agency.
    city.refused(
        FIRE,
        "approve",
        decision(id, "", 0),
        "decides in stage 1; application 0 is in stage 0",
    );
    city.refused(
        CITIZEN,
        "approve",
        decision(id, "", 0),
        "is not an agency on the route",
    );

    // Planning asks for changes; the applicant resubmits; the stage starts afresh.
    city.ok(
        PLANNING,
        "request_changes",
        decision(id, "add the fire exits to the plans", 2),
    );
    assert_eq!(city.application(id).status, 1);
    city.refused(PLANNING, "approve", decision(id, "", 0), "is not in review");
    city.refused(
        CITIZEN,
        "resubmit",
        args(|w| {
            w.u64(id).raw(&[3; 32]).string("");
        }),
        "only application 0's applicant",
    );
    city.ok(
        APPLICANT,
        "resubmit",
        args(|w| {
            w.u64(id).raw(&[3; 32]).string("fire exits added");
        }),
    );
    let app = city.application(id);
    assert_eq!(
        (app.status, app.stage, app.revision, app.document),
        (0, 0, 1, [3; 32])
    );
    city.ok(PLANNING, "approve", decision(id, "zoning conforms", 4));
    assert_eq!(city.application(id).stage, 1, "the parallel stage started");

    // The consultation: each account once.
    city.ok(CITIZEN, "comment", comment(id, true, "the town needs it"));
    city.refused(
        CITIZEN,
        "comment",
        comment(id, false, "changed my mind"),
        "has commented on application 0 already",
    );
    city.ok(
        OFFICE,
        "comment",
        comment(id, false, "the trees by the river"),
    );
    let app = city.application(id);
    assert_eq!((app.support, app.oppose), (1, 1));

    // Fire approves; environment is late. The office sees it and escalates.
    city.ok(FIRE, "approve", decision(id, "exits adequate", 5));
    city.refused(
        FIRE,
        "approve",
        decision(id, "again", 5),
        "has decided on this stage already",
    );
    city.refused(
        OFFICE,
        "escalate",
        args(|w| {
            w.u64(id).string("hurry");
        }),
        "is not overdue",
    );
    city.chain.advance_time(21 * DAY);
    let overdue = city.query("overdue", id_arg(id)).expect("overdue");
    let mut r = Reader::new(&overdue);
    assert!(r.bool("late").expect("late"), "the stage is overdue");
    let _deadline = r.u64("deadline").expect("deadline");
    let pending = r
        .list("pending", 8, |r| r.array::<20>("agency"))
        .expect("pending");
    assert_eq!(pending, vec![city.chain.address(ENVIRONMENT).0]);
    let list = city.query("overdue_list", id_arg(0)).expect("list");
    assert_eq!(&list[..4], &1u32.to_be_bytes(), "one overdue application");
    city.refused(
        PLANNING,
        "escalate",
        args(|w| {
            w.u64(id).string("hurry");
        }),
        "only the supervising office",
    );
    let before = city.application(id).stage_deadline_ms;
    city.ok(
        OFFICE,
        "escalate",
        args(|w| {
            w.u64(id).string("statutory limit passed");
        }),
    );
    let app = city.application(id);
    assert_eq!(app.escalations, 1);
    assert!(app.stage_deadline_ms > before, "a fresh time limit");

    // Environment approves: every stage is done, but the consultation is open until day 30.
    city.ok(
        ENVIRONMENT,
        "approve",
        decision(id, "no protected species", 6),
    );
    assert_eq!(city.application(id).status, 2, "awaiting the consultation");
    city.refused(
        CITIZEN,
        "finalize",
        id_arg(id),
        "consultation is open until",
    );
    city.chain.advance_time(10 * DAY);
    city.refused(
        3,
        "comment",
        comment(id, true, "late"),
        "consultation closed",
    );
    let out = city.ok(CITIZEN, "finalize", id_arg(id));
    let certificate = Reader::new(&out).u64("certificate").expect("id");
    let app = city.application(id);
    assert_eq!((app.status, app.certificate), (3, Some(certificate)));
    assert_eq!(
        actions(&city, id, app.steps),
        [0, 3, 4, 1, 1, 5, 1, 7],
        "applied, changes requested, resubmitted, approved, approved, escalated, approved, issued"
    );
    city.refused(
        ENVIRONMENT,
        "approve",
        decision(id, "", 0),
        "is not in review",
    );

    // The permit is a certificate of the registry: issued by the permits contract to the
    // applicant, with public (zero-salt) commitments to its fields.
    let q = city.chain.query(
        &city.chain.address(0),
        &city.registry,
        "certificate",
        &certificate.to_be_bytes(),
    );
    let mut r = Reader::new(&q.output);
    assert_eq!(r.u8("some").expect("tag"), 1);
    assert_eq!(Address(r.array("issuer").expect("issuer")), city.permits);
    assert_eq!(
        Address(r.array("holder").expect("holder")),
        city.chain.address(APPLICANT)
    );
    assert_eq!(r.string("type", 64).expect("type"), "construction");
    let issued_at = r.u64("issued").expect("issued");
    assert_eq!(r.u64("from").expect("from"), issued_at);
    assert_eq!(r.u64("until").expect("until"), issued_at + 730 * DAY);
    assert_eq!(r.u8("status").expect("status"), 0);
    let _reason = r.string("reason", 256).expect("reason");
    let _changed = r.u64("changed").expect("changed");
    let fields = r
        .list("fields", 32, |r| {
            Ok((r.string("name", 64)?, r.array::<32>("c")?))
        })
        .expect("fields");
    let public = |name: &str, value: &str| {
        city.chain
            .suite()
            .hash(&args(|w| {
                w.raw(&[0; 32]).string(name).string(value);
            }))
            .0
    };
    assert_eq!(
        fields,
        vec![
            ("application".to_string(), public("application", "0")),
            (
                "title".to_string(),
                public("title", "Riverside library extension")
            ),
            (
                "document".to_string(),
                public("document", &format!("0x{}", "03".repeat(32)))
            ),
        ]
    );
}

#[test]
fn rejections_withdrawals_and_bad_routes_are_on_record_or_refused() {
    // Not yet a registered issuer: the type cannot be defined, and says why.
    let mut city = City::new(false);
    let err = city
        .define_construction()
        .expect_err("the registry refuses");
    assert!(
        err.contains("refused the type") && err.contains("is not a registered issuer"),
        "{err}"
    );

    let mut city = City::new(true);
    let bob = city.chain.address(PLANNING);
    city.refused(
        PLANNING,
        "define_type",
        route("x", &[(&[bob], DAY)]),
        "only the supervising office",
    );
    city.refused(OFFICE, "define_type", route("x", &[]), "1 to 8 stages");
    city.refused(
        OFFICE,
        "define_type",
        route("x", &[(&[bob, bob], DAY)]),
        "appears twice in stage 0",
    );
    city.refused(
        OFFICE,
        "define_type",
        route("x", &[(&[bob], 0)]),
        "needs a time limit",
    );
    city.define_construction().expect("defined");
    city.refused(
        OFFICE,
        "define_type",
        route("construction", &[(&[bob], DAY)]),
        "is defined already",
    );
    city.refused(
        APPLICANT,
        "apply",
        args(|w| {
            w.string("bridge").string("a bridge").raw(&[0; 32]);
        }),
        "no permit type bridge",
    );

    // A rejection is final and on record.
    let rejected = city.apply("Tower on the green belt", 1);
    city.refused(
        PLANNING,
        "reject",
        decision(rejected, "", 0),
        "a rejection needs a comment",
    );
    city.ok(
        PLANNING,
        "reject",
        decision(rejected, "green belt: not buildable", 2),
    );
    let app = city.application(rejected);
    assert_eq!(app.status, 4);
    assert_eq!(actions(&city, rejected, app.steps), [0, 2]);
    city.refused(
        APPLICANT,
        "resubmit",
        args(|w| {
            w.u64(rejected).raw(&[3; 32]).string("");
        }),
        "has no request for changes",
    );
    city.refused(CITIZEN, "comment", comment(rejected, true, ""), "is closed");

    // A withdrawal, by the applicant only.
    let withdrawn = city.apply("Garden shed", 1);
    city.refused(
        CITIZEN,
        "withdraw",
        args(|w| {
            w.u64(withdrawn).string("no");
        }),
        "only application 1's applicant",
    );
    city.ok(
        APPLICANT,
        "withdraw",
        args(|w| {
            w.u64(withdrawn).string("plans changed");
        }),
    );
    assert_eq!(city.application(withdrawn).status, 5);
    city.refused(
        APPLICANT,
        "withdraw",
        args(|w| {
            w.u64(withdrawn).string("again");
        }),
        "is closed",
    );
    city.refused(PLANNING, "approve", decision(7, "", 0), "no application 7");
    city.refused(
        OFFICE,
        "finalize",
        id_arg(withdrawn),
        "is not waiting for its consultation",
    );
    assert_eq!(
        Reader::new(&city.query("count", vec![]).expect("count"))
            .u64("n")
            .expect("n"),
        2
    );
}
