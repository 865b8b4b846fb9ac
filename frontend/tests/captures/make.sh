#!/bin/sh
# Usage (root): make.sh DIR  — writes DIR/veth.pcap. Needs ip, tcpdump, python3.
# Make small real captures on a veth pair between two network namespaces.
set -e
A=fe2a$$; B=fe2b$$
ip netns add $A; ip netns add $B
cleanup() { ip netns del $A 2>/dev/null || true; ip netns del $B 2>/dev/null || true; }
trap cleanup EXIT
ip link add va netns $A type veth peer name vb netns $B
ip -n $A addr add 10.9.0.1/24 dev va; ip -n $B addr add 10.9.0.2/24 dev vb
ip -n $A addr add fd00:9::1/64 dev va nodad; ip -n $B addr add fd00:9::2/64 dev vb nodad
ip -n $A link set va up; ip -n $B link set vb up; ip -n $A link set lo up; ip -n $B link set lo up
sleep 1
OUT=$1
ip netns exec $B tcpdump -U -nn -i vb -s 256 -w $OUT/veth.pcap >/dev/null 2>&1 &
TD=$!
sleep 1
ip netns exec $B python3 - <<'PY' &
import socket, threading
def tcp(fam, addr):
    s = socket.socket(fam, socket.SOCK_STREAM); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 80)); s.listen(5); s.settimeout(6)
    try:
        for _ in range(3):
            c, _ = s.accept(); c.recv(100); c.send(b"HTTP/1.0 200 OK\r\n\r\n"); c.close()
    except Exception: pass
def udp(fam, addr):
    s = socket.socket(fam, socket.SOCK_DGRAM); s.bind((addr, 53)); s.settimeout(6)
    try:
        for _ in range(4):
            d, a = s.recvfrom(512); s.sendto(d[:12], a)
    except Exception: pass
ts = [threading.Thread(target=tcp, args=(socket.AF_INET, "0.0.0.0")), threading.Thread(target=tcp, args=(socket.AF_INET6, "::")),
      threading.Thread(target=udp, args=(socket.AF_INET, "0.0.0.0")), threading.Thread(target=udp, args=(socket.AF_INET6, "::"))]
[t.start() for t in ts]; [t.join() for t in ts]
PY
SRV=$!
sleep 1
ip netns exec $A ping -c 2 -i 0.2 10.9.0.2 >/dev/null
ip netns exec $A ping -c 2 -i 0.2 fd00:9::2 >/dev/null
ip netns exec $A python3 - <<'PY'
import socket
for fam, addr in [(socket.AF_INET, "10.9.0.2"), (socket.AF_INET6, "fd00:9::2"), ]:
    s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(3)
    try:
        s.connect((addr, 80)); s.send(b"GET / HTTP/1.0\r\n\r\n"); s.recv(100)
    except Exception as e: print(e)
    s.close()
for fam, addr in [(socket.AF_INET, "10.9.0.2"), (socket.AF_INET6, "fd00:9::2"), ]:
    s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(2)
    s.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01", (addr, 53))
    try: s.recvfrom(512)
    except Exception as e: print(e)
# a TCP SYN to a closed port (RST back), and a UDP to a closed port (ICMP unreachable back)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.settimeout(2)
try: s.connect(("10.9.0.2", 22))
except Exception: pass
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.sendto(b"x", ("10.9.0.2", 9999))
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.sendto(b"x", ("fd00:9::2", 9999))
# 802.1Q / 802.1ad tagged frames (this kernel has no VLAN devices): sent raw on va.
import struct
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return (~s) & 0xffff
def ipv4(proto, src, dst, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
raw.bind(("va", 0))
mac_a = open("/sys/class/net/va/address").read().strip()
src = bytes.fromhex(mac_a.replace(":", ""))
dst = b"\xff" * 6
icmp = struct.pack("!BBHHH", 8, 0, 0, 7, 1) + b"vlan-ping"
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
syn = struct.pack("!HHIIBBHHH", 40000, 80, 1, 0, 0x50, 0x02, 1024, 0, 0)
for tags in ([(0x8100, 10)], [(0x8100, 20 | (5 << 13))], [(0x88a8, 100), (0x8100, 10)]):
    for l4 in ((1, icmp), (6, syn)):
        f = dst + src
        for tpid, tci in tags:
            f += struct.pack("!HH", tpid, tci)
        f += struct.pack("!H", 0x0800) + ipv4(l4[0], "10.10.0.1", "10.10.0.2", l4[1])
        raw.send(f)
import time; time.sleep(0.5)
PY
sleep 1
kill $TD; wait $TD 2>/dev/null || true
kill $SRV 2>/dev/null || true
