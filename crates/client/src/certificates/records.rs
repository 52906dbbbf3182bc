//! The certificates contract's storage as a verifier reads it: keys, records, and the
//! arguments of `issue`.

use super::{CertError, MAX_FIELDS, MAX_NAME};
use citychain_crypto::{Address, Hash};
use citychain_types::{
    Decode, DecodeError,
    codec::{Reader, Writer},
};
use serde::Serialize;

/// The arguments of the contract's `issue` method: `holder, type_id, valid_from_ms,
/// valid_until_ms, fields` with each field's commitment.
pub fn issue_args(
    holder: &Address,
    type_id: &str,
    valid_from_ms: u64,
    valid_until_ms: u64,
    fields: &[(String, Hash)],
) -> Vec<u8> {
    let mut w = Writer::new();
    w.put(holder)
        .string(type_id)
        .u64(valid_from_ms)
        .u64(valid_until_ms)
        .list(fields, |w, (name, c)| {
            w.string(name).raw(&c.0);
        });
    w.into_bytes()
}

/// The contract's own storage key of certificate `id`: `"c" || u64_be(id)`.
pub fn certificate_key(id: u64) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(b"c").u64(id);
    w.into_bytes()
}

/// The contract's own storage key of an issuer's record: `"i" || issuer`.
pub fn issuer_key(issuer: &Address) -> Vec<u8> {
    [b"i".as_slice(), &issuer.0].concat()
}

/// The contract's own storage key of an issuer's type: `"t" || issuer || string(type id)`.
pub fn type_key(issuer: &Address, type_id: &str) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(b"t").put(issuer).string(type_id);
    w.into_bytes()
}

/// A certificate as the contract stores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertificateRecord {
    /// The issuing agency's account.
    pub issuer: Address,
    /// The holder's account.
    pub holder: Address,
    /// The issuer's type id (`degree`).
    pub type_id: String,
    /// Block time of issue.
    pub issued_at_ms: u64,
    /// Valid from this time…
    pub valid_from_ms: u64,
    /// …until (excluding) this time.
    pub valid_until_ms: u64,
    /// [`VALID`], [`SUSPENDED`] or [`REVOKED`].
    pub status: u8,
    /// The reason given for the last status change.
    pub reason: String,
    /// Block time of the last status change (of issue, if none).
    pub changed_at_ms: u64,
    /// `(name, commitment)` of every field.
    pub fields: Vec<(String, Hash)>,
}

fn record_error(what: &'static str) -> impl Fn(DecodeError) -> CertError {
    move |e| CertError::Record {
        what,
        detail: e.to_string(),
    }
}

impl CertificateRecord {
    /// Decodes the stored value (`docs/apps/certificates.md`, "Storage layout").
    pub fn decode(bytes: &[u8]) -> Result<Self, CertError> {
        let mut r = Reader::new(bytes);
        let read = |r: &mut Reader<'_>| -> Result<Self, DecodeError> {
            Ok(CertificateRecord {
                issuer: Address::decode_from(r)?,
                holder: Address::decode_from(r)?,
                type_id: r.string("type id", MAX_NAME)?,
                issued_at_ms: r.u64("issued at")?,
                valid_from_ms: r.u64("valid from")?,
                valid_until_ms: r.u64("valid until")?,
                status: r.u8("status")?,
                reason: r.string("reason", 1_024)?,
                changed_at_ms: r.u64("changed at")?,
                fields: r.list("fields", MAX_FIELDS, |r| {
                    Ok((
                        r.string("field name", MAX_NAME)?,
                        Hash(r.array("commitment")?),
                    ))
                })?,
            })
        };
        let record = read(&mut r).map_err(record_error("certificate"))?;
        r.finish("certificate")
            .map_err(record_error("certificate"))?;
        Ok(record)
    }
}

/// An issuing agency's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IssuerRecord {
    /// The agency's name as registered.
    pub name: String,
    /// Block time of registration.
    pub registered_at_ms: u64,
    /// Block time of retirement, 0 while active.
    pub retired_at_ms: u64,
}

impl IssuerRecord {
    /// Decodes the stored value.
    pub fn decode(bytes: &[u8]) -> Result<Self, CertError> {
        let mut r = Reader::new(bytes);
        let record = IssuerRecord {
            name: r.string("name", MAX_NAME).map_err(record_error("issuer"))?,
            registered_at_ms: r.u64("registered at").map_err(record_error("issuer"))?,
            retired_at_ms: r.u64("retired at").map_err(record_error("issuer"))?,
        };
        r.finish("issuer").map_err(record_error("issuer"))?;
        Ok(record)
    }

    /// Whether the agency could issue at `ms`: registered by then and not retired before.
    pub fn had_authority_at(&self, ms: u64) -> bool {
        self.registered_at_ms <= ms && (self.retired_at_ms == 0 || ms <= self.retired_at_ms)
    }
}

/// A certificate type's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TypeRecord {
    /// Its name (`University degree`).
    pub name: String,
    /// Whether its certificates may change holder.
    pub transferable: bool,
}

impl TypeRecord {
    /// Decodes the stored value.
    pub fn decode(bytes: &[u8]) -> Result<Self, CertError> {
        let mut r = Reader::new(bytes);
        let record = TypeRecord {
            name: r.string("name", MAX_NAME).map_err(record_error("type"))?,
            transferable: r.bool("transferable").map_err(record_error("type"))?,
        };
        r.finish("type").map_err(record_error("type"))?;
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_authority_covers_its_tenure_only() {
        let issuer = IssuerRecord {
            name: "bureau".into(),
            registered_at_ms: 100,
            retired_at_ms: 200,
        };
        assert!(!issuer.had_authority_at(99));
        assert!(issuer.had_authority_at(100));
        assert!(issuer.had_authority_at(200));
        assert!(!issuer.had_authority_at(201));
        let active = IssuerRecord {
            retired_at_ms: 0,
            ..issuer
        };
        assert!(active.had_authority_at(u64::MAX));
    }
}
