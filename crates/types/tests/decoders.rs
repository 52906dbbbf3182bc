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
