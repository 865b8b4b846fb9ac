//! The only `unsafe` of the kernel engine: a loaded libbpf object as an owned Rust value.

use libbpf_sys as sys;
use std::ffi::{c_char, c_int, c_void};
use std::sync::Once;

/// libbpf's own messages go nowhere: errors reach the caller as values (errno and the kernel's
/// verifier log).
unsafe extern "C" fn quiet(
    _level: sys::libbpf_print_level,
    _fmt: *const c_char,
    _args: *mut sys::__va_list_tag,
) -> c_int {
    0
}

static QUIET: Once = Once::new();

/// Why a libbpf call failed: which step and the OS error.
pub(crate) struct SysError {
    pub step: &'static str,
    pub errno: std::io::Error,
}

/// An opened (and maybe loaded) `bpf_object`, closed on drop.
pub(crate) struct LoadedObject {
    obj: *mut sys::bpf_object,
    /// The verifier log buffer libbpf writes into; must outlive `obj`.
    log: Vec<u8>,
}

impl LoadedObject {
    /// `bpf_object__open_mem` of an ELF image, with a verifier log buffer of `log_size` bytes at
    /// `log_level` (1 = instructions, 4 = statistics).
    pub(crate) fn open(
        elf: &[u8],
        log_size: usize,
        log_level: u32,
    ) -> Result<LoadedObject, SysError> {
        QUIET.call_once(|| {
            // SAFETY: installs a callback that ignores its arguments; libbpf keeps the pointer.
            unsafe {
                sys::libbpf_set_print(Some(quiet));
            }
        });
        let mut log = vec![0u8; log_size.max(1)];
        // SAFETY: an all-zero `bpf_object_open_opts` is the documented "no options" value; `sz`
        // tells libbpf which fields exist.
        let mut opts: sys::bpf_object_open_opts = unsafe { std::mem::zeroed() };
        opts.sz = std::mem::size_of::<sys::bpf_object_open_opts>() as _;
        opts.object_name = c"bpf_offload".as_ptr();
        opts.kernel_log_buf = log.as_mut_ptr() as *mut c_char;
        opts.kernel_log_size = log.len() as _;
        opts.kernel_log_level = log_level;
        // SAFETY: `elf` is valid for its length during the call (libbpf copies it); `opts`
        // lives across the call; the log buffer is kept alive in the returned value.
        let obj = unsafe {
            sys::bpf_object__open_mem(elf.as_ptr() as *const c_void, elf.len() as _, &opts)
        };
        if obj.is_null() {
            return Err(SysError {
                step: "open",
                errno: std::io::Error::last_os_error(),
            });
        }
        Ok(LoadedObject { obj, log })
    }

    /// Set the program type of every program (libbpf guesses it from the section name).
    pub(crate) fn set_prog_type(&mut self, prog_type: u32) {
        let mut prog = std::ptr::null_mut();
        loop {
            // SAFETY: `self.obj` is a live object; `prog` is null or one of its programs.
            prog = unsafe { sys::bpf_object__next_program(self.obj, prog) };
            if prog.is_null() {
                break;
            }
            // SAFETY: `prog` belongs to the live object and it is not loaded yet.
            unsafe {
                sys::bpf_program__set_type(prog, prog_type);
            }
        }
    }

    /// `bpf_object__load`: create maps, relocate, load programs.
    pub(crate) fn load(&mut self) -> Result<(), SysError> {
        // SAFETY: `self.obj` is a live, opened object.
        let rc = unsafe { sys::bpf_object__load(self.obj) };
        if rc < 0 {
            return Err(SysError {
                step: "load",
                errno: std::io::Error::from_raw_os_error(-rc),
            });
        }
        Ok(())
    }

    /// `bpf_map__update_elem` on the loaded map called `name` (BPF_ANY).
    pub(crate) fn update_map(&self, name: &str, key: &[u8], value: &[u8]) -> Result<(), SysError> {
        let fail = |errno| SysError {
            step: "map update",
            errno,
        };
        let cname = std::ffi::CString::new(name)
            .map_err(|_| fail(std::io::Error::from_raw_os_error(libc::EINVAL)))?;
        // SAFETY: `self.obj` is live; `cname` is a NUL-terminated string valid for the call.
        let map = unsafe { sys::bpf_object__find_map_by_name(self.obj, cname.as_ptr()) };
        if map.is_null() {
            return Err(fail(std::io::Error::from_raw_os_error(libc::ENOENT)));
        }
        // SAFETY: `map` belongs to the live, loaded object; key and value are valid for the
        // lengths given (libbpf checks them against the map's sizes).
        let rc = unsafe {
            sys::bpf_map__update_elem(
                map,
                key.as_ptr() as *const c_void,
                key.len() as _,
                value.as_ptr() as *const c_void,
                value.len() as _,
                0,
            )
        };
        if rc < 0 {
            return Err(fail(std::io::Error::from_raw_os_error(-rc)));
        }
        Ok(())
    }

    /// The verifier log written so far.
    pub(crate) fn log(&self) -> String {
        let end = self
            .log
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.log.len());
        String::from_utf8_lossy(&self.log[..end]).into_owned()
    }

    /// File descriptor of the first program.
    pub(crate) fn first_prog_fd(&self) -> Option<c_int> {
        // SAFETY: `self.obj` is live; a null `prog` asks for the first program.
        let prog = unsafe { sys::bpf_object__next_program(self.obj, std::ptr::null_mut()) };
        if prog.is_null() {
            return None;
        }
        // SAFETY: `prog` belongs to the live object.
        let fd = unsafe { sys::bpf_program__fd(prog) };
        (fd >= 0).then_some(fd)
    }

    /// `BPF_PROG_TEST_RUN` of the first program on `packet`; returns (retval, packet out,
    /// average duration in ns).
    pub(crate) fn test_run(
        &self,
        packet: &[u8],
        repeat: u32,
    ) -> Result<(u32, Vec<u8>, u32), SysError> {
        let fd = self.first_prog_fd().ok_or(SysError {
            step: "find program",
            errno: std::io::Error::from_raw_os_error(libc::ENOENT),
        })?;
        let mut out = vec![0u8; packet.len() + 64 * 1024];
        // SAFETY: all-zero test-run options mean "none"; `sz` names the fields we set.
        let mut opts: sys::bpf_test_run_opts = unsafe { std::mem::zeroed() };
        opts.sz = std::mem::size_of::<sys::bpf_test_run_opts>() as _;
        opts.data_in = packet.as_ptr() as *const c_void;
        opts.data_size_in = packet.len() as u32;
        opts.data_out = out.as_mut_ptr() as *mut c_void;
        opts.data_size_out = out.len() as u32;
        opts.repeat = repeat.max(1) as c_int;
        // SAFETY: `fd` is a loaded program of the live object; the in/out buffers are valid for
        // the sizes given and outlive the call.
        let rc = unsafe { sys::bpf_prog_test_run_opts(fd, &mut opts) };
        if rc < 0 {
            return Err(SysError {
                step: "test run",
                errno: std::io::Error::last_os_error(),
            });
        }
        out.truncate((opts.data_size_out as usize).min(out.len()));
        Ok((opts.retval, out, opts.duration))
    }
}

impl Drop for LoadedObject {
    fn drop(&mut self) {
        // SAFETY: `self.obj` came from `bpf_object__open_mem` and is closed exactly once.
        unsafe { sys::bpf_object__close(self.obj) }
    }
}

/// Whether the process runs as root (effective uid 0).
pub(crate) fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}
