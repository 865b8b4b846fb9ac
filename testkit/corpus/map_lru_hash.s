# LRU_HASH: insert key 7 -> 700, look it up, look up a missing key.
.section xdp
.map lru type=lru_hash key=4 value=8 entries=8
# case: eth ipv4 udp => r0=701
    r1 = 7
    *(u32 *)(r10 - 4) = r1
    r1 = 700
    *(u64 *)(r10 - 16) = r1
    r1 = map[lru] ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_map_update_elem
    r1 = map[lru] ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto fail
    r6 = *(u64 *)(r0 + 0)
    r1 = 8
    *(u32 *)(r10 - 4) = r1
    r1 = map[lru] ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 != 0 goto fail
    r0 = r6
    r0 += 1
    exit
fail:
    r0 = 0
    exit
