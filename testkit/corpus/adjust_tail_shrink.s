# Trim every frame to at most 60 bytes with bpf_xdp_adjust_tail(60 - len).
.section xdp
# case: eth ipv4 udp pad=50 => r0=2 action=pass out=eth ipv4 udp pad=50 trunc=60
# case: eth ipv4 udp pad=18 => r0=2 action=pass
# case: eth ipv4 udp => r0=2 action=pass
    r6 = r1
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r2 -= r1
    r0 = 2
    if r2 <= 60 goto out
    r1 = r6
    r3 = 60
    r3 -= r2
    r2 = r3
    call bpf_xdp_adjust_tail
    r1 = r0
    r0 = 2
    if r1 == 0 goto out
    r0 = 0
out:
    exit
