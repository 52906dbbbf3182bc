//! Public keys, secret keys, signatures and addresses for both suites.
//!
//! Every signature covers a *framed* message: `varint(len(namespace)) || namespace || msg`
//! (the varint is LEB128). The namespace keeps a signature for one purpose (a transaction, a
//! vote) from being valid for another. For SM2 the framed message is then signed as GB/T 32918
//! prescribes: `e = SM3(Z_A || framed)` with the default user id `1234567812345678`.

use crate::{Error, Hash, Result, Suite, impl_hex_newtype};
use bytes::BufMut;
use commonware_codec::{Buf, Copying, EncodeSize, Error as CodecError, Read, ReadExt, Write};
use commonware_cryptography::{Signer as _, Verifier as _, ed25519};
use sm2::dsa::signature::{Signer as _, Verifier as _};
use sm2::elliptic_curve::sec1::ToSec1Point;
use std::{cmp::Ordering, fmt, str::FromStr};
use zeroize::Zeroizing;

/// The SM2 distinguishing identifier (GB/T 32918 default user id) used for every key.
pub const SM2_USER_ID: &str = "1234567812345678";

/// Domain prefix of the address hash.
pub const ADDRESS_DOMAIN: &[u8] = b"citychain/address/v1";

/// Bytes of a compressed SM2 public key.
pub const SM2_PUBLIC_KEY_LEN: usize = 33;
/// Bytes of an Ed25519 public key.
pub const ED25519_PUBLIC_KEY_LEN: usize = 32;
/// Bytes of a signature in either suite (Ed25519 `R || S`, SM2 `r || s`).
pub const SIGNATURE_LEN: usize = 64;

/// Most parsed public keys remembered (about 10 MB); the cache is emptied when full.
const KEY_CACHE_ENTRIES: usize = 32_768;

/// Parsed keys by `suite tag || key bytes` (zero-padded to 34 bytes).
static KEY_CACHE: std::sync::LazyLock<
    parking_lot::Mutex<std::collections::HashMap<[u8; SM2_PUBLIC_KEY_LEN + 1], PublicKey>>,
> = std::sync::LazyLock::new(Default::default);

/// Frames a message under a namespace: `varint(len(namespace)) || namespace || msg`.
pub fn framed(namespace: &[u8], msg: &[u8]) -> Vec<u8> {
    commonware_utils::union_unique(namespace, msg)
}

/// A 20-byte account address: the first 20 bytes of
/// `H(ADDRESS_DOMAIN || suite_tag || public_key_bytes)` in the chain's hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Address(pub [u8; 20]);

impl_hex_newtype!(Address, 20);

impl Address {
    /// The address with all zero bytes, owned by nobody (fees are burned there).
    pub const ZERO: Address = Address([0u8; 20]);

    /// Derives an address from any 32-byte digest (used for contract addresses later).
    pub fn from_hash(hash: &Hash) -> Self {
        let mut out = [0u8; 20];
        out.copy_from_slice(&hash.0[..20]);
        Address(out)
    }
}

/// A public key of either suite.
#[derive(Clone)]
pub enum PublicKey {
    Ed25519(ed25519::PublicKey),
    Sm2(Box<Sm2PublicKey>),
}

/// Whether 32 bytes encode an Ed25519 point of small order, canonically or not (ZIP-215
/// accepts both). A lookup in [`small_order_encodings`], cheap enough for every transaction.
pub fn ed25519_small_order(bytes: &[u8]) -> bool {
    small_order_encodings()
        .iter()
        .any(|e| e.as_slice() == bytes)
}

