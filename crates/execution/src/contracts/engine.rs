//! The WASM engine: configured from the chain parameters, validating modules at deployment and
//! keeping compiled modules for later calls.

use super::{
    host::{self, HostState},
    reasons,
    reuse::{self, Plan},
    shape,
};
use citychain_crypto::Hash;
use citychain_types::{WasmParams, transaction::MAX_METHOD_LEN};
use parking_lot::Mutex;
use std::{collections::HashMap, sync::Arc};
use wasmi::{CompilationMode, Config, Engine, ExternType, Linker, Module, Store, ValType};

/// The module a contract imports host functions from.
pub const HOST_MODULE: &str = "citychain";
/// The entry point run once at deployment, if the contract exports it.
pub const INIT_METHOD: &str = "init";
/// Compiled modules kept per engine; the cache is emptied when full.
const MODULE_CACHE_ENTRIES: usize = 256;

/// An engine for one set of contract parameters, with its host functions and compiled modules.
pub struct Vm {
    pub(crate) params: WasmParams,
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<HostState>,
    modules: Mutex<HashMap<Hash, Loaded>>,
}

/// Why a deployed contract's code cannot run.
pub(crate) enum LoadError {
    Invalid(String),
    /// Its first run costs more gas than the call has (it was not compiled).
    OutOfGas,
}

/// A compiled module with what running it is priced by (all of it a function of the code).
#[derive(Clone)]
pub(crate) struct Loaded {
    /// Compiled for calls: with its mutable globals exported if `reuse` says so.
    pub module: Module,
    /// Bytes of its code.
    pub code_len: u64,
    pub counts: shape::Counts,
    /// How a used instance is reset for the next call, if it can be.
    pub reuse: Option<Arc<Plan>>,
}

impl Loaded {
    fn new(module: Module, code: &[u8], counts: shape::Counts, reuse: Option<Arc<Plan>>) -> Self {
        Loaded {
            module,
            code_len: code.len() as u64,
            counts,
            reuse,
        }
    }

    /// Gas of one instantiation: the base price, its data bytes, its functions, exports,
    /// globals and table elements, and its initial memory.
    pub fn instantiate_gas(&self, p: &WasmParams) -> u64 {
        instantiate_gas(p, &self.counts)
    }

    /// Gas of the first run of this code in a block: what compiling it costs a node that does
    /// not hold it compiled (every node pays it, so the price does not depend on caches).
    pub fn load_gas(&self, p: &WasmParams) -> u64 {
        load_gas(p, self.code_len, &self.counts)
    }
}

/// Both prices of a first run: loading and instantiating.
fn first_run_gas(p: &WasmParams, code_len: u64, c: &shape::Counts) -> u64 {
    instantiate_gas(p, c).saturating_add(load_gas(p, code_len, c))
}

fn instantiate_gas(p: &WasmParams, c: &shape::Counts) -> u64 {
    let items = c.functions + c.exports + c.globals + c.elements;
    p.instantiate_gas
        .0
        .saturating_add(p.instantiate_byte_gas.0.saturating_mul(c.data_bytes))
        .saturating_add(p.instantiate_item_gas.0.saturating_mul(items))
        .saturating_add(p.memory_page_gas.0.saturating_mul(c.memory_pages))
}

fn load_gas(p: &WasmParams, code_len: u64, c: &shape::Counts) -> u64 {
    p.load_byte_gas
        .0
        .saturating_mul(code_len)
        .saturating_add(p.load_function_gas.0.saturating_mul(c.functions))
}

static CURRENT: Mutex<Option<Arc<Vm>>> = Mutex::new(None);

impl Vm {
    /// The engine for `params`, shared by every executor of the process while they stay the same.
    pub fn for_params(params: &WasmParams) -> Arc<Vm> {
        let mut current = CURRENT.lock();
        if let Some(vm) = current.as_ref()
            && vm.params == *params
        {
            return vm.clone();
        }
        let vm = Arc::new(Vm::new(params.clone()));
        *current = Some(vm.clone());
        vm
    }

    fn new(params: WasmParams) -> Vm {
        let mut config = Config::default();
        config
            .consume_fuel(true)
            .floats(false)
            // SIMD and memory64 are compiled out (their features are off).
            .wasm_multi_memory(false)
            .wasm_custom_page_sizes(false)
            .wasm_wide_arithmetic(false)
            .allow_start_fn(false)
            .ignore_custom_sections(true)
            // Translation happens at deployment, not during metered execution, so no call pays
            // (or fails to pay) for compiling code another node had cached.
            .compilation_mode(CompilationMode::Eager)
            .set_max_recursion_depth(params.max_recursion_depth as usize)
            .operator_cost(operator_costs(&params))
            .fuel_cost(wasmi::CustomFuelCosts {
                bytes_copied_per_fuel: params.bytes_per_gas,
                fuel_per_bytes_translated: 0,
                fuel_per_bytes_validated: 0,
            });
        let engine = Engine::new(&config);
        let linker = host::linker(&engine);
        Vm {
            params,
            engine,
            linker,
            modules: Mutex::new(HashMap::new()),
        }
    }

