# cmpxchg that succeeds (returns 10), one that fails (returns 20), then xchg (returns 20):
# r0 = 20 + 20 + 7.
.section xdp
# case: eth ipv4 udp => r0=47
    r1 = 10
    *(u64 *)(r10 - 8) = r1
    r0 = 10
    r1 = 20
    r0 = cmpxchg_64(r10 - 8, r0, r1)
    if r0 != 10 goto fail
    r0 = 5
    r1 = 30
    r0 = cmpxchg_64(r10 - 8, r0, r1)
    r3 = 7
    r3 = xchg_64(r10 - 8, r3)
    r2 = *(u64 *)(r10 - 8)
    r0 += r3
    r0 += r2
    exit
fail:
    r0 = 0
    exit
