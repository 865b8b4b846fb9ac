/* Helpers: bpf_redirect is not offloaded. */
#include "nfp.h"
// EXPECT nfp.helper.unsupported | unsupported function id: 23
// KERNEL accept
SEC("xdp")
int redir(struct xdp_md *ctx)
{
	return bpf_redirect(2, 0); // HERE nfp.helper.unsupported
}
