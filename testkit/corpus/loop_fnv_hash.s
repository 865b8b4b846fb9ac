# FNV-1a (32-bit) over the first 16 bytes, in 32-bit ALU.
.section xdp
# case: hex=00000000000000000000000000000000 => r0=0x69691905
# case: hex=6162636465666768696a6b6c6d6e => r0=0x35c134f2
# case: hex=6162636465666768696a6b6c6d6e6f70 => r0=0x68bb1f5
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    w0 = 0x811c9dc5
    r5 = 16
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
    exit
