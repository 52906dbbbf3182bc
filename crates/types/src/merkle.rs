//! Binary Merkle trees over ordered lists (transactions and receipts of a block), as in RFC 6962
//! section 2.1, with the chain's hash function:
//!
//! - the root of an empty list is `H("")`;
//! - a leaf is `H(0x00 || item_bytes)`;
//! - the root of `n > 1` leaves is `H(0x01 || root(first k) || root(rest))`, where `k` is the
//!   largest power of two smaller than `n`.

use citychain_crypto::{Hash, Suite};

/// The hash of one list item.
pub fn leaf_hash(suite: Suite, item_bytes: &[u8]) -> Hash {
    let mut h = suite.hasher();
    h.update(&[0x00]);
    h.update(item_bytes);
    h.finalize()
}

fn node_hash(suite: Suite, left: &Hash, right: &Hash) -> Hash {
    let mut h = suite.hasher();
    h.update(&[0x01]);
    h.update(&left.0);
    h.update(&right.0);
    h.finalize()
}

fn split_point(n: usize) -> usize {
    debug_assert!(n > 1);
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The root over already-hashed leaves.
pub fn root(suite: Suite, leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => suite.hash(&[]),
        1 => leaves[0],
        n => {
            let k = split_point(n);
            node_hash(
                suite,
                &root(suite, &leaves[..k]),
                &root(suite, &leaves[k..]),
            )
        }
    }
}

/// The sibling hashes proving leaf `index` (bottom first), or `None` if out of range.
pub fn proof(suite: Suite, leaves: &[Hash], index: usize) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    let mut path = Vec::new();
    collect_path(suite, leaves, index, &mut path);
    Some(path)
}

fn collect_path(suite: Suite, leaves: &[Hash], index: usize, path: &mut Vec<Hash>) {
    if leaves.len() <= 1 {
        return;
    }
    let k = split_point(leaves.len());
    if index < k {
        collect_path(suite, &leaves[..k], index, path);
        path.push(root(suite, &leaves[k..]));
    } else {
        collect_path(suite, &leaves[k..], index - k, path);
        path.push(root(suite, &leaves[..k]));
    }
}

/// Checks that `leaf` is item `index` of a list of `count` items with root `expected`.
pub fn verify(
    suite: Suite,
    expected: &Hash,
    leaf: &Hash,
    index: usize,
    count: usize,
    path: &[Hash],
) -> bool {
    if index >= count {
        return false;
    }
    // RFC 9162 section 2.1.3.2, with the list size known.
    let (mut fn_, mut sn) = (index, count - 1);
    let mut r = *leaf;
    for sibling in path {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(suite, sibling, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(suite, &r, sibling);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && r == *expected
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(suite: Suite, n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(suite, &(i as u64).to_be_bytes()))
            .collect()
    }

    #[test]
    fn small_trees_match_the_definition() {
        let s = Suite::Ed25519;
        assert_eq!(root(s, &[]), s.hash(b""));
        let l = leaves(s, 3);
        assert_eq!(root(s, &l[..1]), l[0]);
        let ab = node_hash(s, &l[0], &l[1]);
        assert_eq!(root(s, &l), node_hash(s, &ab, &l[2]));
    }

    proptest! {
        #[test]
        fn every_proof_verifies_and_tampering_fails(n in 1usize..70, pick in 0usize..1000, sm2 in any::<bool>()) {
            let suite = if sm2 { Suite::Sm2 } else { Suite::Ed25519 };
            let l = leaves(suite, n);
            let r = root(suite, &l);
            let i = pick % n;
            let path = proof(suite, &l, i).expect("in range");
            prop_assert!(verify(suite, &r, &l[i], i, n, &path));
            if n > 1 {
                let j = (i + 1) % n;
                prop_assert!(!verify(suite, &r, &l[j], i, n, &path), "wrong leaf");
                prop_assert!(!verify(suite, &r, &l[i], j, n, &path), "wrong index");
                let mut bad = path.clone();
                bad[0].0[0] ^= 1;
                prop_assert!(!verify(suite, &r, &l[i], i, n, &bad), "tampered sibling");
            }
        }
    }
}
