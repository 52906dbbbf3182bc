//! The assets payload (`Payload::Asset`, tag `0x05`) and the court orders governance executes.

use super::{
    AssetId, CollectionId, MAX_ATTACHED, MAX_CASE_LEN, MAX_COSIGNERS, MAX_LEGS, MAX_NAME_LEN,
    MAX_SYMBOL_LEN, Metadata, MintRule, OfferId, TransferRule, Value,
};
use crate::{
    Amount, ChainId, Nonce, TimestampMs,
    codec::{Decode, DecodeError, Encode, Reader, Writer},
};
use citychain_crypto::{Address, PublicKey, Signature, framed};
use serde::{Deserialize, Serialize};

/// Namespace under which co-signers of a settlement sign.
pub const COSIGN_NAMESPACE: &[u8] = b"citychain/settle/v1";

/// One movement of a settlement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Leg {
    /// Who gives: the transaction's sender or one of its co-signers.
    pub from: Address,
    /// Who receives.
    pub to: Address,
    /// What moves.
    pub value: Value,
}

impl Encode for Leg {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.from).put(&self.to).put(&self.value);
    }
}

impl Decode for Leg {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Leg {
            from: Address::decode_from(r)?,
            to: Address::decode_from(r)?,
            value: Value::decode_from(r)?,
        })
    }
}

/// A party to a settlement other than the sender, consenting to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Cosignature {
    /// The co-signer's key (its address is what legs name).
    pub key: PublicKey,
    /// Its signature over [`settlement_message`].
    pub signature: Signature,
}

impl Encode for Cosignature {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.key).put(&self.signature);
    }
}

impl Decode for Cosignature {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Cosignature {
            key: PublicKey::decode_from(r)?,
            signature: Signature::decode_from(r)?,
        })
    }
}

/// What a co-signer signs (under [`COSIGN_NAMESPACE`]): `chain_id || sender || nonce ||
/// list<leg>`. Naming the sending transaction's sender and nonce makes the consent good for
/// that one transaction only.
pub fn settlement_message(
    chain_id: &ChainId,
    sender: &Address,
    nonce: Nonce,
    legs: &[Leg],
) -> Vec<u8> {
    let mut w = Writer::new();
    w.put(chain_id).put(sender).put(&nonce).list(legs, |w, l| {
        w.put(l);
    });
    w.into_bytes()
}

/// [`settlement_message`] framed as the signature covers it.
pub fn settlement_signing_bytes(
    chain_id: &ChainId,
    sender: &Address,
    nonce: Nonce,
    legs: &[Leg],
) -> Vec<u8> {
    framed(
        COSIGN_NAMESPACE,
        &settlement_message(chain_id, sender, nonce, legs),
    )
}

/// An asset class or a collection: what an allow-list belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Class {
    /// Tag 1.
    Asset(AssetId),
    /// Tag 2.
    Collection(CollectionId),
}

impl Class {
    /// The id's bytes (allow-lists of both kinds share one namespace; ids of the two kinds
    /// come from different derivation domains).
    pub fn id_bytes(&self) -> [u8; 20] {
        match self {
            Class::Asset(a) => a.0,
            Class::Collection(c) => c.0,
        }
    }
}

impl Encode for Class {
    fn encode_to(&self, w: &mut Writer) {
        match self {
            Class::Asset(a) => w.u8(1).put(a),
            Class::Collection(c) => w.u8(2).put(c),
        };
    }
}

impl Decode for Class {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match r.u8("class kind")? {
            1 => Class::Asset(AssetId::decode_from(r)?),
            2 => Class::Collection(CollectionId::decode_from(r)?),
            other => return Err(r.error("class kind", format!("unknown class kind {other}"))),
        })
    }
}

