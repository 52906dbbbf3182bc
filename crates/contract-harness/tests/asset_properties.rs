//! Random sequences of asset operations (mint, burn, transfer, freeze, items, vaults,
//! distributions and claims, buyouts, offers taken, cancelled and expired, settlements) on the
//! real executor, with the invariants of `docs/assets.md` checked after every block:
//! - per asset, the holdings sum to the supply; no empty holding is stored;
//! - the native currency is conserved (fees are zero on the harness chain);
//! - every open offer's escrow holds exactly what is left of it, every closed one nothing;
//! - every item has exactly the owner its history ends with;
//! - a failed operation changes no balance, item, offer or vault (settlements are all or none);
//! - a claim pays exactly `total × held / eligible` rounded down, where `held` is the balance
//!   the holder had when the distribution was made (a snapshot taken then, independently of
//!   the checkpoints the chain keeps), and everything a distribution escrowed is paid or
//!   reclaimed, never more.

use citychain_contract_harness::{ACCOUNT_LABELS, TestChain};
use citychain_execution::read::assets as r;
use citychain_types::{
    Address, Amount, Payload, Receipt, Roles, TimestampMs,
    asset::{
        AssetId, AssetTx, COSIGN_NAMESPACE, CollectionId, Cosignature, Leg, Metadata, MintRule,
        OfferId, OfferStatus, TransferRule, Value, settlement_message,
    },
};
use proptest::prelude::*;
use std::collections::BTreeMap;

const ALICE: usize = 0;
const ERIN: usize = 4;
const ITEMS: u64 = 4;
const DAY_MS: u64 = 24 * 3600 * 1000;

/// One generated step. Indices pick among what exists when it runs (modulo its length).
#[derive(Clone, Debug)]
enum Op {
    Mint {
        asset: usize,
        to: usize,
        amount: u128,
    },
    Burn {
        asset: usize,
        amount: u128,
    },
    Transfer {
        asset: usize,
        from: usize,
        to: usize,
        amount: u128,
    },
    Freeze {
        asset: usize,
        holder: Option<usize>,
        freeze: bool,
    },
    MoveItem {
        item: u64,
        from: usize,
        to: usize,
    },
    Vault {
        from: usize,
        item: Option<u64>,
        amount: u128,
        shares: u128,
        reserve: u128,
    },
    Redeem {
        vault: usize,
        from: usize,
    },
    Buyout {
        vault: usize,
        from: usize,
    },
    ClaimProceeds {
        vault: usize,
        holder: usize,
    },
    Distribute {
        asset: usize,
        from: usize,
        amount: u128,
    },
    Claim {
        dist: usize,
        holder: usize,
    },
    Reclaim {
        dist: usize,
    },
    Offer {
        from: usize,
        asset: usize,
        item: Option<u64>,
        amount: u128,
        price: u128,
        partial: bool,
    },
    Take {
        offer: usize,
        from: usize,
        amount: u128,
        whole: bool,
    },
    Cancel {
        offer: usize,
        from: usize,
    },
    Settle {
        legs: Vec<(usize, usize, usize, u128)>,
    },
    Wait {
        long: bool,
    },
}

fn who() -> impl Strategy<Value = usize> {
    0..ACCOUNT_LABELS.len()
}

