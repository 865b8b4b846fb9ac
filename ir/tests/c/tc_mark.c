#include "common.h"
SEC("tc") int set_mark(struct __sk_buff *skb)
{
    if (skb->protocol == 0x0008 && skb->len > 100)
        skb->mark = skb->hash ^ 0x5a5a;
    else
        skb->mark = 1;
    skb->tc_classid = skb->ifindex;
    return 0;
}
