//! The canonical binary encoding of everything citychain hashes or signs.
//!
//! Rules (specified byte by byte in `docs/protocol.md`):
//! - integers are fixed width, big-endian (`u8`, `u16`, `u32`, `u64`, `u128`);
//! - fixed-size byte strings (hashes, addresses, signatures) are written raw;
//! - variable-size bytes and UTF-8 strings are a `u32` length, then the bytes;
//! - lists are a `u32` count, then the items;
//! - an optional value is `0x00` (absent) or `0x01` followed by the value;
//! - an enum is a `u8` tag, then its fields.
//!
//! Decoding is strict: every length is checked against a limit before anything is allocated,
//! trailing bytes are an error, and `decode(encode(x)) == x` and `encode(decode(b)) == b` hold
//! for every accepted `b`, so each value has exactly one encoding.

use citychain_crypto::{Address, Hash, PublicKey, Signature, Suite};
use std::fmt;

/// Why bytes could not be decoded, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct DecodeError {
    /// Byte offset in the input where the problem was found.
    pub offset: usize,
    /// The field being decoded.
    pub field: &'static str,
    /// What was wrong.
    pub problem: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at byte {}: {}",
            self.field, self.offset, self.problem
        )
    }
}

/// A cursor over untrusted input.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The bytes consumed since position `start` (the encoding of what was just decoded).
    pub fn consumed_since(&self, start: usize) -> &'a [u8] {
        &self.buf[start.min(self.pos)..self.pos]
    }

    /// The next byte, without consuming it.
    pub fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Bytes not yet consumed.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// An error at the current position.
    pub fn error(&self, field: &'static str, problem: impl Into<String>) -> DecodeError {
        DecodeError {
            offset: self.pos,
            field,
            problem: problem.into(),
        }
    }

    /// Takes the next `n` bytes.
    pub fn take(&mut self, field: &'static str, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.remaining() < n {
            return Err(self.error(
                field,
                format!("needs {n} bytes but only {} remain", self.remaining()),
            ));
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// Reads `N` bytes; `field` names what is read in the error.
    pub fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(field, N)?);
        Ok(out)
    }

    /// Reads one byte.
    pub fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(field)?[0])
    }

    /// Reads a big-endian `u16`.
    pub fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }

    /// Reads a big-endian `u32`.
    pub fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }

    /// Reads a big-endian `u64`.
    pub fn u64(&mut self, field: &'static str) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array(field)?))
    }

    /// Reads a big-endian `u128`.
    pub fn u128(&mut self, field: &'static str) -> Result<u128, DecodeError> {
        Ok(u128::from_be_bytes(self.array(field)?))
    }

    /// Reads a boolean: byte 0 or 1, anything else is an error.
    pub fn bool(&mut self, field: &'static str) -> Result<bool, DecodeError> {
        match self.u8(field)? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(self.error(field, format!("boolean byte must be 0 or 1, found {other}"))),
        }
    }

    /// A `u32` length, checked against `max` before anything else is read.
    pub fn length(&mut self, field: &'static str, max: usize) -> Result<usize, DecodeError> {
        let start = self.pos;
        let len = self.u32(field)? as usize;
        if len > max {
            return Err(DecodeError {
                offset: start,
                field,
                problem: format!("length {len} exceeds the limit of {max}"),
            });
        }
        Ok(len)
    }

    /// Length-prefixed bytes of at most `max` bytes.
    pub fn bytes(&mut self, field: &'static str, max: usize) -> Result<&'a [u8], DecodeError> {
        let len = self.length(field, max)?;
        self.take(field, len)
    }

    /// A length-prefixed UTF-8 string of at most `max` bytes.
    pub fn string(&mut self, field: &'static str, max: usize) -> Result<String, DecodeError> {
        let start = self.pos;
        let raw = self.bytes(field, max)?;
        String::from_utf8(raw.to_vec()).map_err(|_| DecodeError {
            offset: start,
            field,
            problem: "not valid UTF-8".into(),
        })
    }

    /// A count-prefixed list of at most `max` items.
    pub fn list<T>(
        &mut self,
        field: &'static str,
        max: usize,
        mut item: impl FnMut(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        let count = self.length(field, max)?;
        // Each item takes at least one byte, so this bounds the allocation by the input size.
        let mut out = Vec::with_capacity(count.min(self.remaining()));
        for _ in 0..count {
            out.push(item(self)?);
        }
        Ok(out)
    }

    /// An optional value: `0x00` or `0x01` then the value.
    pub fn option<T>(
        &mut self,
        field: &'static str,
        item: impl FnOnce(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Option<T>, DecodeError> {
        match self.u8(field)? {
            0 => Ok(None),
            1 => item(self).map(Some),
            other => Err(self.error(field, format!("option tag must be 0 or 1, found {other}"))),
        }
    }

    /// Fails if any input is left over.
    pub fn finish(self, field: &'static str) -> Result<(), DecodeError> {
        if self.remaining() != 0 {
            return Err(self.error(
                field,
                format!("{} unexpected trailing bytes", self.remaining()),
            ));
        }
        Ok(())
    }
}

/// Builds canonical bytes.
#[derive(Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Writer::default()
    }

    /// An empty writer with room for `n` bytes.
    pub fn with_capacity(n: usize) -> Self {
        Writer {
            buf: Vec::with_capacity(n),
        }
    }

    /// The bytes written.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Writes `bytes` as they are, without a length.
    pub fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(bytes);
        self
    }

    /// Writes one byte.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.raw(&[v])
    }

    /// Writes a big-endian `u16`.
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.raw(&v.to_be_bytes())
    }

    /// Writes a big-endian `u32`.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.raw(&v.to_be_bytes())
    }

    /// Writes a big-endian `u64`.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.raw(&v.to_be_bytes())
    }

    /// Writes a big-endian `u128`.
    pub fn u128(&mut self, v: u128) -> &mut Self {
        self.raw(&v.to_be_bytes())
    }

    /// Writes a boolean as byte 0 or 1.
    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.u8(v as u8)
    }

    /// Writes a `u32` length. Lengths are bounded by decode limits far below `u32::MAX`.
    pub fn length(&mut self, len: usize) -> &mut Self {
        self.u32(u32::try_from(len).expect("lengths are bounded far below 2^32 by protocol limits"))
    }

    /// Writes a `u32` length, then the bytes.
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.length(bytes.len()).raw(bytes)
    }

    /// Writes a UTF-8 string as length-prefixed bytes.
    pub fn string(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }

    /// Writes a `u32` count, then each item with `item`.
    pub fn list<T>(&mut self, items: &[T], mut item: impl FnMut(&mut Self, &T)) -> &mut Self {
        self.length(items.len());
        for x in items {
            item(self, x);
        }
        self
    }

    /// Writes byte 0 for `None`, or byte 1 and the value with `item`.
    pub fn option<T>(&mut self, v: Option<&T>, item: impl FnOnce(&mut Self, &T)) -> &mut Self {
        match v {
            None => self.u8(0),
            Some(x) => {
                self.u8(1);
                item(self, x);
                self
            }
        }
    }

    /// Writes a value's canonical encoding.
    pub fn put<T: Encode + ?Sized>(&mut self, v: &T) -> &mut Self {
        v.encode_to(self);
        self
    }
}

