/* Helpers: map keys must be on the stack (here: in the packet). */
#include "nfp.h"
// EXPECT nfp.helper.arg_ptr_type | map_lookup: unsupported ptr type 8
// KERNEL accept
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} seen SEC(".maps");

SEC("xdp")
int key_in_packet(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (data + 4 > data_end)
		return XDP_PASS;
	__u32 *v = bpf_map_lookup_elem(&seen, data); // HERE nfp.helper.arg_ptr_type
	return v ? XDP_DROP : XDP_PASS;
}
