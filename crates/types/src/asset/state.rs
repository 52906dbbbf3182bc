//! The values the assets module stores, each under its own key namespace (see
//! `crate::layout`).

use super::{
    AssetId, CollectionId, MAX_NAME_LEN, MAX_SYMBOL_LEN, Metadata, OfferId, TransferRule, Value,
};
use crate::{
    Amount, Height, TimestampMs,
    codec::{Decode, DecodeError, Encode, Reader, Writer},
};
use citychain_crypto::Address;
use serde::{Deserialize, Serialize};

/// A fungible asset class, stored under `0x0e || id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AssetClass {
    /// Its id.
    pub id: AssetId,
    /// A short ticker (`CITY-BOND-26`).
    pub symbol: String,
    /// Its name, for people.
    pub name: String,
    /// How many decimal places a display shows (amounts are whole base units).
    pub decimals: u8,
    /// Who mints and burns it and keeps its allow-list (for vault shares: the vault's escrow).
    pub issuer: Address,
    /// The most that may ever be in circulation, if capped.
    pub supply_cap: Option<Amount>,
    /// How much is in circulation: always the sum of every holder's balance.
    pub supply: Amount,
    /// A description of what it represents.
    pub metadata: Metadata,
    /// Who may hold it.
    pub rule: TransferRule,
    /// Frozen by the regulator: nothing moves until unfrozen.
    pub frozen: bool,
    /// Record points taken so far (distributions and share votes); the next one's number.
    pub records: u64,
    /// Whether these are a vault's shares (minted once when the vault is made, burned only on
    /// redemption or buyout claims).
    pub vault_shares: bool,
    /// The height of the block that created it.
    pub created_height: Height,
}

/// Encoding: `id || symbol || name || decimals u8 || issuer || option<cap> || supply ||
/// metadata || rule u8 || frozen bool || records u64 || vault_shares bool || created_height`.
impl Encode for AssetClass {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.id)
            .string(&self.symbol)
            .string(&self.name)
            .u8(self.decimals)
            .put(&self.issuer)
            .option(self.supply_cap.as_ref(), |w, c| {
                w.put(c);
            })
            .put(&self.supply)
            .put(&self.metadata)
            .put(&self.rule)
            .bool(self.frozen)
            .u64(self.records)
            .bool(self.vault_shares)
            .put(&self.created_height);
    }
}

impl Decode for AssetClass {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(AssetClass {
            id: AssetId::decode_from(r)?,
            symbol: r.string("asset symbol", MAX_SYMBOL_LEN)?,
            name: r.string("asset name", MAX_NAME_LEN)?,
            decimals: r.u8("decimals")?,
            issuer: Address::decode_from(r)?,
            supply_cap: r.option("supply cap", Amount::decode_from)?,
            supply: Amount::decode_from(r)?,
            metadata: Metadata::decode_from(r)?,
            rule: TransferRule::decode_from(r)?,
            frozen: r.bool("asset frozen")?,
            records: r.u64("record count")?,
            vault_shares: r.bool("vault shares")?,
            created_height: Height::decode_from(r)?,
        })
    }
}

/// One holder's balance of an asset, stored under `0x0f || asset || holder` (absent: nothing
/// held, not frozen, record 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Holding {
    /// How much it holds.
    pub balance: Amount,
    /// Frozen by the regulator: this holder's balance cannot move.
    pub frozen: bool,
    /// The asset's record count when this balance last changed: the balance held at every
    /// record point from this one on is `balance` (earlier ones are in checkpoints).
    pub record: u64,
}

/// Encoding: `balance u128 || frozen bool || record u64`.
impl Encode for Holding {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.balance).bool(self.frozen).u64(self.record);
    }
}

impl Decode for Holding {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Holding {
            balance: Amount::decode_from(r)?,
            frozen: r.bool("holding frozen")?,
            record: r.u64("holding record")?,
        })
    }
}

/// The balance a holder had at record points `from ..= last`, stored under
/// `0x10 || asset || holder || last u64` when the balance first changes after them. Only
/// non-zero balances are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Checkpoint {
    /// The first record point it covers.
    pub from: u64,
    /// The balance held at those points.
    pub balance: Amount,
}

