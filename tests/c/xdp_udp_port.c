/* Return the UDP destination port (host order), 0 for anything else. */
#include "bpf_test.h"
// TEST udp53 53
// TEST tcp80 0
// TEST arp 0
SEC("xdp")
int udp_port(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	if ((void *)(udp + 1) > data_end)
		return 0;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->protocol != IPPROTO_UDP)
		return 0;
	return bpf_ntohs(udp->dest);
}
