//! Native digital assets on the real executor: issuance under the issuer role, transfer rules
//! and their pre-check, regulator freezes, court orders, items and their history, the vault
//! story (shares, income, buyout), offers (delivery versus payment, expiry, partial fills) and
//! multi-leg settlement with co-signers.
//!
//! Accounts of `TestChain::consortium()`: 0 alice (agency admin, here also an issuer), 1 bob
//! (bank admin), 2 carol (court admin), 3 dave (citizen), 4 erin (court regulator), 5 frank
//! (citizen).

use citychain_contract_harness::TestChain;
use citychain_execution::{
    InvalidTx,
    native::assets::{self, AssetError},
    read::assets as r,
};
use citychain_types::{
    Address, Amount, GovAction, GovTx, Payload, Receipt, Roles, Status, TimestampMs,
    asset::{
        AssetId, AssetTx, COSIGN_NAMESPACE, Class, CollectionId, Cosignature, CourtAction,
        CourtOrder, ItemEventKind, Leg, Metadata, MintRule, OfferId, OfferStatus, TransferRule,
        Value, VaultStatus, settlement_message,
    },
};

const ALICE: usize = 0;
const BOB: usize = 1;
const CAROL: usize = 2;
const DAVE: usize = 3;
const ERIN: usize = 4;
const FRANK: usize = 5;
const DAY_MS: u64 = 24 * 3600 * 1000;

/// A consortium where alice is also an issuer.
fn chain() -> TestChain {
    TestChain::consortium_with(|g| {
        let alice = g
            .members
            .iter_mut()
            .find(|m| m.roles == Roles::ADMIN && m.org.as_str() == "agency")
            .expect("alice is the agency's admin");
        alice.roles = Roles::ADMIN.union(Roles::ISSUER);
    })
}

fn asset(op: AssetTx) -> Payload {
    Payload::Asset { op }
}

fn ok(r: Receipt) -> Receipt {
    assert!(r.is_success(), "{:?}: {}", r.status, r.reason);
    r
}

fn id20(r: &Receipt) -> [u8; 20] {
    r.output.as_slice().try_into().expect("a 20-byte id")
}

fn create(chain: &mut TestChain, symbol: &str, cap: Option<u128>, rule: TransferRule) -> AssetId {
    let r = ok(chain.submit(
        ALICE,
        asset(AssetTx::Create {
            symbol: symbol.into(),
            name: format!("{symbol} asset"),
            decimals: 2,
            supply_cap: cap.map(Amount),
            metadata: Metadata::default(),
            rule,
        }),
    ));
    AssetId(id20(&r))
}

fn mint(chain: &mut TestChain, a: AssetId, to: usize, amount: u128) -> Receipt {
    let to = chain.address(to);
    chain.submit(
        ALICE,
        asset(AssetTx::Mint {
            asset: a,
            to,
            amount: Amount(amount),
        }),
    )
}

fn send(chain: &mut TestChain, from: usize, a: AssetId, to: Address, amount: u128) -> Receipt {
    chain.submit(
        from,
        asset(AssetTx::Transfer {
            asset: a,
            to,
            amount: Amount(amount),
        }),
    )
}

fn balance(chain: &TestChain, a: AssetId, who: &Address) -> u128 {
    r::holding(chain.view(), &a, who)
        .expect("readable")
        .balance
        .0
}

fn supply(chain: &TestChain, a: AssetId) -> u128 {
    r::asset_class(chain.view(), &a)
        .expect("readable")
        .expect("exists")
        .supply
        .0
}

/// Every holder's balance, from the paginated holder listing, adds up to the supply.
fn assert_holdings_sum_to_supply(chain: &TestChain, a: AssetId) {
    let holders = r::holders(chain.view(), &a, None, usize::MAX).expect("readable");
    let sum: u128 = holders.iter().map(|(_, h)| h.balance.0).sum();
    assert_eq!(sum, supply(chain, a), "holdings of {a} sum to its supply");
}

