/* Helpers, inside: shrinking with adjust_tail. */
#include "nfp.h"
// KERNEL accept
SEC("xdp")
int trim(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_tail(ctx, -4))
		return XDP_DROP;
	return XDP_PASS;
}
