# Drop TCP segments with SYN set and ACK clear (flags under a mask), IPv4 without options.
.section xdp
# case: eth ipv4 tcp/flags=S => r0=1 action=drop
# case: eth ipv4 tcp/flags=SA => r0=2 action=pass
# case: eth ipv4 tcp/flags=A => r0=2 action=pass
# case: eth ipv4 tcp/flags=SE => r0=1 action=drop
# case: eth ipv4 udp pad=20 => r0=2 action=pass
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 2
    r3 = r1
    r3 += 54
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0x8 goto out
    r4 = *(u8 *)(r1 + 23)
    if r4 != 6 goto out
    r4 = *(u8 *)(r1 + 47)
    r4 &= 0x12
    if r4 != 0x2 goto out
    r0 = 1
out:
    exit
