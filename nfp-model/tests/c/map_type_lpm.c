/* Maps: an LPM trie is neither offloaded nor flag-free. */
#include "nfp.h"
// EXPECT nfp.map.flags | map flags are not supported
// EXPECT nfp.map.type | map type not supported
// KERNEL accept
struct lpm_key {
	__u32 prefixlen;
	__u32 addr;
};
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_key);
	__type(value, __u32);
} routes SEC(".maps"); // HERE nfp.map.type

SEC("xdp")
int use_lpm(struct xdp_md *ctx)
{
	struct lpm_key key = { 32, 0x0100000a };
	__u32 *v = bpf_map_lookup_elem(&routes, &key);
	return v ? XDP_DROP : XDP_PASS;
}
