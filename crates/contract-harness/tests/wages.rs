//! Construction-wage escrow (`contracts/wages`): the owner's fund, the subcontractor's
//! payroll, the contractor's approval paying each worker directly, confirmations and disputes
//! that freeze the claimed amount until the bureau resolves them, overdue months. Every abuse is
//! refused with a reason and changes nothing.

use citychain_contract_harness::{TestChain, args, contract_code};
use citychain_types::{Address, codec::Reader};

const DAY: u64 = 86_400_000;
// alice (0) the labour bureau; bob (1) the owner; carol (2) the general contractor; dave (3)
// the labour subcontractor; erin (4) and frank (5) workers. The harness starts on 2025-11-24.
const BUREAU: usize = 0;
const OWNER: usize = 1;
const CONTRACTOR: usize = 2;
const SUBCONTRACTOR: usize = 3;
const ERIN: usize = 4;
const FRANK: usize = 5;

struct Escrow {
    chain: TestChain,
    contract: Address,
}

impl Escrow {
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

    /// `(funded, paid, frozen, available)`.
    fn books(&self) -> [u128; 4] {
        let out = self.query("project_of", 0u64.to_be_bytes().to_vec());
        let mut r = Reader::new(&out);
        r.string("name", 256).expect("name");
        r.take("parties", 60).expect("parties");
        r.option("asset", |r| r.array::<20>("asset"))
            .expect("asset");
        [0; 4].map(|_| r.u128("money").expect("money"))
    }

    fn snapshot(&self) -> (Vec<u8>, Vec<Vec<u8>>, Vec<u8>, [u128; 2]) {
        let months = [202511u32, 202512]
            .map(|m| {
                let q = self.chain.query(
                    &self.chain.address(0),
                    &self.contract,
                    "payroll_of",
                    &args(|w| {
                        w.u64(0).u32(m);
                    }),
                );
                q.output
            })
            .to_vec();
        let erin = self.chain.address(ERIN);
        let frank = self.chain.address(FRANK);
        (
            self.query("project_of", 0u64.to_be_bytes().to_vec()),
            months,
            self.query("disputes", 0u64.to_be_bytes().to_vec()),
            [self.chain.balance(&erin).0, self.chain.balance(&frank).0],
        )
    }

    fn refused(&mut self, from: usize, method: &str, a: Vec<u8>, reason: &str) {
        let before = self.snapshot();
        let err = self.call(from, method, a).expect_err(method);
        assert!(err.contains(reason), "{method}: {err:?} lacks {reason:?}");
        assert_eq!(self.snapshot(), before, "{method} changed something");
    }

    fn overdue(&self) -> Vec<u32> {
        let out = self.query("overdue_months", 0u64.to_be_bytes().to_vec());
        Reader::new(&out)
            .list("months", 36, |r| r.u32("month"))
            .expect("months")
    }
}

fn payroll(month: u32, lines: &[(Address, u32, u128)]) -> Vec<u8> {
    args(|w| {
        w.u64(0)
            .u32(month)
            .list(lines, |w, (worker, days, amount)| {
                w.put(worker).u32(*days).u128(*amount);
            });
    })
}

fn month_arg(month: u32) -> Vec<u8> {
    args(|w| {
        w.u64(0).u32(month);
    })
}

