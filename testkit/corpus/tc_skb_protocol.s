# skb->protocol holds the EtherType in network byte order.
.section tc
# case: eth ipv4 udp => r0=0x8
# case: eth ipv6 udp => r0=0xdd86
# case: eth arp => r0=0x608
    r0 = *(u32 *)(r1 + 16)
    exit
