//! Government data-catalogue sharing, after Beijing's government data-directory chain. The
//! big-data bureau (the admin) registers agencies. An agency publishes data-set entries: title,
//! schema hash, classification level, update frequency, endpoint reference, keywords, and who
//! approves access. Another agency requests access with a purpose and a duration. The owner
//! approves it, or, for a sensitive class, the several named approving parties must. A grant
//! expires, and the owner can revoke it. The provider logs each access (who, when, the hash of
//! the query) against the grant, so the catalogue shows who used what. An access without a
//! live grant is refused. Anyone searches the catalogue by agency, keyword and classification.
//!
//! Storage (`docs/apps/datashare.md`, "Storage layout"):
//! - `b"admin"`: the big-data bureau; `b"a" || agency`: `(name, active)`;
//! - `b"d" || string(data-set id)`: a [`DataSet`];
//! - `b"q" || request (u64)`: a [`Request`]; `b"g" || (string(data set), request)`: the
//!   data set's requests;
//! - `b"l" || (request, n)`: access `n` under the grant, `(at_ms, query hash)`;
//! - `b"nq"`: the next request id.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::{string::String, vec::Vec};
use citychain_sdk::{
    Address, Decode, DecodeError, Encode, Error, Item, Map, Reader, contract, env, events, fail,
    require,
};

/// A catalogue entry.
struct DataSet {
    owner: Address,
    title: String,
    schema_hash: [u8; 32],
    classification: u8,
    frequency: String,
    endpoint: String,
    keywords: Vec<String>,
    /// Who approves access requests, and how many of them must.
    approvers: Vec<Address>,
    required: u32,
    published_ms: u64,
}

impl Encode for DataSet {
    fn encode_to(&self, out: &mut Vec<u8>) {
        (
            self.owner,
            &self.title,
            self.schema_hash,
            self.classification,
        )
            .encode_to(out);
        (&self.frequency, &self.endpoint, &self.keywords).encode_to(out);
        (&self.approvers, self.required, self.published_ms).encode_to(out);
    }
}

impl Decode for DataSet {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (owner, title, schema_hash, classification) = Decode::decode_from(r)?;
        let (frequency, endpoint, keywords) = Decode::decode_from(r)?;
        let (approvers, required, published_ms) = Decode::decode_from(r)?;
        Ok(DataSet {
            owner,
            title,
            schema_hash,
            classification,
            frequency,
            endpoint,
            keywords,
            approvers,
            required,
            published_ms,
        })
    }
}

/// An access request and, once approved, a grant.
struct Request {
    dataset: String,
    requester: Address,
    purpose: String,
    duration_ms: u64,
    status: u8,
    approvals: Vec<Address>,
    expires_ms: u64,
    accesses: u32,
    /// Why it was rejected or revoked.
    reason: String,
}

impl Encode for Request {
    fn encode_to(&self, out: &mut Vec<u8>) {
        (
            &self.dataset,
            self.requester,
            &self.purpose,
            self.duration_ms,
        )
            .encode_to(out);
        (
            self.status,
            &self.approvals,
            self.expires_ms,
            self.accesses,
            &self.reason,
        )
            .encode_to(out);
    }
}

impl Decode for Request {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (dataset, requester, purpose, duration_ms) = Decode::decode_from(r)?;
        let (status, approvals, expires_ms, accesses, reason) = Decode::decode_from(r)?;
        Ok(Request {
            dataset,
            requester,
            purpose,
            duration_ms,
            status,
            approvals,
            expires_ms,
            accesses,
            reason,
        })
    }
}

// Classification levels.
const PUBLIC: u8 = 0;
/// From this level on, access needs at least two approving parties.
const SENSITIVE: u8 = 2;
const TOP: u8 = 3;

// Request statuses.
const PENDING: u8 = 0;
const GRANTED: u8 = 1;
const REJECTED: u8 = 2;
const REVOKED: u8 = 3;

const MAX_TEXT: usize = 256;
const MAX_KEYWORDS: usize = 16;
const MAX_APPROVERS: usize = 8;
const MAX_FOUND: usize = 50;
const MAX_SCANNED: usize = 500;

