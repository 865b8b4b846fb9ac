/* Helpers, inside: bpf_xdp_adjust_head on the default firmware. */
#include "nfp.h"
// KERNEL accept
SEC("xdp")
int pop(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_head(ctx, 14))
		return XDP_DROP;
	return XDP_PASS;
}
