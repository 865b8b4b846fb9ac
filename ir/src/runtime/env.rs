//! The per-run execution environment: live memory regions, the packet and the program context
//! (`struct xdp_md` / `struct __sk_buff`) as the kernel presents them.
//!
//! An [`ExecEnv`] is what an engine (interpreter, JIT, simulator) hands to
//! [`crate::runtime::Runtime::call_helper`]: helpers check pointer arguments against its regions
//! and the `xdp_adjust_*` helpers move its packet bounds.
//!
//! The context is accessed field by field, as after the kernel's context rewriting: a 32-bit load
//! of `xdp_md.data` yields the full 64-bit host address of the packet data. [`ExecEnv::ctx_load`]
//! and [`ExecEnv::ctx_store`] implement the access rules of the kernel's `*_is_valid_access`.

use super::mem::{HostBuf, Region, RegionKind};
use crate::ctx::{sk_buff, xdp_md, SK_BUFF_SIZE, XDP_MD_SIZE};
use crate::insn::MemSize;
use crate::program::ProgType;
use std::fmt;

/// `XDP_PACKET_HEADROOM`: bytes in front of the packet data in an XDP buffer.
pub const XDP_HEADROOM: usize = 256;
/// `sizeof(struct xdp_frame)` on 64-bit kernels: reserved at the start of the headroom, so
/// `xdp_adjust_head`/`xdp_adjust_meta` can grow the front by at most `256 - 40` bytes.
pub const XDP_FRAME_SIZE: usize = 40;
/// `SKB_DATA_ALIGN(sizeof(struct skb_shared_info))` on x86-64: reserved at the end of the frame,
/// the limit for `xdp_adjust_tail` growth.
pub const SKB_SHARED_INFO_SIZE: usize = 320;
/// Frame size of `BPF_PROG_TEST_RUN` XDP buffers (one page).
pub const XDP_FRAME_BYTES: usize = 4096;
/// `SKF_NET_OFF`: LD_ABS offsets from here up to 0 are relative to the network header.
pub const SKF_NET_OFF: i32 = -0x10_0000;
/// `SKF_LL_OFF`: LD_ABS offsets from here up to `SKF_NET_OFF` are relative to the MAC header.
pub const SKF_LL_OFF: i32 = -0x20_0000;
/// `ETH_HLEN`.
pub const ETH_HLEN: usize = 14;
/// Maximum packet metadata (`xdp_metalen_invalid`: `skb_shared_info.meta_len` is a u8, and the
/// length must be a multiple of 4). Older kernels allowed 32; Linux 6.18 allows up to the
/// headroom (216 bytes), which is smaller than this.
pub const XDP_MAX_META: usize = 252;
/// Values of context fields that do not come from the packet. Defaults are what
/// `BPF_PROG_TEST_RUN` presents (loopback device, ifindex 1, queue 0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CtxConfig {
    /// `xdp_md.ingress_ifindex` (XDP).
    pub xdp_ingress_ifindex: u32,
    /// `xdp_md.rx_queue_index`.
    pub rx_queue_index: u32,
    /// `__sk_buff.ifindex`.
    pub skb_ifindex: u32,
    /// `__sk_buff.ingress_ifindex`.
    pub skb_ingress_ifindex: u32,
    /// `__sk_buff.mark` at entry.
    pub mark: u32,
    /// `__sk_buff.priority` at entry.
    pub priority: u32,
}

impl Default for CtxConfig {
    fn default() -> CtxConfig {
        CtxConfig {
            xdp_ingress_ifindex: 1,
            rx_queue_index: 0,
            skb_ifindex: 1,
            skb_ingress_ifindex: 0,
            mark: 0,
            priority: 0,
        }
    }
}

/// Why a context access is not allowed (the verifier would reject it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CtxAccessError {
    /// Offset into the context.
    pub off: u64,
    /// Access size in bytes.
    pub size: u32,
    /// Whether it was a store.
    pub write: bool,
}

impl fmt::Display for CtxAccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid context {} of {} bytes at offset {}",
            if self.write { "store" } else { "load" },
            self.size,
            self.off
        )
    }
}

