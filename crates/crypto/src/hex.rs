//! Hex text for bytes: `0x`-prefixed lowercase on output, prefix optional on input.

use crate::{Error, Result};

/// Formats bytes as `0x`-prefixed lowercase hex.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    format!("0x{}", ::hex::encode(bytes))
}

/// Parses hex with or without a `0x` prefix.
pub fn decode(text: &str) -> Result<Vec<u8>> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    ::hex::decode(digits).map_err(|e| Error::InvalidHex(format!("{text:?}: {e}")))
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
}