    /// Checks that `code` is a contract this chain can run, and compiles it.
    ///
    /// The rules: at most `max_code_bytes`; valid WASM without floats, SIMD, threads, 64-bit or
    /// multiple memories and without a start function; imports only functions of the host API
    /// with their exact types; exports its memory as `memory`, at most `max_memory_pages` of it
    /// initially; every exported function takes and returns nothing (it is an entry point).
    pub fn validate(&self, code: &[u8]) -> Result<Module, String> {
        if code.len() > self.params.max_code_bytes as usize {
            return Err(format!(
                "the module is {} bytes; the limit is {}",
                code.len(),
                self.params.max_code_bytes
            ));
        }
        shape::check(code)?;
        let module = Module::new(&self.engine, code).map_err(|e| reasons::invalid_module(&e))?;
        super::metadata::read(code).map_err(|e| {
            format!(
                "its metadata (custom section {}) is malformed: {e}",
                citychain_types::metadata::SECTION
            )
        })?;
        for import in module.imports() {
            let ExternType::Func(ty) = import.ty() else {
                return Err(format!(
                    "imports {}::{}, which is not a function; only host functions may be imported",
                    import.module(),
                    import.name()
                ));
            };
            if import.module() != HOST_MODULE {
                return Err(format!(
                    "imports {}::{} from outside the host API (module \"{HOST_MODULE}\")",
                    import.module(),
                    import.name()
                ));
            }
            match host::signature(import.name()) {
                None => {
                    return Err(format!(
                        "imports {HOST_MODULE}::{}, which the host API does not have",
                        import.name()
                    ));
                }
                Some((params, results)) if ty.params() != params || ty.results() != results => {
                    return Err(format!(
                        "imports {HOST_MODULE}::{} with type {}, but the host function is {}",
                        import.name(),
                        reasons::function_type(ty.params(), ty.results()),
                        reasons::function_type(params, results),
                    ));
                }
                Some(_) => {}
            }
        }
        let mut has_memory = false;
        for export in module.exports() {
            match export.ty() {
                ExternType::Memory(mem) if export.name() == "memory" => {
                    has_memory = true;
                    if mem.minimum() > u64::from(self.params.max_memory_pages) {
                        return Err(format!(
                            "the memory starts at {} pages; the limit is {}",
                            mem.minimum(),
                            self.params.max_memory_pages
                        ));
                    }
                }
                ExternType::Func(ty) => {
                    if !ty.params().is_empty() || !ty.results().is_empty() {
                        return Err(format!(
                            "exported function {} has type {}; entry points take and return \
                             nothing (arguments and results go through the host API)",
                            export.name(),
                            reasons::function_type(ty.params(), ty.results()),
                        ));
                    }
                    if export.name().len() > MAX_METHOD_LEN {
                        return Err(format!(
                            "entry point name {:?} is longer than {MAX_METHOD_LEN} bytes",
                            export.name()
                        ));
                    }
                }
                _ => {}
            }
        }
        if !has_memory {
            return Err("the module does not export its memory as \"memory\"".into());
        }
        // Instantiating proves the data and element segments fit; no code runs (no start).
        let mut store = Store::new(&self.engine, HostState::detached(self.params.clone()));
        store.limiter(|s| &mut s.limits);
        self.linker
            .instantiate_and_start(&mut store, &module)
            .map_err(|e| reasons::cannot_instantiate(&e))?;
        Ok(module)
    }

