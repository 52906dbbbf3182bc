//! `citychain trace CODE`: a batch's whole lineage, every record proven against a finalized
//! block (`docs/apps/trace.md`).

use super::{
    DEFAULT_RPC,
    query::{Anchor, Verification, verified_header},
};
use crate::output;
use anyhow::{Context as _, bail};
use citychain_client::{
    Client,
    api::{ContractApiClient as _, StateApiClient as _},
    time::rfc3339,
    trace::{Batch, Event, batch_key, event_key, link_key, status_name},
    verify::verify_key,
};
use citychain_crypto::{Address, hex};
use citychain_types::{codec::Writer, layout};
use clap::Args;
use serde::Serialize;
use std::{collections::BTreeSet, path::PathBuf};

#[derive(Args)]
pub struct TraceArgs {
    /// The batch's product code (an LGTIN class such as urn:epc:class:lgtin:…, or an SSCC).
    code: String,
    /// The traceability contract (default: the genesis application `trace`).
    #[arg(long)]
    contract: Option<Address>,
    /// The chain's genesis document you trust (default: ask the node, and say so).
    #[arg(long)]
    genesis: Option<PathBuf>,
    /// The node to ask; every record it returns is checked against a finalized block.
    #[arg(long, default_value = DEFAULT_RPC)]
    rpc: String,
    /// Most batches to follow up and down the lineage.
    #[arg(long, default_value_t = 100)]
    limit: usize,
}

/// A batch in the lineage, proven, with its events.
#[derive(Serialize)]
struct Traced {
    code: String,
    /// Steps from the batch traced: negative for ancestors, positive for descendants.
    generation: i32,
    batch: Batch,
    events: Vec<Event>,
}

#[derive(Serialize)]
struct Lineage {
    code: String,
    contract: Address,
    /// The batch itself, then its ancestors, then its descendants.
    batches: Vec<Traced>,
    /// Whether the batch or anything it came from or went into is recalled.
    recalled: Vec<String>,
    #[serde(flatten)]
    anchor: Anchor,
}

/// Reads keys of one contract, each proven against one verified header.
struct Prover<'a> {
    client: &'a Client,
    contract: Address,
    height: u64,
    verified: Option<Verification>,
}

impl Prover<'_> {
    async fn get(&self, own_key: &[u8]) -> anyhow::Result<Option<Vec<u8>>> {
        let key = layout::contract_storage_key(&self.contract, own_key);
        let proof = self
            .client
            .rpc()
            .state_get_key_proof(hex::encode(&key), Some(self.height))
            .await?;
        let v = self
            .verified
            .as_ref()
            .context("the header is verified first")?;
        verify_key(&v.trust, &v.header, &key, &proof).context("a proof does not verify")
    }

    async fn traced(&self, code: &str, generation: i32) -> anyhow::Result<Traced> {
        let bytes = self
            .get(&batch_key(code))
            .await?
            .with_context(|| format!("no batch {code} (proven absent)"))?;
        let batch = Batch::decode(&bytes).with_context(|| format!("batch {code}'s record"))?;
        let mut events = Vec::with_capacity(batch.events as usize);
        for n in 0..batch.events.min(1_000) {
            let bytes = self
                .get(&event_key(code, n))
                .await?
                .with_context(|| format!("batch {code} lacks its event {n} (proven absent)"))?;
            events.push(Event::decode(&bytes).with_context(|| format!("event {n} of {code}"))?);
        }
        Ok(Traced {
            code: code.to_string(),
            generation,
            batch,
            events,
        })
    }

    /// The children the node lists for `code`; each is proven a child before it is used.
    async fn children(&self, code: &str) -> anyhow::Result<Vec<String>> {
        let mut w = Writer::new();
        w.string(code);
        let q = self
            .client
            .rpc()
            .contract_query(
                self.contract,
                "children_of".into(),
                Some(hex::encode(w.into_bytes())),
                None,
                None,
            )
            .await?;
        if q.code != 0 {
            bail!("children_of({code}) failed: {}", q.reason);
        }
        let bytes = hex::decode(&q.output).context("the node's output")?;
        let mut r = citychain_types::codec::Reader::new(&bytes);
        let listed = r.list("children", 100, |r| r.string("child", 1_024))?;
        let mut proven = Vec::with_capacity(listed.len());
        for child in listed {
            if self.get(&link_key(code, &child)).await?.is_none() {
                bail!("the node lists {child} as made from {code}, but the proof says it is not");
            }
            proven.push(child);
        }
        Ok(proven)
    }
}

