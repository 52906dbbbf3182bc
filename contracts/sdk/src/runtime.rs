//! What every contract needs on wasm32: a memory allocator and a panic handler.

#![allow(unsafe_code)]

use core::{
    alloc::{GlobalAlloc, Layout},
    cell::UnsafeCell,
};

/// A bump allocator: each call runs in a fresh instance, so memory is never worth freeing.
struct Bump {
    /// Next free byte and end of memory; 0 until first use.
    next: UnsafeCell<usize>,
    end: UnsafeCell<usize>,
}

// SAFETY: a contract instance is single-threaded.
unsafe impl Sync for Bump {}

unsafe extern "C" {
    /// Provided by the linker: where the heap starts (after data and stack).
    static __heap_base: u8;
}

const PAGE: usize = 65_536;

// SAFETY: returns null when memory cannot grow; never hands out overlapping blocks.
unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: single-threaded (see above), so these exclusive borrows do not alias.
        let (next, end) = unsafe { (&mut *self.next.get(), &mut *self.end.get()) };
        if *next == 0 {
            *next = core::ptr::addr_of!(__heap_base) as usize;
            *end = core::arch::wasm32::memory_size(0) * PAGE;
        }
        let start = (*next + layout.align() - 1) & !(layout.align() - 1);
        let Some(new_next) = start.checked_add(layout.size()) else {
            return core::ptr::null_mut();
        };
        if new_next > *end {
            let pages = (new_next - *end).div_ceil(PAGE);
            if core::arch::wasm32::memory_grow(0, pages) == usize::MAX {
                return core::ptr::null_mut();
            }
            *end += pages * PAGE;
        }
        *next = new_next;
        start as *mut u8
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOCATOR: Bump = Bump {
    next: UnsafeCell::new(0),
    end: UnsafeCell::new(0),
};

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let msg = alloc::format!("panic: {}", info.message());
    crate::env::revert(&msg)
}
