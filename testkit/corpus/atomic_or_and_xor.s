# 32-bit atomic or/and/xor on the stack: ((0xf0 | 0x0f) & 0x3c) ^ 0x01 = 0x3d.
.section xdp
# case: eth ipv4 udp => r0=0x3d
    r1 = 0xf0
    *(u32 *)(r10 - 4) = r1
    w1 = 0x0f
    lock *(u32 *)(r10 - 4) |= w1
    w1 = 0x3c
    lock *(u32 *)(r10 - 4) &= w1
    w1 = 0x01
    lock *(u32 *)(r10 - 4) ^= w1
    r0 = *(u32 *)(r10 - 4)
    exit
