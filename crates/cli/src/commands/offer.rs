//! `citychain offer`: two-party offers, delivery versus payment: make (escrowing what you
//! give), take, cancel (or return an expired one), show, list.

use super::{
    DEFAULT_RPC,
    asset::{ValueArg, asset_tx, created_id},
    send::SendArgs,
};
use crate::output;
use anyhow::bail;
use citychain_client::{Client, api::*, types::OfferSubject};
use citychain_crypto::Address;
use citychain_types::{
    Amount, TimestampMs,
    asset::{AssetId, AssetTx, CollectionId, OfferId},
};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum OfferCommand {
    /// Offer GIVE for WANT (native:AMOUNT, token:ASSET:AMOUNT or item:COLLECTION:ITEM); what
    /// you give is escrowed until taken, cancelled or expired. Prints the offer's id.
    Make {
        #[command(flatten)]
        send: SendArgs,
        #[arg(long)]
        give: ValueArg,
        #[arg(long)]
        want: ValueArg,
        /// May be taken in parts (amounts only); each part pays its price rounded up.
        #[arg(long)]
        partial: bool,
        /// Only this account may take it.
        #[arg(long)]
        taker: Option<Address>,
        /// Hours until it expires (at most a year).
        #[arg(long, default_value_t = 24)]
        hours: u64,
    },
    /// Take an offer: pay its price, receive what it gives, in one transaction.
    Take {
        #[command(flatten)]
        send: SendArgs,
        offer: OfferId,
        /// How much of what it gives (default: all that is left).
        #[arg(long)]
        amount: Option<Amount>,
    },
    /// Cancel your offer, or return an expired one's escrow to its maker.
    Cancel {
        #[command(flatten)]
        send: SendArgs,
        offer: OfferId,
    },
    /// An offer.
    Show {
        offer: OfferId,
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// Open offers by maker, or of an asset, a collection or the native currency.
    List {
        #[arg(long)]
        maker: Option<Address>,
        #[arg(long)]
        asset: Option<AssetId>,
        #[arg(long)]
        collection: Option<CollectionId>,
        /// Offers that give or want the native currency.
        #[arg(long)]
        native: bool,
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
}

pub async fn run(cmd: OfferCommand, json: bool) -> anyhow::Result<()> {
    match cmd {
        OfferCommand::Make {
            send,
            give,
            want,
            partial,
            taker,
            hours,
        } => {
            let deadline = super::asset::days_from_now(0).0 + hours * 3600 * 1000;
            let op = AssetTx::MakeOffer {
                give: give.0,
                want: want.0,
                partial,
                taker,
                deadline_ms: TimestampMs(deadline),
            };
            let id = OfferId(created_id(&asset_tx(&send, op, json).await?)?);
            if !json {
                println!("offer {id}");
            }
            Ok(())
        }
        OfferCommand::Take {
            send,
            offer,
            amount,
        } => {
            let amount = match amount {
                Some(a) => a,
                None => {
                    Client::connect(&send.rpc)?
                        .rpc()
                        .asset_get_offer(offer)
                        .await?
                        .give_left
                }
            };
            asset_tx(&send, AssetTx::TakeOffer { offer, amount }, json)
                .await
                .map(drop)
        }
        OfferCommand::Cancel { send, offer } => {
            asset_tx(&send, AssetTx::CancelOffer { offer }, json)
                .await
                .map(drop)
        }
        OfferCommand::Show { offer, rpc } => {
            let o = Client::connect(&rpc)?.rpc().asset_get_offer(offer).await?;
            if json {
                return output::json(&o);
            }
            output::rows(&[
                ("offer", o.id.to_string()),
                ("maker", o.maker.to_string()),
                ("gives", format!("{} ({} left)", o.give, o.give_left)),
                ("wants", format!("{} ({} left)", o.want, o.want_left)),
                ("partial", o.partial.to_string()),
                ("taker", o.taker.map_or("anyone".into(), |t| t.to_string())),
                ("deadline", format!("{} ms", o.deadline_ms)),
                ("status", format!("{:?}", o.status).to_lowercase()),
            ]);
            Ok(())
        }
        OfferCommand::List {
            maker,
            asset,
            collection,
            native,
            rpc,
        } => {
            let client = Client::connect(&rpc)?;
            let page = match (maker, asset, collection, native) {
                (Some(m), None, None, false) => {
                    client
                        .rpc()
                        .asset_get_offers_by_maker(m, None, None)
                        .await?
                }
                (None, Some(a), None, false) => {
                    let s = OfferSubject::Token { asset: a };
                    client.rpc().asset_get_offers_for(s, None, None).await?
                }
                (None, None, Some(c), false) => {
                    let s = OfferSubject::Collection { collection: c };
                    client.rpc().asset_get_offers_for(s, None, None).await?
                }
                (None, None, None, true) => {
                    client
                        .rpc()
                        .asset_get_offers_for(OfferSubject::Native, None, None)
                        .await?
                }
                _ => bail!("give exactly one of --maker, --asset, --collection, --native"),
            };
            if json {
                return output::json(&page);
            }
            for o in page.offers {
                println!("{}  {} gives {} for {}", o.id, o.maker, o.give, o.want);
            }
            Ok(())
        }
    }
}