/// Why a packet input could not be set up (as `BPF_PROG_TEST_RUN` would refuse it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError(pub String);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A control transfer requested by a helper, which the engine must carry out after the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// `bpf_tail_call` succeeded: continue in runtime program `prog` with `r1 = ctx`.
    TailCall {
        /// Index into the runtime's program table.
        prog: usize,
        /// The context argument, the new program's `r1`.
        ctx: u64,
    },
    /// End the whole program now with this `r0` (the conformance "unwind" helper).
    Exit(u64),
}

/// The packet buffer: headroom, data and tailroom in one fixed allocation.
#[derive(Debug)]
pub(crate) struct Packet {
    pub(crate) buf: HostBuf,
    /// Offsets into `buf`.
    pub(crate) meta: usize,
    pub(crate) data: usize,
    pub(crate) data_end: usize,
    /// Offset of the MAC header (LD_ABS `SKF_LL_OFF`); `data` except for socket filters, whose
    /// data starts at the network header.
    pub(crate) mac: usize,
    /// Offset of the network header (LD_ABS `SKF_NET_OFF`).
    pub(crate) net: usize,
    /// First offset `data_meta` may reach (after the `xdp_frame` reservation).
    pub(crate) front_limit: usize,
    /// Last offset `data_end` may reach.
    pub(crate) hard_end: usize,
    /// The lowest `meta` of the run: nothing below it was ever reachable, so the headroom
    /// under it is still zero when the buffer is reused.
    pub(crate) low_water: usize,
}

/// The context block: its host address range and the visible struct image.
#[derive(Debug)]
struct Ctx {
    buf: HostBuf,
    image: Vec<u8>,
}

const EMPTY_REGION: Region = Region {
    start: 0,
    end: 0,
    kind: RegionKind::InputMem,
    writable: false,
};

/// Everything about one run that is not the program or the runtime's maps.
#[derive(Debug)]
pub struct ExecEnv {
    prog_type: ProgType,
    /// Live stack `[lo, hi)`, maintained by the engine as frames are pushed and popped.
    pub(crate) stack: Region,
    /// Non-stack regions: packet, metadata, ctx, input memory (the first `region_count`).
    regions: [Region; 4],
    region_count: usize,
    ctx: Option<Ctx>,
    pub(crate) packet: Option<Packet>,
    mem: Option<HostBuf>,
    /// Set by a helper; the engine takes it after each call.
    pub control: Option<Control>,
    /// Tail calls taken so far in this run.
    pub tail_calls: u32,
    /// The packet buffer of an earlier run, kept for the next one (never reachable), with the
    /// lowest offset that run could reach (its headroom is zero below that).
    spare_packet: Option<(HostBuf, usize)>,
    /// The context block of an earlier run, kept for the next one (never reachable).
    spare_ctx: Option<Ctx>,
    /// The input memory of an earlier run, kept for the next one (never reachable).
    spare_mem: Option<HostBuf>,
}

impl ExecEnv {
    /// An environment with no input: `r1 = r2 = 0`.
    pub fn empty(prog_type: ProgType) -> ExecEnv {
        ExecEnv {
            prog_type,
            stack: Region {
                start: 0,
                end: 0,
                kind: RegionKind::Stack,
                writable: true,
            },
            regions: [EMPTY_REGION; 4],
            region_count: 0,
            ctx: None,
            packet: None,
            mem: None,
            control: None,
            tail_calls: 0,
            spare_packet: None,
            spare_ctx: None,
            spare_mem: None,
        }
    }

    /// Empty the environment for a new run of a `prog_type` program (as [`ExecEnv::empty`]),
    /// keeping its packet and context buffers for the next [`ExecEnv::reload_packet`].
    pub fn clear(&mut self, prog_type: ProgType) {
        self.prog_type = prog_type;
        self.stack.start = 0;
        self.stack.end = 0;
        self.region_count = 0;
        if let Some(m) = self.mem.take() {
            self.spare_mem = Some(m);
        }
        self.control = None;
        self.tail_calls = 0;
        if let Some(p) = self.packet.take() {
            self.spare_packet = Some((p.buf, p.low_water));
        }
        if let Some(c) = self.ctx.take() {
            self.spare_ctx = Some(c);
        }
    }

    /// [`ExecEnv::with_packet`] on an existing environment: everything of the previous run is
    /// forgotten, its buffers are reused. Returns the initial `r1` (the context address).
    pub fn reload_packet(
        &mut self,
        prog_type: ProgType,
        packet: &[u8],
        cfg: &CtxConfig,
    ) -> Result<u64, InputError> {
        self.clear(prog_type);
        self.load_packet(packet, cfg)
    }

