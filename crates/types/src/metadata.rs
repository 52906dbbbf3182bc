//! Contract metadata: what a contract says about itself — its name and version, every method
//! (documentation line, argument names and types, return type), every event and every revert
//! reason it defines — carried in its code as the WASM custom section
//! [`SECTION`], so the code hash covers it.
//!
//! The SDK's macros write it with no work from the author; the chain checks it when the code
//! is deployed ([`ContractMetadata::parse`]) and `contract_getInfo` returns it, so that any tool
//! can encode arguments by name and decode results and events. The byte format and the type
//! grammar are specified in `docs/contracts.md` ("Contract metadata").

use crate::codec::{DecodeError, Reader};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The custom section's name.
pub const SECTION: &str = "citychain:metadata";
/// Most bytes of metadata one contract may carry.
pub const MAX_BYTES: usize = 64 * 1024;
/// Most records (methods, events, revert reasons and the contract line together).
pub const MAX_RECORDS: usize = 1_024;
/// Longest name (contract, method, argument, event, field).
pub const MAX_NAME: usize = 64;
/// Longest documentation line, type or revert reason.
pub const MAX_TEXT: usize = 512;
/// Most fields one record may have.
const MAX_FIELDS: u8 = 2 + 2 * 32;

const CONTRACT: u8 = 1;
const METHOD: u8 = 2;
const EVENT: u8 = 3;
const REVERT: u8 = 4;

/// A contract's description of itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContractMetadata {
    /// The contract's crate name, as its author published it.
    pub name: String,
    /// The contract's version (its crate's).
    pub version: String,
    /// Its entry points, sorted by name.
    pub methods: Vec<Method>,
    /// The events it emits, sorted by name.
    pub events: Vec<EventDef>,
    /// Every revert reason the contract's code states (format strings: `{}` marks a value
    /// filled in when it reverts), sorted.
    pub reverts: Vec<String>,
}

/// An entry point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Method {
    /// The exported entry point's name.
    pub name: String,
    /// The first line of its documentation (empty if it has none).
    pub doc: String,
    /// Its arguments, in the order the input encodes them.
    pub args: Vec<Field>,
    /// The type of its output (`()` when it returns nothing; `Result<T, E>` outputs a `T`).
    pub returns: Ty,
    /// Whether it can change state (write storage, emit events, move value or call other
    /// contracts): not declared by the author but found in the code by the chain; `None` in
    /// metadata read from the section alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writes: Option<bool>,
}

/// An event a contract emits: its topic and the fields its data encodes, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EventDef {
    /// The event's topic.
    pub name: String,
    /// The first line of its documentation.
    pub doc: String,
    /// What its data encodes, in order.
    pub fields: Vec<Field>,
}

/// A named, typed value: an argument or an event field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Field {
    /// The argument's or field's name.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub ty: Ty,
}

/// A value's type, in the canonical encoding contracts use (`docs/contracts.md`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    /// 1 byte.
    U8,
    /// 2 bytes, big-endian (as every integer).
    U16,
    /// 4 bytes.
    U32,
    /// 8 bytes.
    U64,
    /// 16 bytes.
    U128,
    /// 8 bytes, two's complement.
    I64,
    /// `0x00` or `0x01`.
    Bool,
    /// Nothing (zero bytes).
    Unit,
    /// A `u32` length, then UTF-8.
    String,
    /// 20 bytes.
    Address,
    /// `Vec<u8>`: a length, then the bytes.
    Bytes,
    /// `[u8; N]`: exactly N bytes.
    Array(u32),
    /// A `u32` count, then the items.
    Vec(Box<Ty>),
    /// `0x00`, or `0x01` then the value.
    Option(Box<Ty>),
    /// The items in order.
    Tuple(Vec<Ty>),
    /// A type the grammar does not know (the contract's own struct): its bytes can be passed
    /// and shown as hex, but not taken apart.
    Opaque(String),
}

