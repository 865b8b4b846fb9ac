//! pcap-filter arithmetic: `arith relop arith`, `proto[expr:size]` loads, operators with
//! libpcap's precedence.

use super::*;

impl Parser {
    /// `arith relop arith`.
    pub(super) fn relation(&mut self) -> Result<Cond, PcapError> {
        let start = self.peek().span;
        let mut guards = Vec::new();
        let lhs = self.arith(0, &mut guards)?;
        let t = self.peek().clone();
        let op = match t.kind {
            TokenKind::Punct(Punct::Eq) => RelOp::Eq,
            TokenKind::Punct(Punct::Ne) => RelOp::Ne,
            TokenKind::Punct(Punct::Lt) => RelOp::Lt,
            TokenKind::Punct(Punct::Le) => RelOp::Le,
            TokenKind::Punct(Punct::Gt) => RelOp::Gt,
            TokenKind::Punct(Punct::Ge) => RelOp::Ge,
            _ => return Err(self.unexpected(&t, "a comparison ('=', '!=', '<', '>', ...)")),
        };
        self.bump();
        let rhs = self.arith(0, &mut guards)?;
        let span = start.to(self.toks[self.pos.saturating_sub(1)].span);
        let rel = Cond::test(Test::Relation { op, lhs, rhs }, span);
        if guards.is_empty() {
            return Ok(rel);
        }
        guards.push(rel);
        Ok(Cond::All(guards))
    }

    pub(super) fn binop(&self) -> Option<(ArithOp, u8)> {
        let TokenKind::Punct(p) = self.peek().kind else {
            return None;
        };
        Some(match p {
            Punct::Pipe => (ArithOp::Or, 1),
            Punct::Amp => (ArithOp::And, 2),
            Punct::Shl => (ArithOp::Shl, 3),
            Punct::Shr => (ArithOp::Shr, 3),
            Punct::Plus => (ArithOp::Add, 4),
            Punct::Minus => (ArithOp::Sub, 4),
            Punct::Star => (ArithOp::Mul, 5),
            Punct::Slash => (ArithOp::Div, 5),
            // No precedence in libpcap's grammar: always shifted (see the module doc).
            Punct::Caret => (ArithOp::Xor, 0),
            Punct::Percent => (ArithOp::Mod, 0),
            _ => return None,
        })
    }

    /// Precedence climbing; operators of precedence 0 (`^`, `%`) take everything after them.
    pub(super) fn arith(&mut self, min: u8, guards: &mut Vec<Cond>) -> Result<Expr, PcapError> {
        self.nested(|p| p.arith_inner(min, guards))
    }

    fn arith_inner(&mut self, min: u8, guards: &mut Vec<Cond>) -> Result<Expr, PcapError> {
        let mut lhs = self.arith_prefix(guards)?;
        while let Some((op, prec)) = self.binop() {
            if prec != 0 && prec < min.max(1) {
                break;
            }
            let op_tok = self.bump();
            let rhs = if prec == 0 {
                self.arith(0, guards)?
            } else {
                self.arith(prec + 1, guards)?
            };
            self.check_const_rhs(op, &rhs, op_tok.span)?;
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    pub(super) fn check_const_rhs(
        &self,
        op: ArithOp,
        rhs: &Expr,
        span: Span,
    ) -> Result<(), PcapError> {
        match (op, rhs) {
            (ArithOp::Div, Expr::Const(0)) => Err(self.err(span, "division by zero")),
            (ArithOp::Mod, Expr::Const(0)) => Err(self.err(span, "modulus by zero")),
            (ArithOp::Shl | ArithOp::Shr, Expr::Const(k)) if *k > 31 => {
                Err(self.err(span, "shift by more than 31 bits"))
            }
            _ => Ok(()),
        }
    }

    /// A unary minus applies to its operand and any `^`/`%` chain after it (yacc shifts them).
    pub(super) fn arith_prefix(&mut self, guards: &mut Vec<Cond>) -> Result<Expr, PcapError> {
        self.nested(|p| p.arith_prefix_inner(guards))
    }

    fn arith_prefix_inner(&mut self, guards: &mut Vec<Cond>) -> Result<Expr, PcapError> {
        if self.is_punct(0, Punct::Minus) {
            self.bump();
            let mut inner = self.arith_prefix(guards)?;
            while let Some((op, 0)) = self.binop() {
                let op_tok = self.bump();
                let rhs = self.arith(0, guards)?;
                self.check_const_rhs(op, &rhs, op_tok.span)?;
                inner = Expr::Bin(op, Box::new(inner), Box::new(rhs));
            }
            return Ok(Expr::Neg(Box::new(inner)));
        }
        self.arith_primary(guards)
    }

    pub(super) fn arith_primary(&mut self, guards: &mut Vec<Cond>) -> Result<Expr, PcapError> {
        let t = self.peek().clone();
        match &t.kind {
            TokenKind::Punct(Punct::LParen) => {
                self.bump();
                let e = self.arith(0, guards)?;
                self.expect_punct(Punct::RParen, "')'")?;
                Ok(e)
            }
            TokenKind::Word(w) if w == "len" => {
                self.bump();
                Ok(Expr::Len)
            }
            TokenKind::Word(w) => {
                if let Some(proto) = Proto::from_keyword(w) {
                    if self.is_punct(1, Punct::LBracket) {
                        return self.load(proto, t.span, guards);
                    }
                }
                match classify(w) {
                    WordClass::Number(n) => {
                        self.bump();
                        Ok(Expr::Const(n))
                    }
                    _ if addr::looks_numeric(w) => {
                        Err(self.err(t.span, format!("number '{w}' out of range")))
                    }
                    _ => Err(self.unexpected(&t, "a number, 'len' or a packet load like 'ip[0]'")),
                }
            }
            _ => Err(self.unexpected(&t, "a number, 'len' or a packet load like 'ip[0]'")),
        }
    }

    /// `proto '[' arith [':' size] ']'`.
    pub(super) fn load(
        &mut self,
        proto: Proto,
        span: Span,
        guards: &mut Vec<Cond>,
    ) -> Result<Expr, PcapError> {
        self.bump();
        self.bump();
        let offset = self.arith(0, guards)?;
        let mut size = 1u32;
        if self.is_punct(0, Punct::Colon) {
            self.bump();
            let t = self.peek().clone();
            size = self.number_after(":")?;
            if !matches!(size, 1 | 2 | 4) {
                return Err(self.err(t.span, "data size must be 1, 2, or 4"));
            }
        }
        let close = self.expect_punct(Punct::RBracket, "']'")?;
        let span = span.to(close.span);
        let (base, g) = self
            .gen
            .load_base(proto, span)
            .map_err(|m| self.err(span, m))?;
        guards.extend(g);
        Ok(Expr::Load {
            base,
            offset: Box::new(offset),
            size: size as u8,
        })
    }
}
