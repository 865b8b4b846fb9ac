/* Helpers: firmware that shifts metadata on adjust_head is not supported by the driver. */
#include "nfp.h"
// CAPS [firmware]
// CAPS adjust_head_no_meta = false
// EXPECT nfp.helper.adjust_head_meta | adjust_head: FW requires shifting metadata, not supported by the driver
// KERNEL accept
SEC("xdp")
int pop(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_head(ctx, 14)) // HERE nfp.helper.adjust_head_meta
		return XDP_DROP;
	return XDP_PASS;
}
