//! The kernel/LLVM syntax front-end (`r0 = *(u32 *)(r1 + 4)`).

use super::builder::Builder;
use super::cursor::Cursor;
use super::AsmError;

pub(crate) fn parse_line(cur: &mut Cursor<'_>, _b: &mut Builder) -> Result<(), AsmError> {
    if cur.at_end() {
        return Ok(());
    }
    Err(cur.error_col(cur.col(), "the LLVM syntax is not implemented yet"))
}
