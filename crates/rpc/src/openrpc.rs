//! The API's OpenRPC description (`docs/openrpc.json`), generated from the method definitions
//! themselves (feature `schema`): names, summaries and parameter names are read from the trait
//! sources in `api/`, and every parameter and result type maps to the JSON Schema its serde
//! form derives. A type the table below does not know stops the generation, so a new method
//! cannot be described wrongly by accident.

use crate::{error, types::*};
use schemars::{Schema, SchemaGenerator, generate::SchemaSettings, json_schema};
use serde_json::{Map, Value, json};

/// The namespaces' sources, in the order the document lists them. A new file in `api/` goes
/// here too (a test checks that every one is listed).
pub const API_SOURCES: [(&str, &str); 9] = [
    ("chain", include_str!("api/chain.rs")),
    ("tx", include_str!("api/tx.rs")),
    ("state", include_str!("api/state.rs")),
    ("contract", include_str!("api/contract.rs")),
    ("org", include_str!("api/org.rs")),
    ("gov", include_str!("api/gov.rs")),
    ("audit", include_str!("api/audit.rs")),
    ("multisig", include_str!("api/multisig.rs")),
    ("asset", include_str!("api/asset.rs")),
];

/// One method or subscription as its trait defines it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Definition {
    pub name: String,
    /// The doc comment's lines, joined.
    pub doc: String,
    /// Parameter names and their Rust types, in order.
    pub params: Vec<(String, String)>,
    /// The result type (`RpcResult<T>`'s `T`) or, for a subscription, the item type.
    pub result: String,
    /// For a subscription: the notification method and the unsubscribe method.
    pub subscription: Option<(String, String)>,
}

/// Every method and subscription defined in `source` (a file of `api/`).
pub fn definitions(source: &str) -> Result<Vec<Definition>, String> {
    let mut found = Vec::new();
    let mut doc: Vec<&str> = Vec::new();
    let mut lines = source.lines().peekable();
    while let Some(line) = lines.next() {
        let line = line.trim();
        if let Some(text) = line.strip_prefix("///") {
            doc.push(text.trim());
            continue;
        }
        let attribute = if line.starts_with("#[method(") || line.starts_with("#[subscription(") {
            line
        } else {
            doc.clear();
            continue;
        };
        // The signature runs from the next line to the `;` that ends it.
        let mut signature = String::new();
        for next in lines.by_ref() {
            signature.push_str(next.trim());
            signature.push(' ');
            if next.trim_end().ends_with(';') {
                break;
            }
        }
        found.push(parse(attribute, &signature, doc.join(" "))?);
        doc.clear();
    }
    Ok(found)
}

fn quoted_after<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let rest = &text[text.find(key)? + key.len()..];
    let rest = rest.trim_start().strip_prefix('"')?;
    Some(&rest[..rest.find('"')?])
}

fn parse(attribute: &str, signature: &str, doc: String) -> Result<Definition, String> {
    let bad = |what: &str| format!("cannot read {what} of `{attribute}` / `{signature}`");
    let name = quoted_after(attribute, "name =").ok_or_else(|| bad("the name"))?;
    let open = signature.find('(').ok_or_else(|| bad("the parameters"))?;
    let close = signature
        .rfind(") ->")
        .ok_or_else(|| bad("the parameters"))?;
    let mut params = Vec::new();
    // Parameters are `name: Type` separated by commas outside angle brackets.
    let (mut depth, mut start) = (0usize, open + 1);
    let inner_end = close;
    let bytes = signature.as_bytes();
    for i in open + 1..=inner_end {
        let at_end = i == inner_end;
        let c = if at_end { b',' } else { bytes[i] };
        match c {
            b'<' | b'(' => depth += 1,
            b'>' | b')' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                let part = signature[start..i].trim();
                start = i + 1;
                if part.is_empty() || part.contains("self") {
                    continue;
                }
                let (pname, ty) = part.split_once(':').ok_or_else(|| bad("a parameter"))?;
                params.push((pname.trim().to_string(), ty.trim().to_string()));
            }
            _ => {}
        }
    }
    let (result, subscription) = if attribute.starts_with("#[subscription(") {
        let notification = attribute
            .split("=>")
            .nth(1)
            .and_then(|rest| quoted_after(rest, ""))
            .ok_or_else(|| bad("the notification"))?;
        let unsubscribe =
            quoted_after(attribute, "unsubscribe =").ok_or_else(|| bad("unsubscribe"))?;
        let item = attribute
            .split("item =")
            .nth(1)
            .map(|rest| rest.trim().trim_end_matches(")]").trim().to_string())
            .ok_or_else(|| bad("the item"))?;
        (
            item,
            Some((notification.to_string(), unsubscribe.to_string())),
        )
    } else {
        let ret = signature[close + 4..].trim().trim_end_matches(';').trim();
        let inner = ret
            .strip_prefix("RpcResult<")
            .and_then(|r| r.strip_suffix('>'))
            .ok_or_else(|| bad("the result"))?;
        (inner.trim().to_string(), None)
    };
    Ok(Definition {
        name: name.to_string(),
        doc,
        params,
        result,
        subscription,
    })
}

