# BPF_NOEXIST on a new key (0), again (-EEXIST), BPF_EXIST on a missing key (-ENOENT):
# r0 = 17 * 100 + 2.
.section xdp
.map h type=hash key=4 value=4 entries=4
# case: eth ipv4 udp => r0=1702
    r1 = 1
    *(u32 *)(r10 - 4) = r1
    *(u32 *)(r10 - 8) = r1
    r1 = map[h] ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -8
    r4 = 1
    call bpf_map_update_elem
    r6 = r0
    r1 = map[h] ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -8
    r4 = 1
    call bpf_map_update_elem
    r7 = r0
    r1 = 2
    *(u32 *)(r10 - 4) = r1
    r1 = map[h] ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -8
    r4 = 2
    call bpf_map_update_elem
    r0 = -r0
    r7 = -r7
    r7 *= 100
    r0 += r7
    r0 += r6
    exit
