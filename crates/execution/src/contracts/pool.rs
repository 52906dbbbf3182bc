//! Instances kept between the calls of one block.
//!
//! Instantiating a contract (resolving its imports, building its functions, exports and
//! globals, zeroing and filling its memory) cost more than running a token transfer. A block
//! keeps one WASM store, the [`Runtime`], for all its transactions; an instance a call used goes
//! back to the store's pool reset to the condition instantiation left it in (see [`super::reuse`]),
//! and the next call of the same code runs in it. What a call does and what it costs are the
//! same either way: gas prices instantiation whether or not it happens, and the memory and table
//! limits count a reused instance as a fresh one.

use super::{
    engine::{Loaded, Vm},
    host::HostState,
    reuse::Plan,
};
use citychain_crypto::Hash;
use std::{collections::HashMap, sync::Arc};
use wasmi::{AsContextMut, Error, Global, Instance, Memory, Store, StoreContextMut, Val};

/// Instances after which a runtime is dropped at the end of a transaction, bounding the memory
/// a block's store holds (a store frees its instances only when it is dropped).
const MAX_INSTANCES: usize = 32;

/// A block's WASM store, carried by the block's overlay between transactions.
pub struct Runtime {
    store: Box<Store<HostState>>,
}

impl Runtime {
    pub(crate) fn new(vm: &Arc<Vm>) -> Runtime {
        let mut store = Store::new(&vm.engine, HostState::idle(vm.clone()));
        store.limiter(|s| &mut s.limits);
        Runtime {
            store: Box::new(store),
        }
    }

    /// Whether this runtime's store belongs to `vm`'s engine.
    pub(crate) fn runs(&self, vm: &Arc<Vm>) -> bool {
        self.store
            .data()
            .vm
            .as_ref()
            .is_some_and(|own| Arc::ptr_eq(own, vm))
    }

    pub(crate) fn store(&mut self) -> &mut Store<HostState> {
        &mut self.store
    }

    /// Whether the runtime is worth keeping for the next transaction: not if it holds
    /// instances that will never run again (made for code that is not reused, or grown), which
    /// only dropping the store frees, nor if it holds many.
    pub(crate) fn keep(&self) -> bool {
        let pool = &self.store.data().pool;
        let ready: usize = pool.ready.values().map(Vec::len).sum();
        pool.created == ready && pool.created < MAX_INSTANCES
    }
}

/// Reset instances ready for calls, by code hash.
#[derive(Default)]
pub(crate) struct Pool {
    ready: HashMap<Hash, Vec<Ready>>,
    /// Memory right after instantiation, by code hash.
    images: HashMap<Hash, Arc<Image>>,
    /// Instances this store has made.
    created: usize,
}

/// An instance that can be reset, with what resetting it needs.
struct Ready {
    instance: Instance,
    memory: Memory,
    image: Arc<Image>,
    globals: Vec<(Global, Val)>,
    table_elements: u64,
}

impl Ready {
    /// Captures `instance` right after instantiation.
    fn capture(
        store: &mut StoreContextMut<'_, HostState>,
        code: Hash,
        instance: Instance,
        plan: &Plan,
    ) -> Option<Ready> {
        let memory = instance.get_memory(&*store, "memory")?;
        let mut globals = Vec::with_capacity(plan.globals.len());
        for name in &plan.globals {
            let global = instance.get_global(&*store, name)?;
            globals.push((global, global.get(&*store)));
        }
        let image = match store.data().pool.images.get(&code) {
            Some(image) => image.clone(),
            None => {
                let image = Arc::new(Image::capture(memory.data(&*store)));
                store.data_mut().pool.images.insert(code, image.clone());
                image
            }
        };
        Some(Ready {
            instance,
            memory,
            image,
            globals,
            table_elements: plan.table_elements,
        })
    }

    /// Puts the instance back as instantiation left it; false if it cannot be (its memory grew).
    fn reset(&self, store: &mut StoreContextMut<'_, HostState>) -> bool {
        let data = self.memory.data_mut(&mut *store);
        if data.len() != self.image.len {
            return false;
        }
        self.image.restore(data);
        self.globals
            .iter()
            .all(|(global, value)| global.set(&mut *store, value.clone()).is_ok())
    }
}

