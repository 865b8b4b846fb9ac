# Pass IPv4 and ARP, drop everything else (including runts).
.section xdp
# case: eth ipv4 tcp => r0=2 action=pass
# case: eth arp => r0=2 action=pass
# case: eth ipv6 tcp => r0=1 action=drop
# case: eth vlan ipv4 tcp => r0=1 action=drop
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r3 = r1
    r3 += 14
    r0 = 1
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 == 0x8 goto pass
    if r4 == 0x608 goto pass
    goto out
pass:
    r0 = 2
out:
    exit