impl Ty {
    /// Parses a type as Rust writes it (`Vec<(Address, u128)>`, `Option<String>`,
    /// `[u8; 32]`, `alloc::string::String`). `Result<T, E>` is `T`: what a method outputs.
    pub fn parse(text: &str) -> Result<Ty, String> {
        let mut p = TyParser {
            s: text.as_bytes(),
            i: 0,
        };
        let ty = p.ty(0)?;
        p.skip_space();
        if p.i != p.s.len() {
            return Err(format!("unexpected {:?} in type {text:?}", &text[p.i..]));
        }
        Ok(ty)
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::U8 => f.write_str("u8"),
            Ty::U16 => f.write_str("u16"),
            Ty::U32 => f.write_str("u32"),
            Ty::U64 => f.write_str("u64"),
            Ty::U128 => f.write_str("u128"),
            Ty::I64 => f.write_str("i64"),
            Ty::Bool => f.write_str("bool"),
            Ty::Unit => f.write_str("()"),
            Ty::String => f.write_str("String"),
            Ty::Address => f.write_str("Address"),
            Ty::Bytes => f.write_str("Vec<u8>"),
            Ty::Array(n) => write!(f, "[u8; {n}]"),
            Ty::Vec(t) => write!(f, "Vec<{t}>"),
            Ty::Option(t) => write!(f, "Option<{t}>"),
            Ty::Tuple(ts) => {
                f.write_str("(")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                if ts.len() == 1 {
                    f.write_str(",")?;
                }
                f.write_str(")")
            }
            Ty::Opaque(name) => f.write_str(name),
        }
    }
}

impl Serialize for Ty {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Ty {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Ty, D::Error> {
        let text = String::deserialize(d)?;
        Ty::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Types nest at most this deep.
const MAX_DEPTH: usize = 8;

struct TyParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl TyParser<'_> {
    fn skip_space(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_space();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!(
                "expected '{}' at byte {} of the type",
                c as char, self.i
            ))
        }
    }

    /// A path (`alloc::vec::Vec`): its last segment.
    fn path(&mut self) -> Result<String, String> {
        self.skip_space();
        loop {
            let start = self.i;
            while self
                .s
                .get(self.i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
            {
                self.i += 1;
            }
            if start == self.i {
                return Err(format!("expected a type name at byte {}", self.i));
            }
            let last = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
            if self.s[self.i..].starts_with(b"::") {
                self.i += 2;
            } else {
                return Ok(last);
            }
        }
    }

    fn ty(&mut self, depth: usize) -> Result<Ty, String> {
        if depth > MAX_DEPTH {
            return Err(format!("types nest at most {MAX_DEPTH} deep"));
        }
        if self.eat(b'(') {
            let mut items = Vec::new();
            while !self.eat(b')') {
                items.push(self.ty(depth + 1)?);
                if !self.eat(b',') {
                    self.expect(b')')?;
                    break;
                }
            }
            return Ok(if items.is_empty() {
                Ty::Unit
            } else {
                Ty::Tuple(items)
            });
        }
        if self.eat(b'[') {
            if self.path()? != "u8" {
                return Err("only byte arrays ([u8; N]) are supported".into());
            }
            self.expect(b';')?;
            self.skip_space();
            let start = self.i;
            while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
                self.i += 1;
            }
            let n = std::str::from_utf8(&self.s[start..self.i])
                .ok()
                .and_then(|d| d.parse().ok())
                .ok_or("an array's length must be a number")?;
            self.expect(b']')?;
            return Ok(Ty::Array(n));
        }
        let name = self.path()?;
        let generic = |p: &mut Self, n: usize| -> Result<Vec<Ty>, String> {
            p.expect(b'<')?;
            let mut args = vec![p.ty(depth + 1)?];
            while args.len() < n {
                p.expect(b',')?;
                args.push(p.ty(depth + 1)?);
            }
            p.expect(b'>')?;
            Ok(args)
        };
        Ok(match name.as_str() {
            "u8" => Ty::U8,
            "u16" => Ty::U16,
            "u32" => Ty::U32,
            "u64" => Ty::U64,
            "u128" => Ty::U128,
            "i64" => Ty::I64,
            "bool" => Ty::Bool,
            "String" => Ty::String,
            "Address" => Ty::Address,
            "Vec" => match generic(self, 1)?.remove(0) {
                Ty::U8 => Ty::Bytes,
                t => Ty::Vec(Box::new(t)),
            },
            "Option" => Ty::Option(Box::new(generic(self, 1)?.remove(0))),
            "Result" => generic(self, 2)?.remove(0),
            _ => {
                // A type of the contract's own, perhaps generic: kept by name.
                if self.eat(b'<') {
                    return Err(format!("generic type {name}<…> is not supported"));
                }
                Ty::Opaque(name)
            }
        })
    }
}

