/* Helpers: map_update's value must be on the stack too (here: another map's value). */
#include "nfp.h"
// EXPECT nfp.helper.arg_ptr_type | map_update: unsupported ptr type 4
// KERNEL accept
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} src SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} dst SEC(".maps");

SEC("xdp")
int value_in_map(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u32 *v = bpf_map_lookup_elem(&src, &k);
	if (!v)
		return XDP_PASS;
	bpf_map_update_elem(&dst, &k, v, 0); // HERE nfp.helper.arg_ptr_type
	return XDP_DROP;
}