fn op() -> impl Strategy<Value = Op> {
    let amount = 0u128..400;
    prop_oneof![
        1 => (0..4usize, who(), amount.clone()).prop_map(|(asset, to, amount)| Op::Mint { asset, to, amount }),
        1 => (0..4usize, amount.clone()).prop_map(|(asset, amount)| Op::Burn { asset, amount }),
        3 => (0..4usize, who(), who(), amount.clone())
            .prop_map(|(asset, from, to, amount)| Op::Transfer { asset, from, to, amount }),
        1 => (0..4usize, proptest::option::of(who()), any::<bool>())
            .prop_map(|(asset, holder, freeze)| Op::Freeze { asset, holder, freeze }),
        1 => (0..ITEMS, who(), who()).prop_map(|(item, from, to)| Op::MoveItem { item, from, to }),
        1 => (who(), proptest::option::of(0..ITEMS), amount.clone(), 1u128..1_000, 1u128..5_000)
            .prop_map(|(from, item, amount, shares, reserve)| Op::Vault { from, item, amount, shares, reserve }),
        1 => (0..4usize, who()).prop_map(|(vault, from)| Op::Redeem { vault, from }),
        1 => (0..4usize, who()).prop_map(|(vault, from)| Op::Buyout { vault, from }),
        1 => (0..4usize, who()).prop_map(|(vault, holder)| Op::ClaimProceeds { vault, holder }),
        1 => (0..6usize, who(), 1u128..10_000).prop_map(|(asset, from, amount)| Op::Distribute { asset, from, amount }),
        2 => (0..8usize, who()).prop_map(|(dist, holder)| Op::Claim { dist, holder }),
        1 => (0..8usize).prop_map(|dist| Op::Reclaim { dist }),
        2 => (who(), 0..6usize, proptest::option::of(0..ITEMS), amount.clone(), 1u128..2_000, any::<bool>())
            .prop_map(|(from, asset, item, amount, price, partial)| Op::Offer { from, asset, item, amount, price, partial }),
        3 => (0..8usize, who(), amount.clone(), any::<bool>()).prop_map(|(offer, from, amount, whole)| Op::Take { offer, from, amount, whole }),
        1 => (0..8usize, who()).prop_map(|(offer, from)| Op::Cancel { offer, from }),
        1 => proptest::collection::vec((0..5usize, who(), who(), amount), 1..4).prop_map(|legs| Op::Settle { legs }),
        1 => any::<bool>().prop_map(|long| Op::Wait { long }),
    ]
}

/// What the test knows besides the chain: what exists, and the snapshots taken at
/// distributions.
struct World {
    chain: TestChain,
    assets: Vec<AssetId>,
    collection: CollectionId,
    vaults: Vec<AssetId>,
    offers: Vec<OfferId>,
    /// Distributions: asset, record, total, and every holder's balance when it was made.
    dists: Vec<(AssetId, u64, u128, BTreeMap<Address, u128>)>,
    native_total: u128,
}

fn asset(op: AssetTx) -> Payload {
    Payload::Asset { op }
}

fn pick<T: Copy>(v: &[T], i: usize) -> Option<T> {
    (!v.is_empty()).then(|| v[i % v.len()])
}

impl World {
    fn new() -> World {
        let mut chain = TestChain::consortium_with(|g| {
            for m in &mut g.members {
                if m.org.as_str() == "agency" {
                    m.roles = Roles::ADMIN.union(Roles::ISSUER);
                }
            }
        });
        let mut assets = Vec::new();
        for symbol in ["BOND", "CARBON"] {
            let r = chain.submit(
                ALICE,
                asset(AssetTx::Create {
                    symbol: symbol.into(),
                    name: symbol.into(),
                    decimals: 0,
                    supply_cap: Some(Amount(1_000_000)),
                    metadata: Metadata::default(),
                    rule: TransferRule::Open,
                }),
            );
            assets.push(AssetId(r.output.try_into().expect("an asset id")));
        }
        let r = chain.submit(
            ALICE,
            asset(AssetTx::CreateCollection {
                symbol: "DEED".into(),
                name: "Deeds".into(),
                metadata: Metadata::default(),
                rule: TransferRule::Open,
                mint: MintRule::Issuer,
            }),
        );
        let collection = CollectionId(r.output.try_into().expect("a collection id"));
        for (i, a) in assets.clone().iter().enumerate() {
            for holder in 0..ACCOUNT_LABELS.len() {
                let to = chain.address(holder);
                let r = chain.submit(
                    ALICE,
                    asset(AssetTx::Mint {
                        asset: *a,
                        to,
                        amount: Amount(1_000 * (i as u128 + 1)),
                    }),
                );
                assert!(r.is_success(), "{}", r.reason);
            }
        }
        for item in 0..ITEMS {
            let to = chain.address(item as usize % ACCOUNT_LABELS.len());
            let r = chain.submit(
                ALICE,
                asset(AssetTx::MintItem {
                    collection,
                    item,
                    to,
                    metadata: Metadata::default(),
                    locked: false,
                }),
            );
            assert!(r.is_success(), "{}", r.reason);
        }
        let mut w = World {
            chain,
            assets,
            collection,
            vaults: Vec::new(),
            offers: Vec::new(),
            dists: Vec::new(),
            native_total: 0,
        };
        w.native_total = w.native_sum();
        w
    }

