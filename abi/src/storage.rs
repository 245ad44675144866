//! The storage types' values: what each byte means and how a number becomes one.
//!
//! The float formats are OCP's 8-bit floats (e4m3fn, e5m2) and the "fnuz" variants
//! (no negative zero, one NaN at 0x80, exponent bias one higher), plus the 4-bit e2m1.
//! Conversions round to nearest, ties to even; what an overflow becomes depends on the
//! format and on `saturate` (ONNX Cast's attribute): the largest finite value, or
//! infinity (e5m2) or NaN (formats without infinities). These are the conversions ONNX's
//! reference implementation gets from ml_dtypes, including its choices where the
//! standards say nothing (a NaN cast to e2m1, which has none, becomes 0x8, or 0x0 for a
//! NaN with its sign bit set). The integer formats (int4, uint4, int2, uint2) hold their
//! value's low bits; a float converts by truncation, and a result outside the type's
//! range becomes 0, integers wrap.
//!
//! These are the reference: the interpreter calls them directly, and the lowering that
//! compiled code runs is checked against them.

use crate::ElementType;

/// The layout of a float storage type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FloatFormat {
    pub exponent_bits: u32,
    pub mantissa_bits: u32,
    pub bias: i32,
    /// The largest finite value's code (sign bit clear).
    pub max_code: u8,
    /// How the format spells what it cannot hold.
    pub specials: Specials,
}

/// Infinities and NaNs of a float storage type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Specials {
    /// IEEE-like (e5m2): all-ones exponent, zero mantissa is infinity, else NaN.
    Ieee,
    /// Finite and NaN only (e4m3fn): all ones below the sign bit is NaN.
    FiniteNan,
    /// Finite, one NaN at the negative-zero code, no negative zero (the fnuz types).
    Fnuz,
    /// Finite only (e2m1): overflows and infinities saturate.
    Finite,
}

impl FloatFormat {
    /// The format of a float storage type.
    pub fn of(e: ElementType) -> Option<FloatFormat> {
        let f = |exponent_bits, mantissa_bits, bias, max_code, specials| FloatFormat {
            exponent_bits,
            mantissa_bits,
            bias,
            max_code,
            specials,
        };
        Some(match e {
            ElementType::F8E4M3FN => f(4, 3, 7, 0x7E, Specials::FiniteNan),
            ElementType::F8E4M3FNUZ => f(4, 3, 8, 0x7F, Specials::Fnuz),
            ElementType::F8E5M2 => f(5, 2, 15, 0x7B, Specials::Ieee),
            ElementType::F8E5M2FNUZ => f(5, 2, 16, 0x7F, Specials::Fnuz),
            ElementType::F4E2M1 => f(2, 1, 1, 0x7, Specials::Finite),
            _ => return None,
        })
    }

    /// Bits in a code: sign, exponent, mantissa.
    pub fn bits(self) -> u32 {
        1 + self.exponent_bits + self.mantissa_bits
    }

    fn sign_bit(self) -> u8 {
        1 << (self.exponent_bits + self.mantissa_bits)
    }

    /// The value of a code (its bits above the format's width are ignored).
    pub fn decode(self, code: u8) -> f64 {
        let code = code & ((1u16 << self.bits()) - 1) as u8;
        let negative = code & self.sign_bit() != 0;
        let magnitude = code & (self.sign_bit() - 1);
        let exponent = (magnitude >> self.mantissa_bits) as i32;
        let mantissa = (magnitude & ((1 << self.mantissa_bits) - 1)) as f64;
        let all_ones = (1 << self.exponent_bits) - 1;
        let v = match self.specials {
            Specials::Fnuz if code == self.sign_bit() => return f64::NAN,
            Specials::FiniteNan if magnitude == self.sign_bit() - 1 => return f64::NAN,
            Specials::Ieee if exponent == all_ones && mantissa == 0.0 => f64::INFINITY,
            Specials::Ieee if exponent == all_ones => return f64::NAN,
            _ if exponent == 0 => mantissa * 2f64.powi(1 - self.bias - self.mantissa_bits as i32),
            _ => {
                (1.0 + mantissa / (1 << self.mantissa_bits) as f64)
                    * 2f64.powi(exponent - self.bias)
            }
        };
        if negative {
            -v
        } else {
            v
        }
    }

