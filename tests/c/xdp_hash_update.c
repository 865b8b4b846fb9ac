/* Insert the source address into a hash map, read it back and return the stored length. */
#include "bpf_test.h"
// TEST tcp80 70
// TEST udp53 58
// TEST arp 0
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} last_len SEC(".maps");

SEC("xdp")
int hash_update(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u32 key, len, *got;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return 0;
	key = ip->saddr;
	len = data_end - data;
	if (bpf_map_update_elem(&last_len, &key, &len, BPF_ANY))
		return 0;
	got = bpf_map_lookup_elem(&last_len, &key);
	if (!got)
		return 0;
	len = *got;
	bpf_map_delete_elem(&last_len, &key);
	return bpf_map_lookup_elem(&last_len, &key) ? 0 : len;
}
