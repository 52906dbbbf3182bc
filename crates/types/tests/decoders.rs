//! Decoders of untrusted bytes never panic, and accept only canonical encodings.

use citychain_types::{
    Block, BlockHeader, Decode, Encode, Genesis, Receipt, SignedTransaction, Transaction,
    proof::StateProof,
};
use proptest::prelude::*;

fn check<T: Decode + Encode>(bytes: &[u8]) {
    // Whatever the input, decoding returns; when it succeeds, re-encoding gives the same bytes.
    if let Ok(v) = T::decode(bytes) {
        assert_eq!(v.encode(), bytes, "accepted a non-canonical encoding");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        check::<SignedTransaction>(&bytes);
        check::<Transaction>(&bytes);
        check::<BlockHeader>(&bytes);
        check::<Block>(&bytes);
        check::<Receipt>(&bytes);
        check::<StateProof>(&bytes);
        check::<Genesis>(&bytes);
    }

    /// Mutations of a valid transaction: every accepted variant re-encodes to itself.
    #[test]
    fn mutated_transactions_stay_canonical(pos in 0usize..200, byte in any::<u8>(), cut in 0usize..200) {
        let key = citychain_crypto::SecretKey::insecure_from_label(citychain_crypto::Suite::Sm2, "fuzz");
        let tx = Transaction {
            chain_id: citychain_types::ChainId::new("fuzz").expect("id"),
            sender: key.public_key(),
            nonce: citychain_types::Nonce(1),
            gas_limit: citychain_types::Gas(5),
            payload: citychain_types::Payload::Transfer { to: Default::default(), amount: citychain_types::Amount(9) },
        }
        .sign(&key);
        let mut bytes = tx.encode();
        let pos = pos % bytes.len();
        bytes[pos] = byte;
        check::<SignedTransaction>(&bytes);
        bytes.truncate(cut.min(bytes.len()));
        check::<SignedTransaction>(&bytes);
    }
}

/// Valid payloads of every kind, for mutation.
fn sample_payloads() -> Vec<citychain_types::Payload> {
    use citychain_types::{
        Address, Amount, GovAction, GovTx, Member, OrgId, Payload, Roles, TimestampMs,
        asset::{AssetId, AssetTx, CollectionId, Cosignature, Leg, Value},
        multisig::MultisigTx,
    };
    let cosigner =
        citychain_crypto::SecretKey::insecure_from_label(citychain_crypto::Suite::Sm2, "co");
    vec![
        Payload::Deploy {
            code: vec![0, 97, 115, 109, 1, 0, 0, 0],
            init_args: vec![1, 2, 3],
        },
        Payload::Call {
            contract: Address([3; 20]),
            method: "transfer".into(),
            args: vec![9; 36],
            value: Amount(7),
        },
        Payload::Governance {
            op: GovTx::Propose {
                title: "t".into(),
                action: GovAction::SetMember {
                    account: Address([4; 20]),
                    member: Member {
                        org: OrgId::new("agency").expect("id"),
                        roles: Roles::CLIENT,
                    },
                },
                deadline_ms: TimestampMs(5),
            },
        },
        Payload::Governance {
            op: GovTx::Propose {
                title: "p".into(),
                action: GovAction::SetPolicy {
                    policy: citychain_types::Policy::consortium(),
                },
                deadline_ms: TimestampMs(5),
            },
        },
        Payload::Multisig {
            op: MultisigTx::Propose {
                account: Address([5; 20]),
                payload: Box::new(Payload::Transfer {
                    to: Address([6; 20]),
                    amount: Amount(1),
                }),
            },
        },
        Payload::Asset {
            op: AssetTx::CreateVault {
                content: Value::Item {
                    collection: CollectionId([7; 20]),
                    item: 3,
                },
                shares: Amount(1_000_000),
                symbol: "PARK".into(),
                name: "Car park".into(),
                reserve: Some(Value::Native { amount: Amount(9) }),
            },
        },
        Payload::Asset {
            op: AssetTx::Settle {
                legs: vec![Leg {
                    from: Address([1; 20]),
                    to: Address([2; 20]),
                    value: Value::Token {
                        asset: AssetId([3; 20]),
                        amount: Amount(4),
                    },
                }],
                cosigners: vec![Cosignature {
                    key: cosigner.public_key(),
                    signature: cosigner.sign(b"ns", b"m"),
                }],
            },
        },
        Payload::Asset {
            op: AssetTx::MakeOffer {
                give: Value::Token {
                    asset: AssetId([3; 20]),
                    amount: Amount(100),
                },
                want: Value::Native { amount: Amount(5) },
                partial: true,
                taker: Some(Address([8; 20])),
                deadline_ms: TimestampMs(6),
            },
        },
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    /// Random bytes after each payload tag and sub-tag reach deep into the newer decoders.
    #[test]
    fn random_payload_bodies_never_panic(
        tag in prop::sample::select(vec![1u8, 2, 3, 4, 5, 6, 7]),
        sub in 0u8..26,
        action in 0u8..16,
        rest in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut bytes = vec![tag, sub, action];
        bytes.extend_from_slice(&rest);
        check::<citychain_types::Payload>(&bytes);
        check::<citychain_types::GovTx>(&bytes[1..]);
        check::<citychain_types::GovAction>(&bytes[2..]);
        check::<citychain_types::multisig::MultisigTx>(&bytes[1..]);
        check::<citychain_types::Policy>(&rest);
        check::<citychain_types::Proposal>(&rest);
        check::<citychain_types::proposal::AuditEntry>(&rest);
        check::<citychain_types::multisig::MultisigPending>(&rest);
        check::<citychain_types::ContractInfo>(&rest);
        check::<citychain_types::ChainParams>(&bytes);
        check::<citychain_types::asset::AssetTx>(&bytes[1..]);
        check::<citychain_types::asset::CourtOrder>(&rest);
        check::<citychain_types::asset::AssetClass>(&rest);
        check::<citychain_types::asset::Holding>(&rest);
        check::<citychain_types::asset::Collection>(&rest);
        check::<citychain_types::asset::Item>(&rest);
        check::<citychain_types::asset::Vault>(&rest);
        check::<citychain_types::asset::Distribution>(&rest);
        check::<citychain_types::asset::Offer>(&rest);
    }

    /// Mutations of valid payloads of every kind: accepted variants stay canonical.
    #[test]
    fn mutated_payloads_stay_canonical(which in 0usize..8, pos in 0usize..400, byte in any::<u8>(), cut in 0usize..400) {
        let payload = &sample_payloads()[which];
        let mut bytes = payload.encode();
        let pos = pos % bytes.len();
        bytes[pos] = byte;
        check::<citychain_types::Payload>(&bytes);
        bytes.truncate(cut.min(bytes.len()));
        check::<citychain_types::Payload>(&bytes);
    }
}