    /// The largest finite value.
    pub fn max_value(self) -> f64 {
        self.decode(self.max_code)
    }

    /// The code of NaN, for a NaN with or without its sign bit.
    pub fn nan_code(self, negative: bool) -> u8 {
        let sign = if negative { self.sign_bit() } else { 0 };
        match self.specials {
            Specials::Ieee => {
                ((1 << (self.exponent_bits + 1)) - 1) << (self.mantissa_bits - 1) | sign
            }
            Specials::FiniteNan => (self.sign_bit() - 1) | sign,
            Specials::Fnuz => self.sign_bit(),
            // ml_dtypes' choice for a format without NaNs.
            Specials::Finite => sign ^ self.sign_bit(),
        }
    }

    /// The code an overflow (or an infinity) becomes, sign bit clear.
    pub fn overflow_code(self, saturate: bool) -> u8 {
        match self.specials {
            _ if saturate => self.max_code,
            Specials::Finite => self.max_code,
            Specials::Ieee => self.max_code + 1,
            Specials::FiniteNan | Specials::Fnuz => self.nan_code(false),
        }
    }

    /// The code nearest `v` (ties to even).
    pub fn encode(self, v: f64, saturate: bool) -> u8 {
        if v.is_nan() {
            return self.nan_code(v.is_sign_negative());
        }
        let negative = v.is_sign_negative();
        let a = v.abs();
        let m = self.mantissa_bits as i32;
        let min_normal = 2f64.powi(1 - self.bias);
        let magnitude = if a.is_infinite() {
            None
        } else {
            // The spacing of representable values at `a`; scaling by it is exact.
            let quantum = if a < min_normal {
                2f64.powi(1 - self.bias - m)
            } else {
                let e = ((a.to_bits() >> 52) & 0x7FF) as i32 - 1023;
                2f64.powi(e - m)
            };
            let r = (a / quantum).round_ties_even() * quantum;
            if r > self.max_value() {
                None
            } else if r < min_normal {
                Some((r / 2f64.powi(1 - self.bias - m)) as u8)
            } else {
                let e = ((r.to_bits() >> 52) & 0x7FF) as i32 - 1023;
                let mantissa = (r / 2f64.powi(e - m)) as u32 - (1 << m);
                Some((((e + self.bias) as u32) << m | mantissa) as u8)
            }
        };
        let code = match magnitude {
            Some(c) => c,
            None => self.overflow_code(saturate || self.specials == Specials::Finite),
        };
        let is_nan = code == self.nan_code(false) && self.specials != Specials::Finite;
        if !negative || (self.specials == Specials::Fnuz && (code == 0 || is_nan)) {
            code
        } else {
            code | self.sign_bit()
        }
    }
}

/// The value of a storage type's byte: a float's value, an integer's (sign-extended
/// from its width for int4 and int2).
pub fn decode(e: ElementType, byte: u8) -> f64 {
    if let Some(f) = FloatFormat::of(e) {
        return f.decode(byte);
    }
    decode_int(e, byte) as f64
}

/// An integer storage type's value.
pub fn decode_int(e: ElementType, byte: u8) -> i64 {
    let bits = e.int_bits();
    let low = (byte as u32 & ((1 << bits) - 1)) as i64;
    match e {
        ElementType::I4 | ElementType::I2 if low >> (bits - 1) != 0 => low - (1 << bits),
        _ => low,
    }
}

