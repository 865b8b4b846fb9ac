# Drop every IPv4 fragment: more-fragments flag set or a non-zero offset.
.section xdp
# case: eth ipv4/frag=0x2000 udp => r0=1 action=drop
# case: eth ipv4/frag=0x0001 udp => r0=1 action=drop
# case: eth ipv4/frag=0x4000 udp => r0=2 action=pass
# case: eth ipv4 udp => r0=2 action=pass
# case: eth ipv4/frag=0x1fff udp => r0=1 action=drop
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 2
    r3 = r1
    r3 += 34
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0x8 goto out
    r4 = *(u16 *)(r1 + 20)
    r4 = be16 r4
    if r4 & 0x3fff goto frag
    goto out
frag:
    r0 = 1
out:
    exit