impl ContractMetadata {
    /// Parses and checks a metadata section: records of a kind byte, a field count and that many
    /// strings (a `u32` big-endian length, then UTF-8), concatenated in any order. Exactly one
    /// contract record; names are identifiers of at most [`MAX_NAME`] bytes; types parse;
    /// no method or event twice with different definitions (identical repeats, which two
    /// copies of one macro make, count once).
    pub fn parse(bytes: &[u8]) -> Result<ContractMetadata, String> {
        if bytes.len() > MAX_BYTES {
            return Err(format!(
                "the metadata is {} bytes; at most {MAX_BYTES}",
                bytes.len()
            ));
        }
        let mut meta = ContractMetadata::default();
        let mut contract_seen = false;
        let mut r = Reader::new(bytes);
        let mut records = 0;
        while r.remaining() > 0 {
            records += 1;
            if records > MAX_RECORDS {
                return Err(format!("more than {MAX_RECORDS} metadata records"));
            }
            let (kind, fields) = record(&mut r).map_err(|e| format!("record {records}: {e}"))?;
            let at = |e: String| format!("record {records}: {e}");
            match kind {
                CONTRACT => {
                    let [name, version] = exact::<2>(fields).map_err(at)?;
                    let name = ident(name, "contract name").map_err(at)?;
                    let version = text(version, MAX_NAME, "version").map_err(at)?;
                    if contract_seen && (name != meta.name || version != meta.version) {
                        return Err(at("a second, different contract record".into()));
                    }
                    contract_seen = true;
                    (meta.name, meta.version) = (name, version);
                }
                METHOD => {
                    let m = method(fields).map_err(at)?;
                    insert(&mut meta.methods, m, |m| &m.name, "method").map_err(at)?;
                }
                EVENT => {
                    let e = event(fields).map_err(at)?;
                    insert(&mut meta.events, e, |e| &e.name, "event").map_err(at)?;
                }
                REVERT => {
                    let [reason] = exact::<1>(fields).map_err(at)?;
                    let reason = text(reason, MAX_TEXT, "revert reason").map_err(at)?;
                    if let Err(i) = meta.reverts.binary_search(&reason) {
                        meta.reverts.insert(i, reason);
                    }
                }
                other => return Err(at(format!("unknown record kind {other}"))),
            }
        }
        if !contract_seen {
            return Err("no contract record (name and version)".into());
        }
        Ok(meta)
    }

    /// The method called `name`.
    pub fn method(&self, name: &str) -> Option<&Method> {
        self.methods.iter().find(|m| m.name == name)
    }

    /// The event with topic `name`.
    pub fn event(&self, name: &str) -> Option<&EventDef> {
        self.events.iter().find(|e| e.name == name)
    }
}

fn record(r: &mut Reader<'_>) -> Result<(u8, Vec<String>), DecodeError> {
    let kind = r.u8("kind")?;
    let count = r.u8("field count")?;
    if count > MAX_FIELDS {
        return Err(r.error(
            "field count",
            format!("{count} fields; at most {MAX_FIELDS}"),
        ));
    }
    (0..count)
        .map(|_| r.string("field", MAX_TEXT))
        .collect::<Result<_, _>>()
        .map(|f| (kind, f))
}

fn exact<const N: usize>(fields: Vec<String>) -> Result<[String; N], String> {
    let n = fields.len();
    fields
        .try_into()
        .map_err(|_| format!("{n} fields where {N} belong"))
}

fn text(s: String, max: usize, what: &str) -> Result<String, String> {
    if s.len() > max || s.chars().any(char::is_control) {
        return Err(format!(
            "the {what} must be at most {max} bytes without control characters"
        ));
    }
    Ok(s)
}

fn ident(s: String, what: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= MAX_NAME
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok {
        return Err(format!(
            "{what} {s:?} is not a name (letters, digits, '_' or '-', at most {MAX_NAME} bytes)"
        ));
    }
    Ok(s)
}

