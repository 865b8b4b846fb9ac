# Atomics on a map value: add 5, add 7, then fetch-add 1 (returns 12): r0 = 12 + 13 * 100.
.section xdp
.map v type=array key=4 value=8 entries=1
# case: eth ipv4 udp => r0=1312
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map[v] ll
    call bpf_map_lookup_elem
    if r0 == 0 goto fail
    r1 = 5
    lock *(u64 *)(r0 + 0) += r1
    r1 = 7
    lock *(u64 *)(r0 + 0) += r1
    r2 = 1
    r2 = atomic_fetch_add((u64 *)(r0 + 0), r2)
    r3 = *(u64 *)(r0 + 0)
    r3 *= 100
    r0 = r2
    r0 += r3
    exit
fail:
    r0 = 0
    exit