/// Every 32-byte encoding of an Ed25519 point of small order: the eight torsion points, with
/// either sign bit, and the non-canonical `y + p` forms of those whose `y` is below 19; kept
/// are those that decode to a small-order point.
pub fn small_order_encodings() -> &'static [[u8; 32]] {
    static ENCODINGS: std::sync::OnceLock<Vec<[u8; 32]>> = std::sync::OnceLock::new();
    ENCODINGS.get_or_init(|| {
        use curve25519_dalek::{constants::EIGHT_TORSION, edwards::CompressedEdwardsY};
        let mut candidates = Vec::new();
        for point in EIGHT_TORSION {
            let canonical = point.compress().to_bytes();
            let mut y = canonical;
            y[31] &= 0x7f;
            let mut forms = vec![y];
            if y[1..].iter().all(|b| *b == 0) && y[0] < 19 {
                // y + p, little-endian, p = 2^255 - 19.
                let mut plus_p = [0xff; 32];
                plus_p[0] = 0xed + y[0];
                plus_p[31] = 0x7f;
                forms.push(plus_p);
            }
            for form in forms {
                for sign in [0x00, 0x80] {
                    let mut e = form;
                    e[31] |= sign;
                    candidates.push(e);
                }
            }
        }
        candidates.sort();
        candidates.dedup();
        candidates.retain(|e| {
            CompressedEdwardsY(*e)
                .decompress()
                .is_some_and(|p| p.is_small_order())
        });
        candidates
    })
}

/// The addresses of Ed25519 keys of small order (anyone can sign as them): refused wherever an
/// address is named as a signer (multisig members, organization admins).
pub fn small_order_addresses() -> &'static [Address] {
    static ADDRESSES: std::sync::OnceLock<Vec<Address>> = std::sync::OnceLock::new();
    ADDRESSES.get_or_init(|| {
        small_order_encodings()
            .iter()
            .filter_map(|e| PublicKey::parse(Suite::Ed25519, e).ok())
            .map(|k| k.address())
            .collect()
    })
}

/// A validated SM2 public key with its compressed encoding.
#[derive(Clone)]
pub struct Sm2PublicKey {
    compressed: [u8; SM2_PUBLIC_KEY_LEN],
    key: sm2::dsa::VerifyingKey,
}

impl PublicKey {
    /// The suite this key belongs to.
    pub fn suite(&self) -> Suite {
        match self {
            PublicKey::Ed25519(_) => Suite::Ed25519,
            PublicKey::Sm2(_) => Suite::Sm2,
        }
    }

