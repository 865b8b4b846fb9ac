/* Drop IPv6, pass everything else. */
#include "bpf_test.h"
// TEST ipv6tcp 1
// TEST tcp80 2
// TEST arp 2
SEC("xdp")
int drop_ipv6(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	return eth->h_proto == bpf_htons(ETH_P_IPV6) ? XDP_DROP : XDP_PASS;
}
