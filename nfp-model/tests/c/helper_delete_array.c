/* Maps: deleting from an ARRAY returns -EINVAL (a warning; the program loads). */
#include "nfp.h"
// EXPECT nfp.map.delete_array | map_delete on ARRAY map 'slots' always returns -EINVAL (-22)
// KERNEL accept
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} slots SEC(".maps");

SEC("xdp")
int delete_array(struct xdp_md *ctx)
{
	__u32 k = 1;
	bpf_map_delete_elem(&slots, &k); // HERE nfp.map.delete_array
	return XDP_PASS;
}
