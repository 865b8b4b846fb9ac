#include "common.h"
SEC("xdp") int pop(struct xdp_md *ctx)
{
    if (bpf_xdp_adjust_head(ctx, 4)) return XDP_ABORTED;
    __u8 *data = (__u8 *)(long)ctx->data, *end = (__u8 *)(long)ctx->data_end;
    if (data + 1 > end) return XDP_DROP;
    long big = 0x123456789abcLL;
    return data[0] == (big & 0xff) ? XDP_TX : XDP_PASS;
}
