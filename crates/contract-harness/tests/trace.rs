//! Supply-chain traceability (`contracts/trace`): milk from two farms through a carrier and a
//! dairy into yogurt, packed on a pallet for a retailer. Custody moves only when the receiver
//! signs, cold-chain excursions are counted, transformations keep their lineage, and a recall
//! marks every descendant. Every abuse is refused with a reason and changes nothing.

use citychain_contract_harness::{TestChain, args, contract_code};
use citychain_types::{
    Address, Status,
    codec::{Reader, Writer},
};

// alice (0) the market regulator; bob (1) a dairy farm; carol (2) a cold-chain carrier; dave
// (3) a dairy (processor); erin (4) a supermarket; frank (5) a food-safety inspector.
const REGULATOR: usize = 0;
const FARM: usize = 1;
const CARRIER: usize = 2;
const DAIRY: usize = 3;
const SHOP: usize = 4;
const INSPECTOR: usize = 5;

const MILK_A: &str = "urn:epc:class:lgtin:0614141.107346.MILK-A";
const MILK_B: &str = "urn:epc:class:lgtin:0614141.107346.MILK-B";
const YOGURT_1: &str = "urn:epc:class:lgtin:0614141.207346.YOG-1";
const YOGURT_2: &str = "urn:epc:class:lgtin:0614141.207346.YOG-2";
const PALLET: &str = "urn:epc:id:sscc:0614141.1234567890";

struct Trace {
    chain: TestChain,
    contract: Address,
}

/// What a batch record shows: `(holder, status, excursions, parents, events)`.
#[derive(Debug, PartialEq)]
struct Shown {
    holder: Address,
    status: u8,
    excursions: u32,
    parents: Vec<String>,
    events: u32,
}

impl Trace {
    fn new() -> Trace {
        let mut chain = TestChain::new();
        let contract = chain
            .deploy(REGULATOR, &contract_code("trace"), &[])
            .unwrap_or_else(|r| panic!("deploys: {}", r.reason));
        let mut t = Trace { chain, contract };
        for (who, name, role) in [
            (FARM, "Yanqing dairy farm", 0),
            (CARRIER, "Cold Express", 1),
            (DAIRY, "Capital Dairy", 5),
            (SHOP, "Riverside supermarket", 3),
            (INSPECTOR, "Food safety centre", 4),
        ] {
            let a = t.chain.address(who);
            t.ok(
                REGULATOR,
                "register_party",
                args(|w| {
                    w.put(&a).string(name).u8(role).string("GLN 0614141000005");
                }),
            );
        }
        t
    }

    fn call(&mut self, from: usize, method: &str, a: Vec<u8>) -> Result<Vec<u8>, String> {
        self.chain.try_call(from, &self.contract, method, &a, 0)
    }

