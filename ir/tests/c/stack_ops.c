#include "common.h"
struct bpf_map_def SEC("maps") seen = { 1, 16, 8, 1024, 0 };
struct key { __u32 a, b; __u16 c; __u8 d, e; __u32 f; };
SEC("xdp") int stack(struct xdp_md *ctx)
{
    struct key k = { 0 };
    k.a = ctx->ingress_ifindex;
    k.b = 0xdeadbeef;
    k.c = 7;
    k.d = 1;
    k.f = ctx->rx_queue_index;
    __u64 now = bpf_ktime_get_ns();
    bpf_map_update_elem(&seen, &k, &now, 0);
    __u64 *t = bpf_map_lookup_elem(&seen, &k);
    return t && *t == now ? XDP_PASS : XDP_DROP;
}
