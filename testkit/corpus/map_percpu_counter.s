# PERCPU_ARRAY counter: this CPU's slot, incremented three times.
.section xdp
.map pc type=percpu_array key=4 value=8 entries=1
# case: eth ipv4 udp => r0=3
    r6 = 3
again:
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map[pc] ll
    call bpf_map_lookup_elem
    if r0 == 0 goto fail
    r1 = *(u64 *)(r0 + 0)
    r1 += 1
    *(u64 *)(r0 + 0) = r1
    r6 += -1
    if r6 s> 0 goto again
    r0 = r1
    exit
fail:
    r0 = 99
    exit
