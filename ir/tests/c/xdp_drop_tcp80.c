#include "common.h"
SEC("xdp") int drop_tcp80(struct xdp_md *ctx)
{
    __u8 *data = (__u8 *)(long)ctx->data, *end = (__u8 *)(long)ctx->data_end;
    if (data + 14 + 20 + 20 > end) return XDP_PASS;
    if (data[12] != 0x08 || data[13] != 0x00) return XDP_PASS;
    __u8 *ip = data + 14;
    if ((ip[0] >> 4) != 4 || ip[9] != 6) return XDP_PASS;
    __u32 ihl = (ip[0] & 0xf) * 4;
    if (ihl < 20 || ip + ihl + 20 > end) return XDP_PASS;
    __u8 *tcp = ip + ihl;
    __u16 dport = (tcp[2] << 8) | tcp[3];
    return dport == 80 ? XDP_DROP : XDP_PASS;
}
