# HASH update, delete (returns 0), lookup (NULL), delete again (-ENOENT).
.section xdp
.map h type=hash key=4 value=4 entries=4
# case: eth ipv4 udp => r0=25
    r1 = 3
    *(u32 *)(r10 - 4) = r1
    *(u32 *)(r10 - 8) = r1
    r1 = map[h] ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_map_update_elem
    r1 = map[h] ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r7 = r0
    r1 = map[h] ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 != 0 goto fail
    r1 = map[h] ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = -r0
    r0 *= 10
    r0 += r7
    r0 += 5
    exit
fail:
    r0 = 0
    exit
