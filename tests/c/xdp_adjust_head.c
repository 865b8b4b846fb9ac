/* Strip the Ethernet header of IPv4 packets. */
#include "bpf_test.h"
// TEST tcp80 2
// TEST arp 1
SEC("xdp")
int strip_eth(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_DROP;
	if (bpf_xdp_adjust_head(ctx, (int)sizeof(struct ethhdr)))
		return XDP_ABORTED;
	return XDP_PASS;
}
