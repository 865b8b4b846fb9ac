//! The subset of BTF (the kernel's BPF Type Format) that BTF-defined maps need: a checked
//! decoder of the whole type section, map definitions read from the `.maps` DATASEC the way
//! libbpf reads them, and an encoder that writes those definitions back.
//!
//! A BTF-defined map is a global variable in section `.maps` whose type is a struct; each member
//! describes one attribute. Integer attributes are encoded in the member's *type* as
//! `int (*name)[VALUE]` (a pointer to an array of `VALUE` ints); `key` and `value` are pointers to
//! the key and value types, whose sizes give `key_size` and `value_size`.

use super::ElfError;
use crate::program::{MapDef, MapType};

/// BTF header magic.
const BTF_MAGIC: u16 = 0xeb9f;
/// Size of `struct btf_header`.
const HEADER_LEN: u32 = 24;

/// BTF kinds (`BTF_KIND_*`).
mod kind {
    pub const INT: u32 = 1;
    pub const PTR: u32 = 2;
    pub const ARRAY: u32 = 3;
    pub const STRUCT: u32 = 4;
    pub const UNION: u32 = 5;
    pub const ENUM: u32 = 6;
    pub const FWD: u32 = 7;
    pub const TYPEDEF: u32 = 8;
    pub const VOLATILE: u32 = 9;
    pub const CONST: u32 = 10;
    pub const RESTRICT: u32 = 11;
    pub const FUNC: u32 = 12;
    pub const FUNC_PROTO: u32 = 13;
    pub const VAR: u32 = 14;
    pub const DATASEC: u32 = 15;
    pub const FLOAT: u32 = 16;
    pub const DECL_TAG: u32 = 17;
    pub const TYPE_TAG: u32 = 18;
    pub const ENUM64: u32 = 19;
}

/// One decoded BTF type: the common header plus its trailing records, kept as raw `u32`s.
#[derive(Clone, Debug)]
struct BtfType {
    name_off: u32,
    kind: u32,
    /// `size` or `type`, depending on the kind.
    size_or_type: u32,
    /// The kind-specific trailing data, in 32-bit words.
    extra: Vec<u32>,
}

/// A decoded `.BTF` section.
#[derive(Debug)]
pub(crate) struct Btf {
    /// Index 0 is the implicit `void`.
    types: Vec<BtfType>,
    strings: Vec<u8>,
}

fn err(offset: u64, message: impl Into<String>) -> ElfError {
    ElfError::at(".BTF", offset, message)
}

