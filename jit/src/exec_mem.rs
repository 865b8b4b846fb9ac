//! Executable memory, never writable and executable at once: map read-write, copy the code in,
//! flip to read-execute, unmap on drop. With the helper trampoline's entry, this is where the
//! crate's `unsafe` lives.

use std::io;
use std::ptr::NonNull;

/// A read-execute mapping holding one compiled program.
pub(crate) struct ExecMem {
    ptr: NonNull<u8>,
    /// Mapped length (whole pages).
    len: usize,
    /// Code length (the rest of the mapping is `int3`).
    code_len: usize,
}

// SAFETY: the mapping is immutable (read-execute) after construction and owned by this value.
unsafe impl Send for ExecMem {}
// SAFETY: as above: shared references only read or execute the mapping.
unsafe impl Sync for ExecMem {}

/// The signature of a compiled program's entry: `r1`, `r2`, environment block; returns r0.
pub(crate) type EntryFn = unsafe extern "sysv64" fn(u64, u64, *mut u8) -> u64;

impl ExecMem {
    /// Map `code` read-execute. The tail of the last page is filled with `int3` (0xCC).
    pub(crate) fn new(code: &[u8]) -> io::Result<ExecMem> {
        // SAFETY: sysconf has no memory-safety preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        let page = if page > 0 { page as usize } else { 4096 };
        let len = code.len().max(1).div_ceil(page) * page;
        // SAFETY: anonymous private mapping with no address hint; the result is checked.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = NonNull::new(p as *mut u8).ok_or_else(|| io::Error::other("mmap gave null"))?;
        let mem = ExecMem {
            ptr,
            len,
            code_len: code.len(),
        };
        // SAFETY: the mapping is `len >= code.len()` bytes, read-write, and owned by `mem`.
        unsafe {
            std::ptr::copy_nonoverlapping(code.as_ptr(), ptr.as_ptr(), code.len());
            std::ptr::write_bytes(ptr.as_ptr().add(code.len()), 0xCC, len - code.len());
        }
        // SAFETY: flips our own mapping from RW to RX; on failure `mem` is dropped (unmapped).
        let rc = unsafe { libc::mprotect(p, len, libc::PROT_READ | libc::PROT_EXEC) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(mem)
    }

    /// The code bytes (readable: the mapping is read-execute).
    pub(crate) fn code(&self) -> &[u8] {
        // SAFETY: the mapping is readable, at least `code_len` long and lives as long as `self`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.code_len) }
    }

    /// Address of the first byte.
    pub(crate) fn base(&self) -> u64 {
        self.ptr.as_ptr() as u64
    }

    /// Call the code at `entry` (an offset into the mapping) with `r1`, `r2` and the
    /// environment block `env`.
    ///
    /// # Safety
    /// `entry` must be the offset of a function the JIT emitted with the entry ABI, and `env`
    /// must point to a live `JitEnv` that the code and the trampoline may use for the whole
    /// call. The code itself is only as memory-safe as the program is: verified programs
    /// touch only memory the verifier proved; unverified ones only what their inputs give.
    pub(crate) unsafe fn call(&self, entry: usize, r1: u64, r2: u64, env: *mut u8) -> u64 {
        let f: EntryFn = std::mem::transmute::<*const u8, EntryFn>(self.ptr.as_ptr().add(entry));
        f(r1, r2, env)
    }
}

impl Drop for ExecMem {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly the mapping this value owns; nothing refers to it after.
        unsafe {
            libc::munmap(self.ptr.as_ptr() as *mut libc::c_void, self.len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_is_read_exec_not_write() {
        // mov eax, 42 ; ret
        let m = ExecMem::new(&[0xb8, 42, 0, 0, 0, 0xc3]).expect("mmap");
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
        let start = format!("{:x}-", m.base());
        if let Some(line) = maps.lines().find(|l| l.starts_with(&start)) {
            assert!(line.contains(" r-x"), "{line}");
        }
        assert_eq!(m.code().len(), 6);
        // SAFETY: the code above returns 42 and ignores its arguments.
        let r = unsafe { m.call(0, 0, 0, std::ptr::null_mut()) };
        assert_eq!(r, 42);
    }
}
