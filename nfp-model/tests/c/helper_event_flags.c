/* Helpers: perf_event_output must use BPF_F_CURRENT_CPU (and always warns). */
#include "nfp.h"
// EXPECT nfp.helper.event_output_flags | event_output: must use BPF_F_CURRENT_CPU, var_off: (0; 0)
// EXPECT nfp.helper.event_output_differs | warning: return codes and behavior of event_output helper differ for offload!
// KERNEL accept
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, 4);
	__uint(value_size, 4);
	__uint(max_entries, 4);
} events SEC(".maps");

SEC("xdp")
int event_cpu0(struct xdp_md *ctx)
{
	__u32 v = 7;
	bpf_perf_event_output(ctx, &events, 0, &v, sizeof(v)); // HERE nfp.helper.event_output_flags
	return XDP_PASS;
}
