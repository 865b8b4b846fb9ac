//! The helper functions, called through [`Runtime::call_helper`].
//!
//! Pointer arguments are host addresses; each is checked against the live regions of the run
//! (stack, packet, map values, input memory) before it is read or written, so a helper never
//! touches memory the program could not.

use super::env::{ExecEnv, ETH_HLEN, XDP_MAX_META};
use super::maps::{errno, MapError};
use super::mem::{self, RegionKind};
use super::{helper_id as id, Control, PerfRecord, Redirect, Runtime, MAX_TAIL_CALLS};
use crate::program::{MapType, ProgType};
use std::fmt;

/// Why a helper call cannot be carried out (the verifier would have rejected the program).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HelperError {
    /// No helper with this id in the runtime.
    Unknown(i32),
    /// A pointer argument does not point at `len` live bytes.
    BadPointer {
        /// Which argument (1-based, as `r1`..`r5`).
        arg: u8,
        /// The address passed.
        addr: u64,
        /// Bytes the helper needed.
        len: u64,
        /// Whether the helper writes there.
        write: bool,
    },
    /// An argument that must be a map handle is not one.
    BadMap(u64),
    /// The helper is not allowed here (program type, map type).
    NotAllowed(String),
}

impl fmt::Display for HelperError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HelperError::Unknown(n) => write!(f, "unknown helper {n}"),
            HelperError::BadPointer {
                arg,
                addr,
                len,
                write,
            } => write!(
                f,
                "argument r{arg} = {addr:#x} does not point at {len} {} bytes",
                if *write { "writable" } else { "readable" }
            ),
            HelperError::BadMap(v) => write!(f, "{v:#x} is not a map"),
            HelperError::NotAllowed(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for HelperError {}

/// The kernel name of a helper id, for messages (`None` for ids the runtime does not know).
pub fn helper_name(helper: i32) -> Option<&'static str> {
    Some(match helper {
        id::MAP_LOOKUP_ELEM => "bpf_map_lookup_elem",
        id::MAP_UPDATE_ELEM => "bpf_map_update_elem",
        id::MAP_DELETE_ELEM => "bpf_map_delete_elem",
        id::KTIME_GET_NS => "bpf_ktime_get_ns",
        id::TRACE_PRINTK => "bpf_trace_printk",
        id::GET_PRANDOM_U32 => "bpf_get_prandom_u32",
        id::GET_SMP_PROCESSOR_ID => "bpf_get_smp_processor_id",
        id::TAIL_CALL => "bpf_tail_call",
        id::REDIRECT => "bpf_redirect",
        id::PERF_EVENT_OUTPUT => "bpf_perf_event_output",
        id::SKB_LOAD_BYTES => "bpf_skb_load_bytes",
        id::CSUM_DIFF => "bpf_csum_diff",
        id::XDP_ADJUST_HEAD => "bpf_xdp_adjust_head",
        id::REDIRECT_MAP => "bpf_redirect_map",
        id::XDP_ADJUST_META => "bpf_xdp_adjust_meta",
        id::XDP_ADJUST_TAIL => "bpf_xdp_adjust_tail",
        _ => return None,
    })
}

const XDP_ABORTED: u64 = 0;
const XDP_REDIRECT: u64 = 4;
const TC_ACT_SHOT: u64 = 2;
const TC_ACT_REDIRECT: u64 = 7;
const BPF_F_INGRESS: u64 = 1;
const BPF_F_BROADCAST: u64 = 8;
const BPF_F_EXCLUDE_INGRESS: u64 = 16;
const BPF_F_INDEX_MASK: u64 = 0xffff_ffff;
const BPF_F_CURRENT_CPU: u64 = BPF_F_INDEX_MASK;
const BPF_F_CTXLEN_MASK: u64 = 0xf_ffff << 32;

fn neg(e: i32) -> u64 {
    MapError(e).as_return()
}

/// Room for the bytes a helper argument points at, copied out of program memory: inline up to
/// [`ArgBuf::INLINE`] bytes (keys and values of typical maps), on the heap beyond. It lives in
/// the helper's frame and is filled in place by [`Runtime::read_arg`], so the common case
/// neither allocates nor moves the bytes again.
pub(crate) struct ArgBuf {
    inline: [u8; ArgBuf::INLINE],
    heap: Vec<u8>,
}

