/* Memory, inside: counters created zeroed, then only atomically added. */
#include "nfp.h"
// KERNEL accept
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} flows SEC(".maps");

SEC("xdp")
int count_flow(struct xdp_md *ctx)
{
	__u32 k = ctx->data_end - ctx->data;
	__u64 zero = 0;
	__u64 *c = bpf_map_lookup_elem(&flows, &k);
	if (!c) {
		bpf_map_update_elem(&flows, &k, &zero, 0);
		c = bpf_map_lookup_elem(&flows, &k);
		if (!c)
			return XDP_PASS;
	}
	__sync_fetch_and_add(c, 1);
	return XDP_PASS;
}
