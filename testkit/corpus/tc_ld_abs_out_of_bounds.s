# An LD_ABS beyond the packet ends the program at once with r0 = 0.
.section tc
# case: eth ipv4 udp => r0=0 action=ok
    r6 = r1
    r0 = *(u32 *)skb[1000]
    r0 = 5
    exit
