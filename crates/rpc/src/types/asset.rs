//! Wire types of the `asset_*` namespace. Stored values (classes, items, vaults, offers,
//! distributions) travel as their own JSON; these are the shapes that add context to them.

use citychain_crypto::Address;
use citychain_types::{
    Amount,
    asset::{AssetClass, AssetId, CollectionId, Denom, Offer, OfferId},
};
use serde::{Deserialize, Serialize};

/// Most entries a paginated `asset_*` listing returns (and the default).
pub const MAX_PAGE: u32 = 500;

/// `asset_getBalance`: a holder's balance of an asset, and whether it may move.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HoldingView {
    pub asset: AssetId,
    pub holder: Address,
    pub balance: Amount,
    /// This holder's balance is frozen by the regulator.
    pub frozen: bool,
    /// The whole asset class is frozen.
    pub asset_frozen: bool,
    /// The height of the state read.
    pub height: u64,
}

/// One holder in `asset_getHolders`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HolderEntry {
    pub holder: Address,
    pub balance: Amount,
    pub frozen: bool,
}

/// `asset_getHolders`: a page of holders in address order; `next` continues the listing.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HoldersPage {
    pub asset: AssetId,
    pub supply: Amount,
    pub holders: Vec<HolderEntry>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<Address>,
}

/// One asset in `asset_getHeld`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HeldEntry {
    pub asset: AssetId,
    pub symbol: String,
    pub decimals: u8,
    pub balance: Amount,
    pub frozen: bool,
}

/// `asset_getHeld`: the assets an account holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HeldPage {
    pub holder: Address,
    pub assets: Vec<HeldEntry>,
    pub next: Option<AssetId>,
}

/// One item in `asset_getOwnedItems`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ItemRef {
    pub collection: CollectionId,
    pub item: u64,
}

/// `asset_getOwnedItems`: the items an account owns.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OwnedPage {
    pub owner: Address,
    pub items: Vec<ItemRef>,
    pub next: Option<ItemRef>,
}

/// `asset_getItem`: an item with its collection and position.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ItemView {
    pub collection: CollectionId,
    pub item: u64,
    #[serde(flatten)]
    pub value: citychain_types::asset::Item,
}

/// `asset_getOffers*`: a page of open offers; `next` continues the listing.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OffersPage {
    pub offers: Vec<Offer>,
    pub next: Option<OfferId>,
}

/// What `asset_getOffersFor` lists offers of: the native currency, an asset, or any item of
/// a collection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OfferSubject {
    Native,
    Token { asset: AssetId },
    Collection { collection: CollectionId },
}

impl OfferSubject {
    /// The index the chain keeps offers under.
    pub fn denom(&self) -> Denom {
        match self {
            OfferSubject::Native => Denom::Native,
            OfferSubject::Token { asset } => Denom::Token(*asset),
            // Every item of a collection shares one index key.
            OfferSubject::Collection { collection } => Denom::Item(*collection, 0),
        }
    }
}

/// `asset_checkTransfer`: whether a transfer would succeed now, and if not, the code and the
/// reason its receipt would carry.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TransferCheck {
    pub ok: bool,
    /// `insufficient_balance`, `balance_overflow`, `asset_frozen`, `asset_restricted` or
    /// `reverted`; absent when `ok`.
    pub code: Option<String>,
    /// The receipt status's number it would fail with.
    pub status: Option<u16>,
    pub reason: Option<String>,
    /// The height of the state checked.
    pub height: u64,
}

/// `asset_getClass`: a class, with its vault if it is a vault's shares.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClassView {
    #[serde(flatten)]
    pub class: AssetClass,
    pub vault: Option<citychain_types::asset::Vault>,
}
