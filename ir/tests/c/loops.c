#include "common.h"
SEC("xdp") int sum_bytes(struct xdp_md *ctx)
{
    __u8 *data = (__u8 *)(long)ctx->data, *end = (__u8 *)(long)ctx->data_end;
    __u32 sum = 0;
    for (int i = 0; i < 64; i++) {
        if (data + i + 1 > end) break;
        sum += data[i];
    }
    return sum & 1 ? XDP_DROP : XDP_PASS;
}
