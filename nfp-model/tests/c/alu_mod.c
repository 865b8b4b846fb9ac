/* Instructions: no MOD. */
#include "nfp.h"
// EXPECT nfp.insn.unsupported | instruction 0x94 not supported
// KERNEL accept
SEC("xdp")
int modulo(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	return len % 3; // HERE nfp.insn.unsupported
}
