/* Helpers: tail calls are impossible (no PROG_ARRAY on the NFP). */
#include "nfp.h"
// EXPECT nfp.map.type | map type not supported
// EXPECT nfp.helper.unsupported | unsupported function id: 12
// KERNEL accept
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} jumps SEC(".maps"); // HERE nfp.map.type

SEC("xdp")
int tail(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jumps, 1); // HERE nfp.helper.unsupported
	return XDP_PASS;
}
