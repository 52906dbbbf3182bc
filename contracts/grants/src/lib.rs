//! Grants and incentives. An agency's treasury (typically a multisig account) creates a
//! programme and funds it in the same call, in native currency or in one asset; the contract
//! holds the funds. Firms apply with an amount and milestones (a share of the award, the
//! evidence required, a due date). The programme's reviewers award a grant M of N; the
//! recipient submits anchored evidence for each milestone; M of N reviewers approve it, which
//! pays the milestone's share, or, for a payment at or above the programme's large-payment
//! threshold, the funder itself (its multisig or governance account) approves it. Evidence not
//! submitted by a milestone's due date lets the funder reclaim that milestone's money. The
//! funded total can never be exceeded: awards fit in what is unallocated, payments in what was
//! awarded. Every decision is on the grant's record in the state, and an event.
//!
//! Storage (`docs/apps/grants.md`, "Storage layout"):
//! - `b"p" || programme id (u64)`: a [`Programme`];
//! - `b"g" || grant id (u64)`: a [`Grant`];
//! - `b"m" || (grant, milestone)`: a [`Milestone`];
//! - `b"r" || (grant, milestone, round, reviewer)`: a reviewer's vote (`true` approve);
//!   milestone `u32::MAX` is the award, and `round` restarts the count after rejected evidence;
//! - `b"l" || (grant, n)`: entry `n` of the grant's record (every application, vote,
//!   decision, evidence, payment and reclaim, with its actor and time);
//! - `b"np"`, `b"ng"`: the next programme and grant ids.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::{string::String, vec::Vec};
use citychain_sdk::{
    Address, Decode, DecodeError, Encode, Error, Item, Map, Reader,
    assets::{self, AssetId},
    contract, env, events, fail, require,
};

/// A funded programme.
struct Programme {
    funder: Address,
    name: String,
    /// The asset it pays in; `None`: the native currency.
    asset: Option<[u8; 20]>,
    /// Everything funded.
    budget: u128,
    /// The sum of the grants awarded.
    awarded: u128,
    /// Paid to recipients.
    paid: u128,
    /// Awarded but returned to the funder: milestones whose evidence came too late.
    reclaimed: u128,
    /// Never awarded and returned to the funder when the programme closed.
    released: u128,
    reviewers: Vec<Address>,
    /// Reviewer votes an award or a milestone needs.
    threshold: u32,
    /// A milestone payment of at least this much needs the funder's approval instead.
    large_payment: u128,
    /// Applications accepted until then.
    apply_until_ms: u64,
    open: bool,
}

impl Encode for Programme {
    fn encode_to(&self, out: &mut Vec<u8>) {
        (
            self.funder,
            &self.name,
            self.asset,
            self.budget,
            self.awarded,
        )
            .encode_to(out);
        (
            self.paid,
            self.reclaimed,
            self.released,
            &self.reviewers,
            self.threshold,
        )
            .encode_to(out);
        (self.large_payment, self.apply_until_ms, self.open).encode_to(out);
    }
}

impl Decode for Programme {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (funder, name, asset, budget, awarded) = Decode::decode_from(r)?;
        let (paid, reclaimed, released, reviewers, threshold) = Decode::decode_from(r)?;
        let (large_payment, apply_until_ms, open) = Decode::decode_from(r)?;
        Ok(Programme {
            funder,
            name,
            asset,
            budget,
            awarded,
            paid,
            reclaimed,
            released,
            reviewers,
            threshold,
            large_payment,
            apply_until_ms,
            open,
        })
    }
}

impl Programme {
    /// What is neither awarded nor released: what new awards may use. `awarded + released`
    /// never exceeds `budget`, and `paid + reclaimed` never exceeds `awarded`.
    fn unallocated(&self) -> u128 {
        self.budget - self.awarded - self.released
    }

    /// Pays `amount` of the programme's money to `to`.
    fn pay(&self, to: &Address, amount: u128) -> Result<(), Error> {
        let paid = assets::pay(self.asset.map(AssetId), to, amount);
        require!(paid, "the payment of {} to {} failed", amount, to);
        Ok(())
    }
}