#[test]
fn wages_go_straight_to_workers_and_a_dispute_freezes_its_claim_until_resolved() {
    let mut chain = TestChain::new();
    let contract = chain
        .deploy(BUREAU, &contract_code("wages"), &[])
        .unwrap_or_else(|r| panic!("deploys: {}", r.reason));
    let (contractor, subcontractor) = (chain.address(CONTRACTOR), chain.address(SUBCONTRACTOR));
    let create = |chain: &mut TestChain, value: u128| {
        chain.call(
            OWNER,
            &contract,
            "create_project",
            &args(|w| {
                w.string("Riverside library")
                    .put(&contractor)
                    .put(&subcontractor)
                    .u32(202511)
                    .u32(10);
            }),
            value,
        )
    };
    let r = create(&mut chain, 0);
    assert!(
        r.reason.contains("fund with native currency or one asset"),
        "{}",
        r.reason
    );
    assert!(create(&mut chain, 100_000).is_success());
    let mut e = Escrow { chain, contract };
    assert_eq!(e.books(), [100_000, 0, 0, 100_000]);
    let (erin, frank) = (e.chain.address(ERIN), e.chain.address(FRANK));
    let (erin_before, frank_before) = (e.chain.balance(&erin).0, e.chain.balance(&frank).0);

    // November's payroll: filed by the subcontractor, approved by the contractor, paid direct.
    let november = payroll(202511, &[(erin, 22, 30_000), (frank, 20, 25_000)]);
    e.refused(
        CONTRACTOR,
        "file_payroll",
        november.clone(),
        "only project 0's subcontractor",
    );
    e.refused(
        SUBCONTRACTOR,
        "file_payroll",
        payroll(202512, &[(erin, 22, 120_000)]),
        "exceeds the fund's available 100000",
    );
    e.refused(
        SUBCONTRACTOR,
        "file_payroll",
        payroll(202511, &[(erin, 22, 1), (erin, 1, 1)]),
        "appears twice",
    );
    e.refused(
        SUBCONTRACTOR,
        "file_payroll",
        payroll(202511, &[(erin, 22, u128::MAX), (frank, 20, 1)]),
        "the payroll's total is too large",
    );
    e.refused(
        SUBCONTRACTOR,
        "file_payroll",
        payroll(202510, &[(erin, 22, 1)]),
        "wages start in 202511",
    );
    e.ok(SUBCONTRACTOR, "file_payroll", november.clone());
    e.refused(SUBCONTRACTOR, "file_payroll", november, "is filed already");
    e.refused(
        SUBCONTRACTOR,
        "approve_payroll",
        month_arg(202511),
        "only project 0's contractor",
    );
    e.ok(CONTRACTOR, "approve_payroll", month_arg(202511));
    assert_eq!(e.chain.balance(&erin).0, erin_before + 30_000);
    assert_eq!(e.chain.balance(&frank).0, frank_before + 25_000);
    assert_eq!(e.books(), [100_000, 55_000, 0, 45_000]);
    e.refused(
        CONTRACTOR,
        "approve_payroll",
        month_arg(202511),
        "not waiting for approval",
    );

    // Erin confirms; frank says he worked 22 days, not 20: 5,000 are frozen.
    e.ok(ERIN, "confirm", month_arg(202511));
    let claim = args(|w| {
        w.u64(0)
            .u32(202511)
            .u128(5_000)
            .string("22 days worked, 20 paid");
    });
    e.refused(
        ERIN,
        "dispute",
        claim.clone(),
        "confirmed or disputed already",
    );
    e.refused(
        OWNER,
        "confirm",
        month_arg(202511),
        "was not paid by project 0",
    );
    e.ok(FRANK, "dispute", claim);
    assert_eq!(e.books(), [100_000, 55_000, 5_000, 40_000]);
    e.refused(
        SUBCONTRACTOR,
        "file_payroll",
        payroll(202512, &[(erin, 22, 42_000)]),
        "exceeds the fund's available 40000",
    );
    let open = e.query("disputes", 0u64.to_be_bytes().to_vec());
    let mut r = Reader::new(&open);
    assert_eq!(r.u32("count").expect("count"), 1);
    assert_eq!(r.u32("month").expect("month"), 202511);
    assert_eq!(Address(r.array("worker").expect("worker")), frank);

    // The bureau awards half.
    let resolve = |award: u128| {
        args(|w| {
            w.u64(0).u32(202511).put(&frank).u128(award);
        })
    };
    e.refused(
        CONTRACTOR,
        "resolve",
        resolve(2_500),
        "only the labour bureau",
    );
    e.refused(BUREAU, "resolve", resolve(6_000), "5000 was claimed");
    e.ok(BUREAU, "resolve", resolve(2_500));
    assert_eq!(e.chain.balance(&frank).0, frank_before + 27_500);
    assert_eq!(e.books(), [100_000, 57_500, 0, 42_500]);
    e.refused(BUREAU, "resolve", resolve(1), "has no open dispute");

    // December: sent back once, filed again, but not paid by 10 January: overdue.
    assert!(e.overdue().is_empty());
    e.ok(
        SUBCONTRACTOR,
        "file_payroll",
        payroll(202512, &[(erin, 21, 29_000)]),
    );
    e.ok(
        CONTRACTOR,
        "send_back",
        args(|w| {
            w.u64(0)
                .u32(202512)
                .string("erin worked 20 days in December");
        }),
    );
    e.ok(
        SUBCONTRACTOR,
        "file_payroll",
        payroll(202512, &[(erin, 20, 27_600)]),
    );
    e.chain.advance_time(48 * DAY); // 2026-01-11
    assert_eq!(e.overdue(), [202512]);
    e.ok(CONTRACTOR, "approve_payroll", month_arg(202512));
    assert!(e.overdue().is_empty());
    assert_eq!(e.books(), [100_000, 85_100, 0, 14_900]);
    // The owner tops up; a stranger cannot.
    e.refused(
        FRANK,
        "deposit",
        0u64.to_be_bytes().to_vec(),
        "only project 0's owner",
    );
    let r = e
        .chain
        .call(OWNER, &contract, "deposit", &0u64.to_be_bytes(), 50_000);
    assert!(r.is_success(), "{}", r.reason);
    assert_eq!(e.books(), [150_000, 85_100, 0, 64_900]);
}
