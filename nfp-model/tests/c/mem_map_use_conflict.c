/* Memory: a map value word is either read or atomically added, not both. */
#include "nfp.h"
// EXPECT nfp.map.use_conflict | map value use type conflict atomic vs read off: 0
// KERNEL accept
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counter SEC(".maps");

SEC("xdp")
int count_and_read(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *c = bpf_map_lookup_elem(&counter, &k);
	if (!c)
		return XDP_PASS;
	__sync_fetch_and_add(c, 1);
	return *c > 100 ? XDP_DROP : XDP_PASS; // HERE nfp.map.use_conflict
}