    /// Every address that can hold the native currency in this world.
    fn native_holders(&self) -> Vec<Address> {
        let mut out: Vec<Address> = (0..ACCOUNT_LABELS.len())
            .map(|i| self.chain.address(i))
            .collect();
        out.extend(self.assets.iter().map(AssetId::escrow));
        out.extend(self.offers.iter().map(OfferId::escrow));
        out
    }

    fn native_sum(&self) -> u128 {
        self.native_holders()
            .iter()
            .map(|a| self.chain.balance(a).0)
            .sum()
    }

    fn holders(&self, a: &AssetId) -> BTreeMap<Address, u128> {
        r::holders(self.chain.view(), a, None, usize::MAX)
            .expect("readable")
            .into_iter()
            .map(|(addr, h)| (addr, h.balance.0))
            .collect()
    }

    /// Everything an operation may change, for checking that a failed one changed nothing.
    fn snapshot(&self) -> String {
        let mut s = String::new();
        for a in &self.assets {
            s += &format!(
                "{a}: {:?} {:?}\n",
                self.holders(a),
                r::asset_class(self.chain.view(), a)
            );
            s += &format!("{:?}\n", r::vault(self.chain.view(), a));
        }
        for o in &self.offers {
            s += &format!("{:?}\n", r::offer(self.chain.view(), o));
        }
        for i in 0..ITEMS {
            s += &format!("{:?}\n", r::item(self.chain.view(), &self.collection, i));
        }
        for addr in self.native_holders() {
            s += &format!("{addr} {}\n", self.chain.balance(&addr));
        }
        s
    }

    /// The harness account at `address`, if it is one.
    fn index_of(&self, address: &Address) -> Option<usize> {
        (0..ACCOUNT_LABELS.len()).find(|i| self.chain.address(*i) == *address)
    }

    /// The owner of an item if a harness account owns it, else `fallback` (so that most item
    /// operations are sent by the owner and succeed).
    fn owner_or(&self, item: u64, fallback: usize) -> usize {
        let owner = r::item(self.chain.view(), &self.collection, item)
            .expect("r")
            .expect("item")
            .owner;
        if fallback.is_multiple_of(4) {
            fallback
        } else {
            self.index_of(&owner).unwrap_or(fallback)
        }
    }

    /// The `i`-th harness account holding `a`, else account `i`.
    fn holder_or(&self, a: &AssetId, i: usize) -> usize {
        let holders: Vec<usize> = self
            .holders(a)
            .keys()
            .filter_map(|h| self.index_of(h))
            .collect();
        pick(&holders, i).unwrap_or(i % ACCOUNT_LABELS.len())
    }

    fn run(&mut self, from: usize, op: AssetTx) -> Receipt {
        self.chain.submit(from, asset(op))
    }