const ADMIN: Item<Address> = Item::new(b"admin");
const AGENCIES: Map<Address, (String, bool)> = Map::new(b"a");
const DATASETS: Map<String, DataSet> = Map::new(b"d");
const REQUESTS: Map<u64, Request> = Map::new(b"q");
const BY_DATASET: Map<(String, u64), ()> = Map::new(b"g");
const ACCESS_LOG: Map<(u64, u32), (u64, [u8; 32])> = Map::new(b"l");
const NEXT_REQUEST: Item<u64> = Item::new(b"nq");

events! {
    /// The bureau registered `agency`.
    agency_registered(agency: Address, name: String);
    /// `owner` published data set `id` at `classification`.
    published(id: String, owner: Address, classification: u8);
    /// `requester` asked for data set `dataset` (request `request`).
    requested(request: u64, dataset: String, requester: Address, purpose: String);
    /// `approver` approved request `request` (`approvals` so far).
    approved(request: u64, approver: Address, approvals: u32);
    /// Request `request` is granted until `expires_ms`.
    granted(request: u64, expires_ms: u64);
    /// Request `request` was rejected (2) or its grant revoked (3), for `reason`.
    closed(request: u64, status: u8, reason: String);
    /// The provider logged access `n` under grant `request`.
    accessed(request: u64, n: u32, query_hash: [u8; 32]);
}

fn check_text(what: &str, text: &str, required: bool) -> Result<(), Error> {
    require!(
        text.len() <= MAX_TEXT && (!required || !text.is_empty()),
        "the {} must be {} to 256 bytes",
        what,
        required as u8
    );
    Ok(())
}

fn active_agency() -> Result<Address, Error> {
    let caller = env::caller();
    match AGENCIES.get(&caller) {
        Some((_, true)) => Ok(caller),
        _ => fail!("{} is not a registered agency", caller),
    }
}

fn dataset(id: &String) -> Result<DataSet, Error> {
    match DATASETS.get(id) {
        Some(d) => Ok(d),
        None => fail!("no data set {}", id),
    }
}

fn request(id: u64) -> Result<Request, Error> {
    match REQUESTS.get(&id) {
        Some(r) => Ok(r),
        None => fail!("no request {}", id),
    }
}

/// ASCII-lowercase `text` contains ASCII-lowercase `word`.
fn mentions(text: &str, word: &str) -> bool {
    let (t, w) = (text.as_bytes(), word.as_bytes());
    w.is_empty()
        || t.windows(w.len())
            .any(|win| win.iter().zip(w).all(|(a, b)| a.eq_ignore_ascii_case(b)))
}

