//! The raw host API. Each function is a safe wrapper: the host checks every pointer and length
//! against the contract's memory and traps on anything outside it.

#![allow(unsafe_code)]

#[cfg(target_arch = "wasm32")]
mod imports {
    #[link(wasm_import_module = "citychain")]
    unsafe extern "C" {
        pub(super) fn input() -> i32;
        pub(super) fn read_register(ptr: i32);
        pub(super) fn register_len() -> i32;
        pub(super) fn set_output(ptr: i32, len: i32);
        pub(super) fn revert(ptr: i32, len: i32);
        pub(super) fn storage_read(key_ptr: i32, key_len: i32) -> i32;
        pub(super) fn storage_write(key_ptr: i32, key_len: i32, value_ptr: i32, value_len: i32);
        pub(super) fn storage_remove(key_ptr: i32, key_len: i32);
        pub(super) fn storage_next(
            prefix_ptr: i32,
            prefix_len: i32,
            after_ptr: i32,
            after_len: i32,
        ) -> i32;
        pub(super) fn caller(ptr: i32);
        pub(super) fn origin(ptr: i32);
        pub(super) fn self_address(ptr: i32);
        pub(super) fn value(ptr: i32);
        pub(super) fn balance(address_ptr: i32, out_ptr: i32);
        pub(super) fn transfer(to_ptr: i32, amount_ptr: i32) -> i32;
        pub(super) fn block_height() -> i64;
        pub(super) fn block_time() -> i64;
        pub(super) fn gas_left() -> i64;
        pub(super) fn emit(topic_ptr: i32, topic_len: i32, data_ptr: i32, data_len: i32);
        pub(super) fn call(
            address_ptr: i32,
            method_ptr: i32,
            method_len: i32,
            args_ptr: i32,
            args_len: i32,
            value_ptr: i32,
            gas: i64,
        ) -> i32;
        pub(super) fn hash(ptr: i32, len: i32, out_ptr: i32);
        pub(super) fn verify(
            key_ptr: i32,
            key_len: i32,
            msg_ptr: i32,
            msg_len: i32,
            sig_ptr: i32,
        ) -> i32;
        pub(super) fn asset_balance(asset_ptr: i32, holder_ptr: i32, out_ptr: i32);
        pub(super) fn asset_transfer(asset_ptr: i32, to_ptr: i32, amount_ptr: i32) -> i32;
        pub(super) fn item_owner(collection_ptr: i32, item: i64, out_ptr: i32) -> i32;
        pub(super) fn item_transfer(collection_ptr: i32, item: i64, to_ptr: i32) -> i32;
        pub(super) fn attached_assets() -> i32;
    }
}

macro_rules! host {
    ($( fn $name:ident ( $( $arg:ident : $t:ty ),* ) $( -> $r:ty )? ; )*) => {$(
        #[cfg(target_arch = "wasm32")]
        pub(super) fn $name( $( $arg: $t ),* ) $( -> $r )? {
            // SAFETY: the host validates every pointer and length it is given.
            unsafe { imports::$name( $( $arg ),* ) }
        }

        /// Outside a contract there is no host: natively built code can only use the codec.
        #[cfg(not(target_arch = "wasm32"))]
        #[allow(unused_variables)]
        pub(super) fn $name( $( $arg: $t ),* ) $( -> $r )? {
            panic!(concat!("citychain::", stringify!($name), " is only available inside a contract"))
        }
    )*};
}

host! {
    fn input() -> i32;
    fn read_register(ptr: i32);
    fn register_len() -> i32;
    fn set_output(ptr: i32, len: i32);
    fn revert(ptr: i32, len: i32);
    fn storage_read(key_ptr: i32, key_len: i32) -> i32;
    fn storage_write(key_ptr: i32, key_len: i32, value_ptr: i32, value_len: i32);
    fn storage_remove(key_ptr: i32, key_len: i32);
    fn storage_next(prefix_ptr: i32, prefix_len: i32, after_ptr: i32, after_len: i32) -> i32;
    fn caller(ptr: i32);
    fn origin(ptr: i32);
    fn self_address(ptr: i32);
    fn value(ptr: i32);
    fn balance(address_ptr: i32, out_ptr: i32);
    fn transfer(to_ptr: i32, amount_ptr: i32) -> i32;
    fn block_height() -> i64;
    fn block_time() -> i64;
    fn gas_left() -> i64;
    fn emit(topic_ptr: i32, topic_len: i32, data_ptr: i32, data_len: i32);
    fn call(
        address_ptr: i32,
        method_ptr: i32,
        method_len: i32,
        args_ptr: i32,
        args_len: i32,
        value_ptr: i32,
        gas: i64
    ) -> i32;
    fn hash(ptr: i32, len: i32, out_ptr: i32);
    fn verify(key_ptr: i32, key_len: i32, msg_ptr: i32, msg_len: i32, sig_ptr: i32) -> i32;
    fn asset_balance(asset_ptr: i32, holder_ptr: i32, out_ptr: i32);
    fn asset_transfer(asset_ptr: i32, to_ptr: i32, amount_ptr: i32) -> i32;
    fn item_owner(collection_ptr: i32, item: i64, out_ptr: i32) -> i32;
    fn item_transfer(collection_ptr: i32, item: i64, to_ptr: i32) -> i32;
    fn attached_assets() -> i32;
}
