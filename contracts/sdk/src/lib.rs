//! The citychain contract SDK: write a contract as ordinary Rust functions.
//!
//! ```ignore
//! #![cfg_attr(target_arch = "wasm32", no_std)]
//! extern crate alloc;
//! use citychain_sdk::{Address, Error, Map, contract, env, require};
//!
//! const BALANCES: Map<Address, u128> = Map::new(b"b");
//!
//! contract! {
//!     fn init(supply: u128) {
//!         BALANCES.set(&env::caller(), &supply);
//!     }
//!     fn transfer(to: Address, amount: u128) -> Result<(), Error> {
//!         let from = env::caller();
//!         let have = BALANCES.get(&from).unwrap_or(0);
//!         require!(have >= amount, "balance {} is below {}", have, amount);
//!         BALANCES.set(&from, &(have - amount));
//!         BALANCES.set(&to, &(BALANCES.get(&to).unwrap_or(0) + amount));
//!         Ok(())
//!     }
//! }
//! ```
//!
//! Each function in `contract!` becomes an exported entry point of the same name. Its arguments
//! are decoded from the call's input (the concatenated canonical encodings, in order; a
//! malformed input reverts with a reason), and its result becomes the call's output: `()`
//! returns nothing, any [`Encode`] value returns its encoding, and `Err(e)` reverts with `e`'s
//! message, undoing the call. `init` runs once, at deployment.

#![warn(missing_docs, unreachable_pub)]
#![cfg_attr(target_arch = "wasm32", no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod assets;
pub mod codec;
pub mod env;
#[doc(hidden)]
pub mod metadata;
pub mod storage;
#[doc(hidden)]
pub mod sys;

#[cfg(target_arch = "wasm32")]
mod runtime;

pub use codec::{Decode, DecodeError, Encode, Reader};
pub use storage::{Item, Map};

use alloc::string::String;
use core::fmt;

/// An account or contract address (20 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Address(pub [u8; 20]);

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// A contract error: its message becomes the receipt's revert reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Error {
    fn from(s: &str) -> Self {
        Error(s.into())
    }
}

impl From<String> for Error {
    fn from(s: String) -> Self {
        Error(s)
    }
}

/// Returns `Err(Error(format!(...)))` from the entry point unless `cond` holds. The format
/// string is recorded in the contract's metadata as one of its revert reasons.
#[macro_export]
macro_rules! require {
    ($cond:expr, $fmt:literal $(, $arg:expr)* $(,)?) => {
        if !$cond {
            $crate::__metadata_record!($crate::metadata::REVERT, [$fmt]);
            return Err($crate::Error(::alloc::format!($fmt $(, $arg)*)));
        }
    };
}

/// Returns `Err(Error(format!(...)))`, recording the format string as a revert reason.
#[macro_export]
macro_rules! fail {
    ($fmt:literal $(, $arg:expr)* $(,)?) => {{
        $crate::__metadata_record!($crate::metadata::REVERT, [$fmt]);
        return Err($crate::Error(::alloc::format!($fmt $(, $arg)*)))
    }};
}

/// Ends the call with `format!(...)` as its revert reason ([`env::revert`]), recording the
/// format string in the metadata.
#[macro_export]
macro_rules! revert {
    ($fmt:literal $(, $arg:expr)* $(,)?) => {{
        $crate::__metadata_record!($crate::metadata::REVERT, [$fmt]);
        $crate::env::revert(&::alloc::format!($fmt $(, $arg)*))
    }};
}

/// Declares a contract's events: each becomes a function in a module `events` that emits it
/// (`events::transfer(from, to, amount)`), its topic the event's name and its data the
/// canonical encoding of its fields in order; each is described in the metadata.
///
/// ```ignore
/// events! {
///     /// Tokens moved.
///     transfer(from: Address, to: Address, amount: u128);
/// }
/// ```
#[macro_export]
macro_rules! events {
    ($(
        $(#[doc = $doc:expr])*
        $name:ident ( $( $field:ident : $ty:ty ),* $(,)? );
    )*) => {
        /// The contract's events: each function emits one.
        pub mod events {
            #[allow(unused_imports)]
            use super::*;
            $(
                $crate::__metadata_record!($crate::metadata::EVENT, [
                    stringify!($name),
                    $crate::__first_doc!($($doc),*),
                    $( stringify!($field), stringify!($ty), )*
                ]);
                $(#[doc = $doc])*
                pub fn $name($( $field: $ty ),*) {
                    $crate::env::emit(stringify!($name), &( $( $field, )* ));
                }
            )*
        }
    };
}

/// What an entry point's result does to the call: its output, or a revert.
pub trait IntoOutput {
    /// Sets the call's output (or reverts with the error's reason).
    fn into_output(self);
}

impl<T: Encode> IntoOutput for T {
    fn into_output(self) {
        let bytes = self.encode();
        if !bytes.is_empty() {
            env::set_output(&bytes);
        }
    }
}

impl<T: Encode, E: fmt::Display> IntoOutput for Result<T, E> {
    fn into_output(self) {
        match self {
            Ok(v) => v.into_output(),
            Err(e) => env::revert(&alloc::format!("{e}")),
        }
    }
}

#[doc(hidden)]
pub fn decode_arg<T: Decode>(r: &mut Reader<'_>, name: &str) -> T {
    T::decode_from(r)
        .unwrap_or_else(|e| env::revert(&alloc::format!("cannot decode argument `{name}`: {e}")))
}

#[doc(hidden)]
pub fn finish_args(r: Reader<'_>) {
    if let Err(e) = r.finish() {
        env::revert(&alloc::format!("bad arguments: {e}"));
    }
}

/// Declares a contract's entry points; see the crate documentation. Each may carry
/// documentation comments (its first line is the method's documentation in the metadata); the
/// contract's name and version are its crate's.
#[macro_export]
macro_rules! contract {
    ($(
        $(#[doc = $doc:expr])*
        fn $name:ident ( $( $arg:ident : $ty:ty ),* $(,)? ) $( -> $ret:ty )? $body:block
    )*) => {
        $crate::__metadata_record!($crate::metadata::CONTRACT, [
            ::core::env!("CARGO_PKG_NAME"),
            ::core::env!("CARGO_PKG_VERSION"),
        ]);
        $(
            $crate::__metadata_record!($crate::metadata::METHOD, [
                stringify!($name),
                $crate::__first_doc!($($doc),*),
                $crate::__returns!($($ret)?),
                $( stringify!($arg), stringify!($ty), )*
            ]);
            $(#[doc = $doc])*
            #[allow(unsafe_code)]
            // Signatures spell their types out in full, so the metadata can describe them; an
            // entry point's arguments are its ABI, however many there are.
            #[allow(clippy::type_complexity, clippy::too_many_arguments)]
            #[unsafe(no_mangle)]
            pub extern "C" fn $name() {
                fn entry( $( $arg : $ty ),* ) $( -> $ret )? $body
                let input = $crate::env::input();
                #[allow(unused_mut)]
                let mut reader = $crate::Reader::new(&input);
                $( let $arg: $ty = $crate::decode_arg(&mut reader, stringify!($arg)); )*
                $crate::finish_args(reader);
                $crate::IntoOutput::into_output(entry( $( $arg ),* ));
            }
        )*
    };
}
