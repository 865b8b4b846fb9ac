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

    /// The map of the object called `name`; libbpf names a global data map
    /// `<object prefix>.rodata`, which `.rodata` also finds.
    fn find_map(&self, name: &str, step: &'static str) -> Result<*mut sys::bpf_map, SysError> {
        let fail = |errno| SysError { step, errno };
        let mut map = std::ptr::null_mut();
        loop {
            // SAFETY: `self.obj` is live; `map` is null or one of its maps.
            map = unsafe { sys::bpf_object__next_map(self.obj, map) };
            if map.is_null() {
                return Err(fail(std::io::Error::from_raw_os_error(libc::ENOENT)));
            }
            // SAFETY: `map` belongs to the live object; libbpf returns a NUL-terminated name
            // owned by the map.
            let found = unsafe {
                let p = sys::bpf_map__name(map);
                !p.is_null() && {
                    let n = std::ffi::CStr::from_ptr(p).to_string_lossy();
                    n == name || (name.starts_with('.') && n.ends_with(name))
                }
            };
            if found {
                return Ok(map);
            }
        }
    }

    /// Every key of the map called `name`, in the kernel's iteration order.
    pub(crate) fn map_keys(&self, name: &str) -> Result<Vec<Vec<u8>>, SysError> {
        let map = self.find_map(name, "map keys")?;
        // SAFETY: `map` belongs to the live object.
        let key_size = unsafe { sys::bpf_map__key_size(map) } as usize;
        let mut keys: Vec<Vec<u8>> = Vec::new();
        loop {
            let mut next = vec![0u8; key_size.max(1)];
            let cur = keys
                .last()
                .map_or(std::ptr::null(), |k| k.as_ptr() as *const c_void);
            // SAFETY: `cur` is null (first key) or a key of `key_size` bytes; `next` has room for
            // one key; both outlive the call.
            let rc = unsafe {
                sys::bpf_map__get_next_key(
                    map,
                    cur,
                    next.as_mut_ptr() as *mut c_void,
                    key_size as _,
                )
            };
            if rc < 0 {
                if -rc == libc::ENOENT {
                    return Ok(keys);
                }
                return Err(SysError {
                    step: "map keys",
                    errno: std::io::Error::from_raw_os_error(-rc),
                });
            }
            next.truncate(key_size);
            keys.push(next);
            if keys.len() > 1 << 24 {
                return Ok(keys);
            }
        }
    }

    /// The value under `key` in the map called `name` (`None`: absent). Per-CPU maps give
    /// every possible CPU's value, each padded to 8 bytes, one after the other.
    pub(crate) fn map_lookup(&self, name: &str, key: &[u8]) -> Result<Option<Vec<u8>>, SysError> {
        let map = self.find_map(name, "map lookup")?;
        // SAFETY: `map` belongs to the live object.
        let (value_size, map_type) = unsafe {
            (
                sys::bpf_map__value_size(map) as usize,
                sys::bpf_map__type(map),
            )
        };
        let percpu = matches!(map_type, 5 | 6 | 10);
        let size = if percpu {
            // SAFETY: no preconditions.
            let cpus = unsafe { sys::libbpf_num_possible_cpus() }.max(1) as usize;
            value_size.div_ceil(8) * 8 * cpus
        } else {
            value_size
        };
        let mut value = vec![0u8; size.max(1)];
        // SAFETY: `key` and `value` are valid for the sizes given and outlive the call.
        let rc = unsafe {
            sys::bpf_map__lookup_elem(
                map,
                key.as_ptr() as *const c_void,
                key.len() as _,
                value.as_mut_ptr() as *mut c_void,
                size as _,
                0,
            )
        };
        if rc < 0 {
            if -rc == libc::ENOENT {
                return Ok(None);
            }
            return Err(SysError {
                step: "map lookup",
                errno: std::io::Error::from_raw_os_error(-rc),
            });
        }
        value.truncate(size);
        Ok(Some(value))
    }

    /// `bpf_map__delete_elem` on the map called `name`.
    pub(crate) fn map_delete(&self, name: &str, key: &[u8]) -> Result<(), SysError> {
        let map = self.find_map(name, "map delete")?;
        // SAFETY: `key` is valid for its length during the call.
        let rc = unsafe {
            sys::bpf_map__delete_elem(map, key.as_ptr() as *const c_void, key.len() as _, 0)
        };
        if rc < 0 && -rc != libc::ENOENT {
            return Err(SysError {
                step: "map delete",
                errno: std::io::Error::from_raw_os_error(-rc),
            });
        }
        Ok(())
    }

    /// `BPF_MAP_UPDATE_BATCH` of `count` keys and values laid out back to back, into the map
    /// called `name` (one system call for a whole array).
    pub(crate) fn map_update_batch(
        &self,
        name: &str,
        keys: &[u8],
        values: &[u8],
        count: u32,
    ) -> Result<(), SysError> {
        let map = self.find_map(name, "map update")?;
        // SAFETY: `map` belongs to the live, loaded object.
        let fd = unsafe { sys::bpf_map__fd(map) };
        // SAFETY: all-zero batch options mean "none"; `sz` names the fields.
        let mut opts: sys::bpf_map_batch_opts = unsafe { std::mem::zeroed() };
        opts.sz = std::mem::size_of::<sys::bpf_map_batch_opts>() as _;
        let mut n = count;
        // SAFETY: the caller lays out `count` keys and values of the map's sizes in `keys` and
        // `values` (the kernel copies exactly that many); both outlive the call.
        let rc = unsafe {
            sys::bpf_map_update_batch(
                fd,
                keys.as_ptr() as *const c_void,
                values.as_ptr() as *const c_void,
                &mut n,
                &opts,
            )
        };
        if rc < 0 {
            return Err(SysError {
                step: "map update",
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
        let map = self.find_map(name, "map update")?;
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
