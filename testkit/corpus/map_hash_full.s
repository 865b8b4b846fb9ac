# A 2-entry HASH refuses a third key with -E2BIG; replacing an existing key still works.
.section xdp
.map h type=hash key=4 value=4 entries=2
# case: eth ipv4 udp => r0=7
    r6 = 0
fill:
    *(u32 *)(r10 - 4) = r6
    *(u32 *)(r10 - 8) = r6
    r1 = map[h] ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_map_update_elem
    r6 += 1
    if r6 < 3 goto fill
    r7 = r0
    r1 = 1
    *(u32 *)(r10 - 4) = r1
    r1 = map[h] ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_map_update_elem
    r0 += r7
    r0 = -r0
    exit
