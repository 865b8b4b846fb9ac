/* Count packets in an ARRAY map slot chosen by the EtherType's low byte; return the count. */
#include "bpf_test.h"
// TEST tcp80 1
// TEST arp 1
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

SEC("xdp")
int array_counter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 key;
	__u64 *count;

	if ((void *)(eth + 1) > data_end)
		return 0;
	key = bpf_ntohs(eth->h_proto) & 0xff;
	count = bpf_map_lookup_elem(&counters, &key);
	if (!count)
		return 0;
	__sync_fetch_and_add(count, 1);
	return *count;
}
