/* Memory: no direct stores to map values. */
#include "nfp.h"
// EXPECT nfp.map.write | map writes not supported
// KERNEL accept
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} last SEC(".maps");

SEC("xdp")
int store_len(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u32 *v = bpf_map_lookup_elem(&last, &k);
	if (!v)
		return XDP_PASS;
	*v = ctx->data_end - ctx->data; // HERE nfp.map.write
	return XDP_PASS;
}
