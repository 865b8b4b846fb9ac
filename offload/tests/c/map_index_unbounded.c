// expect: reject unbounded memory access
#include "common.h"
struct bpf_map_def SEC("maps") table = { 2, 4, 64, 1, 0 };
SEC("xdp") int prog(struct xdp_md *ctx)
{
    __u32 key = 0;
    __u8 *v = bpf_map_lookup_elem(&table, &key);
    if (!v)
        return XDP_PASS;
    __u32 i = ctx->ingress_ifindex;
    return v[i];
}