impl ArgBuf {
    /// Largest argument copied without allocating.
    const INLINE: usize = 64;

    pub(crate) fn new() -> ArgBuf {
        ArgBuf {
            inline: [0; ArgBuf::INLINE],
            heap: Vec::new(),
        }
    }

    /// `len` writable bytes.
    fn room(&mut self, len: usize) -> &mut [u8] {
        if len <= ArgBuf::INLINE {
            &mut self.inline[..len]
        } else {
            self.heap.clear();
            self.heap.resize(len, 0);
            &mut self.heap
        }
    }
}

impl Runtime {
    /// Call helper `helper` with `r1..r5` = `args`. Returns the helper's `r0`, or why the call
    /// is invalid. After the call the engine must act on [`ExecEnv::control`] if it is set.
    pub fn call_helper(
        &mut self,
        helper: i32,
        args: [u64; 5],
        env: &mut ExecEnv,
    ) -> Result<u64, HelperError> {
        match helper {
            id::CONFORMANCE_UNWIND if self.conformance => {
                if args[0] == 0 {
                    env.control = Some(Control::Exit(0));
                }
                Ok(args[0])
            }
            id::MAP_LOOKUP_ELEM => self.map_lookup_helper(args[0], args[1], env),
            id::MAP_UPDATE_ELEM => {
                let m = self.map_arg(args[0])?;
                if self.is_fd_map(m) {
                    return Err(self.not_allowed(m, "bpf_map_update_elem"));
                }
                let (mut kb, mut vb) = (ArgBuf::new(), ArgBuf::new());
                let key = self.read_arg(env, 2, args[1], self.key_size(m), &mut kb)?;
                let vs = self.maps.maps[m].def.value_size as u64;
                let value = self.read_arg(env, 3, args[2], vs, &mut vb)?;
                Ok(match self.maps.update(m, key, value, args[3]) {
                    Ok(()) => 0,
                    Err(e) => e.as_return(),
                })
            }
            id::MAP_DELETE_ELEM => {
                let m = self.map_arg(args[0])?;
                if self.is_fd_map(m) {
                    return Err(self.not_allowed(m, "bpf_map_delete_elem"));
                }
                let mut kb = ArgBuf::new();
                let key = self.read_arg(env, 2, args[1], self.key_size(m), &mut kb)?;
                Ok(match self.maps.delete(m, key) {
                    Ok(()) => 0,
                    Err(e) => e.as_return(),
                })
            }
            id::KTIME_GET_NS => {
                let t = self.ktime_ns;
                self.ktime_ns = self.ktime_ns.wrapping_add(self.ktime_step);
                Ok(t)
            }
            id::TRACE_PRINTK => self.trace_printk(env, args),
            id::GET_PRANDOM_U32 => Ok(self.next_prandom() as u64),
            id::GET_SMP_PROCESSOR_ID => Ok(0),
            id::TAIL_CALL => self.tail_call(env, args),
            id::REDIRECT => {
                let (bad_flags, ok, bad) = match env.prog_type() {
                    ProgType::Xdp => (args[1] != 0, XDP_REDIRECT, XDP_ABORTED),
                    ProgType::SchedCls | ProgType::SchedAct => {
                        (args[1] & !BPF_F_INGRESS != 0, TC_ACT_REDIRECT, TC_ACT_SHOT)
                    }
                    t => {
                        return Err(HelperError::NotAllowed(format!(
                            "bpf_redirect is not available to {t} programs"
                        )))
                    }
                };
                if bad_flags {
                    return Ok(bad);
                }
                self.redirect = Some(Redirect {
                    target: args[0] as u32,
                    flags: args[1],
                    map: None,
                });
                Ok(ok)
            }
            id::REDIRECT_MAP => {
                let m = self.map_arg(args[0])?;
                if env.prog_type() != ProgType::Xdp {
                    return Err(HelperError::NotAllowed(
                        "bpf_redirect_map is only available to XDP programs".into(),
                    ));
                }
                let action_mask = 3u64;
                let flag_mask = if self.maps.maps[m].def.map_type == MapType::DevMap {
                    BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS
                } else {
                    0
                };
                let flags = args[2];
                if flags & !(action_mask | flag_mask) != 0 {
                    return Ok(XDP_ABORTED);
                }
                let key = (args[1] as u32).to_le_bytes();
                let found = match self.maps.maps[m].def.map_type {
                    MapType::DevMap => self.maps.lookup_addr(m, &key).ok().flatten().is_some(),
                    _ => {
                        return Err(self.not_allowed(m, "bpf_redirect_map"));
                    }
                };
                if !found && flags & BPF_F_BROADCAST == 0 {
                    return Ok(flags & action_mask);
                }
                self.redirect = Some(Redirect {
                    target: args[1] as u32,
                    flags,
                    map: Some(m),
                });
                Ok(XDP_REDIRECT)
            }
            id::PERF_EVENT_OUTPUT => self.perf_event_output(env, args),
            id::SKB_LOAD_BYTES => self.skb_load_bytes(env, args),
            id::CSUM_DIFF => self.csum_diff(env, args),
            id::XDP_ADJUST_HEAD | id::XDP_ADJUST_META | id::XDP_ADJUST_TAIL => {
                self.xdp_adjust(helper, env, args)
            }
            other => Err(HelperError::Unknown(other)),
        }
    }

