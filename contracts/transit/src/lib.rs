//! Transit fare clearing across operators (metro, bus, bike share). The transport authority
//! creates a clearing scheme: its operators, the clearing house that submits rides and pays
//! settlements, the currency, and the revenue split rule. The clearing house submits a day's
//! rides in batches: one transaction per batch, not per ride. The contract splits every ride's
//! fare among the operators of its legs with exact integer arithmetic, refuses a ticket seen
//! before, and keeps a Merkle root per batch, so that any single ride can be proven included.
//! Each period's settlement pays every operator its share, and the shares sum to the fares
//! exactly. A disputed ride is excluded from its period until the authority resolves it; if it
//! is kept after its period was settled, its shares join the scheme's next settlement.
//!
//! The split rule: `boarding_bps` of the fare is shared equally by the legs, the rest in
//! proportion to each leg's distance (equally if every distance is 0). Units left by integer
//! division go one each to the legs with the largest remainders (the earlier leg on a tie), so
//! nothing is created or lost.
//!
//! A ride is `(ticket, fare, legs)`, each leg `(operator index, metres)`. A batch's tree has
//! leaves `H(0x00 || encoding(ride))` and nodes `H(0x01 || left || right)`; an odd node at the
//! end of a level moves up unchanged (`docs/apps/transit.md`).
//!
//! Storage (`docs/apps/transit.md`, "Storage layout"):
//! - `b"s" || scheme (u64)`: a [`Scheme`];
//! - `b"b" || batch (u64)`: `(scheme, period, root, rides, fares)`;
//! - `b"t" || (scheme, ticket)`: `(batch, index, status, period)` of a ride seen;
//! - `b"o" || (scheme, period)`: the period's `(fares, shares per operator, settled)`;
//! - `b"k" || scheme`: shares owed from rides kept after their period was settled;
//! - `b"ns"`, `b"nb"`: the next scheme and batch ids.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::{string::String, vec, vec::Vec};
use citychain_sdk::{
    Address, Decode, DecodeError, Encode, Error, Item, Map, Reader,
    assets::{self, AssetId},
    contract, env, events, fail, require,
};

/// A clearing scheme.
struct Scheme {
    name: String,
    authority: Address,
    clearer: Address,
    operators: Vec<Address>,
    boarding_bps: u32,
    /// The currency settlements pay in; `None`: the native currency.
    asset: Option<[u8; 20]>,
}

impl Encode for Scheme {
    fn encode_to(&self, out: &mut Vec<u8>) {
        (
            &self.name,
            self.authority,
            self.clearer,
            &self.operators,
            self.boarding_bps,
            self.asset,
        )
            .encode_to(out);
    }
}

impl Decode for Scheme {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (name, authority, clearer, operators, boarding_bps, asset) = Decode::decode_from(r)?;
        Ok(Scheme {
            name,
            authority,
            clearer,
            operators,
            boarding_bps,
            asset,
        })
    }
}

/// A ride: `(ticket, fare, legs as (operator index, metres))`.
type Ride = (u64, u64, Vec<(u8, u32)>);
/// A period's books: `(fares counted, share of each operator, settled)`.
type Books = (u128, Vec<u128>, bool);

// Ride statuses.
const COUNTED: u8 = 0;
const DISPUTED: u8 = 1;
const EXCLUDED: u8 = 2;

const MAX_OPERATORS: usize = 32;
const MAX_LEGS: usize = 8;
const MAX_RIDES: usize = 3_000;
const MAX_PROOF: usize = 32;

const SCHEMES: Map<u64, Scheme> = Map::new(b"s");
const BATCHES: Map<u64, (u64, u32, [u8; 32], u32, u128)> = Map::new(b"b");
const TICKETS: Map<(u64, u64), (u64, u32, u8, u32)> = Map::new(b"t");
const PERIODS: Map<(u64, u32), Books> = Map::new(b"o");
const KEPT_LATE: Map<u64, Vec<u128>> = Map::new(b"k");
const NEXT_SCHEME: Item<u64> = Item::new(b"ns");
const NEXT_BATCH: Item<u64> = Item::new(b"nb");