/// An asset operation. Sub-tags are fixed forever.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum AssetTx {
    /// 1: creates a fungible asset class (needs the `issuer` role); the receipt's output is
    /// its id, [`AssetId::derive`] of the sender and nonce.
    Create {
        /// Its ticker.
        symbol: String,
        /// Its name.
        name: String,
        /// Display decimals.
        decimals: u8,
        /// The most that may ever circulate, if capped.
        supply_cap: Option<Amount>,
        /// What it represents.
        #[serde(default)]
        metadata: Metadata,
        /// Who may hold it.
        #[serde(default)]
        rule: TransferRule,
    },
    /// 2: the issuer mints `amount` to `to`.
    Mint {
        /// The asset.
        asset: AssetId,
        /// The recipient.
        to: Address,
        /// How much.
        amount: Amount,
    },
    /// 3: the issuer burns `amount` of what it holds.
    Burn {
        /// The asset.
        asset: AssetId,
        /// How much.
        amount: Amount,
    },
    /// 4: moves `amount` of the sender's balance to `to`.
    Transfer {
        /// The asset.
        asset: AssetId,
        /// The recipient.
        to: Address,
        /// How much.
        amount: Amount,
    },
    /// 5: the issuer adds `account` to its allow-list (or removes it).
    Allow {
        /// The asset class or collection.
        class: Class,
        /// The account.
        account: Address,
        /// On the list (`true`) or off it.
        allowed: bool,
    },
    /// 6: a regulator freezes (or unfreezes) an asset class, or one holder's balance of it.
    Freeze {
        /// The asset.
        asset: AssetId,
        /// The holder, or none for the whole class.
        holder: Option<Address>,
        /// Freeze (`true`) or unfreeze.
        freeze: bool,
    },
    /// 7: creates a collection (needs the `issuer` role); the output is its id.
    CreateCollection {
        /// Its ticker.
        symbol: String,
        /// Its name.
        name: String,
        /// What it is.
        #[serde(default)]
        metadata: Metadata,
        /// Who may hold its items.
        #[serde(default)]
        rule: TransferRule,
        /// Who may mint.
        #[serde(default)]
        mint: MintRule,
    },
    /// 8: mints item number `item` of `collection` to `to`.
    MintItem {
        /// The collection.
        collection: CollectionId,
        /// The item's number (unique in the collection).
        item: u64,
        /// Its first owner.
        to: Address,
        /// What it is.
        #[serde(default)]
        metadata: Metadata,
        /// Whether its owner may not transfer it.
        #[serde(default)]
        locked: bool,
    },
    /// 9: the owner moves an item (the issuer may also move a locked one).
    TransferItem {
        /// The collection.
        collection: CollectionId,
        /// The item.
        item: u64,
        /// The new owner.
        to: Address,
    },
    /// 10: the owner (or the issuer) burns an item.
    BurnItem {
        /// The collection.
        collection: CollectionId,
        /// The item.
        item: u64,
    },
    /// 11: locks `content` in a new vault that issues `shares` share units to the sender; the
    /// output is the vault's id (also its share asset's), [`super::vault_id`].
    CreateVault {
        /// What it holds: an item or an amount of a fungible asset.
        content: Value,
        /// How many shares it issues.
        shares: Amount,
        /// The share asset's ticker.
        symbol: String,
        /// The share asset's name.
        name: String,
        /// The buyout price, if any (native currency or a fungible asset).
        reserve: Option<Value>,
    },
    /// 12: a holder of every share burns them and takes the content.
    Redeem {
        /// The vault.
        vault: AssetId,
    },
    /// 13: pays the reserve price and takes the content; shareholders then claim the proceeds.
    Buyout {
        /// The vault.
        vault: AssetId,
    },
    /// 14: after a buyout, surrenders `holder`'s shares for its part of the proceeds (anyone may
    /// send it; the proceeds go to the holder).
    ClaimProceeds {
        /// The vault.
        vault: AssetId,
        /// The shareholder paid.
        holder: Address,
    },
    /// 15: a shareholder proposes a new reserve price, voted by shares held now.
    ProposeReserve {
        /// The vault.
        vault: AssetId,
        /// The proposed price.
        price: Value,
        /// Block time after which it takes no more votes.
        deadline_ms: TimestampMs,
    },
    /// 16: a shareholder votes on the open reserve proposal with the shares it held at its
    /// record point.
    VoteReserve {
        /// The vault.
        vault: AssetId,
        /// For (`true`) or against.
        approve: bool,
    },
    /// 17: pays `total` pro rata to the holders of `asset` as of this transaction.
    Distribute {
        /// The asset whose holders are paid.
        asset: AssetId,
        /// What is paid, in all.
        total: Value,
        /// Block time until which holders may claim.
        claim_until_ms: TimestampMs,
    },
    /// 18: pays `holder` its part of a distribution (anyone may send it).
    Claim {
        /// The asset whose holders the distribution pays.
        asset: AssetId,
        /// The distribution's record point.
        record: u64,
        /// The holder paid.
        holder: Address,
    },
    /// 19: after the claim deadline, the payer takes back what was not claimed.
    Reclaim {
        /// The asset.
        asset: AssetId,
        /// The distribution's record point.
        record: u64,
    },
    /// 20: escrows `give` and offers it for `want` until `deadline_ms`; the output is the
    /// offer's id, [`OfferId::derive`] of the sender and nonce.
    MakeOffer {
        /// What the maker gives.
        give: Value,
        /// What it wants for all of it.
        want: Value,
        /// Whether it may be taken in parts.
        #[serde(default)]
        partial: bool,
        /// The only account that may take it, if any.
        #[serde(default)]
        taker: Option<Address>,
        /// Block time after which it cannot be taken.
        deadline_ms: TimestampMs,
    },
    /// 21: takes `amount` of what an offer gives (all that is left, unless it allows parts),
    /// paying the matching part of what it wants.
    TakeOffer {
        /// The offer.
        offer: OfferId,
        /// How much of `give` to take.
        amount: Amount,
    },
    /// 22: the maker cancels an open offer, or anyone returns an expired one to its maker.
    CancelOffer {
        /// The offer.
        offer: OfferId,
    },
    /// 23: moves every leg, or none.
    Settle {
        /// The movements.
        legs: Vec<Leg>,
        /// The consent of every party other than the sender that gives something.
        #[serde(default)]
        cosigners: Vec<Cosignature>,
    },
    /// 24: moves `assets` from the sender to `contract`, then calls its `method` with `args`
    /// (the contract sees the assets with `attached_assets`); all or nothing.
    Call {
        /// The contract called.
        contract: Address,
        /// The entry point.
        method: String,
        /// The arguments.
        #[serde(with = "citychain_crypto::hex::serde_bytes")]
        #[cfg_attr(
            feature = "schema",
            schemars(with = "citychain_crypto::schema::HexBytes")
        )]
        args: Vec<u8>,
        /// What the call brings.
        assets: Vec<Value>,
    },
}