#[test]
fn only_issuers_create_and_only_the_issuer_mints_within_the_cap() {
    let mut chain = chain();
    let err = chain
        .try_submit(
            DAVE,
            asset(AssetTx::Create {
                symbol: "FAKE".into(),
                name: "Not an issuer's".into(),
                decimals: 0,
                supply_cap: None,
                metadata: Metadata::default(),
                rule: TransferRule::Open,
            }),
        )
        .expect_err("dave has no issuer role");
    assert!(
        matches!(err, InvalidTx::PermissionDenied { needed, .. } if needed == Roles::ISSUER),
        "{err}"
    );

    let bond = create(&mut chain, "BOND", Some(10_000), TransferRule::Open);
    ok(mint(&mut chain, bond, DAVE, 6_000));
    let over = mint(&mut chain, bond, DAVE, 4_001);
    assert_eq!(over.status, Status::Reverted);
    assert!(
        over.reason.contains("past its cap 10000"),
        "{}",
        over.reason
    );
    assert_eq!(
        supply(&chain, bond),
        6_000,
        "a refused mint changes nothing"
    );

    let dave = chain.address(DAVE);
    let not_issuer = chain.submit(
        DAVE,
        asset(AssetTx::Mint {
            asset: bond,
            to: dave,
            amount: Amount(1),
        }),
    );
    assert!(
        not_issuer.reason.contains("only the issuer"),
        "{}",
        not_issuer.reason
    );

    let frank = chain.address(FRANK);
    ok(send(&mut chain, DAVE, bond, frank, 2_500));
    let short = send(&mut chain, DAVE, bond, frank, 3_501);
    assert_eq!(
        short.status,
        Status::InsufficientBalance,
        "{}",
        short.reason
    );
    assert_eq!(
        (balance(&chain, bond, &dave), balance(&chain, bond, &frank)),
        (3_500, 2_500)
    );

    // The issuer burns only what it holds.
    let alice = chain.address(ALICE);
    ok(send(&mut chain, FRANK, bond, alice, 500));
    ok(chain.submit(
        ALICE,
        asset(AssetTx::Burn {
            asset: bond,
            amount: Amount(500),
        }),
    ));
    assert_eq!(supply(&chain, bond), 5_500);
    assert_holdings_sum_to_supply(&chain, bond);

    let zero = send(&mut chain, DAVE, bond, frank, 0);
    assert!(zero.reason.contains("more than zero"), "{}", zero.reason);
    let bad_symbol = chain.submit(
        ALICE,
        asset(AssetTx::Create {
            symbol: "<script>".into(),
            name: "x".into(),
            decimals: 0,
            supply_cap: None,
            metadata: Metadata::default(),
            rule: TransferRule::Open,
        }),
    );
    assert!(
        bad_symbol.reason.contains("invalid symbol"),
        "{}",
        bad_symbol.reason
    );
    let decimals = chain.submit(
        ALICE,
        asset(AssetTx::Create {
            symbol: "D".into(),
            name: "x".into(),
            decimals: 99,
            supply_cap: None,
            metadata: Metadata::default(),
            rule: TransferRule::Open,
        }),
    );
    assert!(
        decimals.reason.contains("99 decimals"),
        "{}",
        decimals.reason
    );
}

#[test]
fn transfer_rules_are_enforced_and_precheck_says_why_before_signing() {
    let mut chain = chain();
    let (alice, bob, dave, frank) = (
        chain.address(ALICE),
        chain.address(BOB),
        chain.address(DAVE),
        chain.address(FRANK),
    );
    // Members only: bob (a bank admin) may hold it, dave (a citizen) may not.
    let members = create(&mut chain, "MEMB", None, TransferRule::Members);
    ok(mint(&mut chain, members, BOB, 100));
    let refused = mint(&mut chain, members, DAVE, 1);
    assert_eq!(refused.status, Status::AssetRestricted);
    assert!(
        refused.reason.contains("not a member"),
        "{}",
        refused.reason
    );
    let pre = assets::check_transfer(chain.view(), &members, &bob, &dave, Amount(10))
        .expect("readable")
        .expect_err("dave is not a member");
    assert!(matches!(pre, AssetError::Restricted { account, .. } if account == dave));
    let tx = send(&mut chain, BOB, members, dave, 10);
    assert_eq!(tx.status, Status::AssetRestricted);
    assert_eq!(
        tx.reason,
        pre.to_string(),
        "the pre-check gives the receipt's reason"
    );
    assert!(
        assets::check_transfer(chain.view(), &members, &bob, &alice, Amount(10))
            .expect("readable")
            .is_ok()
    );

    // Allow-list (KYC'd holders): only listed accounts, kept by the issuer.
    let kyc = create(&mut chain, "KYC", None, TransferRule::AllowList);
    assert_eq!(
        mint(&mut chain, kyc, DAVE, 5).status,
        Status::AssetRestricted
    );
    ok(chain.submit(
        ALICE,
        asset(AssetTx::Allow {
            class: Class::Asset(kyc),
            account: dave,
            allowed: true,
        }),
    ));
    ok(mint(&mut chain, kyc, DAVE, 5));
    assert_eq!(
        send(&mut chain, DAVE, kyc, frank, 1).status,
        Status::AssetRestricted
    );
    let not_issuer = chain.submit(
        DAVE,
        asset(AssetTx::Allow {
            class: Class::Asset(kyc),
            account: frank,
            allowed: true,
        }),
    );
    assert!(
        not_issuer.reason.contains("only the issuer"),
        "{}",
        not_issuer.reason
    );
    ok(chain.submit(
        ALICE,
        asset(AssetTx::Allow {
            class: Class::Asset(kyc),
            account: frank,
            allowed: true,
        }),
    ));
    ok(send(&mut chain, DAVE, kyc, frank, 1));
    assert_eq!(
        (balance(&chain, kyc, &dave), balance(&chain, kyc, &frank)),
        (4, 1)
    );
}

#[test]
fn the_regulator_freezes_an_asset_or_one_holding_and_the_audit_trail_records_it() {
    let mut chain = chain();
    let (dave, frank) = (chain.address(DAVE), chain.address(FRANK));
    let bond = create(&mut chain, "BOND", None, TransferRule::Open);
    ok(mint(&mut chain, bond, DAVE, 100));
    let freeze = |holder: Option<Address>, freeze: bool| {
        asset(AssetTx::Freeze {
            asset: bond,
            holder,
            freeze,
        })
    };
    let err = chain
        .try_submit(DAVE, freeze(None, true))
        .expect_err("only a regulator freezes");
    assert_eq!(err.code(), "permission_denied");

    ok(chain.submit(ERIN, freeze(Some(dave), true)));
    let r = send(&mut chain, DAVE, bond, frank, 1);
    assert_eq!(r.status, Status::AssetFrozen, "{}", r.reason);
    ok(chain.submit(ERIN, freeze(Some(dave), false)));
    ok(send(&mut chain, DAVE, bond, frank, 1));

    ok(chain.submit(ERIN, freeze(None, true)));
    let r = send(&mut chain, FRANK, bond, dave, 1);
    assert_eq!(r.status, Status::AssetFrozen);
    assert!(r.reason.contains("is frozen"), "{}", r.reason);
    ok(chain.submit(ERIN, freeze(None, false)));
    ok(send(&mut chain, FRANK, bond, dave, 1));

    let trail = chain.audit_trail(0, u64::MAX);
    let asset_lines: Vec<_> = trail
        .iter()
        .filter(|e| e.action == "asset_freeze")
        .collect();
    assert_eq!(asset_lines.len(), 4, "{trail:?}");
    assert!(asset_lines[0].detail.contains(&dave.to_string()));
    assert_eq!(asset_lines[0].actor, chain.address(ERIN));
}

