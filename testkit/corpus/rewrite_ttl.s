# Decrement the IPv4 TTL and patch the checksum incrementally (RFC 1624), then pass.
.section xdp
# case: eth ipv4/ttl=64 udp => r0=2 action=pass out=eth ipv4/ttl=63 udp
# case: eth ipv4/ttl=2,src=192.168.0.1 tcp => r0=2 action=pass out=eth ipv4/ttl=1,src=192.168.0.1 tcp
# case: eth ipv4/ttl=1 udp => r0=1 action=drop
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 2
    r3 = r1
    r3 += 34
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0x8 goto out
    r4 = *(u8 *)(r1 + 22)
    r0 = 1
    if r4 <= 1 goto out
    r4 -= 1
    *(u8 *)(r1 + 22) = r4
    r5 = *(u16 *)(r1 + 24)
    r5 = be16 r5
    r5 += 0x100
    r6 = r5
    r6 >>= 16
    r5 &= 0xffff
    r5 += r6
    r5 = be16 r5
    *(u16 *)(r1 + 24) = r5
    r0 = 2
out:
    exit
