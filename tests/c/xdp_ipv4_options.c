/* Honour the IPv4 header length (options) before reading the TCP destination port. */
#include "bpf_test.h"
// TEST tcp80 80
// TEST tcp80_opts 80
// TEST udp53 0
SEC("xdp")
int ipv4_options(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *tcp;
	__u32 ihl;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return 0;
	ihl = ip->ihl * 4;
	if (ihl < sizeof(*ip) || ip->protocol != IPPROTO_TCP)
		return 0;
	tcp = (void *)ip + ihl;
	if ((void *)(tcp + 1) > data_end)
		return 0;
	return bpf_ntohs(tcp->dest);
}
