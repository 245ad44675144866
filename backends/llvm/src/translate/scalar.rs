//! Scalar ops beyond the arithmetic core: integer division, remainders and shifts with the
//! interpreter's rules, bitwise logic, 16-bit float storage, and our `erf`.

use super::{elem_type, Translator, NO_TRANSLATION};
use crate::CodegenError;
use inkwell::types::{BasicType, BasicTypeEnum};
use inkwell::values::BasicValueEnum;
use inkwell::{FloatPredicate, IntPredicate};
use strata_ir::ops;
use strata_ir::{ElementType, OpId, OpName, Type};

/// Integer and boolean ops handled by [`Translator::integer`].
pub(crate) const INTEGER_OPS: &[OpName] = &[
    ops::KERNEL_DIV,
    ops::KERNEL_MOD,
    ops::KERNEL_BIT_SHIFT,
    ops::KERNEL_BITWISE_AND,
    ops::KERNEL_BITWISE_OR,
    ops::KERNEL_BITWISE_XOR,
    ops::KERNEL_BITWISE_NOT,
    ops::KERNEL_AND,
    ops::KERNEL_OR,
    ops::KERNEL_XOR,
    ops::KERNEL_NOT,
    ops::KERNEL_ABS,
    ops::KERNEL_NEG,
    ops::KERNEL_RELU,
    ops::KERNEL_SIGN,
    ops::KERNEL_PRELU,
    ops::KERNEL_POW,
];

type R<'ctx> = Result<BasicValueEnum<'ctx>, CodegenError>;

