/* TC return: TC_ACT_OK (0) is refused, only SHOT, STOLEN, QUEUED or values > 7. */
#include "nfp.h"
// EXPECT nfp.exit.value | unsupported exit state: 1, imm: 0
// KERNEL accept
SEC("tc")
int tc_ok(struct __sk_buff *skb)
{
	return TC_ACT_OK; // HERE nfp.exit.value
}
