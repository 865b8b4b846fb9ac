/* Helpers: map keys at a constant stack offset (here: indexed by packet data). */
#include "nfp.h"
// EXPECT nfp.helper.arg_variable | map_lookup: variable pointer
// KERNEL accept
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} seen SEC(".maps");

SEC("xdp")
int key_variable(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 keys[4] = { 1, 2, 3, 4 };
	if (data + 1 > data_end)
		return XDP_PASS;
	__u8 i = *(__u8 *)data & 3;
	__u32 *v = bpf_map_lookup_elem(&seen, &keys[i]); // HERE nfp.helper.arg_variable
	return v ? XDP_DROP : XDP_PASS;
}
