/* The smallest program: pass everything. */
#include "bpf_test.h"
// TEST tcp80 2
// TEST arp 2
SEC("xdp")
int pass_all(struct xdp_md *ctx)
{
	return XDP_PASS;
}
