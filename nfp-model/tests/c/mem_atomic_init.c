/* Memory: counters must be zero-initialised by map_update_elem (offload endianness). */
#include "nfp.h"
// EXPECT nfp.map.atomic_not_zeroed | value at offset 0/15 may be non-zero, bpf_map_update_elem() is required to initialize atomic counters to zero to avoid offload endian issues
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
	__u64 one = 1;
	__u64 *c = bpf_map_lookup_elem(&flows, &k);
	if (c)
		__sync_fetch_and_add(c, 1);
	else
		bpf_map_update_elem(&flows, &k, &one, 0); // HERE nfp.map.atomic_not_zeroed
	return XDP_PASS;
}
