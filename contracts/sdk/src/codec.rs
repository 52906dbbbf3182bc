//! The canonical encoding (as in `docs/protocol.md`): fixed-width big-endian integers, raw
//! fixed-size byte strings, `u32` length before variable bytes, strings and lists, `0x00`/`0x01`
//! before an optional value. Arguments, return values, events and storage all use it, so a
//! client in any language can produce and read them.

use crate::Address;
use alloc::{string::String, vec::Vec};
use core::fmt;

/// Why bytes could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// Where in the input decoding stopped.
    pub offset: usize,
    /// What was wrong there.
    pub problem: &'static str,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.problem, self.offset)
    }
}

/// A cursor over encoded bytes.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// An error at the current position.
    pub fn error(&self, problem: &'static str) -> DecodeError {
        DecodeError {
            offset: self.pos,
            problem,
        }
    }

    /// The next `n` bytes, or an error if fewer are left.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| self.error("input ends early"))?;
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    /// The bytes not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        let out = &self.buf[self.pos..];
        self.pos = self.buf.len();
        out
    }

    /// Fails unless every byte was read.
    pub fn finish(self) -> Result<(), DecodeError> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(self.error("unexpected trailing bytes"))
        }
    }
}

/// A value with a canonical encoding.
pub trait Encode {
    /// Appends the encoding to `out`.
    fn encode_to(&self, out: &mut Vec<u8>);

    /// The encoding.
    fn encode(&self) -> Vec<u8> {
        // Room for the common small values (integers, addresses, a few of them in a tuple), so
        // encoding them does not grow the vector step by step.
        let mut out = Vec::with_capacity(64);
        self.encode_to(&mut out);
        out
    }
}

/// A value decodable from untrusted bytes.
pub trait Decode: Sized {
    /// Reads one value from `r`, leaving what follows it.
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError>;

    /// Decodes all of `bytes`.
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let v = Self::decode_from(&mut r)?;
        r.finish()?;
        Ok(v)
    }
}

macro_rules! int {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encode_to(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_be_bytes());
            }
        }
        impl Decode for $t {
            fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok(<$t>::from_be_bytes(r.array()?))
            }
        }
    )*};
}
int!(u8, u16, u32, u64, u128, i64);

impl Encode for bool {
    fn encode_to(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
}

impl Decode for bool {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match u8::decode_from(r)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(r.error("a bool must be 0 or 1")),
        }
    }
}

impl Encode for () {
    fn encode_to(&self, _out: &mut Vec<u8>) {}
}

impl Decode for () {
    fn decode_from(_r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(())
    }
}

impl Encode for Address {
    fn encode_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }
}

impl Decode for Address {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Address(r.array()?))
    }
}

impl<const N: usize> Encode for [u8; N] {
    fn encode_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }
}

impl<const N: usize> Decode for [u8; N] {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.array()
    }
}

fn length(r: &mut Reader<'_>) -> Result<usize, DecodeError> {
    let n = u32::decode_from(r)? as usize;
    // Every item takes at least one byte, so a count beyond the input is a lie.
    if n > r.buf.len() - r.pos {
        return Err(r.error("length exceeds the input"));
    }
    Ok(n)
}

impl Encode for str {
    fn encode_to(&self, out: &mut Vec<u8>) {
        (self.len() as u32).encode_to(out);
        out.extend_from_slice(self.as_bytes());
    }
}

impl Encode for String {
    fn encode_to(&self, out: &mut Vec<u8>) {
        self.as_str().encode_to(out);
    }
}

impl Decode for String {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = length(r)?;
        let bytes = r.take(n)?;
        core::str::from_utf8(bytes)
            .map(String::from)
            .map_err(|_| r.error("a string must be UTF-8"))
    }
}

/// Lists (and so `Vec<u8>`, which is exactly the protocol's byte string) are a `u32` count and
/// the items.
impl<T: Encode> Encode for Vec<T> {
    fn encode_to(&self, out: &mut Vec<u8>) {
        (self.len() as u32).encode_to(out);
        for item in self {
            item.encode_to(out);
        }
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = length(r)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(T::decode_from(r)?);
        }
        Ok(v)
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode_to(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.encode_to(out);
            }
        }
    }
}

impl<T: Decode> Decode for Option<T> {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match u8::decode_from(r)? {
            0 => Ok(None),
            1 => Ok(Some(T::decode_from(r)?)),
            _ => Err(r.error("an option tag must be 0 or 1")),
        }
    }
}

impl<T: Encode + ?Sized> Encode for &T {
    fn encode_to(&self, out: &mut Vec<u8>) {
        (**self).encode_to(out);
    }
}

macro_rules! tuple {
    ($($n:ident),+) => {
        impl<$($n: Encode),+> Encode for ($($n,)+) {
            #[allow(non_snake_case)]
            fn encode_to(&self, out: &mut Vec<u8>) {
                let ($($n,)+) = self;
                $($n.encode_to(out);)+
            }
        }
        impl<$($n: Decode),+> Decode for ($($n,)+) {
            fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok(($($n::decode_from(r)?,)+))
            }
        }
    };
}
tuple!(A);
tuple!(A, B);
tuple!(A, B, C);
tuple!(A, B, C, D);
tuple!(A, B, C, D, E);
tuple!(A, B, C, D, E, F);
tuple!(A, B, C, D, E, F, G);
tuple!(A, B, C, D, E, F, G, H);

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::{string::ToString, vec};

    #[test]
    fn matches_the_protocol_rules() {
        assert_eq!(258u16.encode(), vec![1, 2]);
        assert_eq!("ab".encode(), vec![0, 0, 0, 2, b'a', b'b']);
        assert_eq!(vec![7u8, 8].encode(), vec![0, 0, 0, 2, 7, 8]);
        assert_eq!(Some(1u8).encode(), vec![1, 1]);
        assert_eq!(None::<u8>.encode(), vec![0]);
        let t = (Address([3; 20]), 5u128, "x".to_string());
        assert_eq!(<(Address, u128, String)>::decode(&t.encode()), Ok(t));
    }

    #[test]
    fn rejects_lies_and_leftovers() {
        assert!(Vec::<u8>::decode(&[0, 0, 0, 9, 1]).is_err());
        assert!(u32::decode(&[0, 0, 0, 1, 0]).is_err());
        assert!(bool::decode(&[2]).is_err());
        assert!(String::decode(&[0, 0, 0, 1, 0xff]).is_err());
    }
}