/// An application and, once awarded, a grant.
struct Grant {
    programme: u64,
    applicant: Address,
    title: String,
    amount: u128,
    status: u8,
    milestones: u32,
    approvals: u32,
    declines: u32,
    /// Entries in the grant's record (`b"l"` entries 0 to steps - 1).
    steps: u32,
}

impl Encode for Grant {
    fn encode_to(&self, out: &mut Vec<u8>) {
        (self.programme, self.applicant, &self.title, self.amount).encode_to(out);
        (
            self.status,
            self.milestones,
            self.approvals,
            self.declines,
            self.steps,
        )
            .encode_to(out);
    }
}

impl Decode for Grant {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (programme, applicant, title, amount) = Decode::decode_from(r)?;
        let (status, milestones, approvals, declines, steps) = Decode::decode_from(r)?;
        Ok(Grant {
            programme,
            applicant,
            title,
            amount,
            status,
            milestones,
            approvals,
            declines,
            steps,
        })
    }
}

/// One milestone of a grant.
struct Milestone {
    /// Its share of the award in basis points (the shares sum to 10,000).
    share_bps: u32,
    /// Its payment (the last milestone takes the rounding remainder).
    amount: u128,
    due_ms: u64,
    evidence_required: String,
    status: u8,
    /// The anchored evidence (its hash), once submitted.
    evidence: [u8; 32],
    /// Reviews restart after rejected evidence.
    round: u32,
    approvals: u32,
}

impl Encode for Milestone {
    fn encode_to(&self, out: &mut Vec<u8>) {
        (
            self.share_bps,
            self.amount,
            self.due_ms,
            &self.evidence_required,
        )
            .encode_to(out);
        (self.status, self.evidence, self.round, self.approvals).encode_to(out);
    }
}

impl Decode for Milestone {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (share_bps, amount, due_ms, evidence_required) = Decode::decode_from(r)?;
        let (status, evidence, round, approvals) = Decode::decode_from(r)?;
        Ok(Milestone {
            share_bps,
            amount,
            due_ms,
            evidence_required,
            status,
            evidence,
            round,
            approvals,
        })
    }
}

/// One entry of a grant's record: `(at_ms, actor, action, milestone, comment, amount,
/// evidence)`.
type Entry = (u64, Address, u8, u32, String, u128, [u8; 32]);

// Record actions.
const APPLIED_FOR: u8 = 0;
const VOTED_FOR: u8 = 1;
const VOTED_AGAINST: u8 = 2;
const WAS_AWARDED: u8 = 3;
const WAS_DECLINED: u8 = 4;
const EVIDENCE: u8 = 5;
const EVIDENCE_APPROVED: u8 = 6;
const EVIDENCE_REJECTED: u8 = 7;
const WAS_PAID: u8 = 8;
const WAS_RECLAIMED: u8 = 9;

// Grant statuses.
const APPLIED: u8 = 0;
const AWARDED: u8 = 1;
const DECLINED: u8 = 2;
const COMPLETED: u8 = 3;

// Milestone statuses.
const PENDING: u8 = 0;
const EVIDENCE_SUBMITTED: u8 = 1;
const PAID: u8 = 2;
const RECLAIMED: u8 = 3;

/// The "milestone" of the award vote.
const AWARD: u32 = u32::MAX;
const FULL_SHARE: u32 = 10_000;
const MAX_REVIEWERS: usize = 16;
const MAX_MILESTONES: usize = 12;
const MAX_TEXT: usize = 256;

const PROGRAMMES: Map<u64, Programme> = Map::new(b"p");
const GRANTS: Map<u64, Grant> = Map::new(b"g");
const MILESTONES: Map<(u64, u32), Milestone> = Map::new(b"m");
const VOTES: Map<(u64, u32, u32, Address), bool> = Map::new(b"r");
const LOG: Map<(u64, u32), Entry> = Map::new(b"l");
const NEXT_PROGRAMME: Item<u64> = Item::new(b"np");
const NEXT_GRANT: Item<u64> = Item::new(b"ng");

