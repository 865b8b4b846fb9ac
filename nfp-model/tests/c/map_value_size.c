/* Maps: value <= 56 bytes. */
#include "nfp.h"
// EXPECT nfp.map.element_size | map elements too large: 72, FW max element size (key+value): 64
// EXPECT nfp.map.value_size | map value size 60, FW max is 56
// KERNEL accept
struct val60 {
	__u32 w[15];
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct val60);
} fat SEC(".maps"); // HERE nfp.map.value_size

SEC("xdp")
int wide_value(struct xdp_md *ctx)
{
	__u32 k = 0;
	struct val60 *v = bpf_map_lookup_elem(&fat, &k);
	return v ? XDP_DROP : XDP_PASS;
}
