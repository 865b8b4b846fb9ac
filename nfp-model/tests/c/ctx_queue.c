/* Context, inside: queue selection on firmware that has it. */
#include "nfp.h"
// KERNEL reject
SEC("xdp")
int select_queue(struct xdp_md *ctx)
{
	ctx->rx_queue_index = 1;
	return XDP_PASS;
}
