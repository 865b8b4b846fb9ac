# The smallest TC classifier: TC_ACT_OK.
.section tc
# case: eth ipv4 tcp => r0=0 action=ok
    r0 = 0
    exit
