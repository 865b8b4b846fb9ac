// expect: reject invalid bpf_context access off=0 size=4
#include "common.h"
SEC("tc") int prog(struct __sk_buff *skb)
{
    skb->len = 1;
    return 0;
}
