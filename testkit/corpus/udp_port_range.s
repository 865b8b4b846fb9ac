# Drop UDP destination ports 1000-2000 inclusive (IPv4, no options).
.section xdp
# case: eth ipv4 udp/dport=1000 => r0=1 action=drop
# case: eth ipv4 udp/dport=2000 => r0=1 action=drop
# case: eth ipv4 udp/dport=1500 => r0=1 action=drop
# case: eth ipv4 udp/dport=999 => r0=2 action=pass
# case: eth ipv4 udp/dport=2001 => r0=2 action=pass
# case: eth ipv4 tcp/dport=1500 => r0=2 action=pass
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 2
    r3 = r1
    r3 += 42
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0x8 goto out
    r4 = *(u8 *)(r1 + 23)
    if r4 != 17 goto out
    r4 = *(u16 *)(r1 + 36)
    r4 = be16 r4
    if r4 < 1000 goto out
    if r4 > 2000 goto out
    r0 = 1
out:
    exit
