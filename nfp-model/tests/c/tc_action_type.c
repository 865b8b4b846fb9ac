/* Program types: only XDP and SCHED_CLS can be bound to a device (a tc action cannot). */
#include "nfp.h"
// EXPECT target.prog_type | program type sched_act is not supported by target nfp
// KERNEL accept
SEC("action")
int act(struct __sk_buff *skb)
{
	return TC_ACT_SHOT;
}
