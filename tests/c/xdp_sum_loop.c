/* A bounded loop summing the first 32 bytes of the packet. */
#include "bpf_test.h"
// TEST tcp80 ?
// TEST arp ?
SEC("xdp")
int sum_loop(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 sum = 0;

	for (int i = 0; i < 32; i++) {
		if ((void *)(p + i + 1) > data_end)
			break;
		sum += p[i];
	}
	return sum;
}
