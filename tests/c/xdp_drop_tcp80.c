/* The canonical filter: drop IPv4 TCP to port 80. */
#include "bpf_test.h"
// TEST tcp80 1
// TEST tcp22 2
// TEST udp53 2
// TEST ipv6tcp 2
// TEST runt 2
SEC("xdp")
int drop_tcp80(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *tcp;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (ip->protocol != IPPROTO_TCP)
		return XDP_PASS;
	tcp = (void *)ip + ip->ihl * 4;
	if ((void *)(tcp + 1) > data_end)
		return XDP_PASS;
	return tcp->dest == bpf_htons(80) ? XDP_DROP : XDP_PASS;
}
