//! The scenarios of RELIABILITY.md, each a function of a seed: the seed picks the victims, the
//! timings and the network, so a campaign over many seeds explores many schedules, and any
//! failing seed replays exactly.

use crate::scenario::{Fault, LinkSpec, Scenario};
use citychain_crypto::Suite;
use citychain_storage::CommitPoint;
use std::time::Duration;

/// Deterministic choices drawn from a seed.
pub struct Dice {
    seed: u64,
    counter: u64,
}

impl Dice {
    pub fn new(seed: u64) -> Self {
        Dice { seed, counter: 0 }
    }

    pub fn roll(&mut self) -> u64 {
        self.counter += 1;
        let h = Suite::Ed25519.hash(format!("dice {} {}", self.seed, self.counter).as_bytes());
        u64::from_be_bytes(h.0[..8].try_into().expect("8 bytes"))
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.roll() % n.max(1)
    }

    pub fn millis(&mut self, from: u64, to: u64) -> Duration {
        Duration::from_millis(from + self.below(to - from))
    }
}

fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

/// Crashes one of the four validators other than `spared` at a time within `window` (ms) and
/// restarts it 0.5–4 s later.
fn crash_another(s: Scenario, d: &mut Dice, spared: usize, window: (u64, u64)) -> Scenario {
    let victim = ((spared as u64 + 1 + d.below(3)) % 4) as usize;
    let at = d.millis(window.0, window.1);
    s.at(at, Fault::Crash(victim))
        .at(at + d.millis(500, 4_000), Fault::Restart(victim))
}

/// 1. Twins: four validators, one of them run twice with one key (an equivocator), its halves
///    talking to seed-chosen overlapping groups; the others crash now and then.
pub fn twins(seed: u64) -> Scenario {
    let mut d = Dice::new(seed);
    let twin = d.below(4) as usize;
    let mut s = Scenario::new("twins", seed)
        .twin(twin)
        .duration(ms(15_000))
        .settle(ms(15_000));
    s.link = LinkSpec {
        latency: d.millis(5, 60),
        jitter: d.millis(1, 20),
        delivery: 1.0,
    };
    if d.below(2) == 0 {
        s = crash_another(s, &mut d, twin, (2_000, 8_000));
    }
    s
}

/// 2. The canary: the twins network schedule on a build whose quorums do not intersect (each
///    half of the validators believes it is the whole set). The checkers must find the fork.
pub fn canary(seed: u64) -> Scenario {
    let mut s = twins(seed).canary();
    s.name = "canary".into();
    s.twins.clear();
    s
}

/// 3. Partitions during load: halves, an isolated node, or a one-way cut; then heal.
pub fn partitions(seed: u64) -> Scenario {
    let mut d = Dice::new(seed);
    let mut s = Scenario::new("partitions", seed)
        .duration(ms(20_000))
        .settle(ms(20_000));
    s.link = LinkSpec {
        latency: d.millis(5, 50),
        jitter: d.millis(1, 10),
        delivery: 1.0,
    };
    let mut t = d.millis(1_000, 4_000);
    for _ in 0..(1 + d.below(3)) {
        let fault = match d.below(3) {
            0 => {
                let a = d.below(4) as usize;
                let b = (a + 1 + d.below(3) as usize) % 4;
                let rest: Vec<usize> = (0..4).filter(|v| *v != a && *v != b).collect();
                Fault::Partition(vec![vec![a, b], rest])
            }
            1 => {
                let lone = d.below(4) as usize;
                Fault::Partition(vec![vec![lone], (0..4).filter(|v| *v != lone).collect()])
            }
            _ => {
                let from = d.below(4) as usize;
                Fault::OneWay {
                    from,
                    to: (from + 1 + d.below(3) as usize) % 4,
                }
            }
        };
        s = s.at(t, fault);
        t += d.millis(2_000, 6_000);
        s = s.at(t, Fault::Heal);
        t += d.millis(500, 2_000);
    }
    s
}

/// 4. Message loss and reordering (jitter comparable to latency) across seeds.
pub fn lossy(seed: u64) -> Scenario {
    let mut d = Dice::new(seed);
    let mut s = Scenario::new("lossy", seed)
        .duration(ms(20_000))
        .settle(ms(20_000));
    let latency = d.millis(10, 80);
    s.link = LinkSpec {
        latency,
        jitter: latency,
        delivery: 1.0,
    };
    let loss = 0.5 + (d.below(40) as f64) / 100.0;
    s = s
        .at(d.millis(1_000, 3_000), Fault::Loss(loss))
        .at(ms(15_000), Fault::Heal);
    s
}

/// 5. One validator's clock runs tens of seconds fast or slow.
pub fn skew(seed: u64) -> Scenario {
    let mut d = Dice::new(seed);
    let node = d.below(4) as usize;
    let millis = (10_000 + d.below(40_000)) as i64 * if d.below(2) == 0 { 1 } else { -1 };
    Scenario::new("skew", seed)
        .duration(ms(20_000))
        .settle(ms(15_000))
        .at(ms(500), Fault::Skew { node, millis })
}

