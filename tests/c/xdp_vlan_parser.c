/* Skip one 802.1Q tag, then return the IP protocol (0 when not IPv4). */
#include "bpf_test.h"
// TEST tcp80 6
// TEST vlan_udp 17
// TEST arp 0
struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

SEC("xdp")
int vlan_parser(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	void *next = eth + 1;
	__be16 proto;
	struct iphdr *ip;

	if (next > data_end)
		return 0;
	proto = eth->h_proto;
	if (proto == bpf_htons(0x8100)) {
		struct vlan_hdr *vh = next;

		if ((void *)(vh + 1) > data_end)
			return 0;
		proto = vh->proto;
		next = vh + 1;
	}
	if (proto != bpf_htons(ETH_P_IP))
		return 0;
	ip = next;
	if ((void *)(ip + 1) > data_end)
		return 0;
	return ip->protocol;
}
