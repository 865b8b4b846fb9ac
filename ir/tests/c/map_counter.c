#include "common.h"
struct bpf_map_def SEC("maps") counters = { 2, 4, 8, 4, 0 };
SEC("xdp") int count(struct xdp_md *ctx)
{
    __u32 key = ctx->rx_queue_index & 3;
    __u64 *v = bpf_map_lookup_elem(&counters, &key);
    if (!v) return XDP_ABORTED;
    __sync_fetch_and_add(v, 1);
    return XDP_PASS;
}
