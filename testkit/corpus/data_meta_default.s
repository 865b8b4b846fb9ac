# Without adjust_meta, data_meta equals data: 2 when so, 1 otherwise.
.section xdp
# case: eth ipv4 udp => r0=2 action=pass
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 8)
    r0 = 2
    if r2 == r3 goto out
    r0 = 1
out:
    exit
