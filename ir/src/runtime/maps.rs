//! Map storage: HASH, ARRAY, PERCPU_ARRAY and PERCPU_HASH (one CPU), LRU_HASH (exact LRU
//! eviction), LPM_TRIE, PROG_ARRAY, PERF_EVENT_ARRAY and DEVMAP, with the kernel's update flags
//! and error codes. Updating an existing hash element copies the new value in place (the kernel
//! swaps in a new element, so an old pointer would keep seeing the old value).
//!
//! Values live in [`HostBuf`]s at fixed addresses, so a program (or a JIT) can hold a value
//! pointer returned by `bpf_map_lookup_elem`. Every live value buffer is also recorded in an
//! address index, which is how an access to a map value is checked. A value deleted during a run
//! stays addressable until the run ends (the kernel frees it after an RCU grace period).

use super::mem::{HostBuf, Region, RegionKind};
use crate::program::{MapDef, MapType};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// Linux errno values the map operations and helpers return (negated).
#[allow(missing_docs)]
pub mod errno {
    pub const EPERM: i32 = 1;
    pub const ENOENT: i32 = 2;
    pub const E2BIG: i32 = 7;
    pub const EACCES: i32 = 13;
    pub const EFAULT: i32 = 14;
    pub const EEXIST: i32 = 17;
    pub const EINVAL: i32 = 22;
    pub const ENOSPC: i32 = 28;
    pub const EOPNOTSUPP: i32 = 95;
    pub const ENOTSUPP: i32 = 524;
}

/// Update flags of `bpf_map_update_elem`.
pub const BPF_ANY: u64 = 0;
/// Create only: fail with `-EEXIST` when the key exists.
pub const BPF_NOEXIST: u64 = 1;
/// Update only: fail with `-ENOENT` when the key does not exist.
pub const BPF_EXIST: u64 = 2;

/// Largest storage the runtime allocates for one map; bigger maps refuse every operation.
const MAX_MAP_BYTES: u64 = 256 << 20;

/// A failed map operation: the kernel's errno (positive here; helpers return it negated).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapError(pub i32);

impl MapError {
    /// The value a helper returns for this error: `-errno` as a u64.
    pub fn as_return(self) -> u64 {
        (-(self.0 as i64)) as u64
    }
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.0 {
            errno::EPERM => "EPERM",
            errno::ENOENT => "ENOENT",
            errno::E2BIG => "E2BIG",
            errno::EACCES => "EACCES",
            errno::EFAULT => "EFAULT",
            errno::EEXIST => "EEXIST",
            errno::EINVAL => "EINVAL",
            errno::ENOSPC => "ENOSPC",
            errno::EOPNOTSUPP => "EOPNOTSUPP",
            errno::ENOTSUPP => "ENOTSUPP",
            _ => return write!(f, "errno {}", self.0),
        };
        write!(f, "-{name}")
    }
}

impl std::error::Error for MapError {}

#[derive(Debug)]
struct HashEntry {
    value: HostBuf,
    /// LRU clock of the last lookup or update.
    used: u64,
}

#[derive(Debug)]
struct LpmEntry {
    prefixlen: u32,
    /// Data with bits after `prefixlen` cleared.
    data: Vec<u8>,
    value: HostBuf,
}

#[derive(Debug)]
enum Storage {
    /// ARRAY and PERCPU_ARRAY: `max_entries` values of `elem` bytes (value size rounded to 8).
    Array {
        buf: HostBuf,
        elem: usize,
    },
    /// HASH and LRU_HASH.
    Hash {
        entries: HashMap<Vec<u8>, HashEntry, foldhash::fast::RandomState>,
        lru: bool,
        clock: u64,
    },
    LpmTrie {
        entries: Vec<LpmEntry>,
    },
    /// PROG_ARRAY, PERF_EVENT_ARRAY, DEVMAP: optional values by u32 index.
    Slots {
        slots: Vec<Option<HostBuf>>,
    },
    /// A map the runtime cannot model; every operation fails.
    Unsupported(String),
}

