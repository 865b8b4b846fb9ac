//! Host memory the runtime hands to programs, and the only `unsafe` code of the runtime.
//!
//! Programs hold real host addresses (as in the kernel, and so that a native JIT can use the same
//! storage). Every buffer a program can reach is a [`HostBuf`]: an 8-byte aligned heap
//! allocation that never moves while it lives. The raw accessors [`load`], [`store`] and
//! [`atomic`] touch memory by address; callers must first prove, with a [`Region`] check, that the
//! whole access lies inside a live `HostBuf`.

use crate::insn::{AtomicOp, MemSize};
use std::ptr::NonNull;

/// What a live memory region is, for error messages and access rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegionKind {
    /// A live stack frame (the current one or a caller's).
    Stack,
    /// Packet data, `[data, data_end)`.
    Packet,
    /// Packet metadata, `[data_meta, data)`.
    PacketMeta,
    /// The program context (`xdp_md`, `__sk_buff`): accessed field by field, never raw.
    Ctx,
    /// A map value.
    MapValue,
    /// The conformance input memory (`-- mem`).
    InputMem,
}

impl std::fmt::Display for RegionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RegionKind::Stack => "stack",
            RegionKind::Packet => "packet",
            RegionKind::PacketMeta => "packet metadata",
            RegionKind::Ctx => "context",
            RegionKind::MapValue => "map value",
            RegionKind::InputMem => "input memory",
        })
    }
}

/// A live range of host addresses `[start, end)` a program may access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Region {
    /// First address.
    pub start: u64,
    /// One past the last address.
    pub end: u64,
    /// What the memory is.
    pub kind: RegionKind,
    /// Whether stores are allowed.
    pub writable: bool,
}

impl Region {
    /// Whether `[addr, addr + len)` lies entirely inside the region.
    #[inline(always)]
    pub fn contains(&self, addr: u64, len: u64) -> bool {
        addr >= self.start && self.end >= len && addr <= self.end - len
    }
}

/// An owned, zero-initialised, 8-byte aligned heap buffer at a fixed host address.
///
/// The buffer is reached only through raw pointers (never through `&`/`&mut` to its contents
/// while a program may hold its address), so handing its address to programs is sound.
/// Writing needs `&mut`, so a buffer shared between threads is only ever read:
///
/// ```compile_fail
/// let buf = ir::runtime::mem::HostBuf::zeroed(8);
/// let shared = &buf;
/// shared.write(0, &[1]); // error: `write` needs `&mut HostBuf`
/// ```
#[derive(Debug)]
pub struct HostBuf {
    ptr: NonNull<u64>,
    words: usize,
    len: usize,
}

// SAFETY: HostBuf exclusively owns its allocation, like a Box<[u64]>.
unsafe impl Send for HostBuf {}
// SAFETY: as for `Box<[u64]>`: through `&self` the contents are only read (`read`, `to_vec`);
// every method that writes (`write`, `copy_within`, `zero`) takes `&mut self`, so shared
// references on several threads never race with a write. Writes through the raw address
// (programs, `store`, `atomic`, `zero_at`, `copy_in`) are `unsafe` and their contract asks for
// exclusive access.
unsafe impl Sync for HostBuf {}

impl HostBuf {
    /// A zeroed buffer of `len` bytes (at least one word is allocated so the address is unique).
    pub fn zeroed(len: usize) -> HostBuf {
        let words = len.div_ceil(8).max(1);
        let boxed: Box<[u64]> = vec![0u64; words].into_boxed_slice();
        let ptr = NonNull::from(Box::leak(boxed)).cast::<u64>();
        HostBuf { ptr, words, len }
    }

    /// A buffer holding a copy of `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> HostBuf {
        let mut b = HostBuf::zeroed(bytes.len());
        b.write(0, bytes);
        b
    }

    /// Host address of the first byte.
    #[inline(always)]
    pub fn addr(&self) -> u64 {
        self.ptr.as_ptr() as u64
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the buffer holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copy `out.len()` bytes starting at `off` into `out`; false when out of range.
    pub fn read(&self, off: usize, out: &mut [u8]) -> bool {
        match off.checked_add(out.len()) {
            Some(end) if end <= self.len => {
                // SAFETY: [off, end) is inside the allocation of `words * 8 >= len` bytes.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        (self.ptr.as_ptr() as *const u8).add(off),
                        out.as_mut_ptr(),
                        out.len(),
                    )
                };
                true
            }
            _ => false,
        }
    }

    /// Copy `data` into the buffer at `off`; false (and nothing written) when out of range.
    pub fn write(&mut self, off: usize, data: &[u8]) -> bool {
        match off.checked_add(data.len()) {
            Some(end) if end <= self.len => {
                // SAFETY: [off, end) is inside the allocation, which `&mut self` holds
                // exclusively; `data` cannot alias it because no reference to the buffer's
                // contents is ever handed out.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        data.as_ptr(),
                        (self.ptr.as_ptr() as *mut u8).add(off),
                        data.len(),
                    )
                };
                true
            }
            _ => false,
        }
    }

    /// Move `len` bytes from `from` to `to` inside the buffer (overlap allowed).
    pub fn copy_within(&mut self, from: usize, to: usize, len: usize) -> bool {
        let ok = |o: usize| o.checked_add(len).is_some_and(|e| e <= self.len);
        if !ok(from) || !ok(to) {
            return false;
        }
        // SAFETY: both ranges checked inside the allocation; `copy` allows overlap.
        unsafe {
            let base = self.ptr.as_ptr() as *mut u8;
            std::ptr::copy(base.add(from), base.add(to), len)
        };
        true
    }

    /// Set `len` bytes at `off` to zero.
    pub fn zero(&mut self, off: usize, len: usize) -> bool {
        match off.checked_add(len) {
            Some(end) if end <= self.len => {
                // SAFETY: [off, end) is inside the allocation.
                unsafe { std::ptr::write_bytes((self.ptr.as_ptr() as *mut u8).add(off), 0, len) };
                true
            }
            _ => false,
        }
    }

    /// The bytes `[off, off + len)` as a vector; `None` when out of range.
    #[allow(clippy::slow_vector_initialization)]
    pub fn to_vec(&self, off: usize, len: usize) -> Option<Vec<u8>> {
        // Not `vec![0; len]`: that is `calloc`, which skips glibc's per-thread cache.
        let mut v = Vec::with_capacity(len);
        v.resize(len, 0u8);
        self.read(off, &mut v).then_some(v)
    }
}