events! {
    /// The authority created scheme `id` with `operators` operators.
    scheme_created(id: u64, operators: u32, boarding_bps: u32);
    /// The clearing house submitted batch `batch` of `rides` rides for `period`.
    batch_submitted(batch: u64, scheme: u64, period: u32, rides: u32, fares: u128, root: [u8; 32]);
    /// Ride `ticket` was disputed and is excluded until resolved.
    ride_disputed(scheme: u64, ticket: u64, by: Address, reason: String);
    /// The authority resolved ride `ticket`'s dispute (`kept` or excluded for good).
    ride_resolved(scheme: u64, ticket: u64, kept: bool);
    /// `period` of `scheme` was settled: `total` paid out to the operators.
    settled(scheme: u64, period: u32, total: u128);
}

fn scheme(id: u64) -> Result<Scheme, Error> {
    match SCHEMES.get(&id) {
        Some(s) => Ok(s),
        None => fail!("no scheme {}", id),
    }
}

/// `fare` split among `legs` by the rule (see the crate documentation): one share per leg.
fn split(fare: u64, legs: &[(u8, u32)], boarding_bps: u32) -> Vec<u128> {
    let n = legs.len() as u128;
    let fare = u128::from(fare);
    let boarding = fare * u128::from(boarding_bps) / 10_000;
    let mut shares: Vec<u128> = (0..n)
        .map(|i| boarding / n + u128::from(i < boarding % n))
        .collect();
    let rest = fare - boarding;
    let total_m: u128 = legs.iter().map(|(_, m)| u128::from(*m)).sum();
    if total_m == 0 {
        for (i, s) in shares.iter_mut().enumerate() {
            *s += rest / n + u128::from((i as u128) < rest % n);
        }
        return shares;
    }
    let mut remainders: Vec<(u128, usize)> = Vec::with_capacity(legs.len());
    let mut given = 0u128;
    for (i, (_, m)) in legs.iter().enumerate() {
        let exact = rest * u128::from(*m);
        shares[i] += exact / total_m;
        given += exact / total_m;
        remainders.push((exact % total_m, i));
    }
    // Largest remainder first; the earlier leg on a tie.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders.iter().take((rest - given) as usize) {
        shares[*i] += 1;
    }
    shares
}

fn leaf(ride: &Ride) -> [u8; 32] {
    let mut bytes = vec![0u8];
    ride.encode_to(&mut bytes);
    env::hash(&bytes)
}

fn node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut bytes = Vec::with_capacity(65);
    bytes.push(1);
    bytes.extend_from_slice(left);
    bytes.extend_from_slice(right);
    env::hash(&bytes)
}

fn root(mut level: Vec<[u8; 32]>) -> [u8; 32] {
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [l, r] => node(l, r),
                [only] => *only,
                _ => unreachable!("chunks of two"),
            })
            .collect();
    }
    level.first().copied().unwrap_or([0; 32])
}

/// The root that leaf `index` of `count` with sibling `path` leads to.
fn root_from_path(
    mut hash: [u8; 32],
    mut index: u32,
    mut count: u32,
    path: &[[u8; 32]],
) -> Option<[u8; 32]> {
    let mut siblings = path.iter();
    while count > 1 {
        let last_alone = index == count - 1 && !count.is_multiple_of(2);
        if !last_alone {
            let sibling = siblings.next()?;
            hash = if index.is_multiple_of(2) {
                node(&hash, sibling)
            } else {
                node(sibling, &hash)
            };
        }
        index /= 2;
        count = count.div_ceil(2);
    }
    siblings.next().is_none().then_some(hash)
}

