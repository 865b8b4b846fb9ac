# cpu v4: sign-extending loads, sdiv/smod, movsx and bswap on packet bytes.
# s8 0xff = -1; s16 0xff9c = -100; -100 s/ 7 = -14; -100 s% 7 = -2; (s8)0x9c = -100;
# bswap32(0x04030201) & 0xff = 4  =>  1 + 140 + 2000 + 40000 = 42141.
.section xdp
# case: hex=ff009cff010203040000000000000000 => r0=42141
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 0
    r3 = r1
    r3 += 16
    if r3 > r2 goto out
    r4 = *(s8 *)(r1 + 0)
    r5 = *(s16 *)(r1 + 2)
    r6 = r5
    r6 s/= 7
    r7 = r5
    r7 s%= 7
    r8 = (s8)r5
    if r8 != -100 goto out
    r9 = *(u32 *)(r1 + 4)
    r9 = bswap32 r9
    r9 &= 0xff
    r4 = -r4
    r0 = r4
    r6 = -r6
    r6 *= 10
    r0 += r6
    r7 = -r7
    r7 *= 1000
    r0 += r7
    r9 *= 10000
    r0 += r9
out:
    exit
