/* The canonical filter as a TC classifier with direct packet access. */
#include "bpf_test.h"
// TEST tcp80 2
// TEST tcp22 0
// TEST arp 0
SEC("tc")
int tc_drop_tcp80(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *tcp = (void *)(ip + 1);

	if ((void *)(tcp + 1) > data_end)
		return TC_ACT_OK;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->protocol != IPPROTO_TCP)
		return TC_ACT_OK;
	return tcp->dest == bpf_htons(80) ? TC_ACT_SHOT : TC_ACT_OK;
}
