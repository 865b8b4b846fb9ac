# skb->len is the whole frame.
.section tc
# case: eth ipv4 udp => r0=42
# case: eth ipv6 tcp pad=10 => r0=84
    r0 = *(u32 *)(r1 + 0)
    exit
