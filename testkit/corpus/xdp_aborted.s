# XDP_ABORTED is 0.
.section xdp
# case: eth ipv4 tcp => r0=0 action=aborted
    r0 = 0
    exit
