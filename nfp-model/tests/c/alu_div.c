/* Instructions: DIV only by a known constant. */
#include "nfp.h"
// EXPECT nfp.alu.div_not_const | divisor is not constant
// KERNEL accept
SEC("xdp")
int quotient(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (data + 2 > data_end)
		return XDP_PASS;
	__u32 a = *(__u8 *)data;
	__u32 b = *(__u8 *)(data + 1) | 1;
	return a / b; // HERE nfp.alu.div_not_const
}