/// Little-endian u32 at `off`, checked.
fn read_u32(bytes: &[u8], off: usize) -> Option<u32> {
    let b = bytes.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

impl Btf {
    /// Decode a `.BTF` section. Only little-endian BTF is accepted (BPF objects are LE here).
    pub(crate) fn parse(data: &[u8]) -> Result<Btf, ElfError> {
        let magic = data
            .get(0..2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .ok_or_else(|| err(0, "truncated BTF header"))?;
        if magic != BTF_MAGIC {
            return Err(err(0, format!("bad BTF magic {magic:#06x}")));
        }
        let field = |i: usize| read_u32(data, 4 + 4 * i).ok_or_else(|| err(4, "truncated header"));
        let hdr_len = field(0)?;
        let (type_off, type_len, str_off, str_len) = (field(1)?, field(2)?, field(3)?, field(4)?);
        let region = |off: u32, len: u32, what: &str| {
            let start = hdr_len as usize + off as usize;
            data.get(start..start.saturating_add(len as usize))
                .ok_or_else(|| err(start as u64, format!("{what} extend past the section end")))
        };
        let type_bytes = region(type_off, type_len, "types")?;
        let strings = region(str_off, str_len, "strings")?.to_vec();
        let base = (hdr_len + type_off) as u64;

        let mut types = vec![BtfType {
            name_off: 0,
            kind: 0,
            size_or_type: 0,
            extra: Vec::new(),
        }];
        let mut pos = 0usize;
        while pos < type_bytes.len() {
            let at = base + pos as u64;
            let word = |i: usize| {
                read_u32(type_bytes, pos + 4 * i).ok_or_else(|| err(at, "truncated type record"))
            };
            let (name_off, info, size_or_type) = (word(0)?, word(1)?, word(2)?);
            let kind = (info >> 24) & 0x1f;
            let vlen = info & 0xffff;
            let extra_words = match kind {
                kind::INT | kind::VAR | kind::DECL_TAG => 1,
                kind::ARRAY => 3,
                kind::STRUCT | kind::UNION | kind::DATASEC | kind::ENUM64 => 3 * vlen as usize,
                kind::ENUM | kind::FUNC_PROTO => 2 * vlen as usize,
                kind::PTR
                | kind::FWD
                | kind::TYPEDEF
                | kind::VOLATILE
                | kind::CONST
                | kind::RESTRICT
                | kind::FUNC
                | kind::FLOAT
                | kind::TYPE_TAG => 0,
                other => return Err(err(at, format!("unknown BTF kind {other}"))),
            };
            let extra = (0..extra_words)
                .map(|i| word(3 + i))
                .collect::<Result<Vec<u32>, ElfError>>()?;
            types.push(BtfType {
                name_off,
                kind,
                size_or_type,
                extra,
            });
            pos += 12 + 4 * extra_words;
        }
        Ok(Btf { types, strings })
    }

    fn name(&self, off: u32) -> &str {
        let Some(tail) = self.strings.get(off as usize..) else {
            return "";
        };
        let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
        std::str::from_utf8(&tail[..end]).unwrap_or("")
    }

    /// The string at `off` of the string section, or `None` when `off` is outside it or the
    /// string is not NUL-terminated UTF-8 (for callers that must report bad offsets).
    pub(crate) fn string(&self, off: u32) -> Option<&str> {
        let tail = self.strings.get(off as usize..)?;
        let end = tail.iter().position(|&b| b == 0)?;
        std::str::from_utf8(tail.get(..end)?).ok()
    }

    fn get(&self, id: u32) -> Result<&BtfType, ElfError> {
        self.types
            .get(id as usize)
            .ok_or_else(|| err(0, format!("BTF type id {id} out of range")))
    }

    /// Follow typedefs and qualifiers to the underlying type id.
    fn skip_mods(&self, mut id: u32) -> Result<u32, ElfError> {
        for _ in 0..64 {
            let t = self.get(id)?;
            match t.kind {
                kind::TYPEDEF | kind::VOLATILE | kind::CONST | kind::RESTRICT | kind::TYPE_TAG => {
                    id = t.size_or_type
                }
                _ => return Ok(id),
            }
        }
        Err(err(0, format!("BTF type {id}: modifier chain too long")))
    }

    /// Byte size of a type, as the kernel resolves it.
    fn size_of(&self, id: u32, depth: u32) -> Result<u64, ElfError> {
        if depth > 32 {
            return Err(err(0, "BTF type nesting too deep"));
        }
        let id = self.skip_mods(id)?;
        let t = self.get(id)?;
        Ok(match t.kind {
            kind::INT
            | kind::STRUCT
            | kind::UNION
            | kind::ENUM
            | kind::ENUM64
            | kind::DATASEC
            | kind::FLOAT => t.size_or_type as u64,
            kind::PTR => 8,
            kind::ARRAY => {
                let elem = *t.extra.first().unwrap_or(&0);
                let n = *t.extra.get(2).unwrap_or(&0) as u64;
                n.saturating_mul(self.size_of(elem, depth + 1)?)
            }
            k => return Err(err(0, format!("BTF type {id} (kind {k}) has no size"))),
        })
    }

    /// The value `N` of a member typed `int (*)[N]`.
    fn int_attr(&self, ty: u32, map: &str, member: &str) -> Result<u32, ElfError> {
        let ptr = self.get(self.skip_mods(ty)?)?;
        if ptr.kind != kind::PTR {
            return Err(err(
                0,
                format!("map '{map}': attribute '{member}' is not a pointer to an array"),
            ));
        }
        let arr = self.get(self.skip_mods(ptr.size_or_type)?)?;
        if arr.kind != kind::ARRAY {
            return Err(err(
                0,
                format!("map '{map}': attribute '{member}' is not a pointer to an array"),
            ));
        }
        Ok(*arr.extra.get(2).unwrap_or(&0))
    }

    /// Size of the pointee of a member typed `T *`.
    fn pointee_size(&self, ty: u32, map: &str, member: &str) -> Result<u32, ElfError> {
        let ptr = self.get(self.skip_mods(ty)?)?;
        if ptr.kind != kind::PTR {
            return Err(err(
                0,
                format!("map '{map}': '{member}' must be a pointer type"),
            ));
        }
        let size = self.size_of(ptr.size_or_type, 0)?;
        u32::try_from(size).map_err(|_| err(0, format!("map '{map}': {member} type too large")))
    }

    /// Every map of the `.maps` DATASEC, in the order of the section, as (name, definition).
    pub(crate) fn maps(&self) -> Result<Vec<MapDef>, ElfError> {
        let Some(sec) = self
            .types
            .iter()
            .find(|t| t.kind == kind::DATASEC && self.name(t.name_off) == ".maps")
        else {
            return Ok(Vec::new());
        };
        let mut maps = Vec::new();
        for entry in sec.extra.chunks(3) {
            let var = self.get(*entry.first().unwrap_or(&0))?;
            if var.kind != kind::VAR {
                return Err(err(0, "a .maps DATASEC entry is not a variable"));
            }
            let name = self.name(var.name_off).to_string();
            let def_id = self.skip_mods(var.size_or_type)?;
            let def = self.get(def_id)?;
            if def.kind != kind::STRUCT {
                return Err(err(0, format!("map '{name}': definition is not a struct")));
            }
            let mut map = MapDef::new(name.clone(), MapType::Other(0), 0, 0, 0);
            for m in def.extra.chunks(3) {
                let (mname, mty) = (self.name(m[0]), *m.get(1).unwrap_or(&0));
                match mname {
                    "type" => {
                        map.map_type = MapType::from_kernel_id(self.int_attr(mty, &name, mname)?)
                    }
                    "max_entries" => map.max_entries = self.int_attr(mty, &name, mname)?,
                    "map_flags" => map.flags = self.int_attr(mty, &name, mname)?,
                    "key_size" => map.key_size = self.int_attr(mty, &name, mname)?,
                    "value_size" => map.value_size = self.int_attr(mty, &name, mname)?,
                    "key" => map.key_size = self.pointee_size(mty, &name, mname)?,
                    "value" => map.value_size = self.pointee_size(mty, &name, mname)?,
                    // Attributes that do not change the map's shape.
                    "pinning" | "numa_node" | "map_extra" => {}
                    other => {
                        return Err(err(
                            0,
                            format!("map '{name}': unsupported map attribute '{other}'"),
                        ))
                    }
                }
            }
            if map.map_type == MapType::Other(0) {
                return Err(err(0, format!("map '{name}': no 'type' attribute")));
            }
            maps.push(map);
        }
        Ok(maps)
    }
}

/// Builds a `.BTF` section with the types that describe BTF-defined maps.
#[derive(Default)]
pub(crate) struct BtfWriter {
    types: Vec<u8>,
    strings: Vec<u8>,
    next_id: u32,
    int_id: u32,
    /// (nelems, array type id, pointer type id) already emitted.
    arrays: Vec<(u32, u32)>,
}

impl BtfWriter {
    pub(crate) fn new() -> BtfWriter {
        let mut w = BtfWriter {
            strings: vec![0],
            next_id: 1,
            ..BtfWriter::default()
        };
        let name = w.string("int");
        // INT: 4 bytes, signed, 32 bits.
        w.int_id = w.push(name, kind::INT, 0, 4, &[(1 << 24) | 32]);
        w
    }

    fn string(&mut self, s: &str) -> u32 {
        let off = self.strings.len() as u32;
        self.strings.extend_from_slice(s.as_bytes());
        self.strings.push(0);
        off
    }

    fn push(
        &mut self,
        name_off: u32,
        kind: u32,
        vlen: u32,
        size_or_type: u32,
        extra: &[u32],
    ) -> u32 {
        for w in [name_off, (kind << 24) | vlen, size_or_type]
            .iter()
            .chain(extra.iter())
        {
            self.types.extend_from_slice(&w.to_le_bytes());
        }
        self.next_id += 1;
        self.next_id - 1
    }

    /// The type `int (*)[n]`.
    fn int_attr(&mut self, n: u32) -> u32 {
        if let Some(&(_, ptr)) = self.arrays.iter().find(|(k, _)| *k == n) {
            return ptr;
        }
        let arr = self.push(0, kind::ARRAY, 0, 0, &[self.int_id, self.int_id, n]);
        let ptr = self.push(0, kind::PTR, 0, arr, &[]);
        self.arrays.push((n, ptr));
        ptr
    }

    /// Add a map definition variable; returns the VAR type id and the struct size.
    pub(crate) fn add_map(&mut self, map: &MapDef) -> (u32, u32) {
        let attrs = [
            ("type", map.map_type.kernel_id()),
            ("key_size", map.key_size),
            ("value_size", map.value_size),
            ("max_entries", map.max_entries),
            ("map_flags", map.flags),
        ];
        let mut members = Vec::new();
        for (i, (name, value)) in attrs.iter().enumerate() {
            let ty = self.int_attr(*value);
            let name_off = self.string(name);
            members.extend_from_slice(&[name_off, ty, (i as u32) * 64]);
        }
        let size = attrs.len() as u32 * 8;
        let st = self.push(0, kind::STRUCT, attrs.len() as u32, size, &members);
        let var_name = self.string(&map.name);
        // Linkage 1: global, allocated.
        let var = self.push(var_name, kind::VAR, 0, st, &[1]);
        (var, size)
    }

    /// Add the `.maps` DATASEC over `(var id, offset, size)` entries.
    pub(crate) fn add_maps_datasec(&mut self, vars: &[(u32, u32, u32)], total: u32) {
        let name = self.string(".maps");
        let extra: Vec<u32> = vars.iter().flat_map(|&(v, o, s)| [v, o, s]).collect();
        self.push(name, kind::DATASEC, vars.len() as u32, total, &extra);
    }

    /// The finished section bytes.
    pub(crate) fn finish(self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&BTF_MAGIC.to_le_bytes());
        out.push(1); // version
        out.push(0); // flags
        for w in [
            HEADER_LEN,
            0,
            self.types.len() as u32,
            self.types.len() as u32,
            self.strings.len() as u32,
        ] {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(&self.types);
        out.extend_from_slice(&self.strings);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_round_trip_through_btf() {
        let mut a = MapDef::new("counts", MapType::Hash, 4, 8, 1024);
        a.flags = 1;
        let b = MapDef::new("arr", MapType::Array, 4, 16, 1);
        let mut w = BtfWriter::new();
        let (va, sa) = w.add_map(&a);
        let (vb, sb) = w.add_map(&b);
        w.add_maps_datasec(&[(va, 0, sa), (vb, sa, sb)], sa + sb);
        let btf = Btf::parse(&w.finish()).unwrap();
        assert_eq!(btf.maps().unwrap(), vec![a, b]);
    }

    #[test]
    fn truncated_btf_is_an_error() {
        let mut w = BtfWriter::new();
        let (v, s) = w.add_map(&MapDef::new("m", MapType::Array, 4, 4, 1));
        w.add_maps_datasec(&[(v, 0, s)], s);
        let bytes = w.finish();
        for len in 0..bytes.len() {
            let _ = Btf::parse(&bytes[..len]).and_then(|b| b.maps());
        }
        assert!(Btf::parse(&bytes[..10]).is_err());
    }
}
