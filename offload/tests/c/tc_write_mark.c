// expect: accept
#include "common.h"
SEC("tc") int prog(struct __sk_buff *skb)
{
    skb->mark = skb->len;
    return 0;
}
