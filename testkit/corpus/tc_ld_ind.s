# Legacy LD_IND: the IPv4 protocol byte at r7 + 9 with r7 = 14.
.section tc
# case: eth ipv4 udp => r0=17
# case: eth ipv4 icmp => r0=1
    r6 = r1
    r7 = 14
    r0 = *(u8 *)skb[r7 + 9]
    exit