fn court_order(chain: &mut TestChain, order: CourtOrder) -> Receipt {
    let deadline = TimestampMs(chain.time_ms() + DAY_MS);
    let r = ok(chain.submit(
        ALICE,
        Payload::Governance {
            op: GovTx::Propose {
                title: "court order".into(),
                action: GovAction::CourtOrder { order },
                deadline_ms: deadline,
            },
        },
    ));
    let id = u64::from_be_bytes(r.output.try_into().expect("proposal id"));
    let vote = |approve| Payload::Governance {
        op: GovTx::Vote {
            proposal: id,
            approve,
        },
    };
    ok(chain.submit(ALICE, vote(true)));
    ok(chain.submit(CAROL, vote(true)))
}

#[test]
fn court_orders_move_frozen_holdings_and_reissue_lost_keys_by_vote() {
    let mut chain = chain();
    let (dave, frank, erin) = (
        chain.address(DAVE),
        chain.address(FRANK),
        chain.address(ERIN),
    );
    let bond = create(&mut chain, "BOND", None, TransferRule::Open);
    ok(mint(&mut chain, bond, DAVE, 100));
    ok(chain.submit(
        ERIN,
        asset(AssetTx::Freeze {
            asset: bond,
            holder: Some(dave),
            freeze: true,
        }),
    ));
    // A forced transfer is not a transaction anyone can send: only a passed vote runs it.
    court_order(
        &mut chain,
        CourtOrder {
            case: "(2026) Jing 01 Min Chu 7".into(),
            action: CourtAction::ForcedTransfer {
                asset: bond,
                from: dave,
                to: frank,
                amount: Amount(30),
            },
        },
    );
    assert_eq!(
        (balance(&chain, bond, &dave), balance(&chain, bond, &frank)),
        (70, 30)
    );
    // Dave lost his key: the court reissues his whole holding to erin's address.
    court_order(
        &mut chain,
        CourtOrder {
            case: "(2026) Jing 01 Min Chu 8".into(),
            action: CourtAction::Reissue {
                asset: bond,
                from: dave,
                to: erin,
            },
        },
    );
    assert_eq!(balance(&chain, bond, &dave), 0);
    assert_eq!(balance(&chain, bond, &erin), 70);
    assert_holdings_sum_to_supply(&chain, bond);
    let trail = chain.audit_trail(0, u64::MAX);
    assert!(
        trail.iter().any(|e| e.action == "court_order"
            && e.detail.contains("Min Chu 8")
            && e.detail.contains("reissued")),
        "{trail:?}"
    );
    // An order that cannot apply fails the proposal and moves nothing.
    let r = court_order(
        &mut chain,
        CourtOrder {
            case: "(2026) Jing 01 Min Chu 9".into(),
            action: CourtAction::ForcedTransfer {
                asset: bond,
                from: dave,
                to: frank,
                amount: Amount(1),
            },
        },
    );
    assert_eq!(r.output, [citychain_types::ProposalStatus::Failed.code()]);
    assert_eq!(balance(&chain, bond, &frank), 30);
}

fn collection(chain: &mut TestChain, rule: TransferRule, mint: MintRule) -> CollectionId {
    let r = ok(chain.submit(
        ALICE,
        asset(AssetTx::CreateCollection {
            symbol: "DEED".into(),
            name: "Title deeds".into(),
            metadata: Metadata::default(),
            rule,
            mint,
        }),
    ));
    CollectionId(id20(&r))
}

fn mint_item(
    chain: &mut TestChain,
    c: CollectionId,
    item: u64,
    to: usize,
    locked: bool,
) -> Receipt {
    let to = chain.address(to);
    chain.submit(
        ALICE,
        asset(AssetTx::MintItem {
            collection: c,
            item,
            to,
            metadata: Metadata {
                uri: format!("ipfs://deed/{item}"),
                hash: None,
            },
            locked,
        }),
    )
}

