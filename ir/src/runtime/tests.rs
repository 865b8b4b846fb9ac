//! Runtime tests: map semantics and error codes, helpers, contexts and packet adjustment.

use super::*;
use crate::asm::{assemble_as, Syntax};
use crate::interp::{run, ExecErrorKind, Input, Outcome};
use crate::program::{MapDef, MapType, ProgType, Program};

fn asm(src: &str) -> Program {
    match assemble_as(src, Syntax::Conformance) {
        Ok(p) => p,
        Err(e) => panic!("{e}\n{src}"),
    }
}

fn one_map(t: MapType, key: u32, value: u32, entries: u32) -> Runtime {
    let mut p = Program::new(ProgType::Xdp, vec![]);
    p.maps.push(MapDef::new("m", t, key, value, entries));
    Runtime::new(&p)
}

fn k(i: u32) -> [u8; 4] {
    i.to_le_bytes()
}

fn v(i: u64) -> [u8; 8] {
    i.to_le_bytes()
}

#[test]
fn hash_flags_and_codes() {
    let mut rt = one_map(MapType::Hash, 4, 8, 2);
    assert_eq!(
        rt.map_update(0, &k(1), &v(10), BPF_EXIST),
        Err(MapError(errno::ENOENT))
    );
    assert_eq!(rt.map_update(0, &k(1), &v(10), BPF_NOEXIST), Ok(()));
    assert_eq!(
        rt.map_update(0, &k(1), &v(11), BPF_NOEXIST),
        Err(MapError(errno::EEXIST))
    );
    assert_eq!(rt.map_update(0, &k(1), &v(12), BPF_EXIST), Ok(()));
    assert_eq!(rt.map_update(0, &k(2), &v(20), BPF_ANY), Ok(()));
    assert_eq!(
        rt.map_update(0, &k(3), &v(30), BPF_ANY),
        Err(MapError(errno::E2BIG))
    );
    // Replacing an existing key in a full map is fine.
    assert_eq!(rt.map_update(0, &k(2), &v(21), BPF_ANY), Ok(()));
    assert_eq!(
        rt.map_update(0, &k(2), &v(21), 4),
        Err(MapError(errno::EINVAL))
    );
    assert_eq!(
        rt.map_update(0, &[1, 2], &v(21), 0),
        Err(MapError(errno::EINVAL))
    );
    assert_eq!(
        rt.map_dump(0),
        vec![
            (k(1).to_vec(), v(12).to_vec()),
            (k(2).to_vec(), v(21).to_vec())
        ]
    );
    assert_eq!(rt.map_delete(0, &k(3)), Err(MapError(errno::ENOENT)));
    assert_eq!(rt.map_delete(0, &k(1)), Ok(()));
    assert_eq!(rt.map_lookup(0, &k(1)), Ok(None));
    assert_eq!(rt.map_update(0, &k(3), &v(30), BPF_ANY), Ok(()));
    assert_eq!(MapError(errno::E2BIG).as_return(), (-7i64) as u64);
    assert_eq!(MapError(errno::EEXIST).to_string(), "-EEXIST");
}

#[test]
fn array_and_percpu_array() {
    for t in [MapType::Array, MapType::PercpuArray] {
        let mut rt = one_map(t, 4, 4, 3);
        assert_eq!(rt.map_lookup(0, &k(2)), Ok(Some(vec![0; 4])));
        assert_eq!(rt.map_lookup(0, &k(3)), Ok(None));
        assert_eq!(
            rt.map_update(0, &k(3), &[1; 4], 0),
            Err(MapError(errno::E2BIG))
        );
        assert_eq!(
            rt.map_update(0, &k(1), &[1; 4], BPF_NOEXIST),
            Err(MapError(errno::EEXIST))
        );
        assert_eq!(rt.map_update(0, &k(1), &[1; 4], BPF_EXIST), Ok(()));
        assert_eq!(rt.map_delete(0, &k(1)), Err(MapError(errno::EINVAL)));
        assert_eq!(rt.map_dump(0).len(), 3);
        assert_eq!(rt.map_dump(0)[1].1, vec![1; 4]);
    }
}