impl<'ctx> Translator<'ctx, '_> {
    /// The in-memory type of a value of 16-bit float type `t` (scalar or vector).
    pub(crate) fn storage_type(&self, t: &Type, e16: ElementType) -> BasicTypeEnum<'ctx> {
        let scalar = elem_type(self.ctx, e16).expect("16-bit floats have a storage type");
        match (t, scalar) {
            (Type::Vector(n, _), BasicTypeEnum::FloatType(f)) => f.vec_type(*n).into(),
            (Type::Vector(n, _), BasicTypeEnum::IntType(i)) => i.vec_type(*n).into(),
            _ => scalar,
        }
    }

    /// An integer constant of `like`'s type (scalar or vector of integers).
    fn iconst(&self, like: BasicTypeEnum<'ctx>, v: i64) -> R<'ctx> {
        let scalar = match like {
            BasicTypeEnum::VectorType(vt) => vt.get_element_type().into_int_type(),
            BasicTypeEnum::IntType(i) => i,
            _ => return Err("integer constant of a non-integer type".into()),
        };
        self.splat(scalar.const_int(v as u64, true).into(), like)
    }

    pub(crate) fn icmp(
        &self,
        p: IntPredicate,
        a: BasicValueEnum<'ctx>,
        b: BasicValueEnum<'ctx>,
    ) -> R<'ctx> {
        let e = CodegenError::from;
        Ok(match (a, b) {
            (BasicValueEnum::IntValue(x), BasicValueEnum::IntValue(y)) => {
                self.b.build_int_compare(p, x, y, "").map_err(e)?.into()
            }
            (BasicValueEnum::VectorValue(x), BasicValueEnum::VectorValue(y)) => {
                self.b.build_int_compare(p, x, y, "").map_err(e)?.into()
            }
            _ => return Err("integer comparison on non-integers".into()),
        })
    }

    /// Loaded 16-bit floats as f32 registers of type `rt`.
    pub(crate) fn widen16(
        &self,
        v: BasicValueEnum<'ctx>,
        e16: ElementType,
        rt: BasicTypeEnum<'ctx>,
    ) -> R<'ctx> {
        use inkwell::values::InstructionOpcode as Op;
        let e = CodegenError::from;
        if e16 == ElementType::F16 {
            return self.b.build_cast(Op::FPExt, v, rt, "").map_err(e);
        }
        // bf16 is the top half of an f32.
        let i32t = match rt {
            BasicTypeEnum::VectorType(vt) => self.ctx.i32_type().vec_type(vt.get_size()).into(),
            _ => self.ctx.i32_type().as_basic_type_enum(),
        };
        let wide = self.b.build_cast(Op::ZExt, v, i32t, "").map_err(e)?;
        let sixteen = self.iconst(i32t, 16)?;
        let bits = shift(&self.b, wide, sixteen, Shift::Left)?;
        self.b.build_cast(Op::BitCast, bits, rt, "").map_err(e)
    }

    /// f32 registers to 16-bit float storage, rounding to nearest even.
    pub(crate) fn narrow16(&self, v: BasicValueEnum<'ctx>, e16: ElementType) -> R<'ctx> {
        use inkwell::values::InstructionOpcode as Op;
        let e = CodegenError::from;
        let lanes = match v.get_type() {
            BasicTypeEnum::VectorType(vt) => Some(vt.get_size()),
            _ => None,
        };
        let ty = |scalar: BasicTypeEnum<'ctx>| -> BasicTypeEnum<'ctx> {
            match (lanes, scalar) {
                (Some(n), BasicTypeEnum::FloatType(f)) => f.vec_type(n).into(),
                (Some(n), BasicTypeEnum::IntType(i)) => i.vec_type(n).into(),
                _ => scalar,
            }
        };
        if e16 == ElementType::F16 {
            let ht = ty(self.ctx.f16_type().into());
            return self.b.build_cast(Op::FPTrunc, v, ht, "").map_err(e);
        }
        let i32t = ty(self.ctx.i32_type().into());
        let bits = self.b.build_cast(Op::BitCast, v, i32t, "").map_err(e)?;
        let hi = shift(&self.b, bits, self.iconst(i32t, 16)?, Shift::LogicalRight)?;
        let lsb = int2(&self.b, hi, self.iconst(i32t, 1)?, '&')?;
        let bias = int2(&self.b, lsb, self.iconst(i32t, 0x7fff)?, '+')?;
        let sum = int2(&self.b, bits, bias, '+')?;
        let rounded = shift(&self.b, sum, self.iconst(i32t, 16)?, Shift::LogicalRight)?;
        // NaN stays a (quiet) NaN rather than rounding into infinity.
        let quiet = int2(&self.b, hi, self.iconst(i32t, 0x40)?, '|')?;
        let nan = self.fcmp(FloatPredicate::UNO, v, v)?;
        let r = self.select(nan, quiet, rounded)?;
        self.b
            .build_cast(Op::Trunc, r, ty(self.ctx.i16_type().into()), "")
            .map_err(e)
    }

    /// Rounds an f32 register value to the precision of `e16`.
    pub(crate) fn round16(&self, v: BasicValueEnum<'ctx>, e16: ElementType) -> R<'ctx> {
        if !matches!(v.get_type(), BasicTypeEnum::FloatType(_))
            && !matches!(v.get_type(), BasicTypeEnum::VectorType(vt) if vt.get_element_type().is_float_type())
        {
            return Ok(v);
        }
        let rt = v.get_type();
        let n = self.narrow16(v, e16)?;
        self.widen16(n, e16, rt)
    }

    /// Float `Mod`: truncated (`fmod = 1`), else floored (the sign of the divisor).
    pub(crate) fn float_mod(
        &self,
        op: OpId,
        lt: BasicTypeEnum<'ctx>,
        args: &[BasicValueEnum<'ctx>],
    ) -> R<'ctx> {
        let ir = self.ir;
        let wrap = |r: R<'ctx>| r.map_err(|e| e.at_op(ir, op));
        let e = CodegenError::from;
        wrap((|| -> R<'ctx> {
            let (p, q) = (args[0], args[1]);
            let m: BasicValueEnum = match (p, q) {
                (BasicValueEnum::FloatValue(x), BasicValueEnum::FloatValue(y)) => {
                    self.b.build_float_rem(x, y, "").map_err(e)?.into()
                }
                (BasicValueEnum::VectorValue(x), BasicValueEnum::VectorValue(y)) => {
                    self.b.build_float_rem(x, y, "").map_err(e)?.into()
                }
                _ => return Err("mod on non-floats".into()),
            };
            if self.param(op, "fmod", 0.0) != 0.0 {
                return Ok(m);
            }
            let zero = self.fconst(lt, 0.0)?;
            let nonzero = self.fcmp(FloatPredicate::ONE, m, zero)?;
            let mneg = self.fcmp(FloatPredicate::OLT, m, zero)?;
            let qneg = self.fcmp(FloatPredicate::OLT, q, zero)?;
            let differ = self.icmp(IntPredicate::NE, mneg, qneg)?;
            let fix = self.select(nonzero, differ, nonzero)?;
            let fixed = self.fop('+', m, q)?;
            self.select(fix, fixed, m)
        })())
    }

    /// Integer and boolean ops, with the interpreter's rules for the corner cases.
    pub(crate) fn integer(
        &self,
        op: OpId,
        name: OpName,
        operand: ElementType,
        lt: BasicTypeEnum<'ctx>,
        args: &[BasicValueEnum<'ctx>],
    ) -> R<'ctx> {
        let ir = self.ir;
        let wrap = |r: R<'ctx>| r.map_err(|e| e.at_op(ir, op));
        let unsigned = operand.is_unsigned() || operand == ElementType::Bool;
        let boolean = operand == ElementType::Bool;
        wrap((|| -> R<'ctx> {
            let k = |v: i64| self.iconst(lt, v);
            let x = args[0];
            Ok(match name {
                ops::KERNEL_AND | ops::KERNEL_BITWISE_AND => int2(&self.b, x, args[1], '&')?,
                ops::KERNEL_OR | ops::KERNEL_BITWISE_OR => int2(&self.b, x, args[1], '|')?,
                ops::KERNEL_XOR | ops::KERNEL_BITWISE_XOR => int2(&self.b, x, args[1], '^')?,
                ops::KERNEL_NOT | ops::KERNEL_BITWISE_NOT => int2(&self.b, x, k(-1)?, '^')?,
                _ if boolean => {
                    return Err(format!("{NO_TRANSLATION} '{name}' on booleans yet").into())
                }
                ops::KERNEL_NEG => int2(&self.b, k(0)?, x, '-')?,
                ops::KERNEL_ABS if unsigned => x,
                ops::KERNEL_ABS => {
                    let neg = int2(&self.b, k(0)?, x, '-')?;
                    let lt0 = self.icmp(IntPredicate::SLT, x, k(0)?)?;
                    self.select(lt0, neg, x)?
                }
                ops::KERNEL_RELU if unsigned => x,
                ops::KERNEL_RELU => self.intrinsic("llvm.smax", lt, &[x, k(0)?])?,
                ops::KERNEL_SIGN if unsigned => self.intrinsic("llvm.umin", lt, &[x, k(1)?])?,
                ops::KERNEL_SIGN => {
                    let lo = self.intrinsic("llvm.smin", lt, &[x, k(1)?])?;
                    self.intrinsic("llvm.smax", lt, &[lo, k(-1)?])?
                }
                ops::KERNEL_PRELU => {
                    let neg = self.icmp(IntPredicate::SLT, x, k(0)?)?;
                    self.select(neg, int2(&self.b, args[1], x, '*')?, x)?
                }
                ops::KERNEL_POW => self.int_pow(op, operand, lt, x, args[1])?,
                ops::KERNEL_DIV | ops::KERNEL_MOD => {
                    let q = args[1];
                    // A divisor of 0 (result 0) or -1 (negation, wrapping) never reaches
                    // the division instruction, for which both are undefined.
                    let zero = self.icmp(IntPredicate::EQ, q, k(0)?)?;
                    let minus1 = if unsigned {
                        self.icmp(IntPredicate::NE, q, q)?
                    } else {
                        self.icmp(IntPredicate::EQ, q, k(-1)?)?
                    };
                    let special = int2(&self.b, zero, minus1, '|')?;
                    let safe = self.select(special, k(1)?, q)?;
                    let fmod = self.param(op, "fmod", 0.0) != 0.0;
                    if name == ops::KERNEL_DIV {
                        let d = int2(&self.b, x, safe, if unsigned { 'u' } else { '/' })?;
                        let d = self.select(minus1, int2(&self.b, k(0)?, x, '-')?, d)?;
                        self.select(zero, k(0)?, d)?
                    } else {
                        let r = int2(&self.b, x, safe, if unsigned { 'v' } else { '%' })?;
                        let r = if fmod || unsigned {
                            r
                        } else {
                            // Floored: the remainder takes the divisor's sign.
                            let nonzero = self.icmp(IntPredicate::NE, r, k(0)?)?;
                            let rneg = self.icmp(IntPredicate::SLT, r, k(0)?)?;
                            let qneg = self.icmp(IntPredicate::SLT, q, k(0)?)?;
                            let differ = self.icmp(IntPredicate::NE, rneg, qneg)?;
                            let fix = int2(&self.b, nonzero, differ, '&')?;
                            self.select(fix, int2(&self.b, r, q, '+')?, r)?
                        };
                        self.select(special, k(0)?, r)?
                    }
                }
                ops::KERNEL_BIT_SHIFT => {
                    let left = matches!(
                        ir.op(op).attrs.get("direction"),
                        Some(strata_ir::Attribute::String(s)) if s == "LEFT"
                    );
                    let bits = match lt {
                        BasicTypeEnum::VectorType(vt) => {
                            vt.get_element_type().into_int_type().get_bit_width()
                        }
                        BasicTypeEnum::IntType(i) => i.get_bit_width(),
                        _ => return Err("shift of a non-integer".into()),
                    } as i64;
                    let q = args[1];
                    let in_range = self.icmp(IntPredicate::ULT, q, k(bits)?)?;
                    let safe = self.select(in_range, q, k(0)?)?;
                    let how = match (left, unsigned) {
                        (true, _) => Shift::Left,
                        (false, true) => Shift::LogicalRight,
                        (false, false) => Shift::ArithmeticRight,
                    };
                    let shifted = shift(&self.b, x, safe, how)?;
                    let fill = match how {
                        Shift::ArithmeticRight => shift(&self.b, x, k(bits - 1)?, how)?,
                        _ => k(0)?,
                    };
                    self.select(in_range, shifted, fill)?
                }
                other => return Err(format!("{NO_TRANSLATION} '{other}' on {operand} yet").into()),
            })
        })())
    }

    /// Integer `Pow`: by squaring, wrapping; a negative exponent gives 0 but for bases ±1.
    /// A float exponent computes in f64 and converts back (saturating), as Cast does.
    fn int_pow(
        &self,
        op: OpId,
        operand: ElementType,
        lt: BasicTypeEnum<'ctx>,
        x: BasicValueEnum<'ctx>,
        y: BasicValueEnum<'ctx>,
    ) -> R<'ctx> {
        use inkwell::values::InstructionOpcode as Op;
        let e = CodegenError::from;
        let lanes = match lt {
            BasicTypeEnum::VectorType(vt) => Some(vt.get_size()),
            _ => None,
        };
        let f64t: BasicTypeEnum = match lanes {
            Some(n) => self.ctx.f64_type().vec_type(n).into(),
            None => self.ctx.f64_type().into(),
        };
        let unsigned = operand.is_unsigned();
        let exponent_elem = match self.ir.value_type(self.ir.op(op).operands[1]) {
            Type::Scalar(e) | Type::Vector(_, e) => *e,
            _ => return Err("pow exponent is not a scalar".into()),
        };
        if exponent_elem.is_float() {
            let xf = self
                .b
                .build_cast(if unsigned { Op::UIToFP } else { Op::SIToFP }, x, f64t, "")
                .map_err(e)?;
            let yf = if y.get_type() == f64t {
                y
            } else {
                self.b.build_cast(Op::FPExt, y, f64t, "").map_err(e)?
            };
            let p = self.intrinsic("llvm.pow", f64t, &[xf, yf])?;
            return self.cast(p, ElementType::F64, operand, lt);
        }
        // The exponent in the base's integer type.
        let y = if y.get_type() == lt {
            y
        } else {
            let (yb, xb) = (exponent_elem.size_bytes(), operand.size_bytes());
            let opc = if yb > xb {
                Op::Trunc
            } else if exponent_elem.is_unsigned() {
                Op::ZExt
            } else {
                Op::SExt
            };
            self.b.build_cast(opc, y, lt, "").map_err(e)?
        };
        let k = |v: i64| self.iconst(lt, v);
        let bits = 8 * operand.size_bytes() as i64;
        let (mut result, mut base) = (k(1)?, x);
        for i in 0..bits {
            let bit = int2(
                &self.b,
                shift(&self.b, y, k(i)?, Shift::LogicalRight)?,
                k(1)?,
                '&',
            )?;
            let set = self.icmp(IntPredicate::NE, bit, k(0)?)?;
            let times = int2(&self.b, result, base, '*')?;
            result = self.select(set, times, result)?;
            base = int2(&self.b, base, base, '*')?;
        }
        if unsigned {
            return Ok(result);
        }
        // y < 0: 1 for x = 1, ±1 for x = -1 (by y's parity), else 0.
        let odd = self.icmp(IntPredicate::NE, int2(&self.b, y, k(1)?, '&')?, k(0)?)?;
        let minus_one_pow = self.select(odd, k(-1)?, k(1)?)?;
        let is_one = self.icmp(IntPredicate::EQ, x, k(1)?)?;
        let is_minus_one = self.icmp(IntPredicate::EQ, x, k(-1)?)?;
        let negative = self.select(is_minus_one, minus_one_pow, k(0)?)?;
        let negative = self.select(is_one, k(1)?, negative)?;
        let y_neg = self.icmp(IntPredicate::SLT, y, k(0)?)?;
        self.select(y_neg, negative, result)
    }

    /// eˣ: for f32 (scalars and vectors alike) the polynomial of
    /// [`strata_ir::kernel::approx::exp_f32`], step for step, so that vectors stay vectors
    /// (LLVM's `llvm.exp` on a vector becomes one libm call per lane); other types call
    /// the math library through `llvm.exp`.
    pub(crate) fn exp(&self, x: BasicValueEnum<'ctx>, lt: BasicTypeEnum<'ctx>) -> R<'ctx> {
        use strata_ir::kernel::approx::{
            EXP_F32_ARGUMENT_RANGE, EXP_F32_TAYLOR, LN2_HI_F32, LN2_LO_F32,
        };
        let is_f32 = match lt {
            BasicTypeEnum::FloatType(f) => f == self.ctx.f32_type(),
            BasicTypeEnum::VectorType(v) => {
                v.get_element_type().into_float_type() == self.ctx.f32_type()
            }
            _ => false,
        };
        if !is_f32 {
            return self.intrinsic("llvm.exp", lt, &[x]);
        }
        let c = |v: f32| self.fconst(lt, v as f64);
        let fma = |a, b, acc| self.intrinsic("llvm.fma", lt, &[a, b, acc]);
        let (lo, hi) = EXP_F32_ARGUMENT_RANGE;
        // Clamp with ordered compares, which keep a NaN as it is.
        let below = self.fcmp(FloatPredicate::OLT, x, c(lo)?)?;
        let xc = self.select(below, c(lo)?, x)?;
        let above = self.fcmp(FloatPredicate::OGT, xc, c(hi)?)?;
        let xc = self.select(above, c(hi)?, xc)?;
        let n = self.intrinsic(
            "llvm.roundeven",
            lt,
            &[self.fop('*', xc, c(std::f32::consts::LOG2_E)?)?],
        )?;
        let r = fma(n, c(-LN2_HI_F32)?, xc)?;
        let r = fma(n, c(-LN2_LO_F32)?, r)?;
        let mut p = c(EXP_F32_TAYLOR[0])?;
        for &k in &EXP_F32_TAYLOR[1..] {
            p = fma(p, r, c(k)?)?;
        }
        // 2ⁿ as two halves built from exponent bits.
        let it = self.int_like(lt, self.ctx.i32_type());
        let ni = self
            .b
            .build_cast(inkwell::values::InstructionOpcode::FPToSI, n, it, "")
            .map_err(CodegenError::from)?;
        // NaN gave a poison integer: use 0 there (the result is replaced below).
        let is_nan = self.fcmp(FloatPredicate::UNO, x, x)?;
        let ni = self.select(is_nan, self.iconst(it, 0)?, ni)?;
        let n1 = shift(&self.b, ni, self.iconst(it, 1)?, Shift::ArithmeticRight)?;
        let n2 = int2(&self.b, ni, n1, '-')?;
        let pow2 = |k: BasicValueEnum<'ctx>| -> R<'ctx> {
            let biased = int2(&self.b, k, self.iconst(it, 127)?, '+')?;
            let bits = shift(&self.b, biased, self.iconst(it, 23)?, Shift::Left)?;
            self.b
                .build_bit_cast(bits, lt, "")
                .map_err(CodegenError::from)
        };
        let y = self.fop('*', self.fop('*', p, pow2(n1)?)?, pow2(n2)?)?;
        self.select(is_nan, x, y)
    }

    /// `kernel.bitcast`: the operand's bits as the types store them, reinterpreted. f16
    /// and bf16 compute in f32 registers, so their bits are those of the value rounded
    /// back to 16 bits (exact: it was rounded when computed); booleans are bytes 0 and 1.
    pub(crate) fn bitcast(
        &self,
        v: BasicValueEnum<'ctx>,
        from: ElementType,
        to: ElementType,
        lt: BasicTypeEnum<'ctx>,
    ) -> R<'ctx> {
        use inkwell::values::InstructionOpcode as Op;
        let e = CodegenError::from;
        let b = &self.b;
        let ints = |bits: u32| {
            let t = match bits {
                8 => self.ctx.i8_type(),
                16 => self.ctx.i16_type(),
                32 => self.ctx.i32_type(),
                _ => self.ctx.i64_type(),
            };
            self.int_like(lt, t)
        };
        let floats = |f: inkwell::types::FloatType<'ctx>| -> BasicTypeEnum<'ctx> {
            match lt {
                BasicTypeEnum::VectorType(vt) => f.vec_type(vt.get_size()).into(),
                _ => f.into(),
            }
        };
        let (i16t, i32t) = (ints(16), ints(32));
        let raw = match from {
            ElementType::F32 => b.build_bit_cast(v, i32t, "").map_err(e)?,
            ElementType::F64 => b.build_bit_cast(v, ints(64), "").map_err(e)?,
            ElementType::F16 => {
                let h = b
                    .build_cast(Op::FPTrunc, v, floats(self.ctx.f16_type()), "")
                    .map_err(e)?;
                b.build_bit_cast(h, i16t, "").map_err(e)?
            }
            ElementType::BF16 => {
                let w = b.build_bit_cast(v, i32t, "").map_err(e)?;
                let hi = shift(b, w, self.iconst(i32t, 16)?, Shift::LogicalRight)?;
                b.build_cast(Op::Trunc, hi, i16t, "").map_err(e)?
            }
            ElementType::Bool => b.build_cast(Op::ZExt, v, ints(8), "").map_err(e)?,
            _ => v,
        };
        Ok(match to {
            ElementType::F32 | ElementType::F64 => b.build_bit_cast(raw, lt, "").map_err(e)?,
            ElementType::F16 => {
                let h = b
                    .build_bit_cast(raw, floats(self.ctx.f16_type()), "")
                    .map_err(e)?;
                b.build_cast(Op::FPExt, h, lt, "").map_err(e)?
            }
            ElementType::BF16 => {
                let w = b.build_cast(Op::ZExt, raw, i32t, "").map_err(e)?;
                let w = shift(b, w, self.iconst(i32t, 16)?, Shift::Left)?;
                b.build_bit_cast(w, lt, "").map_err(e)?
            }
            ElementType::Bool => {
                let zero = raw.get_type().const_zero();
                self.icmp(IntPredicate::NE, raw, zero)?
            }
            _ => raw,
        })
    }

    /// The integer type `int` shaped like `like` (a vector of as many lanes, or scalar).
    fn int_like(
        &self,
        like: BasicTypeEnum<'ctx>,
        int: inkwell::types::IntType<'ctx>,
    ) -> BasicTypeEnum<'ctx> {
        match like {
            BasicTypeEnum::VectorType(v) => int.vec_type(v.get_size()).into(),
            _ => int.into(),
        }
    }

    /// erf(x) by the approximation shared with the other back ends
    /// ([`strata_ir::kernel::approx`]).
    pub(crate) fn erf(&self, x: BasicValueEnum<'ctx>, lt: BasicTypeEnum<'ctx>) -> R<'ctx> {
        let c = |v: f64| self.fconst(lt, v);
        let mul = |a, b| self.fop('*', a, b);
        let add = |a, b| self.fop('+', a, b);
        use strata_ir::kernel::approx::{ERFC_CHEBYSHEV, ERF_SMALL_LIMIT, ERF_TAYLOR};
        // Small |x|: the Taylor series in x², by Horner's rule.
        let x2 = mul(x, x)?;
        let mut s = c(ERF_TAYLOR[ERF_TAYLOR.len() - 1])?;
        for &k in ERF_TAYLOR.iter().rev().skip(1) {
            s = add(mul(s, x2)?, c(k)?)?;
        }
        let small = mul(mul(s, x)?, c(std::f64::consts::FRAC_2_SQRT_PI)?)?;
        // Large |x|: through erfc.
        let z = self.intrinsic("llvm.fabs", lt, &[x])?;
        let t = self.fop('/', c(1.0)?, add(c(1.0)?, mul(c(0.5)?, z)?)?)?;
        let mut p = c(ERFC_CHEBYSHEV[0])?;
        for &k in &ERFC_CHEBYSHEV[1..] {
            p = add(mul(p, t)?, c(k)?)?;
        }
        let exponent = self.fop('-', p, mul(z, z)?)?;
        let erfc = mul(t, self.exp(exponent, lt)?)?;
        let large = self.fop('-', c(1.0)?, erfc)?;
        let signed = self.intrinsic("llvm.copysign", lt, &[large, x])?;
        let is_small = self.fcmp(FloatPredicate::OLT, z, c(ERF_SMALL_LIMIT)?)?;
        self.select(is_small, small, signed)
    }
}

