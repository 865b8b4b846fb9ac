# A 32-bit mixing function of the IPv4 addresses (multiply, shifts, xor, rotate by shifts).
.section xdp
# case: eth ipv4/src=10.0.0.1,dst=10.0.0.2 udp => r0=0xff8c0043
# case: eth ipv4/src=192.168.7.9,dst=8.8.4.4 udp => r0=0xf7859b06
# case: eth arp => r0=2 action=pass
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 2
    r3 = r1
    r3 += 34
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0x8 goto out
    w4 = *(u32 *)(r1 + 26)
    w5 = *(u32 *)(r1 + 30)
    w0 = w4
    w0 ^= w5
    w0 *= 0x9e3779b1
    w6 = w0
    w6 >>= 16
    w0 ^= w6
    w6 = w0
    w6 <<= 13
    w0 >>= 19
    w0 |= w6
    w0 += w5
    w0 s>>= 3
    w0 -= w4
out:
    exit
