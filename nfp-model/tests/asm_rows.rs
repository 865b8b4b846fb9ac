//! Rows of `shared/reference/nfp-offload.md` that C does not reach reliably, in assembly: each
//! case states the NFP's reasons with their exact instruction index. Cases with no expected
//! error are "just inside" and must pass.

mod asm_cases;

use asm_cases::{cases, Case};

fn run(c: &Case) -> Result<(), String> {
    let prog = ir::asm::assemble(&c.asm).map_err(|e| format!("{}: asm: {e}", c.name))?;
    let profile = nfp_model::Profile::from_toml(c.caps).map_err(|e| e.to_string())?;
    let caps = profile.capabilities();
    // Accepted means verified and translated (the code store is checked on the translation).
    let (reasons, accepted) = match offload::verify(&prog, &caps, &offload::Options::default()) {
        // (Only the code store counts here: the model's own translation gaps, such as
        // bpf-to-bpf calls, are not rows of the driver's table.)
        Ok(v) => match nfp_model::jit::translate(&v, &profile) {
            Err(r) if r.code == "nfp.code_store" => {
                let mut all = v.warnings().to_vec();
                all.push(*r);
                (all, false)
            }
            _ => (v.warnings().to_vec(), true),
        },
        Err(r) => (r.rejections, false),
    };
    let errors = c
        .expect
        .iter()
        .filter(|e| !e.code.starts_with("warn:"))
        .count();
    if accepted != (errors == 0) {
        return Err(format!(
            "{}: accepted={accepted}, expected {} errors: {reasons:#?}",
            c.name, errors
        ));
    }
    for e in &c.expect {
        let code = e.code.trim_start_matches("warn:");
        let found = reasons
            .iter()
            .any(|r| r.code == code && r.message == e.message && r.pc == e.pc);
        if !found {
            return Err(format!(
                "{}: no {code} `{}` at {:?}; got {:?}",
                c.name,
                e.message,
                e.pc,
                reasons
                    .iter()
                    .map(|r| (r.code, r.message.clone(), r.pc))
                    .collect::<Vec<_>>()
            ));
        }
    }
    if reasons.len() != c.expect.len() {
        return Err(format!("{}: extra reasons: {reasons:#?}", c.name));
    }
    // Every instruction-level reason carries the disassembly and the asm line.
    for r in &reasons {
        if r.pc.is_some() && (r.insn.is_none() || r.origin.is_none()) {
            return Err(format!(
                "{}: reason without insn text or origin: {r}",
                c.name
            ));
        }
    }
    Ok(())
}

#[test]
fn every_asm_row_gets_its_reasons() {
    let failures: Vec<String> = cases().iter().filter_map(|c| run(c).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn extended_registers_are_refused_when_decoding() {
    // dst_reg = 11 ("program uses extended registers - jit hardening?"): the typed program
    // cannot hold it; the decoder refuses the bytes, so `check` exits with bad input.
    let bytes = [0xb7u8, 0x0b, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0];
    assert!(ir::insn::decode_bytes(&bytes).is_err());
}