#[derive(Clone, Copy)]
enum Shift {
    Left,
    LogicalRight,
    ArithmeticRight,
}

fn shift<'ctx>(
    b: &inkwell::builder::Builder<'ctx>,
    x: BasicValueEnum<'ctx>,
    y: BasicValueEnum<'ctx>,
    how: Shift,
) -> R<'ctx> {
    let e = CodegenError::from;
    macro_rules! go {
        ($x:expr, $y:expr) => {
            match how {
                Shift::Left => b.build_left_shift($x, $y, "").map_err(e)?.into(),
                Shift::LogicalRight => b.build_right_shift($x, $y, false, "").map_err(e)?.into(),
                Shift::ArithmeticRight => b.build_right_shift($x, $y, true, "").map_err(e)?.into(),
            }
        };
    }
    Ok(match (x, y) {
        (BasicValueEnum::IntValue(x), BasicValueEnum::IntValue(y)) => go!(x, y),
        (BasicValueEnum::VectorValue(x), BasicValueEnum::VectorValue(y)) => go!(x, y),
        _ => return Err("shift on non-integers".into()),
    })
}

/// Integer `x op y`: `+ - * & | ^`, signed `/ %`, unsigned `u` (div) and `v` (rem).
pub(crate) fn int2<'ctx>(
    b: &inkwell::builder::Builder<'ctx>,
    x: BasicValueEnum<'ctx>,
    y: BasicValueEnum<'ctx>,
    op: char,
) -> R<'ctx> {
    let e = CodegenError::from;
    macro_rules! go {
        ($x:expr, $y:expr) => {
            match op {
                '+' => b.build_int_add($x, $y, ""),
                '-' => b.build_int_sub($x, $y, ""),
                '*' => b.build_int_mul($x, $y, ""),
                '&' => b.build_and($x, $y, ""),
                '|' => b.build_or($x, $y, ""),
                '^' => b.build_xor($x, $y, ""),
                '/' => b.build_int_signed_div($x, $y, ""),
                '%' => b.build_int_signed_rem($x, $y, ""),
                'u' => b.build_int_unsigned_div($x, $y, ""),
                _ => b.build_int_unsigned_rem($x, $y, ""),
            }
            .map_err(e)?
            .into()
        };
    }
    Ok(match (x, y) {
        (BasicValueEnum::IntValue(x), BasicValueEnum::IntValue(y)) => go!(x, y),
        (BasicValueEnum::VectorValue(x), BasicValueEnum::VectorValue(y)) => go!(x, y),
        _ => return Err("integer arithmetic on non-integers".into()),
    })
}