events! {
    /// `funder` created programme `id` with `budget`.
    programme_created(id: u64, funder: Address, budget: u128);
    /// The funder added `amount` to programme `id`.
    programme_funded(id: u64, amount: u128);
    /// `applicant` applied for grant `id` of `amount` in `programme`.
    applied(id: u64, programme: u64, applicant: Address, amount: u128);
    /// `reviewer` voted on grant `id`'s award (`milestone` u32::MAX) or a milestone.
    reviewed(id: u64, milestone: u32, reviewer: Address, approve: bool, comment: String);
    /// Grant `id` was awarded (`awarded` true) or declined.
    decided(id: u64, awarded: bool);
    /// The recipient submitted evidence for a milestone of grant `id`.
    evidence_submitted(id: u64, milestone: u32, evidence: [u8; 32]);
    /// A milestone's evidence was not accepted; it may be submitted again before its due date.
    evidence_rejected(id: u64, milestone: u32, comment: String);
    /// A milestone of grant `id` was paid.
    paid(id: u64, milestone: u32, amount: u128);
    /// The funder reclaimed a missed milestone of grant `id`.
    reclaimed(id: u64, milestone: u32, amount: u128);
    /// Programme `id` closed; `released` went back to the funder.
    programme_closed(id: u64, released: u128);
}

fn check_text(what: &str, text: &str) -> Result<(), Error> {
    require!(
        text.len() <= MAX_TEXT,
        "the {} is longer than {} bytes",
        what,
        MAX_TEXT
    );
    Ok(())
}

fn programme(id: u64) -> Result<Programme, Error> {
    match PROGRAMMES.get(&id) {
        Some(p) => Ok(p),
        None => fail!("no programme {}", id),
    }
}

fn grant(id: u64) -> Result<Grant, Error> {
    match GRANTS.get(&id) {
        Some(g) => Ok(g),
        None => fail!("no grant {}", id),
    }
}

fn milestone(id: u64, n: u32) -> Result<Milestone, Error> {
    match MILESTONES.get(&(id, n)) {
        Some(m) => Ok(m),
        None => fail!("grant {} has no milestone {}", id, n),
    }
}

/// What the call brought: `(asset or None for native, amount)`, exactly one kind.
fn funding() -> Result<(Option<[u8; 20]>, u128), Error> {
    match assets::received() {
        Some(m) => Ok((m.asset.map(|a| a.0), m.amount)),
        None => fail!("fund with native currency or one asset, and not both"),
    }
}

fn require_funder(p: &Programme) -> Result<(), Error> {
    require!(
        env::caller() == p.funder,
        "only the programme's funder {} may do this",
        p.funder
    );
    Ok(())
}

/// Appends to grant `id`'s record (the caller is the actor); the caller saves `g`.
fn record(id: u64, g: &mut Grant, action: u8, milestone: u32, comment: &str, amount: u128) {
    record_evidence(id, g, action, milestone, comment, amount, [0; 32]);
}

/// [`record`] with the evidence concerned.
fn record_evidence(
    id: u64,
    g: &mut Grant,
    action: u8,
    milestone: u32,
    comment: &str,
    amount: u128,
    evidence: [u8; 32],
) {
    let entry: Entry = (
        env::block_time_ms(),
        env::caller(),
        action,
        milestone,
        String::from(comment),
        amount,
        evidence,
    );
    LOG.set(&(id, g.steps), &entry);
    g.steps += 1;
}

/// Records the caller's vote as a reviewer of `p` on `(grant, milestone, round)`.
fn vote(p: &Programme, id: u64, milestone: u32, round: u32, approve: bool) -> Result<(), Error> {
    let reviewer = env::caller();
    require!(
        p.reviewers.contains(&reviewer),
        "{} is not a reviewer of this programme",
        reviewer
    );
    let key = (id, milestone, round, reviewer);
    require!(
        !VOTES.contains(&key),
        "{} has voted on this already",
        reviewer
    );
    VOTES.set(&key, &approve);
    Ok(())
}

