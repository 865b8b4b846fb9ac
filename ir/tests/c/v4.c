#include "common.h"
/* Compiled with -mcpu=v4: signed division, sign-extending loads and moves, bswap. */
SEC("xdp") int v4(struct xdp_md *ctx)
{
    __s8 *data = (__s8 *)(long)ctx->data, *end = (__s8 *)(long)ctx->data_end;
    if (data + 8 > end) return XDP_PASS;
    __s64 a = data[0];
    __s64 b = *(__s16 *)(data + 2);
    __s64 c = *(__s32 *)(data + 4);
    __s32 d = (__s32)ctx->ingress_ifindex;
    __s64 q = (a * 1000 + b) / (c | 1);
    __s32 m = d % 7;
    __s64 e = (__s8)q + (__s16)m;
    __u64 s = __builtin_bswap64(e) + __builtin_bswap16((__u16)m);
    return (q + m + e + s) & 3;
}
