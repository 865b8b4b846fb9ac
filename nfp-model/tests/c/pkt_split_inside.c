/* Packet, inside: the last byte read is byte 1888 (min(max offset, MTU) = 1888). */
#include "nfp.h"
// CAPS [limits]
// CAPS mtu = 9000
// KERNEL accept
SEC("xdp")
int deep_read(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (data + 1889 > data_end)
		return XDP_PASS;
	return *(__u8 *)(data + 1888) ? XDP_DROP : XDP_PASS;
}