/// A memory as instantiation left it: its size and its stretches of nonzero bytes (mostly
/// data segments; the rest of a contract's memory starts zeroed).
struct Image {
    len: usize,
    stretches: Vec<(usize, Vec<u8>)>,
}

/// Bytes of memory looked at as one piece when capturing an image: a stretch is a run of
/// pieces that are not all zero.
const PIECE: usize = 64;

impl Image {
    fn capture(memory: &[u8]) -> Image {
        let mut stretches = Vec::new();
        let mut open = None;
        for (i, piece) in memory.chunks(PIECE).enumerate() {
            // An OR over the piece without an early exit, so that it compiles to vector loads
            // (a byte-by-byte search took 100 µs for 4 pages).
            let nonzero = piece.iter().fold(0u8, |acc, b| acc | b) != 0;
            let at = i * PIECE;
            match (nonzero, open) {
                (true, None) => open = Some(at),
                (false, Some(start)) => {
                    stretches.push((start, memory[start..at].to_vec()));
                    open = None;
                }
                _ => {}
            }
        }
        if let Some(start) = open {
            stretches.push((start, memory[start..].to_vec()));
        }
        Image {
            len: memory.len(),
            stretches,
        }
    }

    /// Makes `memory` (of the image's length) equal to the image.
    fn restore(&self, memory: &mut [u8]) {
        memory.fill(0);
        for (at, bytes) in &self.stretches {
            memory[*at..*at + bytes.len()].copy_from_slice(bytes);
        }
    }
}

/// An instance lent to one call; give it back with [`give_back`].
pub(crate) struct Lease {
    pub instance: Instance,
    /// Its exported memory.
    pub memory: Option<Memory>,
    code: Hash,
    ready: Option<Ready>,
}

/// An instance of `loaded` (code `code`) for one call: a reset one from the pool if there is
/// one and the transaction's limits admit it as they would a fresh one, else a new one.
pub(crate) fn lend(
    mut store: StoreContextMut<'_, HostState>,
    vm: &Vm,
    code: Hash,
    loaded: &Loaded,
) -> Result<Lease, Error> {
    let state = store.data_mut();
    if let Some(ready) = state.pool.ready.get_mut(&code).and_then(Vec::pop) {
        if state.limits.admit(ready.image.len, ready.table_elements) {
            return Ok(Lease {
                instance: ready.instance,
                memory: Some(ready.memory),
                code,
                ready: Some(ready),
            });
        }
        // Over a limit: instantiating fails the way it would have without the pool.
        state.pool.ready.entry(code).or_default().push(ready);
    }
    let instance = vm
        .linker
        .instantiate_and_start(&mut store, &loaded.module)?;
    store.data_mut().pool.created += 1;
    let ready = loaded
        .reuse
        .as_ref()
        .and_then(|plan| Ready::capture(&mut store, code, instance, plan));
    let memory = match &ready {
        Some(ready) => Some(ready.memory),
        None => instance.get_memory(&store, "memory"),
    };
    Ok(Lease {
        instance,
        memory,
        code,
        ready,
    })
}

/// Returns a lent instance to the pool, reset, if it can be reset.
pub(crate) fn give_back(mut ctx: impl AsContextMut<Data = HostState>, lease: Lease) {
    let Some(ready) = lease.ready else {
        return;
    };
    let mut store = ctx.as_context_mut();
    if ready.reset(&mut store) {
        store
            .data_mut()
            .pool
            .ready
            .entry(lease.code)
            .or_default()
            .push(ready);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_restores_exactly_what_it_captured() {
        let mut memory = vec![0u8; 4096];
        memory[0] = 1;
        memory[10..20].fill(7);
        memory[PIECE + 20] = 3; // the next piece: the same stretch
        memory[1000] = 9;
        memory[4095] = 5;
        let image = Image::capture(&memory);
        assert_eq!(image.stretches.len(), 3);
        let mut used = vec![0xAAu8; 4096];
        image.restore(&mut used);
        assert_eq!(used, memory);
        let empty = Image::capture(&[0u8; 100]);
        assert!(empty.stretches.is_empty());
    }
}
