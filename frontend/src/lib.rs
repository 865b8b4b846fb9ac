//! Rule languages to one [`ruleset::RuleSet`] IR, and that IR to eBPF ([`lower`]) or readable
//! C ([`c`]). [`ruleset::RuleSet::eval`] is the reference meaning every compiled form is
//! checked against. Both compilers first merge runs of exact-match rules (and `or`-lists of
//! one equality) into sets ([`merge`]), which become HASH maps when large.
//!
//! ```
//! use frontend::{pcap, ruleset::Action};
//! let rs = pcap::compile("tcp dst port 80", Action::Drop, Action::Pass).unwrap();
//! let mut pkt = vec![0u8; 54];
//! pkt[12] = 0x08; // IPv4
//! pkt[14] = 0x45; // IHL 5
//! pkt[23] = 6; // TCP
//! pkt[36..38].copy_from_slice(&80u16.to_be_bytes());
//! assert_eq!(rs.eval(&pkt).action, Action::Drop);
//! ```
#![deny(missing_docs)]

pub mod c;
pub mod diag;
pub mod ethtool;
pub mod eval;
pub mod flower;
pub mod iptables;
pub mod lower;
pub mod merge;
pub mod nft;
pub mod packet;
#[allow(missing_docs)]
pub mod pcap;
pub mod ruleset;
pub mod syntax;

pub use eval::Verdict;
pub use ruleset::{Action, RuleSet};
