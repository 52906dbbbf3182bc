//! Contract arguments and results from and to text, in the canonical encoding contracts use
//! (`docs/contracts.md`).
//!
//! An argument is `TYPE:VALUE`: `u8`, `u16`, `u32`, `u64`, `u128`, `bool` (`true`/`false`),
//! `address` (0x + 40 hex), `hash` (0x + 64 hex, written raw), `string` (UTF-8, length first),
//! `bytes` (hex, length first) or `raw` (hex, written as is). Arguments are concatenated in
//! order. Result types are the same names (`raw` takes the rest), comma-separated, and
//! `option<T>` for an optional value.
//!
//! A contract that carries metadata (`citychain_types::metadata`) needs none of that: its
//! arguments go by name ([`encode_named`]) and its results and events decode by the types it
//! declares ([`decode_typed`], [`decode_event`]).

use citychain_crypto::{Address, hex};
use citychain_types::codec::{Reader, Writer};
use citychain_types::metadata::{EventDef, Method, Ty};
use serde_json::{Value, json};

/// Encodes `TYPE:VALUE` arguments.
pub fn encode_args<S: AsRef<str>>(args: &[S]) -> Result<Vec<u8>, String> {
    let mut w = Writer::new();
    for arg in args {
        let arg = arg.as_ref();
        let (ty, value) = arg
            .split_once(':')
            .ok_or_else(|| format!("argument {arg:?} is not TYPE:VALUE (e.g. u128:100)"))?;
        encode_one(&mut w, ty, value).map_err(|e| format!("argument {arg:?}: {e}"))?;
    }
    Ok(w.into_bytes())
}

fn int<T: std::str::FromStr>(v: &str) -> Result<T, String> {
    v.replace('_', "")
        .parse()
        .map_err(|_| format!("{v:?} is not a valid number of this width"))
}

fn encode_one(w: &mut Writer, ty: &str, v: &str) -> Result<(), String> {
    match ty {
        "u8" => {
            w.u8(int(v)?);
        }
        "u16" => {
            w.u16(int(v)?);
        }
        "u32" => {
            w.u32(int(v)?);
        }
        "u64" => {
            w.u64(int(v)?);
        }
        "u128" => {
            w.u128(int(v)?);
        }
        "bool" => {
            w.bool(match v {
                "true" => true,
                "false" => false,
                _ => return Err("a bool is true or false".into()),
            });
        }
        "address" => {
            let a: Address = v.parse().map_err(|e| format!("{e}"))?;
            w.raw(&a.0);
        }
        "hash" => {
            let b = hex::decode(v).map_err(|e| format!("{e}"))?;
            if b.len() != 32 {
                return Err(format!("a hash is 32 bytes, not {}", b.len()));
            }
            w.raw(&b);
        }
        "string" => {
            w.string(v);
        }
        "bytes" => {
            w.bytes(&hex::decode(v).map_err(|e| format!("{e}"))?);
        }
        "raw" => {
            w.raw(&hex::decode(v).map_err(|e| format!("{e}"))?);
        }
        other => {
            return Err(format!(
                "unknown type {other:?}; use u8, u16, u32, u64, u128, bool, address, hash, \
                 string, bytes or raw"
            ));
        }
    }
    Ok(())
}

/// Decodes `bytes` as the comma-separated `types`, into JSON values (128-bit numbers as
/// strings, bytes as hex).
pub fn decode_values(types: &str, bytes: &[u8]) -> Result<Vec<Value>, String> {
    let mut r = Reader::new(bytes);
    let mut out = Vec::new();
    for ty in split_types(types) {
        out.push(decode_one(&mut r, ty.trim())?);
    }
    if r.remaining() != 0 {
        return Err(format!(
            "{} bytes left after decoding {types:?}",
            r.remaining()
        ));
    }
    Ok(out)
}

