/* Context: TC loads of fields other than len, data and data_end are not translated. */
#include "nfp.h"
// EXPECT nfp.ctx.load | ctx load of 4 bytes at offset 16 not supported by the JIT (Translation failed with error -95)
// KERNEL accept
SEC("tc")
int proto(struct __sk_buff *skb)
{
	if (skb->protocol == 0x0008) // HERE nfp.ctx.load
		return TC_ACT_SHOT;
	return TC_ACT_UNSPEC;
}
