/* Minimal definitions so the test programs need no kernel or libbpf headers. */
#define SEC(name) __attribute__((section(name), used))
#define __noinline __attribute__((noinline))
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
struct xdp_md { __u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; };
struct __sk_buff { __u32 len, pkt_type, mark, queue_mapping, protocol, vlan_present, vlan_tci,
                   vlan_proto, priority, ingress_ifindex, ifindex, tc_index, cb[5], hash,
                   tc_classid, data, data_end; };
struct bpf_map_def { __u32 type, key_size, value_size, max_entries, map_flags; };
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value, __u64 flags) = (void *)2;
static __u64 (*bpf_ktime_get_ns)(void) = (void *)5;
static long (*bpf_xdp_adjust_head)(struct xdp_md *xdp, int delta) = (void *)44;
enum { XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT };
