//! Counting global allocator: the source of INFO `used_memory` and of the
//! maxmemory check, as Redis's zmalloc counter is.
//!
//! It wraps the system allocator and charges each allocation what glibc malloc
//! really reserves for it (chunk header and 16-byte rounding, 32-byte minimum;
//! page-rounded mmaps for large blocks), so that `used_memory` follows RSS growth
//! instead of undercounting small objects.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The process-wide allocator (installed in `main.rs`).
pub struct CountingAlloc;

static USED: AtomicUsize = AtomicUsize::new(0);

/// Bytes currently allocated through the global allocator, with malloc's overhead.
pub fn used_memory() -> usize {
    USED.load(Ordering::Relaxed)
}

/// What glibc malloc takes from the heap for a request of `size` bytes.
#[inline]
pub fn charged_size(size: usize) -> usize {
    const MMAP_THRESHOLD: usize = 128 * 1024;
    if size >= MMAP_THRESHOLD {
        (size + 16 + 4095) & !4095
    } else {
        ((size + 8 + 15) & !15).max(32)
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees hold; the only addition is an atomic
// counter update, which neither allocates nor touches the returned memory.
// Needed because no safe hook sees every allocation, and used_memory must.
unsafe impl GlobalAlloc for CountingAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            USED.fetch_add(charged_size(layout.size()), Ordering::Relaxed);
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            USED.fetch_add(charged_size(layout.size()), Ordering::Relaxed);
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        USED.fetch_sub(charged_size(layout.size()), Ordering::Relaxed);
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            USED.fetch_add(charged_size(new_size), Ordering::Relaxed);
            USED.fetch_sub(charged_size(layout.size()), Ordering::Relaxed);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::charged_size;

    #[test]
    fn small_sizes_round_like_glibc() {
        assert_eq!(charged_size(1), 32);
        assert_eq!(charged_size(24), 32);
        assert_eq!(charged_size(25), 48);
        assert_eq!(charged_size(100), 112);
        assert_eq!(charged_size(120), 128);
    }
}
