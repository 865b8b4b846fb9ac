/* Context, inside: TC reads of len, data and data_end. */
#include "nfp.h"
// KERNEL accept
struct __sk_buff_full {
	__u32 len, pkt_type, mark, queue_mapping, protocol, vlan_present, vlan_tci, vlan_proto;
	__u32 priority, ingress_ifindex, ifindex, tc_index, cb[5], hash, tc_classid, data, data_end;
};
SEC("tc")
int len(struct __sk_buff_full *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	if (data + 14 > data_end || skb->len < 60)
		return TC_ACT_SHOT;
	return TC_ACT_UNSPEC;
}
