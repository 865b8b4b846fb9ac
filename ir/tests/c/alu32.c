#include "common.h"
SEC("xdp") int arith(struct xdp_md *ctx)
{
    __u32 a = ctx->ingress_ifindex, b = ctx->rx_queue_index | 1;
    __u32 r = (a / b) + (a % b) - (a << 3) + (b >> 2);
    __s32 s = (__s32)r >> 5;
    __u64 w = ((__u64)a << 40) | b;
    w = w * 7 - (w >> 13);
    return (s ^ (__u32)w) & 3;
}
