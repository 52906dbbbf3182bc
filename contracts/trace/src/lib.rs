//! Supply-chain traceability (cold-chain food, medicines), with events shaped after GS1 EPCIS
//! 2.0, so that data from existing EPCIS systems maps onto it. Parties (producers, carriers,
//! warehouses, retailers, inspectors, processors) are registered by the market regulator (the
//! admin). Everything happens to *batches*, identified by a product code (an EPC class such as
//! an LGTIN, or a container's SSCC). Each batch keeps the events that happened to it:
//! - object events: commissioning by a producer, observations with sensor readings;
//! - custody hand-overs in two steps. The holder ships to a party, and the receiving party
//!   signs the receipt with its own transaction, so no one becomes a holder without saying so;
//! - aggregation events: packing batches into a container that travels with them;
//! - transaction events: links to business documents (an order, an invoice);
//! - transformation events: inputs consumed into new batches, which split or merge, and keep
//!   their lineage;
//! - inspections, which pass or fail with a certificate reference.
//!
//! A recall of a batch marks it and every descendant, through transformations and packing.
//! Cold-chain readings outside a batch's range count as excursions on it.
//!
//! Storage (`docs/apps/trace.md`, "Storage layout"):
//! - `b"admin"`; `b"p" || party`: `(name, role, location)`;
//! - `b"b" || string(code)`: a [`Batch`];
//! - `b"e" || (string(code), n)`: the batch's event `n`, an [`Event`];
//! - `b"c" || (string(parent), string(child))`: the lineage, parent to child (inputs to
//!   outputs, container to contents).

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::{string::String, vec, vec::Vec};
use citychain_sdk::{
    Address, Decode, DecodeError, Encode, Error, Item, Map, Reader, contract, env, events, fail,
    require,
};

/// A batch (a lot of a product, or a container).
struct Batch {
    product: String,
    producer: Address,
    holder: Address,
    /// The party it was shipped to and has not yet received it.
    shipped_to: Option<Address>,
    status: u8,
    quantity: u64,
    unit: String,
    origin: String,
    attributes: Vec<(String, String)>,
    /// Cold-chain range `(min, max)` in thousandths of a degree, if any.
    cold_chain: Option<(i64, i64)>,
    excursions: u32,
    inspections_failed: u32,
    /// What it came from: transformation inputs; for a container's contents, nothing.
    parents: Vec<String>,
    /// The container it is packed in.
    container: Option<String>,
    events: u32,
    recall_reason: String,
}

impl Encode for Batch {
    fn encode_to(&self, out: &mut Vec<u8>) {
        (
            &self.product,
            self.producer,
            self.holder,
            self.shipped_to,
            self.status,
        )
            .encode_to(out);
        (
            self.quantity,
            &self.unit,
            &self.origin,
            &self.attributes,
            self.cold_chain,
        )
            .encode_to(out);
        (
            self.excursions,
            self.inspections_failed,
            &self.parents,
            &self.container,
        )
            .encode_to(out);
        (self.events, &self.recall_reason).encode_to(out);
    }
}

impl Decode for Batch {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (product, producer, holder, shipped_to, status) = Decode::decode_from(r)?;
        let (quantity, unit, origin, attributes, cold_chain) = Decode::decode_from(r)?;
        let (excursions, inspections_failed, parents, container) = Decode::decode_from(r)?;
        let (events, recall_reason) = Decode::decode_from(r)?;
        Ok(Batch {
            product,
            producer,
            holder,
            shipped_to,
            status,
            quantity,
            unit,
            origin,
            attributes,
            cold_chain,
            excursions,
            inspections_failed,
            parents,
            container,
            events,
            recall_reason,
        })
    }
}

/// An EPCIS-shaped event: `((time_ms, actor, kind, action), (biz_step, disposition, place),
/// (readings, related, detail))`. Kinds: 0 object, 1 aggregation, 2 transaction,
/// 3 transformation. Actions: 0 add, 1 observe, 2 delete. `readings` are `(type, value in
/// thousandths, time_ms)`; `related` are the other batches concerned (container, contents,
/// inputs, outputs); `detail` is a business transaction, a certificate reference or a reason.
type Event = (
    (u64, Address, u8, u8),
    (String, String, String),
    (Vec<(String, i64, u64)>, Vec<String>, String),
);

