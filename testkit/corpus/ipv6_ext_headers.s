# Walk up to 4 IPv6 extension headers (hop-by-hop, routing, destination options) in a bounded
# loop and return the final next-header value, or 255 when the walk runs off the packet.
.section xdp
# case: eth ipv6 tcp => r0=6
# case: eth ipv6 hbh tcp => r0=6
# case: eth ipv6 hbh dstopts udp => r0=17
# case: eth ipv6 hbh routing dstopts icmp6 => r0=58
# case: eth ipv6 hbh hbh hbh hbh hbh udp => r0=0
# case: eth ipv6 hbh trunc=60 => r0=255
# case: eth ipv4 udp => r0=2 action=pass
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 2
    r3 = r1
    r3 += 54
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0xdd86 goto out
    r0 = *(u8 *)(r1 + 20)
    r1 += 54
    r5 = 4
loop:
    if r0 == 0 goto ext
    if r0 == 43 goto ext
    if r0 == 60 goto ext
    goto out
ext:
    if r5 == 0 goto out
    r5 -= 1
    r3 = r1
    r3 += 8
    if r3 > r2 goto runoff
    r0 = *(u8 *)(r1 + 0)
    r4 = *(u8 *)(r1 + 1)
    r4 += 1
    r4 <<= 3
    r1 += r4
    goto loop
runoff:
    r0 = 255
out:
    exit
