# Count zero bytes among the first 64 bytes (a loop with a branch in its body).
.section xdp
# case: hex=0001000002000000000301010101 => r0=7
# case: hex=0101010101010101010101010101 => r0=0
# case: pad=100 => r0=64
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 0
    r5 = 64
loop:
    r3 = r1
    r3 += 1
    if r3 > r2 goto out
    r4 = *(u8 *)(r1 + 0)
    if r4 != 0 goto next
    r0 += 1
next:
    r1 += 1
    r5 -= 1
    if r5 != 0 goto loop
out:
    exit