/// Encoding: `from u64 || balance u128`.
impl Encode for Checkpoint {
    fn encode_to(&self, w: &mut Writer) {
        w.u64(self.from).put(&self.balance);
    }
}

impl Decode for Checkpoint {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Checkpoint {
            from: r.u64("checkpoint start")?,
            balance: Amount::decode_from(r)?,
        })
    }
}

/// Who may mint items of a collection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MintRule {
    /// 0: its issuer only.
    #[default]
    Issuer,
    /// 1: any account with the `issuer` role (the clerks of a registry).
    AnyIssuer,
}

impl std::str::FromStr for MintRule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "issuer" => Ok(MintRule::Issuer),
            "any_issuer" | "any-issuer" => Ok(MintRule::AnyIssuer),
            _ => Err(format!(
                "unknown mint rule {s:?}; rules are issuer and any_issuer"
            )),
        }
    }
}

/// A collection of unique items, stored under `0x12 || id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Collection {
    /// Its id.
    pub id: CollectionId,
    /// A short ticker.
    pub symbol: String,
    /// Its name, for people.
    pub name: String,
    /// Who created it, keeps its allow-list and may always mint.
    pub issuer: Address,
    /// A description of the collection.
    pub metadata: Metadata,
    /// Who may hold its items.
    pub rule: TransferRule,
    /// Who may mint.
    pub mint: MintRule,
    /// Items in existence (minted, not burned).
    pub items: u64,
    /// The height of the block that created it.
    pub created_height: Height,
}

/// Encoding: `id || symbol || name || issuer || metadata || rule u8 || mint u8 || items u64 ||
/// created_height`.
impl Encode for Collection {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.id)
            .string(&self.symbol)
            .string(&self.name)
            .put(&self.issuer)
            .put(&self.metadata)
            .put(&self.rule)
            .u8(match self.mint {
                MintRule::Issuer => 0,
                MintRule::AnyIssuer => 1,
            })
            .u64(self.items)
            .put(&self.created_height);
    }
}

impl Decode for Collection {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Collection {
            id: CollectionId::decode_from(r)?,
            symbol: r.string("collection symbol", MAX_SYMBOL_LEN)?,
            name: r.string("collection name", MAX_NAME_LEN)?,
            issuer: Address::decode_from(r)?,
            metadata: Metadata::decode_from(r)?,
            rule: TransferRule::decode_from(r)?,
            mint: match r.u8("mint rule")? {
                0 => MintRule::Issuer,
                1 => MintRule::AnyIssuer,
                other => return Err(r.error("mint rule", format!("unknown mint rule {other}"))),
            },
            items: r.u64("item count")?,
            created_height: Height::decode_from(r)?,
        })
    }
}

/// One unique item, stored under `0x13 || collection || item u64`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Item {
    /// Its owner (an escrow address while a vault or an offer holds it).
    pub owner: Address,
    /// What it is (a title deed's document, a certificate).
    pub metadata: Metadata,
    /// Whether its owner may not transfer it (only the issuer moves or burns a locked item).
    pub locked: bool,
    /// The height of the block that minted it.
    pub minted_height: Height,
    /// Entries in its ownership history (`0x14 || collection || item || n`).
    pub events: u64,
}

/// Encoding: `owner || metadata || locked bool || minted_height || events u64`.
impl Encode for Item {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.owner)
            .put(&self.metadata)
            .bool(self.locked)
            .put(&self.minted_height)
            .u64(self.events);
    }
}

impl Decode for Item {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Item {
            owner: Address::decode_from(r)?,
            metadata: Metadata::decode_from(r)?,
            locked: r.bool("item locked")?,
            minted_height: Height::decode_from(r)?,
            events: r.u64("item events")?,
        })
    }
}

/// What happened to an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ItemEventKind {
    /// 0: minted to `to`.
    Mint,
    /// 1: moved from `from` to `to` by its owner (or a vault or offer it was escrowed with).
    Transfer,
    /// 2: burned by `from`.
    Burn,
    /// 3: moved by a court order.
    Forced,
}