#[test]
fn items_have_one_owner_and_a_history_and_locked_ones_move_only_by_the_issuer() {
    let mut chain = chain();
    let (alice, dave, frank) = (
        chain.address(ALICE),
        chain.address(DAVE),
        chain.address(FRANK),
    );
    let deeds = collection(&mut chain, TransferRule::Open, MintRule::Issuer);
    ok(mint_item(&mut chain, deeds, 17, DAVE, false));
    let twice = mint_item(&mut chain, deeds, 17, FRANK, false);
    assert!(twice.reason.contains("exists already"), "{}", twice.reason);
    let transfer = |to| {
        asset(AssetTx::TransferItem {
            collection: deeds,
            item: 17,
            to,
        })
    };
    let stolen = chain.submit(FRANK, transfer(frank));
    assert!(stolen.reason.contains("its owner"), "{}", stolen.reason);
    ok(chain.submit(DAVE, transfer(frank)));
    let item = r::item(chain.view(), &deeds, 17)
        .expect("readable")
        .expect("exists");
    assert_eq!(item.owner, frank);
    let history = r::item_history(chain.view(), &deeds, 17, 0, 10).expect("readable");
    let kinds: Vec<_> = history.iter().map(|e| (e.kind, e.from, e.to)).collect();
    assert_eq!(
        kinds,
        [
            (ItemEventKind::Mint, Address::ZERO, dave),
            (ItemEventKind::Transfer, dave, frank)
        ]
    );
    assert_eq!(
        r::owned_items(chain.view(), &frank, None, 10).expect("readable"),
        [(deeds, 17)]
    );
    assert!(
        r::owned_items(chain.view(), &dave, None, 10)
            .expect("readable")
            .is_empty()
    );

    // A locked item (a degree certificate) stays with its holder; the issuer may revoke it.
    ok(mint_item(&mut chain, deeds, 18, DAVE, true));
    let r = chain.submit(
        DAVE,
        asset(AssetTx::TransferItem {
            collection: deeds,
            item: 18,
            to: frank,
        }),
    );
    assert_eq!(r.status, Status::AssetRestricted, "{}", r.reason);
    ok(chain.submit(
        ALICE,
        asset(AssetTx::BurnItem {
            collection: deeds,
            item: 18,
        }),
    ));
    let burned = r::item(chain.view(), &deeds, 18)
        .expect("readable")
        .expect("kept");
    assert_eq!(burned.owner, Address::ZERO);
    let c = r::collection(chain.view(), &deeds)
        .expect("readable")
        .expect("exists");
    assert_eq!(c.items, 1);
    // Only the issuer mints into an issuer-only collection.
    let r = chain.submit(
        DAVE,
        asset(AssetTx::MintItem {
            collection: deeds,
            item: 99,
            to: alice,
            metadata: Metadata::default(),
            locked: false,
        }),
    );
    assert!(r.reason.contains("only the issuer"), "{}", r.reason);
}

fn offer(
    chain: &mut TestChain,
    from: usize,
    give: Value,
    want: Value,
    partial: bool,
) -> Result<OfferId, Receipt> {
    let deadline = TimestampMs(chain.time_ms() + DAY_MS);
    let r = chain.submit(
        from,
        asset(AssetTx::MakeOffer {
            give,
            want,
            partial,
            taker: None,
            deadline_ms: deadline,
        }),
    );
    if r.is_success() {
        Ok(OfferId(id20(&r)))
    } else {
        Err(r)
    }
}

fn take(chain: &mut TestChain, from: usize, o: OfferId, amount: u128) -> Receipt {
    chain.submit(
        from,
        asset(AssetTx::TakeOffer {
            offer: o,
            amount: Amount(amount),
        }),
    )
}

