/* A socket filter keeping IPv4 packets whole and dropping the rest. */
#include "bpf_test.h"
// TEST tcp80 ?
// TEST arp ?
SEC("socket")
int socket_len(struct __sk_buff *skb)
{
	return skb->protocol == bpf_htons(ETH_P_IP) ? skb->len : 0;
}
