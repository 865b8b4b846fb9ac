//! How iptables' `getopt_long` reads a command line: `--name=value` and `-Xvalue` carry the
//! option's argument in the same word. iptables 1.8 then takes the value of `-p`, `-s`, `-d`,
//! `-i` and `-o` from the whole word (`argv[optind-1]`), so `-ptcp` asks for the protocol
//! "-ptcp" and `--source=1.2.3.4` for the host "--source=1.2.3.4" (both refused), `-jDROP`
//! jumps to a chain named "-jDROP" (there is none) and `-itest` names the interface "-itest";
//! every other option gets the attached value (`--dport=80`, `-mtcp`).

use crate::ruleset::Span;
use crate::syntax::words::Word;

/// Short options that take an argument (iptables' option string).
const SHORT_WITH_ARG: &[char] = &[
    'A', 'C', 'D', 'R', 'I', 'M', 'N', 'E', 'P', 'o', 'p', 's', 'd', 'j', 'i', 't', 'm', 'c', 'g',
];

/// Options whose value iptables takes from the whole word.
const WHOLE_WORD: &[&str] = &[
    "-p",
    "--protocol",
    "-s",
    "--source",
    "--src",
    "-d",
    "--destination",
    "--dst",
    "-i",
    "--in-interface",
    "-o",
    "--out-interface",
    "-j",
    "--jump",
    "-g",
    "--goto",
];

/// Options whose argument is free text (never split).
const FREE_TEXT: &[&str] = &[
    "--comment",
    "--log-prefix",
    "--nflog-prefix",
    "--string",
    "--hex-string",
    "--u32",
    "--bytecode",
];

fn word(text: &str, span: Span) -> Word {
    Word {
        text: text.to_string(),
        span,
        unterminated: false,
    }
}

/// Split the words that carry an option and its argument together.
pub fn expand(words: &[Word]) -> Vec<Word> {
    let mut out = Vec::with_capacity(words.len());
    let mut free = false;
    for w in words {
        if free || w.unterminated {
            free = false;
            out.push(w.clone());
            continue;
        }
        let t = w.text.as_str();
        let split =
            if let Some((name, value)) = t.strip_prefix("--").and_then(|_| t.split_once('=')) {
                Some((name.to_string(), value.to_string()))
            } else {
                let mut cs = t.chars();
                match (cs.next(), cs.next()) {
                    (Some('-'), Some(o)) if SHORT_WITH_ARG.contains(&o) && t.len() > 2 => {
                        Some((format!("-{o}"), t[2..].to_string()))
                    }
                    _ => None,
                }
            };
        match split {
            Some((name, value)) => {
                let n = name.len().min(w.span.end - w.span.start);
                let name_span = Span::new(w.span.start, w.span.start + n);
                let value_span = Span::new((w.span.start + n + 1).min(w.span.end), w.span.end);
                let value = if WHOLE_WORD.contains(&name.as_str()) {
                    t.to_string()
                } else {
                    value
                };
                out.push(word(&name, name_span));
                out.push(word(&value, value_span));
            }
            None => {
                free = FREE_TEXT.contains(&t);
                out.push(w.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::words::split;

    fn texts(line: &str) -> Vec<String> {
        expand(&split(line, 0))
            .into_iter()
            .map(|w| w.text)
            .collect()
    }

    #[test]
    fn attached_values() {
        assert_eq!(
            texts("-p tcp --dport=80 -mtcp"),
            ["-p", "tcp", "--dport", "80", "-m", "tcp"]
        );
        assert_eq!(texts("-jDROP"), ["-j", "-jDROP"]);
        assert_eq!(texts("-ptcp"), ["-p", "-ptcp"]);
        assert_eq!(texts("--source=1.2.3.4"), ["--source", "--source=1.2.3.4"]);
        assert_eq!(
            texts("-m comment --comment --x=y"),
            ["-m", "comment", "--comment", "--x=y"]
        );
        assert_eq!(texts("! -f -4"), ["!", "-f", "-4"]);
    }
}
