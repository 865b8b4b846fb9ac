# skb->mark is writable: store 42, read it back.
.section tc
# case: eth ipv4 udp => r0=42
    r2 = 42
    *(u32 *)(r1 + 8) = r2
    r0 = *(u32 *)(r1 + 8)
    exit
