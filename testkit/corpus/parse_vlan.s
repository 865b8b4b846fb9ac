# Skip one 802.1Q tag if present; drop IPv4 TCP inside VLAN 100 only.
.section xdp
# case: eth vlan/id=100 ipv4 tcp => r0=1 action=drop
# case: eth vlan/id=101 ipv4 tcp => r0=2 action=pass
# case: eth vlan/id=100,prio=5 ipv4 tcp => r0=1 action=drop
# case: eth vlan/id=100 ipv4 udp => r0=2 action=pass
# case: eth ipv4 tcp => r0=2 action=pass
# case: eth vlan/id=100 ipv6 tcp => r0=2 action=pass
# case: eth vlan/id=100 trunc=17 => r0=2 action=pass
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 2
    r3 = r1
    r3 += 18
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0x81 goto out
    r4 = *(u16 *)(r1 + 14)
    r4 = be16 r4
    r4 &= 0xfff
    if r4 != 100 goto out
    r4 = *(u16 *)(r1 + 16)
    if r4 != 0x8 goto out
    r3 = r1
    r3 += 38
    if r3 > r2 goto out
    r4 = *(u8 *)(r1 + 27)
    if r4 != 6 goto out
    r0 = 1
out:
    exit
