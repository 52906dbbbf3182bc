//! E-invoices, with the fields of the national all-electronic invoice. The tax bureau (the
//! admin) registers issuers (sellers, by tax id) and reimbursers (employers, insurers). A seller
//! issues an invoice (number, date, buyer and seller, items with quantity, unit price, amount,
//! tax rate and tax); the contract checks every amount and computes the totals. The buyer may
//! accept it. A credit note (red-letter invoice) reverses it partly or wholly. A reimburser
//! records a reimbursement claim, and a second claim of the same invoice, by anyone in the city,
//! is refused: the double-reimbursement problem e-invoice chains were built to stop. The bureau
//! lists an issuer's invoices by period and status.
//!
//! Amounts are in fen (0.01 yuan); quantities in thousandths; tax rates in basis points. An
//! item's amount is `round(quantity × unit price / 1000)` and its tax `round(amount × rate /
//! 10000)`, rounding halves up, as the invoice shows them.
//!
//! Storage (`docs/apps/invoices.md`, "Storage layout"):
//! - `b"admin"`: the tax bureau;
//! - `b"i" || issuer`: `(tax id, name, active)`; `b"r" || reimburser`: `(name, active)`;
//! - `b"v" || string(number)`: an [`Invoice`];
//! - `b"x" || (issuer, date, number)`: the issuer's index by date (empty value);
//! - `b"c" || string(number)`: the claim `(reimburser, reference, at_ms, amount)`.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::{string::String, vec::Vec};
use citychain_sdk::{
    Address, Decode, DecodeError, Encode, Error, Item, Map, Reader, contract, env, events, fail,
    require,
};

/// An invoice line: `(name, specification, unit, quantity in thousandths, unit price in fen,
/// amount in fen, tax rate in basis points, tax in fen)`.
type Line = (String, String, String, u64, u128, u128, u32, u128);

/// An invoice or a credit note.
struct Invoice {
    issuer: Address,
    seller_tax_id: String,
    seller_name: String,
    buyer_tax_id: String,
    buyer_name: String,
    /// The buyer's account, which may accept the invoice (zero: none given).
    buyer: Address,
    /// The issue date, `YYYYMMDD`.
    date: u32,
    items: Vec<Line>,
    total_amount: u128,
    total_tax: u128,
    remarks: String,
    status: u8,
    /// Amount and tax reversed by credit notes so far.
    credited_amount: u128,
    credited_tax: u128,
    /// For a credit note: the invoice it reverses (empty for an invoice).
    reverses: String,
    issued_at_ms: u64,
}

impl Encode for Invoice {
    fn encode_to(&self, out: &mut Vec<u8>) {
        (
            self.issuer,
            &self.seller_tax_id,
            &self.seller_name,
            &self.buyer_tax_id,
            &self.buyer_name,
            self.buyer,
            self.date,
        )
            .encode_to(out);
        (
            &self.items,
            self.total_amount,
            self.total_tax,
            &self.remarks,
        )
            .encode_to(out);
        (
            self.status,
            self.credited_amount,
            self.credited_tax,
            &self.reverses,
            self.issued_at_ms,
        )
            .encode_to(out);
    }
}

impl Decode for Invoice {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (issuer, seller_tax_id, seller_name, buyer_tax_id, buyer_name, buyer, date) =
            Decode::decode_from(r)?;
        let (items, total_amount, total_tax, remarks) = Decode::decode_from(r)?;
        let (status, credited_amount, credited_tax, reverses, issued_at_ms) =
            Decode::decode_from(r)?;
        Ok(Invoice {
            issuer,
            seller_tax_id,
            seller_name,
            buyer_tax_id,
            buyer_name,
            buyer,
            date,
            items,
            total_amount,
            total_tax,
            remarks,
            status,
            credited_amount,
            credited_tax,
            reverses,
            issued_at_ms,
        })
    }
}