impl Drop for HostBuf {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`words` came from `Box::leak` of a `Box<[u64]>` of exactly `words` words.
        unsafe {
            drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(
                self.ptr.as_ptr(),
                self.words,
            )))
        };
    }
}

/// Read `size` bytes at host address `addr`, zero-extended.
///
/// # Safety
/// `[addr, addr + size)` must lie inside a live [`HostBuf`].
#[inline(always)]
pub unsafe fn load(addr: u64, size: MemSize) -> u64 {
    let p = addr as usize as *const u8;
    match size {
        MemSize::B => p.read() as u64,
        MemSize::H => (p as *const u16).read_unaligned() as u64,
        MemSize::W => (p as *const u32).read_unaligned() as u64,
        MemSize::DW => (p as *const u64).read_unaligned(),
    }
}

/// Write the low `size` bytes of `value` at host address `addr`.
///
/// # Safety
/// `[addr, addr + size)` must lie inside a live [`HostBuf`] that no other thread reads or
/// writes meanwhile (the caller holds the owner of the buffer exclusively, e.g. `&mut Runtime`).
#[inline(always)]
pub unsafe fn store(addr: u64, size: MemSize, value: u64) {
    let p = addr as usize as *mut u8;
    match size {
        MemSize::B => p.write(value as u8),
        MemSize::H => (p as *mut u16).write_unaligned(value as u16),
        MemSize::W => (p as *mut u32).write_unaligned(value as u32),
        MemSize::DW => (p as *mut u64).write_unaligned(value),
    }
}

/// Perform an atomic read-modify-write (single-threaded, so plain loads and stores) of `size`
/// (W or DW) at `addr`. Returns the old value (zero-extended for W). For `CmpXchg`, `expected`
/// is compared with the old value (low 32 bits for W) and `value` stored only when equal.
///
/// # Safety
/// `[addr, addr + size)` must lie inside a live [`HostBuf`] that no other thread reads or
/// writes meanwhile.
#[inline]
pub unsafe fn atomic(addr: u64, size: MemSize, op: AtomicOp, value: u64, expected: u64) -> u64 {
    let old = load(addr, size);
    let mask = if size == MemSize::W {
        0xffff_ffff
    } else {
        u64::MAX
    };
    let new = match op {
        AtomicOp::Add => old.wrapping_add(value),
        AtomicOp::Or => old | value,
        AtomicOp::And => old & value,
        AtomicOp::Xor => old ^ value,
        AtomicOp::Xchg => value,
        AtomicOp::CmpXchg => {
            if old == expected & mask {
                value
            } else {
                old
            }
        }
    };
    store(addr, size, new & mask);
    old
}

/// Zero `len` bytes at host address `addr`.
///
/// # Safety
/// `[addr, addr + len)` must lie inside a live [`HostBuf`] that no other thread reads or
/// writes meanwhile.
pub unsafe fn zero_at(addr: u64, len: usize) {
    std::ptr::write_bytes(addr as usize as *mut u8, 0, len);
}

/// Copy `out.len()` bytes from host address `addr`.
///
/// # Safety
/// `[addr, addr + out.len())` must lie inside a live [`HostBuf`].
pub unsafe fn copy_out(addr: u64, out: &mut [u8]) {
    std::ptr::copy(addr as usize as *const u8, out.as_mut_ptr(), out.len());
}

/// Copy `data` to host address `addr`.
///
/// # Safety
/// `[addr, addr + data.len())` must lie inside a live [`HostBuf`] that no other thread reads
/// or writes meanwhile.
pub unsafe fn copy_in(addr: u64, data: &[u8]) {
    std::ptr::copy(data.as_ptr(), addr as usize as *mut u8, data.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostbuf_bounds() {
        let mut b = HostBuf::zeroed(10);
        assert_eq!(b.addr() % 8, 0);
        assert!(b.write(8, &[1, 2]));
        assert!(!b.write(9, &[1, 2]));
        assert!(!b.write(usize::MAX, &[1]));
        assert_eq!(b.to_vec(7, 3), Some(vec![0, 1, 2]));
        assert_eq!(b.to_vec(8, 3), None);
        assert!(b.copy_within(8, 0, 2));
        assert_eq!(b.to_vec(0, 2), Some(vec![1, 2]));
        let r = Region {
            start: 100,
            end: 110,
            kind: RegionKind::Stack,
            writable: true,
        };
        assert!(r.contains(100, 10));
        assert!(!r.contains(101, 10));
        assert!(!r.contains(99, 1));
        assert!(!r.contains(u64::MAX, 8));
        assert!(!Region { end: 4, ..r }.contains(0, 8));
    }
}
