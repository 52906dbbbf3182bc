//! Hex text for bytes: `0x`-prefixed lowercase on output, prefix optional on input.

use crate::{Error, Result};

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Formats bytes as `0x`-prefixed lowercase hex.
///
/// Table-driven into one allocation: the API writes every hash, key and transaction it
/// returns this way (a block's list of 10,000 hashes is 660 KB of it).
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    let bytes = bytes.as_ref();
    let mut out = String::with_capacity(2 + 2 * bytes.len());
    out.push_str("0x");
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// Each byte's value as a hex digit (either case), or `NOT_HEX`.
const DIGIT_VALUES: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};
const NOT_HEX: u8 = 0xff;

/// The value of one hex digit (either case).
fn digit(c: u8) -> Option<u8> {
    Some(DIGIT_VALUES[usize::from(c)]).filter(|&v| v != NOT_HEX)
}

/// Parses hex with or without a `0x` prefix.
pub fn decode(text: &str) -> Result<Vec<u8>> {
    let digits = text.strip_prefix("0x").unwrap_or(text).as_bytes();
    let invalid = |why: String| Error::InvalidHex(format!("{text:?}: {why}"));
    if !digits.len().is_multiple_of(2) {
        return Err(invalid(format!(
            "an odd number of digits ({})",
            digits.len()
        )));
    }
    let mut out = Vec::with_capacity(digits.len() / 2);
    for (i, pair) in digits.chunks_exact(2).enumerate() {
        match (digit(pair[0]), digit(pair[1])) {
            (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
            (hi, _) => {
                let at = 2 * i + usize::from(hi.is_some());
                // The first bad byte starts a character: every byte before it was an ASCII digit.
                let shown = text
                    .get(text.len() - digits.len() + at..)
                    .and_then(|rest| rest.chars().next())
                    .map_or_else(|| "a byte".to_string(), |c| format!("{c:?}"));
                return Err(invalid(format!("invalid character {shown} at digit {at}")));
            }
        }
    }
    Ok(out)
}

/// Parses `0x`-prefixed hex: the only form JSON carries (a bare digit string could as well be
/// a number, so it is refused rather than guessed at).
pub fn decode_prefixed(text: &str) -> Result<Vec<u8>> {
    if !text.starts_with("0x") {
        return Err(Error::InvalidHex(format!(
            "{text:?}: expected 0x-prefixed hex"
        )));
    }
    decode(text)
}

/// [`decode_prefixed`] into exactly `N` bytes.
pub fn decode_prefixed_array<const N: usize>(text: &str) -> Result<[u8; N]> {
    let bytes = decode_prefixed(text)?;
    let len = bytes.len();
    bytes.try_into().map_err(|_| Error::InvalidLength {
        expected: N,
        found: len,
    })
}

/// Parses hex into exactly `N` bytes.
pub fn decode_array<const N: usize>(text: &str) -> Result<[u8; N]> {
    let bytes = decode(text)?;
    let len = bytes.len();
    bytes.try_into().map_err(|_| Error::InvalidLength {
        expected: N,
        found: len,
    })
}

/// Serde adapter for `Vec<u8>`-like fields as hex strings.
pub mod serde_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        bytes: &impl AsRef<[u8]>,
        s: S,
    ) -> ::core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&super::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: From<Vec<u8>>>(d: D) -> Result<T, D::Error> {
        let text = String::deserialize(d)?;
        super::decode_prefixed(&text)
            .map(T::from)
            .map_err(serde::de::Error::custom)
    }
}

/// Implements `Display`, `Debug`, `FromStr` and hex serde for a fixed-size byte newtype.
#[macro_export]
macro_rules! impl_hex_newtype {
    ($name:ident, $len:expr) => {
        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(&$crate::hex::encode(self.0))
            }
        }
        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                write!(f, "{}({})", stringify!($name), $crate::hex::encode(self.0))
            }
        }
        impl ::core::str::FromStr for $name {
            type Err = $crate::Error;
            fn from_str(s: &str) -> $crate::Result<Self> {
                $crate::hex::decode_array::<$len>(s).map(Self)
            }
        }
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                s: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                s.serialize_str(&$crate::hex::encode(self.0))
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                d: D,
            ) -> ::core::result::Result<Self, D::Error> {
                let text = <String as ::serde::Deserialize>::deserialize(d)?;
                $crate::hex::decode_prefixed_array::<$len>(&text)
                    .map(Self)
                    .map_err(::serde::de::Error::custom)
            }
        }
        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }
        $crate::__hex_newtype_schema_if_enabled!($name, $len);
    };
}

/// Expands to the type's `JsonSchema` impl when this crate's `schema` feature is on.
#[cfg(feature = "schema")]
#[doc(hidden)]
#[macro_export]
macro_rules! __hex_newtype_schema_if_enabled {
    ($name:ident, $len:expr) => {
        $crate::__hex_newtype_schema!($name, $len);
    };
}

#[cfg(not(feature = "schema"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __hex_newtype_schema_if_enabled {
    ($name:ident, $len:expr) => {};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_and_without_prefix() {
        assert_eq!(encode([0xab, 0x01]), "0xab01");
        assert_eq!(decode("0xab01").expect("valid"), vec![0xab, 0x01]);
        assert_eq!(decode("AB01").expect("valid"), vec![0xab, 0x01]);
        assert!(decode("0xzz").is_err());
        // JSON takes only the prefixed form.
        assert!(decode_prefixed("ab01").is_err());
        assert_eq!(decode_prefixed("0xab01").expect("valid"), vec![0xab, 0x01]);
        assert!(matches!(
            decode_array::<3>("0xab01"),
            Err(Error::InvalidLength {
                expected: 3,
                found: 2
            })
        ));
    }

    #[test]
    fn agrees_with_the_reference_crate_on_every_byte_and_explains_bad_digits() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(encode(&all), format!("0x{}", ::hex::encode(&all)));
        assert_eq!(decode(&encode(&all)).expect("valid"), all);
        assert_eq!(decode(&::hex::encode_upper(&all)).expect("upper case"), all);
        assert_eq!(encode([]), "0x");
        assert_eq!(decode("0x").expect("empty"), Vec::<u8>::new());
        let message = |text: &str| decode(text).expect_err("invalid").to_string();
        assert!(message("0xabc").contains("odd number of digits (3)"));
        assert!(message("0xabzd").contains("invalid character 'z' at digit 2"));
        assert!(message("0xa g0").contains("invalid character ' ' at digit 1"));
        // Multi-byte characters are named, never split (no panic on any input).
        assert!(message("0x0é0").contains("invalid character 'é' at digit 1"));
        assert!(message("0xé00").contains("invalid character 'é' at digit 0"));
        for text in ["0x\u{10FFFF}1", "0x1\u{1F600}", "\u{1F600}\u{1F600}"] {
            assert!(decode(text).is_err());
        }
    }
}
