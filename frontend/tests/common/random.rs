//! Random rule sets for property tests: several rules, a user chain, counters, small and
//! HASH-map sets, wide fields, arithmetic, protochain, and runs of rules that merge into sets.

use super::Rng;
use frontend::ruleset::*;

pub fn random_base(r: &mut Rng) -> Base {
    let tags = r.pick(&[0u8, 0, 1]);
    match r.below(4) {
        0 => Base::Frame,
        1 => Base::Net { tags },
        2 => Base::Ipv4Payload { tags },
        _ => Base::Ipv6Payload { tags },
    }
}

pub fn random_value(r: &mut Rng, size: u8, sample: &[u8]) -> u128 {
    // Half the time a value read from a real packet, so tests hit.
    let off = r.below(40) as usize;
    if r.chance(50) && off + size as usize <= sample.len() {
        sample[off..off + size as usize]
            .iter()
            .fold(0u128, |a, b| (a << 8) | *b as u128)
    } else {
        let v = (r.next() as u128) << 64 | r.next() as u128;
        let full = Field::new(Base::Frame, 0, size).full_mask();
        v & full & r.pick(&[u128::MAX, 0xff, 0xffff, 0])
    }
}

pub fn random_expr(r: &mut Rng, depth: u32) -> Expr {
    match if depth == 0 { r.below(3) } else { r.below(6) } {
        0 => Expr::Const(r.pick(&[0u32, 1, 4, 6, 17, 0x800, 0x45, 0xffff_ffff, 31, 32])),
        1 => Expr::Len,
        2 => Expr::Load {
            base: random_base(r),
            offset: Box::new(Expr::Const(r.below(40) as u32)),
            size: r.pick(&[1u8, 2, 4]),
        },
        3 => Expr::Load {
            base: random_base(r),
            offset: Box::new(random_expr(r, depth - 1)),
            size: r.pick(&[1u8, 2, 4]),
        },
        4 => Expr::Neg(Box::new(random_expr(r, depth - 1))),
        _ => Expr::Bin(
            r.pick(&[
                ArithOp::Add,
                ArithOp::Sub,
                ArithOp::Mul,
                ArithOp::Div,
                ArithOp::Mod,
                ArithOp::And,
                ArithOp::Or,
                ArithOp::Xor,
                ArithOp::Shl,
                ArithOp::Shr,
            ]),
            Box::new(random_expr(r, depth - 1)),
            Box::new(random_expr(r, depth - 1)),
        ),
    }
}

pub fn random_test(r: &mut Rng, sets: &[ValueSet], sample: &[u8]) -> Test {
    match r.below(10) {
        0..=6 => {
            let size = r.pick(&[1u8, 2, 2, 4, 4, 6, 8, 3, 16]);
            let field = Field::new(random_base(r), r.below(40) as u16, size);
            let mask = if r.chance(30) {
                Some(random_value(r, size, sample) | 1)
            } else {
                None
            };
            let v = random_value(r, size, sample);
            let w = random_value(r, size, sample);
            let mut cmp = match r.below(8) {
                0 | 1 => Cmp::Eq(v),
                2 => Cmp::Ne(v),
                3 => Cmp::Lt(v),
                4 => Cmp::Ge(v),
                5 => Cmp::Range(v.min(w), v.max(w)),
                _ => {
                    let candidates: Vec<usize> =
                        (0..sets.len()).filter(|i| sets[*i].size == size).collect();
                    match candidates.first() {
                        Some(s) => Cmp::InSet(*s),
                        None => Cmp::Eq(v),
                    }
                }
            };
            if size > 8 && !matches!(cmp, Cmp::Eq(_) | Cmp::Ne(_) | Cmp::InSet(_)) {
                cmp = Cmp::Eq(v);
            }
            Test::Field { field, mask, cmp }
        }
        7 | 8 => Test::Relation {
            op: r.pick(&[
                RelOp::Eq,
                RelOp::Ne,
                RelOp::Lt,
                RelOp::Le,
                RelOp::Gt,
                RelOp::Ge,
            ]),
            lhs: random_expr(r, 2),
            rhs: random_expr(r, 1),
        },
        _ => Test::Protochain {
            tags: r.pick(&[0u8, 1]),
            ip6: r.chance(70),
            proto: r.pick(&[6u8, 17, 44, 58]),
        },
    }
}

pub fn random_cond(r: &mut Rng, depth: u32, sets: &[ValueSet], sample: &[u8]) -> Cond {
    let leaf = depth == 0 || r.chance(40);
    if leaf {
        return match r.below(20) {
            0 => Cond::True,
            1 => Cond::False,
            _ => Cond::test(random_test(r, sets, sample), Span::default()),
        };
    }
    let n = 1 + r.below(3) as usize;
    let parts = (0..n)
        .map(|_| random_cond(r, depth - 1, sets, sample))
        .collect();
    match r.below(3) {
        0 => Cond::All(parts),
        1 => Cond::Any(parts),
        _ => Cond::Not(Box::new(random_cond(r, depth - 1, sets, sample))),
    }
}

pub fn random_ruleset(r: &mut Rng, sample: &[u8]) -> RuleSet {
    let sets = vec![
        ValueSet {
            name: "small".into(),
            size: 2,
            values: vec![0x0800, 0x86dd, 80],
        },
        ValueSet {
            name: "big".into(),
            size: 4,
            values: (0..20u128)
                .map(|i| if i == 0 { 0x0a00_0001 } else { 0xc0a8_0000 + i })
                .chain([0x0102_0304])
                .collect(),
        },
    ];
    let mut chains = Vec::new();
    for c in 0..2 {
        let n = 1 + r.below(4) as usize;
        let rules = (0..n)
            .map(|_| {
                let action = match r.below(8) {
                    0 => Action::Drop,
                    1 => Action::Pass,
                    2 => Action::Tx,
                    3 => Action::Count,
                    4 if c == 0 => Action::Jump(1),
                    5 => Action::Return,
                    _ => Action::Drop,
                };
                Rule {
                    cond: random_cond(r, 3, &sets, sample),
                    action,
                    origin: RuleOrigin::default(),
                }
            })
            .collect();
        let mut rules: Vec<Rule> = rules;
        if r.chance(50) {
            // A run of rules that differ in one equality's constant (merged into a set).
            let prefix = random_cond(r, 1, &sets, sample);
            let size = r.pick(&[1u8, 2, 4, 16]);
            let field = Field::new(random_base(r), r.below(40) as u16, size);
            let mask = if r.chance(20) {
                Some(random_value(r, size, sample) | 1)
            } else {
                None
            };
            let action = r.pick(&[Action::Drop, Action::Pass, Action::Tx]);
            let at = r.below(rules.len() as u64 + 1) as usize;
            for k in 0..(2 + r.below(12)) {
                let v = if k == 0 {
                    random_value(r, size, sample)
                } else {
                    random_value(r, size, sample) ^ k as u128
                };
                let eq = Cond::test(
                    Test::Field {
                        field,
                        mask,
                        cmp: Cmp::Eq(v),
                    },
                    Span::default(),
                );
                let cond = if r.chance(50) {
                    Cond::All(vec![prefix.clone(), eq])
                } else {
                    Cond::All(vec![eq, prefix.clone()])
                };
                rules.insert(
                    at,
                    Rule {
                        cond,
                        action,
                        origin: RuleOrigin::default(),
                    },
                );
            }
        }
        chains.push(Chain {
            name: format!("c{c}"),
            rules,
        });
    }
    RuleSet {
        syntax: "test".into(),
        chains,
        sets,
        default: r.pick(&[Action::Pass, Action::Drop]),
    }
}