    /// `bpf_map_lookup_elem(map, key)`, exactly as [`Runtime::call_helper`] does it for
    /// helper 1: for engines that call it directly (it never sets [`ExecEnv::control`] and
    /// never moves the packet).
    #[inline]
    pub fn map_lookup_helper(
        &mut self,
        map: u64,
        key: u64,
        env: &ExecEnv,
    ) -> Result<u64, HelperError> {
        let m = self.map_arg(map)?;
        let mut kb = ArgBuf::new();
        let key = self.read_arg(env, 2, key, self.key_size(m), &mut kb)?;
        match self.maps.lookup_addr(m, key) {
            Ok(addr) => Ok(addr.unwrap_or(0)),
            Err(_) => Err(self.not_allowed(m, "bpf_map_lookup_elem")),
        }
    }

    fn map_arg(&self, handle: u64) -> Result<usize, HelperError> {
        self.maps
            .by_handle(handle)
            .ok_or(HelperError::BadMap(handle))
    }

    fn key_size(&self, m: usize) -> u64 {
        self.maps.maps[m].def.key_size as u64
    }

    fn is_fd_map(&self, m: usize) -> bool {
        matches!(
            self.maps.maps[m].def.map_type,
            MapType::ProgArray | MapType::PerfEventArray | MapType::DevMap
        )
    }

    fn not_allowed(&self, m: usize, what: &str) -> HelperError {
        let d = &self.maps.maps[m].def;
        match self.maps.unsupported(m) {
            Some(why) => HelperError::NotAllowed(format!("{what} on map `{}`: {why}", d.name)),
            None => HelperError::NotAllowed(format!(
                "{what} is not allowed on {} map `{}`",
                d.map_type, d.name
            )),
        }
    }

