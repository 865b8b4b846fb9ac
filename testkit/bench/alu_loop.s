# `bpf-offload bench` and the JIT benches: 1,000 iterations of 8 ALU/branch instructions
# (the loop-carried chain add, xor, shift, sub, multiply by 7).
.section xdp
    r0 = 0
    r1 = 1000
    r2 = 0x12345
loop:
    r0 += r1
    r2 ^= r0
    r2 <<= 3
    r0 -= r2
    r2 >>= 5
    r0 *= 7
    r1 -= 1
    if r1 != 0 goto loop
    r0 &= 3
    exit
