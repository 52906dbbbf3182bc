//! Transit fare clearing (`contracts/transit`): rides submitted in batches with a Merkle root,
//! fares split among operators exactly, a ticket counted once, any ride proven included, a
//! disputed ride excluded until resolved, settlements that pay exactly the fares. Every abuse is
//! refused with a reason and changes nothing.

use citychain_contract_harness::{TestChain, args, contract_code};
use citychain_types::{
    Address,
    codec::{Reader, Writer},
};

// alice (0) the transport authority; bob (1) the clearing house; carol (2) the metro, dave (3)
// the bus company, erin (4) the bike share; frank (5) not in the scheme.
const AUTHORITY: usize = 0;
const CLEARER: usize = 1;
const METRO: usize = 2;
const STRANGER: usize = 5;

type Ride = (u64, u64, Vec<(u8, u32)>);

fn put_ride(w: &mut Writer, (ticket, fare, legs): &Ride) {
    w.u64(*ticket).u64(*fare).list(legs, |w, (o, m)| {
        w.u8(*o).u32(*m);
    });
}

struct Clearing {
    chain: TestChain,
    contract: Address,
}

impl Clearing {
    fn new() -> Clearing {
        let mut chain = TestChain::new();
        let contract = chain
            .deploy(AUTHORITY, &contract_code("transit"), &[])
            .unwrap_or_else(|r| panic!("deploys: {}", r.reason));
        let operators: Vec<Address> = (2..5).map(|i| chain.address(i)).collect();
        let clearer = chain.address(CLEARER);
        let mut c = Clearing { chain, contract };
        c.ok(
            AUTHORITY,
            "create_scheme",
            args(|w| {
                w.string("City transit clearing")
                    .put(&clearer)
                    .list(&operators, |w, a| {
                        w.put(a);
                    })
                    .u32(3_000)
                    .u8(0);
            }),
        );
        c
    }

    fn call_with(
        &mut self,
        from: usize,
        method: &str,
        a: Vec<u8>,
        value: u128,
    ) -> Result<Vec<u8>, String> {
        self.chain.try_call(from, &self.contract, method, &a, value)
    }

