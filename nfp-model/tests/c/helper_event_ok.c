/* Helpers, inside: perf_event_output with BPF_F_CURRENT_CPU and a stack buffer (warns only). */
#include "nfp.h"
// EXPECT nfp.helper.event_output_differs | warning: return codes and behavior of event_output helper differ for offload!
// KERNEL accept
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, 4);
	__uint(value_size, 4);
	__uint(max_entries, 4);
} events SEC(".maps");

SEC("xdp")
int event_ok(struct xdp_md *ctx)
{
	__u32 v = 7;
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &v, sizeof(v)); // HERE nfp.helper.event_output_differs
	return XDP_PASS;
}
