# Looking up index 10 of a 4-entry ARRAY returns NULL.
.section xdp
.map arr type=array key=4 value=4 entries=4
# case: eth ipv4 udp => r0=3
    r1 = 10
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map[arr] ll
    call bpf_map_lookup_elem
    r1 = r0
    r0 = 3
    if r1 == 0 goto out
    r0 = 4
out:
    exit
