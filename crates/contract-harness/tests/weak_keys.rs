//! Small-order Ed25519 keys: ZIP-215 accepts signatures under them for any message, so anyone
//! could act as such a key. They may not send transactions, sign for a multisig account,
//! administer an organization or validate.

use citychain_contract_harness::TestChain;
use citychain_crypto::{PublicKey, Signature, small_order_addresses, small_order_encodings};
use citychain_types::{
    Amount, Gas, Nonce, Payload, SignedTransaction, Suite, Transaction, Validator, ValidatorKey,
    multisig::MultisigTx,
};

/// The identity point (y = 1), which every verifier accepts with the signature (identity, 0).
fn identity() -> PublicKey {
    let mut bytes = [0u8; 32];
    bytes[0] = 1;
    PublicKey::from_bytes(Suite::Ed25519, &bytes).expect("ZIP-215 parses the identity")
}

#[test]
fn a_small_order_sender_is_refused_with_its_own_code() {
    let mut chain = TestChain::new();
    let key = identity();
    assert!(key.is_small_order());
    let mut sig = [0u8; 64];
    sig[0] = 1; // R = identity, s = 0: valid for every message under this key.
    let tx = SignedTransaction::new(
        Transaction {
            chain_id: citychain_types::ChainId::new("harness").expect("id"),
            sender: key.clone(),
            nonce: Nonce(0),
            gas_limit: Gas(100_000),
            payload: Payload::Transfer {
                to: chain.address(1),
                amount: Amount(1),
            },
        },
        Signature(sig),
    );
    let root = chain.state_root();
    let err = chain.try_execute(&tx).expect_err("refused");
    assert_eq!(err.code(), "weak_key");
    assert!(err.to_string().contains("small order"), "{err}");
    assert_eq!(chain.state_root(), root);
}

#[test]
fn small_order_addresses_cannot_be_multisig_signers_or_admins() {
    let weak = *small_order_addresses().first().expect("some parse as keys");
    let mut chain = TestChain::new();
    let r = chain.submit(
        0,
        Payload::Multisig {
            op: MultisigTx::Create {
                signers: vec![chain.address(0), weak],
                threshold: 1,
            },
        },
    );
    assert!(!r.is_success());
    assert!(r.reason.contains("small-order"), "{}", r.reason);

    // A genesis naming one as an organization admin, or a small-order validator, is invalid.
    let result = std::panic::catch_unwind(|| {
        TestChain::consortium_with(|g| {
            g.organizations[0].admins.push(weak);
        })
    });
    let Err(panic) = result else {
        panic!("a genesis with a small-order admin was accepted");
    };
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("small-order key"), "{message}");
    for e in small_order_encodings() {
        let v = Validator {
            name: "weak".into(),
            consensus_key: ValidatorKey(*e),
        };
        let err = v.validate().expect_err("small order");
        assert!(
            err.contains("small order") || err.contains("not an Ed25519"),
            "{err}"
        );
    }
}
