//! `citychain vault`: fractional ownership: lock an item (or an amount of an asset) in a vault
//! that issues shares; redeem with every share, buy out at the reserve price, claim proceeds,
//! vote a new reserve price.

use super::{
    DEFAULT_RPC,
    asset::{ValueArg, asset_tx, created_id, days_from_now, holder_or_sender, print_paid},
    send::SendArgs,
};
use crate::output;
use citychain_client::{Client, api::*};
use citychain_crypto::Address;
use citychain_types::{
    Amount,
    asset::{AssetId, AssetTx},
};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum VaultCommand {
    /// Lock VALUE (item:COLLECTION:ITEM or token:ASSET:AMOUNT) in a new vault that issues
    /// SHARES share units to you; prints the vault's id, which is also its share asset's.
    Create {
        #[command(flatten)]
        send: SendArgs,
        #[arg(long)]
        content: ValueArg,
        #[arg(long)]
        shares: Amount,
        /// The share asset's ticker.
        #[arg(long)]
        symbol: String,
        /// The share asset's name.
        #[arg(long)]
        name: String,
        /// The buyout price: native:AMOUNT or token:ASSET:AMOUNT (default: none until voted).
        #[arg(long)]
        reserve: Option<ValueArg>,
    },
    /// A vault: content, shares, reserve, status, proceeds, an open vote.
    Show {
        vault: AssetId,
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// With every share, take the content back.
    Redeem {
        #[command(flatten)]
        send: SendArgs,
        vault: AssetId,
    },
    /// Pay the reserve price and take the content; shareholders then claim the proceeds.
    Buyout {
        #[command(flatten)]
        send: SendArgs,
        vault: AssetId,
    },
    /// After a buyout, surrender a holder's shares for its part of the proceeds (default:
    /// yours; anyone may claim for a holder, who is the one paid).
    Claim {
        #[command(flatten)]
        send: SendArgs,
        vault: AssetId,
        #[arg(long)]
        holder: Option<Address>,
    },
    /// As a shareholder, propose a new reserve price; shares held now weigh the votes.
    ProposeReserve {
        #[command(flatten)]
        send: SendArgs,
        vault: AssetId,
        #[arg(long)]
        price: ValueArg,
        /// Days the vote stays open (at most 90).
        #[arg(long, default_value_t = 7)]
        days: u64,
    },
    /// Vote on the open reserve proposal with the shares you held when it was made.
    Vote {
        #[command(flatten)]
        send: SendArgs,
        vault: AssetId,
        /// yes or no.
        choice: String,
    },
}

pub async fn run(cmd: VaultCommand, json: bool) -> anyhow::Result<()> {
    match cmd {
        VaultCommand::Create {
            send,
            content,
            shares,
            symbol,
            name,
            reserve,
        } => {
            let op = AssetTx::CreateVault {
                content: content.0,
                shares,
                symbol,
                name,
                reserve: reserve.map(|r| r.0),
            };
            let id = AssetId(created_id(&asset_tx(&send, op, json).await?)?);
            if !json {
                println!("vault {id} (its shares are asset {id})");
            }
            Ok(())
        }
        VaultCommand::Show { vault, rpc } => {
            let v = Client::connect(&rpc)?.rpc().asset_get_vault(vault).await?;
            if json {
                return output::json(&v);
            }
            output::rows(&[
                ("vault", v.id.to_string()),
                ("creator", v.creator.to_string()),
                ("content", v.content.to_string()),
                ("shares", v.shares.to_string()),
                (
                    "reserve",
                    v.reserve.map_or("none".into(), |p| p.to_string()),
                ),
                ("status", format!("{:?}", v.status).to_lowercase()),
                ("buyer", v.buyer.map_or("-".into(), |b| b.to_string())),
                (
                    "proceeds",
                    format!(
                        "{} left for {} unclaimed shares",
                        v.proceeds, v.unclaimed_shares
                    ),
                ),
                (
                    "reserve vote",
                    v.vote.map_or("none".into(), |vote| {
                        format!(
                            "{} proposed by {}: yes {}, no {}, until {} ms",
                            vote.price, vote.proposer, vote.yes, vote.no, vote.deadline_ms
                        )
                    }),
                ),
            ]);
            Ok(())
        }
        VaultCommand::Redeem { send, vault } => asset_tx(&send, AssetTx::Redeem { vault }, json)
            .await
            .map(drop),
        VaultCommand::Buyout { send, vault } => asset_tx(&send, AssetTx::Buyout { vault }, json)
            .await
            .map(drop),
        VaultCommand::Claim {
            send,
            vault,
            holder,
        } => {
            let holder = holder_or_sender(&send, holder)?;
            let out = asset_tx(&send, AssetTx::ClaimProceeds { vault, holder }, json).await?;
            if !json {
                print_paid(&out, &holder);
            }
            Ok(())
        }
        VaultCommand::ProposeReserve {
            send,
            vault,
            price,
            days,
        } => {
            let op = AssetTx::ProposeReserve {
                vault,
                price: price.0,
                deadline_ms: days_from_now(days),
            };
            asset_tx(&send, op, json).await.map(drop)
        }
        VaultCommand::Vote {
            send,
            vault,
            choice,
        } => {
            let approve = match choice.as_str() {
                "yes" => true,
                "no" => false,
                other => anyhow::bail!("vote yes or no, not {other:?}"),
            };
            asset_tx(&send, AssetTx::VoteReserve { vault, approve }, json)
                .await
                .map(drop)
        }
    }
}
