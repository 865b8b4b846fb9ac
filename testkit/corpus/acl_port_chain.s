# A linear ACL on the TCP/UDP destination port (IPv4, no options): return the index of the first
# matching rule + 10, or 2 (pass) when none matches.
.section xdp
# case: eth ipv4 tcp/dport=22 => r0=10
# case: eth ipv4 udp/dport=53 => r0=11
# case: eth ipv4 tcp/dport=80 => r0=12
# case: eth ipv4 tcp/dport=443 => r0=13
# case: eth ipv4 udp/dport=123 => r0=14
# case: eth ipv4 tcp/dport=8080 => r0=15
# case: eth ipv4 tcp/dport=3306 => r0=16
# case: eth ipv4 tcp/dport=9999 => r0=2 action=pass
# case: eth ipv4 icmp pad=10 => r0=2 action=pass
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 2
    r3 = r1
    r3 += 38
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0x8 goto out
    r4 = *(u8 *)(r1 + 23)
    if r4 == 6 goto l4
    if r4 == 17 goto l4
    goto out
l4:
    r4 = *(u16 *)(r1 + 36)
    r4 = be16 r4
    r0 = 10
    if r4 == 22 goto out
    r0 = 11
    if r4 == 53 goto out
    r0 = 12
    if r4 == 80 goto out
    r0 = 13
    if r4 == 443 goto out
    r0 = 14
    if r4 == 123 goto out
    r0 = 15
    if r4 == 8080 goto out
    r0 = 16
    if r4 == 3306 goto out
    r0 = 2
out:
    exit
