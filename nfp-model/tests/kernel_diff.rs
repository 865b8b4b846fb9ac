//! Differential against the host kernel (root only; SKIP otherwise): every row program, C and
//! assembly, gets the kernel's verdict from our `kernel` profile, and the NFP profile never
//! changes a safety verdict: when the kernel accepts, every NFP reason is an `nfp.*` (or
//! `target.*`) offload reason, never a safety one.

mod asm_cases;
#[path = "../../offload/tests/support/kernel.rs"]
mod kernel;
mod support;

use offload::{verify, Capabilities, Options};

fn check_one(
    name: &str,
    prog: &ir::Program,
    nfp: &Capabilities,
    expect_kernel: Option<bool>,
) -> Option<String> {
    let k = match kernel::load(prog, 0) {
        Ok(k) => k,
        Err(e) => return Some(format!("{name}: kernel load setup failed: {e}")),
    };
    if let Some(e) = expect_kernel {
        if e != k.accepted {
            return Some(format!(
                "{name}: file says kernel accepts={e}, kernel: {}",
                k.reason()
            ));
        }
    }
    let ours = verify(prog, &Capabilities::kernel(), &Options::default());
    if ours.is_ok() != k.accepted {
        return Some(format!(
            "{name}: kernel accepts={} ({}), our kernel profile: {:?}",
            k.accepted,
            k.reason(),
            ours.err().map(|r| r.rejections[0].to_string())
        ));
    }
    if k.accepted {
        if let Err(r) = verify(prog, nfp, &Options::default()) {
            if let Some(bad) = r
                .rejections
                .iter()
                .find(|r| !(r.code.starts_with("nfp.") || r.code.starts_with("target.")))
            {
                return Some(format!(
                    "{name}: the NFP profile changed a safety verdict: {bad}"
                ));
            }
        }
    }
    None
}

#[test]
fn row_programs_agree_with_the_kernel() {
    let test = "row_programs_agree_with_the_kernel";
    if let Err(why) = kernel::available() {
        testkit::oracle::skip(test, format_args!("{why}"));
        return;
    }
    let Some(clang) = support::have_clang(test) else {
        return;
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    for name in support::row_programs() {
        let ann = support::Annotations::read(&name);
        let prog = match support::compile(&clang, &name) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        // Program types the kernel profile does not describe are judged by the NFP alone.
        if Capabilities::kernel().ctx(prog.prog_type).is_none() {
            continue;
        }
        checked += 1;
        let nfp = ann.profile().capabilities();
        failures.extend(check_one(&name, &prog, &nfp, ann.kernel_accepts));
    }
    for c in asm_cases::cases() {
        let prog = ir::asm::assemble(&c.asm).expect("case assembles");
        checked += 1;
        let nfp = nfp_model::Profile::from_toml(c.caps)
            .expect("caps")
            .capabilities();
        failures.extend(check_one(c.name, &prog, &nfp, Some(c.kernel_accepts)));
    }
    println!("{test}: {checked} programs checked against the kernel");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
