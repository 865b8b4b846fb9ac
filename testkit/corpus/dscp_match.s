# Return the DSCP of IPv4 packets + 100, so EF (46) gives 146; non-IPv4 passes.
.section xdp
# case: eth ipv4/tos=0xb8 udp => r0=146
# case: eth ipv4/tos=0xb9 udp => r0=146
# case: eth ipv4/tos=0 udp => r0=100
# case: eth ipv4/tos=0xfc udp => r0=163
# case: eth arp => r0=2 action=pass
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 2
    r3 = r1
    r3 += 34
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0x8 goto out
    r0 = *(u8 *)(r1 + 15)
    r0 >>= 2
    r0 += 100
out:
    exit
