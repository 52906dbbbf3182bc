//! E-certificates and licences: registered issuing agencies issue certificates (a degree, a
//! business licence, a qualification, a property certificate) to holders. A certificate
//! records its issuer, holder, type, validity period and a salted-hash commitment to each
//! field, never the fields themselves, so its holder can disclose some fields and keep the
//! rest private; anyone holding a finalized header can check a disclosure against the proven
//! record (`docs/apps/certificates.md`).
//!
//! Storage (each value the canonical encoding of the tuple shown):
//! - `b"admin"`: the registry's admin (who registers and retires issuers);
//! - `b"i" || issuer`: `(name, registered_at_ms, retired_at_ms)` (0: not retired);
//! - `b"t" || issuer || type id`: `(name, transferable)`;
//! - `b"c" || id (u64)`: `((issuer, holder, type id, issued_at_ms), (valid_from_ms,
//!   valid_until_ms), (status, reason, status_changed_at_ms), [(field name, commitment)])`,
//!   status 0 valid, 1 suspended, 2 revoked;
//! - `b"next"`: the next certificate id.
//!
//! A field's commitment is `H(salt (32 bytes) || u32 len || name || u32 len || value)` with the
//! chain's hash; the issuer computes it off chain and gives the holder the salts.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::{string::String, vec::Vec};
use citychain_sdk::{Address, Error, Item, Map, contract, env, events, fail, require};

/// `(name, registered_at_ms, retired_at_ms)`.
type Issuer = (String, u64, u64);
/// `(field name, commitment)`.
type Field = (String, [u8; 32]);
/// A certificate as stored (see the crate documentation).
type Certificate = (
    (Address, Address, String, u64),
    (u64, u64),
    (u8, String, u64),
    Vec<Field>,
);

const VALID: u8 = 0;
const SUSPENDED: u8 = 1;
const REVOKED: u8 = 2;

/// Most fields one certificate commits to.
const MAX_FIELDS: usize = 32;
/// Longest name (issuer, type, field) and type id.
const MAX_NAME: usize = 64;
/// Longest reason.
const MAX_REASON: usize = 256;

const ADMIN: Item<Address> = Item::new(b"admin");
const ISSUERS: Map<Address, Issuer> = Map::new(b"i");
const TYPES: Map<(Address, String), (String, bool)> = Map::new(b"t");
const CERTS: Map<u64, Certificate> = Map::new(b"c");
const NEXT: Item<u64> = Item::new(b"next");

events! {
    /// The admin registered `issuer` as an issuing agency.
    issuer_registered(issuer: Address, name: String);
    /// The admin retired `issuer`: it issues no more; what it issued before stays valid.
    issuer_retired(issuer: Address, reason: String);
    /// `issuer` defined certificate type `type_id`.
    type_defined(issuer: Address, type_id: String, transferable: bool);
    /// Certificate `id` was issued to `holder`.
    issued(id: u64, issuer: Address, holder: Address, type_id: String);
    /// Certificate `id` is now `status` (0 valid, 1 suspended, 2 revoked), for `reason`.
    status_changed(id: u64, status: u8, reason: String);
    /// Certificate `id` is now valid until `valid_until_ms`.
    renewed(id: u64, valid_until_ms: u64);
    /// Certificate `id` moved from `from` to `to`.
    transferred(id: u64, from: Address, to: Address);
}

fn require_admin() -> Result<(), Error> {
    let admin = ADMIN.get().unwrap_or_default();
    require!(
        env::caller() == admin,
        "only the registry's admin {} may do this",
        admin
    );
    Ok(())
}

fn check_name(what: &str, name: &str) -> Result<(), Error> {
    require!(
        !name.is_empty() && name.len() <= MAX_NAME,
        "the {} must be 1 to 64 bytes",
        what
    );
    Ok(())
}

