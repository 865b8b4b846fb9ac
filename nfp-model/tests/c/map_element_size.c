/* Maps: roundup8(key) + roundup8(value) <= 64 even when each fits (24 + 48 = 72). */
#include "nfp.h"
// EXPECT nfp.map.element_size | map elements too large: 72, FW max element size (key+value): 64
// KERNEL accept
struct k24 {
	__u32 w[6];
};
struct v44 {
	__u32 w[11];
};
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct k24);
	__type(value, struct v44);
} elems SEC(".maps"); // HERE nfp.map.element_size

SEC("xdp")
int big_element(struct xdp_md *ctx)
{
	struct k24 k = {};
	struct v44 *v = bpf_map_lookup_elem(&elems, &k);
	return v ? XDP_DROP : XDP_PASS;
}
