# Insert 10.0.0.66 into a HASH blocklist, then drop packets whose IPv4 source is in it.
.section xdp
.map blocked type=hash key=4 value=4 entries=16
# case: eth ipv4/src=10.0.0.66 tcp => r0=1 action=drop
# case: eth ipv4/src=10.0.0.1 tcp => r0=2 action=pass
# case: eth ipv4/src=66.0.0.10 tcp => r0=2 action=pass
# case: eth ipv6 tcp => r0=2 action=pass
    r6 = r1
    r1 = 0x4200000a
    *(u32 *)(r10 - 4) = r1
    r1 = 1
    *(u32 *)(r10 - 8) = r1
    r1 = map[blocked] ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_map_update_elem
    r2 = *(u32 *)(r6 + 4)
    r1 = *(u32 *)(r6 + 0)
    r0 = 2
    r3 = r1
    r3 += 34
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0x8 goto out
    r4 = *(u32 *)(r1 + 26)
    *(u32 *)(r10 - 12) = r4
    r1 = map[blocked] ll
    r2 = r10
    r2 += -12
    call bpf_map_lookup_elem
    r1 = r0
    r0 = 2
    if r1 == 0 goto out
    r0 = 1
out:
    exit