    /// Copy `len` bytes a program pointed at with argument `arg` (never from the context) into
    /// `buf`; the copy is the returned slice.
    pub(crate) fn read_arg<'b>(
        &self,
        env: &ExecEnv,
        arg: u8,
        addr: u64,
        len: u64,
        buf: &'b mut ArgBuf,
    ) -> Result<&'b [u8], HelperError> {
        if len == 0 {
            return Ok(&[]);
        }
        match self.find_region(env, addr, len) {
            Some(r) if r.kind != RegionKind::Ctx => {
                let out = buf.room(len as usize);
                // SAFETY: the whole range lies in a live region backed by a HostBuf.
                unsafe { mem::copy_out(addr, out) };
                Ok(out)
            }
            _ => Err(HelperError::BadPointer {
                arg,
                addr,
                len,
                write: false,
            }),
        }
    }

    fn trace_printk(&mut self, env: &ExecEnv, args: [u64; 5]) -> Result<u64, HelperError> {
        let size = args[1];
        if size == 0 || size > 1 << 16 {
            return Ok(neg(errno::EINVAL));
        }
        let mut fb = ArgBuf::new();
        let fmt = self.read_arg(env, 1, args[0], size, &mut fb)?;
        if fmt.last() != Some(&0) {
            return Ok(neg(errno::EINVAL));
        }
        let end = fmt.iter().position(|&b| b == 0).unwrap_or(fmt.len());
        match self.format_printk(env, &fmt[..end], &args[2..5]) {
            Some(line) => {
                let n = line.len() as u64;
                self.trace.push(String::from_utf8_lossy(&line).into_owned());
                Ok(n)
            }
            None => Ok(neg(errno::EINVAL)),
        }
    }

    /// Format like the kernel's `bpf_bprintf_prepare` + `bstr_printf`: `%[0 +-][width]` then
    /// `d i u x X` with optional `l`/`ll`, `c`, `s`, `p`/`px`/`pK`/`pI4`/`pi4`, `%%`; at most three
    /// arguments. `None` is `-EINVAL`.
    fn format_printk(&self, env: &ExecEnv, fmt: &[u8], args: &[u64]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut next_arg = 0usize;
        let take = |next: &mut usize| -> Option<u64> {
            let v = args.get(*next).copied();
            *next += 1;
            v
        };
        let mut i = 0;
        while i < fmt.len() {
            let c = fmt[i];
            if c != b'%' {
                if !(c.is_ascii_graphic() || c.is_ascii_whitespace()) {
                    return None;
                }
                out.push(c);
                i += 1;
                continue;
            }
            i += 1;
            if fmt.get(i) == Some(&b'%') {
                out.push(b'%');
                i += 1;
                continue;
            }
            let (mut zero, mut left, mut plus, mut space) = (false, false, false, false);
            while let Some(&f) = fmt.get(i) {
                match f {
                    b'0' => zero = true,
                    b'-' => left = true,
                    b'+' => plus = true,
                    b' ' => space = true,
                    _ => break,
                }
                i += 1;
            }
            let mut width = 0usize;
            while let Some(&d) = fmt.get(i).filter(|d| d.is_ascii_digit()) {
                width = width.saturating_mul(10).saturating_add((d - b'0') as usize);
                i += 1;
            }
            let conv = *fmt.get(i)?;
            let body: Vec<u8> = match conv {
                b'p' => {
                    let v = take(&mut next_arg)?;
                    i += 1;
                    match fmt.get(i) {
                        Some(b'x') | Some(b'K') => {
                            i += 1;
                            format!("{v:016x}").into_bytes()
                        }
                        Some(&k @ (b'I' | b'i')) if fmt.get(i + 1) == Some(&b'4') => {
                            i += 2;
                            let mut ib = ArgBuf::new();
                            let ip = self.read_arg(env, 3, v, 4, &mut ib).ok()?;
                            if k == b'I' {
                                format!("{}.{}.{}.{}", ip[0], ip[1], ip[2], ip[3]).into_bytes()
                            } else {
                                format!("{:03}.{:03}.{:03}.{:03}", ip[0], ip[1], ip[2], ip[3])
                                    .into_bytes()
                            }
                        }
                        Some(c) if c.is_ascii_alphanumeric() => return None,
                        _ => format!("{v:016x}").into_bytes(),
                    }
                }
                b's' => {
                    let v = take(&mut next_arg)?;
                    i += 1;
                    self.read_c_string(env, v)
                }
                b'c' => {
                    let v = take(&mut next_arg)?;
                    i += 1;
                    vec![v as u8]
                }
                _ => {
                    let mut long = 0;
                    while fmt.get(i) == Some(&b'l') && long < 2 {
                        long += 1;
                        i += 1;
                    }
                    let conv = *fmt.get(i)?;
                    i += 1;
                    let v = take(&mut next_arg)?;
                    let v = if long == 0 { v as u32 as u64 } else { v };
                    let signed = if long == 0 {
                        v as u32 as i32 as i64
                    } else {
                        v as i64
                    };
                    let s = match conv {
                        b'd' | b'i' => {
                            if signed >= 0 && plus {
                                format!("+{signed}")
                            } else if signed >= 0 && space {
                                format!(" {signed}")
                            } else {
                                signed.to_string()
                            }
                        }
                        b'u' => v.to_string(),
                        b'x' => format!("{v:x}"),
                        b'X' => format!("{v:X}"),
                        _ => return None,
                    };
                    s.into_bytes()
                }
            };
            if next_arg > 3 {
                return None;
            }
            let pad = width.saturating_sub(body.len()).min(1 << 12);
            if left {
                out.extend_from_slice(&body);
                out.extend(std::iter::repeat_n(b' ', pad));
            } else if zero && conv != b's' && conv != b'c' {
                let (sign, digits) = match body.first() {
                    Some(&s @ (b'-' | b'+' | b' ')) => (Some(s), &body[1..]),
                    _ => (None, &body[..]),
                };
                out.extend(sign);
                out.extend(std::iter::repeat_n(b'0', pad));
                out.extend_from_slice(digits);
            } else {
                out.extend(std::iter::repeat_n(b' ', pad));
                out.extend_from_slice(&body);
            }
        }
        Some(out)
    }

    /// A NUL-terminated string at `addr` (at most 1024 bytes); empty when unreadable.
    fn read_c_string(&self, env: &ExecEnv, addr: u64) -> Vec<u8> {
        let mut out = Vec::new();
        while out.len() < 1024 {
            let mut b = ArgBuf::new();
            match self.read_arg(env, 0, addr.wrapping_add(out.len() as u64), 1, &mut b) {
                Ok(b) if b[0] != 0 => out.push(b[0]),
                Ok(_) => return out,
                Err(_) => return Vec::new(),
            }
        }
        out
    }

    fn tail_call(&mut self, env: &mut ExecEnv, args: [u64; 5]) -> Result<u64, HelperError> {
        let m = self.map_arg(args[1])?;
        if self.maps.maps[m].def.map_type != MapType::ProgArray {
            return Err(self.not_allowed(m, "bpf_tail_call"));
        }
        // On any failure the program continues after the call.
        let Some(prog) = self.maps.slot_u32(m, args[2] as u32) else {
            return Ok(0);
        };
        if env.tail_calls >= MAX_TAIL_CALLS {
            return Ok(0);
        }
        let prog = prog as usize;
        if prog >= self.programs.len() {
            return Ok(0);
        }
        env.tail_calls += 1;
        env.control = Some(Control::TailCall { prog, ctx: args[0] });
        Ok(0)
    }

    fn perf_event_output(&mut self, env: &ExecEnv, args: [u64; 5]) -> Result<u64, HelperError> {
        let m = self.map_arg(args[1])?;
        if self.maps.maps[m].def.map_type != MapType::PerfEventArray {
            return Err(self.not_allowed(m, "bpf_perf_event_output"));
        }
        let flags = args[2];
        if flags & !(BPF_F_CTXLEN_MASK | BPF_F_INDEX_MASK) != 0 {
            return Ok(neg(errno::EINVAL));
        }
        let mut db = ArgBuf::new();
        let mut data = self.read_arg(env, 4, args[3], args[4], &mut db)?.to_vec();
        let index = flags & BPF_F_INDEX_MASK;
        let cpu = if index == BPF_F_CURRENT_CPU { 0 } else { index };
        if cpu >= self.maps.maps[m].def.max_entries as u64 {
            return Ok(neg(errno::E2BIG));
        }
        if cpu != 0 {
            // One CPU: only CPU 0 has an event attached.
            return Ok(neg(errno::ENOENT));
        }
        let ctx_len = (flags & BPF_F_CTXLEN_MASK) >> 32;
        if ctx_len > 0 {
            let pkt = env.packet_data().unwrap_or_default();
            if ctx_len as usize > pkt.len() {
                return Ok(neg(errno::EFAULT));
            }
            data.extend_from_slice(&pkt[..ctx_len as usize]);
        }
        self.perf_records.push(PerfRecord {
            map: m,
            cpu: cpu as u32,
            data,
        });
        Ok(0)
    }

    /// `bpf_csum_diff(from, from_size, to, to_size, seed)`: the 32-bit ones'-complement partial
    /// sum of `to` minus `from`, plus `seed` (sizes multiples of 4, at most 512 each).
    /// `bpf_skb_load_bytes(skb, offset, to, len)`: copy packet bytes from `data + offset`; out of
    /// the packet, `to` is zeroed and the result is -EFAULT, as the kernel does.
    fn skb_load_bytes(&mut self, env: &ExecEnv, args: [u64; 5]) -> Result<u64, HelperError> {
        if !matches!(
            env.prog_type(),
            ProgType::SchedCls | ProgType::SchedAct | ProgType::SocketFilter
        ) || env.ctx_addr() != Some(args[0])
        {
            return Err(HelperError::NotAllowed(
                "bpf_skb_load_bytes needs the __sk_buff context as its first argument".into(),
            ));
        }
        let (off, to, len) = (args[1] as u32 as u64, args[2], args[3] as u32 as u64);
        if len == 0 {
            return Err(HelperError::NotAllowed(
                "bpf_skb_load_bytes needs a length above 0".into(),
            ));
        }
        match self.find_region(env, to, len) {
            Some(r) if r.writable && r.kind != RegionKind::Ctx => {}
            _ => {
                return Err(HelperError::BadPointer {
                    arg: 3,
                    addr: to,
                    len,
                    write: true,
                })
            }
        }
        let data = env.packet_data().unwrap_or_default();
        let (bytes, ret) = match data.get(off as usize..(off + len) as usize) {
            Some(b) if off <= i32::MAX as u64 => (b.to_vec(), 0),
            _ => (vec![0u8; len as usize], neg(errno::EFAULT)),
        };
        // SAFETY: `to..to + len` lies in a live, writable region backed by a HostBuf.
        unsafe { mem::copy_in(to, &bytes) };
        Ok(ret)
    }

    fn csum_diff(&mut self, env: &ExecEnv, args: [u64; 5]) -> Result<u64, HelperError> {
        let (from_size, to_size) = (args[1], args[3]);
        if from_size % 4 != 0 || to_size % 4 != 0 || from_size > 512 || to_size > 512 {
            return Ok(neg(errno::EINVAL));
        }
        let (mut fb, mut tb) = (ArgBuf::new(), ArgBuf::new());
        let from = self.read_arg(env, 1, args[0], from_size, &mut fb)?;
        let to = self.read_arg(env, 3, args[2], to_size, &mut tb)?;
        let mut sum = args[4] as u32 as u64;
        for w in from.chunks_exact(4) {
            sum += !u32::from_ne_bytes([w[0], w[1], w[2], w[3]]) as u64;
        }
        for w in to.chunks_exact(4) {
            sum += u32::from_ne_bytes([w[0], w[1], w[2], w[3]]) as u64;
        }
        while sum >> 32 != 0 {
            sum = (sum & 0xffff_ffff) + (sum >> 32);
        }
        Ok(sum)
    }

    fn xdp_adjust(
        &mut self,
        helper: i32,
        env: &mut ExecEnv,
        args: [u64; 5],
    ) -> Result<u64, HelperError> {
        if env.prog_type() != ProgType::Xdp || env.ctx_addr() != Some(args[0]) {
            return Err(HelperError::NotAllowed(format!(
                "{} needs the XDP context as its first argument",
                helper_name(helper).unwrap_or("helper")
            )));
        }
        let delta = args[1] as i32 as i64;
        let Some(p) = env.packet.as_mut() else {
            return Ok(neg(errno::EINVAL));
        };
        let einval = neg(errno::EINVAL);
        let (meta, data, end) = (p.meta as i64, p.data as i64, p.data_end as i64);
        let metalen = data - meta;
        match helper {
            id::XDP_ADJUST_HEAD => {
                let new_data = data + delta;
                if new_data < p.front_limit as i64 + metalen || new_data > end - ETH_HLEN as i64 {
                    return Ok(einval);
                }
                if metalen > 0 {
                    p.buf
                        .copy_within(meta as usize, (meta + delta) as usize, metalen as usize);
                }
                p.meta = (meta + delta) as usize;
                p.data = new_data as usize;
            }
            id::XDP_ADJUST_META => {
                let new_meta = meta + delta;
                if new_meta < p.front_limit as i64 || new_meta > data {
                    return Ok(einval);
                }
                let len = data - new_meta;
                if len & 3 != 0 || len > XDP_MAX_META as i64 {
                    return Ok(neg(errno::EACCES));
                }
                p.meta = new_meta as usize;
            }
            _ => {
                let new_end = end + delta;
                if new_end > p.hard_end as i64 || new_end < data + ETH_HLEN as i64 {
                    return Ok(einval);
                }
                if delta > 0 {
                    p.buf.zero(end as usize, delta as usize);
                }
                p.data_end = new_end as usize;
            }
        }
        p.low_water = p.low_water.min(p.meta);
        env.rebuild_regions();
        Ok(0)
    }
}
