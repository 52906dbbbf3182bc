//! Permits with multi-agency approval and public consultation (a construction permit, an
//! urban-planning change). The supervising office (the admin) defines permit types: a route of
//! stages run in sequence, each a set of agencies that must all approve (in parallel) within
//! the stage's statutory time limit, a public consultation period and the permit's validity.
//! Applicants apply with an anchored document hash; agencies approve, reject or request
//! changes with comments and anchored documents; an overdue stage is visible and the office
//! escalates it; during the consultation each account comments or votes once; an approved
//! permit is issued as an e-certificate by the certificates registry (`contracts/certificates`),
//! in which this contract must be a registered issuer. Every step is on record.
//!
//! Storage (`docs/apps/permits.md`, "Storage layout"):
//! - `b"admin"`, `b"registry"`: the supervising office, the certificates contract;
//! - `b"k" || type id`: a [`PermitType`];
//! - `b"a" || id (u64)`: an [`Application`];
//! - `b"d" || (id, revision, stage, agency)`: that agency's decision in that stage (u8);
//! - `b"s" || (id, n)`: step `n` of the application's record, a [`Step`];
//! - `b"v" || (id, account)`: the account's consultation vote `(support, comment)`;
//! - `b"next"`: the next application id.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::{format, string::String, vec::Vec};
use citychain_sdk::{
    Address, Decode, DecodeError, Encode, Error, Item, Map, Reader, contract, env, events, fail,
    require,
};

/// A permit type: its route and periods.
struct PermitType {
    name: String,
    /// Stages in order: `(agencies that must all approve, time limit in ms)`.
    stages: Vec<(Vec<Address>, u64)>,
    consultation_ms: u64,
    validity_ms: u64,
}

impl Encode for PermitType {
    fn encode_to(&self, out: &mut Vec<u8>) {
        (
            &self.name,
            &self.stages,
            self.consultation_ms,
            self.validity_ms,
        )
            .encode_to(out);
    }
}

impl Decode for PermitType {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (name, stages, consultation_ms, validity_ms) = Decode::decode_from(r)?;
        Ok(PermitType {
            name,
            stages,
            consultation_ms,
            validity_ms,
        })
    }
}

/// An application's state.
struct Application {
    applicant: Address,
    type_id: String,
    title: String,
    /// The hash of the application's current documents.
    document: [u8; 32],
    submitted_ms: u64,
    status: u8,
    /// The current stage (index into the route).
    stage: u32,
    /// Bumped by each resubmission; decisions of an earlier revision no longer count.
    revision: u32,
    stage_deadline_ms: u64,
    consultation_until_ms: u64,
    support: u32,
    oppose: u32,
    escalations: u32,
    /// Steps on record (`b"s"` entries 0 to steps - 1).
    steps: u32,
    /// The certificate issued, once approved.
    certificate: Option<u64>,
}

impl Encode for Application {
    fn encode_to(&self, out: &mut Vec<u8>) {
        (
            self.applicant,
            &self.type_id,
            &self.title,
            self.document,
            self.submitted_ms,
        )
            .encode_to(out);
        (
            self.status,
            self.stage,
            self.revision,
            self.stage_deadline_ms,
            self.consultation_until_ms,
        )
            .encode_to(out);
        (
            self.support,
            self.oppose,
            self.escalations,
            self.steps,
            self.certificate,
        )
            .encode_to(out);
    }
}

impl Decode for Application {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (applicant, type_id, title, document, submitted_ms) = Decode::decode_from(r)?;
        let (status, stage, revision, stage_deadline_ms, consultation_until_ms) =
            Decode::decode_from(r)?;
        let (support, oppose, escalations, steps, certificate) = Decode::decode_from(r)?;
        Ok(Application {
            applicant,
            type_id,
            title,
            document,
            submitted_ms,
            status,
            stage,
            revision,
            stage_deadline_ms,
            consultation_until_ms,
            support,
            oppose,
            escalations,
            steps,
            certificate,
        })
    }
}

/// One entry of an application's record: `(at_ms, actor, action, stage, comment, document)`.
type Step = (u64, Address, u8, u32, String, [u8; 32]);

