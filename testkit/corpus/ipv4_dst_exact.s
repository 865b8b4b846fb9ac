# Drop IPv4 to 192.168.1.1, comparing the raw little-endian load.
.section xdp
# case: eth ipv4/dst=192.168.1.1 tcp => r0=1 action=drop
# case: eth ipv4/dst=192.168.1.2 tcp => r0=2 action=pass
# case: eth ipv4/dst=1.1.168.192 tcp => r0=2 action=pass
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 2
    r3 = r1
    r3 += 34
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0x8 goto out
    r4 = *(u32 *)(r1 + 30)
    if w4 != 0x101a8c0 goto out
    r0 = 1
out:
    exit
