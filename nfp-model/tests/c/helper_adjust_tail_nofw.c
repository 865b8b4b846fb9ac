/* Helpers: bpf_xdp_adjust_tail needs the firmware capability. */
#include "nfp.h"
// CAPS [firmware]
// CAPS adjust_tail = false
// EXPECT nfp.helper.not_in_fw | adjust_tail not supported by FW
// KERNEL accept
SEC("xdp")
int trim(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_tail(ctx, -4)) // HERE nfp.helper.not_in_fw
		return XDP_DROP;
	return XDP_PASS;
}