// Invoice statuses.
const ISSUED: u8 = 0;
const ACCEPTED: u8 = 1;
/// Partly reversed by credit notes.
const PARTLY_CREDITED: u8 = 2;
/// Wholly reversed: void.
const VOIDED: u8 = 3;
/// The status of a credit note itself.
const CREDIT_NOTE: u8 = 4;

const MAX_ITEMS: usize = 100;
const MAX_TEXT: usize = 200;
const MAX_NUMBER: usize = 32;
const MAX_LISTED: u32 = 100;

const ADMIN: Item<Address> = Item::new(b"admin");
const ISSUERS: Map<Address, (String, String, bool)> = Map::new(b"i");
const REIMBURSERS: Map<Address, (String, bool)> = Map::new(b"r");
const INVOICES: Map<String, Invoice> = Map::new(b"v");
const BY_ISSUER: Map<(Address, u32, String), ()> = Map::new(b"x");
const CLAIMS: Map<String, (Address, String, u64, u128)> = Map::new(b"c");

events! {
    /// The bureau registered `issuer` under tax id `tax_id`.
    issuer_registered(issuer: Address, tax_id: String);
    /// The bureau registered `reimburser`.
    reimburser_registered(reimburser: Address, name: String);
    /// Invoice `number` was issued: `total` is amount plus tax, in fen.
    invoice_issued(number: String, issuer: Address, buyer_tax_id: String, total: u128);
    /// The buyer accepted invoice `number`.
    accepted(number: String, buyer: Address);
    /// Credit note `credit_number` reversed `amount` and `tax` of invoice `number`.
    credited(number: String, credit_number: String, amount: u128, tax: u128, voided: bool);
    /// `reimburser` recorded the reimbursement of invoice `number` under `reference`.
    claimed(number: String, reimburser: Address, reference: String, amount: u128);
}

fn require_admin() -> Result<(), Error> {
    let admin = ADMIN.get().unwrap_or_default();
    require!(
        env::caller() == admin,
        "only the tax bureau {} may do this",
        admin
    );
    Ok(())
}

fn check_text(what: &str, text: &str, max: usize, required: bool) -> Result<(), Error> {
    require!(
        text.len() <= max && (!required || !text.is_empty()),
        "the {} must be {} to {} bytes",
        what,
        required as u8,
        max
    );
    Ok(())
}

/// `round(n / d)`, halves up.
fn div_round(n: u128, d: u128) -> u128 {
    n / d + u128::from(n % d * 2 >= d)
}

/// The caller, if a registered and active issuer: its `(tax id, name)`.
fn active_issuer() -> Result<(Address, String, String), Error> {
    let caller = env::caller();
    match ISSUERS.get(&caller) {
        Some((tax_id, name, true)) => Ok((caller, tax_id, name)),
        Some(_) => fail!("issuer {} is retired", caller),
        None => fail!("{} is not a registered issuer", caller),
    }
}

fn load(number: &String) -> Result<Invoice, Error> {
    match INVOICES.get(number) {
        Some(i) => Ok(i),
        None => fail!("no invoice {}", number),
    }
}

fn check_number(number: &String) -> Result<(), Error> {
    require!(
        !number.is_empty()
            && number.len() <= MAX_NUMBER
            && number.bytes().all(|b| b.is_ascii_digit()),
        "an invoice number is 1 to 32 digits"
    );
    require!(
        !INVOICES.contains(number),
        "invoice number {} is taken",
        number
    );
    Ok(())
}

fn check_date(date: u32) -> Result<(), Error> {
    let (y, m, d) = (date / 10_000, date / 100 % 100, date % 100);
    require!(
        (2000..=2999).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d),
        "date {} is not YYYYMMDD",
        date
    );
    Ok(())
}

