/* Per-CPU packet and byte counters; returns the byte count seen so far. */
#include "bpf_test.h"
// TEST tcp80 70
// TEST arp 42
struct stats {
	__u64 packets;
	__u64 bytes;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stats);
} stats SEC(".maps");

SEC("xdp")
int percpu_counter(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct stats *s = bpf_map_lookup_elem(&stats, &key);

	if (!s)
		return 0;
	s->packets++;
	s->bytes += ctx->data_end - ctx->data;
	return s->bytes;
}
