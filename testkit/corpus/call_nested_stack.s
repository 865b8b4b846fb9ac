# Three levels of bpf-to-bpf calls, each with its own stack frame:
# f1(5) = f2(6) + 5, f2(x) = f3(2x) + 1, f3(x) = 3x  =>  42.
.section xdp
# case: eth ipv4 udp => r0=42
    r1 = 5
    call f1
    exit
f1:
    *(u64 *)(r10 - 8) = r1
    r1 += 1
    call f2
    r1 = *(u64 *)(r10 - 8)
    r0 += r1
    exit
f2:
    r1 *= 2
    *(u64 *)(r10 - 16) = r1
    call f3
    r1 = *(u64 *)(r10 - 16)
    if r1 != 12 goto bad
    r0 += 1
    exit
bad:
    r0 = 0
    exit
f3:
    r0 = r1
    r0 *= 3
    exit