// Application statuses.
const IN_REVIEW: u8 = 0;
const CHANGES_REQUESTED: u8 = 1;
/// Every stage approved; waiting for the consultation to close.
const AWAITING_CONSULTATION: u8 = 2;
const APPROVED: u8 = 3;
const REJECTED: u8 = 4;
const WITHDRAWN: u8 = 5;

// Step actions (also the agencies' decisions).
const APPLIED: u8 = 0;
const APPROVE: u8 = 1;
const REJECT: u8 = 2;
const REQUEST_CHANGES: u8 = 3;
const RESUBMITTED: u8 = 4;
const ESCALATED: u8 = 5;
const WITHDREW: u8 = 6;
const ISSUED: u8 = 7;

const MAX_STAGES: usize = 8;
const MAX_AGENCIES: usize = 8;
const MAX_NAME: usize = 64;
const MAX_TEXT: usize = 512;

const ADMIN: Item<Address> = Item::new(b"admin");
const REGISTRY: Item<Address> = Item::new(b"registry");
const TYPES: Map<String, PermitType> = Map::new(b"k");
const APPLICATIONS: Map<u64, Application> = Map::new(b"a");
const DECISIONS: Map<(u64, u32, u32, Address), u8> = Map::new(b"d");
const STEPS: Map<(u64, u32), Step> = Map::new(b"s");
const VOTES: Map<(u64, Address), (bool, String)> = Map::new(b"v");
const NEXT: Item<u64> = Item::new(b"next");

events! {
    /// The office defined permit type `type_id`.
    type_defined(type_id: String, stages: u32, consultation_ms: u64);
    /// Application `id` for a permit of type `type_id` was filed.
    applied(id: u64, applicant: Address, type_id: String);
    /// `agency` decided on application `id` in `stage` (1 approve, 2 reject, 3 request changes).
    decided(id: u64, stage: u32, agency: Address, decision: u8, comment: String);
    /// Application `id` moved to `stage`, due by `deadline_ms`.
    stage_started(id: u64, stage: u32, deadline_ms: u64);
    /// The applicant resubmitted application `id` with new documents.
    resubmitted(id: u64, revision: u32, document: [u8; 32]);
    /// The office escalated overdue `stage` of application `id`; new deadline `deadline_ms`.
    escalated(id: u64, stage: u32, deadline_ms: u64, note: String);
    /// `account` commented in application `id`'s consultation.
    commented(id: u64, account: Address, support: bool);
    /// Application `id` is approved and issued as certificate `certificate`.
    permit_issued(id: u64, certificate: u64);
    /// Application `id` ended without a permit (4 rejected, 5 withdrawn).
    closed(id: u64, status: u8);
}

fn require_admin() -> Result<(), Error> {
    let admin = ADMIN.get().unwrap_or_default();
    require!(
        env::caller() == admin,
        "only the supervising office {} may do this",
        admin
    );
    Ok(())
}

fn check_text(what: &str, text: &str, max: usize) -> Result<(), Error> {
    require!(
        text.len() <= max,
        "the {} is longer than {} bytes",
        what,
        max
    );
    Ok(())
}

fn load(id: u64) -> Result<Application, Error> {
    match APPLICATIONS.get(&id) {
        Some(a) => Ok(a),
        None => fail!("no application {}", id),
    }
}

fn permit_type(type_id: &String) -> Result<PermitType, Error> {
    match TYPES.get(type_id) {
        Some(t) => Ok(t),
        None => fail!("no permit type {}", type_id),
    }
}

fn record(id: u64, app: &mut Application, action: u8, comment: String, document: [u8; 32]) {
    let step: Step = (
        env::block_time_ms(),
        env::caller(),
        action,
        app.stage,
        comment,
        document,
    );
    STEPS.set(&(id, app.steps), &step);
    app.steps += 1;
}

/// Starts `stage` of `app` now.
fn start_stage(id: u64, app: &mut Application, kind: &PermitType, stage: u32) {
    app.stage = stage;
    app.stage_deadline_ms = env::block_time_ms().saturating_add(kind.stages[stage as usize].1);
    events::stage_started(id, stage, app.stage_deadline_ms);
}

