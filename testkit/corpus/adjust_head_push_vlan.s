# Push an 802.1Q tag with id 7: bpf_xdp_adjust_head(-4), re-check bounds, move the MACs back.
.section xdp
# case: eth ipv4 udp => r0=3 action=tx out=eth vlan/id=7 ipv4 udp
# case: eth/dst=01:02:03:04:05:06 arp => r0=3 action=tx out=eth/dst=01:02:03:04:05:06 vlan/id=7 arp
    r6 = r1
    r2 = -4
    call bpf_xdp_adjust_head
    r1 = r0
    r0 = 0
    if r1 != 0 goto out
    r2 = *(u32 *)(r6 + 4)
    r1 = *(u32 *)(r6 + 0)
    r3 = r1
    r3 += 18
    if r3 > r2 goto out
    r4 = *(u64 *)(r1 + 4)
    r5 = *(u32 *)(r1 + 12)
    *(u64 *)(r1 + 0) = r4
    *(u32 *)(r1 + 8) = r5
    *(u16 *)(r1 + 12) = 0x81
    *(u16 *)(r1 + 14) = 0x700
    r0 = 3
out:
    exit
