//! Checked immediates: each type holds only values its instruction field can encode, so an
//! out-of-range immediate cannot exist (`Imm12::new(4096)` is `None`).

/// A signed 12-bit immediate (I- and S-type): -2048..=2047.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Imm12(i16);

impl Imm12 {
    /// Zero.
    pub const ZERO: Imm12 = Imm12(0);

    /// `v`, if it fits in 12 signed bits.
    pub const fn new(v: i64) -> Option<Imm12> {
        if v >= -2048 && v <= 2047 {
            Some(Imm12(v as i16))
        } else {
            None
        }
    }

    /// The value.
    pub const fn get(self) -> i64 {
        self.0 as i64
    }

    /// The low 12 bits as an unsigned field.
    pub const fn bits(self) -> u32 {
        (self.0 as u32) & 0xfff
    }
}

/// A 20-bit upper immediate (`lui`, `auipc`): the field value 0..=0xfffff, placed at bits 31:12.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Imm20(u32);

impl Imm20 {
    /// The field `v` (not shifted), if it fits in 20 bits.
    pub const fn new(v: u32) -> Option<Imm20> {
        if v <= 0xfffff {
            Some(Imm20(v))
        } else {
            None
        }
    }

    /// The upper immediate for a signed value `v` whose bits are `hi * 4096 + lo` with `lo` a
    /// signed 12-bit value: the field `hi`, if it fits in 20 signed bits.
    pub const fn from_signed(hi: i64) -> Option<Imm20> {
        if hi >= -(1 << 19) && hi < (1 << 19) {
            Some(Imm20((hi as u32) & 0xfffff))
        } else {
            None
        }
    }

    /// The field value.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// The field as a signed value (what `lui` sign-extends on RV64).
    pub const fn signed(self) -> i64 {
        ((self.0 << 12) as i32 >> 12) as i64
    }
}

/// A B-type branch offset: even, -4096..=4094.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BOff(i16);

impl BOff {
    /// `v` bytes, if even and within ±4 KiB.
    pub const fn new(v: i64) -> Option<BOff> {
        if v >= -4096 && v <= 4094 && v % 2 == 0 {
            Some(BOff(v as i16))
        } else {
            None
        }
    }

    /// The offset in bytes.
    pub const fn get(self) -> i64 {
        self.0 as i64
    }
}

/// A J-type (`jal`) offset: even, -1 MiB..1 MiB.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JOff(i32);

impl JOff {
    /// `v` bytes, if even and within ±1 MiB.
    pub const fn new(v: i64) -> Option<JOff> {
        if v >= -(1 << 20) && v < (1 << 20) && v % 2 == 0 {
            Some(JOff(v as i32))
        } else {
            None
        }
    }

    /// The offset in bytes.
    pub const fn get(self) -> i64 {
        self.0 as i64
    }
}

/// A shift amount for 64-bit shifts: 0..=63.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shamt6(u8);

impl Shamt6 {
    /// `v`, if below 64.
    pub const fn new(v: u32) -> Option<Shamt6> {
        if v < 64 {
            Some(Shamt6(v as u8))
        } else {
            None
        }
    }

    /// The amount.
    pub const fn get(self) -> u32 {
        self.0 as u32
    }
}

/// A shift amount for 32-bit (`*w`) shifts: 0..=31.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shamt5(u8);

impl Shamt5 {
    /// `v`, if below 32.
    pub const fn new(v: u32) -> Option<Shamt5> {
        if v < 32 {
            Some(Shamt5(v as u8))
        } else {
            None
        }
    }

    /// The amount.
    pub const fn get(self) -> u32 {
        self.0 as u32
    }
}

/// Split a value that fits in 32 signed bits into `lui` + `addi(w)` parts: `(hi, lo)` with
/// `hi * 4096 + lo == v` (modulo 2^32, as `addiw` computes) and `lo` a signed 12-bit value.
pub fn split32(v: i32) -> (Imm20, Imm12) {
    let lo = ((v as i64) << 52) >> 52;
    let hi = (((v as i64 - lo) >> 12) as u32) & 0xfffff;
    // Both fit by construction: `lo` is a sign-extended 12-bit field, `hi` masked to 20 bits.
    (Imm20(hi), Imm12(lo as i16))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ranges() {
        assert!(Imm12::new(2047).is_some() && Imm12::new(2048).is_none());
        assert!(Imm12::new(-2048).is_some() && Imm12::new(-2049).is_none());
        assert!(BOff::new(4094).is_some() && BOff::new(4096).is_none() && BOff::new(3).is_none());
        assert!(BOff::new(-4096).is_some() && BOff::new(-4098).is_none());
        assert!(JOff::new((1 << 20) - 2).is_some() && JOff::new(1 << 20).is_none());
        assert!(Shamt6::new(63).is_some() && Shamt6::new(64).is_none());
        assert!(Shamt5::new(31).is_some() && Shamt5::new(32).is_none());
        assert!(Imm20::new(0xfffff).is_some() && Imm20::new(0x100000).is_none());
    }

    proptest! {
        /// `lui hi; addiw lo` rebuilds every 32-bit value.
        #[test]
        fn split32_rebuilds(v in any::<i32>()) {
            let (hi, lo) = split32(v);
            let got = ((hi.get() << 12) as i32).wrapping_add(lo.get() as i32);
            prop_assert_eq!(got, v);
        }
    }
}
