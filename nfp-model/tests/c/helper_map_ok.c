/* Helpers, inside: lookup, update and delete with stack keys and values. */
#include "nfp.h"
// KERNEL accept
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} flows SEC(".maps");

SEC("xdp")
int maps_ok(struct xdp_md *ctx)
{
	__u32 k = ctx->data_end - ctx->data;
	__u64 v = 1;
	if (bpf_map_lookup_elem(&flows, &k))
		bpf_map_delete_elem(&flows, &k);
	else
		bpf_map_update_elem(&flows, &k, &v, 0);
	return XDP_PASS;
}