fn check_reason(reason: &str) -> Result<(), Error> {
    require!(
        !reason.is_empty() && reason.len() <= MAX_REASON,
        "a reason of 1 to 256 bytes is required"
    );
    Ok(())
}

/// The caller, which must be an issuer registered and not retired.
fn active_issuer() -> Result<Address, Error> {
    let caller = env::caller();
    match ISSUERS.get(&caller) {
        Some((_, _, 0)) => Ok(caller),
        Some(_) => fail!("issuer {} is retired", caller),
        None => fail!("{} is not a registered issuer", caller),
    }
}

fn load(id: u64) -> Result<Certificate, Error> {
    match CERTS.get(&id) {
        Some(c) => Ok(c),
        None => fail!("no certificate {}", id),
    }
}

/// Loads certificate `id` for its issuer (the caller).
fn issued_by_caller(id: u64) -> Result<Certificate, Error> {
    let cert = load(id)?;
    require!(
        cert.0.0 == env::caller(),
        "only certificate {}'s issuer {} may do this",
        id,
        cert.0.0
    );
    Ok(cert)
}

fn set_status(id: u64, status: u8, reason: String) -> Result<(), Error> {
    let mut cert = issued_by_caller(id)?;
    require!(
        cert.2.0 != REVOKED,
        "certificate {} is revoked for good",
        id
    );
    cert.2 = (status, reason.clone(), env::block_time_ms());
    CERTS.set(&id, &cert);
    events::status_changed(id, status, reason);
    Ok(())
}