/// Adds (or, with `add` false, removes) a ride's shares and fare in `books`.
fn count_ride(books: &mut Books, ride: &Ride, boarding_bps: u32, add: bool) {
    let shares = split(ride.1, &ride.2, boarding_bps);
    for ((operator, _), share) in ride.2.iter().zip(shares) {
        let slot = &mut books.1[*operator as usize];
        if add {
            *slot += share;
        } else {
            *slot -= share;
        }
    }
    if add {
        books.0 += u128::from(ride.1);
    } else {
        books.0 -= u128::from(ride.1);
    }
}

fn books(scheme_id: u64, s: &Scheme, period: u32) -> Books {
    PERIODS
        .get(&(scheme_id, period))
        .unwrap_or_else(|| (0, vec![0; s.operators.len()], false))
}

/// Checks that `ride` is leaf `index` of batch `batch`; its (scheme, period).
fn proven(batch: u64, index: u32, ride: &Ride, path: &[[u8; 32]]) -> Result<(u64, u32), Error> {
    let Some((scheme_id, period, batch_root, count, _)) = BATCHES.get(&batch) else {
        fail!("no batch {}", batch);
    };
    require!(path.len() <= MAX_PROOF, "a proof has at most 32 hashes");
    require!(index < count, "batch {} has {} rides", batch, count);
    require!(
        root_from_path(leaf(ride), index, count, path) == Some(batch_root),
        "ride {} is not ride {} of batch {}: the proof does not lead to its root",
        ride.0,
        index,
        batch
    );
    Ok((scheme_id, period))
}

fn pay(s: &Scheme, to: &Address, amount: u128) -> Result<(), Error> {
    let paid = assets::pay(s.asset.map(AssetId), to, amount);
    require!(paid, "paying {} to {} failed", amount, to);
    Ok(())
}

