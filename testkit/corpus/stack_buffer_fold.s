# Copy 16 bytes of the frame to the stack, xor the two words, fold to 32 bits by addition.
.section xdp
# case: hex=01020304050607081112131415161718 => r0=0x20202020
# case: hex=ffffffff000000000000000000000000 => r0=0xffffffff
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r3 = r1
    r3 += 16
    r0 = 0
    if r3 > r2 goto out
    r4 = *(u64 *)(r1 + 0)
    *(u64 *)(r10 - 16) = r4
    r4 = *(u64 *)(r1 + 8)
    *(u64 *)(r10 - 8) = r4
    r4 = *(u64 *)(r10 - 16)
    r5 = *(u64 *)(r10 - 8)
    r4 ^= r5
    r0 = r4
    r0 >>= 32
    r4 <<= 32
    r4 >>= 32
    r0 += r4
out:
    exit
