//! What a target asks of the code generated for it, as neutral data: a compiler (the rule
//! frontend's `lower`) reads these facts and never the target's name.
//!
//! A target profile (`offload::Capabilities::codegen`) holds one [`CodegenProfile`]; the CLI
//! hands it to the frontend. Adding a target means filling one in, and no frontend code.

/// Code-generation facts of a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CodegenProfile {
    /// Whether `MOD` is available. Without it, `x % k` by a constant is emitted as
    /// `x - x / k * k`.
    pub has_mod: bool,
    /// Whether the target's verifier needs a quotient re-bounded to u32 (`w0 = w0`) after a
    /// division before it is multiplied or divided again (the kernel leaves all 64 bits of a
    /// quotient unknown; an offload verifier that wants provable u32 operands then refuses).
    pub bound_quotients: bool,
    /// Whether a byte-swapped packet load must be masked to its width so that the target's
    /// verifier can bound it (the kernel leaves a swap's result unbounded).
    pub bound_byte_swaps: bool,
    /// What a TC program returns to pass a packet: `TC_ACT_OK` (0) on the host; a target that
    /// refuses OK may take `TC_ACT_UNSPEC` (-1), which cls_bpf in direct-action mode also passes.
    pub tc_pass_code: i32,
}

impl CodegenProfile {
    /// The host kernel's verifier and JITs: every instruction, no extra bounds, `TC_ACT_OK`.
    pub const HOST: CodegenProfile = CodegenProfile {
        has_mod: true,
        bound_quotients: false,
        bound_byte_swaps: false,
        tc_pass_code: 0,
    };
}

impl Default for CodegenProfile {
    fn default() -> CodegenProfile {
        CodegenProfile::HOST
    }
}