/// Pays milestone `n` of grant `id` and completes the grant after its last one.
fn pay_milestone(id: u64, n: u32, g: &mut Grant, m: &mut Milestone) -> Result<(), Error> {
    let mut p = programme(g.programme)?;
    require!(
        p.paid + p.reclaimed + m.amount <= p.awarded,
        "the payment would exceed what programme {} awarded",
        g.programme
    );
    p.pay(&g.applicant, m.amount)?;
    p.paid += m.amount;
    m.status = PAID;
    PROGRAMMES.set(&g.programme, &p);
    record(id, g, WAS_PAID, n, "", m.amount);
    events::paid(id, n, m.amount);
    let settled = (0..g.milestones)
        .filter(|&i| i != n)
        .all(|i| MILESTONES.get(&(id, i)).is_some_and(|o| o.status >= PAID));
    if settled {
        g.status = COMPLETED;
    }
    Ok(())
}

contract! {
    /// Creates a programme funded by what this call brings (native currency, or one asset
    /// attached with an asset `call`); the caller is its funder. `threshold` of `reviewers`
    /// award grants and approve milestones; a milestone payment of at least `large_payment`
    /// needs the funder's approval instead. Returns the programme's id.
    fn create_programme(
        name: String,
        reviewers: Vec<Address>,
        threshold: u32,
        large_payment: u128,
        apply_until_ms: u64,
    ) -> Result<u64, Error> {
        require!(!name.is_empty() && name.len() <= MAX_TEXT, "a name of 1 to 256 bytes is required");
        require!(
            !reviewers.is_empty() && reviewers.len() <= MAX_REVIEWERS,
            "a programme has 1 to 16 reviewers"
        );
        for (i, r) in reviewers.iter().enumerate() {
            require!(!reviewers[..i].contains(r), "reviewer {} appears twice", r);
        }
        require!(
            threshold >= 1 && threshold as usize <= reviewers.len(),
            "the threshold must be 1 to {}",
            reviewers.len()
        );
        require!(apply_until_ms > env::block_time_ms(), "the application period has ended already");
        let (asset, budget) = funding()?;
        let id = NEXT_PROGRAMME.get().unwrap_or(0);
        NEXT_PROGRAMME.set(&(id + 1));
        let funder = env::caller();
        PROGRAMMES.set(&id, &Programme {
            funder,
            name,
            asset,
            budget,
            awarded: 0,
            paid: 0,
            reclaimed: 0,
            released: 0,
            reviewers,
            threshold,
            large_payment,
            apply_until_ms,
            open: true,
        });
        events::programme_created(id, funder, budget);
        Ok(id)
    }

    /// Adds what this call brings (in the programme's currency) to programme `id` (its funder).
    fn fund(id: u64) -> Result<(), Error> {
        let mut p = programme(id)?;
        require_funder(&p)?;
        require!(p.open, "programme {} is closed", id);
        let (asset, amount) = funding()?;
        require!(asset == p.asset, "programme {} is funded in another currency", id);
        p.budget += amount;
        PROGRAMMES.set(&id, &p);
        events::programme_funded(id, amount);
        Ok(())
    }

    /// Applies to programme `programme` for `amount`, in `milestones` of (share in basis
    /// points, due date in ms, evidence required); the shares sum to 10,000 and the due dates
    /// increase. Returns the grant's id.
    fn apply(
        programme: u64,
        title: String,
        amount: u128,
        milestones: Vec<(u32, u64, String)>,
    ) -> Result<u64, Error> {
        let p = self::programme(programme)?;
        require!(p.open && env::block_time_ms() < p.apply_until_ms, "programme {} takes no applications", programme);
        require!(!title.is_empty() && title.len() <= MAX_TEXT, "a title of 1 to 256 bytes is required");
        require!(amount > 0, "the amount must be positive");
        require!(amount <= p.unallocated(), "{} exceeds the programme's unallocated {}", amount, p.unallocated());
        require!(
            !milestones.is_empty() && milestones.len() <= MAX_MILESTONES,
            "a grant has 1 to 12 milestones"
        );
        let mut total = 0u32;
        let mut last_due = env::block_time_ms();
        for (i, (share, due, evidence)) in milestones.iter().enumerate() {
            require!(*share > 0, "milestone {} has no share", i);
            require!(*due > last_due, "milestone {} is due before the one before it, or in the past", i);
            check_text("evidence required", evidence)?;
            total = total.saturating_add(*share);
            last_due = *due;
        }
        require!(total == FULL_SHARE, "the shares sum to {} basis points, not 10000", total);
        let id = NEXT_GRANT.get().unwrap_or(0);
        NEXT_GRANT.set(&(id + 1));
        let count = milestones.len() as u32;
        let mut allotted = 0u128;
        for (i, (share_bps, due_ms, evidence_required)) in milestones.into_iter().enumerate() {
            // The last milestone takes what rounding left, so that they sum to the amount.
            let amount = if i as u32 + 1 == count {
                amount - allotted
            } else {
                amount / u128::from(FULL_SHARE) * u128::from(share_bps)
                    + amount % u128::from(FULL_SHARE) * u128::from(share_bps) / u128::from(FULL_SHARE)
            };
            allotted += amount;
            MILESTONES.set(&(id, i as u32), &Milestone {
                share_bps,
                amount,
                due_ms,
                evidence_required,
                status: PENDING,
                evidence: [0; 32],
                round: 0,
                approvals: 0,
            });
        }
        let applicant = env::caller();
        let mut g = Grant {
            programme,
            applicant,
            title,
            amount,
            status: APPLIED,
            milestones: count,
            approvals: 0,
            declines: 0,
            steps: 0,
        };
        record(id, &mut g, APPLIED_FOR, AWARD, "", amount);
        GRANTS.set(&id, &g);
        events::applied(id, programme, applicant, amount);
        Ok(id)
    }

    /// A reviewer's vote on awarding grant `id`: awarded at the threshold's approvals (if the
    /// programme still has the money), declined once the threshold can no longer be reached.
    fn review(id: u64, approve: bool, comment: String) -> Result<(), Error> {
        check_text("comment", &comment)?;
        let mut g = grant(id)?;
        require!(g.status == APPLIED, "grant {} is decided already", id);
        let mut p = programme(g.programme)?;
        require!(p.open, "programme {} is closed", g.programme);
        vote(&p, id, AWARD, 0, approve)?;
        let verdict = if approve { VOTED_FOR } else { VOTED_AGAINST };
        record(id, &mut g, verdict, AWARD, &comment, 0);
        events::reviewed(id, AWARD, env::caller(), approve, comment);
        if approve {
            g.approvals += 1;
        } else {
            g.declines += 1;
        }
        if g.approvals >= p.threshold {
            require!(
                g.amount <= p.unallocated(),
                "grant {} ({}) exceeds the programme's unallocated {}",
                id,
                g.amount,
                p.unallocated()
            );
            p.awarded += g.amount;
            g.status = AWARDED;
            PROGRAMMES.set(&g.programme, &p);
            let amount = g.amount;
            record(id, &mut g, WAS_AWARDED, AWARD, "", amount);
            events::decided(id, true);
        } else if g.declines as usize > p.reviewers.len() - p.threshold as usize {
            g.status = DECLINED;
            record(id, &mut g, WAS_DECLINED, AWARD, "", 0);
            events::decided(id, false);
        }
        GRANTS.set(&id, &g);
        Ok(())
    }

    /// The recipient submits the hash of milestone `milestone`'s evidence, by its due date.
    fn submit_evidence(id: u64, milestone: u32, evidence: [u8; 32]) -> Result<(), Error> {
        let mut g = grant(id)?;
        require!(env::caller() == g.applicant, "only grant {}'s recipient may do this", id);
        require!(g.status == AWARDED, "grant {} is not awarded and running", id);
        let mut m = self::milestone(id, milestone)?;
        require!(m.status == PENDING, "milestone {} of grant {} is not waiting for evidence", milestone, id);
        require!(
            env::block_time_ms() <= m.due_ms,
            "milestone {} of grant {} was due at {} ms",
            milestone,
            id,
            m.due_ms
        );
        m.status = EVIDENCE_SUBMITTED;
        m.evidence = evidence;
        MILESTONES.set(&(id, milestone), &m);
        record_evidence(id, &mut g, EVIDENCE, milestone, "", 0, evidence);
        GRANTS.set(&id, &g);
        events::evidence_submitted(id, milestone, evidence);
        Ok(())
    }

    /// Approves milestone `milestone`'s evidence: a reviewer's vote, paying at the threshold;
    /// for a large payment, the funder's approval, paying at once.
    fn approve_milestone(id: u64, milestone: u32, comment: String) -> Result<(), Error> {
        check_text("comment", &comment)?;
        let mut g = grant(id)?;
        let mut m = self::milestone(id, milestone)?;
        require!(m.status != PAID, "milestone {} of grant {} is paid already", milestone, id);
        require!(
            m.status == EVIDENCE_SUBMITTED,
            "milestone {} of grant {} has no evidence to approve",
            milestone,
            id
        );
        let p = programme(g.programme)?;
        let approver = env::caller();
        let enough = if m.amount >= p.large_payment {
            require!(
                approver == p.funder,
                "a payment of {} is at least {}: the funder {} approves it",
                m.amount,
                p.large_payment,
                p.funder
            );
            true
        } else {
            vote(&p, id, milestone, m.round, true)?;
            m.approvals += 1;
            m.approvals >= p.threshold
        };
        record_evidence(id, &mut g, EVIDENCE_APPROVED, milestone, &comment, 0, m.evidence);
        events::reviewed(id, milestone, approver, true, comment);
        if enough {
            pay_milestone(id, milestone, &mut g, &mut m)?;
        }
        GRANTS.set(&id, &g);
        MILESTONES.set(&(id, milestone), &m);
        Ok(())
    }

    /// Sends milestone `milestone`'s evidence back (a reviewer, or the funder for a large
    /// payment): the recipient may submit again before the due date; the votes start over.
    fn reject_evidence(id: u64, milestone: u32, comment: String) -> Result<(), Error> {
        require!(!comment.is_empty(), "a rejection needs a comment");
        check_text("comment", &comment)?;
        let mut g = grant(id)?;
        let p = programme(g.programme)?;
        let mut m = self::milestone(id, milestone)?;
        require!(
            m.status == EVIDENCE_SUBMITTED,
            "milestone {} of grant {} has no evidence to reject",
            milestone,
            id
        );
        let caller = env::caller();
        require!(
            p.reviewers.contains(&caller) || caller == p.funder,
            "{} is not a reviewer of this programme",
            caller
        );
        m.status = PENDING;
        m.round += 1;
        m.approvals = 0;
        MILESTONES.set(&(id, milestone), &m);
        record_evidence(id, &mut g, EVIDENCE_REJECTED, milestone, &comment, 0, m.evidence);
        GRANTS.set(&id, &g);
        events::evidence_rejected(id, milestone, comment);
        Ok(())
    }

    /// Takes back milestone `milestone`'s money (the funder), when no evidence was accepted
    /// and none is waiting, and its due date has passed.
    fn reclaim(id: u64, milestone: u32) -> Result<u128, Error> {
        let mut g = grant(id)?;
        let mut p = programme(g.programme)?;
        require_funder(&p)?;
        require!(g.status == AWARDED, "grant {} is not awarded and running", id);
        let mut m = self::milestone(id, milestone)?;
        require!(m.status == PENDING, "milestone {} of grant {} is not missed", milestone, id);
        require!(
            env::block_time_ms() > m.due_ms,
            "milestone {} of grant {} is due at {} ms",
            milestone,
            id,
            m.due_ms
        );
        let funder = p.funder;
        p.pay(&funder, m.amount)?;
        p.reclaimed += m.amount;
        m.status = RECLAIMED;
        PROGRAMMES.set(&g.programme, &p);
        MILESTONES.set(&(id, milestone), &m);
        let settled = (0..g.milestones)
            .all(|i| MILESTONES.get(&(id, i)).is_some_and(|o| o.status >= PAID));
        if settled {
            g.status = COMPLETED;
        }
        record(id, &mut g, WAS_RECLAIMED, milestone, "", m.amount);
        GRANTS.set(&id, &g);
        events::reclaimed(id, milestone, m.amount);
        Ok(m.amount)
    }

    /// Closes programme `id` (its funder): no more applications or awards; what was never
    /// awarded goes back to the funder. Awarded grants run on.
    fn close(id: u64) -> Result<u128, Error> {
        let mut p = programme(id)?;
        require_funder(&p)?;
        require!(p.open, "programme {} is closed already", id);
        let released = p.unallocated();
        if released > 0 {
            let funder = p.funder;
            p.pay(&funder, released)?;
        }
        p.released += released;
        p.open = false;
        PROGRAMMES.set(&id, &p);
        events::programme_closed(id, released);
        Ok(released)
    }

    /// Programme `id`: ((funder, name, asset or none for native), (budget, awarded, paid,
    /// reclaimed, released), (reviewers, threshold, large_payment, apply_until_ms, open)).
    fn programme_of(id: u64) -> Result<(
        (Address, String, Option<[u8; 20]>),
        (u128, u128, u128, u128, u128),
        (Vec<Address>, u32, u128, u64, bool),
    ), Error> {
        let p = programme(id)?;
        Ok((
            (p.funder, p.name, p.asset),
            (p.budget, p.awarded, p.paid, p.reclaimed, p.released),
            (p.reviewers, p.threshold, p.large_payment, p.apply_until_ms, p.open),
        ))
    }

    /// Grant `id`: ((programme, applicant, title, amount), (status, milestones, approvals,
    /// declines, steps)); status 0 applied, 1 awarded, 2 declined, 3 completed.
    fn grant_of(id: u64) -> Result<((u64, Address, String, u128), (u8, u32, u32, u32, u32)), Error> {
        let g = grant(id)?;
        Ok((
            (g.programme, g.applicant, g.title, g.amount),
            (g.status, g.milestones, g.approvals, g.declines, g.steps),
        ))
    }

    /// Entry `n` of grant `id`'s record: (at_ms, actor, action, milestone, comment, amount,
    /// evidence). Actions: 0 applied, 1 voted for, 2 voted against, 3 awarded, 4 declined,
    /// 5 evidence submitted, 6 evidence approved, 7 evidence rejected, 8 paid, 9 reclaimed;
    /// milestone u32::MAX is the award.
    fn record_of(id: u64, n: u32) -> Option<(u64, Address, u8, u32, String, u128, [u8; 32])> {
        LOG.get(&(id, n))
    }

    /// Milestone `n` of grant `id`: (share_bps, amount, due_ms, evidence required, status,
    /// evidence, round, approvals); status 0 pending, 1 evidence submitted, 2 paid, 3 reclaimed.
    fn milestone_of(id: u64, n: u32) -> Result<(u32, u128, u64, String, u8, [u8; 32], u32, u32), Error> {
        let m = milestone(id, n)?;
        Ok((m.share_bps, m.amount, m.due_ms, m.evidence_required, m.status, m.evidence, m.round, m.approvals))
    }

    /// How many programmes and grants there are.
    fn counts() -> (u64, u64) {
        (NEXT_PROGRAMME.get().unwrap_or(0), NEXT_GRANT.get().unwrap_or(0))
    }
}
