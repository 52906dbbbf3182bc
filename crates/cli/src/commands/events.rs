//! Receipts' contract events decoded by the emitting contract's metadata.

use crate::output;
use citychain_client::{Client, abi, api::*};
use citychain_crypto::Address;
use citychain_types::{Event, metadata::ContractMetadata};
use serde::Serialize;
use std::collections::HashMap;

/// An event with its fields by name, when the emitter's metadata declares it.
#[derive(Serialize)]
pub struct Decoded {
    pub emitter: Address,
    pub topic: String,
    /// The fields by name, or `null` if the emitter declares no such event (or is a native
    /// module, whose events `docs/protocol.md` documents).
    pub fields: Option<serde_json::Value>,
    /// Why the data did not decode as declared, if it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The fields' names in declared order (JSON objects keep no order).
    #[serde(skip)]
    order: Vec<String>,
}

/// Decodes events, asking the node once per contract for its metadata.
pub struct EventDecoder<'a> {
    client: &'a Client,
    metadata: HashMap<Address, Option<ContractMetadata>>,
}

impl<'a> EventDecoder<'a> {
    pub fn new(client: &'a Client) -> Self {
        EventDecoder {
            client,
            metadata: HashMap::new(),
        }
    }

    /// Starts with what is known of `contract` already.
    pub fn knowing(mut self, contract: Address, metadata: Option<ContractMetadata>) -> Self {
        self.metadata.insert(contract, metadata);
        self
    }

    pub async fn decode_all(&mut self, events: &[Event]) -> Vec<Decoded> {
        let mut out = Vec::with_capacity(events.len());
        for e in events {
            out.push(self.decode(e).await);
        }
        out
    }

    async fn decode(&mut self, e: &Event) -> Decoded {
        let mut d = Decoded {
            emitter: e.emitter,
            topic: e.topic.clone(),
            fields: None,
            error: None,
            order: Vec::new(),
        };
        if e.emitter == Address::default() {
            return d;
        }
        if !self.metadata.contains_key(&e.emitter) {
            // A contract that is gone or unreadable decodes nothing; the raw event still shows.
            let meta = match self.client.rpc().contract_get_info(e.emitter).await {
                Ok(info) => info.metadata,
                Err(_) => None,
            };
            self.metadata.insert(e.emitter, meta);
        }
        if let Some(def) = self.metadata[&e.emitter]
            .as_ref()
            .and_then(|m| m.event(&e.topic))
        {
            d.order = def.fields.iter().map(|f| f.name.clone()).collect();
            match abi::decode_event(def, &e.data) {
                Ok(v) => d.fields = Some(v),
                Err(why) => d.error = Some(why),
            }
        }
        d
    }
}

/// One line per event: `topic(field: value, …)` from its emitter, or its raw data.
pub fn print(events: &[Decoded], raw: &[Event]) {
    let rows: Vec<(&str, String)> = events
        .iter()
        .zip(raw)
        .map(|(d, e)| {
            let shown = match (&d.fields, &d.error) {
                (Some(serde_json::Value::Object(fields)), _) => {
                    let parts: Vec<String> = d
                        .order
                        .iter()
                        .map(|k| format!("{k}: {}", show(&fields[k])))
                        .collect();
                    format!("{}({})", d.topic, parts.join(", "))
                }
                (_, Some(why)) => format!(
                    "{} {} (does not decode as declared: {why})",
                    d.topic,
                    citychain_crypto::hex::encode(&e.data)
                ),
                _ => format!("{} {}", d.topic, citychain_crypto::hex::encode(&e.data)),
            };
            let from = if d.emitter == Address::default() {
                "native".to_string()
            } else {
                d.emitter.to_string()
            };
            ("event", format!("{shown}  from {from}"))
        })
        .collect();
    output::rows(&rows);
}

/// A decoded value for people: strings without their quotes, the rest as JSON.
pub fn show(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