pub async fn run(args: TraceArgs, json: bool) -> anyhow::Result<()> {
    let client = Client::connect(&args.rpc)?;
    let chain = client.chain_info().await?;
    let contract = args
        .contract
        .unwrap_or_else(|| layout::genesis_contract_address(chain.suite, "trace"));
    let key = layout::contract_storage_key(&contract, &batch_key(&args.code));
    let first = client
        .rpc()
        .state_get_key_proof(hex::encode(&key), None)
        .await?;
    let mut prover = Prover {
        client: &client,
        contract,
        height: first.height,
        verified: None,
    };
    prover.verified = Some(verified_header(&client, args.genesis.clone(), first.height).await?);
    let mut batches = vec![prover.traced(&args.code, 0).await?];
    let mut seen = BTreeSet::from([args.code.clone()]);
    // Up: the parents every proven record names.
    let mut frontier: Vec<(String, i32)> = batches[0]
        .batch
        .parents
        .iter()
        .map(|p| (p.clone(), -1))
        .collect();
    while let Some((code, generation)) = frontier.pop() {
        if seen.len() >= args.limit || !seen.insert(code.clone()) {
            continue;
        }
        let t = prover.traced(&code, generation).await?;
        frontier.extend(t.batch.parents.iter().map(|p| (p.clone(), generation - 1)));
        batches.push(t);
    }
    // Down: the children the node lists, each link proven.
    let mut frontier = vec![(args.code.clone(), 0)];
    while let Some((code, generation)) = frontier.pop() {
        for child in prover.children(&code).await? {
            if seen.len() >= args.limit || !seen.insert(child.clone()) {
                continue;
            }
            batches.push(prover.traced(&child, generation + 1).await?);
            frontier.push((child, generation + 1));
        }
    }
    if seen.len() >= args.limit {
        eprintln!("note: stopped after {} batches (--limit)", args.limit);
    }
    let recalled = batches
        .iter()
        .filter(|t| t.batch.status == 4)
        .map(|t| t.code.clone())
        .collect();
    let anchor = prover.verified.take().context("verified")?.anchor;
    let lineage = Lineage {
        code: args.code,
        contract,
        batches,
        recalled,
        anchor,
    };
    if json {
        return output::json(&lineage);
    }
    print(&lineage);
    Ok(())
}

/// `s` with control characters escaped: codes, names and reasons come from the chain.
fn printable(s: &str) -> String {
    s.escape_debug().to_string()
}

fn print(l: &Lineage) {
    for t in &l.batches {
        let b = &t.batch;
        let role = match t.generation {
            0 => "batch".to_string(),
            g if g < 0 => format!("made from ({} up)", -g),
            g => format!("went into ({g} down)"),
        };
        println!(
            "{role}: {} — {} {} {} from {}, {}",
            printable(&t.code),
            b.quantity,
            printable(&b.unit),
            printable(&b.product),
            printable(&b.origin),
            status_name(b.status)
        );
        if b.status == 4 {
            println!("  recalled: {}", printable(&b.recall_reason));
        }
        let mut rows = vec![
            ("producer", b.producer.to_string()),
            ("holder", b.holder.to_string()),
        ];
        if let Some((min, max)) = b.cold_chain {
            rows.push((
                "cold chain",
                format!(
                    "{:.1} to {:.1} °C, {} excursion(s)",
                    min as f64 / 1_000.0,
                    max as f64 / 1_000.0,
                    b.excursions
                ),
            ));
        }
        if b.inspections_failed > 0 {
            rows.push(("inspections", format!("{} failed", b.inspections_failed)));
        }
        output::rows(&rows);
        for e in &t.events {
            let readings: Vec<String> = e
                .readings
                .iter()
                .map(|(k, v, _)| format!("{} {:.1}", printable(k), *v as f64 / 1_000.0))
                .collect();
            let mut line = format!(
                "    {}  {:<19} {:<14} {}",
                rfc3339(e.time_ms),
                e.kind_name(),
                printable(&e.biz_step),
                printable(&e.disposition)
            );
            if !e.place.is_empty() {
                line += &format!(" at {}", printable(&e.place));
            }
            if !readings.is_empty() {
                line += &format!(" [{}]", readings.join(", "));
            }
            if !e.related.is_empty() {
                let related: Vec<String> = e.related.iter().map(|r| printable(r)).collect();
                line += &format!(" ↔ {}", related.join(", "));
            }
            if !e.detail.is_empty() {
                line += &format!(" ({})", printable(&e.detail));
            }
            println!("{line}");
        }
    }
    if l.recalled.is_empty() {
        println!("no recall in this lineage");
    } else {
        println!("RECALLED in this lineage: {}", l.recalled.join(", "));
    }
    println!("every record verified locally:");
    output::rows(&l.anchor.rows());
}
