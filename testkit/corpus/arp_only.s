# Pass ARP requests for 10.0.0.2, drop every other frame.
.section xdp
# case: eth arp/op=1,tpa=10.0.0.2 => r0=2 action=pass
# case: eth arp/op=1,tpa=10.0.0.3 => r0=1 action=drop
# case: eth arp/op=2,tpa=10.0.0.2 => r0=1 action=drop
# case: eth ipv4 udp => r0=1 action=drop
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 1
    r3 = r1
    r3 += 42
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0x608 goto out
    r4 = *(u16 *)(r1 + 20)
    if r4 != 0x100 goto out
    r4 = *(u32 *)(r1 + 38)
    if r4 != 0x200000a goto out
    r0 = 2
out:
    exit
