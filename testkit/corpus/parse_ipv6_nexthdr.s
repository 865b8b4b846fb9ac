# Drop IPv6 packets whose next header is TCP; pass the rest.
.section xdp
# case: eth ipv6 tcp => r0=1 action=drop
# case: eth ipv6 udp => r0=2 action=pass
# case: eth ipv6 hbh tcp => r0=2 action=pass
# case: eth ipv4 tcp => r0=2 action=pass
# case: eth ipv6 tcp trunc=20 => r0=2 action=pass
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 2
    r3 = r1
    r3 += 54
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0xdd86 goto out
    r4 = *(u8 *)(r1 + 20)
    if r4 != 6 goto out
    r0 = 1
out:
    exit
