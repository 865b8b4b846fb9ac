#include "common.h"
struct bpf_map_def SEC("maps") vals = { 2, 4, 16, 1, 0 };
SEC("xdp") int atomics(struct xdp_md *ctx)
{
    __u32 key = 0;
    __u64 *v = bpf_map_lookup_elem(&vals, &key);
    if (!v) return XDP_PASS;
    __u32 *w = (__u32 *)(v + 1);
    __u64 old = __sync_fetch_and_add(v, 5);
    __sync_fetch_and_or(v, 2);
    __sync_fetch_and_and(v, 0xff);
    __sync_fetch_and_xor(v, 1);
    old += __sync_fetch_and_xor(v, 3);
    old += __sync_lock_test_and_set(v, 9);
    old += __sync_val_compare_and_swap(v, 9, 10);
    __u32 o32 = __sync_fetch_and_add(w, 1);
    o32 += __sync_fetch_and_or(w, 4);
    o32 += __sync_lock_test_and_set(w, 3);
    o32 += __sync_val_compare_and_swap(w, 3, 4);
    __sync_fetch_and_add(w, 7);
    return (old + o32) & 3;
}