/// The caller, if it is an agency of `app`'s current stage that has not decided yet.
fn deciding_agency(id: u64, app: &Application, kind: &PermitType) -> Result<Address, Error> {
    let agency = env::caller();
    require!(
        app.status == IN_REVIEW,
        "application {} is not in review (status {})",
        id,
        app.status
    );
    let (agencies, _) = &kind.stages[app.stage as usize];
    if !agencies.contains(&agency) {
        let later = kind.stages.iter().position(|(a, _)| a.contains(&agency));
        match later {
            Some(s) => fail!(
                "{} decides in stage {}; application {} is in stage {}",
                agency,
                s,
                id,
                app.stage
            ),
            None => fail!(
                "{} is not an agency on the route of {}",
                agency,
                app.type_id
            ),
        }
    }
    require!(
        !DECISIONS.contains(&(id, app.revision, app.stage, agency)),
        "{} has decided on this stage already",
        agency
    );
    Ok(agency)
}

/// The agencies of the current stage that have not decided on the current revision.
fn pending(id: u64, app: &Application, kind: &PermitType) -> Vec<Address> {
    kind.stages[app.stage as usize]
        .0
        .iter()
        .filter(|a| !DECISIONS.contains(&(id, app.revision, app.stage, **a)))
        .copied()
        .collect()
}

