# Drop IPv6 destinations in 2001:db8:ff::/48 (64-bit load of the upper half, masked).
.section xdp
# case: eth ipv6/dst=2001:db8:ff::1 udp => r0=1 action=drop
# case: eth ipv6/dst=2001:db8:ff:ffff::1 udp => r0=1 action=drop
# case: eth ipv6/dst=2001:db8:fe::1 udp => r0=2 action=pass
# case: eth ipv4 udp => r0=2 action=pass
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 2
    r3 = r1
    r3 += 54
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0xdd86 goto out
    r4 = *(u64 *)(r1 + 38)
    r4 = be64 r4
    r4 >>= 16
    r5 = 0x20010db800ff ll
    if r4 != r5 goto out
    r0 = 1
out:
    exit
