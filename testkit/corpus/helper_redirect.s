# bpf_redirect(ifindex 5, 0) returns XDP_REDIRECT.
.section xdp
# case: eth ipv4 udp => r0=4 action=redirect
    r1 = 5
    r2 = 0
    call bpf_redirect
    exit
