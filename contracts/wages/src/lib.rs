//! Construction-wage escrow, after Xiong'an's construction-funds chain. A project owner
//! deposits the wage fund into escrow (native currency or one asset). Each month the labour
//! subcontractor files the payroll (each worker's account, days worked, amount), and the general
//! contractor approves it. Approval pays every worker straight to their own account, so the
//! money cannot be diverted, and a payroll above the fund is refused. A worker confirms receipt,
//! or disputes it and names the amount still owed. That amount is frozen in the fund until the
//! labour bureau (the admin) resolves the dispute. The bureau sees fund against payroll, overdue
//! months and open disputes.
//!
//! Storage (`docs/apps/wages.md`, "Storage layout"):
//! - `b"admin"`: the labour bureau;
//! - `b"p" || id (u64)`: a [`Project`];
//! - `b"w" || (id, month)`: a [`Payroll`] (month `YYYYMM`);
//! - `b"s" || (id, month, worker)`: the worker's slip `(status, claimed, reason, awarded)`;
//! - `b"next"`: the next project id.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::{string::String, vec::Vec};
use citychain_sdk::{
    Address, Decode, DecodeError, Encode, Error, Item, Map, Reader,
    assets::{self, AssetId},
    contract, env, events, fail, require,
};

/// A construction project's wage fund.
struct Project {
    name: String,
    owner: Address,
    contractor: Address,
    subcontractor: Address,
    /// The asset the fund is in; `None`: the native currency.
    asset: Option<[u8; 20]>,
    funded: u128,
    paid: u128,
    /// Held for open disputes.
    frozen: u128,
    /// The first month wages are due for (`YYYYMM`), and the day of the following month by
    /// which a month's payroll must be paid.
    start_month: u32,
    pay_day: u32,
    open_disputes: u32,
}

impl Encode for Project {
    fn encode_to(&self, out: &mut Vec<u8>) {
        (
            &self.name,
            self.owner,
            self.contractor,
            self.subcontractor,
            self.asset,
        )
            .encode_to(out);
        (self.funded, self.paid, self.frozen).encode_to(out);
        (self.start_month, self.pay_day, self.open_disputes).encode_to(out);
    }
}

impl Decode for Project {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (name, owner, contractor, subcontractor, asset) = Decode::decode_from(r)?;
        let (funded, paid, frozen) = Decode::decode_from(r)?;
        let (start_month, pay_day, open_disputes) = Decode::decode_from(r)?;
        Ok(Project {
            name,
            owner,
            contractor,
            subcontractor,
            asset,
            funded,
            paid,
            frozen,
            start_month,
            pay_day,
            open_disputes,
        })
    }
}

impl Project {
    /// What the fund holds that is neither paid nor frozen.
    fn available(&self) -> u128 {
        self.funded - self.paid - self.frozen
    }

    fn pay(&self, to: &Address, amount: u128) -> Result<(), Error> {
        let paid = assets::pay(self.asset.map(AssetId), to, amount);
        require!(paid, "paying {} to {} failed", amount, to);
        Ok(())
    }
}

/// A month's payroll.
struct Payroll {
    /// `(worker, days, amount)`.
    lines: Vec<(Address, u32, u128)>,
    total: u128,
    status: u8,
    filed_at_ms: u64,
    paid_at_ms: u64,
    /// Why the contractor sent it back, if it did.
    note: String,
}

impl Encode for Payroll {
    fn encode_to(&self, out: &mut Vec<u8>) {
        (
            &self.lines,
            self.total,
            self.status,
            self.filed_at_ms,
            self.paid_at_ms,
            &self.note,
        )
            .encode_to(out);
    }
}

impl Decode for Payroll {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (lines, total, status, filed_at_ms, paid_at_ms, note) = Decode::decode_from(r)?;
        Ok(Payroll {
            lines,
            total,
            status,
            filed_at_ms,
            paid_at_ms,
            note,
        })
    }
}

/// A worker's slip: `(status, claimed, reason, awarded)`.
type Slip = (u8, u128, String, u128);

// Payroll statuses.
const FILED: u8 = 0;
const PAID: u8 = 1;
const SENT_BACK: u8 = 2;

// Slip statuses.
const UNCONFIRMED: u8 = 0;
const CONFIRMED: u8 = 1;
const DISPUTED: u8 = 2;
const RESOLVED: u8 = 3;

const MAX_WORKERS: usize = 500;
const MAX_TEXT: usize = 256;
/// Months `overdue_months` looks back over.
const MAX_MONTHS: u32 = 36;
const MS_PER_DAY: u64 = 86_400_000;

