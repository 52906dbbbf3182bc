//! JSON Schemas of the wire forms this crate gives its types (feature `schema`), for the API
//! description `docs/openrpc.json`. Only the generator of that document enables it.

pub use schemars;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use std::borrow::Cow;

/// `0x`-prefixed lowercase hex of exactly `len` bytes (any length if `None`).
pub fn hex_schema(description: &str, len: Option<usize>) -> Schema {
    match len {
        Some(len) => json_schema!({
            "type": "string",
            "description": description,
            "pattern": format!("^0x[0-9a-fA-F]{{{}}}$", 2 * len),
        }),
        None => json_schema!({
            "type": "string",
            "description": description,
            "pattern": "^0x([0-9a-fA-F]{2})*$",
        }),
    }
}

/// Bytes of any length as `0x`-prefixed hex: the schema of fields serialized with
/// [`crate::hex::serde_bytes`].
pub struct HexBytes;

impl JsonSchema for HexBytes {
    fn schema_name() -> Cow<'static, str> {
        "Bytes".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        hex_schema("bytes as 0x-prefixed hex", None)
    }
}

impl JsonSchema for crate::Suite {
    fn schema_name() -> Cow<'static, str> {
        "Suite".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "the chain's crypto suite",
            "type": "string",
            "enum": ["ed25519", "sm2"],
        })
    }
}

impl JsonSchema for crate::PublicKey {
    fn schema_name() -> Cow<'static, str> {
        "PublicKey".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "suite:hex — an Ed25519 key (32 bytes) or a compressed SM2 key (33 bytes)",
            "type": "string",
            "pattern": "^(ed25519:0x[0-9a-fA-F]{64}|sm2:0x[0-9a-fA-F]{66})$",
        })
    }
}

/// Implements `JsonSchema` for a fixed-size hex newtype (used by `impl_hex_newtype!`).
#[doc(hidden)]
#[macro_export]
macro_rules! __hex_newtype_schema {
    ($name:ident, $len:expr) => {
        impl $crate::schema::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(
                _: &mut $crate::schema::schemars::SchemaGenerator,
            ) -> $crate::schema::schemars::Schema {
                $crate::schema::hex_schema(
                    concat!(
                        stringify!($name),
                        ": 0x-prefixed hex of ",
                        stringify!($len),
                        " bytes"
                    ),
                    Some($len),
                )
            }
        }
    };
}
