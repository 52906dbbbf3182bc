//! The chain's hash functions in the form the Jellyfish Merkle tree takes them.

use citychain_crypto::{Hasher, Suite};

/// SHA-256, for the `ed25519` suite.
pub struct Sha256Jmt(Hasher);
/// SM3, for the `sm2` suite.
pub struct Sm3Jmt(Hasher);

impl jmt::SimpleHasher for Sha256Jmt {
    fn new() -> Self {
        Sha256Jmt(Suite::Ed25519.hasher())
    }
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    fn finalize(self) -> [u8; 32] {
        self.0.finalize().0
    }
}

impl jmt::SimpleHasher for Sm3Jmt {
    fn new() -> Self {
        Sm3Jmt(Suite::Sm2.hasher())
    }
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    fn finalize(self) -> [u8; 32] {
        self.0.finalize().0
    }
}

/// Runs `$body` with `$h` bound to the jmt hasher type of `$suite`.
macro_rules! with_hasher {
    ($suite:expr, $h:ident => $body:expr) => {
        match $suite {
            citychain_crypto::Suite::Ed25519 => {
                type $h = $crate::hasher::Sha256Jmt;
                $body
            }
            citychain_crypto::Suite::Sm2 => {
                type $h = $crate::hasher::Sm3Jmt;
                $body
            }
        }
    };
}
pub(crate) use with_hasher;
