//! Government data-catalogue sharing (`contracts/datashare`): agencies publish entries;
//! access is requested with a purpose, approved by the owner or by several parties for a
//! sensitive class, expires and can be revoked; every access is logged against a live grant;
//! the catalogue is searchable. Every abuse is refused with a reason and changes nothing.

use citychain_contract_harness::{TestChain, args, contract_code};
use citychain_types::{Address, codec::Reader};

const DAY: u64 = 86_400_000;
// alice (0) the big-data bureau; bob (1) the transport bureau; carol (2) the health
// commission; dave (3) the public security bureau; erin (4) the planning bureau; frank (5) not
// an agency.
const BUREAU: usize = 0;
const TRANSPORT: usize = 1;
const HEALTH: usize = 2;
const SECURITY: usize = 3;
const PLANNING: usize = 4;
const STRANGER: usize = 5;

struct Catalogue {
    chain: TestChain,
    contract: Address,
}

impl Catalogue {
    fn new() -> Catalogue {
        let mut chain = TestChain::new();
        let contract = chain
            .deploy(BUREAU, &contract_code("datashare"), &[])
            .unwrap_or_else(|r| panic!("deploys: {}", r.reason));
        let mut c = Catalogue { chain, contract };
        for (who, name) in [
            (TRANSPORT, "Transport Bureau"),
            (HEALTH, "Health Commission"),
            (SECURITY, "Public Security Bureau"),
            (PLANNING, "Planning Bureau"),
        ] {
            let a = c.chain.address(who);
            c.ok(
                BUREAU,
                "register_agency",
                args(|w| {
                    w.put(&a).string(name);
                }),
            );
        }
        c
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

    fn snapshot(&self) -> Vec<Vec<u8>> {
        let mut all: Vec<Vec<u8>> = (0..3u64)
            .map(|r| {
                self.chain
                    .query(
                        &self.chain.address(0),
                        &self.contract,
                        "request_of",
                        &r.to_be_bytes(),
                    )
                    .output
            })
            .collect();
        all.push(self.query(
            "search",
            args(|w| {
                w.u8(0).u8(0).u8(0).u8(0);
            }),
        ));
        all
    }

    fn refused(&mut self, from: usize, method: &str, a: Vec<u8>, reason: &str) {
        let before = self.snapshot();
        let err = self.call(from, method, a).expect_err(method);
        assert!(err.contains(reason), "{method}: {err:?} lacks {reason:?}");
        assert_eq!(self.snapshot(), before, "{method} changed something");
    }

    /// `(status, approvals, accesses)` of request `id`.
    fn request(&self, id: u64) -> (u8, usize, u32) {
        let out = self.query("request_of", id.to_be_bytes().to_vec());
        let mut r = Reader::new(&out);
        r.string("dataset", 64).expect("dataset");
        r.take("requester", 20).expect("requester");
        r.string("purpose", 256).expect("purpose");
        r.u64("duration").expect("duration");
        let status = r.u8("status").expect("status");
        let approvals = r
            .list("approvals", 8, |r| r.array::<20>("a"))
            .expect("approvals")
            .len();
        r.u64("expires").expect("expires");
        (status, approvals, r.u32("accesses").expect("accesses"))
    }

    fn search(
        &self,
        owner: Option<Address>,
        keyword: Option<&str>,
        max: Option<u8>,
    ) -> Vec<String> {
        let out = self.query(
            "search",
            args(|w| {
                w.option(owner.as_ref(), |w, a| {
                    w.put(a);
                })
                .option(keyword.as_ref(), |w, k| {
                    w.string(k);
                })
                .option(max.as_ref(), |w, m| {
                    w.u8(*m);
                })
                .u8(0);
            }),
        );
        let mut r = Reader::new(&out);
        r.list("found", 50, |r| {
            let id = r.string("id", 64)?;
            r.string("title", 256)?;
            r.take("owner", 20)?;
            r.u8("class")?;
            Ok(id)
        })
        .expect("found")
    }
}

fn publish(
    id: &str,
    title: &str,
    class: u8,
    keywords: &[&str],
    approvers: &[Address],
    required: u32,
) -> Vec<u8> {
    args(|w| {
        w.string(id)
            .string(title)
            .raw(&[7; 32])
            .u8(class)
            .string("daily")
            .string("api://transport/bus-gps/v1")
            .list(keywords, |w, k| {
                w.string(k);
            })
            .list(approvers, |w, a| {
                w.put(a);
            })
            .u32(required);
    })
}

fn request(dataset: &str, purpose: &str, days: u64) -> Vec<u8> {
    args(|w| {
        w.string(dataset).string(purpose).u64(days * DAY);
    })
}

fn log(id: u64, hash: u8) -> Vec<u8> {
    args(|w| {
        w.u64(id).raw(&[hash; 32]);
    })
}

#[test]
fn access_is_granted_by_the_right_parties_logged_while_live_and_ends() {
    let mut c = Catalogue::new();
    let (transport, health, security) = (
        c.chain.address(TRANSPORT),
        c.chain.address(HEALTH),
        c.chain.address(SECURITY),
    );
    c.ok(
        TRANSPORT,
        "publish",
        publish(
            "bus-gps",
            "Bus GPS positions",
            1,
            &["transport", "GPS"],
            &[transport],
            1,
        ),
    );
    c.refused(
        HEALTH,
        "publish",
        publish(
            "patients",
            "Hospital admissions",
            2,
            &["health"],
            &[health],
            1,
        ),
        "needs at least two approving parties",
    );
    c.ok(
        HEALTH,
        "publish",
        publish(
            "patients",
            "Hospital admissions",
            2,
            &["health"],
            &[health, security],
            2,
        ),
    );
    c.ok(
        TRANSPORT,
        "publish",
        publish("stops", "Bus stops", 0, &["transport"], &[transport], 1),
    );
    c.refused(
        STRANGER,
        "publish",
        publish("mine", "Mine", 0, &[], &[transport], 1),
        "is not a registered agency",
    );
    c.refused(
        TRANSPORT,
        "publish",
        publish("bus-gps", "Again", 1, &[], &[transport], 1),
        "is published already",
    );

    // Internal data: the owner approves alone; each access is logged while the grant lives.
    let gps = Reader::new(&c.ok(
        PLANNING,
        "request_access",
        request("bus-gps", "commuter flow model", 30),
    ))
    .u64("id")
    .expect("id");
    c.refused(TRANSPORT, "log_access", log(gps, 1), "is not a live grant");
    c.refused(
        HEALTH,
        "approve",
        gps.to_be_bytes().to_vec(),
        "does not approve access to bus-gps",
    );
    c.ok(TRANSPORT, "approve", gps.to_be_bytes().to_vec());
    assert_eq!(c.request(gps).0, 1, "granted");
    c.refused(
        PLANNING,
        "log_access",
        log(gps, 1),
        "only data set bus-gps's owner logs its accesses",
    );
    c.ok(TRANSPORT, "log_access", log(gps, 1));
    c.ok(TRANSPORT, "log_access", log(gps, 2));
    assert_eq!(c.request(gps).2, 2);
    let accesses = c.query(
        "accesses_of",
        args(|w| {
            w.u64(gps).u32(0);
        }),
    );
    let mut r = Reader::new(&accesses);
    assert_eq!(r.u32("count").expect("count"), 2);

    // Sensitive data: both parties must approve; one is not enough.
    let patients = Reader::new(&c.ok(
        PLANNING,
        "request_access",
        request("patients", "clinic siting", 10),
    ))
    .u64("id")
    .expect("id");
    c.ok(HEALTH, "approve", patients.to_be_bytes().to_vec());
    assert_eq!(c.request(patients).0, 0, "still pending with one of two");
    c.refused(
        HEALTH,
        "approve",
        patients.to_be_bytes().to_vec(),
        "has approved request 1 already",
    );
    c.refused(
        HEALTH,
        "log_access",
        log(patients, 3),
        "is not a live grant",
    );
    c.ok(SECURITY, "approve", patients.to_be_bytes().to_vec());
    assert_eq!(c.request(patients).0, 1);
    c.ok(HEALTH, "log_access", log(patients, 3));

    // Grants end: the patients grant expires after 10 days; the GPS one is revoked.
    c.chain.advance_time(11 * DAY);
    c.refused(HEALTH, "log_access", log(patients, 4), "expired at");
    c.refused(
        PLANNING,
        "revoke",
        args(|w| {
            w.u64(gps).string("no");
        }),
        "only data set bus-gps's owner may revoke",
    );
    c.ok(
        TRANSPORT,
        "revoke",
        args(|w| {
            w.u64(gps).string("model delivered");
        }),
    );
    c.refused(
        TRANSPORT,
        "log_access",
        log(gps, 5),
        "is not a live grant (status 3)",
    );

    // Public data needs no request; a rejected request grants nothing.
    c.refused(
        PLANNING,
        "request_access",
        request("stops", "maps", 1),
        "is public: no request is needed",
    );
    let refused = Reader::new(&c.ok(
        PLANNING,
        "request_access",
        request("patients", "curiosity", 1),
    ))
    .u64("id")
    .expect("id");
    c.ok(
        SECURITY,
        "reject",
        args(|w| {
            w.u64(refused).string("purpose too vague");
        }),
    );
    assert_eq!(c.request(refused).0, 2);

    // Who used what.
    let usage = c.query(
        "usage_of",
        args(|w| {
            w.string("patients");
        }),
    );
    let mut r = Reader::new(&usage);
    let rows = r
        .list("rows", 100, |r| {
            let id = r.u64("id")?;
            r.take("requester", 20)?;
            let status = r.u8("status")?;
            r.u64("expires")?;
            Ok((id, status, r.u32("accesses")?))
        })
        .expect("rows");
    assert_eq!(rows, [(patients, 1, 1), (refused, 2, 0)]);

    // The catalogue, by keyword (titles too, any case), owner and classification.
    assert_eq!(
        c.search(None, Some("transport"), None),
        ["stops", "bus-gps"]
    );
    assert_eq!(c.search(None, Some("admissions"), None), ["patients"]);
    assert_eq!(c.search(None, Some("gps"), None), ["bus-gps"]);
    assert_eq!(c.search(Some(health), None, None), ["patients"]);
    assert_eq!(c.search(None, None, Some(1)), ["stops", "bus-gps"]);
}
