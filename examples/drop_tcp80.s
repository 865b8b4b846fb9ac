# The canonical example of DESIGN.md, by hand: drop IPv4 TCP packets to port 80 (XDP).
# Non-first fragments pass, as netfilter's --dport does not match them.
# case: eth ipv4 tcp/dport=80 => r0=1 action=drop
# case: eth ipv4 tcp/dport=443 => r0=2 action=pass
# case: eth ipv4 udp/dport=80 => r0=2 action=pass
# case: eth ipv6 tcp/dport=80 => r0=2 action=pass
# case: eth ipv4/opts=8 tcp/dport=80 => r0=1 action=drop
# case: eth ipv4/opts=40 tcp/dport=80 => r0=1 action=drop
# case: eth ipv4/frag=0x0010 tcp/dport=80 => r0=2 action=pass
# case: eth ipv4/frag=0x2000 tcp/dport=80 => r0=1 action=drop
# case: eth ipv4 tcp/sport=80,dport=8080 => r0=2 action=pass
# case: eth ipv4 tcp/dport=80 trunc=37 => r0=2 action=pass
# case: eth ipv4 tcp/dport=80 trunc=38 => r0=1 action=drop
# case: eth ipv4/ihl=4 tcp/dport=80 => r0=2 action=pass
.section xdp
.license "GPL"
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r3 = r1
    r3 += 34
    if r3 > r2 goto pass
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0x8 goto pass
    r4 = *(u8 *)(r1 + 23)
    if r4 != 6 goto pass
    r4 = *(u16 *)(r1 + 20)
    r4 &= 0xff1f
    if r4 != 0 goto pass
    r4 = *(u8 *)(r1 + 14)
    r4 &= 15
    r4 <<= 2
    if r4 < 20 goto pass
    r1 += r4
    r3 = r1
    r3 += 18
    if r3 > r2 goto pass
    r4 = *(u16 *)(r1 + 16)
    if r4 != 0x5000 goto pass
    r0 = 1
    exit
pass:
    r0 = 2
    exit
