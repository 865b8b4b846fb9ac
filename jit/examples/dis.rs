fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let case = ir::conformance::parse(&text).unwrap();
    let prog = ir::asm::assemble(case.asm.as_deref().unwrap()).unwrap();
    let jp = jit::x86_64::compile_unchecked(
        &prog,
        &jit::x86_64::Options {
            record: true,
            ..Default::default()
        },
    )
    .unwrap();
    print!("{}", jp.disassemble());
    println!("checked {:?}", jp.check_decoding());
}
