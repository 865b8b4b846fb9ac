//! Debug helper: print what `ir::elf::read_object` sees in an object file.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: elfdump FILE.o");
        std::process::exit(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let obj = match ir::elf::read_object(&bytes) {
        Ok(o) => o,
        Err(e) => {
            println!("error: {e}");
            std::process::exit(1);
        }
    };
    println!("license {:?}", obj.license);
    for m in &obj.maps {
        println!("map {m:?}");
    }
    for p in &obj.programs {
        println!(
            "program {} section {} type {}",
            p.name, p.section, p.prog_type
        );
        println!("  subprogs {:?}", p.subprogs);
        println!(
            "  maps {:?}",
            p.maps.iter().map(|m| &m.name).collect::<Vec<_>>()
        );
        println!("  relocs {:?}", p.relocs);
        for (pc, i) in p.insns.iter().enumerate() {
            let o = p
                .source_map
                .get(pc)
                .map(|o| o.to_string())
                .unwrap_or_default();
            println!("  {pc:4} {i:?}    ; {o}");
        }
    }
}