impl AssetTx {
    /// The operation's name, for errors and events.
    pub fn kind(&self) -> &'static str {
        match self {
            AssetTx::Create { .. } => "create",
            AssetTx::Mint { .. } => "mint",
            AssetTx::Burn { .. } => "burn",
            AssetTx::Transfer { .. } => "transfer",
            AssetTx::Allow { .. } => "allow",
            AssetTx::Freeze { .. } => "freeze",
            AssetTx::CreateCollection { .. } => "create_collection",
            AssetTx::MintItem { .. } => "mint_item",
            AssetTx::TransferItem { .. } => "transfer_item",
            AssetTx::BurnItem { .. } => "burn_item",
            AssetTx::CreateVault { .. } => "create_vault",
            AssetTx::Redeem { .. } => "redeem",
            AssetTx::Buyout { .. } => "buyout",
            AssetTx::ClaimProceeds { .. } => "claim_proceeds",
            AssetTx::ProposeReserve { .. } => "propose_reserve",
            AssetTx::VoteReserve { .. } => "vote_reserve",
            AssetTx::Distribute { .. } => "distribute",
            AssetTx::Claim { .. } => "claim",
            AssetTx::Reclaim { .. } => "reclaim",
            AssetTx::MakeOffer { .. } => "make_offer",
            AssetTx::TakeOffer { .. } => "take_offer",
            AssetTx::CancelOffer { .. } => "cancel_offer",
            AssetTx::Settle { .. } => "settle",
            AssetTx::Call { .. } => "call",
        }
    }
}