/// One map: its definition, storage, and a one-word object whose address is its handle.
#[derive(Debug)]
pub(crate) struct RtMap {
    pub(crate) def: MapDef,
    storage: Storage,
    object: HostBuf,
}

/// Every map of a runtime plus the address index of their values.
#[derive(Debug, Default)]
pub(crate) struct MapSet {
    pub(crate) maps: Vec<RtMap>,
    /// Value buffer start -> region.
    index: BTreeMap<u64, Region>,
    /// Values deleted during the current run, kept addressable until [`MapSet::end_run`].
    graveyard: Vec<HostBuf>,
}

fn value_region(buf: &HostBuf, len: u32, writable: bool) -> Region {
    Region {
        start: buf.addr(),
        end: buf.addr() + len as u64,
        kind: RegionKind::MapValue,
        writable,
    }
}

/// Whether the first `bits` bits of `a` and `b` are equal.
fn prefix_eq(a: &[u8], b: &[u8], bits: u32) -> bool {
    let full = (bits / 8) as usize;
    if a.len() < full || b.len() < full || a[..full] != b[..full] {
        return false;
    }
    let rem = bits % 8;
    if rem == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rem);
    match (a.get(full), b.get(full)) {
        (Some(x), Some(y)) => x & mask == y & mask,
        _ => false,
    }
}

fn mask_prefix(data: &[u8], bits: u32) -> Vec<u8> {
    let mut out = data.to_vec();
    for (i, b) in out.iter_mut().enumerate() {
        let start = i as u32 * 8;
        if start >= bits {
            *b = 0;
        } else if bits - start < 8 {
            *b &= 0xffu8 << (8 - (bits - start));
        }
    }
    out
}

impl MapSet {
    /// Create storage for `def`; returns its index.
    pub(crate) fn create(&mut self, def: &MapDef) -> usize {
        let writable = def.flags & 0x80 == 0; // BPF_F_RDONLY_PROG
        let total = def.max_entries as u64 * (def.value_size as u64).div_ceil(8) * 8;
        let storage = match def.map_type {
            _ if total > MAX_MAP_BYTES => Storage::Unsupported(format!(
                "map `{}` needs {total} bytes, more than the runtime allocates",
                def.name
            )),
            MapType::Array | MapType::PercpuArray => {
                if def.key_size != 4 || def.value_size == 0 {
                    Storage::Unsupported(format!(
                        "array map `{}` needs key size 4 and a value",
                        def.name
                    ))
                } else {
                    let elem = (def.value_size as usize).div_ceil(8) * 8;
                    let mut buf = HostBuf::zeroed(elem * def.max_entries as usize);
                    if let Some(init) = &def.initial_value {
                        buf.write(0, &init[..init.len().min(buf.len())]);
                    }
                    for i in 0..def.max_entries as u64 {
                        let start = buf.addr() + i * elem as u64;
                        self.index.insert(
                            start,
                            Region {
                                start,
                                end: start + def.value_size as u64,
                                kind: RegionKind::MapValue,
                                writable,
                            },
                        );
                    }
                    Storage::Array { buf, elem }
                }
            }
            // One CPU: the per-CPU variants hold one value per key.
            MapType::Hash | MapType::LruHash | MapType::PercpuHash | MapType::LruPercpuHash => {
                Storage::Hash {
                    entries: HashMap::default(),
                    lru: matches!(def.map_type, MapType::LruHash | MapType::LruPercpuHash),
                    clock: 0,
                }
            }
            MapType::LpmTrie => {
                if def.key_size < 5 {
                    Storage::Unsupported(format!(
                        "lpm_trie `{}` needs a key of 4 + data bytes",
                        def.name
                    ))
                } else {
                    Storage::LpmTrie {
                        entries: Vec::new(),
                    }
                }
            }
            MapType::ProgArray | MapType::PerfEventArray | MapType::DevMap => {
                if def.key_size != 4 || def.value_size == 0 {
                    Storage::Unsupported(format!(
                        "{} map `{}` needs key size 4 and a value",
                        def.map_type, def.name
                    ))
                } else {
                    Storage::Slots {
                        slots: (0..def.max_entries).map(|_| None).collect(),
                    }
                }
            }
            other => Storage::Unsupported(format!("map type {other} is not modelled")),
        };
        self.maps.push(RtMap {
            def: def.clone(),
            storage,
            object: HostBuf::zeroed(8),
        });
        let i = self.maps.len() - 1;
        // Initial entries go in as user-space updates would; one that does not fit the map
        // (wrong size, map full) is left out, as the kernel loader would refuse it too.
        for (k, v) in &def.initial_entries {
            let _ = self.update(i, k, v, BPF_ANY);
        }
        i
    }

