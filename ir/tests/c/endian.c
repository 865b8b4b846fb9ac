#include "common.h"
SEC("xdp") int swaps(struct xdp_md *ctx)
{
    __u64 x = ctx->ingress_ifindex;
    __u16 a = __builtin_bswap16((__u16)x);
    __u32 b = __builtin_bswap32((__u32)x);
    __u64 c = __builtin_bswap64(x);
    return (a + b + c) & 3;
}
