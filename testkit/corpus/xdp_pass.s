# The smallest XDP program: pass everything.
.section xdp
# case: eth ipv4 tcp => r0=2 action=pass
# case: eth arp => r0=2 action=pass
    r0 = 2
    exit
