# Deleting from an ARRAY is -EINVAL.
.section xdp
.map arr type=array key=4 value=4 entries=2
# case: eth ipv4 udp => r0=22
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r1 = map[arr] ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r0 = -r0
    exit
