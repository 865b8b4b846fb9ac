/* Helpers: bpf_get_prandom_u32 needs the random-number capability. */
#include "nfp.h"
// CAPS [firmware]
// CAPS random = false
// EXPECT nfp.helper.not_in_fw | bpf_get_prandom_u32(): FW doesn't support random number generation
// KERNEL accept
SEC("xdp")
int sample(struct xdp_md *ctx)
{
	return bpf_get_prandom_u32() & 1 ? XDP_DROP : XDP_PASS; // HERE nfp.helper.not_in_fw
}