/// Pairs of (name, type) from the fields after the first `skip`.
fn fields_of(fields: &[String], what: &str) -> Result<Vec<Field>, String> {
    if !fields.len().is_multiple_of(2) {
        return Err(format!("{what}s come in name and type pairs"));
    }
    let mut out: Vec<Field> = Vec::new();
    for pair in fields.chunks(2) {
        let name = ident(pair[0].clone(), what)?;
        if out.iter().any(|f| f.name == name) {
            return Err(format!("{what} {name} appears twice"));
        }
        let ty = Ty::parse(&pair[1]).map_err(|e| format!("{what} {name}: {e}"))?;
        out.push(Field { name, ty });
    }
    Ok(out)
}

fn method(fields: Vec<String>) -> Result<Method, String> {
    if fields.len() < 3 {
        return Err("a method has a name, a documentation line and a return type".into());
    }
    let name = ident(fields[0].clone(), "method name")?;
    let doc = text(fields[1].clone(), MAX_TEXT, "documentation line")?;
    let returns = Ty::parse(&fields[2]).map_err(|e| format!("method {name} returns: {e}"))?;
    let args = fields_of(&fields[3..], "argument")?;
    Ok(Method {
        name,
        doc,
        args,
        returns,
        writes: None,
    })
}

fn event(fields: Vec<String>) -> Result<EventDef, String> {
    if fields.len() < 2 {
        return Err("an event has a name and a documentation line".into());
    }
    let name = ident(fields[0].clone(), "event name")?;
    let doc = text(fields[1].clone(), MAX_TEXT, "documentation line")?;
    let fields = fields_of(&fields[2..], "field")?;
    Ok(EventDef { name, doc, fields })
}

/// Inserts `item` in name order; an identical repeat is dropped, a different one refused.
fn insert<T: PartialEq>(
    items: &mut Vec<T>,
    item: T,
    name: impl Fn(&T) -> &String,
    what: &str,
) -> Result<(), String> {
    match items.binary_search_by(|x| name(x).cmp(name(&item))) {
        Ok(i) if items[i] == item => Ok(()),
        Ok(_) => Err(format!(
            "{what} {} is described twice, differently",
            name(&item)
        )),
        Err(i) => {
            items.insert(i, item);
            Ok(())
        }
    }
}

/// Builds a metadata section (what the SDK's macros produce), for tests and tools.
pub mod build {
    use crate::codec::Writer;