contract! {
    /// Makes the deployer the registry's admin.
    fn init() {
        ADMIN.set(&env::caller());
    }

    /// Registers `issuer` (an agency's account) under `name`; the admin only.
    fn register_issuer(issuer: Address, name: String) -> Result<(), Error> {
        require_admin()?;
        check_name("issuer name", &name)?;
        require!(!ISSUERS.contains(&issuer), "{} is registered already", issuer);
        ISSUERS.set(&issuer, &(name.clone(), env::block_time_ms(), 0));
        events::issuer_registered(issuer, name);
        Ok(())
    }

    /// Retires `issuer`: it can issue no more, and what it issued before stays valid.
    fn retire_issuer(issuer: Address, reason: String) -> Result<(), Error> {
        require_admin()?;
        check_reason(&reason)?;
        let Some((name, registered, retired)) = ISSUERS.get(&issuer) else {
            fail!("{} is not a registered issuer", issuer);
        };
        require!(retired == 0, "issuer {} is retired already", issuer);
        ISSUERS.set(&issuer, &(name, registered, env::block_time_ms()));
        events::issuer_retired(issuer, reason);
        Ok(())
    }

    /// Defines a certificate type the caller (an issuer) issues; `transferable` types may
    /// change holder (a property certificate), others never (a degree).
    fn define_type(type_id: String, name: String, transferable: bool) -> Result<(), Error> {
        let issuer = active_issuer()?;
        check_name("type id", &type_id)?;
        check_name("type name", &name)?;
        let key = (issuer, type_id.clone());
        require!(!TYPES.contains(&key), "type {} is defined already", type_id);
        TYPES.set(&key, &(name, transferable));
        events::type_defined(issuer, type_id, transferable);
        Ok(())
    }

    /// Issues a certificate of the caller's type `type_id` to `holder`, valid from
    /// `valid_from_ms` until `valid_until_ms`, committing to `fields`; returns its id.
    fn issue(
        holder: Address,
        type_id: String,
        valid_from_ms: u64,
        valid_until_ms: u64,
        fields: Vec<(String, [u8; 32])>,
    ) -> Result<u64, Error> {
        let issuer = active_issuer()?;
        require!(
            TYPES.contains(&(issuer, type_id.clone())),
            "{} defines no type {}",
            issuer,
            type_id
        );
        require!(
            valid_until_ms > valid_from_ms,
            "the validity must end after it starts"
        );
        require!(
            !fields.is_empty() && fields.len() <= MAX_FIELDS,
            "a certificate commits to 1 to 32 fields"
        );
        for (i, (name, _)) in fields.iter().enumerate() {
            check_name("field name", name)?;
            require!(
                !fields[..i].iter().any(|(n, _)| n == name),
                "field {} appears twice",
                name
            );
        }
        let id = NEXT.get().unwrap_or(0);
        NEXT.set(&(id + 1));
        let now = env::block_time_ms();
        let cert: Certificate = (
            (issuer, holder, type_id.clone(), now),
            (valid_from_ms, valid_until_ms),
            (VALID, String::new(), now),
            fields,
        );
        CERTS.set(&id, &cert);
        events::issued(id, issuer, holder, type_id);
        Ok(id)
    }

    /// Suspends certificate `id` for `reason` (its issuer only; `reinstate` undoes it).
    fn suspend(id: u64, reason: String) -> Result<(), Error> {
        check_reason(&reason)?;
        set_status(id, SUSPENDED, reason)
    }

    /// Makes a suspended certificate valid again (its issuer only).
    fn reinstate(id: u64) -> Result<(), Error> {
        require!(load(id)?.2.0 == SUSPENDED, "certificate {} is not suspended", id);
        set_status(id, VALID, String::new())
    }

    /// Revokes certificate `id` for good, for `reason` (its issuer only).
    fn revoke(id: u64, reason: String) -> Result<(), Error> {
        check_reason(&reason)?;
        set_status(id, REVOKED, reason)
    }

    /// Extends certificate `id` until `valid_until_ms` (its issuer only; not once revoked).
    fn renew(id: u64, valid_until_ms: u64) -> Result<(), Error> {
        let mut cert = issued_by_caller(id)?;
        require!(cert.2.0 != REVOKED, "certificate {} is revoked for good", id);
        require!(
            valid_until_ms > cert.1.1,
            "a renewal must end later than {} ms",
            cert.1.1
        );
        cert.1.1 = valid_until_ms;
        CERTS.set(&id, &cert);
        events::renewed(id, valid_until_ms);
        Ok(())
    }

    /// Gives certificate `id` to `to` (its holder only; a valid certificate of a
    /// transferable type).
    fn transfer(id: u64, to: Address) -> Result<(), Error> {
        let mut cert = load(id)?;
        let from = env::caller();
        require!(cert.0.1 == from, "only certificate {}'s holder may transfer it", id);
        require!(cert.2.0 == VALID, "certificate {} is not valid", id);
        let (_, transferable) = TYPES
            .get(&(cert.0.0, cert.0.2.clone()))
            .unwrap_or_default();
        require!(transferable, "certificates of type {} cannot change holder", cert.0.2);
        cert.0.1 = to;
        CERTS.set(&id, &cert);
        events::transferred(id, from, to);
        Ok(())
    }

    /// Certificate `id` as stored: ((issuer, holder, type id, issued_at_ms), (valid_from_ms,
    /// valid_until_ms), (status, reason, status_changed_at_ms), fields).
    fn certificate(
        id: u64,
    ) -> Option<(
        (Address, Address, String, u64),
        (u64, u64),
        (u8, String, u64),
        Vec<(String, [u8; 32])>,
    )> {
        CERTS.get(&id)
    }

    /// Issuer `issuer`: (name, registered_at_ms, retired_at_ms), retired 0 if active.
    fn issuer(issuer: Address) -> Option<(String, u64, u64)> {
        ISSUERS.get(&issuer)
    }

    /// Type `type_id` of `issuer`: (name, transferable).
    fn type_of(issuer: Address, type_id: String) -> Option<(String, bool)> {
        TYPES.get(&(issuer, type_id))
    }

    /// How many certificates were issued (ids are 0 to count - 1).
    fn count() -> u64 {
        NEXT.get().unwrap_or(0)
    }

    /// The registry's admin.
    fn admin() -> Address {
        ADMIN.get().unwrap_or_default()
    }
}