contract! {
    /// Makes the deployer the big-data bureau.
    fn init() {
        ADMIN.set(&env::caller());
    }

    /// Registers `agency` (the bureau only).
    fn register_agency(agency: Address, name: String) -> Result<(), Error> {
        let admin = ADMIN.get().unwrap_or_default();
        require!(env::caller() == admin, "only the big-data bureau {} may do this", admin);
        check_text("name", &name, true)?;
        require!(!AGENCIES.contains(&agency), "{} is registered already", agency);
        AGENCIES.set(&agency, &(name.clone(), true));
        events::agency_registered(agency, name);
        Ok(())
    }

    /// Publishes data set `id` (a registered agency, its owner): title, schema hash,
    /// classification (0 public, 1 internal, 2 sensitive, 3 secret), update frequency,
    /// endpoint reference, keywords, and the agencies that approve access with how many must
    /// (for classes 0 and 1 that may be the owner alone; from 2 on, at least two parties).
    fn publish(
        id: String,
        title: String,
        schema_hash: [u8; 32],
        classification: u8,
        frequency: String,
        endpoint: String,
        keywords: Vec<String>,
        approvers: Vec<Address>,
        required: u32,
    ) -> Result<(), Error> {
        let owner = active_agency()?;
        require!(!id.is_empty() && id.len() <= 64, "a data-set id is 1 to 64 bytes");
        require!(!DATASETS.contains(&id), "data set {} is published already", id);
        check_text("title", &title, true)?;
        check_text("frequency", &frequency, false)?;
        check_text("endpoint", &endpoint, true)?;
        require!(classification <= TOP, "classification {} is not 0 to 3", classification);
        require!(keywords.len() <= MAX_KEYWORDS, "at most 16 keywords");
        for k in &keywords {
            require!(!k.is_empty() && k.len() <= 32, "a keyword is 1 to 32 bytes");
        }
        require!(
            !approvers.is_empty() && approvers.len() <= MAX_APPROVERS,
            "1 to 8 approving parties"
        );
        for (i, a) in approvers.iter().enumerate() {
            require!(!approvers[..i].contains(a), "approver {} appears twice", a);
            require!(AGENCIES.get(a).is_some_and(|(_, on)| on), "approver {} is not a registered agency", a);
        }
        require!(
            required >= 1 && required as usize <= approvers.len(),
            "the number of approvals needed must be 1 to {}",
            approvers.len()
        );
        require!(
            classification < SENSITIVE || required >= 2,
            "a data set classified {} needs at least two approving parties",
            classification
        );
        DATASETS.set(&id, &DataSet {
            owner,
            title,
            schema_hash,
            classification,
            frequency,
            endpoint,
            keywords,
            approvers,
            required,
            published_ms: env::block_time_ms(),
        });
        events::published(id, owner, classification);
        Ok(())
    }

    /// Requests access to data set `dataset` for `purpose`, for `duration_ms` once granted
    /// (a registered agency); returns the request id. Public data sets need no request.
    fn request_access(dataset: String, purpose: String, duration_ms: u64) -> Result<u64, Error> {
        let requester = active_agency()?;
        let d = self::dataset(&dataset)?;
        require!(d.classification > PUBLIC, "data set {} is public: no request is needed", dataset);
        require!(requester != d.owner, "the owner needs no access request");
        check_text("purpose", &purpose, true)?;
        require!(duration_ms > 0, "a grant needs a duration");
        let id = NEXT_REQUEST.get().unwrap_or(0);
        NEXT_REQUEST.set(&(id + 1));
        REQUESTS.set(&id, &Request {
            dataset: dataset.clone(),
            requester,
            purpose: purpose.clone(),
            duration_ms,
            status: PENDING,
            approvals: Vec::new(),
            expires_ms: 0,
            accesses: 0,
            reason: String::new(),
        });
        BY_DATASET.set(&(dataset.clone(), id), &());
        events::requested(id, dataset, requester, purpose);
        Ok(id)
    }

    /// Approves request `id` (one of the data set's approving parties, once): granted, from
    /// now for its duration, when enough have approved.
    fn approve(id: u64) -> Result<(), Error> {
        let mut r = request(id)?;
        require!(r.status == PENDING, "request {} is not pending", id);
        let d = dataset(&r.dataset)?;
        let approver = env::caller();
        require!(d.approvers.contains(&approver), "{} does not approve access to {}", approver, r.dataset);
        require!(!r.approvals.contains(&approver), "{} has approved request {} already", approver, id);
        r.approvals.push(approver);
        let count = r.approvals.len() as u32;
        events::approved(id, approver, count);
        if count >= d.required {
            r.status = GRANTED;
            r.expires_ms = env::block_time_ms().saturating_add(r.duration_ms);
            events::granted(id, r.expires_ms);
        }
        REQUESTS.set(&id, &r);
        Ok(())
    }

    /// Rejects pending request `id` (one of the approving parties).
    fn reject(id: u64, reason: String) -> Result<(), Error> {
        let mut r = request(id)?;
        require!(r.status == PENDING, "request {} is not pending", id);
        let d = dataset(&r.dataset)?;
        require!(d.approvers.contains(&env::caller()), "{} does not approve access to {}", env::caller(), r.dataset);
        check_text("reason", &reason, true)?;
        r.status = REJECTED;
        r.reason = reason.clone();
        REQUESTS.set(&id, &r);
        events::closed(id, REJECTED, reason);
        Ok(())
    }

    /// Revokes grant `id` (the data set's owner).
    fn revoke(id: u64, reason: String) -> Result<(), Error> {
        let mut r = request(id)?;
        let d = dataset(&r.dataset)?;
        require!(env::caller() == d.owner, "only data set {}'s owner may revoke", r.dataset);
        require!(r.status == GRANTED, "request {} is not a grant", id);
        check_text("reason", &reason, true)?;
        r.status = REVOKED;
        r.reason = reason.clone();
        REQUESTS.set(&id, &r);
        events::closed(id, REVOKED, reason);
        Ok(())
    }

    /// Logs an access under grant `id` (the data set's owner, as the provider): the hash of
    /// the query served. Refused unless the grant is live (approved, not expired or revoked).
    fn log_access(id: u64, query_hash: [u8; 32]) -> Result<u32, Error> {
        let mut r = request(id)?;
        let d = dataset(&r.dataset)?;
        require!(env::caller() == d.owner, "only data set {}'s owner logs its accesses", r.dataset);
        require!(r.status == GRANTED, "request {} is not a live grant (status {})", id, r.status);
        require!(
            env::block_time_ms() < r.expires_ms,
            "grant {} expired at {} ms",
            id,
            r.expires_ms
        );
        let n = r.accesses;
        ACCESS_LOG.set(&(id, n), &(env::block_time_ms(), query_hash));
        r.accesses += 1;
        REQUESTS.set(&id, &r);
        events::accessed(id, n, query_hash);
        Ok(n)
    }

    /// Data set `id`: ((owner, title, schema hash, classification), (frequency, endpoint,
    /// keywords), (approvers, required, published_ms)).
    fn dataset_of(id: String) -> Result<(
        (Address, String, [u8; 32], u8),
        (String, String, Vec<String>),
        (Vec<Address>, u32, u64),
    ), Error> {
        let d = dataset(&id)?;
        Ok((
            (d.owner, d.title, d.schema_hash, d.classification),
            (d.frequency, d.endpoint, d.keywords),
            (d.approvers, d.required, d.published_ms),
        ))
    }

    /// Request `id`: ((data set, requester, purpose, duration_ms), (status, approvals,
    /// expires_ms, accesses, reason)); status 0 pending, 1 granted, 2 rejected, 3 revoked (a
    /// grant past `expires_ms` has expired).
    fn request_of(id: u64) -> Result<(
        (String, Address, String, u64),
        (u8, Vec<Address>, u64, u32, String),
    ), Error> {
        let r = request(id)?;
        Ok((
            (r.dataset, r.requester, r.purpose, r.duration_ms),
            (r.status, r.approvals, r.expires_ms, r.accesses, r.reason),
        ))
    }

    /// Who used data set `dataset`: each request with (request, requester, status,
    /// expires_ms, accesses), at most 100.
    fn usage_of(dataset: String) -> Vec<(u64, Address, u8, u64, u32)> {
        BY_DATASET
            .iter_at(&(dataset.clone(), 0))
            .take_while(|((d, _), ())| *d == dataset)
            .take(100)
            .filter_map(|((_, id), ())| REQUESTS.get(&id).map(|r| (id, r.requester, r.status, r.expires_ms, r.accesses)))
            .collect()
    }

    /// Accesses `from` onwards under grant `id`: (n, at_ms, query hash), at most 100.
    fn accesses_of(id: u64, from: u32) -> Vec<(u32, u64, [u8; 32])> {
        ACCESS_LOG
            .iter_at(&(id, from))
            .take_while(|((r, _), _)| *r == id)
            .take(100)
            .map(|((_, n), (at, hash))| (n, at, hash))
            .collect()
    }

    /// The catalogue's entries, optionally only `owner`'s, with `keyword` among their keywords
    /// or in their title (ignoring ASCII case), classified at most `max_classification`:
    /// (id, title, owner, classification), in the order of their ids' encoding (shorter ids
    /// first), at most 50, and the id to continue after (none when done). Reads at most 500
    /// entries per call.
    fn search(
        owner: Option<Address>,
        keyword: Option<String>,
        max_classification: Option<u8>,
        after: Option<String>,
    ) -> (Vec<(String, String, Address, u8)>, Option<String>) {
        let mut found = Vec::new();
        let mut entries = DATASETS.iter_from(after.as_ref());
        for scanned in 0..MAX_SCANNED {
            let Some((id, d)) = entries.next() else {
                return (found, None);
            };
            let matches = owner.is_none_or(|o| o == d.owner)
                && max_classification.is_none_or(|m| d.classification <= m)
                && keyword.as_ref().is_none_or(|k| {
                    d.keywords.iter().any(|w| w.eq_ignore_ascii_case(k)) || mentions(&d.title, k)
                });
            if matches {
                found.push((id.clone(), d.title, d.owner, d.classification));
            }
            if found.len() == MAX_FOUND || scanned + 1 == MAX_SCANNED {
                return (found, Some(id));
            }
        }
        (found, None)
    }

    /// Agency `agency`: (name, active).
    fn agency(agency: Address) -> Option<(String, bool)> {
        AGENCIES.get(&agency)
    }
}
