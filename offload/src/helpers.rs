//! Helper prototypes as the verifier reads them. Their one home is [`ir::helpers`] (ids,
//! names and prototypes in one table); this module names them for the verifier's code.

pub use ir::helpers::{by_id, ArgKind, HelperProto, RetKind, ALL, TC_IDS, XDP_IDS};

/// Largest helper id the kernel defines.
pub const KERNEL_MAX_ID: i32 = ir::helpers::MAX_HELPER_ID;
