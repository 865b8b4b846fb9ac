/* Instructions: MUL only on operands within u32. */
#include "nfp.h"
// EXPECT nfp.alu.mul_range | multiplier is not within u32 value range
// KERNEL accept
SEC("xdp")
int product(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (data + 8 > data_end)
		return XDP_PASS;
	__u64 a = *(__u64 *)data;
	return (a * 3) >> 62; // HERE nfp.alu.mul_range
}
