// expect: accept
#include "common.h"
struct bpf_map_def SEC("maps") counters = { 1, 4, 8, 16, 0 };
SEC("xdp") int prog(struct xdp_md *ctx)
{
    __u32 key = ctx->rx_queue_index;
    __u64 *v = bpf_map_lookup_elem(&counters, &key);
    if (v)
        *v += 1;
    return XDP_PASS;
}
