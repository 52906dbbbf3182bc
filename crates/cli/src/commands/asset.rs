//! `citychain asset`: fungible assets (create, mint, burn, transfer with a pre-check, allow-lists,
//! freezes), distributions to holders, and multi-leg settlement with co-signers. Shared here:
//! the `VALUE` syntax the asset commands take.

use super::{
    DEFAULT_RPC,
    send::{SendArgs, send_and_report},
};
use crate::output;
use anyhow::{Context as _, bail};
use citychain_client::{Client, api::*, keys::open_key_file};
use citychain_crypto::{Address, Hash};
use citychain_types::{
    Amount, Nonce, Payload, TimestampMs,
    asset::{
        AssetId, AssetTx, COSIGN_NAMESPACE, Class, CollectionId, Cosignature, Leg, Metadata,
        TransferRule, Value, settlement_message,
    },
};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// A value on the command line: `native:AMOUNT`, `token:ASSET:AMOUNT` or
/// `item:COLLECTION:ITEM`.
#[derive(Clone, Copy, Debug)]
pub struct ValueArg(pub Value);

impl std::str::FromStr for ValueArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split(':').collect();
        let amount = |a: &str| a.parse::<Amount>();
        let value = match parts.as_slice() {
            ["native", a] => Value::Native { amount: amount(a)? },
            ["token", asset, a] => Value::Token {
                asset: asset
                    .parse()
                    .map_err(|e| format!("asset id {asset:?}: {e}"))?,
                amount: amount(a)?,
            },
            ["item", c, i] => Value::Item {
                collection: c.parse().map_err(|e| format!("collection id {c:?}: {e}"))?,
                item: i.parse().map_err(|e| format!("item number {i:?}: {e}"))?,
            },
            _ => {
                return Err(format!(
                    "invalid value {s:?}: use native:AMOUNT, token:ASSET:AMOUNT or \
                     item:COLLECTION:ITEM"
                ));
            }
        };
        Ok(ValueArg(value))
    }
}

/// A settlement leg on the command line: `FROM:TO:VALUE`.
#[derive(Clone, Copy, Debug)]
pub struct LegArg(pub Leg);

impl std::str::FromStr for LegArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (from, rest) = s.split_once(':').ok_or("a leg is FROM:TO:VALUE")?;
        let (to, value) = rest.split_once(':').ok_or("a leg is FROM:TO:VALUE")?;
        Ok(LegArg(Leg {
            from: from
                .parse()
                .map_err(|e| format!("leg sender {from:?}: {e}"))?,
            to: to
                .parse()
                .map_err(|e| format!("leg recipient {to:?}: {e}"))?,
            value: value.parse::<ValueArg>()?.0,
        }))
    }
}

/// Metadata options: a URI and the hash of the document there.
#[derive(Args, Clone)]
pub struct MetadataArgs {
    /// Where the description lives (at most 256 bytes).
    #[arg(long, default_value = "")]
    pub uri: String,
    /// The hash of the document at --uri (0x…, 32 bytes).
    #[arg(long)]
    pub content_hash: Option<Hash>,
}

impl MetadataArgs {
    pub fn metadata(&self) -> Metadata {
        Metadata {
            uri: self.uri.clone(),
            hash: self.content_hash,
        }
    }
}

/// The 20-byte id a creating transaction returns.
pub fn created_id(output: &[u8]) -> anyhow::Result<[u8; 20]> {
    output
        .try_into()
        .map_err(|_| anyhow::anyhow!("the receipt's output is not a 20-byte id"))
}

/// Block time `days` from now, for deadlines.
pub fn days_from_now(days: u64) -> TimestampMs {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    TimestampMs(now + days * 24 * 3600 * 1000)
}

