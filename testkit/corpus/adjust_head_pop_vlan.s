# Remove an 802.1Q tag: move the MAC addresses 4 bytes forward, then bpf_xdp_adjust_head(+4).
.section xdp
# case: eth vlan/id=5 ipv4 udp => r0=2 action=pass out=eth ipv4 udp
# case: eth/dst=01:02:03:04:05:06,src=0a:0b:0c:0d:0e:0f vlan/id=4000 ipv6 tcp => r0=2 action=pass out=eth/dst=01:02:03:04:05:06,src=0a:0b:0c:0d:0e:0f ipv6 tcp
# case: eth ipv4 udp => r0=2 action=pass
    r6 = r1
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 2
    r3 = r1
    r3 += 18
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0x81 goto out
    r4 = *(u32 *)(r1 + 8)
    r5 = *(u64 *)(r1 + 0)
    *(u32 *)(r1 + 12) = r4
    *(u64 *)(r1 + 4) = r5
    r1 = r6
    r2 = 4
    call bpf_xdp_adjust_head
    if r0 == 0 goto ok
    r0 = 0
    goto out
ok:
    r0 = 2
out:
    exit
