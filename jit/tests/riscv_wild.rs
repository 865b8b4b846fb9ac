//! A wild access under the RV64 emulator is an error naming the eBPF instruction, as the
//! interpreter reports it, never a host access.
#![cfg(feature = "riscv-emu")]

use ir::interp::{ExecErrorKind, Input};
use ir::runtime::Runtime;
use jit::riscv64::{compile_unchecked, Options};
use jit::RunError;

#[test]
fn load_outside_every_region_names_the_instruction() {
    // r1 points at 8 bytes of input memory; the load reads 4 KiB past it.
    let prog =
        ir::asm::assemble("r0 = *(u64 *)(r1 + 0)\nr0 = *(u64 *)(r1 + 4096)\nexit\n").expect("asm");
    let rp = compile_unchecked(&prog, false, &Options::default()).expect("compile");
    let err = rp
        .run(&mut Runtime::new(&prog), &Input::Mem(vec![1; 8]))
        .expect_err("wild load");
    match err {
        RunError::Exec(e) => {
            assert_eq!(e.pc, 1, "{e}");
            assert!(
                matches!(e.kind, ExecErrorKind::OutOfBounds { write: false, .. }),
                "{e}"
            );
        }
        other => panic!("expected an out-of-bounds error, got {other}"),
    }
}
