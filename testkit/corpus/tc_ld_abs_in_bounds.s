# LD_ABS word and byte loads: IPv4 source address and protocol.
.section tc
# case: eth ipv4/src=10.1.2.3 udp => r0=0x0a010211
# case: eth ipv4/src=1.2.3.4 tcp => r0=0x01020307
    r6 = r1
    r0 = *(u32 *)skb[26]
    r7 = r0
    r0 = *(u8 *)skb[23]
    r7 += r0
    r7 -= 3
    r0 = r7
    exit