/// A value with a canonical encoding.
pub trait Encode {
    /// Appends the canonical encoding to `w`.
    fn encode_to(&self, w: &mut Writer);

    /// The canonical encoding.
    fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode_to(&mut w);
        w.into_bytes()
    }
}

/// A value decodable from untrusted bytes.
pub trait Decode: Sized {
    /// Reads one value from `r`, leaving what follows it.
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError>;

    /// Decodes exactly one value from `bytes`; trailing bytes are an error.
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let v = Self::decode_from(&mut r)?;
        r.finish("end of input")?;
        Ok(v)
    }
}

impl Encode for Hash {
    fn encode_to(&self, w: &mut Writer) {
        w.raw(&self.0);
    }
}

impl Decode for Hash {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.array("hash").map(Hash)
    }
}

impl Encode for Address {
    fn encode_to(&self, w: &mut Writer) {
        w.raw(&self.0);
    }
}

impl Decode for Address {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.array("address").map(Address)
    }
}

impl Encode for Signature {
    fn encode_to(&self, w: &mut Writer) {
        w.raw(&self.0);
    }
}

impl Decode for Signature {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.array("signature").map(Signature)
    }
}

/// A public key: the suite tag byte, then 32 (Ed25519) or 33 (SM2, compressed) bytes.
impl Encode for PublicKey {
    fn encode_to(&self, w: &mut Writer) {
        w.u8(self.suite().tag()).raw(self.as_bytes());
    }
}

impl Decode for PublicKey {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.position();
        let tag = r.u8("public key suite")?;
        let suite = Suite::from_tag(tag).map_err(|e| r.error("public key suite", e.to_string()))?;
        let len = match suite {
            Suite::Ed25519 => citychain_crypto::ED25519_PUBLIC_KEY_LEN,
            Suite::Sm2 => citychain_crypto::SM2_PUBLIC_KEY_LEN,
        };
        let raw = r.take("public key", len)?;
        PublicKey::from_bytes(suite, raw).map_err(|e| DecodeError {
            offset: start,
            field: "public key",
            problem: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_big_endian_fixed_width() {
        let mut w = Writer::new();
        w.u16(0x0102).u32(3).u64(4).u128(5).bool(true);
        let b = w.into_bytes();
        assert_eq!(b.len(), 2 + 4 + 8 + 16 + 1);
        assert_eq!(&b[..2], &[1, 2]);
        let mut r = Reader::new(&b);
        assert_eq!(r.u16("a").expect("u16"), 0x0102);
        assert_eq!(r.u32("b").expect("u32"), 3);
        assert_eq!(r.u64("c").expect("u64"), 4);
        assert_eq!(r.u128("d").expect("u128"), 5);
        assert!(r.bool("e").expect("bool"));
        r.finish("end").expect("nothing left");
    }

    #[test]
    fn lengths_are_checked_before_allocation() {
        // Claims 4 GiB of items in a 4-byte input: rejected by the limit, nothing allocated.
        let bytes = u32::MAX.to_be_bytes();
        let err = Reader::new(&bytes)
            .list("items", 1000, |r| r.u8("item"))
            .expect_err("over the limit");
        assert_eq!(err.offset, 0);
        assert!(
            err.to_string().contains("exceeds the limit of 1000"),
            "{err}"
        );
    }

    #[test]
    fn truncation_and_trailing_bytes_are_errors() {
        let err = Reader::new(&[0, 0, 0, 5, 1, 2])
            .bytes("data", 10)
            .expect_err("short");
        assert!(
            err.to_string().contains("needs 5 bytes but only 2 remain"),
            "{err}"
        );
        let mut r = Reader::new(&[1, 2]);
        r.u8("first").expect("u8");
        assert!(r.finish("end").is_err());
        assert!(Reader::new(&[2]).bool("flag").is_err());
        assert!(
            Reader::new(&[0, 0, 0, 2, 0xff, 0xfe])
                .string("name", 8)
                .is_err(),
            "bad utf-8"
        );
    }
}
