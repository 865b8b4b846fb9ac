/* Packet: with an MTU above the split boundary, reads past byte 1888 are refused. */
#include "nfp.h"
// CAPS [limits]
// CAPS mtu = 9000
// EXPECT nfp.packet.split_boundary | BPF offload not supported with potential packet access beyond HW packet split boundary
// KERNEL accept
SEC("xdp")
int deep_read(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (data + 1890 > data_end)
		return XDP_PASS;
	return *(__u8 *)(data + 1889) ? XDP_DROP : XDP_PASS; // HERE nfp.packet.split_boundary
}
