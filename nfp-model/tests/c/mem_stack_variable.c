/* Memory: stack offsets must be constants. */
#include "nfp.h"
// EXPECT nfp.stack.variable | variable ptr stack access
// KERNEL accept
SEC("xdp")
int stack_index(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	volatile struct {
		__u32 pad;
		__u8 t[8];
	} s = {};
	if (data + 1 > data_end)
		return XDP_PASS;
	s.t[3] = XDP_DROP;
	__u8 i = *(__u8 *)data;
	if (i > 6)
		return XDP_PASS;
	return s.t[i]; // HERE nfp.stack.variable
}