    /// [`ExecEnv::with_mem`] on an existing environment (see [`ExecEnv::reload_packet`]).
    pub fn reload_mem(&mut self, prog_type: ProgType, bytes: &[u8]) -> (u64, u64) {
        self.clear(prog_type);
        self.load_mem(bytes)
    }

    /// The conformance convention: a copy of `bytes` as input memory. Returns the env and the
    /// initial `(r1, r2)`: pointer and length (both 0 when `bytes` is empty).
    pub fn with_mem(prog_type: ProgType, bytes: &[u8]) -> (ExecEnv, u64, u64) {
        let mut env = ExecEnv::empty(prog_type);
        let (addr, len) = env.load_mem(bytes);
        (env, addr, len)
    }

    /// Set up the input memory of an empty environment in place; returns `(r1, r2)`.
    pub(crate) fn load_mem(&mut self, bytes: &[u8]) -> (u64, u64) {
        if bytes.is_empty() {
            return (0, 0);
        }
        let buf = match self.spare_mem.take() {
            Some(mut b) if b.len() == bytes.len() => {
                b.write(0, bytes);
                b
            }
            _ => HostBuf::from_bytes(bytes),
        };
        let (addr, len) = (buf.addr(), bytes.len() as u64);
        self.mem = Some(buf);
        self.rebuild_regions();
        (addr, len)
    }

    /// A packet with the context `prog_type` sees (`xdp_md` for XDP, `__sk_buff` for TC and
    /// socket filters). Returns the env and the initial `r1` (the context address).
    pub fn with_packet(
        prog_type: ProgType,
        packet: &[u8],
        cfg: &CtxConfig,
    ) -> Result<(ExecEnv, u64), InputError> {
        let mut env = ExecEnv::empty(prog_type);
        let ctx = env.load_packet(packet, cfg)?;
        Ok((env, ctx))
    }

    /// [`ExecEnv::with_packet`] in place on an empty environment, reusing the buffers an
    /// earlier run left (see [`ExecEnv::clear`]) when they have the right size. Only the part
    /// of a reused buffer's headroom the last run could reach is cleared: bytes after the
    /// packet never become visible (`xdp_adjust_tail` zeroes what it exposes).
    fn load_packet(&mut self, packet: &[u8], cfg: &CtxConfig) -> Result<u64, InputError> {
        let prog_type = self.prog_type;
        if packet.len() < ETH_HLEN {
            return Err(InputError(format!(
                "packet of {} bytes is shorter than an Ethernet header ({ETH_HLEN})",
                packet.len()
            )));
        }
        let frame = XDP_FRAME_BYTES.max(XDP_HEADROOM + packet.len() + SKB_SHARED_INFO_SIZE);
        let mut buf = match self.spare_packet.take() {
            Some((mut b, reached)) if b.len() == frame => {
                // Lazy zeroing: only headroom the last run could reach (`xdp_adjust_head` and
                // `xdp_adjust_meta` moving the front down) can hold anything but zeroes.
                if reached < XDP_HEADROOM {
                    b.zero(reached, XDP_HEADROOM - reached);
                }
                b
            }
            _ => HostBuf::zeroed(frame),
        };
        buf.write(XDP_HEADROOM, packet);
        // Socket filters see the skb after eth_type_trans pulled the Ethernet header.
        let data = if prog_type == ProgType::SocketFilter {
            XDP_HEADROOM + ETH_HLEN
        } else {
            XDP_HEADROOM
        };
        let pkt = Packet {
            buf,
            meta: data,
            data,
            data_end: XDP_HEADROOM + packet.len(),
            mac: XDP_HEADROOM,
            net: XDP_HEADROOM + ETH_HLEN,
            front_limit: XDP_FRAME_SIZE,
            hard_end: frame - SKB_SHARED_INFO_SIZE,
            low_water: data,
        };
        let size = match prog_type {
            ProgType::Xdp => XDP_MD_SIZE,
            _ => SK_BUFF_SIZE,
        };
        let mut ctx = match self.spare_ctx.take() {
            Some(c) if c.image.len() == size => c,
            _ => Ctx {
                buf: HostBuf::zeroed(size),
                image: vec![0u8; size],
            },
        };
        let img = &mut ctx.image;
        img.fill(0);
        match prog_type {
            ProgType::Xdp => {
                put32(img, xdp_md::INGRESS_IFINDEX, cfg.xdp_ingress_ifindex);
                put32(img, xdp_md::RX_QUEUE_INDEX, cfg.rx_queue_index);
            }
            ProgType::SocketFilter => {
                skb_image(img, packet, cfg);
                put32(img, sk_buff::LEN, (packet.len() - ETH_HLEN) as u32);
            }
            _ => skb_image(img, packet, cfg),
        }
        let addr = ctx.buf.addr();
        self.packet = Some(pkt);
        self.ctx = Some(ctx);
        self.rebuild_regions();
        Ok(addr)
    }

