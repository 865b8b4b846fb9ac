/* Three levels of bpf-to-bpf calls folding header bytes into a checksum. */
#include "bpf_test.h"
// TEST tcp80 ?
// TEST udp53 ?
// TEST arp ?
static __noinline __u32 mix(__u32 acc, __u32 v)
{
	return (acc << 5) + acc + v;
}

static __noinline __u32 fold_bytes(__u8 *p, void *end, __u32 acc)
{
	for (int i = 0; i < 8; i++) {
		if ((void *)(p + i + 1) > end)
			break;
		acc = mix(acc, p[i]);
	}
	return acc;
}

static __noinline __u32 fold16(__u32 acc)
{
	return (acc & 0xffff) ^ (acc >> 16);
}

SEC("xdp")
int bpf2bpf(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 acc = fold_bytes(data, data_end, 5381);

	acc = fold_bytes(data + 8, data_end, acc);
	return fold16(acc);
}