#[test]
fn lru_evicts_least_recently_used() {
    let mut rt = one_map(MapType::LruHash, 4, 8, 2);
    rt.map_update(0, &k(1), &v(1), 0).unwrap();
    rt.map_update(0, &k(2), &v(2), 0).unwrap();
    // Touch 1 so that 2 is the least recently used.
    assert!(rt.map_lookup(0, &k(1)).unwrap().is_some());
    rt.map_update(0, &k(3), &v(3), 0).unwrap();
    let keys: Vec<Vec<u8>> = rt.map_dump(0).into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, vec![k(1).to_vec(), k(3).to_vec()]);
    assert_eq!(
        rt.map_update(0, &k(3), &v(3), BPF_NOEXIST),
        Err(MapError(errno::EEXIST))
    );
}

#[test]
fn lpm_trie_longest_prefix() {
    let mut rt = one_map(MapType::LpmTrie, 8, 4, 3);
    let key = |len: u32, ip: [u8; 4]| {
        let mut kb = len.to_le_bytes().to_vec();
        kb.extend_from_slice(&ip);
        kb
    };
    rt.map_update(0, &key(8, [10, 9, 9, 9]), &[8; 4], 0)
        .unwrap();
    rt.map_update(0, &key(24, [10, 1, 2, 0]), &[24; 4], 0)
        .unwrap();
    rt.map_update(0, &key(0, [0; 4]), &[0; 4], 0).unwrap();
    assert_eq!(
        rt.map_lookup(0, &key(32, [10, 1, 2, 3])),
        Ok(Some(vec![24; 4]))
    );
    assert_eq!(
        rt.map_lookup(0, &key(32, [10, 1, 3, 3])),
        Ok(Some(vec![8; 4]))
    );
    assert_eq!(
        rt.map_lookup(0, &key(32, [11, 1, 3, 3])),
        Ok(Some(vec![0; 4]))
    );
    // A shorter query prefix cannot match a longer entry.
    assert_eq!(
        rt.map_lookup(0, &key(16, [10, 1, 2, 3])),
        Ok(Some(vec![8; 4]))
    );
    assert_eq!(
        rt.map_update(0, &key(16, [1, 1, 0, 0]), &[1; 4], 0),
        Err(MapError(errno::ENOSPC))
    );
    assert_eq!(
        rt.map_update(0, &key(33, [1; 4]), &[1; 4], 0),
        Err(MapError(errno::EINVAL))
    );
    // Bits after the prefix are ignored: the same entry.
    assert_eq!(
        rt.map_update(0, &key(8, [10, 0, 0, 0]), &[9; 4], BPF_NOEXIST),
        Err(MapError(errno::EEXIST))
    );
    assert_eq!(rt.map_delete(0, &key(24, [10, 1, 2, 99])), Ok(()));
    assert_eq!(
        rt.map_delete(0, &key(24, [10, 1, 2, 99])),
        Err(MapError(errno::ENOENT))
    );
    assert_eq!(
        rt.map_lookup(0, &key(32, [10, 1, 2, 3])),
        Ok(Some(vec![8; 4]))
    );
}

#[test]
fn unsupported_maps_refuse_operations() {
    let mut rt = one_map(MapType::Other(27), 4, 4, 1);
    assert!(rt.map_unsupported(0).is_some());
    assert_eq!(
        rt.map_update(0, &k(0), &[0; 4], 0),
        Err(MapError(errno::EOPNOTSUPP))
    );
    for t in [
        MapType::ProgArray,
        MapType::DevMap,
        MapType::PerfEventArray,
        MapType::Array,
    ] {
        let mut rt = one_map(t, 2, 4, 4);
        assert!(rt.map_unsupported(0).is_some(), "{t}");
        assert!(rt.map_update(0, &[0, 0], &[0; 4], 0).is_err());
        assert!(rt.map_lookup(0, &[0, 0]).is_err());
        assert!(rt.map_delete(0, &[0, 0]).is_err());
    }
    let mut rt = one_map(MapType::Array, 4, 1 << 20, 1 << 20);
    assert!(rt.map_unsupported(0).is_some());
    assert_eq!(rt.map_lookup(0, &k(0)), Err(MapError(errno::EOPNOTSUPP)));
}