    fn ok(&mut self, from: usize, method: &str, a: Vec<u8>) -> Vec<u8> {
        self.call(from, method, a)
            .unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    fn shown(&self, code: &str) -> Option<Shown> {
        let q = self.chain.query(
            &self.chain.address(0),
            &self.contract,
            "batch_of",
            &args(|w| {
                w.string(code);
            }),
        );
        if q.status != Status::Success {
            return None;
        }
        let mut r = Reader::new(&q.output);
        r.string("product", 128).expect("product");
        r.take("producer", 20).expect("producer");
        let holder = Address(r.array("holder").expect("holder"));
        r.option("shipped to", |r| r.array::<20>("to"))
            .expect("shipped to");
        let status = r.u8("status").expect("status");
        r.u64("quantity").expect("quantity");
        r.string("unit", 16).expect("unit");
        r.string("origin", 128).expect("origin");
        r.list("attributes", 32, |r| {
            Ok((r.string("k", 128)?, r.string("v", 128)?))
        })
        .expect("attributes");
        r.option("range", |r| Ok((r.u64("min")?, r.u64("max")?)))
            .expect("range");
        let excursions = r.u32("excursions").expect("excursions");
        r.u32("failed").expect("failed");
        let parents = r
            .list("parents", 32, |r| r.string("parent", 128))
            .expect("parents");
        r.option("container", |r| r.string("container", 128))
            .expect("container");
        let events = r.u32("events").expect("events");
        Some(Shown {
            holder,
            status,
            excursions,
            parents,
            events,
        })
    }

    fn snapshot(&self) -> Vec<Option<Shown>> {
        [MILK_A, MILK_B, YOGURT_1, YOGURT_2, PALLET]
            .iter()
            .map(|c| self.shown(c))
            .collect()
    }

    fn refused(&mut self, from: usize, method: &str, a: Vec<u8>, reason: &str) {
        let before = self.snapshot();
        let err = self.call(from, method, a).expect_err(method);
        assert!(err.contains(reason), "{method}: {err:?} lacks {reason:?}");
        assert_eq!(self.snapshot(), before, "{method} changed something");
    }

    fn status(&self, code: &str) -> u8 {
        self.shown(code).expect("a batch").status
    }

    fn steps(&self, code: &str) -> Vec<String> {
        (0..self.shown(code).expect("a batch").events)
            .map(|n| {
                let q = self.chain.query(
                    &self.chain.address(0),
                    &self.contract,
                    "event_of",
                    &args(|w| {
                        w.string(code).u32(n);
                    }),
                );
                let mut r = Reader::new(&q.output);
                assert_eq!(r.u8("some").expect("tag"), 1);
                r.take("head", 8 + 20 + 2).expect("head");
                r.string("step", 64).expect("step")
            })
            .collect()
    }
}

fn commission(code: &str) -> Vec<u8> {
    args(|w| {
        w.string(code)
            .string("raw milk")
            .u64(1_000)
            .string("L")
            .string("Farm 7, Yanqing")
            .list(&[("fat", "3.6%")], |w, (k, v)| {
                w.string(k).string(v);
            })
            .u8(1)
            .u64(2_000)
            .u64(6_000);
    })
}

fn temperature(milli: i64) -> Vec<(String, i64, u64)> {
    vec![("temperature".to_string(), milli, 1_764_000_000_000)]
}

fn put_readings(w: &mut Writer, readings: &[(String, i64, u64)]) {
    w.list(readings, |w, (k, v, t)| {
        w.string(k).u64(*v as u64).u64(*t);
    });
}

fn ship(code: &str, to: &Address, milli: i64) -> Vec<u8> {
    args(|w| {
        w.string(code).put(to).string("dock 2");
        put_readings(w, &temperature(milli));
    })
}

fn receive(code: &str, milli: i64) -> Vec<u8> {
    args(|w| {
        w.string(code).string("gate 1");
        put_readings(w, &temperature(milli));
    })
}

#[test]
fn milk_becomes_yogurt_with_its_lineage_and_a_recall_marks_every_descendant() {
    let mut t = Trace::new();
    let (carrier, dairy, shop) = (
        t.chain.address(CARRIER),
        t.chain.address(DAIRY),
        t.chain.address(SHOP),
    );
    t.refused(
        CARRIER,
        "commission",
        commission(MILK_A),
        "is not a producer",
    );
    t.ok(FARM, "commission", commission(MILK_A));
    t.ok(FARM, "commission", commission(MILK_B));
    t.refused(FARM, "commission", commission(MILK_A), "exists already");

    // Custody: only the holder ships; only the named receiver receives.
    t.refused(
        CARRIER,
        "ship",
        ship(MILK_A, &dairy, 4_000),
        "does not hold batch",
    );
    t.ok(FARM, "ship", ship(MILK_A, &carrier, 4_000));
    t.refused(FARM, "ship", ship(MILK_A, &carrier, 4_000), "is in transit");
    t.refused(
        DAIRY,
        "receive",
        receive(MILK_A, 4_000),
        "was not shipped to",
    );
    t.ok(CARRIER, "receive", receive(MILK_A, 9_000)); // 9 °C on arrival: an excursion
    let a = t.shown(MILK_A).expect("milk A");
    assert_eq!((a.holder, a.status, a.excursions), (carrier, 0, 1));
    t.ok(CARRIER, "ship", ship(MILK_A, &dairy, 5_000));
    t.ok(DAIRY, "receive", receive(MILK_A, 4_500));
    t.ok(FARM, "ship", ship(MILK_B, &dairy, 3_000));
    t.ok(DAIRY, "receive", receive(MILK_B, 3_500));

    // The dairy merges both milks and splits the result into two yogurt lots.
    let transform = args(|w| {
        w.list(&[MILK_A, MILK_B], |w, c| {
            w.string(c);
        })
        .list(&[(YOGURT_1, 500u64), (YOGURT_2, 500u64)], |w, (c, q)| {
            w.string(c).string("plain yogurt").u64(*q).string("cups");
        })
        .string("fermenting")
        .string("plant 3");
    });
    t.refused(
        CARRIER,
        "transform",
        transform.clone(),
        "is not a processor or producer",
    );
    t.ok(DAIRY, "transform", transform.clone());
    assert_eq!(t.status(MILK_A), 2, "consumed");
    assert_eq!(t.shown(YOGURT_1).expect("yogurt").parents, [MILK_A, MILK_B]);
    t.refused(
        DAIRY,
        "ship",
        ship(MILK_A, &shop, 4_000),
        "was consumed by a transformation",
    );

    // A pallet carries lot 1 to the supermarket; receiving it takes custody of its contents.
    t.ok(
        DAIRY,
        "pack",
        args(|w| {
            w.string(PALLET)
                .list(&[YOGURT_1], |w, c| {
                    w.string(c);
                })
                .string("plant 3 dock");
        }),
    );
    t.refused(DAIRY, "ship", ship(YOGURT_1, &shop, 4_000), "is packed in");
    t.ok(DAIRY, "ship", ship(PALLET, &shop, 4_000));
    t.ok(SHOP, "receive", receive(PALLET, 4_000));
    assert_eq!(t.shown(YOGURT_1).expect("yogurt").holder, shop);
    t.ok(
        SHOP,
        "unpack",
        args(|w| {
            w.string(PALLET).string("store 12");
        }),
    );
    t.ok(
        SHOP,
        "link_transaction",
        args(|w| {
            w.string(YOGURT_1).string("po:4500001234");
        }),
    );
    assert_eq!(
        t.steps(YOGURT_1),
        [
            "fermenting",
            "packing",
            "receiving",
            "unpacking",
            "transacting"
        ]
    );

    // The inspector finds a problem in farm B's milk: every descendant is recalled, and
    // nothing else.
    t.ok(
        INSPECTOR,
        "inspect",
        args(|w| {
            w.string(MILK_B)
                .bool(false)
                .string("lab report 2026-118: listeria");
            put_readings(w, &[]);
        }),
    );
    t.refused(
        SHOP,
        "recall",
        args(|w| {
            w.string(MILK_B).string("listeria");
        }),
        "only batch",
    );
    let marked = t.ok(
        INSPECTOR,
        "recall",
        args(|w| {
            w.string(MILK_B).string("listeria in lab report 2026-118");
        }),
    );
    assert_eq!(Reader::new(&marked).u32("marked").expect("marked"), 3);
    assert_eq!(
        [MILK_A, MILK_B, YOGURT_1, YOGURT_2, PALLET].map(|c| t.status(c)),
        [2, 4, 4, 4, 2],
        "milk B and both yogurts recalled; milk A (another input) and the pallet are not"
    );
    assert_eq!(
        t.steps(YOGURT_2).last().map(String::as_str),
        Some("recalling")
    );
    t.refused(SHOP, "ship", ship(YOGURT_1, &dairy, 4_000), "is recalled");
    let children = t.chain.query(
        &t.chain.address(0),
        &t.contract,
        "children_of",
        &args(|w| {
            w.string(MILK_B);
        }),
    );
    let mut r = Reader::new(&children.output);
    assert_eq!(
        r.list("children", 100, |r| r.string("c", 128))
            .expect("children"),
        [YOGURT_1, YOGURT_2]
    );
}