    /// The handle (`LD_IMM64 map_fd` value) of map `i`.
    pub(crate) fn handle(&self, i: usize) -> Option<u64> {
        self.maps.get(i).map(|m| m.object.addr())
    }

    /// The map index behind a handle.
    pub(crate) fn by_handle(&self, h: u64) -> Option<usize> {
        self.maps.iter().position(|m| m.object.addr() == h)
    }

    /// The map value region containing `[addr, addr + len)`.
    #[inline]
    pub(crate) fn find(&self, addr: u64, len: u64) -> Option<Region> {
        let (_, r) = self.index.range(..=addr).next_back()?;
        r.contains(addr, len).then_some(*r)
    }

    /// The value regions just below and just above `addr`.
    pub(crate) fn neighbours(&self, addr: u64) -> [Option<Region>; 2] {
        [
            self.index.range(..=addr).next_back().map(|(_, r)| *r),
            self.index
                .range(addr.saturating_add(1)..)
                .next()
                .map(|(_, r)| *r),
        ]
    }

    /// Address of the value of an ARRAY map's element 0 (global data: `LD_IMM64 map_value`).
    pub(crate) fn direct_value_addr(&self, i: usize) -> Option<u64> {
        match &self.maps.get(i)?.storage {
            Storage::Array { buf, .. } => Some(buf.addr()),
            _ => None,
        }
    }

    fn map(&self, i: usize) -> Result<&RtMap, MapError> {
        self.maps.get(i).ok_or(MapError(errno::EINVAL))
    }

    fn check_key(def: &MapDef, key: &[u8]) -> Result<(), MapError> {
        if key.len() != def.key_size as usize {
            return Err(MapError(errno::EINVAL));
        }
        Ok(())
    }

    /// Address of the value for `key`, as `bpf_map_lookup_elem` returns it to a program
    /// (`Ok(None)` is NULL). PROG_ARRAY and PERF_EVENT_ARRAY cannot be looked up by programs.
    pub(crate) fn lookup_addr(&mut self, i: usize, key: &[u8]) -> Result<Option<u64>, MapError> {
        let m = self.maps.get_mut(i).ok_or(MapError(errno::EINVAL))?;
        Self::check_key(&m.def, key)?;
        let max = m.def.max_entries as usize;
        match &mut m.storage {
            Storage::Array { buf, elem } => {
                let idx = u32::from_le_bytes([key[0], key[1], key[2], key[3]]) as usize;
                Ok((idx < max).then(|| buf.addr() + (idx * *elem) as u64))
            }
            Storage::Hash {
                entries,
                lru,
                clock,
            } => {
                let Some(e) = entries.get_mut(key) else {
                    return Ok(None);
                };
                if *lru {
                    *clock += 1;
                    e.used = *clock;
                }
                Ok(Some(e.value.addr()))
            }
            Storage::LpmTrie { entries } => {
                let qlen = u32::from_le_bytes([key[0], key[1], key[2], key[3]]);
                let data = &key[4..];
                let best = entries
                    .iter()
                    .filter(|e| e.prefixlen <= qlen && prefix_eq(&e.data, data, e.prefixlen))
                    .max_by_key(|e| e.prefixlen);
                Ok(best.map(|e| e.value.addr()))
            }
            Storage::Slots { slots } => {
                if m.def.map_type != MapType::DevMap {
                    return Err(MapError(errno::EOPNOTSUPP));
                }
                let idx = u32::from_le_bytes([key[0], key[1], key[2], key[3]]) as usize;
                Ok(slots.get(idx).and_then(|s| s.as_ref()).map(|b| b.addr()))
            }
            Storage::Unsupported(_) => Err(MapError(errno::EOPNOTSUPP)),
        }
    }

