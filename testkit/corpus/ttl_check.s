# Drop IPv4 with TTL <= 1 and IPv6 with hop limit <= 1 (JMP32 compares).
.section xdp
# case: eth ipv4/ttl=1 udp => r0=1 action=drop
# case: eth ipv4/ttl=0 udp => r0=1 action=drop
# case: eth ipv4/ttl=2 udp => r0=2 action=pass
# case: eth ipv6/hlim=1 udp => r0=1 action=drop
# case: eth ipv6/hlim=255 udp => r0=2 action=pass
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 2
    r3 = r1
    r3 += 54
    if r3 > r2 goto v4only
    r4 = *(u16 *)(r1 + 12)
    if w4 != 0xdd86 goto v4
    w5 = *(u8 *)(r1 + 21)
    if w5 > 1 goto out
    r0 = 1
    goto out
v4only:
    r3 = r1
    r3 += 34
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
v4:
    if w4 != 0x8 goto out
    w5 = *(u8 *)(r1 + 22)
    if w5 > 1 goto out
    r0 = 1
out:
    exit
