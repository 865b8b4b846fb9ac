# Grow the frame by 4 bytes and write 0xdeadbeef into them.
.section xdp
# case: eth ipv4 udp => r0=2 action=pass out=eth ipv4/len=28 udp/len=8 hex=deadbeef
# case: hex=0102030405060708090a0b0c0d0e => r0=2 action=pass out=hex=0102030405060708090a0b0c0d0edeadbeef
    r6 = r1
    r2 = 4
    call bpf_xdp_adjust_tail
    r1 = r0
    r0 = 0
    if r1 != 0 goto out
    r2 = *(u32 *)(r6 + 4)
    r1 = *(u32 *)(r6 + 0)
    r3 = r2
    r3 -= r1
    if r3 > 2000 goto out
    if r3 < 4 goto out
    r3 -= 4
    r1 += r3
    r4 = r1
    r4 += 4
    if r4 > r2 goto out
    *(u32 *)(r1 + 0) = 0xefbeadde
    r0 = 2
out:
    exit
