/* Maps: at most `limits.maps` per device (128; 2 here through --caps). */
#include "nfp.h"
// CAPS [limits]
// CAPS maps = 2
// EXPECT nfp.map.count | too many maps for a device
// KERNEL accept
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} m1 SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} m2 SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} m3 SEC(".maps"); // HERE nfp.map.count

SEC("xdp")
int three_maps(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u32 *a = bpf_map_lookup_elem(&m1, &key);
	__u32 *b = bpf_map_lookup_elem(&m2, &key);
	__u32 *c = bpf_map_lookup_elem(&m3, &key);
	return (a && b && c) ? XDP_DROP : XDP_PASS;
}
