/* XDP return: any R0 is accepted at load (XDP_REDIRECT takes the abort path at run time). */
#include "nfp.h"
// KERNEL accept
SEC("xdp")
int ret_redirect(struct xdp_md *ctx)
{
	return XDP_REDIRECT;
}
