// expect: accept
#include "common.h"
SEC("xdp") int prog(struct xdp_md *ctx)
{
    volatile __u32 buf[16];
    for (int i = 0; i < 16; i++)
        buf[i] = ctx->ingress_ifindex + i;
    return buf[ctx->rx_queue_index & 15] & 1 ? XDP_DROP : XDP_PASS;
}
