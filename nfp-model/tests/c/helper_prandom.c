/* Helpers, inside: bpf_get_prandom_u32 with the capability (default firmware). */
#include "nfp.h"
// KERNEL accept
SEC("xdp")
int sample(struct xdp_md *ctx)
{
	return bpf_get_prandom_u32() & 1 ? XDP_DROP : XDP_PASS;
}