    /// The first (up to) four bytes of slot `idx` of a PROG_ARRAY, PERF_EVENT_ARRAY or DEVMAP,
    /// little-endian, zero-padded; `None` for an empty slot or another map type.
    pub(crate) fn slot_u32(&self, i: usize, idx: u32) -> Option<u32> {
        let Storage::Slots { slots } = &self.maps.get(i)?.storage else {
            return None;
        };
        let buf = slots.get(idx as usize)?.as_ref()?;
        let mut b = [0u8; 4];
        let n = buf.len().min(4);
        buf.read(0, &mut b[..n]).then_some(u32::from_le_bytes(b))
    }

    /// A copy of the value for `key` (user-space view; works for every map type).
    pub(crate) fn lookup(&mut self, i: usize, key: &[u8]) -> Result<Option<Vec<u8>>, MapError> {
        let vs = self.map(i)?.def.value_size as usize;
        if let Storage::Slots { slots } = &self.maps[i].storage {
            Self::check_key(&self.maps[i].def, key)?;
            let idx = u32::from_le_bytes([key[0], key[1], key[2], key[3]]) as usize;
            return Ok(slots
                .get(idx)
                .and_then(|s| s.as_ref())
                .and_then(|b| b.to_vec(0, vs)));
        }
        let Some(addr) = self.lookup_addr(i, key)? else {
            return Ok(None);
        };
        Ok(self.read_value(addr, vs))
    }

    fn read_value(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        for m in &self.maps {
            match &m.storage {
                Storage::Array { buf, .. } => {
                    let b = buf.addr();
                    if addr >= b && addr < b + buf.len() as u64 {
                        return buf.to_vec((addr - b) as usize, len);
                    }
                }
                Storage::Hash { entries, .. } => {
                    if let Some(e) = entries.values().find(|e| e.value.addr() == addr) {
                        return e.value.to_vec(0, len);
                    }
                }
                Storage::LpmTrie { entries } => {
                    if let Some(e) = entries.iter().find(|e| e.value.addr() == addr) {
                        return e.value.to_vec(0, len);
                    }
                }
                _ => {}
            }
        }
        None
    }

    fn bury(&mut self, buf: HostBuf) {
        // Keep the region indexed until the run ends (RCU-like).
        self.graveyard.push(buf);
    }

    /// Forget values deleted during the run that just ended.
    pub(crate) fn end_run(&mut self) {
        if self.graveyard.is_empty() {
            return;
        }
        for b in std::mem::take(&mut self.graveyard) {
            self.index.remove(&b.addr());
        }
    }

