/* Memory: loads through packet-metadata pointers (and of ctx->data_meta) are not translated. */
#include "nfp.h"
// EXPECT nfp.ctx.load | ctx load of 4 bytes at offset 8 not supported by the JIT (Translation failed with error -95)
// EXPECT nfp.mem.ptr_type | unsupported ptr type: 7
// KERNEL accept
SEC("xdp")
int meta(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *meta = (void *)(long)ctx->data_meta; // HERE nfp.ctx.load
	if (meta + 1 > data)
		return XDP_PASS;
	return *(__u8 *)meta ? XDP_DROP : XDP_PASS; // HERE nfp.mem.ptr_type
}
