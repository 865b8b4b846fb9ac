# r6-r9 survive a call; the callee may use its own r6-r9. Returns the sum of r6-r9 (1+2+3+4) * 10 + callee's 7.
.section xdp
# case: eth ipv4 udp => r0=107
    r6 = 1
    r7 = 2
    r8 = 3
    r9 = 4
    call clobber
    r6 += r7
    r6 += r8
    r6 += r9
    r6 *= 10
    r0 += r6
    exit
clobber:
    r6 = 100
    r7 = 100
    r8 = 100
    r9 = 100
    r0 = 7
    exit