fn put_opt<T: Encode>(w: &mut Writer, v: Option<&T>) {
    w.option(v, |w, x| {
        w.put(x);
    });
}

impl AssetTx {
    /// Adds the accounts this operation names as recipients or parties (besides its sender).
    pub(crate) fn named_accounts(&self, out: &mut Vec<Address>) {
        match self {
            AssetTx::Mint { to, .. }
            | AssetTx::Transfer { to, .. }
            | AssetTx::MintItem { to, .. }
            | AssetTx::TransferItem { to, .. } => out.push(*to),
            AssetTx::Allow { account, .. } => out.push(*account),
            AssetTx::Freeze {
                holder: Some(holder),
                ..
            }
            | AssetTx::ClaimProceeds { holder, .. }
            | AssetTx::Claim { holder, .. } => out.push(*holder),
            AssetTx::MakeOffer {
                taker: Some(taker), ..
            } => out.push(*taker),
            AssetTx::Settle { legs, .. } => {
                for leg in legs {
                    out.push(leg.from);
                    out.push(leg.to);
                }
            }
            AssetTx::Call { contract, .. } => out.push(*contract),
            _ => {}
        }
    }
}

impl Encode for AssetTx {
    fn encode_to(&self, w: &mut Writer) {
        match self {
            AssetTx::Create {
                symbol,
                name,
                decimals,
                supply_cap,
                metadata,
                rule,
            } => {
                w.u8(1).string(symbol).string(name).u8(*decimals);
                put_opt(w, supply_cap.as_ref());
                w.put(metadata).put(rule);
            }
            AssetTx::Mint { asset, to, amount } => {
                w.u8(2).put(asset).put(to).put(amount);
            }
            AssetTx::Burn { asset, amount } => {
                w.u8(3).put(asset).put(amount);
            }
            AssetTx::Transfer { asset, to, amount } => {
                w.u8(4).put(asset).put(to).put(amount);
            }
            AssetTx::Allow {
                class,
                account,
                allowed,
            } => {
                w.u8(5).put(class).put(account).bool(*allowed);
            }
            AssetTx::Freeze {
                asset,
                holder,
                freeze,
            } => {
                w.u8(6).put(asset);
                put_opt(w, holder.as_ref());
                w.bool(*freeze);
            }
            AssetTx::CreateCollection {
                symbol,
                name,
                metadata,
                rule,
                mint,
            } => {
                w.u8(7)
                    .string(symbol)
                    .string(name)
                    .put(metadata)
                    .put(rule)
                    .u8(match mint {
                        MintRule::Issuer => 0,
                        MintRule::AnyIssuer => 1,
                    });
            }
            AssetTx::MintItem {
                collection,
                item,
                to,
                metadata,
                locked,
            } => {
                w.u8(8)
                    .put(collection)
                    .u64(*item)
                    .put(to)
                    .put(metadata)
                    .bool(*locked);
            }
            AssetTx::TransferItem {
                collection,
                item,
                to,
            } => {
                w.u8(9).put(collection).u64(*item).put(to);
            }
            AssetTx::BurnItem { collection, item } => {
                w.u8(10).put(collection).u64(*item);
            }
            AssetTx::CreateVault {
                content,
                shares,
                symbol,
                name,
                reserve,
            } => {
                w.u8(11)
                    .put(content)
                    .put(shares)
                    .string(symbol)
                    .string(name);
                put_opt(w, reserve.as_ref());
            }
            AssetTx::Redeem { vault } => {
                w.u8(12).put(vault);
            }
            AssetTx::Buyout { vault } => {
                w.u8(13).put(vault);
            }
            AssetTx::ClaimProceeds { vault, holder } => {
                w.u8(14).put(vault).put(holder);
            }
            AssetTx::ProposeReserve {
                vault,
                price,
                deadline_ms,
            } => {
                w.u8(15).put(vault).put(price).put(deadline_ms);
            }
            AssetTx::VoteReserve { vault, approve } => {
                w.u8(16).put(vault).bool(*approve);
            }
            AssetTx::Distribute {
                asset,
                total,
                claim_until_ms,
            } => {
                w.u8(17).put(asset).put(total).put(claim_until_ms);
            }
            AssetTx::Claim {
                asset,
                record,
                holder,
            } => {
                w.u8(18).put(asset).u64(*record).put(holder);
            }
            AssetTx::Reclaim { asset, record } => {
                w.u8(19).put(asset).u64(*record);
            }
            AssetTx::MakeOffer {
                give,
                want,
                partial,
                taker,
                deadline_ms,
            } => {
                w.u8(20).put(give).put(want).bool(*partial);
                put_opt(w, taker.as_ref());
                w.put(deadline_ms);
            }
            AssetTx::TakeOffer { offer, amount } => {
                w.u8(21).put(offer).put(amount);
            }
            AssetTx::CancelOffer { offer } => {
                w.u8(22).put(offer);
            }
            AssetTx::Settle { legs, cosigners } => {
                w.u8(23)
                    .list(legs, |w, l| {
                        w.put(l);
                    })
                    .list(cosigners, |w, c| {
                        w.put(c);
                    });
            }
            AssetTx::Call {
                contract,
                method,
                args,
                assets,
            } => {
                w.u8(24)
                    .put(contract)
                    .string(method)
                    .bytes(args)
                    .list(assets, |w, v| {
                        w.put(v);
                    });
            }
        }
    }
}