    /// One record: `kind`, then `fields`.
    pub fn record(kind: u8, fields: &[&str]) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(kind).u8(fields.len() as u8);
        for f in fields {
            w.string(f);
        }
        w.into_bytes()
    }

    /// The contract record.
    pub fn contract(name: &str, version: &str) -> Vec<u8> {
        record(super::CONTRACT, &[name, version])
    }

    /// A method record: name, doc, return type, then argument names and types.
    pub fn method(name: &str, doc: &str, returns: &str, args: &[(&str, &str)]) -> Vec<u8> {
        let mut f = vec![name, doc, returns];
        for (n, t) in args {
            f.extend([*n, *t]);
        }
        record(super::METHOD, &f)
    }

    /// An event record: name, doc, then field names and types.
    pub fn event(name: &str, doc: &str, fields: &[(&str, &str)]) -> Vec<u8> {
        let mut f = vec![name, doc];
        for (n, t) in fields {
            f.extend([*n, *t]);
        }
        record(super::EVENT, &f)
    }

    /// A revert reason record.
    pub fn revert(reason: &str) -> Vec<u8> {
        record(super::REVERT, &[reason])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(records: &[Vec<u8>]) -> Vec<u8> {
        records.concat()
    }

    #[test]
    fn types_parse_as_rust_writes_them_and_print_back() {
        for (text, want) in [
            ("u128", "u128"),
            ("alloc::string::String", "String"),
            ("Vec < u8 >", "Vec<u8>"),
            ("Vec<(Address, u128)>", "Vec<(Address, u128)>"),
            ("Option<[u8; 32]>", "Option<[u8; 32]>"),
            ("Result<(), Error>", "()"),
            (
                "Result<(String, String, u8, u128), citychain_sdk::Error>",
                "(String, String, u8, u128)",
            ),
            ("(u8,)", "(u8,)"),
            ("Ballot", "Ballot"),
        ] {
            let ty = Ty::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(ty.to_string(), want, "{text}");
            assert_eq!(Ty::parse(want).expect("round trip"), ty, "{want}");
        }
        for bad in [
            "",
            "Vec<u8",
            "[u16; 4]",
            "Vec<u8>>",
            "Map<u8, u8>",
            "(u8",
            "[u8; x]",
        ] {
            assert!(Ty::parse(bad).is_err(), "{bad:?} parsed");
        }
        let deep = format!("{}u8{}", "Vec<".repeat(20), ">".repeat(20));
        assert!(Ty::parse(&deep).expect_err("too deep").contains("nest"));
    }

    #[test]
    fn a_section_parses_in_any_order_and_repeats_count_once() {
        let bytes = section(&[
            build::revert("balance {} is below {}"),
            build::method(
                "transfer",
                "Moves tokens.",
                "Result<(), Error>",
                &[("to", "Address"), ("amount", "u128")],
            ),
            build::event(
                "transfer",
                "",
                &[("from", "Address"), ("to", "Address"), ("amount", "u128")],
            ),
            build::contract("token", "0.1.0"),
            build::method("balance_of", "", "u128", &[("owner", "Address")]),
            build::revert("balance {} is below {}"),
            build::contract("token", "0.1.0"),
        ]);
        let m = ContractMetadata::parse(&bytes).expect("parses");
        assert_eq!((m.name.as_str(), m.version.as_str()), ("token", "0.1.0"));
        let names: Vec<&str> = m.methods.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["balance_of", "transfer"]);
        let t = m.method("transfer").expect("transfer");
        assert_eq!(t.returns, Ty::Unit);
        assert_eq!(t.args[1].ty, Ty::U128);
        assert_eq!(m.event("transfer").expect("event").fields.len(), 3);
        assert_eq!(m.reverts, ["balance {} is below {}"]);
    }

    /// The record vector in `docs/contracts.md` is what a method record is.
    #[test]
    fn the_documented_record_vector_is_a_method_record() {
        let record = build::method("balance_of", "", "u128", &[("owner", "Address")]);
        let doc = include_str!("../../../docs/contracts.md");
        let start = doc
            .find("\n02 05 ")
            .expect("the vector in docs/contracts.md")
            + 1;
        let end = start + doc[start..].find("\n```").expect("end of the vector");
        let documented: String = doc[start..end].split_whitespace().collect();
        assert_eq!(
            documented,
            record
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let m =
            ContractMetadata::parse(&[build::contract("t", "1"), record].concat()).expect("parses");
        assert_eq!(m.methods[0].args[0].ty, Ty::Address);
    }

    #[test]
    fn malformed_sections_are_refused_with_the_reason() {
        let c = build::contract("token", "1.0.0");
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![], "no contract record"),
            (
                section(&[c.clone(), build::contract("other", "1.0.0")]),
                "second, different contract record",
            ),
            (
                section(&[c.clone(), build::record(9, &["x"])]),
                "unknown record kind 9",
            ),
            (section(&[c.clone(), vec![2, 1, 0, 0]]), "record 2"),
            (
                section(&[c.clone(), build::method("bad name", "", "()", &[])]),
                "is not a name",
            ),
            (
                section(&[c.clone(), build::method("f", "", "Vec<u8", &[])]),
                "method f returns",
            ),
            (
                section(&[
                    c.clone(),
                    build::method("f", "", "()", &[("a", "u8"), ("a", "u8")]),
                ]),
                "appears twice",
            ),
            (
                section(&[
                    c.clone(),
                    build::method("f", "", "()", &[]),
                    build::method("f", "", "u8", &[]),
                ]),
                "described twice",
            ),
            (
                section(&[c.clone(), build::revert("line\nbreak")]),
                "control characters",
            ),
            (vec![0; MAX_BYTES + 1], "at most"),
        ];
        for (bytes, why) in cases {
            let err = ContractMetadata::parse(&bytes).expect_err(why);
            assert!(err.contains(why), "{why}: {err}");
        }
    }
}
