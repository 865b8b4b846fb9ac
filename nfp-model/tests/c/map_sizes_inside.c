/* Maps, just inside: a 56-byte key with an 8-byte value is a 64-byte element; a 56-byte value
 * with a 4-byte key too. */
#include "nfp.h"
// KERNEL accept
struct k56 {
	__u32 w[14];
};
struct v56 {
	__u32 w[14];
};
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct k56);
	__type(value, __u64);
} keys SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct v56);
} vals SEC(".maps");

SEC("xdp")
int max_sizes(struct xdp_md *ctx)
{
	struct k56 k = {};
	__u32 i = 0;
	__u64 *a = bpf_map_lookup_elem(&keys, &k);
	struct v56 *b = bpf_map_lookup_elem(&vals, &i);
	return (a && b) ? XDP_DROP : XDP_PASS;
}