    fn ok(&mut self, from: usize, method: &str, a: Vec<u8>) -> Vec<u8> {
        self.call_with(from, method, a, 0)
            .unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    fn query(&self, method: &str, a: Vec<u8>) -> Vec<u8> {
        self.chain.query_output(&self.contract, method, &a)
    }

    /// Period `period`'s `(fares, shares, settled)` and the shares kept late.
    fn period(&self, period: u32) -> ((u128, Vec<u128>, bool), Vec<u128>) {
        let out = self.query(
            "period_of",
            args(|w| {
                w.u64(0).u32(period);
            }),
        );
        let mut r = Reader::new(&out);
        let fares = r.u128("fares").expect("fares");
        let shares = r.list("shares", 32, |r| r.u128("share")).expect("shares");
        let settled = r.bool("settled").expect("settled");
        let late = r.list("late", 32, |r| r.u128("share")).expect("late");
        ((fares, shares, settled), late)
    }

    fn split(&self, ride: &Ride) -> Vec<u128> {
        let out = self.query(
            "split_of",
            args(|w| {
                w.u64(0).u64(ride.1).list(&ride.2, |w, (o, m)| {
                    w.u8(*o).u32(*m);
                });
            }),
        );
        Reader::new(&out)
            .list("shares", 8, |r| r.u128("share"))
            .expect("shares")
    }

    fn refused(&mut self, from: usize, method: &str, a: Vec<u8>, value: u128, reason: &str) {
        let before = (
            self.period(20261203),
            self.period(20261204),
            self.query(
                "batch_of",
                args(|w| {
                    w.u64(1);
                }),
            ),
        );
        let err = self.call_with(from, method, a, value).expect_err(method);
        assert!(err.contains(reason), "{method}: {err:?} lacks {reason:?}");
        let after = (
            self.period(20261203),
            self.period(20261204),
            self.query(
                "batch_of",
                args(|w| {
                    w.u64(1);
                }),
            ),
        );
        assert_eq!(after, before, "{method} changed something");
    }

    fn hash(&self, bytes: &[u8]) -> [u8; 32] {
        self.chain.suite().hash(bytes).0
    }

    fn leaf(&self, ride: &Ride) -> [u8; 32] {
        self.hash(&[vec![0], args(|w| put_ride(w, ride))].concat())
    }

    /// The sibling path of leaf `index` among `rides` (an odd last node moves up as is).
    fn path(&self, rides: &[Ride], mut index: usize) -> Vec<[u8; 32]> {
        let mut level: Vec<[u8; 32]> = rides.iter().map(|r| self.leaf(r)).collect();
        let mut path = Vec::new();
        while level.len() > 1 {
            let sibling = index ^ 1;
            if sibling < level.len() {
                path.push(level[sibling]);
            }
            level = level
                .chunks(2)
                .map(|p| match p {
                    [l, r] => self.hash(&[&[1u8][..], l, r].concat()),
                    [only] => *only,
                    _ => unreachable!(),
                })
                .collect();
            index /= 2;
        }
        path
    }
}

fn batch_args(period: u32, rides: &[Ride]) -> Vec<u8> {
    args(|w| {
        w.u64(0).u32(period).list(rides, put_ride);
    })
}

fn proof_args(
    batch: u64,
    index: u32,
    ride: &Ride,
    path: &[[u8; 32]],
    last: impl FnOnce(&mut Writer),
) -> Vec<u8> {
    args(|w| {
        w.u64(batch).u32(index);
        put_ride(w, ride);
        w.list(path, |w, h| {
            w.raw(h);
        });
        last(w);
    })
}

fn rides() -> Vec<Ride> {
    vec![
        (1001, 600, vec![(0, 12_400)]),                        // metro only
        (1002, 400, vec![(1, 3_000), (0, 9_000)]),             // bus, then metro
        (1003, 700, vec![(2, 1_200), (0, 8_000), (1, 2_500)]), // bike, metro, bus
        (1004, 200, vec![(2, 0), (1, 0)]),                     // no distances: equal split
        (1005, 333, vec![(0, 1), (1, 1), (2, 1)]),             // thirds of an odd fare
    ]
}

#[test]
fn rides_clear_in_batches_and_settle_to_exactly_the_fares() {
    let mut c = Clearing::new();
    let rides = rides();
    let batch = Reader::new(&c.ok(CLEARER, "submit_batch", batch_args(20261203, &rides)))
        .u64("batch")
        .expect("id");
    assert_eq!(batch, 0);

    // The books are the sum of each ride's split, and each split adds up to its fare.
    let mut expected = vec![0u128; 3];
    for ride in &rides {
        let shares = c.split(ride);
        assert_eq!(
            shares.iter().sum::<u128>(),
            u128::from(ride.1),
            "ride {}",
            ride.0
        );
        for ((operator, _), share) in ride.2.iter().zip(&shares) {
            expected[*operator as usize] += share;
        }
    }
    assert_eq!(c.split(&rides[4]), [111, 111, 111]);
    assert_eq!(
        c.split(&rides[3]),
        [100, 100],
        "equal split without distances"
    );
    // 400: 120 boarding (60 each), 280 by distance 3:9 → 70 and 210.
    assert_eq!(c.split(&rides[1]), [130, 270]);
    let ((fares, shares, settled), _) = c.period(20261203);
    assert_eq!(
        (fares, shares.clone(), settled),
        (2_233, expected.clone(), false)
    );

    // Each ride is proven included; a changed fare or position is not.
    for (i, ride) in rides.iter().enumerate() {
        let path = c.path(&rides, i);
        let out = c.query(
            "ride_included",
            proof_args(batch, i as u32, ride, &path, |_| {}),
        );
        assert_eq!(out, [1], "ride {i}");
    }
    let mut forged = rides[2].clone();
    forged.1 = 7_000;
    let path = c.path(&rides, 2);
    assert_eq!(
        c.query(
            "ride_included",
            proof_args(batch, 2, &forged, &path, |_| {})
        ),
        [0]
    );
    assert_eq!(
        c.query(
            "ride_included",
            proof_args(batch, 3, &rides[2], &path, |_| {})
        ),
        [0]
    );

    // A ticket counts once; a leg on an unknown operator is refused; only the clearing house submits.
    c.refused(
        CLEARER,
        "submit_batch",
        batch_args(20261204, &[(1009, 100, vec![(0, 1)]), rides[1].clone()]),
        0,
        "ride 1002 was submitted already, in batch 0",
    );
    c.refused(
        CLEARER,
        "submit_batch",
        batch_args(20261204, &[(1010, 100, vec![(3, 1)])]),
        0,
        "no operator 3 in scheme 0",
    );
    c.refused(
        METRO,
        "submit_batch",
        batch_args(20261204, &[(1011, 100, vec![(0, 1)])]),
        0,
        "only scheme 0's clearing house",
    );

    // The bus company disputes ride 1003: it leaves the period's books until resolved.
    let reason = |w: &mut Writer| {
        w.string("the bus leg was a transfer on a day pass");
    };
    c.refused(
        STRANGER,
        "dispute",
        proof_args(batch, 2, &rides[2], &path, reason),
        0,
        "runs no leg of ride 1003",
    );
    c.refused(
        3,
        "dispute",
        proof_args(batch, 2, &forged, &path, reason),
        0,
        "the proof does not lead to its root",
    );
    c.ok(3, "dispute", proof_args(batch, 2, &rides[2], &path, reason));
    let split_1003 = c.split(&rides[2]);
    let ((fares, shares, _), _) = c.period(20261203);
    assert_eq!(fares, 2_233 - 700);
    assert_eq!(
        shares[2],
        expected[2] - split_1003[0],
        "bike share lost its leg's part"
    );
    c.refused(
        3,
        "dispute",
        proof_args(batch, 2, &rides[2], &path, reason),
        0,
        "disputed or excluded already",
    );

    // Settlement: exactly the period's shares, paid to each operator.
    let total: u128 = shares.iter().sum();
    assert_eq!(total, 1_533);
    let settle = args(|w| {
        w.u64(0).u32(20261203);
    });
    c.refused(
        METRO,
        "settle",
        settle.clone(),
        total,
        "only scheme 0's clearing house",
    );
    c.refused(
        CLEARER,
        "settle",
        settle.clone(),
        total + 1,
        "needs exactly 1533; 1534 was brought",
    );
    let before: Vec<u128> = (2..5)
        .map(|i| c.chain.balance(&c.chain.address(i)).0)
        .collect();
    c.call_with(CLEARER, "settle", settle.clone(), total)
        .expect("settles");
    let gained: Vec<u128> = (2..5)
        .map(|i| c.chain.balance(&c.chain.address(i)).0)
        .zip(&before)
        .map(|(a, b)| a - b)
        .collect();
    assert_eq!(gained, shares, "each operator got its share");
    assert_eq!(
        gained.iter().sum::<u128>(),
        total,
        "nothing created or lost"
    );
    assert_eq!(c.chain.balance(&c.contract).0, 0);
    c.refused(CLEARER, "settle", settle, 0, "is settled already");
    c.refused(
        CLEARER,
        "submit_batch",
        batch_args(20261203, &[(1012, 100, vec![(0, 1)])]),
        0,
        "is settled",
    );

    // The authority keeps ride 1003 after all: its shares join the next settlement.
    c.refused(
        METRO,
        "resolve",
        proof_args(batch, 2, &rides[2], &path, |w| {
            w.bool(true);
        }),
        0,
        "only scheme 0's authority",
    );
    c.ok(
        AUTHORITY,
        "resolve",
        proof_args(batch, 2, &rides[2], &path, |w| {
            w.bool(true);
        }),
    );
    let ((_, _, _), late) = c.period(20261204);
    let mut late_expected = vec![0u128; 3];
    for ((operator, _), share) in rides[2].2.iter().zip(&split_1003) {
        late_expected[*operator as usize] += share;
    }
    assert_eq!(late, late_expected);
    let next = [(2001u64, 500u64, vec![(1u8, 5_000u32)])];
    c.ok(CLEARER, "submit_batch", batch_args(20261204, &next));
    c.refused(
        CLEARER,
        "settle",
        args(|w| {
            w.u64(0).u32(20261204);
        }),
        500,
        "needs exactly 1200",
    );
    c.call_with(
        CLEARER,
        "settle",
        args(|w| {
            w.u64(0).u32(20261204);
        }),
        1_200,
    )
    .expect("settles with the late ride");
    assert_eq!(
        c.period(20261205).1,
        vec![0, 0, 0],
        "the late shares were paid once"
    );
}

#[test]
fn no_split_creates_or_loses_a_fen() {
    let c = Clearing::new();
    // A deterministic spread of fares and legs, including zero distances and odd amounts.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..200 {
        let legs: Vec<(u8, u32)> = (0..1 + next() % 8)
            .map(|_| {
                (
                    (next() % 3) as u8,
                    (next() % 4) as u32 * (next() % 50_000) as u32,
                )
            })
            .collect();
        let fare = 1 + next() % 100_000;
        let ride = (0, fare, legs);
        let shares = c.split(&ride);
        assert_eq!(shares.len(), ride.2.len());
        assert_eq!(
            shares.iter().sum::<u128>(),
            u128::from(fare),
            "{ride:?}: {shares:?}"
        );
    }
}
