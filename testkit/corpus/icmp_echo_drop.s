# Drop ICMP echo requests (type 8), pass replies and other ICMP.
.section xdp
# case: eth ipv4 icmp/type=8 => r0=1 action=drop
# case: eth ipv4 icmp/type=0 => r0=2 action=pass
# case: eth ipv4 icmp/type=3,code=1 => r0=2 action=pass
# case: eth ipv6 icmp6 => r0=2 action=pass
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 2
    r3 = r1
    r3 += 36
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0x8 goto out
    r4 = *(u8 *)(r1 + 23)
    if r4 != 1 goto out
    r4 = *(u8 *)(r1 + 34)
    if r4 != 8 goto out
    r0 = 1
out:
    exit