/// The story of the issue: a car-park space is tokenized, split into 1,000,000 shares, shares
/// are sold to citizens, its rent is paid pro rata, then it is bought out at the reserve price
/// and every shareholder is paid.
#[test]
fn a_vault_splits_an_item_pays_its_income_pro_rata_and_is_bought_out() {
    let mut chain = chain();
    let (alice, dave, frank) = (
        chain.address(ALICE),
        chain.address(DAVE),
        chain.address(FRANK),
    );
    let spaces = collection(&mut chain, TransferRule::Open, MintRule::Issuer);
    ok(mint_item(&mut chain, spaces, 17, ALICE, false));
    let space = Value::Item {
        collection: spaces,
        item: 17,
    };
    let r = ok(chain.submit(
        ALICE,
        asset(AssetTx::CreateVault {
            content: space,
            shares: Amount(1_000_000),
            symbol: "PARK17".into(),
            name: "Car park space 17".into(),
            reserve: Some(Value::Native {
                amount: Amount(3_000_000),
            }),
        }),
    ));
    let vault = AssetId(id20(&r));
    let item = r::item(chain.view(), &spaces, 17)
        .expect("readable")
        .expect("exists");
    assert_eq!(item.owner, vault.escrow(), "the vault holds the space");
    assert_eq!(balance(&chain, vault, &alice), 1_000_000);

    // Alice sells 300,000 shares to dave and 100,000 to frank for the native currency.
    let shares = |n| Value::Token {
        asset: vault,
        amount: Amount(n),
    };
    let native = |n| Value::Native { amount: Amount(n) };
    let o = offer(&mut chain, ALICE, shares(400_000), native(1_200_000), true).expect("offer");
    let alice_before = chain.balance(&alice);
    ok(take(&mut chain, DAVE, o, 300_000));
    ok(take(&mut chain, FRANK, o, 100_000));
    assert_eq!(chain.balance(&alice).0 - alice_before.0, 1_200_000);
    assert_eq!(
        r::offer(chain.view(), &o).expect("r").expect("o").status,
        OfferStatus::Filled
    );
    assert_eq!(balance(&chain, vault, &dave), 300_000);

    // A month's rent, 10,001 units, to the holders as of now; dave sells afterwards, which
    // does not change what he is owed.
    let r = ok(chain.submit(
        BOB,
        asset(AssetTx::Distribute {
            asset: vault,
            total: native(10_001),
            claim_until_ms: TimestampMs(chain.time_ms() + 30 * DAY_MS),
        }),
    ));
    let record = u64::from_be_bytes(r.output.try_into().expect("record"));
    ok(send(&mut chain, DAVE, vault, frank, 300_000));
    let claim = |chain: &mut TestChain, holder: Address| {
        chain.submit(
            CAROL,
            asset(AssetTx::Claim {
                asset: vault,
                record,
                holder,
            }),
        )
    };
    let paid = |r: &Receipt| u128::from_be_bytes(r.output.clone().try_into().expect("amount"));
    let dave_before = chain.balance(&dave);
    let r = ok(claim(&mut chain, dave));
    assert_eq!(paid(&r), 3_000, "30% of 10,001 rounded down");
    assert_eq!(
        chain.balance(&dave).0 - dave_before.0,
        3_000,
        "paid to the holder"
    );
    assert!(claim(&mut chain, dave).reason.contains("already"));
    assert_eq!(paid(&ok(claim(&mut chain, frank))), 1_000);
    let alice_before = chain.balance(&alice);
    assert_eq!(paid(&ok(claim(&mut chain, alice))), 6_000);
    assert!(chain.balance(&alice).0 > alice_before.0);
    // Everyone claimed: bob takes back the one unit of rounding at once.
    let r = ok(chain.submit(
        BOB,
        asset(AssetTx::Reclaim {
            asset: vault,
            record,
        }),
    ));
    assert_eq!(paid(&r), 1, "the rounding remainder stays with the payer");
    assert_eq!(
        chain.balance(&vault.escrow()),
        Amount(0),
        "nothing left in escrow"
    );

    // Redeeming needs every share.
    let r = chain.submit(FRANK, asset(AssetTx::Redeem { vault }));
    assert_eq!(r.status, Status::InsufficientBalance, "{}", r.reason);

    // Erin buys the space out at the reserve price and gets it at once.
    let erin = chain.address(ERIN);
    ok(chain.submit(ERIN, asset(AssetTx::Buyout { vault })));
    let item = r::item(chain.view(), &spaces, 17).expect("r").expect("i");
    assert_eq!(item.owner, erin);
    let v = r::vault(chain.view(), &vault).expect("r").expect("v");
    assert_eq!(v.status, VaultStatus::BoughtOut);
    let again = chain.submit(DAVE, asset(AssetTx::Buyout { vault }));
    assert!(again.reason.contains("bought out"), "{}", again.reason);
    // Every shareholder claims its part; the last claim empties the proceeds exactly.
    let claim = |chain: &mut TestChain, holder| {
        chain.submit(ERIN, asset(AssetTx::ClaimProceeds { vault, holder }))
    };
    assert_eq!(paid(&ok(claim(&mut chain, frank))), 1_200_000);
    assert_eq!(paid(&ok(claim(&mut chain, alice))), 1_800_000);
    assert!(claim(&mut chain, dave).reason.contains("holds no shares"));
    let v = r::vault(chain.view(), &vault).expect("r").expect("v");
    assert_eq!((v.proceeds, v.unclaimed_shares), (Amount(0), Amount(0)));
    assert_eq!(supply(&chain, vault), 0);
    assert_eq!(chain.balance(&vault.escrow()), Amount(0));
}

#[test]
fn shareholders_vote_a_reserve_price_with_the_shares_they_held_when_it_was_proposed() {
    let mut chain = chain();
    let (dave, frank) = (chain.address(DAVE), chain.address(FRANK));
    let spaces = collection(&mut chain, TransferRule::Open, MintRule::Issuer);
    ok(mint_item(&mut chain, spaces, 1, ALICE, false));
    let r = ok(chain.submit(
        ALICE,
        asset(AssetTx::CreateVault {
            content: Value::Item {
                collection: spaces,
                item: 1,
            },
            shares: Amount(100),
            symbol: "P1".into(),
            name: "Plot 1".into(),
            reserve: None,
        }),
    ));
    let vault = AssetId(id20(&r));
    assert!(
        chain
            .submit(DAVE, asset(AssetTx::Buyout { vault }))
            .reason
            .contains("no reserve price")
    );
    ok(send(&mut chain, ALICE, vault, dave, 40));
    ok(send(&mut chain, ALICE, vault, frank, 20));
    let price = Value::Native {
        amount: Amount(5_000),
    };
    ok(chain.submit(
        DAVE,
        asset(AssetTx::ProposeReserve {
            vault,
            price,
            deadline_ms: TimestampMs(chain.time_ms() + DAY_MS),
        }),
    ));
    // Alice moves her 40 shares to frank after the proposal: they still vote as hers.
    let alice = chain.address(ALICE);
    ok(send(&mut chain, ALICE, vault, frank, 40));
    let vote = |approve| asset(AssetTx::VoteReserve { vault, approve });
    ok(chain.submit(DAVE, vote(true)));
    assert!(
        chain
            .submit(DAVE, vote(true))
            .reason
            .contains("already voted")
    );
    let v = r::vault(chain.view(), &vault).expect("r").expect("v");
    assert_eq!(v.vote.as_ref().map(|v| v.yes), Some(Amount(40)));
    assert_eq!(v.reserve, None, "40 of 100 is not more than half");
    let r = ok(chain.submit(FRANK, vote(true)));
    let voted = r
        .events
        .iter()
        .find(|e| e.topic == "reserve_voted")
        .expect("voted");
    assert_eq!(
        voted.data[voted.data.len() - 16..],
        20u128.to_be_bytes(),
        "frank votes with the 20 shares he held at the proposal, not the 60 he holds now"
    );
    assert!(r.events.iter().any(|e| e.topic == "reserve_set"));
    let v = r::vault(chain.view(), &vault).expect("r").expect("v");
    assert_eq!(v.reserve, Some(price), "40 + 20 of 100 is more than half");
    assert_eq!(v.vote, None);
    assert_eq!(balance(&chain, vault, &alice), 0);
    assert_eq!(balance(&chain, vault, &frank), 60);
}

