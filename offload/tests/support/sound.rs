//! Soundness oracle: run a program in the checking interpreter on random packets and report a
//! memory violation (out-of-bounds or read-only access, bad context access, bad pc).

#![allow(dead_code)]

use ir::interp::{run, ExecErrorKind, Input};
use ir::runtime::Runtime;
use ir::Program;

/// A tiny deterministic generator (xorshift), so failures reproduce.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Run `prog` on `count` random packets (14..200 bytes, some all-zero, some short).
pub fn run_on_random_packets(prog: &Program, count: usize, seed: u64) -> Result<(), String> {
    let mut rng = Rng::new(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    for i in 0..count {
        let len = match i % 4 {
            0 => 14 + (rng.next() % 8) as usize,
            1 => 14 + (rng.next() % 186) as usize,
            2 => 60,
            _ => 14 + (rng.next() % 50) as usize,
        };
        let packet: Vec<u8> = if i % 5 == 0 {
            vec![0; len]
        } else {
            (0..len).map(|_| rng.next() as u8).collect()
        };
        let mut rt = Runtime::new(prog);
        match run(prog, &mut rt, &Input::Packet(packet.clone()), 2_000_000) {
            Ok(_) => {}
            Err(e) => match &e.kind {
                ExecErrorKind::OutOfBounds { .. }
                | ExecErrorKind::ReadOnly { .. }
                | ExecErrorKind::Ctx(_)
                | ExecErrorKind::PcOutOfRange { .. }
                | ExecErrorKind::CallDepth => {
                    return Err(format!("{e} on packet {}", hex(&packet)));
                }
                _ => {}
            },
        }
    }
    Ok(())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