    fn step(&mut self, op: &Op) {
        let addr = |w: &World, i: usize| w.chain.address(i);
        let before = self.snapshot();
        let sender_before = |w: &World, i: usize| w.chain.account(&w.chain.address(i));
        let (from, tx) = match op.clone() {
            Op::Mint { asset, to, amount } => {
                let Some(a) = pick(&self.assets[..2], asset) else {
                    return;
                };
                (
                    ALICE,
                    AssetTx::Mint {
                        asset: a,
                        to: addr(self, to),
                        amount: Amount(amount),
                    },
                )
            }
            Op::Burn { asset, amount } => {
                let Some(a) = pick(&self.assets[..2], asset) else {
                    return;
                };
                (
                    ALICE,
                    AssetTx::Burn {
                        asset: a,
                        amount: Amount(amount),
                    },
                )
            }
            Op::Transfer {
                asset,
                from,
                to,
                amount,
            } => {
                let Some(a) = pick(&self.assets, asset) else {
                    return;
                };
                (
                    from,
                    AssetTx::Transfer {
                        asset: a,
                        to: addr(self, to),
                        amount: Amount(amount),
                    },
                )
            }
            Op::Freeze {
                asset,
                holder,
                freeze,
            } => {
                let Some(a) = pick(&self.assets, asset) else {
                    return;
                };
                (
                    ERIN,
                    AssetTx::Freeze {
                        asset: a,
                        holder: holder.map(|h| addr(self, h)),
                        freeze,
                    },
                )
            }
            Op::MoveItem { item, from, to } => (
                self.owner_or(item, from),
                AssetTx::TransferItem {
                    collection: self.collection,
                    item,
                    to: addr(self, to),
                },
            ),
            Op::Vault {
                from,
                item,
                amount,
                shares,
                reserve,
            } => {
                let from = item.map_or(from, |i| self.owner_or(i, from));
                let content = match item {
                    Some(item) => Value::Item {
                        collection: self.collection,
                        item,
                    },
                    None => Value::Token {
                        asset: self.assets[0],
                        amount: Amount(amount),
                    },
                };
                (
                    from,
                    AssetTx::CreateVault {
                        content,
                        shares: Amount(shares),
                        symbol: "V".into(),
                        name: "Vault".into(),
                        reserve: Some(Value::Native {
                            amount: Amount(reserve),
                        }),
                    },
                )
            }
            Op::Redeem { vault, from } => {
                let Some(v) = pick(&self.vaults, vault) else {
                    return;
                };
                (self.holder_or(&v, from), AssetTx::Redeem { vault: v })
            }
            Op::Buyout { vault, from } => {
                let Some(v) = pick(&self.vaults, vault) else {
                    return;
                };
                (from, AssetTx::Buyout { vault: v })
            }
            Op::ClaimProceeds { vault, holder } => {
                let Some(v) = pick(&self.vaults, vault) else {
                    return;
                };
                let holder = self.holder_or(&v, holder);
                (
                    ERIN,
                    AssetTx::ClaimProceeds {
                        vault: v,
                        holder: addr(self, holder),
                    },
                )
            }
            Op::Distribute {
                asset,
                from,
                amount,
            } => {
                let Some(a) = pick(&self.assets, asset) else {
                    return;
                };
                let total = if asset % 2 == 0 {
                    Value::Native {
                        amount: Amount(amount),
                    }
                } else {
                    let pay = if a == self.assets[1] {
                        self.assets[0]
                    } else {
                        self.assets[1]
                    };
                    Value::Token {
                        asset: pay,
                        amount: Amount(amount % 500 + 1),
                    }
                };
                let until = TimestampMs(self.chain.time_ms() + DAY_MS);
                (
                    from,
                    AssetTx::Distribute {
                        asset: a,
                        total,
                        claim_until_ms: until,
                    },
                )
            }
            Op::Claim { dist, holder } => {
                if self.dists.is_empty() {
                    return;
                }
                let (a, record, _, snapshot) = &self.dists[dist % self.dists.len()];
                let holders: Vec<Address> = snapshot.keys().copied().collect();
                let holder = pick(&holders, holder).unwrap_or(addr(self, 0));
                (
                    ERIN,
                    AssetTx::Claim {
                        asset: *a,
                        record: *record,
                        holder,
                    },
                )
            }
            Op::Reclaim { dist } => {
                if self.dists.is_empty() {
                    return;
                }
                let (a, record, _, _) = self.dists[dist % self.dists.len()].clone();
                let payer = r::distribution(self.chain.view(), &a, record)
                    .expect("r")
                    .expect("d")
                    .payer;
                let from = (0..ACCOUNT_LABELS.len())
                    .find(|i| addr(self, *i) == payer)
                    .expect("a harness payer");
                (from, AssetTx::Reclaim { asset: a, record })
            }
            Op::Offer {
                from,
                asset,
                item,
                amount,
                price,
                partial,
            } => {
                let from = item.map_or(from, |i| self.owner_or(i, from));
                let give = match item {
                    Some(item) => Value::Item {
                        collection: self.collection,
                        item,
                    },
                    None => match pick(&self.assets, asset) {
                        Some(a) => Value::Token {
                            asset: a,
                            amount: Amount(amount),
                        },
                        None => return,
                    },
                };
                let until = TimestampMs(self.chain.time_ms() + 30_000);
                (
                    from,
                    AssetTx::MakeOffer {
                        give,
                        want: Value::Native {
                            amount: Amount(price),
                        },
                        partial: partial && item.is_none(),
                        taker: None,
                        deadline_ms: until,
                    },
                )
            }
            Op::Take {
                offer,
                from,
                amount,
                whole,
            } => {
                let Some(o) = pick(&self.offers, offer) else {
                    return;
                };
                let left = r::offer(self.chain.view(), &o)
                    .expect("r")
                    .expect("offer")
                    .give_left
                    .0;
                let amount = if whole { left } else { amount };
                (
                    from,
                    AssetTx::TakeOffer {
                        offer: o,
                        amount: Amount(amount),
                    },
                )
            }
            Op::Cancel { offer, from } => {
                let Some(o) = pick(&self.offers, offer) else {
                    return;
                };
                (from, AssetTx::CancelOffer { offer: o })
            }
            Op::Settle { legs } => {
                let sender = legs[0].1;
                let legs: Vec<Leg> = legs
                    .iter()
                    .map(|&(asset, from, to, amount)| Leg {
                        from: addr(self, from),
                        to: addr(self, to),
                        value: match pick(&self.assets, asset) {
                            Some(a) if asset < 4 => Value::Token {
                                asset: a,
                                amount: Amount(amount),
                            },
                            _ => Value::Native {
                                amount: Amount(amount),
                            },
                        },
                    })
                    .collect();
                let nonce = sender_before(self, sender).nonce;
                let message =
                    settlement_message(self.chain.chain_id(), &addr(self, sender), nonce, &legs);
                let mut signers: Vec<usize> = legs
                    .iter()
                    .filter_map(|l| (0..ACCOUNT_LABELS.len()).find(|i| addr(self, *i) == l.from))
                    .filter(|i| *i != sender)
                    .collect();
                signers.sort();
                signers.dedup();
                let cosigners = signers
                    .into_iter()
                    .map(|i| Cosignature {
                        key: self.chain.key(i).public_key(),
                        signature: self.chain.key(i).sign(COSIGN_NAMESPACE, &message),
                    })
                    .collect();
                (sender, AssetTx::Settle { legs, cosigners })
            }
            Op::Wait { long } => {
                self.chain
                    .advance_time(if long { 2 * DAY_MS } else { 20_000 });
                return;
            }
        };
        let kind = tx.kind();
        let receipt = self.run(from, tx.clone());
        if !receipt.is_success() {
            assert_eq!(
                self.snapshot(),
                before,
                "a failed {kind} ({}) changed something",
                receipt.reason
            );
            return;
        }
        self.learn(&tx, &receipt);
    }