#[test]
fn offers_settle_delivery_versus_payment_and_return_on_expiry() {
    let mut chain = chain();
    let (dave, frank) = (chain.address(DAVE), chain.address(FRANK));
    let bond = create(&mut chain, "BOND", None, TransferRule::Open);
    let park = create(&mut chain, "PARK", None, TransferRule::Open);
    ok(mint(&mut chain, bond, FRANK, 10_000));
    ok(mint(&mut chain, park, DAVE, 100));
    let shares = Value::Token {
        asset: park,
        amount: Amount(100),
    };
    let bonds = Value::Token {
        asset: bond,
        amount: Amount(5_000),
    };
    // Dave swaps 100 shares for 5,000 bond units: both legs in frank's one transaction.
    let o = offer(&mut chain, DAVE, shares, bonds, false).expect("offer");
    assert_eq!(balance(&chain, park, &o.escrow()), 100, "escrowed");
    assert!(take(&mut chain, DAVE, o, 100).reason.contains("self-swap"));
    let part = take(&mut chain, FRANK, o, 50);
    assert!(part.reason.contains("taken whole"), "{}", part.reason);
    ok(take(&mut chain, FRANK, o, 100));
    assert_eq!(balance(&chain, park, &frank), 100);
    assert_eq!(balance(&chain, bond, &dave), 5_000);
    assert!(
        take(&mut chain, FRANK, o, 100)
            .reason
            .contains("taken already")
    );
    // The escrowed value cannot be spent twice: it is no longer dave's.
    ok(mint(&mut chain, park, DAVE, 10));
    let o2 = offer(
        &mut chain,
        DAVE,
        shares.with_amount(Amount(10)),
        bonds,
        false,
    )
    .expect("offer");
    let spend = send(&mut chain, DAVE, park, frank, 1);
    assert_eq!(spend.status, Status::InsufficientBalance);
    // Past the deadline it cannot be taken, and anyone returns the escrow to the maker.
    chain.advance_time(2 * DAY_MS);
    let late = take(&mut chain, FRANK, o2, 10);
    assert!(late.reason.contains("expired"), "{}", late.reason);
    ok(chain.submit(FRANK, asset(AssetTx::CancelOffer { offer: o2 })));
    assert_eq!(balance(&chain, park, &dave), 10);
    let o2 = r::offer(chain.view(), &o2).expect("r").expect("o");
    assert_eq!(o2.status, OfferStatus::Expired);
    assert!(
        r::offers_by_maker(chain.view(), &dave, None, 10)
            .expect("r")
            .is_empty()
    );
    assert_holdings_sum_to_supply(&chain, park);
    assert_holdings_sum_to_supply(&chain, bond);
}

#[test]
fn partial_fills_round_the_price_up_and_the_last_fill_pays_exactly_the_rest() {
    let mut chain = chain();
    let dave = chain.address(DAVE);
    let park = create(&mut chain, "PARK", None, TransferRule::Open);
    ok(mint(&mut chain, park, DAVE, 3));
    let o = offer(
        &mut chain,
        DAVE,
        Value::Token {
            asset: park,
            amount: Amount(3),
        },
        Value::Native { amount: Amount(10) },
        true,
    )
    .expect("offer");
    let before = chain.balance(&dave);
    ok(take(&mut chain, FRANK, o, 1));
    assert_eq!(chain.balance(&dave).0 - before.0, 4, "ceil(10 / 3)");
    assert_eq!(
        r::offers_by_denom(
            chain.view(),
            &citychain_types::asset::Denom::Token(park),
            None,
            10
        )
        .expect("r")
        .len(),
        1
    );
    ok(take(&mut chain, BOB, o, 1));
    ok(take(&mut chain, FRANK, o, 1));
    assert_eq!(
        chain.balance(&dave).0 - before.0,
        10,
        "the maker gets its whole price"
    );
}

fn cosign(chain: &TestChain, signer: usize, sender: usize, legs: &[Leg]) -> Cosignature {
    let sender_address = chain.address(sender);
    let nonce = chain.account(&sender_address).nonce;
    let message = settlement_message(chain.chain_id(), &sender_address, nonce, legs);
    Cosignature {
        key: chain.key(signer).public_key(),
        signature: chain.key(signer).sign(COSIGN_NAMESPACE, &message),
    }
}

