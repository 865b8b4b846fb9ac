# prandom, ktime (monotonic) and the CPU id are callable; the result does not depend on them.
.section xdp
# case: eth ipv4 udp => r0=2 action=pass
    call bpf_get_prandom_u32
    call bpf_ktime_get_ns
    r6 = r0
    call bpf_ktime_get_ns
    r1 = 1
    if r0 >= r6 goto ok
    r1 = 0
ok:
    call bpf_get_smp_processor_id
    r0 = 2
    exit