impl Decode for AssetTx {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match r.u8("asset operation")? {
            1 => AssetTx::Create {
                symbol: r.string("asset symbol", MAX_SYMBOL_LEN)?,
                name: r.string("asset name", MAX_NAME_LEN)?,
                decimals: r.u8("decimals")?,
                supply_cap: r.option("supply cap", Amount::decode_from)?,
                metadata: Metadata::decode_from(r)?,
                rule: TransferRule::decode_from(r)?,
            },
            2 => AssetTx::Mint {
                asset: AssetId::decode_from(r)?,
                to: Address::decode_from(r)?,
                amount: Amount::decode_from(r)?,
            },
            3 => AssetTx::Burn {
                asset: AssetId::decode_from(r)?,
                amount: Amount::decode_from(r)?,
            },
            4 => AssetTx::Transfer {
                asset: AssetId::decode_from(r)?,
                to: Address::decode_from(r)?,
                amount: Amount::decode_from(r)?,
            },
            5 => AssetTx::Allow {
                class: Class::decode_from(r)?,
                account: Address::decode_from(r)?,
                allowed: r.bool("allowed")?,
            },
            6 => AssetTx::Freeze {
                asset: AssetId::decode_from(r)?,
                holder: r.option("holder", Address::decode_from)?,
                freeze: r.bool("freeze")?,
            },
            7 => AssetTx::CreateCollection {
                symbol: r.string("collection symbol", MAX_SYMBOL_LEN)?,
                name: r.string("collection name", MAX_NAME_LEN)?,
                metadata: Metadata::decode_from(r)?,
                rule: TransferRule::decode_from(r)?,
                mint: match r.u8("mint rule")? {
                    0 => MintRule::Issuer,
                    1 => MintRule::AnyIssuer,
                    other => {
                        return Err(r.error("mint rule", format!("unknown mint rule {other}")));
                    }
                },
            },
            8 => AssetTx::MintItem {
                collection: CollectionId::decode_from(r)?,
                item: r.u64("item")?,
                to: Address::decode_from(r)?,
                metadata: Metadata::decode_from(r)?,
                locked: r.bool("locked")?,
            },
            9 => AssetTx::TransferItem {
                collection: CollectionId::decode_from(r)?,
                item: r.u64("item")?,
                to: Address::decode_from(r)?,
            },
            10 => AssetTx::BurnItem {
                collection: CollectionId::decode_from(r)?,
                item: r.u64("item")?,
            },
            11 => AssetTx::CreateVault {
                content: Value::decode_from(r)?,
                shares: Amount::decode_from(r)?,
                symbol: r.string("share symbol", MAX_SYMBOL_LEN)?,
                name: r.string("share name", MAX_NAME_LEN)?,
                reserve: r.option("reserve price", Value::decode_from)?,
            },
            12 => AssetTx::Redeem {
                vault: AssetId::decode_from(r)?,
            },
            13 => AssetTx::Buyout {
                vault: AssetId::decode_from(r)?,
            },
            14 => AssetTx::ClaimProceeds {
                vault: AssetId::decode_from(r)?,
                holder: Address::decode_from(r)?,
            },
            15 => AssetTx::ProposeReserve {
                vault: AssetId::decode_from(r)?,
                price: Value::decode_from(r)?,
                deadline_ms: TimestampMs::decode_from(r)?,
            },
            16 => AssetTx::VoteReserve {
                vault: AssetId::decode_from(r)?,
                approve: r.bool("approve")?,
            },
            17 => AssetTx::Distribute {
                asset: AssetId::decode_from(r)?,
                total: Value::decode_from(r)?,
                claim_until_ms: TimestampMs::decode_from(r)?,
            },
            18 => AssetTx::Claim {
                asset: AssetId::decode_from(r)?,
                record: r.u64("record")?,
                holder: Address::decode_from(r)?,
            },
            19 => AssetTx::Reclaim {
                asset: AssetId::decode_from(r)?,
                record: r.u64("record")?,
            },
            20 => AssetTx::MakeOffer {
                give: Value::decode_from(r)?,
                want: Value::decode_from(r)?,
                partial: r.bool("partial")?,
                taker: r.option("taker", Address::decode_from)?,
                deadline_ms: TimestampMs::decode_from(r)?,
            },
            21 => AssetTx::TakeOffer {
                offer: OfferId::decode_from(r)?,
                amount: Amount::decode_from(r)?,
            },
            22 => AssetTx::CancelOffer {
                offer: OfferId::decode_from(r)?,
            },
            23 => AssetTx::Settle {
                legs: r.list("legs", MAX_LEGS, Leg::decode_from)?,
                cosigners: r.list("cosigners", MAX_COSIGNERS, Cosignature::decode_from)?,
            },
            24 => AssetTx::Call {
                contract: Address::decode_from(r)?,
                method: r.string("method", crate::transaction::MAX_METHOD_LEN)?,
                args: r
                    .bytes("call arguments", crate::limits::MAX_TX_BYTES_HARD)?
                    .to_vec(),
                assets: r.list("attached assets", MAX_ATTACHED, Value::decode_from)?,
            },
            other => {
                return Err(r.error(
                    "asset operation",
                    format!("unknown asset operation {other}"),
                ));
            }
        })
    }
}

