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

/// The longest word (run of non-blank characters) an error message echoes in full.
pub const MAX_ECHOED_WORD: usize = 64;

/// How much of the source line is shown on either side of an error's span.
const CONTEXT: usize = 40;

/// `text` with every word longer than [`MAX_ECHOED_WORD`] characters cut to its first and last
/// few characters around `…[N chars]…`, so a 100,000-digit token is never echoed in full.
///
/// ```
/// let long = "1".repeat(100_000);
/// let s = frontend::diag::shorten_long_words(&format!("number '{long}' out of range"));
/// assert!(s.len() < 100);
/// assert!(s.starts_with("number '1111") && s.ends_with("' out of range"));
/// assert!(s.contains("[100002 chars]"));
/// ```
pub fn shorten_long_words(text: &str) -> String {
    shorten_words_over(text, MAX_ECHOED_WORD)
}

/// [`shorten_long_words`] with another limit (`max` characters, at least 32).
pub fn shorten_words_over(text: &str, max: usize) -> String {
    let max = max.max(32);
    let mut out = String::with_capacity(text.len().min(4096));
    let mut word_start = None;
    let flush = |out: &mut String, word: &str| {
        let n = word.chars().count();
        if n <= max {
            out.push_str(word);
        } else {
            out.extend(word.chars().take(24));
            out.push_str(&format!("…[{n} chars]…"));
            out.extend(word.chars().skip(n - 8));
        }
    };
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = word_start.take() {
                flush(&mut out, &text[s..i]);
            }
            out.push(c);
        } else if word_start.is_none() {
            word_start = Some(i);
        }
    }
    if let Some(s) = word_start {
        flush(&mut out, &text[s..]);
    }
    out
}

/// The part of `text` a diagnostic shows for `start..end`: the line it starts on, cut to
/// [`CONTEXT`] characters either side of the span (whose own shown length is cut to
/// [`MAX_ECHOED_WORD`]) and marked `…` where cut, preceded by as many empty lines as the
/// original has before it (so line numbers stay right). Returns the text and the span in it.
fn excerpt(text: &str, start: usize, end: usize) -> (String, usize, usize) {
    let line_start = text[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = text[start..]
        .find('\n')
        .map(|i| start + i)
        .unwrap_or(text.len());
    let end = end.min(line_end).max(start);
    // Byte offset `n` characters before/after a position, within the line.
    let back = |from: usize, n: usize| {
        text[line_start..from]
            .char_indices()
            .rev()
            .nth(n.saturating_sub(1))
            .map(|(i, _)| line_start + i)
            .unwrap_or(line_start)
    };
    let fwd = |from: usize, n: usize| {
        text[from..line_end]
            .char_indices()
            .nth(n)
            .map(|(i, _)| from + i)
            .unwrap_or(line_end)
    };
    let shown_end = fwd(start, MAX_ECHOED_WORD).min(end);
    let from = back(start, CONTEXT);
    let to = fwd(shown_end, CONTEXT);
    let lines_before = text[..line_start].matches('\n').count();
    let mut out = "\n".repeat(lines_before);
    if from > line_start {
        out.push('…');
    }
    let span_start = out.len() + (start - from);
    let span_end = out.len() + (shown_end - from);
    out.push_str(&text[from..to]);
    if to < line_end {
        out.push('…');
    }
    (out, span_start, span_end)
}

/// `line:col: message`, the source line with a caret under `span`, and the note if any. Long
/// lines are cut around the span and long words in the message shortened
/// ([`shorten_long_words`]).
pub fn render(span: Span, message: &str, note: Option<&str>, name: &str, text: &str) -> String {
    let (line, col) = line_col(text, span.start);
    let message = shorten_long_words(message);
    let mut out = format!("{line}:{col}: {message}\n");
    let end = span.end.max(span.start).min(text.len());
    let mut start = span.start.min(end);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let (shown, start, end) = excerpt(text, start, end);
    let file = SimpleFile::new(name, shown.as_str());
    let mut diag = Diagnostic::error()
        .with_message(message)
        .with_labels(vec![Label::primary((), start..end).with_message("here")]);
    if let Some(n) = note {
        diag = diag.with_notes(vec![shorten_long_words(n)]);
    }
    let mut buf = NoColor::new(Vec::new());
    let config = Config::default();
    if term::emit(&mut buf, &config, &file, &diag).is_ok() {
        let shown_text = String::from_utf8_lossy(&buf.into_inner()).into_owned();
        // The excerpt's column is not the text's: name the real one.
        let (_, shown_col) = line_col(&shown, start);
        let shown_text = shown_text.replacen(
            &format!("{name}:{line}:{shown_col}"),
            &format!("{name}:{line}:{col}"),
            1,
        );
        out.push_str(&shown_text);
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

    #[test]
    fn a_long_token_is_shown_cut_with_its_caret() {
        let long = "9".repeat(100_000);
        let text = format!("tcp port 80 and\nport {long} or udp");
        let start = text.find('9').unwrap();
        let out = render(
            Span::new(start, start + long.len()),
            &format!("number '{long}' out of range"),
            None,
            "filter",
            &text,
        );
        assert!(out.len() < 1000, "{out}");
        assert!(out.starts_with("2:6: number '9999"), "{out}");
        assert!(out.contains("2 │ port 9999"), "{out}");
        assert!(out.contains("filter:2:6"), "{out}");
        assert!(out.contains("…[100002 chars]…"), "{out}");
        // A short span on a short line is shown whole.
        let out = render(Span::new(4, 8), "bad", None, "f", "tcp port x");
        assert!(out.contains("1 │ tcp port x"), "{out}");
        assert!(out.contains("^^^^"), "{out}");
    }
}
