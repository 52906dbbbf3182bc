//! Why an asset operation failed: each reason maps to a receipt status, and its text (with the
//! values involved) becomes the receipt's reason.

use citychain_crypto::Address;
use citychain_types::{
    Amount, Status, TimestampMs,
    asset::{AssetId, CollectionId, Denom, OfferId, Value},
};

/// An asset operation that cannot apply. Nothing of it is kept.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AssetError {
    /// A field fails its own validation (a symbol, a name, a URI, an amount of zero).
    #[error("{0}")]
    Invalid(String),
    #[error("no asset {0}")]
    NoAsset(AssetId),
    #[error("no collection {0}")]
    NoCollection(CollectionId),
    #[error("no item {item} in collection {collection}")]
    NoItem { collection: CollectionId, item: u64 },
    #[error("item {item} of collection {collection} exists already")]
    ItemExists { collection: CollectionId, item: u64 },
    #[error("no vault {0}")]
    NoVault(AssetId),
    #[error("no offer {0}")]
    NoOffer(OfferId),
    #[error("no distribution {record} of asset {asset}")]
    NoDistribution { asset: AssetId, record: u64 },
    #[error("{0} exists already")]
    Exists(String),
    #[error("only {expected} may {action}; the sender is {sender}")]
    NotAuthorized {
        action: &'static str,
        expected: String,
        sender: Address,
    },
    #[error("{holder} holds {balance} of {denom}; {needed} is needed")]
    InsufficientBalance {
        holder: Address,
        denom: String,
        balance: Amount,
        needed: Amount,
    },
    #[error("{holder}'s balance {balance} of {denom} plus {amount} overflows")]
    Overflow {
        holder: Address,
        denom: String,
        balance: Amount,
        amount: Amount,
    },
    #[error("minting {amount} would take the supply of {asset} from {supply} past its cap {cap}")]
    CapExceeded {
        asset: AssetId,
        amount: Amount,
        supply: Amount,
        cap: Amount,
    },
    #[error("asset {0} is frozen")]
    AssetFrozen(AssetId),
    #[error("{holder}'s balance of asset {asset} is frozen")]
    HoldingFrozen { asset: AssetId, holder: Address },
    #[error("{0} is frozen")]
    AccountFrozen(Address),
    #[error("{account} may not hold {what}: {why}")]
    Restricted {
        account: Address,
        what: String,
        why: &'static str,
    },
    #[error("item {item} of collection {collection} is locked: only the issuer moves it")]
    ItemLocked { collection: CollectionId, item: u64 },
    #[error("{0}")]
    Unavailable(String),
    #[error("offer {offer} expired at {deadline_ms} ms; the block time is {now_ms} ms")]
    OfferExpired {
        offer: OfferId,
        deadline_ms: TimestampMs,
        now_ms: TimestampMs,
    },
    #[error("{0} cannot be split: it is one item")]
    Indivisible(Value),
    #[error("{what} must be the native currency or a fungible asset, not {denom:?}")]
    NotFungible { what: &'static str, denom: Denom },
    /// One leg of a settlement failed (the status is that leg's).
    #[error("leg {index}: {error}")]
    Leg {
        index: usize,
        error: Box<AssetError>,
    },
}

impl AssetError {
    /// The receipt status it ends the transaction with.
    pub fn status(&self) -> Status {
        match self {
            AssetError::Leg { error, .. } => error.status(),
            AssetError::InsufficientBalance { .. } => Status::InsufficientBalance,
            AssetError::Overflow { .. } => Status::BalanceOverflow,
            AssetError::AssetFrozen(_)
            | AssetError::HoldingFrozen { .. }
            | AssetError::AccountFrozen(_) => Status::AssetFrozen,
            AssetError::Restricted { .. } | AssetError::ItemLocked { .. } => {
                Status::AssetRestricted
            }
            _ => Status::Reverted,
        }
    }

    /// The same text as the receipt's reason, with a stable code, for the pre-check API.
    pub fn code(&self) -> &'static str {
        match self.status() {
            Status::InsufficientBalance => "insufficient_balance",
            Status::BalanceOverflow => "balance_overflow",
            Status::AssetFrozen => "asset_frozen",
            Status::AssetRestricted => "asset_restricted",
            _ => "reverted",
        }
    }
}

/// An asset operation's verdict inside the block's `Result`: `Ok(Err(_))` is a failure the
/// receipt records, `Err(_)` a broken node (corrupt state).
pub type Verdict<T> = crate::Result<std::result::Result<T, AssetError>>;
