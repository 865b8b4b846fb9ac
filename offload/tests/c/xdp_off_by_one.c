// expect: reject invalid access to packet, off=12 size=2
#include "common.h"
SEC("xdp") int prog(struct xdp_md *ctx)
{
    __u8 *data = (__u8 *)(long)ctx->data;
    __u8 *end = (__u8 *)(long)ctx->data_end;
    if (data + 13 > end)
        return XDP_PASS;
    __u16 proto = *(__u16 *)(data + 12);
    return proto == 0x0008 ? XDP_DROP : XDP_PASS;
}
