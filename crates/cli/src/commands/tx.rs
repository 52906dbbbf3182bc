//! `citychain tx`: sign and send transactions.

use super::DEFAULT_RPC;
use crate::output;
use anyhow::{Context as _, bail};
use citychain_client::{Client, keys::open_key_file, types::ReceiptInfo};
use citychain_crypto::Address;
use citychain_types::{Amount, Gas, Nonce, Payload, Transaction};
use clap::{Args, Subcommand};
use serde::Serialize;
use std::{path::PathBuf, time::Duration};

#[derive(Subcommand)]
pub enum TxCommand {
    /// Transfer native currency; waits for the receipt and prints it.
    Transfer(TransferArgs),
    /// A transaction and, once committed, its receipt, with contract events decoded by their
    /// contracts' metadata.
    Get {
        /// The transaction hash.
        hash: citychain_crypto::Hash,
        /// The node's API.
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
}

#[derive(Args)]
pub struct TransferArgs {
    /// The node's API.
    #[arg(long, default_value = DEFAULT_RPC)]
    rpc: String,
    /// The sender's key file.
    #[arg(long)]
    key: PathBuf,
    /// The recipient's address (0x…, 20 bytes).
    #[arg(long)]
    to: Address,
    /// Amount in base units.
    #[arg(long)]
    amount: Amount,
    /// Most gas to pay for.
    #[arg(long, default_value_t = 100_000)]
    gas_limit: u64,
    /// Use this nonce instead of the account's next one.
    #[arg(long)]
    nonce: Option<u64>,
    /// Print the hash and return without waiting for the receipt.
    #[arg(long)]
    no_wait: bool,
    /// Seconds to wait for the receipt.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

#[derive(Serialize)]
struct Sent {
    hash: citychain_crypto::Hash,
    from: Address,
    nonce: u64,
    receipt: Option<ReceiptInfo>,
}

pub fn print_receipt(info: &ReceiptInfo) {
    let r = &info.receipt;
    let status = if r.is_success() {
        "success".to_string()
    } else {
        format!("FAILED: {:?} (code {}): {}", r.status, r.code, r.reason)
    };
    output::rows(&[
        ("status", status),
        (
            "block",
            format!("{} ({})", info.inclusion.height, info.inclusion.block_hash),
        ),
        ("index", info.inclusion.index.to_string()),
        ("gas used", r.gas_used.to_string()),
        (
            "events",
            r.events
                .iter()
                .map(|e| e.topic.clone())
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ]);
}

pub async fn run(cmd: TxCommand, json: bool) -> anyhow::Result<()> {
    let TransferArgs {
        rpc,
        key,
        to,
        amount,
        gas_limit,
        nonce,
        no_wait,
        timeout,
    } = match cmd {
        TxCommand::Get { hash, rpc } => return get(hash, &rpc, json).await,
        TxCommand::Transfer(args) => args,
    };
    let key = open_key_file(&key, super::prompt_passphrase)
        .with_context(|| format!("opening {}", key.display()))?;
    let client = Client::connect(&rpc)?;
    let info = client.chain_info().await?;
    let from = key.public_key().address();
    let nonce = match nonce {
        Some(n) => Nonce(n),
        None => client.next_nonce(&from).await?,
    };
    let tx = Transaction {
        chain_id: info.chain_id,
        sender: key.public_key(),
        nonce,
        gas_limit: Gas(gas_limit),
        payload: Payload::Transfer { to, amount },
    }
    .sign(&key);
    let hash = client.submit(&tx).await?;
    if !json {
        println!("submitted {hash} (from {from}, nonce {nonce})");
    }
    let receipt = if no_wait {
        None
    } else {
        Some(
            client
                .wait_for_receipt(hash, Duration::from_secs(timeout))
                .await?,
        )
    };
    let failed = receipt
        .as_ref()
        .filter(|r| !r.receipt.is_success())
        .map(|r| {
            format!(
                "the transfer failed: {:?}: {}",
                r.receipt.status, r.receipt.reason
            )
        });
    if json {
        output::json(&Sent {
            hash,
            from,
            nonce: nonce.0,
            receipt,
        })?;
    } else if let Some(r) = &receipt {
        print_receipt(r);
    }
    // A committed but failed transfer is a failure of the command (exit status 1).
    match failed {
        Some(reason) => bail!(reason),
        None => Ok(()),
    }
}

/// `tx get`: the transaction, then its receipt with decoded events.
async fn get(hash: citychain_crypto::Hash, rpc: &str, json: bool) -> anyhow::Result<()> {
    use citychain_client::api::*;
    let client = Client::connect(rpc)?;
    let Some(tx) = client.rpc().tx_get(hash).await? else {
        bail!("no transaction {hash} is pending or committed");
    };
    let receipt = client.rpc().tx_get_receipt(hash).await?;
    let events = match &receipt {
        Some(r) => {
            super::events::EventDecoder::new(&client)
                .decode_all(&r.receipt.events)
                .await
        }
        None => Vec::new(),
    };
    if json {
        return output::json(&serde_json::json!({
            "transaction": tx,
            "receipt": receipt,
            "events": events,
        }));
    }
    println!("{}", serde_json::to_string_pretty(&tx)?);
    match &receipt {
        Some(r) => {
            print_receipt(r);
            super::events::print(&events, &r.receipt.events);
        }
        None => println!("  pending: no receipt yet"),
    }
    Ok(())
}
