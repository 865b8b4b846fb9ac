# Drop IPv4 sources in 10.0.0.0/8 (mask compare on a big-endian field).
.section xdp
# case: eth ipv4/src=10.1.2.3 tcp => r0=1 action=drop
# case: eth ipv4/src=10.255.255.255 udp => r0=1 action=drop
# case: eth ipv4/src=11.0.0.1 tcp => r0=2 action=pass
# case: eth ipv4/src=9.255.255.255 tcp => r0=2 action=pass
# case: eth ipv6 tcp => r0=2 action=pass
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 2
    r3 = r1
    r3 += 34
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0x8 goto out
    r4 = *(u32 *)(r1 + 26)
    r4 = be32 r4
    r4 &= 0xff000000
    if r4 != 0xa000000 goto out
    r0 = 1
out:
    exit