    /// The compiled module of `code_hash`, compiling `code()` if it is not cached.
    ///
    /// Deployed code passed [`Vm::validate`] when it was deployed and is not checked again: the
    /// rules may have changed since, and whether a node has a module cached must never change
    /// what a call does (nor what it costs: calls pay for loading by code size either way).
    /// With `budget`, code whose first run in a block would cost more gas than that is not
    /// compiled: the call is out of gas before any work is done for it.
    pub(crate) fn module<E>(
        &self,
        code_hash: &Hash,
        budget: Option<u64>,
        code: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<Result<Loaded, LoadError>, E> {
        if let Some(m) = self.modules.lock().get(code_hash) {
            return Ok(Ok(m.clone()));
        }
        let bytes = code()?;
        let counts = shape::count(&bytes);
        if budget.is_some_and(|b| first_run_gas(&self.params, bytes.len() as u64, &counts) > b) {
            return Ok(Err(LoadError::OutOfGas));
        }
        let loaded = match self.for_calls(&bytes, || Module::new(&self.engine, &bytes)) {
            Ok((module, reuse)) => Loaded::new(module, &bytes, counts, reuse),
            Err(e) => {
                return Ok(Err(LoadError::Invalid(format!(
                    "the stored code does not compile: {}",
                    reasons::invalid_module(&e)
                ))));
            }
        };
        self.remember(*code_hash, loaded.clone());
        Ok(Ok(loaded))
    }

    /// Drops every compiled module, as a restart would (benchmarks of the uncached path).
    pub fn forget_compiled(&self) {
        self.modules.lock().clear();
    }

    /// Remembers a compiled module.
    pub(crate) fn remember(&self, code_hash: Hash, loaded: Loaded) {
        let mut modules = self.modules.lock();
        if modules.len() >= MODULE_CACHE_ENTRIES {
            modules.clear();
        }
        modules.insert(code_hash, loaded);
    }

    /// The module calls of `code` run in, and how its used instances are reset if they can
    /// be: `code` compiled with its mutable globals exported when reuse needs them, else
    /// `compiled()` (`code` as it is).
    fn for_calls<E>(
        &self,
        code: &[u8],
        compiled: impl FnOnce() -> Result<Module, E>,
    ) -> Result<(Module, Option<Arc<Plan>>), E> {
        match reuse::prepare(code) {
            Some((plan, Some(rewritten))) => match Module::new(&self.engine, &rewritten) {
                Ok(module) => Ok((module, Some(plan))),
                Err(_) => Ok((compiled()?, None)),
            },
            Some((plan, None)) => Ok((compiled()?, Some(plan))),
            None => Ok((compiled()?, None)),
        }
    }

    /// Remembers a module just validated at deployment (compiled again with its globals
    /// exported if its instances are to be reused).
    pub(crate) fn remember_validated(
        &self,
        code_hash: Hash,
        module: Module,
        code: &[u8],
    ) -> Loaded {
        let Ok((module, reuse)) =
            self.for_calls(code, || Ok::<_, std::convert::Infallible>(module));
        let loaded = Loaded::new(module, code, shape::count(code), reuse);
        self.remember(code_hash, loaded.clone());
        loaded
    }
}

/// The entry points (exported functions) of a validated module, sorted.
pub fn entry_points(module: &Module) -> Vec<String> {
    let mut names: Vec<String> = module
        .exports()
        .filter(|e| matches!(e.ty(), ExternType::Func(_)))
        .map(|e| e.name().to_string())
        .collect();
    names.sort();
    names
}

fn operator_costs(params: &WasmParams) -> wasmi::OperatorCost {
    let mut c = wasmi::OperatorCost::default();
    let base = params.instruction_gas;
    let mem = params.memory_access_gas;
    macro_rules! set {
        ($value:expr => $($op:ident),* $(,)?) => { $( c.$op = $value; )* };
    }
    // Everything that is not free by default costs the instruction price...
    set!(base =>
        if_, br, br_if, br_table, call, call_indirect, select, local_get, local_set, local_tee,
        global_get, global_set, memory_size, memory_grow, i32_const, i64_const,
        i32_eqz, i32_eq, i32_ne, i32_lt_s, i32_lt_u, i32_gt_s, i32_gt_u, i32_le_s, i32_le_u,
        i32_ge_s, i32_ge_u, i64_eqz, i64_eq, i64_ne, i64_lt_s, i64_lt_u, i64_gt_s, i64_gt_u,
        i64_le_s, i64_le_u, i64_ge_s, i64_ge_u, i32_clz, i32_ctz, i32_popcnt, i32_add, i32_sub,
        i32_mul, i32_div_s, i32_div_u, i32_rem_s, i32_rem_u, i32_and, i32_or, i32_xor, i32_shl,
        i32_shr_s, i32_shr_u, i32_rotl, i32_rotr, i64_clz, i64_ctz, i64_popcnt, i64_add, i64_sub,
        i64_mul, i64_div_s, i64_div_u, i64_rem_s, i64_rem_u, i64_and, i64_or, i64_xor, i64_shl,
        i64_shr_s, i64_shr_u, i64_rotl, i64_rotr, i32_wrap_i64, i64_extend_i32_s,
        i64_extend_i32_u,
    );
    // ...memory accesses their own...
    set!(mem =>
        i32_load, i64_load, i32_load8_s, i32_load8_u, i32_load16_s, i32_load16_u, i64_load8_s,
        i64_load8_u, i64_load16_s, i64_load16_u, i64_load32_s, i64_load32_u, i32_store, i64_store,
        i32_store8, i32_store16, i64_store8, i64_store16, i64_store32,
    );
    // ...and calls theirs. Branches back to a loop's head also pay for the engine's
    // per-block bookkeeping (measured: an empty loop cost 7x a transfer's time per gas when
    // a branch cost one), and bulk memory operations have a price of their own besides their
    // per-byte price (set by `bytes_per_gas`).
    set!(params.call_instruction_gas => call);
    // An indirect call checks the table entry and its signature too (measured at 3.5x a
    // transfer's time per gas at the direct call's price).
    c.call_indirect = params.call_instruction_gas.saturating_mul(2);
    let branch = base.saturating_mul(4);
    set!(branch => br, br_if, br_table, loop_);
    set!(params.call_instruction_gas =>
        memory_fill, memory_copy, memory_init, data_drop, table_fill, table_copy, table_init,
        elem_drop, table_grow, memory_grow,
    );
    c
}

/// The value types of a host function, for import checks.
pub(crate) type Signature = (&'static [ValType], &'static [ValType]);