/// What a court order makes the chain do, bypassing freezes and transfer rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum CourtAction {
    /// Tag 1: moves `amount` of `asset` from `from` to `to`.
    ForcedTransfer {
        /// The asset.
        asset: AssetId,
        /// Whose balance is taken.
        from: Address,
        /// Who receives it.
        to: Address,
        /// How much.
        amount: Amount,
    },
    /// Tag 2: moves all of `from`'s balance of `asset` to `to` (a holder who lost its key gets
    /// its holding reissued to a new one).
    Reissue {
        /// The asset.
        asset: AssetId,
        /// The lost key's address.
        from: Address,
        /// The new address.
        to: Address,
    },
    /// Tag 3: moves an item to `to`.
    ForcedItemTransfer {
        /// The collection.
        collection: CollectionId,
        /// The item.
        item: u64,
        /// Its new owner.
        to: Address,
    },
}

/// A due-process action on assets: a court's case and what it orders, executed only by a
/// passed governance vote (so the court, the regulator and the consortium act together) and
/// recorded in the audit trail with its case id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CourtOrder {
    /// The court's case id (1 to [`MAX_CASE_LEN`] bytes).
    pub case: String,
    /// What it orders.
    pub action: CourtAction,
}

impl CourtOrder {
    /// Checks the case id.
    pub fn validate(&self) -> Result<(), String> {
        if self.case.is_empty() || self.case.len() > MAX_CASE_LEN {
            return Err(format!("a case id is 1 to {MAX_CASE_LEN} bytes"));
        }
        if self.case.chars().any(char::is_control) {
            return Err("the case id contains a control character".into());
        }
        Ok(())
    }
}

