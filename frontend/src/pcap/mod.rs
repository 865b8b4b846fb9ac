//! pcap-filter (tcpdump's filter language, pcap-filter(7)) to a [`RuleSet`], natively: no
//! libpcap at run time and no name lookups.
//!
//! ```
//! use frontend::pcap;
//! use frontend::ruleset::Action;
//! let rs = pcap::compile("ip and tcp dst port 80", Action::Drop, Action::Pass).unwrap();
//! assert_eq!(rs.chains[0].rules.len(), 1);
//! let err = pcap::compile("tcp dst port eighty", Action::Drop, Action::Pass).unwrap_err();
//! assert_eq!(err.headline("tcp dst port eighty"),
//!            "1:14: expected a port number after 'port', found 'eighty'");
//! ```

pub mod addr;
pub mod gen;
pub mod lexer;
pub mod parser;

use crate::ruleset::{Action, Cond, Rule, RuleOrigin, RuleSet, Span};

/// A pcap-filter error: a message about a span of the filter text, and an optional note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PcapError {
    /// The offending part of the text.
    pub span: Span,
    /// What is wrong.
    pub message: String,
    /// A hint on what to write instead.
    pub note: Option<String>,
}

impl PcapError {
    /// An error at `span`.
    pub fn new(span: Span, message: impl Into<String>) -> PcapError {
        PcapError {
            span,
            message: message.into(),
            note: None,
        }
    }

    /// The same error with a note.
    pub fn with_note(mut self, note: impl Into<String>) -> PcapError {
        self.note = Some(note.into());
        self
    }

    /// `line:col: message` for the filter `text` (1-based line and column, in characters).
    pub fn headline(&self, text: &str) -> String {
        let (line, col) = crate::diag::line_col(text, self.span.start);
        format!("{line}:{col}: {}", self.message)
    }
}

impl std::fmt::Display for PcapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.span.start)
    }
}

impl std::error::Error for PcapError {}

/// Parse a filter into a condition (`Cond::True` for an empty filter).
pub fn parse(text: &str) -> Result<Cond, PcapError> {
    parser::parse(text)
}

/// A one-rule [`RuleSet`]: packets the filter matches get `action`, the rest `default`.
pub fn compile(text: &str, action: Action, default: Action) -> Result<RuleSet, PcapError> {
    let cond = parse(text)?;
    let rule = Rule {
        cond,
        action,
        origin: RuleOrigin {
            text: text.to_string(),
            span: Span::new(0, text.len()),
        },
    };
    Ok(RuleSet::single_chain("pcap", vec![rule], default))
}
