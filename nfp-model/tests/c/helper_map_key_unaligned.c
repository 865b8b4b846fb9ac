/* Helpers: map keys 4-byte aligned on the stack. */
#include "nfp.h"
// EXPECT nfp.helper.arg_unaligned | map_lookup: unaligned stack pointer 6
// KERNEL accept
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u16);
	__type(value, __u32);
} ports SEC(".maps");

SEC("xdp")
int key_unaligned(struct xdp_md *ctx)
{
	__u16 k[4] = { 1, 2, 3, 4 };
	__u32 *v = bpf_map_lookup_elem(&ports, &k[1]); // HERE nfp.helper.arg_unaligned
	return v ? XDP_DROP : XDP_PASS;
}