    /// The key's raw bytes: 32 for Ed25519, 33 (compressed SEC1 point) for SM2.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            PublicKey::Ed25519(k) => k.as_ref(),
            PublicKey::Sm2(k) => &k.compressed,
        }
    }

    /// Parses a key of `suite` from its raw bytes, validating the point.
    ///
    /// Point decompression costs tens of microseconds, and the same senders sign transaction
    /// after transaction, so recently parsed keys are remembered.
    pub fn from_bytes(suite: Suite, bytes: &[u8]) -> Result<Self> {
        let expected_len = match suite {
            Suite::Ed25519 => ED25519_PUBLIC_KEY_LEN,
            Suite::Sm2 => SM2_PUBLIC_KEY_LEN,
        };
        let cache_key = (bytes.len() == expected_len).then(|| {
            let mut k = [0u8; SM2_PUBLIC_KEY_LEN + 1];
            k[0] = suite.tag();
            k[1..=bytes.len()].copy_from_slice(bytes);
            k
        });
        if let Some(hit) = cache_key
            .as_ref()
            .and_then(|k| KEY_CACHE.lock().get(k).cloned())
        {
            return Ok(hit);
        }
        let key = Self::parse(suite, bytes)?;
        if let Some(k) = cache_key {
            let mut cache = KEY_CACHE.lock();
            if cache.len() >= KEY_CACHE_ENTRIES {
                cache.clear();
            }
            cache.insert(k, key.clone());
        }
        Ok(key)
    }

    fn parse(suite: Suite, bytes: &[u8]) -> Result<Self> {
        match suite {
            Suite::Ed25519 => {
                if bytes.len() != ED25519_PUBLIC_KEY_LEN {
                    return Err(Error::InvalidLength {
                        expected: ED25519_PUBLIC_KEY_LEN,
                        found: bytes.len(),
                    });
                }
                ed25519::PublicKey::read(&mut Copying(bytes))
                    .map(PublicKey::Ed25519)
                    .map_err(|e| Error::InvalidPublicKey(format!("ed25519: {e}")))
            }
            Suite::Sm2 => {
                let compressed: [u8; SM2_PUBLIC_KEY_LEN] =
                    bytes.try_into().map_err(|_| Error::InvalidLength {
                        expected: SM2_PUBLIC_KEY_LEN,
                        found: bytes.len(),
                    })?;
                if compressed[0] != 0x02 && compressed[0] != 0x03 {
                    return Err(Error::InvalidPublicKey(
                        "sm2: expected a compressed point (prefix 02 or 03)".into(),
                    ));
                }
                let key = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_USER_ID, &compressed)
                    .map_err(|_| Error::InvalidPublicKey("sm2: not a point on the curve".into()))?;
                Ok(PublicKey::Sm2(Box::new(Sm2PublicKey { compressed, key })))
            }
        }
    }

    /// Whether this is an Ed25519 key of small order: signatures under it verify for any
    /// message (ZIP-215 accepts them), so anyone could act as it. Such keys are refused as
    /// transaction senders and validators. SM2 keys are never of small order (the curve has
    /// prime order and the identity has no encoding).
    pub fn is_small_order(&self) -> bool {
        match self {
            PublicKey::Ed25519(k) => ed25519_small_order(k.as_ref()),
            PublicKey::Sm2(_) => false,
        }
    }

    /// The account address of this key.
    pub fn address(&self) -> Address {
        let suite = self.suite();
        let mut h = suite.hasher();
        h.update(ADDRESS_DOMAIN);
        h.update(&[suite.tag()]);
        h.update(self.as_bytes());
        Address::from_hash(&h.finalize())
    }

    /// Checks `signature` over the framed `(namespace, msg)`.
    pub fn verify(&self, namespace: &[u8], msg: &[u8], signature: &Signature) -> bool {
        match self {
            PublicKey::Ed25519(k) => match ed25519::Signature::read(&mut Copying(&signature.0)) {
                Ok(sig) => k.verify(namespace, msg, &sig),
                Err(_) => false,
            },
            PublicKey::Sm2(k) => {
                let Ok(sig) = sm2::dsa::Signature::from_slice(&signature.0) else {
                    return false;
                };
                k.key.verify(&framed(namespace, msg), &sig).is_ok()
            }
        }
    }

    /// Renders as `suite:0xhex`, the form used in JSON and on the command line.
    pub fn to_text(&self) -> String {
        format!("{}:{}", self.suite(), crate::hex::encode(self.as_bytes()))
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.suite() == other.suite() && self.as_bytes() == other.as_bytes()
    }
}
impl Eq for PublicKey {}

impl PartialOrd for PublicKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for PublicKey {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.suite(), self.as_bytes()).cmp(&(other.suite(), other.as_bytes()))
    }
}

impl std::hash::Hash for PublicKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u8(self.suite().tag());
        state.write(self.as_bytes());
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_text())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl FromStr for PublicKey {
    type Err = Error;

    /// Parses `suite:hex`.
    fn from_str(s: &str) -> Result<Self> {
        let (suite, hex) = s.split_once(':').ok_or_else(|| {
            Error::InvalidPublicKey(format!("{s:?}: expected \"suite:hex\", e.g. ed25519:0x…"))
        })?;
        PublicKey::from_bytes(suite.parse()?, &crate::hex::decode(hex)?)
    }
}

impl serde::Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_text())
    }
}

impl<'de> serde::Deserialize<'de> for PublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Encoding: the suite tag byte, then the raw key (32 or 33 bytes).
impl Write for PublicKey {
    fn write(&self, buf: &mut impl BufMut) {
        buf.put_u8(self.suite().tag());
        buf.put_slice(self.as_bytes());
    }
}

impl EncodeSize for PublicKey {
    fn encode_size(&self) -> usize {
        1 + self.as_bytes().len()
    }
}

