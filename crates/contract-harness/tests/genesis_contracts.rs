//! Contracts deployed at genesis: at the addresses their names give, `init` run by their admin,
//! usable from the first block; a genesis whose contract cannot deploy is refused.

use citychain_contract_harness::{TestChain, contract_code};
use citychain_crypto::Suite;
use citychain_execution::{contracts, genesis_writes};
use citychain_state::{StateStore, StateView};
use citychain_types::{
    ChainParams, Decode, Encode, GenesisContract, Status,
    codec::{Reader, Writer},
    layout,
};

fn token_init(name: &str, supply: u128) -> Vec<u8> {
    let mut w = Writer::new();
    w.string(name).string("CTY").u8(2).u128(supply);
    w.into_bytes()
}

#[test]
fn genesis_contracts_are_live_from_the_first_block_at_known_addresses() {
    for suite in [Suite::Ed25519, Suite::Sm2] {
        let chain = TestChain::with_genesis(suite, ChainParams::default(), |g, keys| {
            let admin = keys[1].public_key().address();
            g.contracts = vec![
                GenesisContract {
                    name: "city-credit".into(),
                    code: contract_code("token"),
                    init_args: token_init("City Credit", 5_000),
                    admin,
                },
                GenesisContract {
                    name: "notary".into(),
                    code: contract_code("notary"),
                    init_args: Vec::new(),
                    admin,
                },
            ];
        });
        let bob = chain.address(1);
        let token = layout::genesis_contract_address(suite, "city-credit");
        let notary = layout::genesis_contract_address(suite, "notary");
        assert_ne!(token, notary);

        // init ran with the admin as its caller: the supply is the admin's.
        let answer = chain.query(&chain.address(0), &token, "balance_of", &bob.0);
        assert_eq!(answer.status, Status::Success, "{}", answer.reason);
        let mut r = Reader::new(&answer.output);
        assert_eq!(r.u128("balance").expect("u128"), 5_000);

        let details = contracts::details(chain.view(), &token)
            .expect("state")
            .expect("deployed");
        assert_eq!(details.info.admin, bob);
        assert_eq!(details.info.deployed_at.0, 0);
        assert_eq!(details.info.code_hash, suite.hash(&contract_code("token")));
        assert_eq!(
            details.metadata.expect("the SDK wrote metadata").name,
            "token"
        );

        // Usable like any contract.
        let mut chain = chain;
        let mut w = Writer::new();
        w.raw(&[7u8; 32]).string("minutes");
        let args = w.into_bytes();
        let receipt = chain.call(0, &notary, "anchor", &args, 0);
        assert!(receipt.is_success(), "{}", receipt.reason);
    }
}

#[test]
fn a_genesis_whose_contract_cannot_deploy_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fjall::Database::builder(dir.path())
        .open()
        .expect("open the state database");
    let store = StateStore::open(&db, Suite::Ed25519).expect("store");
    let empty = StateView::committed(store, None);
    let mut genesis = TestChain::new().genesis().clone();
    let admin = genesis.accounts[0].address;
    for (contract, why) in [
        (
            GenesisContract {
                name: "broken".into(),
                code: b"not wasm".to_vec(),
                init_args: Vec::new(),
                admin,
            },
            "genesis contract broken cannot be deployed (InvalidCode)",
        ),
        (
            GenesisContract {
                name: "nameless-token".into(),
                code: contract_code("token"),
                init_args: token_init("", 1),
                admin,
            },
            "init failed: the name must be 1 to 64 bytes",
        ),
    ] {
        genesis.contracts = vec![contract];
        let err = genesis_writes(&genesis, &empty).expect_err(why);
        assert!(err.contains(why), "{why}: {err}");
    }

    // The same genesis, encoded and decoded, is the same genesis (its hash covers the code).
    genesis.contracts[0].init_args = token_init("ok", 1);
    let again = citychain_types::Genesis::decode(&genesis.encode()).expect("decodes");
    assert_eq!(again, genesis);
    genesis_writes(&genesis, &empty).expect("now it deploys");
}
