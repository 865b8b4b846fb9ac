/* TC return, just inside: SHOT, STOLEN and UNSPEC (-1, > 7 as u64) are constants the NFP takes. */
#include "nfp.h"
// KERNEL accept
SEC("tc")
int tc_allowed(struct __sk_buff *skb)
{
	if (skb->len > 1000)
		return TC_ACT_SHOT;
	if (skb->len > 500)
		return TC_ACT_STOLEN;
	return TC_ACT_UNSPEC;
}