const ADMIN: Item<Address> = Item::new(b"admin");
const PROJECTS: Map<u64, Project> = Map::new(b"p");
const PAYROLLS: Map<(u64, u32), Payroll> = Map::new(b"w");
const SLIPS: Map<(u64, u32, Address), Slip> = Map::new(b"s");
const NEXT: Item<u64> = Item::new(b"next");

events! {
    /// `owner` opened project `id` with a fund of `funded`.
    project_created(id: u64, owner: Address, funded: u128);
    /// The owner added `amount` to project `id`'s fund.
    deposited(id: u64, amount: u128);
    /// The subcontractor filed `month`'s payroll for `workers` workers, `total` in all.
    payroll_filed(id: u64, month: u32, workers: u32, total: u128);
    /// The contractor sent `month`'s payroll back with `note`.
    payroll_sent_back(id: u64, month: u32, note: String);
    /// The contractor approved `month`'s payroll and `total` went to the workers.
    payroll_paid(id: u64, month: u32, total: u128);
    /// `worker` confirmed receiving `month`'s wage.
    confirmed(id: u64, month: u32, worker: Address);
    /// `worker` disputed `month`'s wage, claiming `claimed` more (now frozen).
    disputed(id: u64, month: u32, worker: Address, claimed: u128, reason: String);
    /// The bureau resolved `worker`'s dispute, paying `awarded`.
    resolved(id: u64, month: u32, worker: Address, awarded: u128);
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

fn project(id: u64) -> Result<Project, Error> {
    match PROJECTS.get(&id) {
        Some(p) => Ok(p),
        None => fail!("no project {}", id),
    }
}

fn payroll(id: u64, month: u32) -> Result<Payroll, Error> {
    match PAYROLLS.get(&(id, month)) {
        Some(p) => Ok(p),
        None => fail!("project {} has no payroll for {}", id, month),
    }
}

fn check_month(month: u32) -> Result<(), Error> {
    require!(
        (2000..=2999).contains(&(month / 100)) && (1..=12).contains(&(month % 100)),
        "month {} is not YYYYMM",
        month
    );
    Ok(())
}

fn next_month(month: u32) -> u32 {
    if month % 100 == 12 {
        month + 89
    } else {
        month + 1
    }
}

/// Today's `(YYYYMM, day of month)` by the block's time (UTC).
fn today() -> (u32, u32) {
    let mut days = env::block_time_ms() / MS_PER_DAY;
    let leap = |y: u64| y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400));
    let mut y = 1970;
    while days >= if leap(y) { 366 } else { 365 } {
        days -= if leap(y) { 366 } else { 365 };
        y += 1;
    }
    let lengths = [
        31,
        if leap(y) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let mut m = 0;
    while days >= lengths[m] {
        days -= lengths[m];
        m += 1;
    }
    ((y * 100 + m as u64 + 1) as u32, days as u32 + 1)
}

/// What the call brought: `(asset or None for native, amount)`, exactly one kind.
fn funding() -> Result<(Option<[u8; 20]>, u128), Error> {
    match assets::received() {
        Some(m) => Ok((m.asset.map(|a| a.0), m.amount)),
        None => fail!("fund with native currency or one asset, and not both"),
    }
}

fn slip_key(id: u64, month: u32, worker: Address) -> (u64, u32, Address) {
    (id, month, worker)
}

