# bpf_trace_printk("hi %d\n", 7) returns the number of bytes written: 5.
.section xdp
# case: eth ipv4 udp => r0=5
    r1 = 0xa6425206968 ll
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 7
    r3 = 7
    call bpf_trace_printk
    exit
