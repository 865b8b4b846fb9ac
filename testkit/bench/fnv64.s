# `bpf-offload bench` and the JIT benches: FNV-1a (32-bit) over the first 64 packet bytes.
.section xdp
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    w0 = 0x811c9dc5
    r5 = 64
loop:
    r3 = r1
    r3 += 1
    if r3 > r2 goto out
    w4 = *(u8 *)(r1 + 0)
    w0 ^= w4
    w0 *= 0x1000193
    r1 += 1
    r5 -= 1
    if r5 != 0 goto loop
out:
    w0 &= 3
    exit
