/* Context: TC stores to the context (skb->mark) are not offloaded. */
#include "nfp.h"
// EXPECT nfp.ctx.store | unsupported store to context field
// KERNEL accept
SEC("tc")
int mark(struct __sk_buff *skb)
{
	skb->mark = 7; // HERE nfp.ctx.store
	return TC_ACT_SHOT;
}