impl Read for PublicKey {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> std::result::Result<Self, CodecError> {
        let tag = u8::read(buf)?;
        let suite = Suite::from_tag(tag).map_err(|_| CodecError::InvalidEnum(tag))?;
        let len = match suite {
            Suite::Ed25519 => ED25519_PUBLIC_KEY_LEN,
            Suite::Sm2 => SM2_PUBLIC_KEY_LEN,
        };
        if buf.remaining() < len {
            return Err(CodecError::EndOfBuffer);
        }
        let mut raw = [0u8; SM2_PUBLIC_KEY_LEN];
        buf.copy_to_slice(&mut raw[..len]);
        PublicKey::from_bytes(suite, &raw[..len])
            .map_err(|_| CodecError::Invalid("PublicKey", "not a valid point"))
    }
}

/// A 64-byte signature: Ed25519 `R || S` or SM2 `r || s` (big-endian scalars).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature(pub [u8; SIGNATURE_LEN]);

impl_hex_newtype!(Signature, 64);

impl Write for Signature {
    fn write(&self, buf: &mut impl BufMut) {
        buf.put_slice(&self.0);
    }
}

impl EncodeSize for Signature {
    fn encode_size(&self) -> usize {
        SIGNATURE_LEN
    }
}

impl Read for Signature {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> std::result::Result<Self, CodecError> {
        <[u8; SIGNATURE_LEN]>::read(buf).map(Signature)
    }
}

/// A secret signing key of either suite.
#[derive(Clone)]
pub enum SecretKey {
    Ed25519(ed25519::PrivateKey),
    Sm2(Box<sm2::dsa::SigningKey>),
}

