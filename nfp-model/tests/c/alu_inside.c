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
	__u32 b = ctx->data_end - ctx->data;
	__u32 c = __builtin_bswap32(a) >> 30;
	return (((a * b) / 10) + c) & 3;
}