#[test]
fn settlement_moves_every_leg_or_none() {
    let mut chain = chain();
    let (bob, dave, frank) = (
        chain.address(BOB),
        chain.address(DAVE),
        chain.address(FRANK),
    );
    let bond = create(&mut chain, "BOND", None, TransferRule::Open);
    ok(mint(&mut chain, bond, DAVE, 1_000));
    let legs = vec![
        Leg {
            from: dave,
            to: frank,
            value: Value::Token {
                asset: bond,
                amount: Amount(400),
            },
        },
        Leg {
            from: frank,
            to: dave,
            value: Value::Native {
                amount: Amount(777),
            },
        },
        Leg {
            from: frank,
            to: bob,
            value: Value::Native { amount: Amount(1) },
        },
    ];
    // Without frank's consent, frank's legs cannot move.
    let r = chain.submit(
        DAVE,
        asset(AssetTx::Settle {
            legs: legs.clone(),
            cosigners: vec![],
        }),
    );
    assert!(r.reason.contains("co-signer"), "{}", r.reason);
    // A signature for another transaction (another nonce) does not count.
    let mut stale = cosign(&chain, FRANK, DAVE, &legs);
    stale.signature = chain.key(FRANK).sign(COSIGN_NAMESPACE, b"something else");
    let r = chain.submit(
        DAVE,
        asset(AssetTx::Settle {
            legs: legs.clone(),
            cosigners: vec![stale],
        }),
    );
    assert!(r.reason.contains("does not verify"), "{}", r.reason);

    let (bob_native, frank_native) = (chain.balance(&bob), chain.balance(&frank));
    let c = cosign(&chain, FRANK, DAVE, &legs);
    let r = ok(chain.submit(
        DAVE,
        asset(AssetTx::Settle {
            legs: legs.clone(),
            cosigners: vec![c],
        }),
    ));
    assert_eq!(r.events.len(), 3);
    assert_eq!(balance(&chain, bond, &frank), 400);
    assert_eq!(chain.balance(&frank).0, frank_native.0 - 778);
    assert_eq!(chain.balance(&bob).0, bob_native.0 + 1);

    // One leg that cannot move (dave has 600 left) fails the whole settlement.
    let greedy = vec![
        Leg {
            from: frank,
            to: dave,
            value: Value::Native { amount: Amount(5) },
        },
        Leg {
            from: dave,
            to: frank,
            value: Value::Token {
                asset: bond,
                amount: Amount(601),
            },
        },
    ];
    let frank_before = chain.balance(&frank);
    let c = cosign(&chain, FRANK, DAVE, &greedy);
    let r = chain.submit(
        DAVE,
        asset(AssetTx::Settle {
            legs: greedy,
            cosigners: vec![c],
        }),
    );
    assert_eq!(r.status, Status::InsufficientBalance);
    assert!(r.reason.starts_with("leg 1:"), "{}", r.reason);
    assert_eq!(
        chain.balance(&frank),
        frank_before,
        "the first leg was undone"
    );
    assert_eq!(balance(&chain, bond, &dave), 600);
}

/// A contract holds, receives and moves assets: `asset_escrow` takes deposits brought by the
/// asset operation `call`, and withdraws under the same rules and freezes as any holder.
#[test]
fn a_contract_receives_assets_with_a_call_and_moves_them_under_the_same_rules() {
    let mut chain = chain();
    let (dave, frank) = (chain.address(DAVE), chain.address(FRANK));
    let bond = create(&mut chain, "BOND", None, TransferRule::Open);
    ok(mint(&mut chain, bond, DAVE, 1_000));
    let escrow = chain
        .deploy(
            ALICE,
            &citychain_contract_harness::contract_code("asset_escrow"),
            &[],
        )
        .unwrap_or_else(|r| panic!("deploys: {}", r.reason));
    let deposit = |chain: &mut TestChain, amount: u128| {
        chain.submit(
            DAVE,
            asset(AssetTx::Call {
                contract: escrow,
                method: "deposit".into(),
                args: Vec::new(),
                assets: vec![Value::Token {
                    asset: bond,
                    amount: Amount(amount),
                }],
            }),
        )
    };
    let r = ok(deposit(&mut chain, 600));
    assert!(r.events.iter().any(|e| e.topic == "asset_transfer"));
    assert!(r.events.iter().any(|e| e.topic == "deposited"));
    assert_eq!(balance(&chain, bond, &escrow), 600);
    assert_eq!(balance(&chain, bond, &dave), 400);
    // More than dave has: neither the move nor the call happens.
    let r = deposit(&mut chain, 401);
    assert_eq!(r.status, Status::InsufficientBalance, "{}", r.reason);
    assert_eq!(balance(&chain, bond, &escrow), 600);
    // An ordinary call brings nothing, and the contract says so.
    let r = chain.call(DAVE, &escrow, "deposit", &[], 0);
    assert!(r.reason.contains("nothing was attached"), "{}", r.reason);

    let withdraw = |chain: &mut TestChain, amount: u128| {
        let mut w = citychain_types::codec::Writer::new();
        w.put(&bond).u128(amount).put(&frank);
        chain.call(DAVE, &escrow, "withdraw", &w.into_bytes(), 0)
    };
    ok(withdraw(&mut chain, 250));
    assert_eq!(balance(&chain, bond, &frank), 250);
    // A frozen asset stays in the contract, like with any holder; the credit is kept.
    ok(chain.submit(
        ERIN,
        asset(AssetTx::Freeze {
            asset: bond,
            holder: None,
            freeze: true,
        }),
    ));
    let r = withdraw(&mut chain, 100);
    assert!(r.reason.contains("frozen"), "{}", r.reason);
    assert_eq!(balance(&chain, bond, &escrow), 350);
    let q = chain.query(&dave, &escrow, "held", &bond.0);
    assert_eq!(q.output, 350u128.to_be_bytes());
    assert_holdings_sum_to_supply(&chain, bond);
}