/// 9. Crashes at persistence points: in the middle of committing a block (before the log
///    append, between the log and the state, before acknowledging) and at arbitrary moments of
///    consensus (between signing a vote and sending it, mid-journal).
pub fn crashes(seed: u64) -> Scenario {
    let mut d = Dice::new(seed);
    let mut s = Scenario::new("crashes", seed)
        .duration(ms(25_000))
        .settle(ms(20_000));
    let mut t = d.millis(1_000, 3_000);
    for _ in 0..(2 + d.below(4)) {
        let node = d.below(4) as usize;
        s = match d.below(4) {
            0 => s.at(
                t,
                Fault::CommitCrash {
                    node,
                    point: CommitPoint::BeforeAppend,
                },
            ),
            1 => s.at(
                t,
                Fault::CommitCrash {
                    node,
                    point: CommitPoint::AfterAppend,
                },
            ),
            2 => s.at(
                t,
                Fault::CommitCrash {
                    node,
                    point: CommitPoint::AfterIndex,
                },
            ),
            _ => s
                .at(t, Fault::Crash(node))
                .at(t + d.millis(200, 3_000), Fault::Restart(node)),
        };
        t += d.millis(1_500, 4_000);
    }
    s
}

/// 8 (simulated): every validator killed at once, then all restarted.
pub fn all_crash(seed: u64) -> Scenario {
    let mut d = Dice::new(seed);
    let at = d.millis(3_000, 8_000);
    Scenario::new("all-crash", seed)
        .duration(ms(20_000))
        .settle(ms(20_000))
        .at(at, Fault::CrashAll)
        .at(at + d.millis(500, 5_000), Fault::RestartAll)
}

/// 12. A new full node joins far behind the tip; sometimes it is killed mid-sync and restarted.
///     On even seeds one validator answers its sync requests with corrupt data, within one long
///     epoch: the full node must block it. (A response for an epoch whose validators the full
///     node does not know yet is set aside unread, so a liar could go unblocked across epochs
///     without having harmed anyone.) On odd seeds nobody lies and the full node catches up
///     across several short epochs.
pub fn sync(seed: u64) -> Scenario {
    let mut d = Dice::new(seed);
    let joins = d.millis(8_000, 15_000);
    let liar = d.below(4) as usize;
    let mut s = Scenario::new("sync", seed)
        .duration(ms(25_000))
        .settle(ms(20_000))
        .full_node(joins);
    if seed.is_multiple_of(2) {
        s = s.liar(liar);
        s.epoch_blocks = 100_000;
    }
    if d.below(2) == 0 {
        let at = joins + d.millis(200, 3_000);
        s = s
            .at(at, Fault::Crash(4))
            .at(at + d.millis(200, 2_000), Fault::Restart(4));
    }
    s
}

/// 6. Validator set changes by governance under load: a full node is voted in and starts
///    voting at the next epoch; a validator is voted out and stops counting at the next epoch.
///    On some seeds the removed validator ignores governance and keeps voting with the genesis
///    set; on some, a validator crashes and restarts across the epoch boundaries.
pub fn reconfigure(seed: u64) -> Scenario {
    let mut d = Dice::new(seed);
    let joins = d.millis(500, 2_000);
    let removed = d.below(4) as usize;
    let add_at = joins + d.millis(500, 3_000);
    let remove_at = add_at + d.millis(4_000, 8_000);
    let mut s = Scenario::new("reconfigure", seed)
        .duration(ms(25_000))
        .settle(ms(20_000))
        .full_node(joins)
        .at(add_at, Fault::AddValidator(4))
        .at(remove_at, Fault::RemoveValidator(removed));
    if d.below(2) == 0 {
        s = s.stale(removed);
    }
    if d.below(2) == 0 {
        s = crash_another(s, &mut d, removed, (2_000, 15_000));
    }
    s
}

/// 9 (journal damage): a validator is killed and its consensus journal of the current epoch
///    damaged, as a bad disk would; another validator goes down with it, so the network stays
///    in the views the first one voted in. The damaged one restarts soon after, the other
///    later. The damaged one must not sign again in any view its journal forgot (though the
///    network needs its vote to go on while the other is down), and it votes again once the
///    network has finalized past them.
pub fn corrupt_journal(seed: u64) -> Scenario {
    let mut d = Dice::new(seed);
    let node = d.below(4) as usize;
    let other = (node + 1 + d.below(3) as usize) % 4;
    let at = d.millis(3_000, 8_000);
    Scenario::new("corrupt-journal", seed)
        .duration(ms(20_000))
        .settle(ms(15_000))
        .at(at, Fault::CorruptJournal(node))
        .at(at, Fault::Crash(other))
        .at(at + d.millis(100, 400), Fault::Restart(node))
        .at(at + d.millis(2_000, 4_000), Fault::Restart(other))
}

/// 22. Assets under crashes: the crash schedule of [`crashes`] with asset operations mixed
///     into the load (issuance, transfers, offers made and taken); every node's holdings must
///     sum to the supply, besides the usual checks.
pub fn assets(seed: u64) -> Scenario {
    let mut s = crashes(seed).with_assets();
    s.name = "assets".into();
    s
}

/// The named scenarios, for the campaign runner.
pub const NAMES: [&str; 11] = [
    "twins",
    "canary",
    "partitions",
    "lossy",
    "skew",
    "crashes",
    "corrupt-journal",
    "all-crash",
    "sync",
    "reconfigure",
    "assets",
];

/// A scenario by name.
pub fn by_name(name: &str, seed: u64) -> Option<Scenario> {
    Some(match name {
        "twins" => twins(seed),
        "canary" => canary(seed),
        "partitions" => partitions(seed),
        "lossy" => lossy(seed),
        "skew" => skew(seed),
        "crashes" => crashes(seed),
        "corrupt-journal" => corrupt_journal(seed),
        "all-crash" => all_crash(seed),
        "sync" => sync(seed),
        "reconfigure" => reconfigure(seed),
        "assets" => assets(seed),
        _ => return None,
    })
}