    /// The program type whose context this is.
    pub fn prog_type(&self) -> ProgType {
        self.prog_type
    }

    /// Tell the environment which stack range is live (the engine's current and caller frames).
    pub fn set_stack(&mut self, lo: u64, hi: u64) {
        self.stack.start = lo;
        self.stack.end = hi;
    }

    /// Host address of the context, if there is one.
    pub fn ctx_addr(&self) -> Option<u64> {
        self.ctx.as_ref().map(|c| c.buf.addr())
    }

    /// The live region containing all of `[addr, addr + len)`, stack first.
    #[inline]
    pub fn find(&self, addr: u64, len: u64) -> Option<Region> {
        if self.stack.contains(addr, len) {
            return Some(self.stack);
        }
        self.regions[..self.region_count]
            .iter()
            .copied()
            .find(|r| r.contains(addr, len))
    }

    /// Every live region of the environment: the stack, then packet, metadata, ctx and input.
    pub fn all_regions(&self) -> impl Iterator<Item = Region> + '_ {
        std::iter::once(self.stack).chain(self.regions[..self.region_count].iter().copied())
    }

    /// The packet bytes `[data, data_end)` now, if there is a packet.
    pub fn packet_data(&self) -> Option<Vec<u8>> {
        let p = self.packet.as_ref()?;
        p.buf.to_vec(p.data, p.data_end - p.data)
    }

    /// Packet metadata bytes `[data_meta, data)` now, if there is a packet.
    pub fn packet_meta(&self) -> Option<Vec<u8>> {
        let p = self.packet.as_ref()?;
        p.buf.to_vec(p.meta, p.data - p.meta)
    }

    /// The visible context struct (pointer fields read as 0), e.g. to see `__sk_buff.mark`.
    pub fn ctx_image(&self) -> Option<&[u8]> {
        self.ctx.as_ref().map(|c| c.image.as_slice())
    }

    /// Host addresses `(data_meta, data, data_end)` of the packet.
    pub fn packet_bounds(&self) -> Option<(u64, u64, u64)> {
        let p = self.packet.as_ref()?;
        let b = p.buf.addr();
        Some((b + p.meta as u64, b + p.data as u64, b + p.data_end as u64))
    }

    /// Where LD_ABS/LD_IND read: `(data, len, mac, net)` host addresses of the skb (TC and
    /// socket filters) or of the input memory (conformance); `None` for XDP and no input.
    pub fn legacy_packet(&self) -> Option<(u64, u64, u64, u64)> {
        if let Some(p) = &self.packet {
            if self.prog_type == ProgType::Xdp {
                return None;
            }
            let b = p.buf.addr();
            return Some((
                b + p.data as u64,
                (p.data_end - p.data) as u64,
                b + p.mac as u64,
                b + p.net as u64,
            ));
        }
        let m = self.mem.as_ref()?;
        Some((m.addr(), m.len() as u64, m.addr(), m.addr()))
    }

    /// `LD_ABS`/`LD_IND` (the legacy packet loads) at the final offset `off` (for `LD_IND`,
    /// `src + imm` in 32 bits): `Ok(Some(value))` converted from network order, `Ok(None)` when
    /// out of bounds (the program then ends with r0 = 0, as in the kernel), `Err` where no skb
    /// or input memory is present (XDP). Negative offsets from [`SKF_NET_OFF`] and [`SKF_LL_OFF`]
    /// are relative to the network and link-layer headers. Every engine executes these loads
    /// through this function.
    #[inline(never)]
    pub fn ld_abs(&self, off: i32, size: MemSize) -> Result<Option<u64>, &'static str> {
        let Some((data, len, mac, net)) = self.legacy_packet() else {
            return Err("LD_ABS/LD_IND need an skb (TC, socket filter) or input memory");
        };
        let end = data + len;
        let n = size.bytes() as u64;
        let addr = if off >= 0 {
            data + off as u64
        } else if off >= SKF_NET_OFF {
            net.wrapping_add((off - SKF_NET_OFF) as u64)
        } else if off >= SKF_LL_OFF {
            mac.wrapping_add((off - SKF_LL_OFF) as u64)
        } else {
            return Ok(None);
        };
        let start = mac.min(data);
        if addr < start || addr > end || end - addr < n {
            return Ok(None);
        }
        // SAFETY: [addr, addr + n) lies inside the packet buffer or the input memory, both
        // HostBufs this environment owns.
        let raw = unsafe { super::mem::load(addr, size) };
        Ok(Some(match size {
            MemSize::B => raw,
            MemSize::H => (raw as u16).swap_bytes() as u64,
            MemSize::W => (raw as u32).swap_bytes() as u64,
            MemSize::DW => raw.swap_bytes(),
        }))
    }

    pub(crate) fn rebuild_regions(&mut self) {
        // Written in place, region by region (building an array and copying it over makes
        // the copy wait on the narrow stores that built it).
        let regions = &mut self.regions;
        let mut n = 0;
        if let Some(m) = &self.mem {
            regions[n] = Region {
                start: m.addr(),
                end: m.addr() + m.len() as u64,
                kind: RegionKind::InputMem,
                writable: true,
            };
            n += 1;
        }
        if let Some(p) = &self.packet {
            let b = p.buf.addr();
            regions[n] = Region {
                start: b + p.data as u64,
                end: b + p.data_end as u64,
                kind: RegionKind::Packet,
                writable: self.prog_type != ProgType::SocketFilter,
            };
            n += 1;
            if p.meta < p.data {
                regions[n] = Region {
                    start: b + p.meta as u64,
                    end: b + p.data as u64,
                    kind: RegionKind::PacketMeta,
                    writable: true,
                };
                n += 1;
            }
        }
        if let Some(c) = &self.ctx {
            regions[n] = Region {
                start: c.buf.addr(),
                end: c.buf.addr() + c.image.len() as u64,
                kind: RegionKind::Ctx,
                writable: false,
            };
            n += 1;
        }
        self.region_count = n;
    }

    /// Load `size` bytes at offset `off` of the context, as the kernel's rewritten access would.
    pub fn ctx_load(&self, off: u64, size: MemSize) -> Result<u64, CtxAccessError> {
        let n = size.bytes();
        let err = CtxAccessError {
            off,
            size: n,
            write: false,
        };
        let ctx = self.ctx.as_ref().ok_or(err)?;
        if !off.is_multiple_of(n as u64) || off + n as u64 > ctx.image.len() as u64 {
            return Err(err);
        }
        let o = off as usize;
        let pkt = self.packet_bounds();
        let ptr_field = |which: usize| -> Result<u64, CtxAccessError> {
            let (meta, data, end) = pkt.ok_or(err)?;
            if n != 4 {
                return Err(err);
            }
            Ok([meta, data, end][which])
        };
        match self.prog_type {
            ProgType::Xdp => {
                if n != 4 {
                    return Err(err);
                }
                match o {
                    xdp_md::DATA_META => ptr_field(0),
                    xdp_md::DATA => ptr_field(1),
                    xdp_md::DATA_END => ptr_field(2),
                    xdp_md::EGRESS_IFINDEX => Err(err),
                    _ => Ok(get(&ctx.image, o, 4)),
                }
            }
            ProgType::SchedCls | ProgType::SchedAct | ProgType::SocketFilter => {
                let tc = self.prog_type != ProgType::SocketFilter;
                use sk_buff::*;
                match o {
                    DATA if tc => ptr_field(1),
                    DATA_END if tc => ptr_field(2),
                    DATA_META if tc => ptr_field(0),
                    DATA | DATA_END | DATA_META => Err(err),
                    FLOW_KEYS => Err(err),
                    TSTAMP | HWTSTAMP | SK => {
                        if n == 8 {
                            Ok(get(&ctx.image, o, 8))
                        } else {
                            Err(err)
                        }
                    }
                    TSTAMP_TYPE => {
                        if n == 1 {
                            Ok(get(&ctx.image, o, 1))
                        } else {
                            Err(err)
                        }
                    }
                    _ if (FAMILY..LOCAL_PORT_END).contains(&o) => Err(err),
                    _ if (148..152).contains(&o) || (172..176).contains(&o) => Err(err),
                    _ if (181..184).contains(&o) => Err(err),
                    _ => {
                        // A u32 field: full or narrow (1, 2 byte) loads; no 8-byte loads.
                        if n == 8 {
                            return Err(err);
                        }
                        Ok(get(&ctx.image, o, n as usize))
                    }
                }
            }
            _ => Err(err),
        }
    }

    /// Store the low `size` bytes of `value` at offset `off` of the context, where the program
    /// type allows writes (TC: `mark`, `priority`, `tc_index`, `cb[]`, `tc_classid`,
    /// `queue_mapping`, `tstamp`).
    pub fn ctx_store(&mut self, off: u64, size: MemSize, value: u64) -> Result<(), CtxAccessError> {
        let n = size.bytes();
        let err = CtxAccessError {
            off,
            size: n,
            write: true,
        };
        let tc = matches!(self.prog_type, ProgType::SchedCls | ProgType::SchedAct);
        let sock = self.prog_type == ProgType::SocketFilter;
        let ctx = self.ctx.as_mut().ok_or(err)?;
        if !off.is_multiple_of(n as u64) || off + n as u64 > ctx.image.len() as u64 || !(tc || sock)
        {
            return Err(err);
        }
        let o = off as usize;
        use sk_buff::*;
        let ok = if (CB..CB_END).contains(&o) {
            o + n as usize <= CB_END
        } else {
            match o {
                MARK | PRIORITY | TC_INDEX | TC_CLASSID | QUEUE_MAPPING => tc && n == 4,
                TSTAMP => tc && n == 8,
                _ => false,
            }
        };
        if !ok {
            return Err(err);
        }
        ctx.image[o..o + n as usize].copy_from_slice(&value.to_le_bytes()[..n as usize]);
        Ok(())
    }
}