/// One entry of an item's ownership history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ItemEvent {
    /// What happened.
    pub kind: ItemEventKind,
    /// The previous owner (the zero address for a mint).
    pub from: Address,
    /// The new owner (the zero address for a burn).
    pub to: Address,
    /// The height of its block.
    pub height: Height,
}

/// Encoding: `kind u8 || from || to || height`.
impl Encode for ItemEvent {
    fn encode_to(&self, w: &mut Writer) {
        w.u8(match self.kind {
            ItemEventKind::Mint => 0,
            ItemEventKind::Transfer => 1,
            ItemEventKind::Burn => 2,
            ItemEventKind::Forced => 3,
        })
        .put(&self.from)
        .put(&self.to)
        .put(&self.height);
    }
}

impl Decode for ItemEvent {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ItemEvent {
            kind: match r.u8("item event")? {
                0 => ItemEventKind::Mint,
                1 => ItemEventKind::Transfer,
                2 => ItemEventKind::Burn,
                3 => ItemEventKind::Forced,
                other => return Err(r.error("item event", format!("unknown item event {other}"))),
            },
            from: Address::decode_from(r)?,
            to: Address::decode_from(r)?,
            height: Height::decode_from(r)?,
        })
    }
}

/// Where a vault stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum VaultStatus {
    /// 0: holds its content; its shares trade.
    Active,
    /// 1: a holder of every share took the content back.
    Redeemed,
    /// 2: bought out at the reserve price; shareholders claim the proceeds.
    BoughtOut,
}

/// A shareholder vote on a new reserve price, weighted by the shares held at its record point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReserveVote {
    /// The record point whose balances weigh the votes.
    pub record: u64,
    /// The proposed reserve price.
    pub price: Value,
    /// Who proposed it.
    pub proposer: Address,
    /// Block time after which it takes no more votes.
    pub deadline_ms: TimestampMs,
    /// Shares voting for.
    pub yes: Amount,
    /// Shares voting against.
    pub no: Amount,
}

impl Encode for ReserveVote {
    fn encode_to(&self, w: &mut Writer) {
        w.u64(self.record)
            .put(&self.price)
            .put(&self.proposer)
            .put(&self.deadline_ms)
            .put(&self.yes)
            .put(&self.no);
    }
}

impl Decode for ReserveVote {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ReserveVote {
            record: r.u64("vote record")?,
            price: Value::decode_from(r)?,
            proposer: Address::decode_from(r)?,
            deadline_ms: TimestampMs::decode_from(r)?,
            yes: Amount::decode_from(r)?,
            no: Amount::decode_from(r)?,
        })
    }
}

/// A vault: custody of an item (or an amount of an asset) split into shares, stored under
/// `0x15 || id`. Its share asset has the same id; its escrow address holds the content and,
/// after a buyout, the proceeds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Vault {
    /// Its id, and its share asset's.
    pub id: AssetId,
    /// Who locked the content and received the shares.
    pub creator: Address,
    /// What it holds.
    pub content: Value,
    /// How many shares it issued.
    pub shares: Amount,
    /// The price (native currency or a fungible asset) at which anyone may buy the content
    /// out, if set.
    pub reserve: Option<Value>,
    /// Where it stands.
    pub status: VaultStatus,
    /// Who bought it out.
    pub buyer: Option<Address>,
    /// Buyout proceeds not yet claimed by shareholders.
    pub proceeds: Amount,
    /// Shares not yet surrendered for proceeds (equal to the share supply after a buyout).
    pub unclaimed_shares: Amount,
    /// An open vote on a new reserve price.
    pub vote: Option<ReserveVote>,
    /// The height of the block that created it.
    pub created_height: Height,
}

