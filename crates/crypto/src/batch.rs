//! Verifying many signatures at once.
//!
//! Ed25519 signatures are checked with one randomized batch equation under ZIP-215 rules, so a
//! batch accepts exactly the signatures that single verification accepts, on every node. When a
//! batch fails, each signature is checked on its own to find the bad ones. SM2 has no batch
//! equation; its signatures are checked one by one, in parallel.

use crate::{PublicKey, Signature};
use commonware_cryptography::{BatchEntry, BatchVerifier as _, ed25519};
use commonware_parallel::Strategy;

/// One signature to check.
#[derive(Clone, Copy)]
pub struct BatchItem<'a> {
    pub public_key: &'a PublicKey,
    pub message: &'a [u8],
    pub signature: &'a Signature,
}

/// Checks every item's signature over the framed `(namespace, message)`.
///
/// Returns one verdict per item, in order. The strategy decides how the work is spread over
/// threads; the verdicts do not depend on it.
pub fn verify_batch<S: Strategy>(
    strategy: &S,
    namespace: &[u8],
    items: &[BatchItem<'_>],
) -> Vec<bool> {
    let mut verdicts = vec![false; items.len()];

    // Ed25519: one batch equation for all, individual checks only when it fails.
    let mut ed_keys = Vec::new();
    let mut ed_sigs = Vec::new();
    let mut ed_index = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if let PublicKey::Ed25519(key) = item.public_key {
            let mut raw = commonware_codec::Copying(&item.signature.0);
            if let Ok(sig) = <ed25519::Signature as commonware_codec::ReadExt>::read(&mut raw) {
                ed_keys.push(key);
                ed_sigs.push(sig);
                ed_index.push(i);
            }
        }
    }
    if !ed_index.is_empty() {
        let all_valid = ed25519::PublicKey::verify_batch(
            &mut rand::rng(),
            &ed_index,
            |k, &i| BatchEntry {
                namespace,
                message: items[i].message,
                public_key: ed_keys[k],
                signature: &ed_sigs[k],
            },
            strategy,
        );
        if all_valid {
            for &i in &ed_index {
                verdicts[i] = true;
            }
        } else {
            let singles = strategy.map_collect_vec(ed_index.iter().copied(), |i| {
                let item = &items[i];
                (
                    i,
                    item.public_key
                        .verify(namespace, item.message, item.signature),
                )
            });
            for (i, ok) in singles {
                verdicts[i] = ok;
            }
        }
    }

    // SM2: one at a time, spread over the strategy's threads.
    let sm2_index: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, item)| matches!(item.public_key, PublicKey::Sm2(_)))
        .map(|(i, _)| i)
        .collect();
    if !sm2_index.is_empty() {
        let singles = strategy.map_collect_vec(sm2_index, |i| {
            let item = &items[i];
            (
                i,
                item.public_key
                    .verify(namespace, item.message, item.signature),
            )
        });
        for (i, ok) in singles {
            verdicts[i] = ok;
        }
    }
    verdicts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SecretKey, Suite};
    use commonware_parallel::Sequential;

    fn signed(suite: Suite, n: usize) -> Vec<(PublicKey, Vec<u8>, Signature)> {
        (0..n)
            .map(|i| {
                let key = SecretKey::insecure_from_label(suite, &format!("batch-{i}"));
                let msg = format!("message {i}").into_bytes();
                let sig = key.sign(b"ns", &msg);
                (key.public_key(), msg, sig)
            })
            .collect()
    }

    fn items(v: &[(PublicKey, Vec<u8>, Signature)]) -> Vec<BatchItem<'_>> {
        v.iter()
            .map(|(k, m, s)| BatchItem {
                public_key: k,
                message: m,
                signature: s,
            })
            .collect()
    }

    #[test]
    fn all_valid_in_both_suites() {
        for suite in Suite::ALL {
            let v = signed(suite, 16);
            assert_eq!(verify_batch(&Sequential, b"ns", &items(&v)), vec![true; 16]);
        }
    }

    #[test]
    fn finds_exactly_the_bad_signatures() {
        for suite in Suite::ALL {
            let mut v = signed(suite, 12);
            v[3].2.0[5] ^= 0x40;
            v[9].1.push(0);
            let mut expected = vec![true; 12];
            expected[3] = false;
            expected[9] = false;
            assert_eq!(verify_batch(&Sequential, b"ns", &items(&v)), expected);
            // The wrong namespace fails everything.
            assert_eq!(
                verify_batch(&Sequential, b"nx", &items(&v)),
                vec![false; 12]
            );
        }
    }

    #[test]
    fn batch_agrees_with_single_verification_on_mixed_input() {
        let mut v = signed(Suite::Ed25519, 8);
        v.extend(signed(Suite::Sm2, 4));
        v[1].2.0[63] ^= 0x80; // s no longer canonical or simply wrong: must fail both ways
        v[10].2.0[0] ^= 1;
        let single: Vec<bool> = v.iter().map(|(k, m, s)| k.verify(b"ns", m, s)).collect();
        assert_eq!(verify_batch(&Sequential, b"ns", &items(&v)), single);
    }
}