fn put32(img: &mut [u8], off: usize, v: u32) {
    img[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

fn get(img: &[u8], off: usize, n: usize) -> u64 {
    let mut b = [0u8; 8];
    b[..n].copy_from_slice(&img[off..off + n]);
    u64::from_le_bytes(b)
}

/// The `__sk_buff` a TC program sees for `packet` under `BPF_PROG_TEST_RUN` (`eth_type_trans` on
/// the loopback device, whose address is all zeros).
/// `img` is `SK_BUFF_SIZE` zero bytes.
fn skb_image(img: &mut [u8], packet: &[u8], cfg: &CtxConfig) {
    let dest = &packet[0..6];
    // The loopback device's address and broadcast address are all zeros, so ff:ff:ff:ff:ff:ff
    // is PACKET_MULTICAST, not PACKET_BROADCAST (checked against Linux 6.18).
    let pkt_type = if dest.iter().all(|&b| b == 0) {
        0 // PACKET_HOST
    } else if dest[0] & 1 == 1 {
        2 // PACKET_MULTICAST
    } else {
        3 // PACKET_OTHERHOST
    };
    let ethertype = u16::from_be_bytes([packet[12], packet[13]]);
    let proto: u16 = if ethertype >= 0x600 {
        ethertype
    } else if packet.len() >= 16 && packet[14] == 0xff && packet[15] == 0xff {
        0x0001 // ETH_P_802_3
    } else {
        0x0004 // ETH_P_802_2
    };
    use sk_buff::*;
    put32(img, LEN, packet.len() as u32);
    put32(img, PKT_TYPE, pkt_type);
    put32(img, MARK, cfg.mark);
    // __be16 in the kernel: the field holds the bytes in network order.
    put32(
        img,
        PROTOCOL,
        u16::from_le_bytes(proto.to_be_bytes()) as u32,
    );
    put32(img, PRIORITY, cfg.priority);
    put32(img, INGRESS_IFINDEX, cfg.skb_ingress_ifindex);
    put32(img, IFINDEX, cfg.skb_ifindex);
}