// Party roles.
const PRODUCER: u8 = 0;
const INSPECTOR: u8 = 4;
const PROCESSOR: u8 = 5;
const MAX_ROLE: u8 = 5;

// Batch statuses.
const ACTIVE: u8 = 0;
const IN_TRANSIT: u8 = 1;
const CONSUMED: u8 = 2;
const PACKED: u8 = 3;
const RECALLED: u8 = 4;

// Event kinds and actions.
const OBJECT: u8 = 0;
const AGGREGATION: u8 = 1;
const TRANSACTION: u8 = 2;
const TRANSFORMATION: u8 = 3;
const ADD: u8 = 0;
const OBSERVE: u8 = 1;
const DELETE: u8 = 2;

const MAX_CODE: usize = 128;
const MAX_TEXT: usize = 128;
const MAX_LIST: usize = 32;
/// Batches one recall marks at most (the rest needs another recall from where it stopped).
const MAX_RECALLED: usize = 256;

const ADMIN: Item<Address> = Item::new(b"admin");
const PARTIES: Map<Address, (String, u8, String)> = Map::new(b"p");
const BATCHES: Map<String, Batch> = Map::new(b"b");
const EVENTS: Map<(String, u32), Event> = Map::new(b"e");
const CHILDREN: Map<(String, String), ()> = Map::new(b"c");

events! {
    /// The regulator registered `party` with `role`.
    party_registered(party: Address, role: u8, name: String);
    /// Batch `code` got event `n` (`biz_step`).
    traced(code: String, n: u32, biz_step: String, actor: Address);
    /// Batch `code` was shipped by its holder to `to`.
    shipped(code: String, from: Address, to: Address);
    /// `to` received batch `code`.
    received(code: String, to: Address);
    /// A cold-chain reading of batch `code` was out of its range.
    excursion(code: String, reading: i64);
    /// Batch `code` and `marked` batches in all were recalled.
    recalled(code: String, marked: u32, reason: String);
}

fn text(what: &str, t: &str, max: usize, required: bool) -> Result<(), Error> {
    require!(
        t.len() <= max && (!required || !t.is_empty()),
        "the {} must be {} to {} bytes",
        what,
        required as u8,
        max
    );
    Ok(())
}

/// The caller, a registered party; its role.
fn party() -> Result<(Address, u8), Error> {
    let caller = env::caller();
    match PARTIES.get(&caller) {
        Some((_, role, _)) => Ok((caller, role)),
        None => fail!("{} is not a registered party", caller),
    }
}

fn batch(code: &String) -> Result<Batch, Error> {
    match BATCHES.get(code) {
        Some(b) => Ok(b),
        None => fail!("no batch {}", code),
    }
}

/// The batch `code`, held by the caller and free to act on (not in transit, consumed, packed
/// or recalled).
fn held(code: &String, caller: Address) -> Result<Batch, Error> {
    let b = batch(code)?;
    require!(
        b.holder == caller,
        "{} does not hold batch {}; {} does",
        caller,
        code,
        b.holder
    );
    match b.status {
        ACTIVE => Ok(b),
        IN_TRANSIT => fail!("batch {} is in transit", code),
        CONSUMED => fail!("batch {} was consumed by a transformation", code),
        PACKED => fail!(
            "batch {} is packed in {}",
            code,
            b.container.clone().unwrap_or_default()
        ),
        _ => fail!("batch {} is recalled", code),
    }
}

fn new_code(code: &String) -> Result<(), Error> {
    text("product code", code, MAX_CODE, true)?;
    require!(!BATCHES.contains(code), "batch {} exists already", code);
    Ok(())
}

