# bpf-to-bpf call: a subprogram returns the EtherType (host order) or 0; the caller drops IPv4.
.section xdp
# case: eth ipv4 udp => r0=1 action=drop
# case: eth ipv6 udp => r0=2 action=pass
# case: eth arp => r0=2 action=pass
    call parse_type
    if r0 == 0x800 goto v4
    r0 = 2
    exit
v4:
    r0 = 1
    exit
parse_type:
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 0
    r3 = r1
    r3 += 14
    if r3 > r2 goto ret
    r0 = *(u16 *)(r1 + 12)
    r0 = be16 r0
ret:
    exit
