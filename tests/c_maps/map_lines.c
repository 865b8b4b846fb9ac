/* Map definition lines: a BTF map and a legacy map whose names are not on their SEC( line
 * (the text search cannot find them; DWARF can), and global data. Read by
 * tests/elf_source_lines.rs, which looks for the MAP markers. */
typedef unsigned int __u32;
#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
struct xdp_md { __u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; };
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
struct bpf_map_def { unsigned int type, key_size, value_size, max_entries, map_flags; };
struct lpm_key { __u32 prefixlen; __u32 addr; };

struct {
	__uint(type, 11 /* LPM_TRIE */);
	__uint(max_entries, 64);
	__uint(map_flags, 1 /* BPF_F_NO_PREALLOC */);
	__type(key, struct lpm_key);
	__type(value, __u32);
} btf_routes // MAP btf_routes
	SEC(".maps");

struct bpf_map_def SEC("maps")
	legacy_routes = { 11, 8, 4, 64, 1 }; // MAP legacy_routes

const volatile __u32 limit = 3; // MAP .rodata
__u32 hits; // MAP .bss

SEC("xdp")
int use_maps(struct xdp_md *ctx)
{
	struct lpm_key key = { 32, 0x0100000a };
	__u32 *a = bpf_map_lookup_elem(&btf_routes, &key);
	__u32 *b = bpf_map_lookup_elem(&legacy_routes, &key);

	hits++;
	return (a ? 1 : 2) + (b && *b > limit ? 1 : 0);
}

char LICENSE[] SEC("license") = "GPL";