/// Appends an event to batch `code` (saved by the caller); counts cold-chain excursions.
#[allow(clippy::too_many_arguments)]
fn record(
    code: &str,
    b: &mut Batch,
    kind: u8,
    action: u8,
    biz_step: &str,
    disposition: &str,
    place: &str,
    readings: &[(String, i64, u64)],
    related: Vec<String>,
    detail: &str,
) {
    if let Some((min, max)) = b.cold_chain {
        for (kind, value, _) in readings {
            if kind == "temperature" && (*value < min || *value > max) {
                b.excursions += 1;
                events::excursion(String::from(code), *value);
            }
        }
    }
    let event: Event = (
        (env::block_time_ms(), env::caller(), kind, action),
        (
            String::from(biz_step),
            String::from(disposition),
            String::from(place),
        ),
        (readings.to_vec(), related, String::from(detail)),
    );
    EVENTS.set(&(String::from(code), b.events), &event);
    events::traced(
        String::from(code),
        b.events,
        String::from(biz_step),
        env::caller(),
    );
    b.events += 1;
}

fn check_readings(readings: &[(String, i64, u64)]) -> Result<(), Error> {
    require!(readings.len() <= MAX_LIST, "at most 32 readings per event");
    for (kind, _, _) in readings {
        text("reading type", kind, 32, true)?;
    }
    Ok(())
}

/// The contents of container `code` (its children that are packed in it).
fn contents(code: &String) -> Vec<String> {
    CHILDREN
        .iter_from(Some(&(code.clone(), String::new())))
        .take_while(|((parent, _), ())| parent == code)
        .map(|((_, child), ())| child)
        .filter(|child| {
            BATCHES
                .get(child)
                .is_some_and(|c| c.container.as_ref() == Some(code))
        })
        .collect()
}

