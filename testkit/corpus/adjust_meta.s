# Reserve 4 bytes of XDP metadata, store 42 there and read it back through data_meta.
.section xdp
# case: eth ipv4 udp => r0=42
    r6 = r1
    r2 = -4
    call bpf_xdp_adjust_meta
    r1 = r0
    r0 = 0
    if r1 != 0 goto out
    r2 = *(u32 *)(r6 + 0)
    r1 = *(u32 *)(r6 + 8)
    r3 = r1
    r3 += 4
    if r3 > r2 goto out
    r4 = 42
    *(u32 *)(r1 + 0) = r4
    r0 = *(u32 *)(r1 + 0)
out:
    exit
