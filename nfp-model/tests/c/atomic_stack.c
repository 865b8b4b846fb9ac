/* Instructions: atomic adds only to map values. */
#include "nfp.h"
// EXPECT nfp.atomic.not_map_value | atomic add not to a map value pointer: 6
// KERNEL accept
SEC("xdp")
int stack_add(struct xdp_md *ctx)
{
	volatile __u64 n = ctx->data_end - ctx->data;
	__sync_fetch_and_add(&n, 1); // HERE nfp.atomic.not_map_value
	return n & 3;
}
