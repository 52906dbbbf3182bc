//! `asset_*`: native assets (classes, holdings, items, vaults, distributions, offers) and the
//! transfer pre-check. Listings are paginated: pass the last page's `next` as `after`.

use super::RpcResult;
use crate::types::*;
use citychain_crypto::Address;
use citychain_types::{
    Amount,
    asset::{AssetId, Collection, CollectionId, Distribution, ItemEvent, Offer, OfferId, Vault},
};
use jsonrpsee::proc_macros::rpc;

#[rpc(server, client)]
pub trait AssetApi {
    /// An asset class (its vault too, for a vault's shares).
    #[method(name = "asset_getClass")]
    async fn asset_get_class(&self, asset: AssetId) -> RpcResult<ClassView>;

    /// A holder's balance of an asset.
    #[method(name = "asset_getBalance")]
    async fn asset_get_balance(&self, asset: AssetId, holder: Address) -> RpcResult<HoldingView>;

    /// An asset's holders in address order, at most `limit` (default and most 500) after
    /// `after`.
    #[method(name = "asset_getHolders")]
    async fn asset_get_holders(
        &self,
        asset: AssetId,
        after: Option<Address>,
        limit: Option<u32>,
    ) -> RpcResult<HoldersPage>;

    /// The asset classes an account holds.
    #[method(name = "asset_getHeld")]
    async fn asset_get_held(
        &self,
        holder: Address,
        after: Option<AssetId>,
        limit: Option<u32>,
    ) -> RpcResult<HeldPage>;

    /// Whether `from` could transfer `amount` of `asset` to `to` now; if not, the code and
    /// reason the transaction's receipt would carry.
    #[method(name = "asset_checkTransfer")]
    async fn asset_check_transfer(
        &self,
        asset: AssetId,
        from: Address,
        to: Address,
        amount: Amount,
    ) -> RpcResult<TransferCheck>;

    /// A collection.
    #[method(name = "asset_getCollection")]
    async fn asset_get_collection(&self, collection: CollectionId) -> RpcResult<Collection>;

    /// An item: owner, metadata, whether it is locked.
    #[method(name = "asset_getItem")]
    async fn asset_get_item(&self, collection: CollectionId, item: u64) -> RpcResult<ItemView>;

    /// An item's ownership history from entry `from` (default 0), at most `limit`.
    #[method(name = "asset_getItemHistory")]
    async fn asset_get_item_history(
        &self,
        collection: CollectionId,
        item: u64,
        from: Option<u64>,
        limit: Option<u32>,
    ) -> RpcResult<Vec<ItemEvent>>;

    /// The items an account owns.
    #[method(name = "asset_getOwnedItems")]
    async fn asset_get_owned_items(
        &self,
        owner: Address,
        after: Option<ItemRef>,
        limit: Option<u32>,
    ) -> RpcResult<OwnedPage>;

    /// A vault: content, shares, reserve price, status, proceeds, an open reserve vote.
    #[method(name = "asset_getVault")]
    async fn asset_get_vault(&self, vault: AssetId) -> RpcResult<Vault>;

    /// The distributions to an asset's holders, by record point after `after`.
    #[method(name = "asset_getDistributions")]
    async fn asset_get_distributions(
        &self,
        asset: AssetId,
        after: Option<u64>,
        limit: Option<u32>,
    ) -> RpcResult<Vec<Distribution>>;

    /// An offer, open or not.
    #[method(name = "asset_getOffer")]
    async fn asset_get_offer(&self, offer: OfferId) -> RpcResult<Offer>;

    /// The open offers a maker made.
    #[method(name = "asset_getOffersByMaker")]
    async fn asset_get_offers_by_maker(
        &self,
        maker: Address,
        after: Option<OfferId>,
        limit: Option<u32>,
    ) -> RpcResult<OffersPage>;

    /// The open offers that give or want the native currency, an asset, or an item of a
    /// collection.
    #[method(name = "asset_getOffersFor")]
    async fn asset_get_offers_for(
        &self,
        subject: OfferSubject,
        after: Option<OfferId>,
        limit: Option<u32>,
    ) -> RpcResult<OffersPage>;
}
