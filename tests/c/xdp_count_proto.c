/* Count packets per IP protocol in a hash map; drop UDP, pass the rest. */
#include "bpf_test.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} proto_count SEC(".maps");

static __noinline int is_udp(__u8 proto)
{
	return proto == IPPROTO_UDP;
}

const volatile __u32 drop_verdict = XDP_DROP;
__u64 seen = 0;

SEC("xdp")
int count_proto(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	__u32 key;
	__u64 one = 1, *val;

	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	key = ip->protocol;
	seen++;
	val = bpf_map_lookup_elem(&proto_count, &key);
	if (val)
		*val += 1;
	else
		bpf_map_update_elem(&proto_count, &key, &one, BPF_ANY);
	if (is_udp(ip->protocol))
		return drop_verdict;
	return XDP_PASS;
}
