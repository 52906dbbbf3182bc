//! Signing and sending one transaction from a key file, waiting for its receipt: shared by the
//! commands that send contract and governance transactions.

use super::DEFAULT_RPC;
use anyhow::Context as _;
use citychain_client::{Client, keys::open_key_file, types::ReceiptInfo};
use citychain_types::{Gas, Nonce, Payload, Transaction};
use clap::Args;
use std::{path::PathBuf, time::Duration};

/// Options of commands that send a transaction.
#[derive(Args)]
pub struct SendArgs {
    /// The node's API.
    #[arg(long, default_value = DEFAULT_RPC)]
    pub rpc: String,
    /// The sender's key file.
    #[arg(long)]
    pub key: PathBuf,
    /// Most gas to pay for.
    #[arg(long, default_value_t = 20_000_000)]
    pub gas_limit: u64,
    /// Seconds to wait for the receipt.
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
}

/// Signs `payload` with the key in `send`, submits it and waits for its receipt.
pub async fn send_tx(
    send: &SendArgs,
    payload: Payload,
) -> anyhow::Result<(citychain_crypto::Hash, ReceiptInfo)> {
    let key = open_key_file(&send.key, super::prompt_passphrase)
        .with_context(|| format!("opening {}", send.key.display()))?;
    let client = Client::connect(&send.rpc)?;
    let info = client.chain_info().await?;
    let from = key.public_key().address();
    let nonce: Nonce = client.next_nonce(&from).await?;
    let tx = Transaction {
        chain_id: info.chain_id,
        sender: key.public_key(),
        nonce,
        gas_limit: Gas(send.gas_limit),
        payload,
    }
    .sign(&key);
    let hash = client.submit(&tx).await?;
    let receipt = client
        .wait_for_receipt(hash, Duration::from_secs(send.timeout))
        .await?;
    Ok((hash, receipt))
}

/// [`send_tx`], then prints the receipt (or its JSON); fails if the transaction failed.
/// Returns the receipt's output (a created thing's id, a proposal number…).
pub async fn send_and_report(
    send: &SendArgs,
    payload: Payload,
    json: bool,
) -> anyhow::Result<Vec<u8>> {
    let (_, receipt) = send_tx(send, payload).await?;
    if json {
        crate::output::json(&receipt)?;
    } else {
        super::tx::print_receipt(&receipt);
    }
    if !receipt.receipt.is_success() {
        anyhow::bail!("the transaction failed: {}", receipt.receipt.reason);
    }
    Ok(receipt.receipt.output)
}
