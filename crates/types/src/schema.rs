//! JSON Schemas of the types whose JSON form is written by hand (feature `schema`; the derived
//! ones sit on the types themselves). Used to generate `docs/openrpc.json`.

use crate::{Amount, ChainId, OrgId, Roles, SignedTransaction, metadata::Ty};
use citychain_crypto::{Address, Hash, Signature};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use std::borrow::Cow;

impl JsonSchema for Amount {
    fn schema_name() -> Cow<'static, str> {
        "Amount".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "a 128-bit amount of base units as a decimal string (a JSON number up to 2^64-1 is also accepted as input)",
            "type": "string",
            "pattern": "^[0-9]{1,39}$",
        })
    }
}

/// A name of 1 to 32 characters from `a-z`, `0-9` and `-` (a chain id, an organization id).
fn short_name(description: &str) -> Schema {
    json_schema!({
        "description": format!("{description}: 1 to 32 characters from a-z, 0-9 and '-'"),
        "type": "string",
        "pattern": "^[a-z0-9-]{1,32}$",
    })
}

impl JsonSchema for ChainId {
    fn schema_name() -> Cow<'static, str> {
        "ChainId".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        short_name("the chain's name")
    }
}

impl JsonSchema for OrgId {
    fn schema_name() -> Cow<'static, str> {
        "OrgId".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        short_name("an organization's id")
    }
}

impl JsonSchema for Roles {
    fn schema_name() -> Cow<'static, str> {
        "Roles".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "a member's roles, in bit order",
            "type": "array",
            "items": {
                "type": "string",
                "enum": ["admin", "validator", "client", "regulator", "observer", "issuer"],
            },
        })
    }
}

impl JsonSchema for Ty {
    fn schema_name() -> Cow<'static, str> {
        "AbiType".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "an ABI type in Rust syntax (u64, Address, Vec<u8>, [u8; 32], Option<T>, Vec<T>, tuples, or a named opaque type); see docs/contracts.md",
            "type": "string",
        })
    }
}

impl JsonSchema for SignedTransaction {
    fn schema_name() -> Cow<'static, str> {
        "SignedTransaction".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "a signed transaction; `hash` and `sender_address` are derived (recomputed when parsing)",
            "type": "object",
            "properties": {
                "hash": generator.subschema_for::<Hash>(),
                "sender_address": generator.subschema_for::<Address>(),
                "transaction": generator.subschema_for::<crate::Transaction>(),
                "signature": generator.subschema_for::<Signature>(),
            },
            "required": ["hash", "sender_address", "transaction", "signature"],
            "additionalProperties": false,
        })
    }
}