/// Checks each line's arithmetic; the totals `(amount, tax)`.
fn totals(items: &[Line]) -> Result<(u128, u128), Error> {
    require!(
        !items.is_empty() && items.len() <= MAX_ITEMS,
        "an invoice has 1 to 100 items"
    );
    let (mut amount, mut tax) = (0u128, 0u128);
    for (i, (name, spec, unit, quantity, price, line_amount, rate, line_tax)) in
        items.iter().enumerate()
    {
        check_text("item name", name, MAX_TEXT, true)?;
        check_text("specification", spec, MAX_TEXT, false)?;
        check_text("unit", unit, MAX_TEXT, false)?;
        require!(
            *rate <= 10_000,
            "item {}: a tax rate is at most 10000 basis points",
            i
        );
        // Release contracts wrap on overflow: an absurd price must fail, not wrap to a match.
        let Some(product) = u128::from(*quantity).checked_mul(*price) else {
            fail!("item {}: quantity x unit price is too large", i);
        };
        let expected = div_round(product, 1_000);
        require!(
            *line_amount == expected,
            "item {}: the amount {} is not quantity x unit price = {}",
            i,
            line_amount,
            expected
        );
        let Some(taxed) = line_amount.checked_mul(u128::from(*rate)) else {
            fail!("item {}: the amount is too large", i);
        };
        let expected_tax = div_round(taxed, 10_000);
        require!(
            *line_tax == expected_tax,
            "item {}: the tax {} is not amount x rate = {}",
            i,
            line_tax,
            expected_tax
        );
        // No overflow: a line's amount is at most u128::MAX / 1000 (checked above), its tax at
        // most its amount, and there are at most 100 lines.
        amount += line_amount;
        tax += line_tax;
    }
    require!(amount > 0, "an invoice's amount must be positive");
    Ok((amount, tax))
}

