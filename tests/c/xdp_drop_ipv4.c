/* Drop every IPv4 packet, pass the rest (ARP keeps working). */
#include "bpf_test.h"
// TEST tcp80 1
// TEST udp53 1
// TEST arp 2
SEC("xdp")
int drop_ipv4(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	return eth->h_proto == bpf_htons(ETH_P_IP) ? XDP_DROP : XDP_PASS;
}
