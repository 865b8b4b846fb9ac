/* Instructions: atomics only ADD without fetch. */
#include "nfp.h"
// EXPECT nfp.atomic.op | atomic op not implemented: 64
// KERNEL accept
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} flags SEC(".maps");

SEC("xdp")
int set_flag(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u32 *f = bpf_map_lookup_elem(&flags, &k);
	if (f)
		__sync_fetch_and_or(f, 4); // HERE nfp.atomic.op
	return XDP_PASS;
}
