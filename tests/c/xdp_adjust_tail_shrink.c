/* Cut the last 4 bytes of every packet. */
#include "bpf_test.h"
// TEST tcp80 2
// TEST udp53 2
SEC("xdp")
int shrink(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_tail(ctx, -4))
		return XDP_ABORTED;
	return XDP_PASS;
}
