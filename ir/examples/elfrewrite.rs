//! Debug helper: read an object and write its programs back out (`elfrewrite IN.o OUT.o`).
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: elfrewrite IN.o OUT.o");
        std::process::exit(2);
    }
    let result = std::fs::read(&args[1])
        .map_err(|e| e.to_string())
        .and_then(|b| ir::elf::read_object(&b).map_err(|e| e.to_string()))
        .and_then(|o| ir::elf::write_object(&o.programs).map_err(|e| e.to_string()))
        .and_then(|out| std::fs::write(&args[2], out).map_err(|e| e.to_string()));
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
