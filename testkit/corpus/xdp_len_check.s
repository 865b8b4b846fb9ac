# Drop frames shorter than 60 bytes (pointer subtraction, allowed for a privileged loader).
.section xdp
# case: eth ipv4 tcp => r0=1 action=drop
# case: eth ipv4 tcp pad=6 => r0=2 action=pass
# case: eth ipv4 udp pad=100 => r0=2 action=pass
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r2 -= r1
    r0 = 2
    if r2 >= 60 goto out
    r0 = 1
out:
    exit
