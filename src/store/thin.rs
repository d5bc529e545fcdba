//! `ThinBytes`: an owned byte string behind one 8-byte pointer.
//!
//! `Box<[u8]>` is a 16-byte fat pointer. Keyspace entries are table slots, so
//! their size multiplies by every bucket of every segment: with `Box<[u8]>`
//! slots, 1M keys of 100 bytes took 194.8 B of RSS per key against Redis's
//! 191.6 (`--memory 1000000 --datasize 100` with the earlier
//! harness, 2026-11-25; `make bench-memory` measures the same today). A thin
//! pointer halves the slot and keeps the length in the allocation itself
//! (4 bytes), which is why this type exists and why it needs `unsafe`.
//!
//! Layout of the allocation: `[len: u32 little endian][len bytes]`, align 1.

use std::alloc::{alloc_zeroed, dealloc, handle_alloc_error, Layout};
use std::ptr::NonNull;

const LEN_BYTES: usize = 4;

/// An owned, immutable-length byte string stored behind a thin pointer.
pub struct ThinBytes {
    /// Points to an allocation of `LEN_BYTES + len` bytes made with
    /// `layout_for(len)`, whose first 4 bytes hold `len`. Uniquely owned.
    ptr: NonNull<u8>,
}

// SAFETY: ThinBytes uniquely owns its allocation, like Box<[u8]>; shared
// references only hand out `&[u8]`, so moving it or sharing `&ThinBytes`
// across threads is as safe as for Box<[u8]>.
unsafe impl Send for ThinBytes {}
// SAFETY: see `Send`: `&ThinBytes` allows only reads of immutable bytes.
unsafe impl Sync for ThinBytes {}

fn layout_for(len: usize) -> Layout {
    // Size is at least LEN_BYTES (never zero) and align 1 is always valid;
    // the only failure is a size over isize::MAX, which `len <= u32::MAX` rules out.
    Layout::from_size_align(LEN_BYTES + len, 1).expect("ThinBytes layout")
}

impl ThinBytes {
    /// `len` zero bytes, to be filled through `as_mut_slice`.
    pub fn zeroed(len: usize) -> ThinBytes {
        let len32 = u32::try_from(len).expect("ThinBytes longer than 4 GiB");
        let layout = layout_for(len);
        // SAFETY: `layout` has a non-zero size (at least LEN_BYTES).
        let raw = unsafe { alloc_zeroed(layout) };
        let Some(ptr) = NonNull::new(raw) else {
            handle_alloc_error(layout)
        };
        // SAFETY: the allocation is at least LEN_BYTES long and align-1 writes
        // of bytes are always aligned.
        unsafe {
            std::ptr::copy_nonoverlapping(len32.to_le_bytes().as_ptr(), ptr.as_ptr(), LEN_BYTES);
        }
        ThinBytes { ptr }
    }

    /// A copy of `data`.
    pub fn from_slice(data: &[u8]) -> ThinBytes {
        let mut t = ThinBytes::zeroed(data.len());
        t.as_mut_slice().copy_from_slice(data);
        t
    }

    /// Number of bytes.
    #[inline]
    pub fn len(&self) -> usize {
        let mut len = [0u8; LEN_BYTES];
        // SAFETY: the first LEN_BYTES bytes of the allocation are initialised
        // (written by `zeroed`) and the allocation lives as long as `self`.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr.as_ptr(), len.as_mut_ptr(), LEN_BYTES) };
        u32::from_le_bytes(len) as usize
    }

    /// The bytes.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: `len` bytes follow the length prefix inside the allocation,
        // all initialised (zeroed at allocation), and `&self` keeps them alive
        // and unaliased by any `&mut`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().add(LEN_BYTES), self.len()) }
    }

    /// The bytes, writable (the length cannot change).
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        let len = self.len();
        // SAFETY: as in `as_slice`; `&mut self` guarantees exclusive access.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr().add(LEN_BYTES), len) }
    }
}

impl Drop for ThinBytes {
    fn drop(&mut self) {
        let layout = layout_for(self.len());
        // SAFETY: `ptr` was allocated by `alloc_zeroed` with exactly this layout
        // (the stored length never changes) and is freed only here, once.
        unsafe { dealloc(self.ptr.as_ptr(), layout) };
    }
}

impl Clone for ThinBytes {
    fn clone(&self) -> ThinBytes {
        ThinBytes::from_slice(self.as_slice())
    }
}

impl std::fmt::Debug for ThinBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ThinBytes({:?})",
            String::from_utf8_lossy(self.as_slice())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_clone_and_mutate() {
        for len in [0usize, 1, 3, 127, 128, 100_000] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let t = ThinBytes::from_slice(&data);
            assert_eq!(t.len(), len);
            assert_eq!(t.as_slice(), &data[..]);
            let mut c = t.clone();
            drop(t);
            if len > 0 {
                c.as_mut_slice()[0] = 0xff;
                assert_eq!(c.as_slice()[0], 0xff);
            }
            assert_eq!(c.len(), len);
        }
        assert_eq!(std::mem::size_of::<ThinBytes>(), 8);
        assert_eq!(std::mem::size_of::<Option<ThinBytes>>(), 8);
    }
}