    /// Records what a successful operation created, and checks claims against the snapshot.
    fn learn(&mut self, tx: &AssetTx, receipt: &Receipt) {
        let id20 = |r: &Receipt| -> [u8; 20] { r.output.as_slice().try_into().expect("an id") };
        match tx {
            AssetTx::CreateVault { .. } => {
                let v = AssetId(id20(receipt));
                self.vaults.push(v);
                self.assets.push(v);
            }
            AssetTx::MakeOffer { .. } => self.offers.push(OfferId(id20(receipt))),
            AssetTx::Distribute { asset, total, .. } => {
                let record = u64::from_be_bytes(receipt.output.clone().try_into().expect("record"));
                let holders = self.holders(asset);
                self.dists.push((*asset, record, total.amount().0, holders));
            }
            AssetTx::Claim {
                asset,
                record,
                holder,
            } => {
                let (_, _, total, snapshot) = self
                    .dists
                    .iter()
                    .find(|d| d.0 == *asset && d.1 == *record)
                    .expect("a known distribution");
                let held = snapshot.get(holder).copied().unwrap_or(0);
                let eligible: u128 = snapshot.values().sum();
                let paid = u128::from_be_bytes(receipt.output.clone().try_into().expect("amount"));
                let expected =
                    citychain_types::asset::mul_div_floor(*total, held, eligible).expect("fits");
                assert_eq!(
                    paid, expected,
                    "claim of {holder} holding {held} of {eligible}"
                );
            }
            _ => {}
        }
    }

