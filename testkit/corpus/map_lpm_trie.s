# LPM_TRIE longest-prefix match: insert 10.0.0.0/8 -> 8 and 10.1.0.0/16 -> 16, look up the source.
.section xdp
.map prefixes type=lpm_trie key=8 value=4 entries=16 flags=1
# case: eth ipv4/src=10.1.2.3 udp => r0=16
# case: eth ipv4/src=10.2.0.0 udp => r0=8
# case: eth ipv4/src=10.1.255.255 udp => r0=16
# case: eth ipv4/src=11.0.0.1 udp => r0=0 action=aborted
# case: eth arp => r0=2 action=pass
    r6 = r1
    r1 = 8
    *(u32 *)(r10 - 8) = r1
    r1 = 0xa
    *(u32 *)(r10 - 4) = r1
    r1 = 8
    *(u32 *)(r10 - 12) = r1
    r1 = map[prefixes] ll
    r2 = r10
    r2 += -8
    r3 = r10
    r3 += -12
    r4 = 0
    call bpf_map_update_elem
    r1 = 16
    *(u32 *)(r10 - 8) = r1
    r1 = 0x10a
    *(u32 *)(r10 - 4) = r1
    r1 = 16
    *(u32 *)(r10 - 12) = r1
    r1 = map[prefixes] ll
    r2 = r10
    r2 += -8
    r3 = r10
    r3 += -12
    r4 = 0
    call bpf_map_update_elem
    r2 = *(u32 *)(r6 + 4)
    r1 = *(u32 *)(r6 + 0)
    r0 = 2
    r3 = r1
    r3 += 34
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    if r4 != 0x8 goto out
    r4 = *(u32 *)(r1 + 26)
    *(u32 *)(r10 - 4) = r4
    r1 = 32
    *(u32 *)(r10 - 8) = r1
    r1 = map[prefixes] ll
    r2 = r10
    r2 += -8
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 0)
out:
    exit
