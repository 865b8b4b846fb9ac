/* Maps: 2,048,000 entries over all maps; the second map asks for one too many. */
#include "nfp.h"
// EXPECT nfp.map.elements | map with too many elements: 48001, left: 48000
// KERNEL accept
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2000000);
	__type(key, __u32);
	__type(value, __u32);
} big SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 48001);
	__type(key, __u32);
	__type(value, __u32);
} rest SEC(".maps"); // HERE nfp.map.elements

SEC("xdp")
int many_elements(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u32 *a = bpf_map_lookup_elem(&big, &key);
	__u32 *b = bpf_map_lookup_elem(&rest, &key);
	return (a && b) ? XDP_DROP : XDP_PASS;
}
