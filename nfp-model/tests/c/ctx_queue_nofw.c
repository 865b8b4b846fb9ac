/* Context: stores to rx_queue_index need the queue-select capability (the host kernel refuses
 * XDP context stores: only offloaded programs may select queues). */
#include "nfp.h"
// CAPS [firmware]
// CAPS queue_select = false
// EXPECT nfp.ctx.queue_select | queue selection not supported by FW
// KERNEL reject
SEC("xdp")
int select_queue(struct xdp_md *ctx)
{
	ctx->rx_queue_index = 1; // HERE nfp.ctx.queue_select
	return XDP_PASS;
}
