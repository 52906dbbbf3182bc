//! Any bytes deployed as contract code: the module validator never panics, and a module it
//! accepts lists its entry points without panicking either.
#![no_main]

use citychain_execution::contracts::{Vm, entry_points};
use citychain_types::WasmParams;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let vm = Vm::for_params(&WasmParams::default());
    if let Ok(module) = vm.validate(data) {
        let _ = entry_points(&module);
    }
});
