# Spill data/data_end to the stack, clobber the registers, fill them back and read byte 13.
.section xdp
# case: eth ipv4 udp => r0=0
# case: eth ipv6 udp => r0=0xdd
# case: eth arp => r0=6
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r2
    r1 = 0
    r2 = 0
    r1 = *(u64 *)(r10 - 8)
    r2 = *(u64 *)(r10 - 16)
    r3 = r1
    r3 += 14
    r0 = 0
    if r3 > r2 goto out
    r0 = *(u8 *)(r1 + 13)
out:
    exit
