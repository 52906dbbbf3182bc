//! Contract arguments and results from and to text, in the canonical encoding contracts use
//! (`docs/contracts.md`).
//!
//! An argument is `TYPE:VALUE`: `u8`, `u16`, `u32`, `u64`, `u128`, `bool` (`true`/`false`),
//! `address` (0x + 40 hex), `hash` (0x + 64 hex, written raw), `string` (UTF-8, length first),
//! `bytes` (hex, length first) or `raw` (hex, written as is). Arguments are concatenated in
//! order. Result types are the same names (`raw` takes the rest), comma-separated, and
//! `option<T>` for an optional value.

use citychain_crypto::{Address, hex};
use citychain_types::codec::{Reader, Writer};
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
}