    /// `bpf_map_update_elem` with the kernel's flag checks and error codes.
    pub(crate) fn update(
        &mut self,
        i: usize,
        key: &[u8],
        value: &[u8],
        flags: u64,
    ) -> Result<(), MapError> {
        let m = self.maps.get_mut(i).ok_or(MapError(errno::EINVAL))?;
        Self::check_key(&m.def, key)?;
        if value.len() != m.def.value_size as usize {
            return Err(MapError(errno::EINVAL));
        }
        if flags > BPF_EXIST {
            return Err(MapError(errno::EINVAL));
        }
        let writable = m.def.flags & 0x80 == 0;
        let max = m.def.max_entries as usize;
        let vs = m.def.value_size;
        let mut new_region = None;
        let mut buried = None;
        match &mut m.storage {
            Storage::Array { buf, elem } => {
                let idx = u32::from_le_bytes([key[0], key[1], key[2], key[3]]) as usize;
                if idx >= max {
                    return Err(MapError(errno::E2BIG));
                }
                if flags == BPF_NOEXIST {
                    return Err(MapError(errno::EEXIST));
                }
                buf.write(idx * *elem, value);
            }
            Storage::Hash {
                entries,
                lru,
                clock,
            } => {
                *clock += 1;
                let now = *clock;
                if let Some(e) = entries.get_mut(key) {
                    if flags == BPF_NOEXIST {
                        return Err(MapError(errno::EEXIST));
                    }
                    e.value.write(0, value);
                    e.used = now;
                } else {
                    if flags == BPF_EXIST {
                        return Err(MapError(errno::ENOENT));
                    }
                    if entries.len() >= max {
                        if !*lru || max == 0 {
                            return Err(MapError(errno::E2BIG));
                        }
                        let victim = entries
                            .iter()
                            .min_by_key(|(_, e)| e.used)
                            .map(|(k, _)| k.clone());
                        if let Some(k) = victim {
                            buried = entries.remove(&k).map(|e| e.value);
                        }
                    }
                    let buf = HostBuf::from_bytes(value);
                    new_region = Some(value_region(&buf, vs, writable));
                    entries.insert(
                        key.to_vec(),
                        HashEntry {
                            value: buf,
                            used: now,
                        },
                    );
                }
            }
            Storage::LpmTrie { entries } => {
                let plen = u32::from_le_bytes([key[0], key[1], key[2], key[3]]);
                let data = &key[4..];
                if plen as usize > data.len() * 8 {
                    return Err(MapError(errno::EINVAL));
                }
                let masked = mask_prefix(data, plen);
                if let Some(e) = entries
                    .iter_mut()
                    .find(|e| e.prefixlen == plen && e.data == masked)
                {
                    if flags == BPF_NOEXIST {
                        return Err(MapError(errno::EEXIST));
                    }
                    e.value.write(0, value);
                } else {
                    if flags == BPF_EXIST {
                        return Err(MapError(errno::ENOENT));
                    }
                    if entries.len() >= max {
                        return Err(MapError(errno::ENOSPC));
                    }
                    let buf = HostBuf::from_bytes(value);
                    new_region = Some(value_region(&buf, vs, writable));
                    entries.push(LpmEntry {
                        prefixlen: plen,
                        data: masked,
                        value: buf,
                    });
                }
            }
            Storage::Slots { slots } => {
                let idx = u32::from_le_bytes([key[0], key[1], key[2], key[3]]) as usize;
                if idx >= max {
                    return Err(MapError(errno::E2BIG));
                }
                if flags == BPF_NOEXIST && slots[idx].is_some() {
                    return Err(MapError(errno::EEXIST));
                }
                if flags == BPF_EXIST && slots[idx].is_none() {
                    return Err(MapError(errno::ENOENT));
                }
                let buf = HostBuf::from_bytes(value);
                new_region = Some(value_region(&buf, vs, false));
                if let Some(old) = slots[idx].replace(buf) {
                    buried = Some(old);
                }
            }
            Storage::Unsupported(_) => return Err(MapError(errno::EOPNOTSUPP)),
        }
        if let Some(r) = new_region {
            self.index.insert(r.start, r);
        }
        if let Some(b) = buried {
            self.bury(b);
        }
        Ok(())
    }