/// The schema of a Rust type as the trait sources spell it.
fn schema_of(ty: &str, generator: &mut SchemaGenerator) -> Result<Schema, String> {
    let ty: String = ty.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some(inner) = ty.strip_prefix("Option<").and_then(|t| t.strip_suffix('>')) {
        let inner = schema_of(inner, generator)?;
        return Ok(json_schema!({ "oneOf": [inner, { "type": "null" }] }));
    }
    if let Some(inner) = ty.strip_prefix("Vec<").and_then(|t| t.strip_suffix('>')) {
        let inner = schema_of(inner, generator)?;
        return Ok(json_schema!({ "type": "array", "items": inner }));
    }
    macro_rules! known {
        ($($t:ty),* $(,)?) => {
            $(
                if ty == stringify!($t).replace(' ', "") {
                    return Ok(generator.subschema_for::<$t>());
                }
            )*
        };
    }
    use citychain_crypto::{Address, Hash};
    use citychain_types::{
        Amount,
        asset::{
            AssetId, Collection, CollectionId, Distribution, ItemEvent, Offer, OfferId, Vault,
        },
    };
    known!(
        u32,
        u64,
        bool,
        String,
        Address,
        Hash,
        Amount,
        AssetId,
        CollectionId,
        OfferId,
        ItemRef,
        TxPosition,
        AccountTxPage,
        OfferSubject,
        BlockId,
        TxBatch,
        StatusInfo,
        BlockInfo,
        HeaderInfo,
        EpochValidators,
        EpochRecord,
        FinalizedHeader,
        SubmitResult,
        BatchEntry,
        TxInfo,
        ReceiptInfo,
        AccountInfo,
        ProofInfo,
        QueryResult,
        ContractView,
        ProposalView,
        PolicyView,
        MemberView,
        FrozenAccount,
        MultisigView,
        ClassView,
        HoldingView,
        HoldersPage,
        HeldPage,
        TransferCheck,
        ItemView,
        OwnedPage,
        OffersPage,
        Collection,
        ItemEvent,
        Vault,
        Distribution,
        Offer,
        citychain_types::Genesis,
        citychain_types::Organization,
        citychain_types::proposal::AuditEntry,
        citychain_types::multisig::MultisigPending,
    );
    Err(format!(
        "no schema for the type `{ty}`: add it to the table in crates/rpc/src/openrpc.rs"
    ))
}

/// The error objects the API answers with (`components.errors`).
fn errors() -> Value {
    json!({
        "NotFound": { "code": error::NOT_FOUND, "message": "the requested block, transaction or state version does not exist (here); the message says which" },
        "TxRejected": { "code": error::TX_REJECTED, "message": "a submitted transaction was rejected", "data": { "code": "a stable rejection code (docs/protocol.md)", "message": "why" } },
        "Unavailable": { "code": error::UNAVAILABLE, "message": "the node cannot serve the request now (starting, or busy: retry)" },
        "InvalidParams": { "code": error::INVALID_PARAMS, "message": "a parameter is missing or malformed; the message says which" },
        "Internal": { "code": error::INTERNAL, "message": "the node failed internally (a storage error); the message says what" },
    })
}

fn error_refs(names: &[&str]) -> Value {
    Value::Array(
        names
            .iter()
            .map(|n| json!({ "$ref": format!("#/components/errors/{n}") }))
            .collect(),
    )
}

/// Which errors a method may answer with, besides invalid parameters and internal failures.
fn method_errors(name: &str) -> Value {
    let mut names = vec!["InvalidParams", "Internal", "Unavailable"];
    if name.starts_with("tx_submit") {
        names.push("TxRejected");
    }
    if !matches!(
        name,
        "chain_status" | "chain_getGenesis" | "tx_submit" | "tx_submitBatch"
    ) {
        names.push("NotFound");
    }
    error_refs(&names)
}

