# The canonical filter as a TC classifier: __sk_buff data/data_end, TC_ACT_SHOT (2) or TC_ACT_OK.
.section tc
# case: eth ipv4 tcp/dport=80 => r0=2 action=shot
# case: eth ipv4 tcp/dport=81 => r0=0 action=ok
# case: eth ipv4/opts=12 tcp/dport=80 => r0=2 action=shot
# case: eth ipv6 tcp/dport=80 => r0=0 action=ok
    r2 = *(u32 *)(r1 + 80)
    r1 = *(u32 *)(r1 + 76)
    r0 = 0
    r3 = r1
    r3 += 34
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0x8 goto out
    r4 = *(u8 *)(r1 + 23)
    if r4 != 6 goto out
    r4 = *(u8 *)(r1 + 14)
    r4 &= 15
    r4 <<= 2
    if r4 < 20 goto out
    r1 += r4
    r3 = r1
    r3 += 18
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 16)
    if r4 != 0x5000 goto out
    r0 = 2
out:
    exit
