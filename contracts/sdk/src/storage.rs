//! Contract storage: raw bytes, and typed [`Item`]s and [`Map`]s on top.
//!
//! A contract's keys live in the chain state under `0x05 || contract address || key`, so any
//! stored value can be proven to a client holding only a block header. An `Item` stores its
//! value under its own key; a `Map` stores each entry under `prefix || encode(entry key)`.

use crate::{
    codec::{Decode, Encode, Reader},
    sys,
};
use alloc::{vec, vec::Vec};
use core::marker::PhantomData;

/// The raw value under `key`.
pub fn get(key: &[u8]) -> Option<Vec<u8>> {
    let len = sys::storage_read(key.as_ptr() as i32, key.len() as i32);
    if len < 0 {
        return None;
    }
    let mut buf = vec![0u8; len as usize];
    sys::read_register(buf.as_mut_ptr() as i32);
    Some(buf)
}

/// Stores `value` under `key` in this contract's storage.
pub fn set(key: &[u8], value: &[u8]) {
    sys::storage_write(
        key.as_ptr() as i32,
        key.len() as i32,
        value.as_ptr() as i32,
        value.len() as i32,
    );
}

/// Deletes `key` from this contract's storage.
pub fn remove(key: &[u8]) {
    sys::storage_remove(key.as_ptr() as i32, key.len() as i32);
}

/// The first key starting with `prefix` after `after` (or the first at all), with its value.
pub fn next(prefix: &[u8], after: Option<&[u8]>) -> Option<(Vec<u8>, Vec<u8>)> {
    let (ap, al) = match after {
        Some(a) => (a.as_ptr() as i32, a.len() as i32),
        None => (0, -1),
    };
    let len = sys::storage_next(prefix.as_ptr() as i32, prefix.len() as i32, ap, al);
    if len < 0 {
        return None;
    }
    let mut buf = vec![0u8; len as usize];
    sys::read_register(buf.as_mut_ptr() as i32);
    let key_len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    let value = buf.split_off(4 + key_len);
    Some((buf.split_off(4), value))
}

fn decode_or_revert<T: Decode>(bytes: &[u8]) -> T {
    T::decode(bytes).unwrap_or_else(|_| crate::env::revert("corrupt contract storage"))
}

/// One typed value under a fixed key.
pub struct Item<T> {
    key: &'static [u8],
    _t: PhantomData<T>,
}

impl<T: Encode + Decode> Item<T> {
    /// The item stored under `key`.
    pub const fn new(key: &'static [u8]) -> Self {
        Item {
            key,
            _t: PhantomData,
        }
    }

    /// Its value, if set (a stored value that does not decode reverts).
    pub fn get(&self) -> Option<T> {
        get(self.key).map(|b| decode_or_revert(&b))
    }

    /// Stores `value`.
    pub fn set(&self, value: &T) {
        set(self.key, &value.encode());
    }

    /// Deletes it.
    pub fn remove(&self) {
        remove(self.key);
    }
}

/// Typed entries under a key prefix.
pub struct Map<K, V> {
    prefix: &'static [u8],
    _kv: PhantomData<(K, V)>,
}

impl<K: Encode + Decode, V: Encode + Decode> Map<K, V> {
    /// The map whose entries live under `prefix`.
    pub const fn new(prefix: &'static [u8]) -> Self {
        Map {
            prefix,
            _kv: PhantomData,
        }
    }

    /// The storage key of `key`'s entry: `prefix || encode(key)`.
    pub fn storage_key(&self, key: &K) -> Vec<u8> {
        let mut k = Vec::with_capacity(self.prefix.len() + 64);
        k.extend_from_slice(self.prefix);
        key.encode_to(&mut k);
        k
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &K) -> Option<V> {
        get(&self.storage_key(key)).map(|b| decode_or_revert(&b))
    }

    /// Whether `key` is set.
    pub fn contains(&self, key: &K) -> bool {
        get(&self.storage_key(key)).is_some()
    }

    /// Stores `value` under `key`.
    pub fn set(&self, key: &K, value: &V) {
        set(&self.storage_key(key), &value.encode());
    }

    /// Deletes `key`.
    pub fn remove(&self, key: &K) {
        remove(&self.storage_key(key));
    }

    /// Entries in key-byte order, starting after `after` if given.
    pub fn iter_from(&self, after: Option<&K>) -> MapIter<'_, K, V> {
        MapIter {
            map: self,
            cursor: after.map(|k| self.storage_key(k)),
            done: false,
        }
    }

    /// Entries in key-byte order from `key` on, `key` itself included if present.
    pub fn iter_at<'m>(&'m self, key: &K) -> impl Iterator<Item = (K, V)> + 'm
    where
        K: Clone,
    {
        let first = self.get(key).map(|v| (key.clone(), v));
        first.into_iter().chain(self.iter_from(Some(key)))
    }

    /// All entries, in key-byte order.
    pub fn iter(&self) -> MapIter<'_, K, V> {
        self.iter_from(None)
    }
}

/// Iterates a [`Map`]; each step is one metered storage read.
pub struct MapIter<'m, K, V> {
    map: &'m Map<K, V>,
    cursor: Option<Vec<u8>>,
    done: bool,
}

impl<K: Encode + Decode, V: Encode + Decode> Iterator for MapIter<'_, K, V> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        if self.done {
            return None;
        }
        let Some((key, value)) = next(self.map.prefix, self.cursor.as_deref()) else {
            self.done = true;
            return None;
        };
        let mut r = Reader::new(&key[self.map.prefix.len()..]);
        let k = K::decode_from(&mut r)
            .ok()
            .filter(|_| r.finish().is_ok())
            .unwrap_or_else(|| crate::env::revert("corrupt map key"));
        let v = decode_or_revert(&value);
        self.cursor = Some(key);
        Some((k, v))
    }
}
