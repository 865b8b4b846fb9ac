# Increment an ARRAY counter twice through two lookups; return the value (fresh maps: 2).
.section xdp
.map counters type=array key=4 value=8 entries=4
# case: eth ipv4 tcp => r0=2
    r6 = 2
count:
    r1 = 1
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map[counters] ll
    call bpf_map_lookup_elem
    if r0 == 0 goto miss
    r1 = *(u64 *)(r0 + 0)
    r1 += 1
    *(u64 *)(r0 + 0) = r1
    r6 -= 1
    if r6 != 0 goto count
    r0 = r1
    exit
miss:
    r0 = 0
    exit