    fn check_invariants(&self) {
        for a in &self.assets {
            let class = r::asset_class(self.chain.view(), a)
                .expect("r")
                .expect("class");
            let holdings = r::holders(self.chain.view(), a, None, usize::MAX).expect("r");
            let sum: u128 = holdings.iter().map(|(_, h)| h.balance.0).sum();
            assert_eq!(sum, class.supply.0, "holdings of {a} sum to its supply");
            for (addr, h) in &holdings {
                assert!(
                    h.balance.0 > 0 || h.frozen,
                    "{addr} keeps an empty holding of {a}"
                );
            }
        }
        assert_eq!(
            self.native_sum(),
            self.native_total,
            "the native currency is conserved"
        );
        for o in &self.offers {
            let offer = r::offer(self.chain.view(), o).expect("r").expect("offer");
            let held = match offer.give {
                Value::Token { asset, .. } => {
                    r::holding(self.chain.view(), &asset, &o.escrow())
                        .expect("r")
                        .balance
                        .0
                }
                Value::Item { collection, item } => {
                    let owner = r::item(self.chain.view(), &collection, item)
                        .expect("r")
                        .expect("item")
                        .owner;
                    u128::from(owner == o.escrow())
                }
                Value::Native { .. } => self.chain.balance(&o.escrow()).0,
            };
            let expected = if offer.status == OfferStatus::Open {
                offer.give_left.0
            } else {
                0
            };
            assert_eq!(held, expected, "escrow of offer {o} ({:?})", offer.status);
        }
        for i in 0..ITEMS {
            let item = r::item(self.chain.view(), &self.collection, i)
                .expect("r")
                .expect("item");
            let history =
                r::item_history(self.chain.view(), &self.collection, i, 0, usize::MAX).expect("r");
            assert_eq!(history.len() as u64, item.events);
            assert_eq!(
                history.last().map(|e| e.to),
                Some(item.owner),
                "item {i}'s history ends with its owner"
            );
        }
        for (a, record, total, _) in &self.dists {
            let d = r::distribution(self.chain.view(), a, *record)
                .expect("r")
                .expect("d");
            assert!(
                d.paid.0 <= *total,
                "distribution {record} of {a} paid more than it had"
            );
            assert!(d.claimed_shares <= d.eligible);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, .. ProptestConfig::default() })]

    #[test]
    fn random_asset_operations_keep_every_invariant(ops in proptest::collection::vec(op(), 1..60)) {
        let mut w = World::new();
        w.check_invariants();
        for op in &ops {
            w.step(op);
            w.check_invariants();
        }
    }
}

/// Two transfers between disjoint pairs commute: the same block in either order reaches the
/// same state root.
#[test]
fn the_state_root_does_not_depend_on_the_order_of_independent_transfers() {
    let w = World::new();
    let chain = &w.chain;
    let a = w.assets[0];
    let send = |from: usize, to: usize, nonce: u64, amount: u128| {
        chain.sign_with_nonce(
            from,
            nonce,
            asset(AssetTx::Transfer {
                asset: a,
                to: chain.address(to),
                amount: Amount(amount),
            }),
        )
    };
    let nonce = |i: usize| chain.account(&chain.address(i)).nonce.0;
    let t1 = send(1, 2, nonce(1), 10);
    let t2 = send(3, 5, nonce(3), 20);
    let (_, ab) = chain.dry_run(&[t1.clone(), t2.clone()]).expect("valid");
    let (_, ba) = chain.dry_run(&[t2, t1]).expect("valid");
    assert_eq!(ab, ba);
}
