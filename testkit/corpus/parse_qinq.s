# 802.1ad outer tag + 802.1Q inner tag: return the inner VLAN id + 1000 when both are present,
# 7 for a single 802.1Q tag, 2 otherwise.
.section xdp
# case: eth qinq/id=10 vlan/id=20 ipv4 => r0=1020
# case: eth qinq/id=10 vlan/id=4095 ipv4 => r0=5095
# case: eth vlan/id=20 ipv4 => r0=7
# case: eth ipv4 => r0=2 action=pass
# case: eth qinq/id=10 ipv4 => r0=2 action=pass
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 2
    r3 = r1
    r3 += 22
    if r3 > r2 goto short
    r4 = *(u16 *)(r1 + 12)
    if r4 == 0x81 goto single
    if r4 != 0xa888 goto out
    r4 = *(u16 *)(r1 + 16)
    if r4 != 0x81 goto out
    r0 = *(u16 *)(r1 + 18)
    r0 = be16 r0
    r0 &= 0xfff
    r0 += 1000
    goto out
short:
    r3 = r1
    r3 += 14
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0x81 goto out
single:
    r0 = 7
out:
    exit