impl Encode for Vault {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.id)
            .put(&self.creator)
            .put(&self.content)
            .put(&self.shares)
            .option(self.reserve.as_ref(), |w, p| {
                w.put(p);
            })
            .u8(match self.status {
                VaultStatus::Active => 0,
                VaultStatus::Redeemed => 1,
                VaultStatus::BoughtOut => 2,
            })
            .option(self.buyer.as_ref(), |w, b| {
                w.put(b);
            })
            .put(&self.proceeds)
            .put(&self.unclaimed_shares)
            .option(self.vote.as_ref(), |w, v| {
                w.put(v);
            })
            .put(&self.created_height);
    }
}

impl Decode for Vault {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Vault {
            id: AssetId::decode_from(r)?,
            creator: Address::decode_from(r)?,
            content: Value::decode_from(r)?,
            shares: Amount::decode_from(r)?,
            reserve: r.option("reserve price", Value::decode_from)?,
            status: match r.u8("vault status")? {
                0 => VaultStatus::Active,
                1 => VaultStatus::Redeemed,
                2 => VaultStatus::BoughtOut,
                other => {
                    return Err(r.error("vault status", format!("unknown vault status {other}")));
                }
            },
            buyer: r.option("buyer", Address::decode_from)?,
            proceeds: Amount::decode_from(r)?,
            unclaimed_shares: Amount::decode_from(r)?,
            vote: r.option("reserve vote", ReserveVote::decode_from)?,
            created_height: Height::decode_from(r)?,
        })
    }
}

/// A pro-rata distribution of `total` to the holders of `asset` at record point `record`,
/// stored under `0x17 || asset || record`. Its funds wait in the asset's escrow address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Distribution {
    /// The asset whose holders it pays.
    pub asset: AssetId,
    /// Its record point: holders are paid for what they held right after the transaction that
    /// made it.
    pub record: u64,
    /// Who paid it (and takes back what is left after the claim deadline).
    pub payer: Address,
    /// What it pays, and how much in all (native currency or a fungible asset).
    pub total: Value,
    /// The asset's supply at the record point.
    pub eligible: Amount,
    /// Paid out so far.
    pub paid: Amount,
    /// Shares whose holders have claimed.
    pub claimed_shares: Amount,
    /// The height of its record point.
    pub height: Height,
    /// Block time until which holders may claim; the payer reclaims the rest after it.
    pub claim_until_ms: TimestampMs,
    /// Whether the payer took back what was left.
    pub closed: bool,
}

impl Encode for Distribution {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.asset)
            .u64(self.record)
            .put(&self.payer)
            .put(&self.total)
            .put(&self.eligible)
            .put(&self.paid)
            .put(&self.claimed_shares)
            .put(&self.height)
            .put(&self.claim_until_ms)
            .bool(self.closed);
    }
}

impl Decode for Distribution {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Distribution {
            asset: AssetId::decode_from(r)?,
            record: r.u64("distribution record")?,
            payer: Address::decode_from(r)?,
            total: Value::decode_from(r)?,
            eligible: Amount::decode_from(r)?,
            paid: Amount::decode_from(r)?,
            claimed_shares: Amount::decode_from(r)?,
            height: Height::decode_from(r)?,
            claim_until_ms: TimestampMs::decode_from(r)?,
            closed: r.bool("distribution closed")?,
        })
    }
}

/// Where an offer stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum OfferStatus {
    /// 0: may be taken.
    Open,
    /// 1: taken in full.
    Filled,
    /// 2: cancelled by its maker; the escrow went back.
    Cancelled,
    /// 3: its deadline passed; the escrow went back.
    Expired,
}

/// An offer to give `give` for `want`, stored under `0x19 || id`; `give` (what is left of it)
/// waits in the offer's escrow address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Offer {
    /// Its id.
    pub id: OfferId,
    /// Who made it.
    pub maker: Address,
    /// What the maker gives, in all.
    pub give: Value,
    /// What the maker wants for all of it.
    pub want: Value,
    /// What is left to give.
    pub give_left: Amount,
    /// What is left to receive for it.
    pub want_left: Amount,
    /// Whether it may be taken in parts (fungible `give` and `want` only).
    pub partial: bool,
    /// The only account that may take it, if any.
    pub taker: Option<Address>,
    /// Block time after which it cannot be taken.
    pub deadline_ms: TimestampMs,
    /// Where it stands.
    pub status: OfferStatus,
    /// The height of the block that made it.
    pub created_height: Height,
}

