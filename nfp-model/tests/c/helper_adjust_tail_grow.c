/* Helpers: adjust_tail only shrinks on the NFP: a positive delta warns (returns -EINVAL there). */
#include "nfp.h"
// EXPECT nfp.helper.adjust_tail_grow | adjust_tail: delta R2=4 may be positive: the NFP returns -EINVAL (-22) for growing the packet
// KERNEL accept
SEC("xdp")
int grow(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_tail(ctx, 4)) // HERE nfp.helper.adjust_tail_grow
		return XDP_DROP;
	return XDP_PASS;
}
