/* Global data: .rodata configuration, .data and .bss counters. */
#include "bpf_test.h"
// TEST tcp80 ?
// TEST udp53 ?
const volatile __u32 verdict_for_tcp = XDP_DROP;
const char tag[8] = "offload";
__u32 base = 100;
__u64 packets;

SEC("xdp")
int global_data(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	packets++;
	base += tag[1];
	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
	if (ip->protocol == IPPROTO_TCP)
		return verdict_for_tcp;
	return base + packets;
}
