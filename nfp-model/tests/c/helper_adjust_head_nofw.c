/* Helpers: bpf_xdp_adjust_head needs the firmware capability. */
#include "nfp.h"
// CAPS [firmware]
// CAPS adjust_head = false
// EXPECT nfp.helper.not_in_fw | adjust_head not supported by FW
// KERNEL accept
SEC("xdp")
int pop(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_head(ctx, 14)) // HERE nfp.helper.not_in_fw
		return XDP_DROP;
	return XDP_PASS;
}