contract! {
    /// Makes the deployer the tax bureau.
    fn init() {
        ADMIN.set(&env::caller());
    }

    /// Registers `issuer` (a seller's account) with its tax id and name; the bureau only.
    fn register_issuer(issuer: Address, tax_id: String, name: String) -> Result<(), Error> {
        require_admin()?;
        check_text("tax id", &tax_id, MAX_NUMBER, true)?;
        check_text("name", &name, MAX_TEXT, true)?;
        require!(!ISSUERS.contains(&issuer), "{} is registered already", issuer);
        ISSUERS.set(&issuer, &(tax_id.clone(), name, true));
        events::issuer_registered(issuer, tax_id);
        Ok(())
    }

    /// Stops `issuer` issuing; what it issued stays.
    fn retire_issuer(issuer: Address) -> Result<(), Error> {
        require_admin()?;
        let Some((tax_id, name, true)) = ISSUERS.get(&issuer) else {
            fail!("{} is not an active issuer", issuer);
        };
        ISSUERS.set(&issuer, &(tax_id, name, false));
        Ok(())
    }

    /// Registers `reimburser` (an employer, an insurer) to record reimbursement claims.
    fn register_reimburser(reimburser: Address, name: String) -> Result<(), Error> {
        require_admin()?;
        check_text("name", &name, MAX_TEXT, true)?;
        require!(!REIMBURSERS.contains(&reimburser), "{} is registered already", reimburser);
        REIMBURSERS.set(&reimburser, &(name.clone(), true));
        events::reimburser_registered(reimburser, name);
        Ok(())
    }

    /// Issues invoice `number` (a registered issuer): the buyer's tax id, name and account
    /// (zero if none), the date `YYYYMMDD`, the items (name, specification, unit, quantity in
    /// thousandths, unit price, amount, tax rate in basis points, tax) and remarks. Every
    /// amount and tax is checked; returns the total with tax, in fen.
    fn issue(
        number: String,
        buyer_tax_id: String,
        buyer_name: String,
        buyer: Address,
        date: u32,
        items: Vec<(String, String, String, u64, u128, u128, u32, u128)>,
        remarks: String,
    ) -> Result<u128, Error> {
        let (issuer, seller_tax_id, seller_name) = active_issuer()?;
        check_number(&number)?;
        check_date(date)?;
        check_text("buyer's tax id", &buyer_tax_id, MAX_NUMBER, true)?;
        check_text("buyer's name", &buyer_name, MAX_TEXT, true)?;
        check_text("remarks", &remarks, MAX_TEXT, false)?;
        let (total_amount, total_tax) = totals(&items)?;
        BY_ISSUER.set(&(issuer, date, number.clone()), &());
        INVOICES.set(&number, &Invoice {
            issuer,
            seller_tax_id,
            seller_name,
            buyer_tax_id: buyer_tax_id.clone(),
            buyer_name,
            buyer,
            date,
            items,
            total_amount,
            total_tax,
            remarks,
            status: ISSUED,
            credited_amount: 0,
            credited_tax: 0,
            reverses: String::new(),
            issued_at_ms: env::block_time_ms(),
        });
        let total = total_amount + total_tax;
        events::invoice_issued(number, issuer, buyer_tax_id, total);
        Ok(total)
    }

    /// The buyer accepts invoice `number` (the buyer's account named on it).
    fn accept(number: String) -> Result<(), Error> {
        let mut invoice = load(&number)?;
        let caller = env::caller();
        require!(
            invoice.buyer == caller && caller != Address::default(),
            "only invoice {}'s buyer may accept it",
            number
        );
        require!(invoice.status == ISSUED, "invoice {} is not awaiting acceptance", number);
        invoice.status = ACCEPTED;
        INVOICES.set(&number, &invoice);
        events::accepted(number, caller);
        Ok(())
    }

    /// Issues credit note `credit_number` reversing `amount` and `tax` of invoice `number`
    /// (its issuer), for `reason`; reversing all that is left voids the invoice.
    fn credit(
        number: String,
        credit_number: String,
        date: u32,
        amount: u128,
        tax: u128,
        reason: String,
    ) -> Result<(), Error> {
        let (issuer, seller_tax_id, seller_name) = active_issuer()?;
        let mut invoice = load(&number)?;
        require!(invoice.issuer == issuer, "only invoice {}'s issuer may credit it", number);
        require!(invoice.status != CREDIT_NOTE, "{} is a credit note", number);
        require!(invoice.status != VOIDED, "invoice {} is void already", number);
        require!(!CLAIMS.contains(&number), "invoice {} is reimbursed; it cannot be reversed", number);
        check_number(&credit_number)?;
        check_date(date)?;
        check_text("reason", &reason, MAX_TEXT, true)?;
        require!(amount > 0 || tax > 0, "a credit note reverses a positive amount");
        let (left_amount, left_tax) = (
            invoice.total_amount - invoice.credited_amount,
            invoice.total_tax - invoice.credited_tax,
        );
        require!(
            amount <= left_amount && tax <= left_tax,
            "invoice {} has {} and tax {} left to reverse",
            number,
            left_amount,
            left_tax
        );
        invoice.credited_amount += amount;
        invoice.credited_tax += tax;
        let voided = amount == left_amount && tax == left_tax;
        invoice.status = if voided { VOIDED } else { PARTLY_CREDITED };
        let note = Invoice {
            issuer,
            seller_tax_id,
            seller_name,
            buyer_tax_id: invoice.buyer_tax_id.clone(),
            buyer_name: invoice.buyer_name.clone(),
            buyer: invoice.buyer,
            date,
            items: Vec::new(),
            total_amount: amount,
            total_tax: tax,
            remarks: reason,
            status: CREDIT_NOTE,
            credited_amount: 0,
            credited_tax: 0,
            reverses: number.clone(),
            issued_at_ms: env::block_time_ms(),
        };
        INVOICES.set(&number, &invoice);
        INVOICES.set(&credit_number, &note);
        BY_ISSUER.set(&(issuer, date, credit_number.clone()), &());
        events::credited(number, credit_number, amount, tax, voided);
        Ok(())
    }

    /// Records the reimbursement of invoice `number` under the reimburser's own `reference`
    /// (a registered reimburser): once per invoice in the whole city; not for a void invoice
    /// or a credit note. Returns the amount reimbursable (what is left after credit notes).
    fn claim(number: String, reference: String) -> Result<u128, Error> {
        let caller = env::caller();
        match REIMBURSERS.get(&caller) {
            Some((_, true)) => {}
            _ => fail!("{} is not a registered reimburser", caller),
        }
        check_text("reference", &reference, MAX_TEXT, true)?;
        let invoice = load(&number)?;
        require!(invoice.status != VOIDED, "invoice {} is void", number);
        require!(invoice.status != CREDIT_NOTE, "{} is a credit note", number);
        if let Some((by, their_ref, at, _)) = CLAIMS.get(&number) {
            fail!(
                "invoice {} was reimbursed already, by {} under {} at {} ms",
                number,
                by,
                their_ref,
                at
            );
        }
        let amount = invoice.total_amount + invoice.total_tax
            - invoice.credited_amount
            - invoice.credited_tax;
        CLAIMS.set(&number, &(caller, reference.clone(), env::block_time_ms(), amount));
        events::claimed(number, caller, reference, amount);
        Ok(amount)
    }

    /// Invoice `number`: ((issuer, seller tax id, seller name, buyer tax id, buyer name,
    /// buyer, date), (items, total amount, total tax, remarks), (status, credited amount,
    /// credited tax, reverses, issued_at_ms)); status 0 issued, 1 accepted, 2 partly
    /// credited, 3 void, 4 a credit note.
    fn invoice(number: String) -> Result<(
        (Address, String, String, String, String, Address, u32),
        (Vec<(String, String, String, u64, u128, u128, u32, u128)>, u128, u128, String),
        (u8, u128, u128, String, u64),
    ), Error> {
        let i = load(&number)?;
        Ok((
            (i.issuer, i.seller_tax_id, i.seller_name, i.buyer_tax_id, i.buyer_name, i.buyer, i.date),
            (i.items, i.total_amount, i.total_tax, i.remarks),
            (i.status, i.credited_amount, i.credited_tax, i.reverses, i.issued_at_ms),
        ))
    }

    /// The claim on invoice `number`, if any: (reimburser, reference, at_ms, amount).
    fn claim_of(number: String) -> Option<(Address, String, u64, u128)> {
        CLAIMS.get(&number)
    }

    /// `issuer`'s invoices and credit notes dated `from` to `to` (YYYYMMDD, inclusive), with
    /// status `status` if given: rows of (number, date, status, total with tax, claimed), and
    /// where to continue (pass it as `after`; none when the period is done). A page holds at
    /// most 100 rows and reads at most 1,000 index entries, matching or not.
    fn by_issuer(
        issuer: Address,
        from: u32,
        to: u32,
        status: Option<u8>,
        after: Option<(u32, String)>,
    ) -> (Vec<(String, u32, u8, u128, bool)>, Option<(u32, String)>) {
        let start = match after {
            Some((date, number)) => (issuer, date, number),
            None => (issuer, from, String::new()),
        };
        let mut rows = Vec::new();
        let mut entries = BY_ISSUER.iter_from(Some(&start));
        for seen in 0..MAX_LISTED * 10 {
            let Some(((who, date, number), ())) = entries.next() else {
                return (rows, None);
            };
            if who != issuer || date > to {
                return (rows, None);
            }
            if let Some(i) = INVOICES.get(&number)
                && status.is_none_or(|s| s == i.status)
            {
                let claimed = CLAIMS.contains(&number);
                rows.push((number.clone(), date, i.status, i.total_amount + i.total_tax, claimed));
            }
            if rows.len() as u32 == MAX_LISTED || seen + 1 == MAX_LISTED * 10 {
                return (rows, Some((date, number)));
            }
        }
        (rows, None)
    }

    /// Issuer `issuer`: (tax id, name, active).
    fn issuer(issuer: Address) -> Option<(String, String, bool)> {
        ISSUERS.get(&issuer)
    }

    /// The tax bureau.
    fn admin() -> Address {
        ADMIN.get().unwrap_or_default()
    }
}
