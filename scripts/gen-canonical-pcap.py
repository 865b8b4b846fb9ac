#!/usr/bin/env python3
"""Write examples/canonical.pcap: packets around the canonical rule (IPv4 TCP dport 80 -> drop)."""
import struct, sys

def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def eth(t, payload):
    return bytes.fromhex("020000000002") + bytes.fromhex("020000000001") + struct.pack("!H", t) + payload

def ipv4(proto, l4, frag=0, options=b""):
    ihl = 5 + len(options) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(options) + len(l4), 1, frag, 64, proto, 0,
                    bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + options
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + l4

def tcp(sport, dport):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 0x50, 0x02, 65535, 0, 0)

def udp(sport, dport):
    return struct.pack("!HHHH", sport, dport, 8, 0)

def ipv6(nh, l4):
    return struct.pack("!IHBB16s16s", 0x60000000, len(l4), nh, 64, b"\x20\x01" + b"\0" * 13 + b"\x01",
                       b"\x20\x01" + b"\0" * 13 + b"\x02") + l4

packets = [
    eth(0x0800, ipv4(6, tcp(40000, 80))),                       # drop
    eth(0x0800, ipv4(6, tcp(40000, 443))),                      # pass
    eth(0x0800, ipv4(17, udp(40000, 80))),                      # pass: UDP
    eth(0x86dd, ipv6(6, tcp(40000, 80))),                       # pass: IPv6
    eth(0x0800, ipv4(6, tcp(40000, 80), options=b"\x01" * 8)),  # drop: IPv4 options
    eth(0x0800, ipv4(6, tcp(40000, 80), frag=0x0010)),          # pass: non-first fragment
    eth(0x0806, bytes(28)),                                     # pass: ARP
    eth(0x0800, ipv4(6, tcp(80, 8080))),                        # pass: source port 80
    eth(0x0800, ipv4(6, tcp(40000, 80))[:22]),                  # pass: truncated before the ports
]
out = open(sys.argv[1] if len(sys.argv) > 1 else "examples/canonical.pcap", "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
for i, p in enumerate(packets):
    out.write(struct.pack("<IIII", 1700000000 + i, 0, len(p), len(p)) + p)
