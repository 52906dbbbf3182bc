//! Traceability (`contracts/trace`, `docs/apps/trace.md`): the contract's storage keys and
//! records as a verifier reads them, so that a batch's lineage can be proven record by record.

use citychain_crypto::Address;
use citychain_types::{
    Decode, DecodeError,
    codec::{Reader, Writer},
};
use serde::Serialize;

/// Longest product code the contract accepts.
pub const MAX_CODE: usize = 128;

/// The contract's own key of batch `code`: `"b" || string(code)`.
pub fn batch_key(code: &str) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(b"b").string(code);
    w.into_bytes()
}

/// The contract's own key of event `n` of batch `code`: `"e" || string(code) || u32 n`.
pub fn event_key(code: &str, n: u32) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(b"e").string(code).u32(n);
    w.into_bytes()
}

/// The contract's own key of the lineage link `parent → child`:
/// `"c" || string(parent) || string(child)`.
pub fn link_key(parent: &str, child: &str) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(b"c").string(parent).string(child);
    w.into_bytes()
}

/// A batch as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Batch {
    /// What it is (`raw milk`, `container`).
    pub product: String,
    /// Who commissioned or produced it.
    pub producer: Address,
    /// Who holds it now.
    pub holder: Address,
    /// Whom it was shipped to, while in transit.
    pub shipped_to: Option<Address>,
    /// 0 active, 1 in transit, 2 consumed, 3 packed, 4 recalled.
    pub status: u8,
    /// How much, in `unit`.
    pub quantity: u64,
    /// The unit of `quantity`.
    pub unit: String,
    /// Where it was made.
    pub origin: String,
    /// `(name, value)` attributes.
    pub attributes: Vec<(String, String)>,
    /// The cold-chain range in thousandths of a degree.
    pub cold_chain: Option<(i64, i64)>,
    /// Temperature readings out of that range.
    pub excursions: u32,
    /// Inspections failed.
    pub inspections_failed: u32,
    /// The batches it was made from.
    pub parents: Vec<String>,
    /// The container it is packed in.
    pub container: Option<String>,
    /// Its event count (events 0 to `events - 1`).
    pub events: u32,
    /// Why it was recalled, if it was.
    pub recall_reason: String,
}

/// The name of batch status `status`.
pub fn status_name(status: u8) -> &'static str {
    match status {
        0 => "active",
        1 => "in transit",
        2 => "consumed",
        3 => "packed",
        4 => "RECALLED",
        _ => "unknown",
    }
}

fn address(r: &mut Reader<'_>) -> Result<Address, DecodeError> {
    Address::decode_from(r)
}

fn text(r: &mut Reader<'_>, field: &'static str) -> Result<String, DecodeError> {
    r.string(field, 1_024)
}

fn texts(r: &mut Reader<'_>, field: &'static str) -> Result<Vec<String>, DecodeError> {
    r.list(field, 64, |r| text(r, field))
}

impl Batch {
    /// Decodes the stored value (`docs/apps/trace.md`, "Storage layout").
    pub fn decode(bytes: &[u8]) -> Result<Batch, DecodeError> {
        let mut r = Reader::new(bytes);
        let batch = Batch {
            product: text(&mut r, "product")?,
            producer: address(&mut r)?,
            holder: address(&mut r)?,
            shipped_to: r.option("shipped to", address)?,
            status: r.u8("status")?,
            quantity: r.u64("quantity")?,
            unit: text(&mut r, "unit")?,
            origin: text(&mut r, "origin")?,
            attributes: r.list("attributes", 64, |r| {
                Ok((text(r, "attribute")?, text(r, "value")?))
            })?,
            cold_chain: r.option("cold chain", |r| {
                Ok((r.u64("min")? as i64, r.u64("max")? as i64))
            })?,
            excursions: r.u32("excursions")?,
            inspections_failed: r.u32("inspections failed")?,
            parents: texts(&mut r, "parents")?,
            container: r.option("container", |r| text(r, "container"))?,
            events: r.u32("events")?,
            recall_reason: text(&mut r, "recall reason")?,
        };
        r.finish("batch")?;
        Ok(batch)
    }
}

/// An event as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    /// Block time.
    pub time_ms: u64,
    /// Who recorded it.
    pub actor: Address,
    /// 0 object, 1 aggregation, 2 transaction, 3 transformation.
    pub kind: u8,
    /// 0 add, 1 observe, 2 delete.
    pub action: u8,
    /// The EPCIS business step (`shipping`, `receiving`, `inspecting`…).
    pub biz_step: String,
    /// The EPCIS disposition (`in_transit`, `active`, `recalled`…).
    pub disposition: String,
    /// Where (read point or business location).
    pub place: String,
    /// Sensor readings `(type, value in thousandths, time_ms)`.
    pub readings: Vec<(String, i64, u64)>,
    /// The other batches concerned.
    pub related: Vec<String>,
    /// A business transaction, a certificate reference or a reason.
    pub detail: String,
}

impl Event {
    /// Decodes the stored value.
    pub fn decode(bytes: &[u8]) -> Result<Event, DecodeError> {
        let mut r = Reader::new(bytes);
        let event = Event {
            time_ms: r.u64("time")?,
            actor: address(&mut r)?,
            kind: r.u8("kind")?,
            action: r.u8("action")?,
            biz_step: text(&mut r, "business step")?,
            disposition: text(&mut r, "disposition")?,
            place: text(&mut r, "place")?,
            readings: r.list("readings", 64, |r| {
                Ok((text(r, "reading")?, r.u64("value")? as i64, r.u64("time")?))
            })?,
            related: texts(&mut r, "related")?,
            detail: text(&mut r, "detail")?,
        };
        r.finish("event")?;
        Ok(event)
    }

    /// The EPCIS event type's name.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            0 => "ObjectEvent",
            1 => "AggregationEvent",
            2 => "TransactionEvent",
            3 => "TransformationEvent",
            _ => "unknown",
        }
    }
}