contract! {
    /// Creates a clearing scheme (the caller is its authority): the clearing house that
    /// submits rides and pays settlements, the operators (by index in this list), the
    /// boarding share in basis points, and the asset settlements pay in (none: native).
    fn create_scheme(
        name: String,
        clearer: Address,
        operators: Vec<Address>,
        boarding_bps: u32,
        asset: Option<[u8; 20]>,
    ) -> Result<u64, Error> {
        require!(!name.is_empty() && name.len() <= 128, "a name of 1 to 128 bytes is required");
        require!(
            operators.len() >= 2 && operators.len() <= MAX_OPERATORS,
            "a scheme has 2 to 32 operators"
        );
        for (i, o) in operators.iter().enumerate() {
            require!(!operators[..i].contains(o), "operator {} appears twice", o);
        }
        require!(boarding_bps <= 10_000, "the boarding share is at most 10000 basis points");
        let id = NEXT_SCHEME.get().unwrap_or(0);
        NEXT_SCHEME.set(&(id + 1));
        let count = operators.len() as u32;
        SCHEMES.set(&id, &Scheme {
            name,
            authority: env::caller(),
            clearer,
            operators,
            boarding_bps,
            asset,
        });
        events::scheme_created(id, count, boarding_bps);
        Ok(id)
    }

    /// Submits `rides` for `period` (the clearing house): each ride `(ticket, fare, legs)`,
    /// each leg `(operator index, metres)`. A ticket already seen in this scheme refuses the
    /// whole batch. Returns the batch id; its root commits to the rides in order.
    fn submit_batch(scheme: u64, period: u32, rides: Vec<(u64, u64, Vec<(u8, u32)>)>) -> Result<u64, Error> {
        let s = self::scheme(scheme)?;
        require!(env::caller() == s.clearer, "only scheme {}'s clearing house may do this", scheme);
        require!(!rides.is_empty() && rides.len() <= MAX_RIDES, "a batch has 1 to 3000 rides");
        let mut b = books(scheme, &s, period);
        require!(!b.2, "period {} of scheme {} is settled", period, scheme);
        let batch = NEXT_BATCH.get().unwrap_or(0);
        let mut leaves = Vec::with_capacity(rides.len());
        let mut fares = 0u128;
        for (index, ride) in rides.iter().enumerate() {
            let (ticket, fare, legs) = ride;
            require!(*fare > 0, "ride {}: the fare must be positive", ticket);
            require!(!legs.is_empty() && legs.len() <= MAX_LEGS, "ride {}: 1 to 8 legs", ticket);
            for (operator, _) in legs {
                require!(
                    (*operator as usize) < s.operators.len(),
                    "ride {}: no operator {} in scheme {}",
                    ticket,
                    operator,
                    scheme
                );
            }
            if let Some((seen_in, _, _, _)) = TICKETS.get(&(scheme, *ticket)) {
                fail!("ride {} was submitted already, in batch {}", ticket, seen_in);
            }
            TICKETS.set(&(scheme, *ticket), &(batch, index as u32, COUNTED, period));
            count_ride(&mut b, ride, s.boarding_bps, true);
            fares += u128::from(*fare);
            leaves.push(leaf(ride));
        }
        let batch_root = root(leaves);
        let count = rides.len() as u32;
        NEXT_BATCH.set(&(batch + 1));
        BATCHES.set(&batch, &(scheme, period, batch_root, count, fares));
        PERIODS.set(&(scheme, period), &b);
        events::batch_submitted(batch, scheme, period, count, fares, batch_root);
        Ok(batch)
    }

    /// Disputes a ride (an operator of one of its legs, or the clearing house), proven to be
    /// ride `index` of `batch` by the sibling hashes `path`: it is excluded from its period's
    /// settlement until the authority resolves it.
    fn dispute(batch: u64, index: u32, ride: (u64, u64, Vec<(u8, u32)>), path: Vec<[u8; 32]>, reason: String) -> Result<(), Error> {
        require!(!reason.is_empty() && reason.len() <= 256, "a reason of 1 to 256 bytes is required");
        let (scheme_id, period) = proven(batch, index, &ride, &path)?;
        let s = scheme(scheme_id)?;
        let caller = env::caller();
        let involved = caller == s.clearer
            || ride.2.iter().any(|(o, _)| s.operators.get(*o as usize) == Some(&caller));
        require!(involved, "{} runs no leg of ride {}", caller, ride.0);
        let key = (scheme_id, ride.0);
        let Some((_, _, COUNTED, _)) = TICKETS.get(&key) else {
            fail!("ride {} is disputed or excluded already", ride.0);
        };
        let mut b = books(scheme_id, &s, period);
        require!(!b.2, "period {} is settled; the ride was paid", period);
        count_ride(&mut b, &ride, s.boarding_bps, false);
        PERIODS.set(&(scheme_id, period), &b);
        TICKETS.set(&key, &(batch, index, DISPUTED, period));
        events::ride_disputed(scheme_id, ride.0, caller, reason);
        Ok(())
    }

    /// Resolves a disputed ride (the authority), given again with its proof: `keep` counts it
    /// (in its period, or in the next settlement if its period is settled by now), otherwise
    /// it is excluded for good.
    fn resolve(batch: u64, index: u32, ride: (u64, u64, Vec<(u8, u32)>), path: Vec<[u8; 32]>, keep: bool) -> Result<(), Error> {
        let (scheme_id, period) = proven(batch, index, &ride, &path)?;
        let s = scheme(scheme_id)?;
        require!(env::caller() == s.authority, "only scheme {}'s authority may do this", scheme_id);
        let key = (scheme_id, ride.0);
        let Some((_, _, DISPUTED, _)) = TICKETS.get(&key) else {
            fail!("ride {} is not disputed", ride.0);
        };
        if keep {
            let mut b = books(scheme_id, &s, period);
            if b.2 {
                let mut late = (0, KEPT_LATE.get(&scheme_id).unwrap_or_else(|| vec![0; s.operators.len()]), false);
                count_ride(&mut late, &ride, s.boarding_bps, true);
                KEPT_LATE.set(&scheme_id, &late.1);
            } else {
                count_ride(&mut b, &ride, s.boarding_bps, true);
                PERIODS.set(&(scheme_id, period), &b);
            }
        }
        TICKETS.set(&key, &(batch, index, if keep { COUNTED } else { EXCLUDED }, period));
        events::ride_resolved(scheme_id, ride.0, keep);
        Ok(())
    }

    /// Settles `period` (the clearing house), paying each operator its share, plus shares of
    /// rides kept late. The call must bring exactly the total, in the scheme's currency.
    fn settle(scheme: u64, period: u32) -> Result<u128, Error> {
        let s = self::scheme(scheme)?;
        require!(env::caller() == s.clearer, "only scheme {}'s clearing house may do this", scheme);
        let mut b = books(scheme, &s, period);
        require!(!b.2, "period {} of scheme {} is settled already", period, scheme);
        let late = KEPT_LATE.get(&scheme).unwrap_or_else(|| vec![0; s.operators.len()]);
        let owed: Vec<u128> = b.1.iter().zip(&late).map(|(a, l)| a + l).collect();
        let total: u128 = owed.iter().sum();
        let brought = match assets::received() {
            Some(m) if m.asset.map(|a| a.0) == s.asset => m.amount,
            None if env::value() == 0 && assets::attached().is_empty() => 0,
            _ => fail!("settle in the scheme's currency, one kind only"),
        };
        require!(brought == total, "period {} needs exactly {}; {} was brought", period, total, brought);
        for (operator, amount) in s.operators.iter().zip(&owed) {
            if *amount > 0 {
                pay(&s, operator, *amount)?;
            }
        }
        b.2 = true;
        PERIODS.set(&(scheme, period), &b);
        KEPT_LATE.remove(&scheme);
        events::settled(scheme, period, total);
        Ok(total)
    }

    /// Scheme `id`: (name, authority, clearing house, operators, boarding bps, asset).
    fn scheme_of(id: u64) -> Result<(String, Address, Address, Vec<Address>, u32, Option<[u8; 20]>), Error> {
        let s = scheme(id)?;
        Ok((s.name, s.authority, s.clearer, s.operators, s.boarding_bps, s.asset))
    }

    /// Batch `batch`: (scheme, period, root, rides, fares).
    fn batch_of(batch: u64) -> Option<(u64, u32, [u8; 32], u32, u128)> {
        BATCHES.get(&batch)
    }

    /// `period` of `scheme`: (fares counted, each operator's share, settled), with the shares
    /// of rides kept late that the next settlement adds.
    fn period_of(scheme: u64, period: u32) -> Result<((u128, Vec<u128>, bool), Vec<u128>), Error> {
        let s = self::scheme(scheme)?;
        let late = KEPT_LATE.get(&scheme).unwrap_or_else(|| vec![0; s.operators.len()]);
        Ok((books(scheme, &s, period), late))
    }

    /// Ride `ticket` of `scheme`: (batch, index, status, period); status 0 counted,
    /// 1 disputed, 2 excluded.
    fn ride_of(scheme: u64, ticket: u64) -> Option<(u64, u32, u8, u32)> {
        TICKETS.get(&(scheme, ticket))
    }

    /// Whether `ride` is ride `index` of `batch`, by the sibling hashes `path`.
    fn ride_included(batch: u64, index: u32, ride: (u64, u64, Vec<(u8, u32)>), path: Vec<[u8; 32]>) -> bool {
        proven(batch, index, &ride, &path).is_ok()
    }

    /// The split of a `fare` over `legs` under `scheme`'s rule, one share per leg.
    fn split_of(scheme: u64, fare: u64, legs: Vec<(u8, u32)>) -> Result<Vec<u128>, Error> {
        let s = self::scheme(scheme)?;
        require!(!legs.is_empty() && legs.len() <= MAX_LEGS, "1 to 8 legs");
        Ok(split(fare, &legs, s.boarding_bps))
    }
}
