/* Read the EtherType with bpf_skb_load_bytes and return it. */
#include "bpf_test.h"
// TEST tcp80 2048
// TEST arp 2054
// TEST ipv6tcp 34525
SEC("classifier")
int tc_load_bytes(struct __sk_buff *skb)
{
	__be16 proto;

	if (bpf_skb_load_bytes(skb, 12, &proto, sizeof(proto)))
		return -1;
	return bpf_ntohs(proto);
}
