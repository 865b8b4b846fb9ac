//! Program contexts, stated once: the layout of `struct xdp_md` and `struct __sk_buff` as the
//! kernel presents them to a program (`include/uapi/linux/bpf.h`), the offsets of their fields,
//! and which fields each program type may read (and what a read yields) or write.
//!
//! The interpreter's context ([`crate::runtime::ExecEnv::ctx_load`], filled as
//! `BPF_PROG_TEST_RUN` fills it), the verifier's target profiles (`offload::target`), the
//! frontend's lowering, the JITs' context rewriting and the NFP rules all read these.
//!
//! ```
//! use ir::ctx::{sk_buff, CtxLayout, CtxLoad};
//! let skb = CtxLayout::sk_buff();
//! let f = skb.field_at(sk_buff::DATA as u32).unwrap();
//! assert_eq!((f.name, f.load), ("data", CtxLoad::Packet));
//! ```

use crate::program::ProgType;

/// `sizeof(struct xdp_md)`.
pub const XDP_MD_SIZE: usize = 24;
/// `sizeof(struct __sk_buff)`.
pub const SK_BUFF_SIZE: usize = 192;

/// Offsets of `struct xdp_md` fields.
#[allow(missing_docs)]
pub mod xdp_md {
    pub const DATA: usize = 0;
    pub const DATA_END: usize = 4;
    pub const DATA_META: usize = 8;
    pub const INGRESS_IFINDEX: usize = 12;
    pub const RX_QUEUE_INDEX: usize = 16;
    pub const EGRESS_IFINDEX: usize = 20;
}

/// Offsets of `struct __sk_buff` fields (Linux `include/uapi/linux/bpf.h`).
#[allow(missing_docs)]
pub mod sk_buff {
    pub const LEN: usize = 0;
    pub const PKT_TYPE: usize = 4;
    pub const MARK: usize = 8;
    pub const QUEUE_MAPPING: usize = 12;
    pub const PROTOCOL: usize = 16;
    pub const VLAN_PRESENT: usize = 20;
    pub const VLAN_TCI: usize = 24;
    pub const VLAN_PROTO: usize = 28;
    pub const PRIORITY: usize = 32;
    pub const INGRESS_IFINDEX: usize = 36;
    pub const IFINDEX: usize = 40;
    pub const TC_INDEX: usize = 44;
    pub const CB: usize = 48;
    pub const CB_END: usize = 68;
    pub const HASH: usize = 68;
    pub const TC_CLASSID: usize = 72;
    pub const DATA: usize = 76;
    pub const DATA_END: usize = 80;
    pub const NAPI_ID: usize = 84;
    pub const FAMILY: usize = 88;
    pub const LOCAL_PORT_END: usize = 140;
    pub const DATA_META: usize = 140;
    pub const FLOW_KEYS: usize = 144;
    pub const TSTAMP: usize = 152;
    pub const WIRE_LEN: usize = 160;
    pub const GSO_SEGS: usize = 164;
    pub const SK: usize = 168;
    pub const GSO_SIZE: usize = 176;
    pub const TSTAMP_TYPE: usize = 180;
    pub const HWTSTAMP: usize = 184;
}

/// How one context field may be accessed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CtxField {
    /// Byte offset in the context structure.
    pub off: u32,
    /// Field size in bytes.
    pub size: u32,
    /// Kernel field name (`data`, `data_end`, `mark`, ...), for messages.
    pub name: &'static str,
    /// What a full-size load yields.
    pub load: CtxLoad,
    /// Whether narrower (1/2-byte) aligned loads are allowed.
    pub narrow_read: bool,
    /// Whether stores are allowed (full size only).
    pub write: bool,
}

/// The kind of value a context load gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtxLoad {
    /// A number.
    Scalar,
    /// Packet start.
    Packet,
    /// Packet end.
    PacketEnd,
    /// Packet metadata start.
    PacketMeta,
    /// Not readable.
    None,
}

/// A program type's context layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CtxLayout {
    /// Size of the structure.
    pub size: u32,
    /// The accessible fields; offsets not covered are inaccessible.
    pub fields: Vec<CtxField>,
}

const fn field(
    off: usize,
    size: u32,
    name: &'static str,
    load: CtxLoad,
    narrow_read: bool,
    write: bool,
) -> CtxField {
    CtxField {
        off: off as u32,
        size,
        name,
        load,
        narrow_read,
        write,
    }
}

impl CtxLayout {
    /// `struct xdp_md` as an XDP program sees it.
    pub fn xdp_md() -> CtxLayout {
        use xdp_md::*;
        use CtxLoad::*;
        CtxLayout {
            size: XDP_MD_SIZE as u32,
            fields: vec![
                field(DATA, 4, "data", Packet, false, false),
                field(DATA_END, 4, "data_end", PacketEnd, false, false),
                field(DATA_META, 4, "data_meta", PacketMeta, false, false),
                field(INGRESS_IFINDEX, 4, "ingress_ifindex", Scalar, false, false),
                field(RX_QUEUE_INDEX, 4, "rx_queue_index", Scalar, false, false),
                field(EGRESS_IFINDEX, 4, "egress_ifindex", None, false, false),
            ],
        }
    }

