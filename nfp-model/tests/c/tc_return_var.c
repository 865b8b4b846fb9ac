/* TC return: R0 must be a known constant. */
#include "nfp.h"
// EXPECT nfp.exit.not_const | unsupported exit state: 1, var_off: (0x2; 0x1)
// KERNEL accept
SEC("tc")
int tc_var(struct __sk_buff *skb)
{
	return (skb->len & 1) + 2; // HERE nfp.exit.not_const
}
