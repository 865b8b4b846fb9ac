/* Minimal definitions so the test programs need no kernel or libbpf headers. */
#define SEC(name) __attribute__((section(name), used))
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
struct xdp_md { __u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; };
struct __sk_buff { __u32 len, pkt_type, mark, queue_mapping, protocol, vlan_present, vlan_tci,
                   vlan_proto, priority, ingress_ifindex, ifindex, tc_index, cb[5], hash,
                   tc_classid, data, data_end; };
struct bpf_map_def { __u32 type, key_size, value_size, max_entries, map_flags; };
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
enum { XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT };
