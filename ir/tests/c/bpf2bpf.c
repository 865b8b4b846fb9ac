#include "common.h"
static __noinline __u32 mix(__u32 a, __u32 b) { return (a * 31) ^ (b >> 3); }
static __noinline int classify(__u32 len) { return len > 1000 ? XDP_DROP : XDP_PASS; }
SEC("xdp") int calls(struct xdp_md *ctx)
{
    __u32 len = ctx->data_end - ctx->data;
    __u32 h = mix(len, ctx->ingress_ifindex);
    if (h == 12345) return XDP_TX;
    return classify(len);
}