/// `H(32 zero bytes || u32 len || name || u32 len || value)`: a certificate field commitment
/// with a public (zero) salt, since a permit's fields are public.
fn public_commitment(name: &str, value: &str) -> [u8; 32] {
    let mut pre = Vec::with_capacity(40 + name.len() + value.len());
    pre.extend_from_slice(&[0u8; 32]);
    name.encode_to(&mut pre);
    value.encode_to(&mut pre);
    env::hash(&pre)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(2 + 2 * bytes.len());
    s.push_str("0x");
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Issues the permit as a certificate of the registry and closes the application.
fn issue_permit(id: u64, app: &mut Application, kind: &PermitType) -> Result<(), Error> {
    let now = env::block_time_ms();
    let fields: Vec<(String, [u8; 32])> = [
        ("application", format!("{id}")),
        ("title", app.title.clone()),
        ("document", hex(&app.document)),
    ]
    .into_iter()
    .map(|(name, value)| (String::from(name), public_commitment(name, &value)))
    .collect();
    let registry = REGISTRY.get().unwrap_or_default();
    let args = (
        app.applicant,
        &app.type_id,
        now,
        now.saturating_add(kind.validity_ms),
        fields,
    );
    let certificate = match env::call(&registry, "issue", &args, 0, 0) {
        Ok(out) => match u64::decode(&out) {
            Ok(c) => c,
            Err(_) => fail!("the registry {} returned no certificate id", registry),
        },
        Err(e) => fail!(
            "the certificates registry {} refused the permit: {}",
            registry,
            e.reason
        ),
    };
    app.status = APPROVED;
    app.certificate = Some(certificate);
    record(
        id,
        app,
        ISSUED,
        format!("certificate {certificate}"),
        [0; 32],
    );
    events::permit_issued(id, certificate);
    Ok(())
}

/// After the last stage's approval: issue now, or once the consultation closes.
fn complete(id: u64, app: &mut Application, kind: &PermitType) -> Result<(), Error> {
    if env::block_time_ms() >= app.consultation_until_ms {
        issue_permit(id, app, kind)
    } else {
        app.status = AWAITING_CONSULTATION;
        Ok(())
    }
}

/// Records `agency`'s decision and moves the application on.
fn decide(id: u64, decision: u8, comment: String, document: [u8; 32]) -> Result<(), Error> {
    check_text("comment", &comment, MAX_TEXT)?;
    let mut app = load(id)?;
    let kind = permit_type(&app.type_id)?;
    let agency = deciding_agency(id, &app, &kind)?;
    DECISIONS.set(&(id, app.revision, app.stage, agency), &decision);
    record(id, &mut app, decision, comment.clone(), document);
    events::decided(id, app.stage, agency, decision, comment);
    match decision {
        REJECT => {
            app.status = REJECTED;
            events::closed(id, REJECTED);
        }
        REQUEST_CHANGES => app.status = CHANGES_REQUESTED,
        _ if pending(id, &app, &kind).is_empty() => {
            if (app.stage as usize) + 1 < kind.stages.len() {
                let next = app.stage + 1;
                start_stage(id, &mut app, &kind, next);
            } else {
                complete(id, &mut app, &kind)?;
            }
        }
        _ => {}
    }
    APPLICATIONS.set(&id, &app);
    Ok(())
}

contract! {
    /// Makes the deployer the supervising office; permits are issued in `registry`.
    fn init(registry: Address) {
        ADMIN.set(&env::caller());
        REGISTRY.set(&registry);
    }

    /// Defines permit type `type_id` (the office only): `stages` in order, each the agencies
    /// that must all approve and its time limit in ms; the consultation period and the
    /// permit's validity in ms. Also defines the type in the registry, so this contract must
    /// be a registered issuer there.
    fn define_type(
        type_id: String,
        name: String,
        stages: Vec<(Vec<Address>, u64)>,
        consultation_ms: u64,
        validity_ms: u64,
    ) -> Result<(), Error> {
        require_admin()?;
        require!(
            !type_id.is_empty() && type_id.len() <= MAX_NAME && !name.is_empty() && name.len() <= MAX_NAME,
            "the type id and name must be 1 to 64 bytes"
        );
        require!(!TYPES.contains(&type_id), "permit type {} is defined already", type_id);
        require!(
            !stages.is_empty() && stages.len() <= MAX_STAGES,
            "a route has 1 to 8 stages"
        );
        for (i, (agencies, limit_ms)) in stages.iter().enumerate() {
            require!(
                !agencies.is_empty() && agencies.len() <= MAX_AGENCIES,
                "stage {} needs 1 to 8 agencies",
                i
            );
            require!(*limit_ms > 0, "stage {} needs a time limit", i);
            for (j, a) in agencies.iter().enumerate() {
                require!(!agencies[..j].contains(a), "{} appears twice in stage {}", a, i);
            }
        }
        require!(validity_ms > 0, "a permit needs a validity period");
        let registry = REGISTRY.get().unwrap_or_default();
        if let Err(e) = env::call(&registry, "define_type", &(&type_id, &name, false), 0, 0) {
            fail!("the certificates registry {} refused the type: {}", registry, e.reason);
        }
        let count = stages.len() as u32;
        TYPES.set(&type_id, &PermitType { name, stages, consultation_ms, validity_ms });
        events::type_defined(type_id, count, consultation_ms);
        Ok(())
    }

    /// Applies for a permit of type `type_id`, anchoring the documents' hash; returns the
    /// application's id. The first stage and the consultation start now.
    fn apply(type_id: String, title: String, document: [u8; 32]) -> Result<u64, Error> {
        let kind = permit_type(&type_id)?;
        require!(!title.is_empty() && title.len() <= MAX_TEXT, "a title of 1 to 512 bytes is required");
        let id = NEXT.get().unwrap_or(0);
        NEXT.set(&(id + 1));
        let now = env::block_time_ms();
        let mut app = Application {
            applicant: env::caller(),
            type_id: type_id.clone(),
            title,
            document,
            submitted_ms: now,
            status: IN_REVIEW,
            stage: 0,
            revision: 0,
            stage_deadline_ms: 0,
            consultation_until_ms: now.saturating_add(kind.consultation_ms),
            support: 0,
            oppose: 0,
            escalations: 0,
            steps: 0,
            certificate: None,
        };
        record(id, &mut app, APPLIED, String::new(), document);
        events::applied(id, app.applicant, type_id);
        start_stage(id, &mut app, &kind, 0);
        APPLICATIONS.set(&id, &app);
        Ok(id)
    }

    /// Approves application `id` in its current stage (an agency of that stage, once).
    fn approve(id: u64, comment: String, document: [u8; 32]) -> Result<(), Error> {
        decide(id, APPROVE, comment, document)
    }

    /// Rejects application `id` for good (an agency of its current stage).
    fn reject(id: u64, comment: String, document: [u8; 32]) -> Result<(), Error> {
        require!(!comment.is_empty(), "a rejection needs a comment");
        decide(id, REJECT, comment, document)
    }

    /// Sends application `id` back to the applicant for changes (an agency of its current
    /// stage).
    fn request_changes(id: u64, comment: String, document: [u8; 32]) -> Result<(), Error> {
        require!(!comment.is_empty(), "a request for changes needs a comment");
        decide(id, REQUEST_CHANGES, comment, document)
    }

    /// Resubmits application `id` with new documents after a request for changes (its
    /// applicant): the current stage starts again and decides afresh.
    fn resubmit(id: u64, document: [u8; 32], note: String) -> Result<(), Error> {
        check_text("note", &note, MAX_TEXT)?;
        let mut app = load(id)?;
        require!(env::caller() == app.applicant, "only application {}'s applicant may do this", id);
        require!(app.status == CHANGES_REQUESTED, "application {} has no request for changes", id);
        let kind = permit_type(&app.type_id)?;
        app.revision += 1;
        app.document = document;
        app.status = IN_REVIEW;
        record(id, &mut app, RESUBMITTED, note, document);
        events::resubmitted(id, app.revision, document);
        let stage = app.stage;
        start_stage(id, &mut app, &kind, stage);
        APPLICATIONS.set(&id, &app);
        Ok(())
    }

    /// Withdraws application `id` (its applicant, before it is decided).
    fn withdraw(id: u64, reason: String) -> Result<(), Error> {
        check_text("reason", &reason, MAX_TEXT)?;
        let mut app = load(id)?;
        require!(env::caller() == app.applicant, "only application {}'s applicant may do this", id);
        require!(app.status <= AWAITING_CONSULTATION, "application {} is closed", id);
        app.status = WITHDRAWN;
        record(id, &mut app, WITHDREW, reason, [0; 32]);
        events::closed(id, WITHDRAWN);
        APPLICATIONS.set(&id, &app);
        Ok(())
    }

    /// Comments in application `id`'s public consultation, for (`support`) or against: each
    /// account once, while the consultation is open.
    fn comment(id: u64, support: bool, text: String) -> Result<(), Error> {
        check_text("comment", &text, MAX_TEXT)?;
        let mut app = load(id)?;
        let account = env::caller();
        require!(
            env::block_time_ms() < app.consultation_until_ms,
            "application {}'s consultation closed at {} ms",
            id,
            app.consultation_until_ms
        );
        require!(app.status <= AWAITING_CONSULTATION, "application {} is closed", id);
        require!(!VOTES.contains(&(id, account)), "{} has commented on application {} already", account, id);
        VOTES.set(&(id, account), &(support, text));
        if support {
            app.support += 1;
        } else {
            app.oppose += 1;
        }
        APPLICATIONS.set(&id, &app);
        events::commented(id, account, support);
        Ok(())
    }

    /// Issues the permit of application `id` once every stage approved and the consultation
    /// closed (anyone may call it).
    fn finalize(id: u64) -> Result<u64, Error> {
        let mut app = load(id)?;
        require!(
            app.status == AWAITING_CONSULTATION,
            "application {} is not waiting for its consultation (status {})",
            id,
            app.status
        );
        require!(
            env::block_time_ms() >= app.consultation_until_ms,
            "application {}'s consultation is open until {} ms",
            id,
            app.consultation_until_ms
        );
        let kind = permit_type(&app.type_id)?;
        issue_permit(id, &mut app, &kind)?;
        APPLICATIONS.set(&id, &app);
        Ok(app.certificate.unwrap_or_default())
    }

    /// Escalates application `id`'s overdue stage (the office only): recorded with `note`,
    /// and the stage gets a fresh time limit.
    fn escalate(id: u64, note: String) -> Result<(), Error> {
        require_admin()?;
        require!(!note.is_empty(), "an escalation needs a note");
        check_text("note", &note, MAX_TEXT)?;
        let mut app = load(id)?;
        require!(app.status == IN_REVIEW, "application {} is not in review", id);
        require!(
            env::block_time_ms() > app.stage_deadline_ms,
            "stage {} of application {} is not overdue (due at {} ms)",
            app.stage,
            id,
            app.stage_deadline_ms
        );
        let kind = permit_type(&app.type_id)?;
        app.escalations += 1;
        record(id, &mut app, ESCALATED, note.clone(), [0; 32]);
        app.stage_deadline_ms =
            env::block_time_ms().saturating_add(kind.stages[app.stage as usize].1);
        events::escalated(id, app.stage, app.stage_deadline_ms, note);
        APPLICATIONS.set(&id, &app);
        Ok(())
    }

    /// Application `id`: ((applicant, type id, title, document, submitted_ms), (status,
    /// stage, revision, stage_deadline_ms, consultation_until_ms), (support, oppose,
    /// escalations, steps, certificate)); status 0 in review, 1 changes requested, 2 awaiting
    /// the consultation, 3 approved, 4 rejected, 5 withdrawn.
    fn application(
        id: u64,
    ) -> Result<(
        (Address, String, String, [u8; 32], u64),
        (u8, u32, u32, u64, u64),
        (u32, u32, u32, u32, Option<u64>),
    ), Error> {
        let a = load(id)?;
        Ok((
            (a.applicant, a.type_id, a.title, a.document, a.submitted_ms),
            (a.status, a.stage, a.revision, a.stage_deadline_ms, a.consultation_until_ms),
            (a.support, a.oppose, a.escalations, a.steps, a.certificate),
        ))
    }

    /// Whether application `id`'s current stage is overdue, its deadline, and the agencies
    /// that have not decided yet.
    fn overdue(id: u64) -> Result<(bool, u64, Vec<Address>), Error> {
        let app = load(id)?;
        let kind = permit_type(&app.type_id)?;
        let late = app.status == IN_REVIEW && env::block_time_ms() > app.stage_deadline_ms;
        Ok((late, app.stage_deadline_ms, pending(id, &app, &kind)))
    }

    /// The overdue applications among ids `from` to `from + 99`: (id, stage, deadline).
    fn overdue_list(from: u64) -> Vec<(u64, u32, u64)> {
        let end = NEXT.get().unwrap_or(0).min(from.saturating_add(100));
        let now = env::block_time_ms();
        (from..end)
            .filter_map(|id| APPLICATIONS.get(&id).map(|a| (id, a)))
            .filter(|(_, a)| a.status == IN_REVIEW && now > a.stage_deadline_ms)
            .map(|(id, a)| (id, a.stage, a.stage_deadline_ms))
            .collect()
    }

    /// Step `n` of application `id`'s record: (at_ms, actor, action, stage, comment,
    /// document); actions 0 applied, 1 approved, 2 rejected, 3 changes requested,
    /// 4 resubmitted, 5 escalated, 6 withdrawn, 7 issued.
    fn step(id: u64, n: u32) -> Option<(u64, Address, u8, u32, String, [u8; 32])> {
        STEPS.get(&(id, n))
    }

    /// Permit type `type_id`: (name, stages as (agencies, limit_ms), consultation_ms,
    /// validity_ms).
    fn permit_type_of(type_id: String) -> Option<(String, Vec<(Vec<Address>, u64)>, u64, u64)> {
        TYPES.get(&type_id).map(|t| (t.name, t.stages, t.consultation_ms, t.validity_ms))
    }

    /// `account`'s consultation comment on application `id`: (support, text).
    fn vote(id: u64, account: Address) -> Option<(bool, String)> {
        VOTES.get(&(id, account))
    }

    /// How many applications were filed (ids are 0 to count - 1).
    fn count() -> u64 {
        NEXT.get().unwrap_or(0)
    }

    /// The supervising office.
    fn admin() -> Address {
        ADMIN.get().unwrap_or_default()
    }

    /// The certificates registry permits are issued in.
    fn registry() -> Address {
        REGISTRY.get().unwrap_or_default()
    }
}
