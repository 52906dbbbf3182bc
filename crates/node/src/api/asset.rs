//! `asset_*`: native assets, read from the latest committed state.

use super::*;
use citychain_execution::{native::assets, read::assets as r};
use citychain_types::{
    Amount,
    asset::{AssetId, Collection, CollectionId, Distribution, ItemEvent, Offer, OfferId, Vault},
};

/// A page size: `limit` if given (at most [`MAX_PAGE`]), else [`MAX_PAGE`].
fn page_size(limit: Option<u32>) -> RpcResult<usize> {
    match limit {
        None => Ok(MAX_PAGE as usize),
        Some(0) => Err(error::invalid_params("limit must be at least 1")),
        Some(n) if n > MAX_PAGE => Err(error::invalid_params(format!(
            "limit {n} is above the most a page holds, {MAX_PAGE}"
        ))),
        Some(n) => Ok(n as usize),
    }
}

/// The cursor for the next page: the last entry's, if the page is full.
fn next_cursor<T, C>(entries: &[T], limit: usize, cursor: impl Fn(&T) -> C) -> Option<C> {
    (entries.len() == limit)
        .then(|| entries.last().map(cursor))
        .flatten()
}

fn class_in(
    view: &citychain_state::StateView,
    asset: &AssetId,
) -> RpcResult<citychain_types::asset::AssetClass> {
    r::asset_class(view, asset)
        .map_err(state_error)?
        .ok_or_else(|| error::not_found(format!("no asset {asset}")))
}

#[async_trait]
impl AssetApiServer for NodeService {
    async fn asset_get_class(&self, asset: AssetId) -> RpcResult<ClassView> {
        let (view, _, _) = self.latest_view()?;
        let class = class_in(&view, &asset)?;
        let vault = r::vault(&view, &asset).map_err(state_error)?;
        Ok(ClassView { class, vault })
    }

    async fn asset_get_balance(&self, asset: AssetId, holder: Address) -> RpcResult<HoldingView> {
        let (view, height, _) = self.latest_view()?;
        let class = class_in(&view, &asset)?;
        let h = r::holding(&view, &asset, &holder).map_err(state_error)?;
        Ok(HoldingView {
            asset,
            holder,
            balance: h.balance,
            frozen: h.frozen,
            asset_frozen: class.frozen,
            height,
        })
    }

    async fn asset_get_holders(
        &self,
        asset: AssetId,
        after: Option<Address>,
        limit: Option<u32>,
    ) -> RpcResult<HoldersPage> {
        let limit = page_size(limit)?;
        let (view, _, _) = self.latest_view()?;
        let class = class_in(&view, &asset)?;
        let holders: Vec<HolderEntry> = r::holders(&view, &asset, after.as_ref(), limit)
            .map_err(state_error)?
            .into_iter()
            .map(|(holder, h)| HolderEntry {
                holder,
                balance: h.balance,
                frozen: h.frozen,
            })
            .collect();
        Ok(HoldersPage {
            asset,
            supply: class.supply,
            next: next_cursor(&holders, limit, |h| h.holder),
            holders,
        })
    }

    async fn asset_get_held(
        &self,
        holder: Address,
        after: Option<AssetId>,
        limit: Option<u32>,
    ) -> RpcResult<HeldPage> {
        let limit = page_size(limit)?;
        let (view, _, _) = self.latest_view()?;
        let ids = r::held_assets(&view, &holder, after.as_ref(), limit).map_err(state_error)?;
        let next = next_cursor(&ids, limit, |a| *a);
        let mut assets = Vec::with_capacity(ids.len());
        for asset in ids {
            let class = class_in(&view, &asset)?;
            let h = r::holding(&view, &asset, &holder).map_err(state_error)?;
            assets.push(HeldEntry {
                asset,
                symbol: class.symbol,
                decimals: class.decimals,
                balance: h.balance,
                frozen: h.frozen || class.frozen,
            });
        }
        Ok(HeldPage {
            holder,
            assets,
            next,
        })
    }

    async fn asset_check_transfer(
        &self,
        asset: AssetId,
        from: Address,
        to: Address,
        amount: Amount,
    ) -> RpcResult<TransferCheck> {
        let (view, height, _) = self.latest_view()?;
        let verdict =
            assets::check_transfer(&view, &asset, &from, &to, amount).map_err(state_error)?;
        Ok(match verdict {
            Ok(()) => TransferCheck {
                ok: true,
                code: None,
                status: None,
                reason: None,
                height,
            },
            Err(e) => TransferCheck {
                ok: false,
                code: Some(e.code().into()),
                status: Some(e.status().code()),
                reason: Some(e.to_string()),
                height,
            },
        })
    }

