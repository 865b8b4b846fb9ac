/* Maps: no map_flags. */
#include "nfp.h"
// EXPECT nfp.map.flags | map flags are not supported
// KERNEL accept
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u32);
} flagged SEC(".maps"); // HERE nfp.map.flags

SEC("xdp")
int use_flagged(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u32 *v = bpf_map_lookup_elem(&flagged, &key);
	return v ? XDP_DROP : XDP_PASS;
}