/// The whole document.
pub fn document() -> Result<Value, String> {
    let mut settings = SchemaSettings::draft07();
    settings.definitions_path = "#/components/schemas/".into();
    let mut generator = settings.into_generator();
    let mut methods = Vec::new();
    for (namespace, source) in API_SOURCES {
        for def in definitions(source)? {
            let params = def
                .params
                .iter()
                .map(|(name, ty)| {
                    Ok(json!({
                        "name": name,
                        "required": !ty.starts_with("Option<"),
                        "schema": schema_of(ty, &mut generator)?,
                    }))
                })
                .collect::<Result<Vec<_>, String>>()?;
            let mut method = Map::new();
            method.insert("name".into(), json!(def.name));
            method.insert("tags".into(), json!([{ "name": namespace }]));
            method.insert("summary".into(), json!(def.doc));
            method.insert("paramStructure".into(), json!("by-position"));
            method.insert("params".into(), Value::Array(params));
            let item = schema_of(&def.result, &mut generator)?;
            match &def.subscription {
                None => {
                    method.insert("result".into(), json!({ "name": "result", "schema": item }));
                }
                Some((notification, unsubscribe)) => {
                    method.insert(
                        "result".into(),
                        json!({ "name": "subscription", "schema": { "type": "string", "description": "the subscription id" } }),
                    );
                    method.insert(
                        "x-subscription".into(),
                        json!({
                            "notification": notification,
                            "unsubscribe": unsubscribe,
                            "item": item,
                            "transport": "WebSocket only; each notification is {\"jsonrpc\":\"2.0\",\"method\":<notification>,\"params\":{\"subscription\":<id>,\"result\":<item>}}",
                        }),
                    );
                }
            }
            method.insert("errors".into(), method_errors(&def.name));
            methods.push(Value::Object(method));
            if let Some((_, unsubscribe)) = &def.subscription {
                methods.push(json!({
                    "name": unsubscribe,
                    "tags": [{ "name": namespace }],
                    "summary": format!("Ends a subscription made with {}.", def.name),
                    "paramStructure": "by-position",
                    "params": [{ "name": "subscription", "required": true, "schema": { "type": "string" } }],
                    "result": { "name": "unsubscribed", "schema": { "type": "boolean" } },
                    "errors": error_refs(&["InvalidParams"]),
                }));
            }
        }
    }
    let schemas: Map<String, Value> = generator.take_definitions(true).into_iter().collect();
    Ok(json!({
        "openrpc": "1.3.2",
        "info": {
            "title": "citychain JSON-RPC",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The API of a citychain node: JSON-RPC 2.0 over HTTP (POST /) and WebSocket (GET / with an upgrade) on one port. Bytes are 0x-prefixed hex, 128-bit amounts decimal strings, heights and nonces numbers. `rpc.discover` returns this document. Generated from crates/rpc/src/api by crates/rpc/src/openrpc.rs; the bytes that are hashed and signed are specified in docs/protocol.md.",
            "license": { "name": "Apache-2.0" },
        },
        "servers": [{ "name": "a dev node (citychain dev)", "url": "http://127.0.0.1:8545" }],
        "methods": methods,
        "components": { "schemas": schemas, "errors": errors() },
    }))
}

/// The document as it is written to `docs/openrpc.json`: pretty, with a final newline.
pub fn document_text() -> Result<String, String> {
    let mut text = serde_json::to_string_pretty(&document()?).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_methods_and_subscriptions_from_their_traits() {
        let source = r#"
    /// A block by height.
    /// Second line.
    #[method(name = "chain_getBlock")]
    async fn chain_get_block(&self, block: BlockId, full: Option<bool>) -> RpcResult<BlockInfo>;

    /// Receipts.
    #[subscription(name = "tx_subscribeReceipt" => "tx_receipt", unsubscribe = "tx_unsubscribeReceipt", item = ReceiptInfo)]
    async fn tx_subscribe_receipt(&self, hash: Hash) -> SubscriptionResult;

    #[method(name = "asset_getHolders")]
    async fn asset_get_holders(
        &self,
        asset: AssetId,
        after: Option<Vec<(u8, u16)>>,
    ) -> RpcResult<HoldersPage>;
"#;
        let defs = definitions(source).expect("parses");
        assert_eq!(defs.len(), 3);
        assert_eq!(defs[0].name, "chain_getBlock");
        assert_eq!(defs[0].doc, "A block by height. Second line.");
        assert_eq!(
            defs[0].params,
            vec![
                ("block".to_string(), "BlockId".to_string()),
                ("full".to_string(), "Option<bool>".to_string())
            ]
        );
        assert_eq!(defs[0].result, "BlockInfo");
        assert_eq!(
            defs[1].subscription,
            Some(("tx_receipt".into(), "tx_unsubscribeReceipt".into()))
        );
        assert_eq!(defs[1].result, "ReceiptInfo");
        assert_eq!(defs[2].params[1].1, "Option<Vec<(u8, u16)>>");
        assert_eq!(defs[2].doc, "");
    }

    #[test]
    fn an_unknown_type_stops_the_generation() {
        let mut generator = SchemaSettings::draft07().into_generator();
        let err = schema_of("Vec<Mystery>", &mut generator).expect_err("unknown");
        assert!(err.contains("Mystery"), "{err}");
        assert!(schema_of("Option<Vec<Hash>>", &mut generator).is_ok());
    }
}