/// Splits at commas outside `<…>`.
fn split_types(types: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in types.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&types[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&types[start..]);
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

fn decode_one(r: &mut Reader<'_>, ty: &str) -> Result<Value, String> {
    let e = |e: citychain_types::DecodeError| format!("decoding {ty}: {e}");
    if let Some(inner) = ty.strip_prefix("option<").and_then(|t| t.strip_suffix('>')) {
        return match r.u8("option tag").map_err(e)? {
            0 => Ok(Value::Null),
            1 => decode_one(r, inner.trim()),
            t => Err(format!("option tag {t} is not 0 or 1")),
        };
    }
    Ok(match ty {
        "u8" => json!(r.u8("u8").map_err(e)?),
        "u16" => json!(r.u16("u16").map_err(e)?),
        "u32" => json!(r.u32("u32").map_err(e)?),
        "u64" => json!(r.u64("u64").map_err(e)?),
        "u128" => json!(r.u128("u128").map_err(e)?.to_string()),
        "bool" => json!(r.bool("bool").map_err(e)?),
        "address" => json!(Address(r.array::<20>("address").map_err(e)?).to_string()),
        "hash" => json!(hex::encode(r.array::<32>("hash").map_err(e)?)),
        "string" => json!(r.string("string", usize::MAX).map_err(e)?),
        "bytes" => json!(hex::encode(r.bytes("bytes", usize::MAX).map_err(e)?)),
        "raw" => {
            let n = r.remaining();
            json!(hex::encode(r.take("raw", n).map_err(e)?))
        }
        other => return Err(format!("unknown result type {other:?}")),
    })
}

/// Encodes `NAME=VALUE` arguments of `method` as its metadata describes them: every argument
/// exactly once, in the method's order, each checked against its type before anything is
/// signed. Values are text for numbers (`1_000` allowed), `true`/`false`, addresses and hex
/// byte strings (`0x…`; `[u8; N]` must be N bytes), the text itself for a `String`, and JSON
/// for vectors, tuples and options (`["0x…","0x…"]`, `[1,"a"]`, `null`).
pub fn encode_named(method: &Method, args: &[String]) -> Result<Vec<u8>, String> {
    let mut given: Vec<(&str, &str)> = Vec::new();
    for arg in args {
        let (name, value) = arg
            .split_once('=')
            .ok_or_else(|| format!("argument {arg:?} is not NAME=VALUE (e.g. amount=100)"))?;
        if given.iter().any(|(n, _)| *n == name) {
            return Err(format!("argument {name} is given twice"));
        }
        if !method.args.iter().any(|a| a.name == name) {
            return Err(format!(
                "{} has no argument {name:?}; it takes {}",
                method.name,
                signature(method)
            ));
        }
        given.push((name, value));
    }
    let mut w = Writer::new();
    for field in &method.args {
        let Some((_, text)) = given.iter().find(|(n, _)| *n == field.name) else {
            return Err(format!(
                "argument {} ({}) is missing; {} takes {}",
                field.name,
                field.ty,
                method.name,
                signature(method)
            ));
        };
        text_value(&field.ty, text)
            .and_then(|v| encode_value(&mut w, &field.ty, &v))
            .map_err(|e| format!("argument {} ({}): {e}", field.name, field.ty))?;
    }
    Ok(w.into_bytes())
}

/// `(name: type, …)` of a method, for messages.
pub fn signature(method: &Method) -> String {
    let args: Vec<String> = method
        .args
        .iter()
        .map(|a| format!("{}: {}", a.name, a.ty))
        .collect();
    format!("({})", args.join(", "))
}

/// An argument's text as a JSON value: JSON itself for compound types, the text as a string
/// for the rest.
///
/// An option of a plain type also takes the plain text as its value (`keyword=gps` for an
/// `Option<String>`); `null` is none.
fn text_value(ty: &Ty, text: &str) -> Result<Value, String> {
    match ty {
        Ty::Option(inner) if !matches!(**inner, Ty::Vec(_) | Ty::Tuple(_) | Ty::Option(_)) => {
            match serde_json::from_str::<Value>(text) {
                Ok(Value::Null) => Ok(Value::Null),
                Ok(v @ Value::String(_)) => Ok(v),
                Ok(v) if !matches!(**inner, Ty::String) => Ok(v),
                _ => text_value(inner, text),
            }
        }
        Ty::Vec(_) | Ty::Tuple(_) | Ty::Option(_) => {
            serde_json::from_str(text).map_err(|e| format!("{text:?} is not JSON: {e}"))
        }
        _ => Ok(Value::String(text.to_string())),
    }
}

/// Writes `v` as a value of type `ty` in the canonical encoding.
pub fn encode_value(w: &mut Writer, ty: &Ty, v: &Value) -> Result<(), String> {
    fn number<T: std::str::FromStr>(v: &Value) -> Result<T, String> {
        let text = match v {
            Value::String(s) => s.replace('_', ""),
            Value::Number(n) => n.to_string(),
            other => return Err(format!("{other} is not a number")),
        };
        text.parse()
            .map_err(|_| format!("{text:?} is not a number of this width"))
    }
    fn text(v: &Value) -> Result<&str, String> {
        v.as_str().ok_or_else(|| format!("{v} is not a string"))
    }
    fn bytes(v: &Value) -> Result<Vec<u8>, String> {
        hex::decode(text(v)?).map_err(|e| e.to_string())
    }
    match ty {
        Ty::U8 => {
            w.u8(number(v)?);
        }
        Ty::U16 => {
            w.u16(number(v)?);
        }
        Ty::U32 => {
            w.u32(number(v)?);
        }
        Ty::U64 => {
            w.u64(number(v)?);
        }
        Ty::U128 => {
            w.u128(number(v)?);
        }
        Ty::I64 => {
            w.u64(number::<i64>(v)? as u64);
        }
        Ty::Bool => {
            w.bool(match v {
                Value::Bool(b) => *b,
                Value::String(s) if s == "true" => true,
                Value::String(s) if s == "false" => false,
                _ => return Err(format!("{v} is not true or false")),
            });
        }
        Ty::Unit => {
            if !(v.is_null() || v == "()" || v == "") {
                return Err(format!("{v} given where nothing belongs"));
            }
        }
        Ty::String => {
            w.string(text(v)?);
        }
        Ty::Address => {
            let a: Address = text(v)?.parse().map_err(|e| format!("{e}"))?;
            w.raw(&a.0);
        }
        Ty::Bytes => {
            w.bytes(&bytes(v)?);
        }
        Ty::Array(n) => {
            let b = bytes(v)?;
            if b.len() != *n as usize {
                return Err(format!("{} bytes where {n} belong", b.len()));
            }
            w.raw(&b);
        }
        Ty::Opaque(name) => {
            // The contract's own type: its encoding, as hex.
            let b =
                bytes(v).map_err(|e| format!("{name} is passed as hex of its encoding: {e}"))?;
            w.raw(&b);
        }
        Ty::Option(inner) => {
            if v.is_null() {
                w.u8(0);
            } else {
                w.u8(1);
                encode_value(w, inner, v)?;
            }
        }
        Ty::Vec(inner) => {
            let items = v.as_array().ok_or_else(|| format!("{v} is not a list"))?;
            w.length(items.len());
            for (i, item) in items.iter().enumerate() {
                encode_value(w, inner, item).map_err(|e| format!("item {i}: {e}"))?;
            }
        }
        Ty::Tuple(types) => {
            let items = v.as_array().ok_or_else(|| format!("{v} is not a list"))?;
            if items.len() != types.len() {
                return Err(format!(
                    "{} items where the tuple has {}",
                    items.len(),
                    types.len()
                ));
            }
            for (i, (t, item)) in types.iter().zip(items).enumerate() {
                encode_value(w, t, item).map_err(|e| format!("item {i}: {e}"))?;
            }
        }
    }
    Ok(())
}

/// Decodes all of `bytes` as one value of type `ty`.
pub fn decode_typed(ty: &Ty, bytes: &[u8]) -> Result<Value, String> {
    let mut r = Reader::new(bytes);
    let v = read_value(&mut r, ty)?;
    if r.remaining() != 0 {
        return Err(format!("{} bytes left after decoding {ty}", r.remaining()));
    }
    Ok(v)
}

/// Decodes a contract event's data as the fields its metadata declares, into an object.
pub fn decode_event(def: &EventDef, data: &[u8]) -> Result<Value, String> {
    let mut r = Reader::new(data);
    let mut out = serde_json::Map::new();
    for f in &def.fields {
        out.insert(
            f.name.clone(),
            read_value(&mut r, &f.ty).map_err(|e| format!("field {}: {e}", f.name))?,
        );
    }
    if r.remaining() != 0 {
        return Err(format!("{} bytes left after the fields", r.remaining()));
    }
    Ok(Value::Object(out))
}

/// Reads one value of type `ty` (integers up to 64 bits as JSON numbers, `u128` as a string,
/// bytes as 0x-hex, tuples as lists, `None` as null).
fn read_value(r: &mut Reader<'_>, ty: &Ty) -> Result<Value, String> {
    let e = |e: citychain_types::DecodeError| format!("decoding {ty}: {e}");
    Ok(match ty {
        Ty::U8 => json!(r.u8("u8").map_err(e)?),
        Ty::U16 => json!(r.u16("u16").map_err(e)?),
        Ty::U32 => json!(r.u32("u32").map_err(e)?),
        Ty::U64 => json!(r.u64("u64").map_err(e)?),
        Ty::U128 => json!(r.u128("u128").map_err(e)?.to_string()),
        Ty::I64 => json!(r.u64("i64").map_err(e)? as i64),
        Ty::Bool => json!(r.bool("bool").map_err(e)?),
        Ty::Unit => Value::Null,
        Ty::String => json!(r.string("string", usize::MAX).map_err(e)?),
        Ty::Address => json!(Address(r.array::<20>("address").map_err(e)?).to_string()),
        Ty::Bytes => json!(hex::encode(r.bytes("bytes", usize::MAX).map_err(e)?)),
        Ty::Array(n) => json!(hex::encode(r.take("bytes", *n as usize).map_err(e)?)),
        Ty::Opaque(_) => {
            // Nothing says where it ends: it takes the rest.
            let n = r.remaining();
            json!(hex::encode(r.take("bytes", n).map_err(e)?))
        }
        Ty::Option(inner) => match r.u8("option tag").map_err(e)? {
            0 => Value::Null,
            1 => read_value(r, inner)?,
            t => return Err(format!("option tag {t} is not 0 or 1")),
        },
        Ty::Vec(inner) => {
            // Each item takes at least one byte, so the count is bounded by what is left.
            let n = r.length("count", r.remaining()).map_err(e)?;
            let mut items = Vec::new();
            for _ in 0..n {
                items.push(read_value(r, inner)?);
            }
            Value::Array(items)
        }
        Ty::Tuple(types) => Value::Array(
            types
                .iter()
                .map(|t| read_value(r, t))
                .collect::<Result<_, _>>()?,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_encode_canonically_and_decode_back() {
        let bytes = encode_args(&[
            "address:0x00112233445566778899aabbccddeeff00112233",
            "u128:1_000",
            "string:hi",
            "bool:true",
        ])
        .expect("encodes");
        assert_eq!(bytes.len(), 20 + 16 + 4 + 2 + 1);
        let values = decode_values("address, u128, string, bool", &bytes).expect("decodes");
        assert_eq!(
            values,
            vec![
                json!("0x00112233445566778899aabbccddeeff00112233"),
                json!("1000"),
                json!("hi"),
                json!(true)
            ]
        );
        assert_eq!(
            decode_values("option<u64>,option<u8>", &[1, 0, 0, 0, 0, 0, 0, 0, 9, 0])
                .expect("options"),
            vec![json!(9), Value::Null]
        );
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        assert!(
            encode_args(&["u8:300"])
                .expect_err("too big")
                .contains("u8:300")
        );
        assert!(
            encode_args(&["100"])
                .expect_err("no type")
                .contains("TYPE:VALUE")
        );
        assert!(
            encode_args(&["float:1.5"])
                .expect_err("type")
                .contains("unknown type")
        );
        assert!(decode_values("u64", &[1, 2]).is_err());
        assert!(
            decode_values("u8", &[1, 2])
                .expect_err("leftover")
                .contains("left")
        );
    }

    fn method(args: &[(&str, &str)], returns: &str) -> Method {
        let bytes = [
            citychain_types::metadata::build::contract("c", "1.0.0"),
            citychain_types::metadata::build::method("m", "", returns, args),
        ]
        .concat();
        citychain_types::metadata::ContractMetadata::parse(&bytes)
            .expect("metadata")
            .methods
            .remove(0)
    }

    #[test]
    fn an_option_of_a_plain_type_takes_plain_text() {
        let m = method(
            &[("keyword", "Option<String>"), ("max", "Option<u8>")],
            "()",
        );
        let encode = |k: &str, n: &str| {
            encode_named(&m, &[format!("keyword={k}"), format!("max={n}")]).expect("encodes")
        };
        let some = |text: &str| {
            let mut w = Writer::new();
            w.u8(1).string(text).u8(1).u8(2);
            w.into_bytes()
        };
        assert_eq!(encode("gps", "2"), some("gps"));
        assert_eq!(encode("\"gps\"", "2"), some("gps"), "JSON still works");
        assert_eq!(
            encode("123", "2"),
            some("123"),
            "digits are text for a String"
        );
        assert_eq!(encode("null", "null"), vec![0, 0]);
        let err = encode_named(&m, &["keyword=x".into(), "max=lots".into()]).expect_err("not a u8");
        assert!(err.contains("max"), "{err}");
    }

    #[test]
    fn named_arguments_encode_in_the_methods_order_whatever_order_they_come_in() {
        let m = method(
            &[
                ("to", "Address"),
                ("amount", "u128"),
                ("memo", "Option<String>"),
                ("parties", "Vec<(Address, u32)>"),
                ("hash", "[u8; 4]"),
            ],
            "()",
        );
        let a = "0x00112233445566778899aabbccddeeff00112233";
        let given = [
            format!("parties=[[\"{a}\", 7]]"),
            "hash=0x01020304".to_string(),
            "memo=\"hi\"".to_string(),
            "amount=1_000".to_string(),
            format!("to={a}"),
        ];
        let bytes = encode_named(&m, &given).expect("encodes");
        let mut w = Writer::new();
        let addr: Address = a.parse().expect("address");
        w.raw(&addr.0)
            .u128(1000)
            .u8(1)
            .string("hi")
            .length(1)
            .raw(&addr.0)
            .u32(7);
        w.raw(&[1, 2, 3, 4]);
        assert_eq!(bytes, w.into_bytes());
        let tuple = Ty::parse("(Address, u128, Option<String>, Vec<(Address, u32)>, [u8; 4])")
            .expect("type");
        assert_eq!(
            decode_typed(&tuple, &bytes).expect("decodes"),
            json!([a, "1000", "hi", [[a, 7]], "0x01020304"])
        );
    }

    #[test]
    fn named_arguments_that_do_not_fit_say_which_and_why() {
        let m = method(&[("to", "Address"), ("amount", "u128")], "()");
        let a = "to=0x00112233445566778899aabbccddeeff00112233";
        for (args, why) in [
            (vec![a], "argument amount (u128) is missing"),
            (vec![a, "amount=-1"], "argument amount (u128)"),
            (vec![a, "amount=1", "amount=2"], "given twice"),
            (vec![a, "amount=1", "fee=2"], "has no argument \"fee\""),
            (vec!["to=0x12", "amount=1"], "argument to (Address)"),
            (vec!["amount"], "not NAME=VALUE"),
        ] {
            let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            let err = encode_named(&m, &args).expect_err(why);
            assert!(err.contains(why), "{why}: {err}");
        }
        let v = Ty::parse("Vec<u64>").expect("type");
        assert!(
            decode_typed(&v, &[0xff, 0xff, 0xff, 0xff]).is_err(),
            "a huge count is refused"
        );
        assert!(
            decode_typed(&Ty::U8, &[1, 2])
                .expect_err("extra bytes")
                .contains("left")
        );
    }
}
