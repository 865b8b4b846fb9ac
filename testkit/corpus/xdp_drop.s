# Drop everything.
.section xdp
# case: eth ipv4 tcp => r0=1 action=drop
# case: eth ipv6 udp => r0=1 action=drop
    r0 = 1
    exit
