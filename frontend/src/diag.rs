//! Rendering frontend errors for people: `line:col: message`, the source line and a caret
//! under the offending token, through `codespan-reporting`. The one place errors become text.

use crate::lower::LowerError;
use crate::pcap::PcapError;
use crate::ruleset::{RuleSet, Span};
use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor::NoColor, Config};

/// 1-based (line, column) of byte `offset` in `text`; columns count characters.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = text
        .get(line_start..offset)
        .map(|s| s.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// Render a pcap-filter error: the headline (`1:14: expected ...`), then the filter with a
/// caret under the offending token, then the note if any. Plain text, no colours.
pub fn render_pcap(err: &PcapError, name: &str, text: &str) -> String {
    render(err.span, &err.message, err.note.as_deref(), name, text)
}

/// Render a lowering error against the rule text it names (the headline alone when the error
/// has no span or the rule set has no such rule).
pub fn render_lower(err: &LowerError, rs: &RuleSet, name: &str) -> String {
    if let LowerError::Unsupported { rule, span, what } = err {
        let text = rs
            .chains
            .iter()
            .flat_map(|c| c.rules.iter())
            .nth(*rule)
            .map(|r| r.origin.text.as_str());
        if let Some(text) = text.filter(|t| !t.is_empty()) {
            return render(*span, what, None, name, text);
        }
    }
    err.to_string()
}

/// `line:col: message`, the source line with a caret under `span`, and the note if any.
pub fn render(span: Span, message: &str, note: Option<&str>, name: &str, text: &str) -> String {
    let (line, col) = line_col(text, span.start);
    let mut out = format!("{line}:{col}: {message}\n");
    let file = SimpleFile::new(name, text);
    let end = span.end.max(span.start).min(text.len());
    let start = span.start.min(end);
    let mut diag = Diagnostic::error()
        .with_message(message)
        .with_labels(vec![Label::primary((), start..end).with_message("here")]);
    if let Some(n) = note {
        diag = diag.with_notes(vec![n.to_string()]);
    }
    let mut buf = NoColor::new(Vec::new());
    let config = Config::default();
    if term::emit(&mut buf, &config, &file, &diag).is_ok() {
        out.push_str(&String::from_utf8_lossy(&buf.into_inner()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns() {
        assert_eq!(line_col("abc", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("x", 99), (1, 2));
    }
}
