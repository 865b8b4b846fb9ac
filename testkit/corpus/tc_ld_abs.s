# Legacy LD_ABS (network byte order): the EtherType.
.section tc
# case: eth ipv4 udp => r0=0x800
# case: eth ipv6 udp => r0=0x86dd
    r6 = r1
    r0 = *(u16 *)skb[12]
    exit