/// The byte of a storage type nearest a float: Cast's conversion (with `saturate` for
/// the float formats; integers truncate and are 0 outside their range).
pub fn encode(e: ElementType, v: f64, saturate: bool) -> u8 {
    if let Some(f) = FloatFormat::of(e) {
        return f.encode(v, saturate);
    }
    let (lo, hi) = e.int_limits().unwrap_or((0.0, 0.0));
    let t = v.trunc();
    if t >= lo && t <= hi {
        encode_int(e, t as i64)
    } else {
        0
    }
}

/// The byte of an integer storage type holding `v`'s low bits (integers wrap).
pub fn encode_int(e: ElementType, v: i64) -> u8 {
    (v & ((1 << e.int_bits()) - 1)) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_and_codes_order_like_values() {
        for e in ElementType::ALL
            .into_iter()
            .filter(|e| e.is_storage_float())
        {
            let f = FloatFormat::of(e).unwrap();
            let mut previous = -1.0;
            for code in 0..=f.max_code {
                let v = f.decode(code);
                assert!(v > previous || code == 0, "{e}: code {code:#x} is {v}");
                previous = v;
                assert_eq!(f.encode(v, false), code, "{e}: {v}");
                let negative = f.encode(-v, false);
                let expected = if code == 0 && f.specials == Specials::Fnuz {
                    0
                } else {
                    code | f.sign_bit()
                };
                assert_eq!(negative, expected, "{e}: -{v}");
            }
        }
    }

    #[test]
    fn known_values_and_limits() {
        let e4 = FloatFormat::of(ElementType::F8E4M3FN).unwrap();
        assert_eq!(e4.max_value(), 448.0);
        assert_eq!(e4.decode(0x01), 2f64.powi(-9));
        // 464 is halfway between 448 (mantissa 110) and 480: even wins, and stays finite.
        assert_eq!(e4.encode(464.0, false), 0x7E);
        assert_eq!(e4.encode(465.0, false), 0x7F);
        assert_eq!(e4.encode(465.0, true), 0x7E);
        assert_eq!(e4.encode(f64::NEG_INFINITY, true), 0xFE);
        assert_eq!(e4.encode(-0.0, true), 0x80);
        let e5 = FloatFormat::of(ElementType::F8E5M2).unwrap();
        assert_eq!(e5.max_value(), 57344.0);
        assert_eq!(e5.encode(f64::INFINITY, false), 0x7C);
        assert_eq!(e5.encode(1e9, true), 0x7B);
        assert_eq!(e5.encode(f64::NAN, false), 0x7E);
        assert!(e5.decode(0x7C).is_infinite() && e5.decode(0x7D).is_nan());
        let uz = FloatFormat::of(ElementType::F8E4M3FNUZ).unwrap();
        assert_eq!(uz.max_value(), 240.0);
        assert_eq!(uz.encode(-1e-30, false), 0x00);
        assert_eq!(uz.encode(f64::NAN, true), 0x80);
        assert!(uz.decode(0x80).is_nan());
        let f4 = FloatFormat::of(ElementType::F4E2M1).unwrap();
        assert_eq!(
            (0..8).map(|c| f4.decode(c)).collect::<Vec<_>>(),
            [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0]
        );
        assert_eq!(f4.encode(f64::INFINITY, false), 0x7);
        assert_eq!(f4.encode(2.5, false), 0x4);
        assert_eq!(f4.encode(f64::NAN, false), 0x8);
    }

    #[test]
    fn integer_storage_truncates_and_wraps() {
        assert_eq!(decode_int(ElementType::I4, 0x8), -8);
        assert_eq!(decode_int(ElementType::I2, 0x3), -1);
        assert_eq!(encode(ElementType::I4, -8.9, true), 0x8);
        assert_eq!(encode(ElementType::I4, -9.0, true), 0);
        assert_eq!(encode(ElementType::U4, 15.5, true), 0xF);
        assert_eq!(encode(ElementType::U2, f64::NAN, true), 0);
        assert_eq!(encode_int(ElementType::I4, 200), 0x8);
    }
}
