# Signed 32-bit compare: TTL - 128 < 0 drops (TTL below 128), else pass.
.section xdp
# case: eth ipv4/ttl=16 udp => r0=1 action=drop
# case: eth ipv4/ttl=127 udp => r0=1 action=drop
# case: eth ipv4/ttl=128 udp => r0=2 action=pass
# case: eth ipv4/ttl=200 udp => r0=2 action=pass
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 2
    r3 = r1
    r3 += 34
    if r3 > r2 goto out
    w4 = *(u8 *)(r1 + 22)
    w4 -= 128
    if w4 s>= 0 goto out
    r0 = 1
out:
    exit
