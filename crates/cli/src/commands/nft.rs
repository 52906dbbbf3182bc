//! `citychain nft`: collections of unique items (title deeds, certificates): create, mint,
//! transfer, burn, show, history, owned.

use super::{
    DEFAULT_RPC,
    asset::{MetadataArgs, asset_tx, created_id},
    send::SendArgs,
};
use crate::output;
use citychain_client::{Client, api::*};
use citychain_crypto::Address;
use citychain_types::asset::{AssetTx, CollectionId, MintRule, TransferRule};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum NftCommand {
    /// Create a collection (needs the issuer role); prints its id.
    Create {
        #[command(flatten)]
        send: SendArgs,
        /// Ticker: 1 to 16 of A-Z 0-9 - .
        #[arg(long)]
        symbol: String,
        #[arg(long)]
        name: String,
        /// Who may hold its items: open, members or allow_list.
        #[arg(long, default_value = "open")]
        rule: TransferRule,
        /// Who may mint: issuer (you only) or any_issuer (any account with the issuer role).
        #[arg(long, default_value = "issuer")]
        mint: MintRule,
        #[command(flatten)]
        metadata: MetadataArgs,
    },
    /// Mint item ITEM of a collection to an account.
    Mint {
        #[command(flatten)]
        send: SendArgs,
        collection: CollectionId,
        item: u64,
        #[arg(long)]
        to: Address,
        /// Its owner may not transfer it (a certificate); the issuer still may, or burn it.
        #[arg(long)]
        locked: bool,
        #[command(flatten)]
        metadata: MetadataArgs,
    },
    /// Transfer an item you own (or, as the issuer, any item of your collection).
    Transfer {
        #[command(flatten)]
        send: SendArgs,
        collection: CollectionId,
        item: u64,
        #[arg(long)]
        to: Address,
    },
    /// Burn an item you own, or revoke one as the issuer. Its history stays.
    Burn {
        #[command(flatten)]
        send: SendArgs,
        collection: CollectionId,
        item: u64,
    },
    /// A collection, or one of its items (use `query item --verify` for a proven owner).
    Show {
        collection: CollectionId,
        item: Option<u64>,
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// An item's ownership history.
    History {
        collection: CollectionId,
        item: u64,
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// The items an account owns.
    Owned {
        owner: Address,
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
}

pub async fn run(cmd: NftCommand, json: bool) -> anyhow::Result<()> {
    match cmd {
        NftCommand::Create {
            send,
            symbol,
            name,
            rule,
            mint,
            metadata,
        } => {
            let op = AssetTx::CreateCollection {
                symbol,
                name,
                metadata: metadata.metadata(),
                rule,
                mint,
            };
            let id = CollectionId(created_id(&asset_tx(&send, op, json).await?)?);
            if !json {
                println!("collection {id}");
            }
            Ok(())
        }
        NftCommand::Mint {
            send,
            collection,
            item,
            to,
            locked,
            metadata,
        } => {
            let op = AssetTx::MintItem {
                collection,
                item,
                to,
                metadata: metadata.metadata(),
                locked,
            };
            asset_tx(&send, op, json).await.map(drop)
        }
        NftCommand::Transfer {
            send,
            collection,
            item,
            to,
        } => {
            let op = AssetTx::TransferItem {
                collection,
                item,
                to,
            };
            asset_tx(&send, op, json).await.map(drop)
        }
        NftCommand::Burn {
            send,
            collection,
            item,
        } => asset_tx(&send, AssetTx::BurnItem { collection, item }, json)
            .await
            .map(drop),
        NftCommand::Show {
            collection,
            item,
            rpc,
        } => {
            let client = Client::connect(&rpc)?;
            match item {
                None => output::json(&client.rpc().asset_get_collection(collection).await?),
                Some(item) => {
                    let i = client.rpc().asset_get_item(collection, item).await?;
                    if json {
                        return output::json(&i);
                    }
                    output::rows(&[
                        ("item", format!("{item} of {collection}")),
                        ("owner", i.value.owner.to_string()),
                        ("metadata", i.value.metadata.to_string()),
                        ("locked", i.value.locked.to_string()),
                        ("minted at", i.value.minted_height.to_string()),
                    ]);
                    Ok(())
                }
            }
        }
        NftCommand::History {
            collection,
            item,
            rpc,
        } => {
            let history = Client::connect(&rpc)?
                .rpc()
                .asset_get_item_history(collection, item, None, None)
                .await?;
            if json {
                return output::json(&history);
            }
            for e in history {
                println!(
                    "height {:>8}  {:<8}  {} -> {}",
                    e.height,
                    format!("{:?}", e.kind).to_lowercase(),
                    e.from,
                    e.to
                );
            }
            Ok(())
        }
        NftCommand::Owned { owner, rpc } => {
            let page = Client::connect(&rpc)?
                .rpc()
                .asset_get_owned_items(owner, None, None)
                .await?;
            if json {
                return output::json(&page);
            }
            for i in page.items {
                println!("{}  {}", i.collection, i.item);
            }
            Ok(())
        }
    }
}
