//! bpf-offload: packet-filter rules to verified eBPF, offload checks and cross-compiling JITs.
fn main() {
    println!("bpf-offload");
}
