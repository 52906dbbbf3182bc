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

/// Returns `Err(Error(format!(...)))` from the entry point unless `cond` holds.
#[macro_export]
macro_rules! require {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err($crate::Error(::alloc::format!($($msg)+)));
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

/// Declares a contract's entry points; see the crate documentation.
#[macro_export]
macro_rules! contract {
    ($(
        $(#[$meta:meta])*
        fn $name:ident ( $( $arg:ident : $ty:ty ),* $(,)? ) $( -> $ret:ty )? $body:block
    )*) => {$(
        $(#[$meta])*
        #[allow(unsafe_code)]
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
    )*};
}
