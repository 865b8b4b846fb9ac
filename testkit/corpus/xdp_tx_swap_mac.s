# Swap Ethernet source and destination, send back out (XDP_TX).
.section xdp
# case: eth ipv4 udp => r0=3 action=tx out=eth/dst=02:00:00:00:00:01,src=02:00:00:00:00:02 ipv4 udp
# case: eth/dst=aa:bb:cc:dd:ee:ff,src=11:22:33:44:55:66 arp => r0=3 action=tx out=eth/dst=11:22:33:44:55:66,src=aa:bb:cc:dd:ee:ff arp
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r3 = r1
    r3 += 14
    r0 = 1
    if r3 > r2 goto out
    r4 = *(u32 *)(r1 + 0)
    r5 = *(u16 *)(r1 + 4)
    r6 = *(u32 *)(r1 + 6)
    r7 = *(u16 *)(r1 + 10)
    *(u32 *)(r1 + 0) = r6
    *(u16 *)(r1 + 4) = r7
    *(u32 *)(r1 + 6) = r4
    *(u16 *)(r1 + 10) = r5
    r0 = 3
out:
    exit