    /// `struct __sk_buff` as a TC classifier/action sees it.
    pub fn sk_buff() -> CtxLayout {
        use sk_buff::*;
        use CtxLoad::*;
        let mut fields = vec![
            field(LEN, 4, "len", Scalar, true, false),
            field(PKT_TYPE, 4, "pkt_type", Scalar, true, false),
            field(MARK, 4, "mark", Scalar, true, true),
            field(QUEUE_MAPPING, 4, "queue_mapping", Scalar, true, true),
            field(PROTOCOL, 4, "protocol", Scalar, true, false),
            field(VLAN_PRESENT, 4, "vlan_present", Scalar, true, false),
            field(VLAN_TCI, 4, "vlan_tci", Scalar, true, false),
            field(VLAN_PROTO, 4, "vlan_proto", Scalar, true, false),
            field(PRIORITY, 4, "priority", Scalar, true, true),
            field(INGRESS_IFINDEX, 4, "ingress_ifindex", Scalar, true, false),
            field(IFINDEX, 4, "ifindex", Scalar, true, false),
            field(TC_INDEX, 4, "tc_index", Scalar, true, true),
        ];
        for cb in (CB..CB_END).step_by(4) {
            fields.push(field(cb, 4, "cb", Scalar, true, true));
        }
        fields.extend([
            field(HASH, 4, "hash", Scalar, true, false),
            field(TC_CLASSID, 4, "tc_classid", Scalar, true, true),
            field(DATA, 4, "data", Packet, false, false),
            field(DATA_END, 4, "data_end", PacketEnd, false, false),
            field(NAPI_ID, 4, "napi_id", Scalar, true, false),
            field(DATA_META, 4, "data_meta", PacketMeta, false, false),
            field(TSTAMP, 8, "tstamp", Scalar, false, true),
            field(WIRE_LEN, 4, "wire_len", Scalar, true, false),
            field(GSO_SEGS, 4, "gso_segs", Scalar, true, false),
            field(GSO_SIZE, 4, "gso_size", Scalar, true, false),
            field(HWTSTAMP, 8, "hwtstamp", Scalar, false, false),
        ]);
        CtxLayout {
            size: SK_BUFF_SIZE as u32,
            fields,
        }
    }

    /// The kernel's layout for a program type this crate knows the context of (XDP, TC).
    pub fn of(prog_type: ProgType) -> Option<CtxLayout> {
        match prog_type {
            ProgType::Xdp => Some(CtxLayout::xdp_md()),
            ProgType::SchedCls | ProgType::SchedAct => Some(CtxLayout::sk_buff()),
            _ => None,
        }
    }

    /// Which packet pointer (`Packet`, `PacketEnd`, `PacketMeta`) a load of the field at `off`
    /// of `prog_type`'s context yields, if it is one (`data`, `data_end`, `data_meta`).
    pub fn packet_pointer(prog_type: ProgType, off: i64) -> Option<CtxLoad> {
        let off = u32::try_from(off).ok()?;
        let layout = CtxLayout::of(prog_type)?;
        let f = layout.fields.iter().find(|f| f.off == off)?;
        matches!(
            f.load,
            CtxLoad::Packet | CtxLoad::PacketEnd | CtxLoad::PacketMeta
        )
        .then_some(f.load)
    }

    /// The field covering byte `off`, if any.
    pub fn field_at(&self, off: u32) -> Option<&CtxField> {
        self.fields
            .iter()
            .find(|f| f.off <= off && off < f.off + f.size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_pointers() {
        use ProgType::*;
        let pp = CtxLayout::packet_pointer;
        assert_eq!(pp(Xdp, xdp_md::DATA as i64), Some(CtxLoad::Packet));
        assert_eq!(
            pp(SchedCls, sk_buff::DATA_END as i64),
            Some(CtxLoad::PacketEnd)
        );
        assert_eq!(
            pp(SchedAct, sk_buff::DATA_META as i64),
            Some(CtxLoad::PacketMeta)
        );
        assert_eq!(pp(SchedCls, sk_buff::LEN as i64), None);
        assert_eq!(pp(SocketFilter, 0), None);
        assert_eq!(pp(Xdp, -4), None);
    }

    #[test]
    fn fields_lie_inside_and_do_not_overlap() {
        for l in [CtxLayout::xdp_md(), CtxLayout::sk_buff()] {
            let mut end = 0;
            for f in &l.fields {
                assert!(f.off >= end, "{} overlaps", f.name);
                assert_eq!(f.off % f.size, 0, "{} misaligned", f.name);
                end = f.off + f.size;
            }
            assert!(end <= l.size);
        }
    }
}
