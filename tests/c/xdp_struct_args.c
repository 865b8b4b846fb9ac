/* bpf-to-bpf calls passing pointers to the caller's stack. */
#include "bpf_test.h"
// TEST tcp80 ?
// TEST udp53 ?
// TEST arp ?
struct flow {
	__u32 saddr, daddr;
	__u16 sport, dport;
	__u8 proto;
};

static __noinline int parse(void *data, void *data_end, struct flow *f)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *l4 = (void *)(ip + 1);

	if ((void *)(l4 + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	f->saddr = ip->saddr;
	f->daddr = ip->daddr;
	f->proto = ip->protocol;
	f->sport = bpf_ntohs(l4->source);
	f->dport = bpf_ntohs(l4->dest);
	return 0;
}

static __noinline __u32 flow_hash(const struct flow *f)
{
	__u32 h = f->saddr ^ f->daddr ^ ((__u32)f->sport << 16 | f->dport) ^ f->proto;

	h ^= h >> 16;
	h *= 0x45d9f3b;
	h ^= h >> 16;
	return h;
}

SEC("xdp")
int struct_args(struct xdp_md *ctx)
{
	struct flow f = {};

	if (parse((void *)(long)ctx->data, (void *)(long)ctx->data_end, &f))
		return 0;
	return flow_hash(&f) & 0xffff;
}