impl SecretKey {
    /// Generates a fresh key from the operating system's randomness.
    pub fn generate(suite: Suite) -> Result<Self> {
        loop {
            let mut seed = Zeroizing::new([0u8; 32]);
            getrandom::fill(seed.as_mut()).map_err(|e| Error::Randomness(e.to_string()))?;
            match SecretKey::from_bytes(suite, seed.as_ref()) {
                Ok(key) => return Ok(key),
                // An SM2 scalar must be in [1, n-1]; retry the (astronomically rare) miss.
                Err(Error::InvalidSecretKey(_)) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Builds a key from its 32 secret bytes (an Ed25519 seed or an SM2 scalar, big-endian).
    pub fn from_bytes(suite: Suite, bytes: &[u8]) -> Result<Self> {
        if bytes.len() != 32 {
            return Err(Error::InvalidLength {
                expected: 32,
                found: bytes.len(),
            });
        }
        match suite {
            Suite::Ed25519 => ed25519::PrivateKey::read(&mut Copying(bytes))
                .map(SecretKey::Ed25519)
                .map_err(|e| Error::InvalidSecretKey(e.to_string())),
            Suite::Sm2 => sm2::dsa::SigningKey::from_slice(SM2_USER_ID, bytes)
                .map(|k| SecretKey::Sm2(Box::new(k)))
                .map_err(|_| Error::InvalidSecretKey("sm2 scalar out of range".into())),
        }
    }

    /// A key derived deterministically from a label, for tests and the dev chain only.
    pub fn insecure_from_label(suite: Suite, label: &str) -> Self {
        let mut counter = 0u32;
        loop {
            let seed = suite.hash(format!("citychain insecure key {label} {counter}").as_bytes());
            if let Ok(key) = SecretKey::from_bytes(suite, &seed.0) {
                return key;
            }
            counter += 1;
        }
    }

    /// The 32 secret bytes.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        match self {
            SecretKey::Ed25519(k) => {
                let mut v = Zeroizing::new(Vec::with_capacity(32));
                k.write(&mut *v);
                out.copy_from_slice(&v);
            }
            SecretKey::Sm2(k) => out.copy_from_slice(&k.to_bytes()),
        }
        out
    }

    pub fn suite(&self) -> Suite {
        match self {
            SecretKey::Ed25519(_) => Suite::Ed25519,
            SecretKey::Sm2(_) => Suite::Sm2,
        }
    }

    pub fn public_key(&self) -> PublicKey {
        match self {
            SecretKey::Ed25519(k) => PublicKey::Ed25519(k.public_key()),
            SecretKey::Sm2(k) => {
                let vk = k.verifying_key().clone();
                let point = vk.as_affine().to_sec1_point(true);
                let mut compressed = [0u8; SM2_PUBLIC_KEY_LEN];
                compressed.copy_from_slice(point.as_bytes());
                PublicKey::Sm2(Box::new(Sm2PublicKey {
                    compressed,
                    key: vk,
                }))
            }
        }
    }

    /// Signs the framed `(namespace, msg)`. SM2 signatures use RFC 6979 nonces (deterministic).
    pub fn sign(&self, namespace: &[u8], msg: &[u8]) -> Signature {
        match self {
            SecretKey::Ed25519(k) => {
                let sig = k.sign(namespace, msg);
                let mut out = [0u8; SIGNATURE_LEN];
                out.copy_from_slice(sig.as_ref());
                Signature(out)
            }
            SecretKey::Sm2(k) => {
                let sig: sm2::dsa::Signature = k.sign(&framed(namespace, msg));
                let mut out = [0u8; SIGNATURE_LEN];
                out.copy_from_slice(&sig.to_bytes());
                Signature(out)
            }
        }
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SecretKey({}, public {})",
            self.suite(),
            self.public_key()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_order_keys_are_recognised_and_ordinary_ones_are_not() {
        let encodings = small_order_encodings();
        // The identity (y = 1) in canonical and non-canonical forms is among them.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(ed25519_small_order(&identity));
        assert!(encodings.len() >= 8, "{}", encodings.len());
        let mut identity_plus_p = [0xffu8; 32];
        identity_plus_p[0] = 0xee;
        identity_plus_p[31] = 0x7f;
        assert!(ed25519_small_order(&identity_plus_p));
        for label in ["alice", "bob", "a validator"] {
            let key = SecretKey::insecure_from_label(Suite::Ed25519, label).public_key();
            assert!(!key.is_small_order(), "{label}");
        }
        let sm2 = SecretKey::insecure_from_label(Suite::Sm2, "alice").public_key();
        assert!(!sm2.is_small_order());
        // Those that parse as keys are small order, and their addresses are listed.
        let parsed: Vec<PublicKey> = encodings
            .iter()
            .filter_map(|e| PublicKey::from_bytes(Suite::Ed25519, e).ok())
            .collect();
        assert!(!parsed.is_empty());
        for k in &parsed {
            assert!(k.is_small_order());
            assert!(small_order_addresses().contains(&k.address()));
        }
    }
    use commonware_codec::{DecodeExt, Encode};

    #[test]
    fn sign_and_verify_in_both_suites() {
        for suite in Suite::ALL {
            let key = SecretKey::generate(suite).expect("key");
            let public = key.public_key();
            assert_eq!(public.suite(), suite);
            let sig = key.sign(b"ns", b"hello");
            assert!(public.verify(b"ns", b"hello", &sig));
            assert!(!public.verify(b"ns", b"hellp", &sig), "other message");
            assert!(!public.verify(b"nt", b"hello", &sig), "other namespace");
            let other = SecretKey::generate(suite).expect("key").public_key();
            assert!(!other.verify(b"ns", b"hello", &sig), "other key");
        }
    }

    #[test]
    fn secret_keys_round_trip_through_bytes() {
        for suite in Suite::ALL {
            let key = SecretKey::generate(suite).expect("key");
            let again = SecretKey::from_bytes(suite, key.to_bytes().as_ref()).expect("valid");
            assert_eq!(key.public_key(), again.public_key());
        }
    }

    #[test]
    fn public_keys_round_trip_through_codec_and_text() {
        for suite in Suite::ALL {
            let public = SecretKey::generate(suite).expect("key").public_key();
            let bytes = public.encode();
            assert_eq!(bytes.len(), public.encode_size());
            assert_eq!(PublicKey::decode(bytes).expect("decodes"), public);
            assert_eq!(
                public.to_text().parse::<PublicKey>().expect("parses"),
                public
            );
        }
    }

    #[test]
    fn ed25519_framing_matches_commonware() {
        assert_eq!(framed(b"abc", b"xyz"), b"\x03abcxyz".to_vec());
    }

    #[test]
    fn rejects_bad_public_keys() {
        assert!(PublicKey::from_bytes(Suite::Ed25519, &[0u8; 31]).is_err());
        let mut uncompressed = [0u8; 33];
        uncompressed[0] = 0x04;
        assert!(PublicKey::from_bytes(Suite::Sm2, &uncompressed).is_err());
        let mut off_curve = [0xffu8; 33];
        off_curve[0] = 0x02;
        assert!(PublicKey::from_bytes(Suite::Sm2, &off_curve).is_err());
        assert!(
            PublicKey::decode(commonware_codec::Copying(&[9u8, 1, 2])).is_err(),
            "unknown suite tag"
        );
    }

    /// GB/T 32918.2-2016 Annex A (recommended curve, default user id, message "message digest").
    #[test]
    fn sm2_matches_gbt_32918_example() {
        let d = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
        let px = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020";
        let py = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
        let e = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640";
        let r = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3";
        let s = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";
        let msg = b"message digest";

        // The public key derived from d is the standard's P = (x, y).
        let secret = SecretKey::from_bytes(Suite::Sm2, &::hex::decode(d).expect("hex"))
            .expect("valid scalar");
        let y_last = ::hex::decode(py).expect("hex")[31];
        let mut expected = vec![if y_last & 1 == 0 { 0x02 } else { 0x03 }];
        expected.extend(::hex::decode(px).expect("hex"));
        assert_eq!(secret.public_key().as_bytes(), &expected[..]);

        // e = SM3(Z_A || M), with Z_A computed exactly as GB/T 32918.2 section 5.5 prescribes.
        let curve_a = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC";
        let curve_b = "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93";
        let gx = "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7";
        let gy = "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0";
        let mut z = Vec::new();
        z.extend(((SM2_USER_ID.len() * 8) as u16).to_be_bytes());
        z.extend(SM2_USER_ID.as_bytes());
        for part in [curve_a, curve_b, gx, gy, px, py] {
            z.extend(::hex::decode(part).expect("hex"));
        }
        let za = Suite::Sm2.hash(&z);
        let mut za_m = za.0.to_vec();
        za_m.extend(msg);
        assert_eq!(
            Suite::Sm2.hash(&za_m).0.to_vec(),
            ::hex::decode(e).expect("hex")
        );

        // The standard's signature (made with its fixed k) verifies for the raw message.
        let mut rs = ::hex::decode(r).expect("hex");
        rs.extend(::hex::decode(s).expect("hex"));
        let sig = sm2::dsa::Signature::from_slice(&rs).expect("valid signature");
        let PublicKey::Sm2(public) = secret.public_key() else {
            unreachable!("sm2 key")
        };
        assert!(public.key.verify(msg, &sig).is_ok());
        let mut tampered = rs.clone();
        tampered[63] ^= 1;
        let bad = sm2::dsa::Signature::from_slice(&tampered).expect("still in range");
        assert!(public.key.verify(msg, &bad).is_err());
    }

    /// RFC 8032 section 7.1, tests 1 and 2: public keys derived from the secret seeds.
    #[test]
    fn ed25519_public_keys_match_rfc_8032() {
        for (secret, public) in [
            (
                "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
                "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            ),
            (
                "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
                "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            ),
        ] {
            let key = SecretKey::from_bytes(Suite::Ed25519, &::hex::decode(secret).expect("hex"))
                .expect("valid");
            assert_eq!(::hex::encode(key.public_key().as_bytes()), public);
        }
    }
}
