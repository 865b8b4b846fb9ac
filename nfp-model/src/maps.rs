//! Whole-program checks that need no exploration: the maps (`nfp_bpf_map_alloc`) and the
//! code store.

use crate::profile::Profile;
use ir::{MapType, Program};
use offload::Rejection;

fn round8(v: u32) -> u64 {
    (v as u64).div_ceil(8) * 8
}

/// Map-level reasons (against each map's name and definition) and the code-store bound.
///
/// The driver stops at the first failing check of a map and counts only maps it allocated; we
/// report every failing check of every map, and count every map the NFP would hold toward the
/// device totals.
pub fn violations(profile: &Profile, prog: &Program) -> Vec<Rejection> {
    let l = &profile.limits;
    let mut out = Vec::new();
    let mut maps_in_use = 0u32;
    let mut elems_in_use = 0u64;
    for m in &prog.maps {
        // perf event arrays stay on the host (the driver binds them to the program).
        if m.map_type == MapType::PerfEventArray {
            continue;
        }
        if m.flags != 0 {
            out.push(
                Rejection::map("nfp.map.flags", m, "map flags are not supported").with_hint(
                    format!(
                        "create the map without flags (map_flags = {:#x}); global data sections (.data/.rodata/.bss) are maps with flags",
                        m.flags
                    ),
                ),
            );
        }
        if !matches!(m.map_type, MapType::Hash | MapType::Array) {
            out.push(
                Rejection::map("nfp.map.type", m, "map type not supported").with_hint(format!(
                    "use a HASH or ARRAY map; {} is not offloaded",
                    m.map_type.name().to_uppercase()
                )),
            );
            continue;
        }
        if maps_in_use == l.maps {
            out.push(
                Rejection::map("nfp.map.count", m, "too many maps for a device").with_hint(
                    format!(
                        "the NFP holds {} maps: merge maps (e.g. one map with a struct value)",
                        l.maps
                    ),
                ),
            );
        }
        maps_in_use = maps_in_use.saturating_add(1);
        let left = l.map_elements.saturating_sub(elems_in_use);
        if (m.max_entries as u64) > left {
            out.push(
                Rejection::map(
                    "nfp.map.elements",
                    m,
                    format!(
                        "map with too many elements: {}, left: {left}",
                        m.max_entries
                    ),
                )
                .with_hint(format!(
                    "the NFP holds {} entries over all maps: lower max_entries",
                    l.map_elements
                )),
            );
        }
        elems_in_use = elems_in_use.saturating_add(m.max_entries as u64);
        let elem = round8(m.key_size) + round8(m.value_size);
        if elem > l.element_size as u64 {
            out.push(
                Rejection::map(
                    "nfp.map.element_size",
                    m,
                    format!(
                        "map elements too large: {elem}, FW max element size (key+value): {}",
                        l.element_size
                    ),
                )
                .with_hint("shrink the key and value: each is rounded up to 8 bytes"),
            );
        }
        if m.key_size > l.key_size {
            out.push(
                Rejection::map(
                    "nfp.map.key_size",
                    m,
                    format!("map key size {}, FW max is {}", m.key_size, l.key_size),
                )
                .with_hint("use a smaller key, e.g. a hash of the fields"),
            );
        }
        if m.value_size > l.value_size {
            out.push(
                Rejection::map(
                    "nfp.map.value_size",
                    m,
                    format!(
                        "map value size {}, FW max is {}",
                        m.value_size, l.value_size
                    ),
                )
                .with_hint("split the value over several maps"),
            );
        }
    }
    // The code store is checked on the real translation (`crate::jit::translate`).
    out
}
