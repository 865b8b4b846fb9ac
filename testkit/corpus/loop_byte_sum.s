# Sum the first 32 bytes of the frame (or all of it when shorter) in a bounded loop.
.section xdp
# case: hex=0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20 => r0=528
# case: hex=0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20ff => r0=528
# case: hex=0101010101010101010101010101 => r0=14
# case: hex=ff0000000000000000000000000000 => r0=255
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 0
    r5 = 0
loop:
    if r5 >= 32 goto out
    r3 = r1
    r3 += 1
    if r3 > r2 goto out
    r4 = *(u8 *)(r1 + 0)
    r0 += r4
    r1 += 1
    r5 += 1
    goto loop
out:
    exit
