// expect: accept
#include "common.h"
SEC("xdp") int prog(struct xdp_md *ctx)
{
    __u8 *data = (__u8 *)(long)ctx->data;
    __u8 *end = (__u8 *)(long)ctx->data_end;
    __u32 sum = 0;
#pragma clang loop unroll(disable)
    for (int i = 0; i < 32; i++) {
        if (data + i + 1 > end)
            break;
        sum += data[i];
    }
    return sum & 1 ? XDP_DROP : XDP_PASS;
}
