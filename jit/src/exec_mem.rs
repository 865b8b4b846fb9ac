//! Executable memory, never writable and executable at once: write into read-write pages, flip
//! them to read-execute, release them when the program is dropped (small programs share pooled
//! chunks, so a compile costs one `mprotect` rather than a fresh mapping and a page fault). With the
//! trampolines, this is where the crate's `unsafe` lives.

use std::io;
use std::ptr::NonNull;
use std::sync::Mutex;

/// Pages per pooled chunk; bigger programs get a mapping of their own.
const CHUNK_PAGES: usize = 64;

/// A chunk of read-write pages handed out front to back; each allocation is flipped to
/// read-execute once written and never made writable again. A chunk is unmapped once all of it
/// has been handed out and every allocation in it freed, so a compile costs one `mprotect`
/// (plus a share of one `mmap`/`munmap` per chunk).
struct Chunk {
    base: usize,
    /// Pages handed out so far.
    next: usize,
    /// Allocations not yet freed.
    live: usize,
}

/// The pool: the chunk being filled is the last one.
static POOL: Mutex<Vec<Chunk>> = Mutex::new(Vec::new());

fn page_size() -> usize {
    // SAFETY: sysconf has no memory-safety preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if page > 0 {
        page as usize
    } else {
        4096
    }
}

fn map_rw(len: usize) -> io::Result<NonNull<u8>> {
    // SAFETY: anonymous private mapping with no address hint; the result is checked.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_POPULATE,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    NonNull::new(p as *mut u8).ok_or_else(|| io::Error::other("mmap gave null"))
}

/// A read-execute mapping holding one compiled program.
pub(crate) struct ExecMem {
    ptr: NonNull<u8>,
    /// Mapped length (whole pages).
    len: usize,
    /// Code length (the rest of the mapping is `int3`).
    code_len: usize,
    /// Base of the pooled chunk it came from; `None` for a mapping of its own.
    chunk: Option<usize>,
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
        let page = page_size();
        let pages = code.len().max(1).div_ceil(page);
        let len = pages * page;
        let (ptr, chunk) = if pages <= CHUNK_PAGES / 4 {
            let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
            let fits = pool.last().is_some_and(|c| c.next + pages <= CHUNK_PAGES);
            if !fits {
                // The chunk being left behind is unmapped now if nothing in it is live.
                if let Some(c) = pool.last().filter(|c| c.live == 0).map(|c| c.base) {
                    pool.pop();
                    // SAFETY: the chunk left the pool and holds no live code.
                    unsafe {
                        libc::munmap(c as *mut libc::c_void, CHUNK_PAGES * page);
                    }
                }
                let base = map_rw(CHUNK_PAGES * page)?.as_ptr() as usize;
                pool.push(Chunk {
                    base,
                    next: 0,
                    live: 0,
                });
            }
            let c = pool
                .last_mut()
                .ok_or_else(|| io::Error::other("empty pool"))?;
            let at = c.base + c.next * page;
            c.next += pages;
            c.live += 1;
            let ptr = NonNull::new(at as *mut u8).ok_or_else(|| io::Error::other("null page"))?;
            (ptr, Some(c.base))
        } else {
            (map_rw(len)?, None)
        };
        let mem = ExecMem {
            ptr,
            len,
            code_len: code.len(),
            chunk,
        };
        // SAFETY: the `len` bytes at `ptr` are read-write pages handed to `mem` alone.
        unsafe {
            std::ptr::copy_nonoverlapping(code.as_ptr(), ptr.as_ptr(), code.len());
            std::ptr::write_bytes(ptr.as_ptr().add(code.len()), 0xCC, len - code.len());
        }
        // SAFETY: flips our own pages from RW to RX; on failure `mem` is dropped (released).
        let rc = unsafe {
            libc::mprotect(
                ptr.as_ptr() as *mut libc::c_void,
                len,
                libc::PROT_READ | libc::PROT_EXEC,
            )
        };
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
        let Some(base) = self.chunk else {
            // SAFETY: unmapping exactly the mapping this value owns; nothing refers to it after.
            unsafe {
                libc::munmap(self.ptr.as_ptr() as *mut libc::c_void, self.len);
            }
            return;
        };
        let page = page_size();
        let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
        let last = pool.len().saturating_sub(1);
        let Some(i) = pool.iter().position(|c| c.base == base) else {
            return;
        };
        pool[i].live -= 1;
        if pool[i].live > 0 {
            return;
        }
        // The chunk being filled keeps its fresh pages for the next compiles (its used pages
        // stay read-execute and are not reused); any other chunk is unmapped once empty.
        if i == last && pool[i].next < CHUNK_PAGES {
            return;
        }
        pool.remove(i);
        // SAFETY: the chunk is no longer in the pool and holds no live code.
        unsafe {
            libc::munmap(base as *mut libc::c_void, CHUNK_PAGES * page);
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