/// Encoding: `case || tag u8 || fields`.
impl Encode for CourtOrder {
    fn encode_to(&self, w: &mut Writer) {
        w.string(&self.case);
        match &self.action {
            CourtAction::ForcedTransfer {
                asset,
                from,
                to,
                amount,
            } => w.u8(1).put(asset).put(from).put(to).put(amount),
            CourtAction::Reissue { asset, from, to } => w.u8(2).put(asset).put(from).put(to),
            CourtAction::ForcedItemTransfer {
                collection,
                item,
                to,
            } => w.u8(3).put(collection).u64(*item).put(to),
        };
    }
}

impl Decode for CourtOrder {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let case = r.string("case id", MAX_CASE_LEN)?;
        let action = match r.u8("court action")? {
            1 => CourtAction::ForcedTransfer {
                asset: AssetId::decode_from(r)?,
                from: Address::decode_from(r)?,
                to: Address::decode_from(r)?,
                amount: Amount::decode_from(r)?,
            },
            2 => CourtAction::Reissue {
                asset: AssetId::decode_from(r)?,
                from: Address::decode_from(r)?,
                to: Address::decode_from(r)?,
            },
            3 => CourtAction::ForcedItemTransfer {
                collection: CollectionId::decode_from(r)?,
                item: r.u64("item")?,
                to: Address::decode_from(r)?,
            },
            other => return Err(r.error("court action", format!("unknown court action {other}"))),
        };
        Ok(CourtOrder { case, action })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use citychain_crypto::{SecretKey, Suite};