    async fn asset_get_collection(&self, collection: CollectionId) -> RpcResult<Collection> {
        let (view, _, _) = self.latest_view()?;
        r::collection(&view, &collection)
            .map_err(state_error)?
            .ok_or_else(|| error::not_found(format!("no collection {collection}")))
    }

    async fn asset_get_item(&self, collection: CollectionId, item: u64) -> RpcResult<ItemView> {
        let (view, _, _) = self.latest_view()?;
        let value = r::item(&view, &collection, item)
            .map_err(state_error)?
            .ok_or_else(|| {
                error::not_found(format!("no item {item} in collection {collection}"))
            })?;
        Ok(ItemView {
            collection,
            item,
            value,
        })
    }

    async fn asset_get_item_history(
        &self,
        collection: CollectionId,
        item: u64,
        from: Option<u64>,
        limit: Option<u32>,
    ) -> RpcResult<Vec<ItemEvent>> {
        let limit = page_size(limit)?;
        let (view, _, _) = self.latest_view()?;
        if r::item(&view, &collection, item)
            .map_err(state_error)?
            .is_none()
        {
            return Err(error::not_found(format!(
                "no item {item} in collection {collection}"
            )));
        }
        r::item_history(&view, &collection, item, from.unwrap_or(0), limit).map_err(state_error)
    }

    async fn asset_get_owned_items(
        &self,
        owner: Address,
        after: Option<ItemRef>,
        limit: Option<u32>,
    ) -> RpcResult<OwnedPage> {
        let limit = page_size(limit)?;
        let (view, _, _) = self.latest_view()?;
        let items: Vec<ItemRef> = r::owned_items(
            &view,
            &owner,
            after.as_ref().map(|i| (&i.collection, i.item)),
            limit,
        )
        .map_err(state_error)?
        .into_iter()
        .map(|(collection, item)| ItemRef { collection, item })
        .collect();
        Ok(OwnedPage {
            owner,
            next: next_cursor(&items, limit, |i| *i),
            items,
        })
    }

    async fn asset_get_vault(&self, vault: AssetId) -> RpcResult<Vault> {
        let (view, _, _) = self.latest_view()?;
        r::vault(&view, &vault)
            .map_err(state_error)?
            .ok_or_else(|| error::not_found(format!("no vault {vault}")))
    }

    async fn asset_get_distributions(
        &self,
        asset: AssetId,
        after: Option<u64>,
        limit: Option<u32>,
    ) -> RpcResult<Vec<Distribution>> {
        let limit = page_size(limit)?;
        let (view, _, _) = self.latest_view()?;
        class_in(&view, &asset)?;
        r::distributions(&view, &asset, after, limit).map_err(state_error)
    }

    async fn asset_get_offer(&self, offer: OfferId) -> RpcResult<Offer> {
        let (view, _, _) = self.latest_view()?;
        r::offer(&view, &offer)
            .map_err(state_error)?
            .ok_or_else(|| error::not_found(format!("no offer {offer}")))
    }

    async fn asset_get_offers_by_maker(
        &self,
        maker: Address,
        after: Option<OfferId>,
        limit: Option<u32>,
    ) -> RpcResult<OffersPage> {
        let limit = page_size(limit)?;
        let (view, _, _) = self.latest_view()?;
        let offers =
            r::offers_by_maker(&view, &maker, after.as_ref(), limit).map_err(state_error)?;
        Ok(OffersPage {
            next: next_cursor(&offers, limit, |o| o.id),
            offers,
        })
    }

    async fn asset_get_offers_for(
        &self,
        subject: OfferSubject,
        after: Option<OfferId>,
        limit: Option<u32>,
    ) -> RpcResult<OffersPage> {
        let limit = page_size(limit)?;
        let (view, _, _) = self.latest_view()?;
        let offers = r::offers_by_denom(&view, &subject.denom(), after.as_ref(), limit)
            .map_err(state_error)?;
        Ok(OffersPage {
            next: next_cursor(&offers, limit, |o| o.id),
            offers,
        })
    }
}