contract! {
    /// Makes the deployer the market regulator.
    fn init() {
        ADMIN.set(&env::caller());
    }

    /// Registers `party` (the regulator only) as 0 producer, 1 carrier, 2 warehouse,
    /// 3 retailer, 4 inspector or 5 processor, at `location` (a GLN or an address).
    fn register_party(party: Address, name: String, role: u8, location: String) -> Result<(), Error> {
        let admin = ADMIN.get().unwrap_or_default();
        require!(env::caller() == admin, "only the market regulator {} may do this", admin);
        text("name", &name, MAX_TEXT, true)?;
        text("location", &location, MAX_TEXT, false)?;
        require!(role <= MAX_ROLE, "role {} is not 0 to 5", role);
        require!(!PARTIES.contains(&party), "{} is registered already", party);
        PARTIES.set(&party, &(name.clone(), role, location));
        events::party_registered(party, role, name);
        Ok(())
    }

    /// Commissions batch `code` (a producer): the product, quantity and unit, origin,
    /// attributes, and a cold-chain range in thousandths of a degree if it has one.
    fn commission(
        code: String,
        product: String,
        quantity: u64,
        unit: String,
        origin: String,
        attributes: Vec<(String, String)>,
        cold_chain: Option<(i64, i64)>,
    ) -> Result<(), Error> {
        let (producer, role) = party()?;
        require!(role == PRODUCER, "{} is not a producer", producer);
        new_code(&code)?;
        text("product", &product, MAX_TEXT, true)?;
        text("unit", &unit, 16, false)?;
        text("origin", &origin, MAX_TEXT, true)?;
        require!(attributes.len() <= MAX_LIST, "at most 32 attributes");
        require!(cold_chain.is_none_or(|(min, max)| min <= max), "the cold-chain range is upside down");
        let mut b = Batch {
            product,
            producer,
            holder: producer,
            shipped_to: None,
            status: ACTIVE,
            quantity,
            unit,
            origin: origin.clone(),
            attributes,
            cold_chain,
            excursions: 0,
            inspections_failed: 0,
            parents: Vec::new(),
            container: None,
            events: 0,
            recall_reason: String::new(),
        };
        record(&code, &mut b, OBJECT, ADD, "commissioning", "active", &origin, &[], Vec::new(), "");
        BATCHES.set(&code, &b);
        Ok(())
    }

    /// Ships batch `code` (its holder) to party `to`, from `place`, with sensor readings;
    /// the contents of a container go with it.
    fn ship(code: String, to: Address, place: String, readings: Vec<(String, i64, u64)>) -> Result<(), Error> {
        let (holder, _) = party()?;
        let mut b = held(&code, holder)?;
        require!(PARTIES.contains(&to), "{} is not a registered party", to);
        require!(to != holder, "a batch is not shipped to its holder");
        text("place", &place, MAX_TEXT, false)?;
        check_readings(&readings)?;
        b.status = IN_TRANSIT;
        b.shipped_to = Some(to);
        record(&code, &mut b, OBJECT, OBSERVE, "shipping", "in_transit", &place, &readings, Vec::new(), "");
        BATCHES.set(&code, &b);
        events::shipped(code, holder, to);
        Ok(())
    }

    /// Receives batch `code` (the party it was shipped to: its receipt is its signature), at
    /// `place`, with sensor readings; it becomes the holder, of a container's contents too.
    fn receive(code: String, place: String, readings: Vec<(String, i64, u64)>) -> Result<(), Error> {
        let (to, _) = party()?;
        let mut b = batch(&code)?;
        require!(
            b.status == IN_TRANSIT && b.shipped_to == Some(to),
            "batch {} was not shipped to {}",
            code,
            to
        );
        text("place", &place, MAX_TEXT, false)?;
        check_readings(&readings)?;
        b.status = ACTIVE;
        b.holder = to;
        b.shipped_to = None;
        record(&code, &mut b, OBJECT, OBSERVE, "receiving", "active", &place, &readings, Vec::new(), "");
        BATCHES.set(&code, &b);
        for child in contents(&code) {
            if let Some(mut c) = BATCHES.get(&child) {
                c.holder = to;
                record(&child, &mut c, AGGREGATION, OBSERVE, "receiving", "active", &place, &[], vec![code.clone()], "");
                BATCHES.set(&child, &c);
            }
        }
        events::received(code, to);
        Ok(())
    }

    /// Records an observation of batch `code` by its holder (storing, a sensor report), with
    /// readings: an EPCIS object event.
    fn observe(code: String, biz_step: String, place: String, readings: Vec<(String, i64, u64)>) -> Result<(), Error> {
        let (holder, _) = party()?;
        let mut b = held(&code, holder)?;
        text("business step", &biz_step, 64, true)?;
        text("place", &place, MAX_TEXT, false)?;
        check_readings(&readings)?;
        record(&code, &mut b, OBJECT, OBSERVE, &biz_step, "active", &place, &readings, Vec::new(), "");
        BATCHES.set(&code, &b);
        Ok(())
    }

    /// Packs batches `contents` (held by the caller) into new container `code` (an SSCC): an
    /// EPCIS aggregation event. The container travels with its contents until unpacked.
    fn pack(code: String, contents: Vec<String>, place: String) -> Result<(), Error> {
        let (holder, _) = party()?;
        new_code(&code)?;
        require!(!contents.is_empty() && contents.len() <= MAX_LIST, "a container holds 1 to 32 batches");
        let mut packed = Vec::with_capacity(contents.len());
        for (i, child) in contents.iter().enumerate() {
            require!(!contents[..i].contains(child), "batch {} appears twice", child);
            let mut c = held(child, holder)?;
            c.status = PACKED;
            c.container = Some(code.clone());
            record(child, &mut c, AGGREGATION, ADD, "packing", "active", &place, &[], vec![code.clone()], "");
            packed.push((child.clone(), c));
        }
        let mut container = Batch {
            product: String::from("container"),
            producer: holder,
            holder,
            shipped_to: None,
            status: ACTIVE,
            quantity: contents.len() as u64,
            unit: String::from("batches"),
            origin: place.clone(),
            attributes: Vec::new(),
            cold_chain: None,
            excursions: 0,
            inspections_failed: 0,
            parents: Vec::new(),
            container: None,
            events: 0,
            recall_reason: String::new(),
        };
        record(&code, &mut container, AGGREGATION, ADD, "packing", "active", &place, &[], contents.clone(), "");
        for (child, c) in packed {
            CHILDREN.set(&(code.clone(), child.clone()), &());
            BATCHES.set(&child, &c);
        }
        BATCHES.set(&code, &container);
        Ok(())
    }

    /// Unpacks container `code` (its holder): its contents are free again, held by the
    /// caller.
    fn unpack(code: String, place: String) -> Result<(), Error> {
        let (holder, _) = party()?;
        let mut container = held(&code, holder)?;
        let inside = contents(&code);
        require!(!inside.is_empty(), "{} holds nothing", code);
        for child in &inside {
            if let Some(mut c) = BATCHES.get(child) {
                c.container = None;
                if c.status == PACKED {
                    c.status = ACTIVE;
                }
                record(child, &mut c, AGGREGATION, DELETE, "unpacking", "active", &place, &[], vec![code.clone()], "");
                BATCHES.set(child, &c);
            }
        }
        container.status = CONSUMED;
        record(&code, &mut container, AGGREGATION, DELETE, "unpacking", "inactive", &place, &[], inside, "");
        BATCHES.set(&code, &container);
        Ok(())
    }

    /// Links batch `code` (its holder) to a business transaction (`type:id`, such as
    /// `po:4500001234` or an e-invoice number): an EPCIS transaction event.
    fn link_transaction(code: String, biz_transaction: String) -> Result<(), Error> {
        let (holder, _) = party()?;
        let mut b = held(&code, holder)?;
        text("business transaction", &biz_transaction, MAX_TEXT, true)?;
        record(&code, &mut b, TRANSACTION, ADD, "transacting", "active", "", &[], Vec::new(), &biz_transaction);
        BATCHES.set(&code, &b);
        Ok(())
    }

    /// Transforms batches `inputs` (held by the caller, a processor) into new batches
    /// `outputs`, each `(code, product, quantity, unit)`: a split (one input, several
    /// outputs), a merge (several inputs, one output) or both. The inputs are consumed; the
    /// outputs descend from every input, and inherit the strictest cold-chain range.
    fn transform(inputs: Vec<String>, outputs: Vec<(String, String, u64, String)>, biz_step: String, place: String) -> Result<(), Error> {
        let (processor, role) = party()?;
        require!(role == PROCESSOR || role == PRODUCER, "{} is not a processor or producer", processor);
        require!(!inputs.is_empty() && inputs.len() <= MAX_LIST, "1 to 32 inputs");
        require!(!outputs.is_empty() && outputs.len() <= MAX_LIST, "1 to 32 outputs");
        text("business step", &biz_step, 64, true)?;
        let mut range: Option<(i64, i64)> = None;
        let mut consumed = Vec::with_capacity(inputs.len());
        let output_codes: Vec<String> = outputs.iter().map(|o| o.0.clone()).collect();
        for (i, input) in inputs.iter().enumerate() {
            require!(!inputs[..i].contains(input), "input {} appears twice", input);
            let mut b = held(input, processor)?;
            if let Some((min, max)) = b.cold_chain {
                range = Some(match range {
                    Some((lo, hi)) => (lo.max(min), hi.min(max)),
                    None => (min, max),
                });
            }
            b.status = CONSUMED;
            record(input, &mut b, TRANSFORMATION, DELETE, &biz_step, "inactive", &place, &[], output_codes.clone(), "");
            consumed.push((input.clone(), b));
        }
        for (i, (code, product, quantity, unit)) in outputs.iter().enumerate() {
            require!(!output_codes[..i].contains(code), "output {} appears twice", code);
            new_code(code)?;
            text("product", product, MAX_TEXT, true)?;
            let mut out = Batch {
                product: product.clone(),
                producer: processor,
                holder: processor,
                shipped_to: None,
                status: ACTIVE,
                quantity: *quantity,
                unit: unit.clone(),
                origin: place.clone(),
                attributes: Vec::new(),
                cold_chain: range,
                excursions: 0,
                inspections_failed: 0,
                parents: inputs.clone(),
                container: None,
                events: 0,
                recall_reason: String::new(),
            };
            record(code, &mut out, TRANSFORMATION, ADD, &biz_step, "active", &place, &[], inputs.clone(), "");
            for input in &inputs {
                CHILDREN.set(&(input.clone(), code.clone()), &());
            }
            BATCHES.set(code, &out);
        }
        for (input, b) in consumed {
            BATCHES.set(&input, &b);
        }
        Ok(())
    }

    /// Records an inspection of batch `code` (an inspector): `passed` or failed, with a
    /// certificate or report reference and readings.
    fn inspect(code: String, passed: bool, reference: String, readings: Vec<(String, i64, u64)>) -> Result<(), Error> {
        let (inspector, role) = party()?;
        require!(role == INSPECTOR, "{} is not an inspector", inspector);
        let mut b = batch(&code)?;
        text("reference", &reference, MAX_TEXT, true)?;
        check_readings(&readings)?;
        if !passed {
            b.inspections_failed += 1;
        }
        let disposition = if passed { "conformant" } else { "non_conformant" };
        record(&code, &mut b, OBJECT, OBSERVE, "inspecting", disposition, "", &readings, Vec::new(), &reference);
        BATCHES.set(&code, &b);
        Ok(())
    }

    /// Recalls batch `code` and every batch descending from it, through transformations and
    /// packing (its producer, an inspector or the regulator). Returns how many were marked:
    /// at most 256 per call; recall a descendant to go on from there.
    fn recall(code: String, reason: String) -> Result<u32, Error> {
        let caller = env::caller();
        let b = batch(&code)?;
        let admin = ADMIN.get().unwrap_or_default();
        let inspector = PARTIES.get(&caller).is_some_and(|(_, role, _)| role == INSPECTOR);
        require!(
            caller == b.producer || caller == admin || inspector,
            "only batch {}'s producer, an inspector or the regulator may recall it",
            code
        );
        text("reason", &reason, MAX_TEXT, true)?;
        let mut queue = vec![code.clone()];
        let mut marked = 0u32;
        while let Some(next) = queue.pop() {
            if marked as usize == MAX_RECALLED {
                break;
            }
            let Some(mut b) = BATCHES.get(&next) else { continue };
            if b.status == RECALLED {
                continue;
            }
            b.status = RECALLED;
            b.recall_reason = reason.clone();
            record(&next, &mut b, OBJECT, OBSERVE, "recalling", "recalled", "", &[], vec![code.clone()], &reason);
            BATCHES.set(&next, &b);
            marked += 1;
            for ((_, child), ()) in CHILDREN
                .iter_from(Some(&(next.clone(), String::new())))
                .take_while(|((parent, _), ())| *parent == next)
            {
                queue.push(child);
            }
        }
        events::recalled(code, marked, reason);
        Ok(marked)
    }

    /// Batch `code`: ((product, producer, holder, shipped to, status), (quantity, unit,
    /// origin, attributes, cold-chain range), (excursions, failed inspections, parents,
    /// container), (events, recall reason)); status 0 active, 1 in transit, 2 consumed,
    /// 3 packed, 4 recalled.
    fn batch_of(code: String) -> Result<(
        (String, Address, Address, Option<Address>, u8),
        (u64, String, String, Vec<(String, String)>, Option<(i64, i64)>),
        (u32, u32, Vec<String>, Option<String>),
        (u32, String),
    ), Error> {
        let b = batch(&code)?;
        Ok((
            (b.product, b.producer, b.holder, b.shipped_to, b.status),
            (b.quantity, b.unit, b.origin, b.attributes, b.cold_chain),
            (b.excursions, b.inspections_failed, b.parents, b.container),
            (b.events, b.recall_reason),
        ))
    }

    /// Event `n` of batch `code`: ((time_ms, actor, kind, action), (business step,
    /// disposition, place), (readings, related batches, detail)).
    fn event_of(code: String, n: u32) -> Option<(
        (u64, Address, u8, u8),
        (String, String, String),
        (Vec<(String, i64, u64)>, Vec<String>, String),
    )> {
        EVENTS.get(&(code, n))
    }

    /// The batches that descend directly from `code` (transformation outputs, a container's
    /// contents), at most 100.
    fn children_of(code: String) -> Vec<String> {
        CHILDREN
            .iter_from(Some(&(code.clone(), String::new())))
            .take_while(|((parent, _), ())| *parent == code)
            .take(100)
            .map(|((_, child), ())| child)
            .collect()
    }

    /// Party `party`: (name, role, location).
    fn party_of(party: Address) -> Option<(String, u8, String)> {
        PARTIES.get(&party)
    }
}