/// Bad input gets a clear reason and changes nothing: overflowing amounts, a distribution to an
/// asset nobody holds or in the asset itself, an offer of a thing for itself, a malformed
/// symbol or URI, an item offered in parts.
#[test]
fn bad_asset_input_is_refused_with_a_reason_and_changes_nothing() {
    let mut chain = chain();
    let dave = chain.address(DAVE);
    let open = create(&mut chain, "OPEN", None, TransferRule::Open);
    ok(mint(&mut chain, open, DAVE, u128::MAX));
    let r = mint(&mut chain, open, FRANK, 1);
    assert_eq!(r.status, Status::BalanceOverflow, "{}", r.reason);
    assert_eq!(supply(&chain, open), u128::MAX);

    let empty = create(&mut chain, "EMPTY", None, TransferRule::Open);
    let until = TimestampMs(chain.time_ms() + DAY_MS);
    let r = chain.submit(
        ALICE,
        asset(AssetTx::Distribute {
            asset: empty,
            total: Value::Native {
                amount: Amount(100),
            },
            claim_until_ms: until,
        }),
    );
    assert!(r.reason.contains("nobody holds"), "{}", r.reason);
    let r = chain.submit(
        DAVE,
        asset(AssetTx::Distribute {
            asset: open,
            total: Value::Token {
                asset: open,
                amount: Amount(1),
            },
            claim_until_ms: until,
        }),
    );
    assert!(r.reason.contains("its own holders"), "{}", r.reason);

    let same = offer(
        &mut chain,
        DAVE,
        Value::Token {
            asset: open,
            amount: Amount(1),
        },
        Value::Token {
            asset: open,
            amount: Amount(2),
        },
        false,
    )
    .expect_err("a self-swap");
    assert!(same.reason.contains("the same thing"), "{}", same.reason);
    let deeds = collection(&mut chain, TransferRule::Open, MintRule::Issuer);
    ok(mint_item(&mut chain, deeds, 1, DAVE, false));
    let parts = offer(
        &mut chain,
        DAVE,
        Value::Item {
            collection: deeds,
            item: 1,
        },
        Value::Native { amount: Amount(5) },
        true,
    )
    .expect_err("an item in parts");
    assert!(parts.reason.contains("in parts"), "{}", parts.reason);
    let r = chain.submit(
        ALICE,
        asset(AssetTx::MintItem {
            collection: deeds,
            item: 2,
            to: dave,
            metadata: Metadata {
                uri: "x".repeat(300),
                hash: None,
            },
            locked: false,
        }),
    );
    assert!(r.reason.contains("at most 256"), "{}", r.reason);
    // Failed transactions moved nothing: dave still holds everything, the item is his.
    assert_eq!(balance(&chain, open, &dave), u128::MAX);
    assert_eq!(
        r::item(chain.view(), &deeds, 1)
            .expect("r")
            .expect("i")
            .owner,
        dave
    );
}

/// Several senders through a multisig account: a city treasury (two of three officers)
/// settles a bond delivery and a native payment in one go, once the second officer approves;
/// a leg that cannot move leaves the treasury as it was.
#[test]
fn a_multisig_treasury_settles_several_legs_once_its_threshold_is_reached() {
    use citychain_types::multisig::{MultisigPending, MultisigStatus, MultisigTx};
    let mut chain = chain();
    let (dave, frank) = (chain.address(DAVE), chain.address(FRANK));
    let signers = vec![
        chain.address(BOB),
        chain.address(CAROL),
        chain.address(ERIN),
    ];
    let r = ok(chain.submit(
        BOB,
        Payload::Multisig {
            op: MultisigTx::Create {
                signers,
                threshold: 2,
            },
        },
    ));
    let treasury = Address(r.output.try_into().expect("an address"));
    let bond = create(&mut chain, "BOND", None, TransferRule::Open);
    ok(chain.submit(
        ALICE,
        asset(AssetTx::Mint {
            asset: bond,
            to: treasury,
            amount: Amount(1_000),
        }),
    ));
    ok(chain.submit(
        BOB,
        Payload::Transfer {
            to: treasury,
            amount: Amount(50_000),
        },
    ));
    let settle = |bonds: u128| {
        asset(AssetTx::Settle {
            legs: vec![
                Leg {
                    from: treasury,
                    to: dave,
                    value: Value::Token {
                        asset: bond,
                        amount: Amount(bonds),
                    },
                },
                Leg {
                    from: treasury,
                    to: frank,
                    value: Value::Native {
                        amount: Amount(20_000),
                    },
                },
            ],
            cosigners: Vec::new(),
        })
    };
    let run = |chain: &mut TestChain, payload: Payload| -> MultisigPending {
        let r = ok(chain.submit(
            BOB,
            Payload::Multisig {
                op: MultisigTx::Propose {
                    account: treasury,
                    payload: Box::new(payload),
                },
            },
        ));
        let id = u64::from_be_bytes(r.output.try_into().expect("an id"));
        ok(chain.submit(
            CAROL,
            Payload::Multisig {
                op: MultisigTx::Approve {
                    account: treasury,
                    id,
                },
            },
        ));
        citychain_execution::read::multisig_pending(chain.view(), &treasury, id)
            .expect("readable")
            .expect("recorded")
    };
    let frank_before = chain.balance(&frank);
    let done = run(&mut chain, settle(400));
    assert_eq!(done.status, MultisigStatus::Executed, "{}", done.outcome);
    assert_eq!(balance(&chain, bond, &dave), 400);
    assert_eq!(chain.balance(&frank).0 - frank_before.0, 20_000);
    assert_eq!(chain.balance(&treasury), Amount(30_000));
    // 601 more bonds than it has: neither leg moves.
    let failed = run(&mut chain, settle(601));
    assert_eq!(failed.status, MultisigStatus::Failed);
    assert!(failed.outcome.starts_with("leg 0:"), "{}", failed.outcome);
    assert_eq!(balance(&chain, bond, &treasury), 600);
    assert_eq!(chain.balance(&treasury), Amount(30_000));
}
