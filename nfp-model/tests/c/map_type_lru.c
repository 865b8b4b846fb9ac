/* Maps: only HASH and ARRAY are offloaded. */
#include "nfp.h"
// EXPECT nfp.map.type | map type not supported
// KERNEL accept
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} lru SEC(".maps"); // HERE nfp.map.type

SEC("xdp")
int use_lru(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u32 *v = bpf_map_lookup_elem(&lru, &key);
	return v ? XDP_DROP : XDP_PASS;
}
