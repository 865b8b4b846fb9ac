/* Maps: key <= 56 bytes (a 60-byte key also makes the element too large). */
#include "nfp.h"
// EXPECT nfp.map.element_size | map elements too large: 72, FW max element size (key+value): 64
// EXPECT nfp.map.key_size | map key size 60, FW max is 56
// KERNEL accept
struct key60 {
	__u32 w[15];
};
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct key60);
	__type(value, __u32);
} wide SEC(".maps"); // HERE nfp.map.key_size

SEC("xdp")
int wide_key(struct xdp_md *ctx)
{
	struct key60 k = {};
	__u32 *v = bpf_map_lookup_elem(&wide, &k);
	return v ? XDP_DROP : XDP_PASS;
}