/// `holder`, or the sender's own address.
pub fn holder_or_sender(send: &SendArgs, holder: Option<Address>) -> anyhow::Result<Address> {
    Ok(match holder {
        Some(h) => h,
        None => open_key_file(&send.key, super::prompt_passphrase)
            .with_context(|| format!("opening {}", send.key.display()))?
            .public_key()
            .address(),
    })
}

/// Prints the amount a claim's receipt output says `holder` was paid.
pub fn print_paid(output: &[u8], holder: &Address) {
    if let Ok(p) = <[u8; 16]>::try_from(output) {
        println!("paid {} to {holder}", u128::from_be_bytes(p));
    }
}

pub async fn asset_tx(send: &SendArgs, op: AssetTx, json: bool) -> anyhow::Result<Vec<u8>> {
    send_and_report(send, Payload::Asset { op }, json).await
}

#[derive(Subcommand)]
pub enum AssetCommand {
    /// Create a fungible asset (needs the issuer role); prints its id.
    Create {
        #[command(flatten)]
        send: SendArgs,
        /// Ticker: 1 to 16 of A-Z 0-9 - .
        #[arg(long)]
        symbol: String,
        /// Name for people.
        #[arg(long)]
        name: String,
        /// Display decimals (amounts are always whole base units).
        #[arg(long, default_value_t = 0)]
        decimals: u8,
        /// The most that may ever circulate (default: uncapped).
        #[arg(long)]
        cap: Option<Amount>,
        /// Who may hold it: open, members (of the consortium) or allow_list (kept by you).
        #[arg(long, default_value = "open")]
        rule: TransferRule,
        #[command(flatten)]
        metadata: MetadataArgs,
    },
    /// As its issuer, mint to an account.
    Mint {
        #[command(flatten)]
        send: SendArgs,
        asset: AssetId,
        #[arg(long)]
        to: Address,
        #[arg(long)]
        amount: Amount,
    },
    /// As its issuer, burn some of what you hold.
    Burn {
        #[command(flatten)]
        send: SendArgs,
        asset: AssetId,
        #[arg(long)]
        amount: Amount,
    },
    /// Transfer; checks first whether it can succeed and says why not before signing.
    Transfer {
        #[command(flatten)]
        send: SendArgs,
        asset: AssetId,
        #[arg(long)]
        to: Address,
        #[arg(long)]
        amount: Amount,
        /// Sign and send even if the pre-check says it will fail.
        #[arg(long)]
        no_check: bool,
    },
    /// Would a transfer succeed now? If not, the code and the reason, without signing.
    Check {
        asset: AssetId,
        #[arg(long)]
        from: Address,
        #[arg(long)]
        to: Address,
        #[arg(long)]
        amount: Amount,
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// As the issuer of an asset or collection, add an account to its allow-list (or remove it).
    Allow {
        #[command(flatten)]
        send: SendArgs,
        /// The asset (or use --collection).
        #[arg(
            long,
            conflicts_with = "collection",
            required_unless_present = "collection"
        )]
        asset: Option<AssetId>,
        #[arg(long)]
        collection: Option<CollectionId>,
        #[arg(long)]
        account: Address,
        /// Take it off the list instead.
        #[arg(long)]
        remove: bool,
    },
    /// As a regulator, freeze an asset, or one holder's balance of it.
    Freeze {
        #[command(flatten)]
        send: SendArgs,
        asset: AssetId,
        /// Only this holder's balance (default: the whole asset).
        #[arg(long)]
        holder: Option<Address>,
        /// Unfreeze instead.
        #[arg(long)]
        unfreeze: bool,
    },
    /// An asset class: supply, cap, issuer, rule, frozen, its vault if it is one's shares.
    Info {
        asset: AssetId,
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// A holder's balance (use `query holding --verify` for a proven one).
    Balance {
        asset: AssetId,
        holder: Address,
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// An asset's holders, in address order, page by page.
    Holders {
        asset: AssetId,
        /// Continue after this holder (the previous page's `next`).
        #[arg(long)]
        after: Option<Address>,
        #[arg(long)]
        limit: Option<u32>,
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// The assets an account holds.
    Held {
        holder: Address,
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// Pay VALUE pro rata to the asset's holders as of this transaction; prints the record
    /// point, which holders claim by.
    Distribute {
        #[command(flatten)]
        send: SendArgs,
        asset: AssetId,
        /// What to pay in all: native:AMOUNT or token:ASSET:AMOUNT.
        #[arg(long)]
        pay: ValueArg,
        /// Days holders have to claim; after them you reclaim what is left.
        #[arg(long, default_value_t = 365)]
        claim_days: u64,
    },
    /// Claim a holder's part of a distribution (default: your own; anyone may claim for a
    /// holder, who is the one paid).
    Claim {
        #[command(flatten)]
        send: SendArgs,
        asset: AssetId,
        record: u64,
        #[arg(long)]
        holder: Option<Address>,
    },
    /// As its payer, take back what a distribution did not pay (after the deadline, or once
    /// every holder claimed).
    Reclaim {
        #[command(flatten)]
        send: SendArgs,
        asset: AssetId,
        record: u64,
    },
    /// The distributions made to an asset's holders.
    Distributions {
        asset: AssetId,
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// Move several values at once, all or none. Each leg is FROM:TO:VALUE; every party other
    /// than you that gives something co-signs (with --cosigner-key, or a --cosignature it made
    /// with `asset cosign`).
    Settle {
        #[command(flatten)]
        send: SendArgs,
        #[arg(long = "leg", required = true)]
        legs: Vec<LegArg>,
        /// A co-signer's key file, to sign with here (repeatable).
        #[arg(long = "cosigner-key")]
        cosigner_keys: Vec<PathBuf>,
        /// A co-signature as JSON from `asset cosign` (repeatable).
        #[arg(long = "cosignature")]
        cosignatures: Vec<String>,
    },
    /// Co-sign a settlement another account will send: prints the co-signature as JSON. It is
    /// good for that sender's transaction with that nonce only.
    Cosign {
        /// Your key file.
        #[arg(long)]
        key: PathBuf,
        /// The account that will send the settlement.
        #[arg(long)]
        sender: Address,
        /// The nonce it will send it with (default: its next one now).
        #[arg(long)]
        nonce: Option<u64>,
        #[arg(long = "leg", required = true)]
        legs: Vec<LegArg>,
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
}

pub async fn run(cmd: AssetCommand, json: bool) -> anyhow::Result<()> {
    match cmd {
        AssetCommand::Create {
            send,
            symbol,
            name,
            decimals,
            cap,
            rule,
            metadata,
        } => {
            let op = AssetTx::Create {
                symbol,
                name,
                decimals,
                supply_cap: cap,
                metadata: metadata.metadata(),
                rule,
            };
            let id = AssetId(created_id(&asset_tx(&send, op, json).await?)?);
            if !json {
                println!("asset {id}");
            }
            Ok(())
        }
        AssetCommand::Mint {
            send,
            asset,
            to,
            amount,
        } => asset_tx(&send, AssetTx::Mint { asset, to, amount }, json)
            .await
            .map(drop),
        AssetCommand::Burn {
            send,
            asset,
            amount,
        } => asset_tx(&send, AssetTx::Burn { asset, amount }, json)
            .await
            .map(drop),
        AssetCommand::Transfer {
            send,
            asset,
            to,
            amount,
            no_check,
        } => {
            if !no_check {
                let key = open_key_file(&send.key, super::prompt_passphrase)
                    .with_context(|| format!("opening {}", send.key.display()))?;
                let from = key.public_key().address();
                let check = Client::connect(&send.rpc)?
                    .rpc()
                    .asset_check_transfer(asset, from, to, amount)
                    .await?;
                if !check.ok {
                    bail!(
                        "not sent: the transfer would fail ({}): {} (--no-check sends it anyway)",
                        check.code.unwrap_or_default(),
                        check.reason.unwrap_or_default()
                    );
                }
            }
            asset_tx(&send, AssetTx::Transfer { asset, to, amount }, json)
                .await
                .map(drop)
        }
        AssetCommand::Check {
            asset,
            from,
            to,
            amount,
            rpc,
        } => {
            let check = Client::connect(&rpc)?
                .rpc()
                .asset_check_transfer(asset, from, to, amount)
                .await?;
            if json {
                return output::json(&check);
            }
            match (check.ok, check.code, check.reason) {
                (true, _, _) => {
                    println!("ok: the transfer would succeed at height {}", check.height)
                }
                (false, code, reason) => println!(
                    "would fail ({}): {}",
                    code.unwrap_or_default(),
                    reason.unwrap_or_default()
                ),
            }
            Ok(())
        }
        AssetCommand::Allow {
            send,
            asset,
            collection,
            account,
            remove,
        } => {
            let class = match (asset, collection) {
                (Some(a), _) => Class::Asset(a),
                (None, Some(c)) => Class::Collection(c),
                (None, None) => bail!("give --asset or --collection"),
            };
            let op = AssetTx::Allow {
                class,
                account,
                allowed: !remove,
            };
            asset_tx(&send, op, json).await.map(drop)
        }
        AssetCommand::Freeze {
            send,
            asset,
            holder,
            unfreeze,
        } => {
            let op = AssetTx::Freeze {
                asset,
                holder,
                freeze: !unfreeze,
            };
            asset_tx(&send, op, json).await.map(drop)
        }
        AssetCommand::Info { asset, rpc } => {
            let c = Client::connect(&rpc)?.rpc().asset_get_class(asset).await?;
            if json {
                return output::json(&c);
            }
            let class = &c.class;
            output::rows(&[
                (
                    "asset",
                    format!("{} ({}, {})", class.id, class.symbol, class.name),
                ),
                ("issuer", class.issuer.to_string()),
                (
                    "supply",
                    format!("{} (decimals {})", class.supply, class.decimals),
                ),
                (
                    "cap",
                    class.supply_cap.map_or("none".into(), |c| c.to_string()),
                ),
                ("rule", class.rule.to_string()),
                ("frozen", class.frozen.to_string()),
                ("record points", class.records.to_string()),
                ("metadata", class.metadata.to_string()),
                (
                    "vault",
                    c.vault.map_or("no".into(), |v| {
                        format!("shares of a vault holding {}", v.content)
                    }),
                ),
            ]);
            Ok(())
        }
        AssetCommand::Balance { asset, holder, rpc } => {
            let b = Client::connect(&rpc)?
                .rpc()
                .asset_get_balance(asset, holder)
                .await?;
            if json {
                return output::json(&b);
            }
            let frozen = match (b.asset_frozen, b.frozen) {
                (true, _) => " (the asset is frozen)",
                (_, true) => " (this balance is frozen)",
                _ => "",
            };
            println!("{}{frozen}", b.balance);
            Ok(())
        }
        AssetCommand::Holders {
            asset,
            after,
            limit,
            rpc,
        } => {
            let page = Client::connect(&rpc)?
                .rpc()
                .asset_get_holders(asset, after, limit)
                .await?;
            if json {
                return output::json(&page);
            }
            println!("supply {}", page.supply);
            for h in &page.holders {
                let frozen = if h.frozen { "  frozen" } else { "" };
                println!("{}  {}{frozen}", h.holder, h.balance);
            }
            if let Some(next) = page.next {
                println!("more: --after {next}");
            }
            Ok(())
        }
        AssetCommand::Held { holder, rpc } => {
            let page = Client::connect(&rpc)?
                .rpc()
                .asset_get_held(holder, None, None)
                .await?;
            if json {
                return output::json(&page);
            }
            for a in &page.assets {
                let frozen = if a.frozen { "  frozen" } else { "" };
                println!("{}  {:<16} {}{frozen}", a.asset, a.symbol, a.balance);
            }
            Ok(())
        }
        AssetCommand::Distribute {
            send,
            asset,
            pay,
            claim_days,
        } => {
            let op = AssetTx::Distribute {
                asset,
                total: pay.0,
                claim_until_ms: days_from_now(claim_days),
            };
            let out = asset_tx(&send, op, json).await?;
            if !json && let Ok(r) = <[u8; 8]>::try_from(out.as_slice()) {
                println!("distribution at record point {}", u64::from_be_bytes(r));
            }
            Ok(())
        }
        AssetCommand::Claim {
            send,
            asset,
            record,
            holder,
        } => {
            let holder = holder_or_sender(&send, holder)?;
            let op = AssetTx::Claim {
                asset,
                record,
                holder,
            };
            let out = asset_tx(&send, op, json).await?;
            if !json {
                print_paid(&out, &holder);
            }
            Ok(())
        }
        AssetCommand::Reclaim {
            send,
            asset,
            record,
        } => asset_tx(&send, AssetTx::Reclaim { asset, record }, json)
            .await
            .map(drop),
        AssetCommand::Distributions { asset, rpc } => {
            let list = Client::connect(&rpc)?
                .rpc()
                .asset_get_distributions(asset, None, None)
                .await?;
            output::json(&list)
        }
        AssetCommand::Settle {
            send,
            legs,
            cosigner_keys,
            cosignatures,
        } => settle(send, legs, cosigner_keys, cosignatures, json).await,
        AssetCommand::Cosign {
            key,
            sender,
            nonce,
            legs,
            rpc,
        } => {
            let client = Client::connect(&rpc)?;
            let chain = client.chain_info().await?;
            let nonce = match nonce {
                Some(n) => Nonce(n),
                None => client.next_nonce(&sender).await?,
            };
            let legs: Vec<Leg> = legs.into_iter().map(|l| l.0).collect();
            let key = open_key_file(&key, super::prompt_passphrase)
                .with_context(|| format!("opening {}", key.display()))?;
            let message = settlement_message(&chain.chain_id, &sender, nonce, &legs);
            let c = Cosignature {
                key: key.public_key(),
                signature: key.sign(COSIGN_NAMESPACE, &message),
            };
            if !json {
                eprintln!("co-signed for {sender}'s transaction with nonce {nonce}:");
            }
            println!("{}", serde_json::to_string(&c)?);
            Ok(())
        }
    }
}

async fn settle(
    send: SendArgs,
    legs: Vec<LegArg>,
    cosigner_keys: Vec<PathBuf>,
    cosignatures: Vec<String>,
    json: bool,
) -> anyhow::Result<()> {
    let legs: Vec<Leg> = legs.into_iter().map(|l| l.0).collect();
    let mut cosigners: Vec<Cosignature> = cosignatures
        .iter()
        .map(|c| serde_json::from_str(c).context("a --cosignature is not a co-signature's JSON"))
        .collect::<anyhow::Result<_>>()?;
    if !cosigner_keys.is_empty() {
        let key = open_key_file(&send.key, super::prompt_passphrase)
            .with_context(|| format!("opening {}", send.key.display()))?;
        let sender = key.public_key().address();
        let client = Client::connect(&send.rpc)?;
        let chain = client.chain_info().await?;
        let nonce = client.next_nonce(&sender).await?;
        let message = settlement_message(&chain.chain_id, &sender, nonce, &legs);
        for path in &cosigner_keys {
            let k = open_key_file(path, super::prompt_passphrase)
                .with_context(|| format!("opening {}", path.display()))?;
            cosigners.push(Cosignature {
                key: k.public_key(),
                signature: k.sign(COSIGN_NAMESPACE, &message),
            });
        }
    }
    asset_tx(&send, AssetTx::Settle { legs, cosigners }, json)
        .await
        .map(drop)
}
