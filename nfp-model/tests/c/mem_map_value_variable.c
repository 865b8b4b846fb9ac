/* Memory: map value reads at constant offsets. */
#include "nfp.h"
// EXPECT nfp.map.value_offset_variable | map value offset is variable
// KERNEL accept
struct vals {
	__u32 w[8];
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vals);
} table SEC(".maps");

SEC("xdp")
int read_index(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 k = 0;
	if (data + 1 > data_end)
		return XDP_PASS;
	struct vals *v = bpf_map_lookup_elem(&table, &k);
	if (!v)
		return XDP_PASS;
	return v->w[*(__u8 *)data & 7]; // HERE nfp.map.value_offset_variable
}