contract! {
    /// Makes the deployer the labour bureau.
    fn init() {
        ADMIN.set(&env::caller());
    }

    /// Opens project `name` with the wage fund this call brings; the caller is its owner.
    /// Wages are due from `start_month` (YYYYMM), each month's by day `pay_day` of the next.
    fn create_project(
        name: String,
        contractor: Address,
        subcontractor: Address,
        start_month: u32,
        pay_day: u32,
    ) -> Result<u64, Error> {
        require!(!name.is_empty(), "a project needs a name");
        check_text("name", &name)?;
        check_month(start_month)?;
        require!((1..=28).contains(&pay_day), "the pay day is 1 to 28");
        require!(contractor != subcontractor, "the contractor and the subcontractor must differ");
        let (asset, funded) = funding()?;
        let id = NEXT.get().unwrap_or(0);
        NEXT.set(&(id + 1));
        let owner = env::caller();
        PROJECTS.set(&id, &Project {
            name,
            owner,
            contractor,
            subcontractor,
            asset,
            funded,
            paid: 0,
            frozen: 0,
            start_month,
            pay_day,
            open_disputes: 0,
        });
        events::project_created(id, owner, funded);
        Ok(id)
    }

    /// Adds what this call brings to project `id`'s fund (its owner).
    fn deposit(id: u64) -> Result<(), Error> {
        let mut p = project(id)?;
        require!(env::caller() == p.owner, "only project {}'s owner may do this", id);
        let (asset, amount) = funding()?;
        require!(asset == p.asset, "project {}'s fund is in another currency", id);
        p.funded += amount;
        PROJECTS.set(&id, &p);
        events::deposited(id, amount);
        Ok(())
    }

    /// Files `month`'s payroll (the subcontractor): each worker's account, days and amount.
    /// Refused if it exceeds what the fund has available. A payroll sent back may be filed
    /// again.
    fn file_payroll(id: u64, month: u32, lines: Vec<(Address, u32, u128)>) -> Result<u128, Error> {
        let p = project(id)?;
        require!(env::caller() == p.subcontractor, "only project {}'s subcontractor may do this", id);
        check_month(month)?;
        require!(month >= p.start_month, "project {}'s wages start in {}", id, p.start_month);
        if let Some(existing) = PAYROLLS.get(&(id, month)) {
            require!(existing.status == SENT_BACK, "{}'s payroll is filed already", month);
        }
        require!(
            !lines.is_empty() && lines.len() <= MAX_WORKERS,
            "a payroll has 1 to 500 workers"
        );
        let mut total = 0u128;
        for (i, (worker, days, amount)) in lines.iter().enumerate() {
            require!(*amount > 0 && *days > 0 && *days <= 31, "line {}: days 1 to 31 and a positive amount", i);
            require!(
                !lines[..i].iter().any(|(w, _, _)| w == worker),
                "worker {} appears twice",
                worker
            );
            let Some(sum) = total.checked_add(*amount) else {
                fail!("the payroll's total is too large");
            };
            total = sum;
        }
        require!(
            total <= p.available(),
            "the payroll of {} exceeds the fund's available {}",
            total,
            p.available()
        );
        let workers = lines.len() as u32;
        PAYROLLS.set(&(id, month), &Payroll {
            lines,
            total,
            status: FILED,
            filed_at_ms: env::block_time_ms(),
            paid_at_ms: 0,
            note: String::new(),
        });
        events::payroll_filed(id, month, workers, total);
        Ok(total)
    }

    /// Sends `month`'s payroll back to the subcontractor with `note` (the contractor).
    fn send_back(id: u64, month: u32, note: String) -> Result<(), Error> {
        let p = project(id)?;
        require!(env::caller() == p.contractor, "only project {}'s contractor may do this", id);
        require!(!note.is_empty(), "say why");
        check_text("note", &note)?;
        let mut w = payroll(id, month)?;
        require!(w.status == FILED, "{}'s payroll is not waiting for approval", month);
        w.status = SENT_BACK;
        w.note = note.clone();
        PAYROLLS.set(&(id, month), &w);
        events::payroll_sent_back(id, month, note);
        Ok(())
    }

    /// Approves `month`'s payroll (the contractor): every worker is paid, to their own
    /// account, at once.
    fn approve_payroll(id: u64, month: u32) -> Result<u128, Error> {
        let mut p = project(id)?;
        require!(env::caller() == p.contractor, "only project {}'s contractor may do this", id);
        let mut w = payroll(id, month)?;
        require!(w.status == FILED, "{}'s payroll is not waiting for approval", month);
        require!(
            w.total <= p.available(),
            "the payroll of {} exceeds the fund's available {}",
            w.total,
            p.available()
        );
        for (worker, _, amount) in &w.lines {
            p.pay(worker, *amount)?;
            SLIPS.set(&slip_key(id, month, *worker), &(UNCONFIRMED, 0, String::new(), 0));
        }
        p.paid += w.total;
        w.status = PAID;
        w.paid_at_ms = env::block_time_ms();
        PROJECTS.set(&id, &p);
        PAYROLLS.set(&(id, month), &w);
        events::payroll_paid(id, month, w.total);
        Ok(w.total)
    }

    /// A worker confirms receiving `month`'s wage.
    fn confirm(id: u64, month: u32) -> Result<(), Error> {
        let worker = env::caller();
        let key = slip_key(id, month, worker);
        let Some((status, claimed, reason, awarded)) = SLIPS.get(&key) else {
            fail!("{} was not paid by project {} for {}", worker, id, month);
        };
        require!(status == UNCONFIRMED, "{}'s wage for {} is confirmed or disputed already", worker, month);
        SLIPS.set(&key, &(CONFIRMED, claimed, reason, awarded));
        events::confirmed(id, month, worker);
        Ok(())
    }

    /// A worker disputes `month`'s wage, claiming `claimed` more for `reason`: that much of
    /// the fund is frozen until the bureau resolves it.
    fn dispute(id: u64, month: u32, claimed: u128, reason: String) -> Result<(), Error> {
        let worker = env::caller();
        let key = slip_key(id, month, worker);
        let Some((status, _, _, _)) = SLIPS.get(&key) else {
            fail!("{} was not paid by project {} for {}", worker, id, month);
        };
        require!(status == UNCONFIRMED, "{}'s wage for {} is confirmed or disputed already", worker, month);
        require!(!reason.is_empty(), "a dispute needs a reason");
        check_text("reason", &reason)?;
        let mut p = project(id)?;
        require!(
            claimed > 0 && claimed <= p.available(),
            "a claim of 1 to {} (what the fund has available) can be frozen",
            p.available()
        );
        p.frozen += claimed;
        p.open_disputes += 1;
        PROJECTS.set(&id, &p);
        SLIPS.set(&key, &(DISPUTED, claimed, reason.clone(), 0));
        events::disputed(id, month, worker, claimed, reason);
        Ok(())
    }

    /// Resolves `worker`'s dispute over `month` (the bureau): `awarded` (at most what was
    /// claimed) is paid to the worker, and the rest of the frozen claim is released.
    fn resolve(id: u64, month: u32, worker: Address, awarded: u128) -> Result<(), Error> {
        let admin = ADMIN.get().unwrap_or_default();
        require!(env::caller() == admin, "only the labour bureau {} may do this", admin);
        let key = slip_key(id, month, worker);
        let Some((DISPUTED, claimed, reason, _)) = SLIPS.get(&key) else {
            fail!("{} has no open dispute over {} in project {}", worker, month, id);
        };
        require!(awarded <= claimed, "{} was claimed; at most that can be awarded", claimed);
        let mut p = project(id)?;
        p.frozen -= claimed;
        p.open_disputes -= 1;
        if awarded > 0 {
            p.pay(&worker, awarded)?;
            p.paid += awarded;
        }
        PROJECTS.set(&id, &p);
        SLIPS.set(&key, &(RESOLVED, claimed, reason, awarded));
        events::resolved(id, month, worker, awarded);
        Ok(())
    }

    /// Project `id`: ((name, owner, contractor, subcontractor, asset or none for native),
    /// (funded, paid, frozen, available), (start month, pay day, open disputes)).
    fn project_of(id: u64) -> Result<(
        (String, Address, Address, Address, Option<[u8; 20]>),
        (u128, u128, u128, u128),
        (u32, u32, u32),
    ), Error> {
        let p = project(id)?;
        let available = p.available();
        Ok((
            (p.name, p.owner, p.contractor, p.subcontractor, p.asset),
            (p.funded, p.paid, p.frozen, available),
            (p.start_month, p.pay_day, p.open_disputes),
        ))
    }

    /// `month`'s payroll of project `id`: (lines as (worker, days, amount), total, status,
    /// filed_at_ms, paid_at_ms, note); status 0 filed, 1 paid, 2 sent back.
    fn payroll_of(id: u64, month: u32) -> Result<(Vec<(Address, u32, u128)>, u128, u8, u64, u64, String), Error> {
        let w = payroll(id, month)?;
        Ok((w.lines, w.total, w.status, w.filed_at_ms, w.paid_at_ms, w.note))
    }

    /// `worker`'s slip for `month` in project `id`: (status, claimed, reason, awarded);
    /// status 0 unconfirmed, 1 confirmed, 2 disputed, 3 resolved.
    fn slip(id: u64, month: u32, worker: Address) -> Option<(u8, u128, String, u128)> {
        SLIPS.get(&slip_key(id, month, worker))
    }

    /// The months of project `id` whose payroll was due (by the pay day of the following
    /// month) and is not paid, oldest first, looking back at most 36 months.
    fn overdue_months(id: u64) -> Result<Vec<u32>, Error> {
        let p = project(id)?;
        let (this_month, day) = today();
        let mut out = Vec::new();
        let mut month = p.start_month;
        for _ in 0..MAX_MONTHS {
            let due_month = next_month(month);
            let past_due = due_month < this_month || (due_month == this_month && day > p.pay_day);
            if !past_due {
                break;
            }
            if PAYROLLS.get(&(id, month)).is_none_or(|w| w.status != PAID) {
                out.push(month);
            }
            month = next_month(month);
        }
        Ok(out)
    }

    /// The open disputes of project `id`: (month, worker, claimed, reason), at most 100.
    fn disputes(id: u64) -> Vec<(u32, Address, u128, String)> {
        SLIPS
            .iter_from(Some(&(id, 0, Address::default())))
            .take_while(|((project, _, _), _)| *project == id)
            .filter(|(_, (status, _, _, _))| *status == DISPUTED)
            .take(100)
            .map(|((_, month, worker), (_, claimed, reason, _))| (month, worker, claimed, reason))
            .collect()
    }

    /// The labour bureau.
    fn admin() -> Address {
        ADMIN.get().unwrap_or_default()
    }
}
