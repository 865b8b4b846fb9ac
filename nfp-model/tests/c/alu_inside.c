/* Instructions, inside: u32 MUL and DIV by a constant, big-endian swaps. */
#include "nfp.h"
// KERNEL accept
SEC("xdp")
int arith(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (data + 4 > data_end)
		return XDP_PASS;
	__u32 a = *(__u32 *)data;
	/* Not data_end - data: with alu32 that is a 32-bit pointer subtraction, which the kernel
	 * (so the driver) sees as an unbounded scalar. */
	__u32 b = *((__u8 *)data + 3);
	__u32 c = __builtin_bswap32(a) >> 30;
	return (((a * b) / 10) + c) & 3;
}