impl Encode for Offer {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.id)
            .put(&self.maker)
            .put(&self.give)
            .put(&self.want)
            .put(&self.give_left)
            .put(&self.want_left)
            .bool(self.partial)
            .option(self.taker.as_ref(), |w, t| {
                w.put(t);
            })
            .put(&self.deadline_ms)
            .u8(match self.status {
                OfferStatus::Open => 0,
                OfferStatus::Filled => 1,
                OfferStatus::Cancelled => 2,
                OfferStatus::Expired => 3,
            })
            .put(&self.created_height);
    }
}

impl Decode for Offer {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Offer {
            id: OfferId::decode_from(r)?,
            maker: Address::decode_from(r)?,
            give: Value::decode_from(r)?,
            want: Value::decode_from(r)?,
            give_left: Amount::decode_from(r)?,
            want_left: Amount::decode_from(r)?,
            partial: r.bool("partial")?,
            taker: r.option("taker", Address::decode_from)?,
            deadline_ms: TimestampMs::decode_from(r)?,
            status: match r.u8("offer status")? {
                0 => OfferStatus::Open,
                1 => OfferStatus::Filled,
                2 => OfferStatus::Cancelled,
                3 => OfferStatus::Expired,
                other => {
                    return Err(r.error("offer status", format!("unknown offer status {other}")));
                }
            },
            created_height: Height::decode_from(r)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use citychain_crypto::Hash;

    fn round_trip<T: Encode + Decode + PartialEq + std::fmt::Debug>(v: &T) {
        assert_eq!(&T::decode(&v.encode()).expect("decodes"), v);
    }

    #[test]
    fn stored_values_round_trip() {
        round_trip(&AssetClass {
            id: AssetId([1; 20]),
            symbol: "BOND".into(),
            name: "City bond 2026".into(),
            decimals: 2,
            issuer: Address([2; 20]),
            supply_cap: Some(Amount(1_000_000)),
            supply: Amount(5),
            metadata: Metadata {
                uri: "https://example.invalid/bond".into(),
                hash: Some(Hash([3; 32])),
            },
            rule: TransferRule::AllowList,
            frozen: true,
            records: 4,
            vault_shares: false,
            created_height: Height(9),
        });
        round_trip(&Holding {
            balance: Amount(7),
            frozen: true,
            record: 3,
        });
        round_trip(&Checkpoint {
            from: 1,
            balance: Amount(2),
        });
        round_trip(&Item {
            owner: Address([4; 20]),
            metadata: Metadata::default(),
            locked: true,
            minted_height: Height(1),
            events: 2,
        });
        round_trip(&Vault {
            id: AssetId([5; 20]),
            creator: Address([6; 20]),
            content: Value::Item {
                collection: CollectionId([7; 20]),
                item: 1,
            },
            shares: Amount(1_000_000),
            reserve: Some(Value::Native { amount: Amount(10) }),
            status: VaultStatus::BoughtOut,
            buyer: Some(Address([8; 20])),
            proceeds: Amount(10),
            unclaimed_shares: Amount(1_000_000),
            vote: Some(ReserveVote {
                record: 2,
                price: Value::Native { amount: Amount(3) },
                proposer: Address([9; 20]),
                deadline_ms: TimestampMs(4),
                yes: Amount(5),
                no: Amount(6),
            }),
            created_height: Height(2),
        });
        round_trip(&Offer {
            id: OfferId([1; 20]),
            maker: Address([2; 20]),
            give: Value::Native { amount: Amount(1) },
            want: Value::Token {
                asset: AssetId([3; 20]),
                amount: Amount(2),
            },
            give_left: Amount(1),
            want_left: Amount(2),
            partial: false,
            taker: None,
            deadline_ms: TimestampMs(5),
            status: OfferStatus::Expired,
            created_height: Height(6),
        });
    }
}