fn run_xdp(p: &Program, rt: &mut Runtime, packet: Vec<u8>) -> Outcome {
    match run(p, rt, &Input::Packet(packet), 100_000) {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn map_helpers_from_a_program() {
    // Count packets per first byte in a hash map; return the previous update's result.
    let p = asm(r#"
.section xdp
.map counts type=hash key=4 value=8 entries=2
ldxw %r2, [%r1+0]
ldxb %r3, [%r2+0]
stxw [%r10-4], %r3
stdw [%r10-16], 1
lddw %r1, map[counts]
mov %r2, %r10
add %r2, -4
call 1
jeq %r0, 0, insert
mov %r1, 1
lock add [%r0+0], %r1
ldxdw %r0, [%r0+0]
exit
insert:
lddw %r1, map[counts]
mov %r2, %r10
add %r2, -4
mov %r3, %r10
add %r3, -16
mov %r4, 1
call 2
exit
"#);
    let mut rt = Runtime::new(&p);
    let pkt = |b: u8| {
        let mut v = vec![0u8; 20];
        v[0] = b;
        v
    };
    assert_eq!(run_xdp(&p, &mut rt, pkt(7)).r0, 0);
    assert_eq!(run_xdp(&p, &mut rt, pkt(7)).r0, 2);
    assert_eq!(run_xdp(&p, &mut rt, pkt(8)).r0, 0);
    // Full: the update returns -E2BIG.
    assert_eq!(run_xdp(&p, &mut rt, pkt(9)).r0, (-7i64) as u64);
    assert_eq!(rt.map_lookup(0, &k(7)), Ok(Some(v(2).to_vec())));
}

#[test]
fn helper_pointer_arguments_are_checked() {
    let mut rt = one_map(MapType::Hash, 4, 8, 2);
    let (mut env, mem, _) = ExecEnv::with_mem(ProgType::Xdp, &[1, 0, 0, 0, 9, 9]);
    let h = rt.map_handle(0).unwrap();
    assert_eq!(rt.call_helper(1, [h, mem, 0, 0, 0], &mut env), Ok(0));
    assert_eq!(rt.call_helper(1, [h, mem + 3, 0, 0, 0], &mut env), {
        Err(HelperError::BadPointer {
            arg: 2,
            addr: mem + 3,
            len: 4,
            write: false,
        })
    });
    assert_eq!(
        rt.call_helper(1, [12345, mem, 0, 0, 0], &mut env),
        Err(HelperError::BadMap(12345))
    );
    assert_eq!(
        rt.call_helper(4, [0; 5], &mut env),
        Err(HelperError::Unknown(4))
    );
    // Update from program memory, then a lookup returns a pointer to a live value region.
    let (mut env, mem, _) = ExecEnv::with_mem(ProgType::Xdp, &[1, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(rt.call_helper(2, [h, mem, mem + 4, 0, 0], &mut env), Ok(0));
    let addr = rt.call_helper(1, [h, mem, 0, 0, 0], &mut env).unwrap();
    let r = rt.find_region(&env, addr, 8).unwrap();
    assert_eq!(r.kind, RegionKind::MapValue);
    assert!(rt.find_region(&env, addr, 9).is_none());
    assert_eq!(
        helper_name(65),
        crate::helpers::name(65),
        "helper names agree with the id table"
    );
}

#[test]
fn deleted_values_stay_addressable_until_the_run_ends() {
    let p = asm(r#"
.map m type=hash key=4 value=8 entries=4
stw [%r10-4], 1
stdw [%r10-16], 42
lddw %r1, map[m]
mov %r2, %r10
add %r2, -4
mov %r3, %r10
add %r3, -16
mov %r4, 0
call 2
lddw %r1, map[m]
mov %r2, %r10
add %r2, -4
call 1
mov %r6, %r0
lddw %r1, map[m]
mov %r2, %r10
add %r2, -4
call 3
ldxdw %r0, [%r6+0]
exit
"#);
    let mut rt = Runtime::new(&p);
    assert_eq!(run(&p, &mut rt, &Input::None, 1000).unwrap().r0, 42);
    assert!(rt.map_dump(0).is_empty());
}

#[test]
fn trace_printk_formats() {
    let cases: &[(&str, [u64; 3], &str)] = &[
        ("a=%d b=%u c=%x", [(-5i64) as u64, 7, 255], "a=-5 b=7 c=ff"),
        (
            "%lld %llx %lu",
            [(-1i64) as u64, 0xdead_beef_0000, 3],
            "-1 deadbeef0000 3",
        ),
        ("%d", [0x1_0000_0002, 0, 0], "2"),
        ("%5d|%-4u|%04x", [42, 7, 0xa], "   42|7   |000a"),
        ("100%% %c", [b'z' as u64, 0, 0], "100% z"),
        ("%i %X", [(-3i32) as u32 as u64, 0xab, 0], "-3 AB"),
    ];
    for (fmt, args, want) in cases {
        let mut bytes = fmt.as_bytes().to_vec();
        bytes.push(0);
        let (mut env, mem, len) = ExecEnv::with_mem(ProgType::Xdp, &bytes);
        let mut rt = one_map(MapType::Hash, 4, 4, 1);
        let n = rt
            .call_helper(6, [mem, len, args[0], args[1], args[2]], &mut env)
            .unwrap();
        assert_eq!(rt.trace, vec![want.to_string()], "{fmt}");
        assert_eq!(n, want.len() as u64);
    }
    // %s reads a string from program memory; no NUL at fmt_size - 1 or a bad conversion: -EINVAL.
    let mut rt = one_map(MapType::Hash, 4, 4, 1);
    let (mut env, mem, _) = ExecEnv::with_mem(ProgType::Xdp, b"s=%s\0hey\0%q\0%d %d %d %d\0");
    assert_eq!(rt.call_helper(6, [mem, 5, mem + 5, 0, 0], &mut env), Ok(5));
    assert_eq!(rt.trace, vec!["s=hey"]);
    let einval = (-22i64) as u64;
    assert_eq!(rt.call_helper(6, [mem, 4, 0, 0, 0], &mut env), Ok(einval));
    assert_eq!(
        rt.call_helper(6, [mem + 9, 3, 0, 0, 0], &mut env),
        Ok(einval)
    );
    assert_eq!(
        rt.call_helper(6, [mem + 12, 12, 1, 2, 3], &mut env),
        Ok(einval)
    );
}

#[test]
fn prandom_is_seedable_and_ktime_advances() {
    let p = Program::new(ProgType::Xdp, vec![]);
    let seq = |seed| {
        let mut rt = Runtime::new(&p).with_seed(seed);
        let mut env = ExecEnv::empty(ProgType::Xdp);
        (0..4)
            .map(|_| rt.call_helper(7, [0; 5], &mut env).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(seq(1), seq(1));
    assert_ne!(seq(1), seq(2));
    assert!(seq(3).iter().all(|&x| x <= u32::MAX as u64));
    let mut rt = Runtime::new(&p);
    let mut env = ExecEnv::empty(ProgType::Xdp);
    let t0 = rt.call_helper(5, [0; 5], &mut env).unwrap();
    let t1 = rt.call_helper(5, [0; 5], &mut env).unwrap();
    assert_eq!(t1 - t0, rt.ktime_step);
    assert_eq!(rt.call_helper(8, [0; 5], &mut env), Ok(0));
}

#[test]
fn tail_calls_and_their_limit() {
    // Program 0 tail-calls slot 0; program 1 returns 77.
    let src = |body: &str| {
        format!(".section xdp\n.map jmp type=prog_array key=4 value=4 entries=2\n{body}")
    };
    let caller = asm(&src(
        "mov %r6, %r1\nlddw %r2, map[jmp]\nmov %r3, 0\ncall 12\nmov %r0, 5\nexit\n",
    ));
    let callee = asm(&src("mov %r0, 77\nexit\n"));
    let mut rt = Runtime::new(&caller);
    // Empty slot: the call falls through.
    assert_eq!(run_xdp(&caller, &mut rt, vec![0; 14]).r0, 5);
    let idx = rt.add_program(&callee) as u32;
    rt.map_update(0, &k(0), &idx.to_le_bytes(), 0).unwrap();
    assert_eq!(run_xdp(&caller, &mut rt, vec![0; 14]).r0, 77);
    // A program that tail-calls itself and counts in r7 (preserved): exactly 33 tail calls.
    let counter = asm(&src(
        "mov %r6, %r1\nadd %r7, 1\nmov %r1, %r6\nlddw %r2, map[jmp]\nmov %r3, 1\ncall 12\nmov %r0, %r7\nexit\n",
    ));
    let me = rt.add_program(&counter) as u32;
    rt.map_update(0, &k(1), &me.to_le_bytes(), 0).unwrap();
    let out = run_xdp(&counter, &mut rt, vec![0; 14]);
    assert_eq!(out.r0, 34);
    // Tail calls on a map that is not a PROG_ARRAY are refused.
    let bad = asm(
        ".map h type=hash key=4 value=4 entries=1\nlddw %r2, map[h]\nmov %r3, 0\ncall 12\nexit\n",
    );
    let mut rt = Runtime::new(&bad);
    let e = run(&bad, &mut rt, &Input::None, 100).unwrap_err();
    assert!(matches!(e.kind, ExecErrorKind::Helper { id: 12, .. }));
}

/// An XDP program that calls `helper` with `r2 = delta`, returns the helper's result.
fn adjust(helper: i32, delta: i32) -> Program {
    asm(&format!(
        ".section xdp\nmov %r2, {delta}\ncall {helper}\nexit\n"
    ))
}

#[test]
fn xdp_adjust_head_meta_tail() {
    let einval = (-22i64) as u64;
    let eacces = (-13i64) as u64;
    let pkt: Vec<u8> = (0..60).collect();
    let mut rt = Runtime::new(&Program::default());
    let go = |rt: &mut Runtime, h, d| run_xdp(&adjust(h, d), rt, pkt.clone());
    // Head: grow by up to 256 - 40 bytes, shrink while 14 bytes remain.
    let o = go(&mut rt, 44, -16);
    assert_eq!(o.r0, 0);
    assert_eq!(o.packet.as_ref().unwrap().len(), 76);
    assert_eq!(&o.packet.as_ref().unwrap()[16..], &pkt[..]);
    assert_eq!(go(&mut rt, 44, -216).r0, 0);
    assert_eq!(go(&mut rt, 44, -217).r0, einval);
    let o = go(&mut rt, 44, 46);
    assert_eq!((o.r0, o.packet.unwrap()), (0, pkt[46..].to_vec()));
    assert_eq!(go(&mut rt, 44, 47).r0, einval);
    // Meta: multiples of 4, up to the headroom after the xdp_frame (216 bytes).
    assert_eq!(go(&mut rt, 54, -4).r0, 0);
    assert_eq!(go(&mut rt, 54, -32).r0, 0);
    assert_eq!(go(&mut rt, 54, -36).r0, 0);
    assert_eq!(go(&mut rt, 54, -216).r0, 0);
    assert_eq!(go(&mut rt, 54, -220).r0, einval);
    assert_eq!(go(&mut rt, 54, -3).r0, eacces);
    assert_eq!(go(&mut rt, 54, 4).r0, einval);
    // Tail: grow into the tailroom (zeroed), shrink while 14 bytes remain.
    let o = go(&mut rt, 65, 8);
    let mut want = pkt.clone();
    want.extend([0; 8]);
    assert_eq!((o.r0, o.packet.unwrap()), (0, want));
    let room = (XDP_FRAME_BYTES - XDP_HEADROOM - SKB_SHARED_INFO_SIZE - 60) as i32;
    assert_eq!(go(&mut rt, 65, room).r0, 0);
    assert_eq!(go(&mut rt, 65, room + 1).r0, einval);
    assert_eq!(go(&mut rt, 65, -46).r0, 0);
    assert_eq!(go(&mut rt, 65, -47).r0, einval);
    // Head adjustment moves the metadata with the data, and the program sees new bounds.
    let p = asm(r#"
.section xdp
mov %r6, %r1
mov %r2, -4
call 54
mov %r1, %r6
mov %r2, -8
call 44
ldxw %r2, [%r6+8]
ldxw %r3, [%r6+0]
stw [%r2+0], 0x11223344
mov %r0, %r3
sub %r0, %r2
exit
"#);
    let o = run_xdp(&p, &mut rt, pkt.clone());
    assert_eq!(o.r0, 4);
    assert_eq!(o.packet.unwrap().len(), 68);
    // Outside the XDP program type the helpers are refused.
    let mut p = adjust(44, 0);
    p.prog_type = ProgType::SchedCls;
    let e = run(&p, &mut rt, &Input::Packet(pkt), 100).unwrap_err();
    assert!(matches!(e.kind, ExecErrorKind::Helper { id: 44, .. }));
}

#[test]
fn redirect_and_perf_output_are_recorded() {
    let p = asm(".section xdp\nmov %r1, 5\nmov %r2, 0\ncall 23\nexit\n");
    let mut rt = Runtime::new(&p);
    let o = run_xdp(&p, &mut rt, vec![0; 14]);
    assert_eq!(o.action.unwrap().to_string(), "redirect");
    assert_eq!(
        rt.redirect,
        Some(Redirect {
            target: 5,
            flags: 0,
            map: None
        })
    );
    // Bad flags: aborted and nothing recorded.
    let p = asm(".section xdp\nmov %r1, 5\nmov %r2, 1\ncall 23\nexit\n");
    assert_eq!(run_xdp(&p, &mut rt, vec![0; 14]).r0, 0);
    assert_eq!(rt.redirect, None);
    // TC: TC_ACT_REDIRECT; BPF_F_INGRESS allowed.
    let mut p = asm("mov %r1, 3\nmov %r2, 1\ncall 23\nexit\n");
    p.prog_type = ProgType::SchedCls;
    assert_eq!(run_xdp(&p, &mut rt, vec![0; 14]).r0, 7);
    // redirect_map: the fallback action from the flags when the key is absent.
    let p = asm(".section xdp\n.map tx type=devmap key=4 value=4 entries=4\nlddw %r1, map[tx]\nmov %r2, 1\nmov %r3, 2\ncall 51\nexit\n");
    let mut rt = Runtime::new(&p);
    assert_eq!(run_xdp(&p, &mut rt, vec![0; 14]).r0, 2);
    rt.map_update(0, &k(1), &k(9), 0).unwrap();
    assert_eq!(run_xdp(&p, &mut rt, vec![0; 14]).r0, 4);
    assert_eq!(
        rt.redirect.as_ref().map(|r| (r.target, r.map)),
        Some((1, Some(0)))
    );
    // perf_event_output with 4 bytes of data and 2 bytes of packet (ctx len in flags[32..]).
    let p = asm(r#"
.section xdp
.map events type=perf_event_array key=4 value=4 entries=1
stw [%r10-4], 0x04030201
lddw %r2, map[events]
lddw %r3, 0x2ffffffff
mov %r4, %r10
add %r4, -4
mov %r5, 4
call 25
exit
"#);
    let mut rt = Runtime::new(&p);
    let o = run_xdp(&p, &mut rt, (0xa0..0xb0).collect());
    assert_eq!(o.r0, 0);
    assert_eq!(
        rt.perf_records,
        vec![PerfRecord {
            map: 0,
            cpu: 0,
            data: vec![1, 2, 3, 4, 0xa0, 0xa1]
        }]
    );
}

#[test]
fn socket_filter_sees_the_network_header() {
    // LD_ABS 0 reads the first IPv4 byte; SKF_LL_OFF + 12 reads the ethertype; len excludes eth.
    let mut p = asm("ldabsb 0\nmov %r6, %r0\nldabsh -0x1ffff4\nlsh %r0, 8\nor %r0, %r6\nexit\n");
    p.prog_type = ProgType::SocketFilter;
    let mut pkt = vec![0u8; 34];
    pkt[12] = 0x08;
    pkt[14] = 0x45;
    let mut rt = Runtime::new(&p);
    assert_eq!(run_xdp(&p, &mut rt, pkt.clone()).r0, 0x0800 << 8 | 0x45);
    let mut p = asm("ldxw %r0, [%r1+0]\nexit\n");
    p.prog_type = ProgType::SocketFilter;
    assert_eq!(run_xdp(&p, &mut rt, pkt).r0, 20);
}

#[test]
fn reused_packet_buffers_do_not_leak_between_runs() {
    // Grow the head by 8 and the tail by 8, return the sum of the exposed bytes; then write
    // 0xff over everything visible. A second run must see zeros again.
    let p = asm(r#"
.section xdp
mov %r6, %r1
mov %r2, -8
call 44
mov %r1, %r6
mov %r2, 8
call 65
ldxw %r2, [%r6+0]
ldxw %r3, [%r6+4]
ldxdw %r0, [%r2+0]
ldxdw %r4, [%r3-8]
add %r0, %r4
mov %r5, %r2
loop:
stb [%r5+0], 0xff
add %r5, 1
jlt %r5, %r3, loop
exit
"#);
    let mut rt = Runtime::new(&p);
    for _ in 0..3 {
        let o = run_xdp(&p, &mut rt, vec![1; 20]);
        assert_eq!(o.r0, 0);
        assert_eq!(o.packet.unwrap(), vec![0xff; 36]);
    }
}

#[test]
fn reused_packet_buffers_show_zero_metadata_and_front_every_run() {
    // Grow the front by 64 bytes and add 32 bytes of metadata, read 8 bytes of each (they must
    // be zero), then dirty them: the next run on the same runtime reuses the buffer and must
    // see zeroes again.
    let p = crate::asm::assemble(
        ".section xdp
    r6 = r1
    r2 = -64
    call bpf_xdp_adjust_head
    r1 = r6
    r2 = -32
    call bpf_xdp_adjust_meta
    r2 = *(u32 *)(r6 + 8)
    r3 = *(u32 *)(r6 + 0)
    r0 = *(u64 *)(r2 + 0)
    r5 = *(u64 *)(r3 + 0)
    r0 |= r5
    r4 = -1
    *(u64 *)(r2 + 0) = r4
    *(u64 *)(r3 + 0) = r4
    exit
",
    )
    .unwrap();
    let mut rt = Runtime::new(&p);
    let pkt60: Vec<u8> = (0..60u8).collect();
    for round in 0..3 {
        let out = run(&p, &mut rt, &Input::Packet(pkt60.clone()), 1000).unwrap();
        assert_eq!(out.r0, 0, "run {round}");
        let packet = out.packet.unwrap();
        assert_eq!(packet.len(), 124);
        assert_eq!(&packet[..8], &[0xff; 8]);
        assert_eq!(&packet[8..64], &[0; 56]);
        assert_eq!(&packet[64..], pkt60.as_slice());
    }
}

#[test]
fn initial_entries_are_in_the_map_before_the_first_run() {
    let mut prog = Program::new(ProgType::Xdp, vec![]);
    let mut set = MapDef::new("blocklist", MapType::Hash, 4, 1, 4);
    set.initial_entries = vec![
        (vec![10, 0, 0, 1], vec![1]),
        (vec![10, 0, 0, 2], vec![1]),
        // Wrong key size: left out, as the kernel would refuse it.
        (vec![10, 0, 0], vec![1]),
    ];
    prog.maps.push(set);
    let mut rt = Runtime::new(&prog);
    assert_eq!(rt.map_lookup(0, &[10, 0, 0, 1]).unwrap(), Some(vec![1]));
    assert_eq!(rt.map_lookup(0, &[10, 0, 0, 2]).unwrap(), Some(vec![1]));
    assert_eq!(rt.map_lookup(0, &[10, 0, 0, 3]).unwrap(), None);
    assert_eq!(rt.map_dump(0).len(), 2);
}