    /// `bpf_map_delete_elem`: `-EINVAL` for arrays, `-ENOENT` for a missing key.
    pub(crate) fn delete(&mut self, i: usize, key: &[u8]) -> Result<(), MapError> {
        let m = self.maps.get_mut(i).ok_or(MapError(errno::EINVAL))?;
        Self::check_key(&m.def, key)?;
        let max = m.def.max_entries as usize;
        let buried = match &mut m.storage {
            Storage::Array { .. } => return Err(MapError(errno::EINVAL)),
            Storage::Hash { entries, .. } => entries
                .remove(key)
                .map(|e| e.value)
                .ok_or(MapError(errno::ENOENT))?,
            Storage::LpmTrie { entries } => {
                let plen = u32::from_le_bytes([key[0], key[1], key[2], key[3]]);
                let data = &key[4..];
                if plen as usize > data.len() * 8 {
                    return Err(MapError(errno::EINVAL));
                }
                let masked = mask_prefix(data, plen);
                let pos = entries
                    .iter()
                    .position(|e| e.prefixlen == plen && e.data == masked)
                    .ok_or(MapError(errno::ENOENT))?;
                entries.remove(pos).value
            }
            Storage::Slots { slots } => {
                let idx = u32::from_le_bytes([key[0], key[1], key[2], key[3]]) as usize;
                if idx >= max {
                    return Err(MapError(errno::E2BIG));
                }
                slots[idx].take().ok_or(MapError(errno::ENOENT))?
            }
            Storage::Unsupported(_) => return Err(MapError(errno::EOPNOTSUPP)),
        };
        self.bury(buried);
        Ok(())
    }

    /// Every (key, value) of map `i`, sorted by key; arrays list every index.
    pub(crate) fn dump(&self, i: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
        let Some(m) = self.maps.get(i) else {
            return Vec::new();
        };
        let vs = m.def.value_size as usize;
        let mut out: Vec<(Vec<u8>, Vec<u8>)> = match &m.storage {
            Storage::Array { buf, elem } => (0..m.def.max_entries as usize)
                .filter_map(|idx| {
                    Some((
                        (idx as u32).to_le_bytes().to_vec(),
                        buf.to_vec(idx * elem, vs)?,
                    ))
                })
                .collect(),
            Storage::Hash { entries, .. } => entries
                .iter()
                .filter_map(|(k, e)| Some((k.clone(), e.value.to_vec(0, vs)?)))
                .collect(),
            Storage::LpmTrie { entries } => entries
                .iter()
                .filter_map(|e| {
                    let mut k = e.prefixlen.to_le_bytes().to_vec();
                    k.extend_from_slice(&e.data);
                    Some((k, e.value.to_vec(0, vs)?))
                })
                .collect(),
            Storage::Slots { slots } => slots
                .iter()
                .enumerate()
                .filter_map(|(idx, s)| {
                    Some((
                        (idx as u32).to_le_bytes().to_vec(),
                        s.as_ref()?.to_vec(0, vs)?,
                    ))
                })
                .collect(),
            Storage::Unsupported(_) => Vec::new(),
        };
        out.sort();
        out
    }

    /// Why map `i` cannot be used, if it cannot.
    pub(crate) fn unsupported(&self, i: usize) -> Option<&str> {
        match &self.maps.get(i)?.storage {
            Storage::Unsupported(why) => Some(why),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_helpers() {
        assert!(prefix_eq(&[10, 0, 0, 0], &[10, 1, 2, 3], 8));
        assert!(!prefix_eq(&[10, 0, 0, 0], &[10, 1, 2, 3], 16));
        assert!(prefix_eq(&[0b1010_0000], &[0b1011_1111], 3));
        assert!(!prefix_eq(&[0b1010_0000], &[0b1001_1111], 3));
        assert_eq!(mask_prefix(&[0xff, 0xff], 12), vec![0xff, 0xf0]);
        assert_eq!(mask_prefix(&[0xff, 0xff], 0), vec![0, 0]);
    }
}
