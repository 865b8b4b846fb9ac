# Drop IPv4 UDP; pass the rest.
.section xdp
# case: eth ipv4 udp => r0=1 action=drop
# case: eth ipv4 tcp => r0=2 action=pass
# case: eth ipv4 icmp => r0=2 action=pass
# case: eth ipv6 udp => r0=2 action=pass
# case: eth ipv4 udp trunc=22 => r0=2 action=pass
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 2
    r3 = r1
    r3 += 34
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0x8 goto out
    r4 = *(u8 *)(r1 + 23)
    if r4 != 17 goto out
    r0 = 1
out:
    exit
