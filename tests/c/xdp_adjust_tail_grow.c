/* Grow the packet by 4 bytes and fill them with 0xab. */
#include "bpf_test.h"
// TEST tcp80 2
// TEST arp 2
SEC("xdp")
int grow(struct xdp_md *ctx)
{
	void *data, *data_end;
	__u8 *tail;
	__u32 len;

	if (bpf_xdp_adjust_tail(ctx, 4))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	len = data_end - data;
	if (len < 4 || len > 1514)
		return XDP_ABORTED;
	tail = data + ((len - 4) & 0x7ff);
	if ((void *)(tail + 4) > data_end)
		return XDP_ABORTED;
	tail[0] = 0xab;
	tail[1] = 0xab;
	tail[2] = 0xab;
	tail[3] = 0xab;
	return XDP_PASS;
}