    pub(crate) fn samples() -> Vec<AssetTx> {
        let a = AssetId([1; 20]);
        let c = CollectionId([2; 20]);
        let who = Address([3; 20]);
        let key = SecretKey::insecure_from_label(Suite::Ed25519, "carol");
        vec![
            AssetTx::Create {
                symbol: "BOND".into(),
                name: "City bond".into(),
                decimals: 2,
                supply_cap: Some(Amount(100)),
                metadata: Metadata::default(),
                rule: TransferRule::Members,
            },
            AssetTx::Mint {
                asset: a,
                to: who,
                amount: Amount(5),
            },
            AssetTx::Burn {
                asset: a,
                amount: Amount(1),
            },
            AssetTx::Transfer {
                asset: a,
                to: who,
                amount: Amount(2),
            },
            AssetTx::Allow {
                class: Class::Collection(c),
                account: who,
                allowed: true,
            },
            AssetTx::Freeze {
                asset: a,
                holder: Some(who),
                freeze: true,
            },
            AssetTx::CreateCollection {
                symbol: "DEED".into(),
                name: "Title deeds".into(),
                metadata: Metadata::default(),
                rule: TransferRule::Open,
                mint: MintRule::AnyIssuer,
            },
            AssetTx::MintItem {
                collection: c,
                item: 9,
                to: who,
                metadata: Metadata::default(),
                locked: true,
            },
            AssetTx::TransferItem {
                collection: c,
                item: 9,
                to: who,
            },
            AssetTx::BurnItem {
                collection: c,
                item: 9,
            },
            AssetTx::CreateVault {
                content: Value::Item {
                    collection: c,
                    item: 9,
                },
                shares: Amount(1_000_000),
                symbol: "PARK17".into(),
                name: "Car park 17".into(),
                reserve: Some(Value::Native { amount: Amount(9) }),
            },
            AssetTx::Redeem { vault: a },
            AssetTx::Buyout { vault: a },
            AssetTx::ClaimProceeds {
                vault: a,
                holder: who,
            },
            AssetTx::ProposeReserve {
                vault: a,
                price: Value::Native { amount: Amount(1) },
                deadline_ms: TimestampMs(5),
            },
            AssetTx::VoteReserve {
                vault: a,
                approve: false,
            },
            AssetTx::Distribute {
                asset: a,
                total: Value::Native { amount: Amount(3) },
                claim_until_ms: TimestampMs(7),
            },
            AssetTx::Claim {
                asset: a,
                record: 0,
                holder: who,
            },
            AssetTx::Reclaim {
                asset: a,
                record: 1,
            },
            AssetTx::MakeOffer {
                give: Value::Token {
                    asset: a,
                    amount: Amount(100),
                },
                want: Value::Native {
                    amount: Amount(5000),
                },
                partial: true,
                taker: Some(who),
                deadline_ms: TimestampMs(8),
            },
            AssetTx::TakeOffer {
                offer: OfferId([4; 20]),
                amount: Amount(50),
            },
            AssetTx::CancelOffer {
                offer: OfferId([4; 20]),
            },
            AssetTx::Settle {
                legs: vec![Leg {
                    from: who,
                    to: Address([5; 20]),
                    value: Value::Native { amount: Amount(1) },
                }],
                cosigners: vec![Cosignature {
                    key: key.public_key(),
                    signature: key.sign(COSIGN_NAMESPACE, b"x"),
                }],
            },
            AssetTx::Call {
                contract: who,
                method: "deposit".into(),
                args: vec![1, 2],
                assets: vec![Value::Token {
                    asset: a,
                    amount: Amount(3),
                }],
            },
        ]
    }

    #[test]
    fn every_operation_round_trips_in_bytes_and_json() {
        let samples = samples();
        assert_eq!(samples.len(), 24, "one sample per operation");
        for (i, op) in samples.into_iter().enumerate() {
            let bytes = op.encode();
            assert_eq!(
                usize::from(bytes[0]),
                i + 1,
                "{} has sub-tag {}",
                op.kind(),
                i + 1
            );
            assert_eq!(AssetTx::decode(&bytes).expect("decodes"), op);
            let json = serde_json::to_string(&op).expect("json");
            assert_eq!(
                serde_json::from_str::<AssetTx>(&json).expect("parses"),
                op,
                "{json}"
            );
        }
        assert!(AssetTx::decode(&[25]).is_err());
        assert!(AssetTx::decode(&[0]).is_err());
    }

    #[test]
    fn court_orders_round_trip_and_check_the_case() {
        let order = CourtOrder {
            case: "(2026) Jing 0105 Min Chu 123".into(),
            action: CourtAction::Reissue {
                asset: AssetId([1; 20]),
                from: Address([2; 20]),
                to: Address([3; 20]),
            },
        };
        order.validate().expect("valid");
        assert_eq!(CourtOrder::decode(&order.encode()).expect("decodes"), order);
        let empty = CourtOrder {
            case: String::new(),
            ..order
        };
        assert!(empty.validate().is_err());
    }
}
