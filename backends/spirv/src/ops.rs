//! Scalar ops of kernel bodies in SPIR-V, lane by lane, with the reference interpreter's
//! numerics (the same rules as the CPU back end's).

use crate::kernel::KernelGen;
use crate::types::{reg_of, Reg, Val};
use crate::{err, NO_TRANSLATION};
use rspirv::dr::Operand;
use rspirv::spirv::{Decoration, GlslStd450Op as GLOp, Op, Word};
use strata_ir::kernel::approx::{
    ERFC_CHEBYSHEV, ERF_SMALL_LIMIT, ERF_TAYLOR, EXP_ARGUMENT_RANGE, EXP_TAYLOR, LN2_HI, LN2_LO,
    LOG_ATANH, LOG_SQRT2_MANTISSA,
};
use strata_ir::ops;
use strata_ir::{Attribute, ElementType, OpId, OpName, Type};

type R = Result<Word, crate::ShaderError>;

fn elem_of(t: &Type) -> Option<ElementType> {
    match t {
        Type::Scalar(e) | Type::Vector(_, e) => Some(*e),
        _ => None,
    }
}

impl KernelGen<'_, '_> {
    fn param(&self, op: OpId, name: &str, default: f64) -> f64 {
        match self.ir.op(op).attrs.get(name) {
            Some(Attribute::Float(v, _)) => *v,
            Some(Attribute::Int(v)) => *v as f64,
            _ => default,
        }
    }

    /// A scalar op of the kernel dialect on every lane of its operands.
    pub(crate) fn scalar(&mut self, op: OpId) -> Result<Val, crate::ShaderError> {
        let ir = self.ir;
        let d = ir.op(op);
        let name = d.name;
        let out_ty = ir.value_type(d.results[0]).clone();
        let elem = elem_of(&out_ty).ok_or_else(|| err(ir, op, "not a scalar op"))?;
        let n = match out_ty {
            Type::Vector(n, _) => n as usize,
            _ => 1,
        };
        let operand_elem = d
            .operands
            .first()
            .and_then(|&v| elem_of(ir.value_type(v)))
            .unwrap_or(elem);
        let args: Vec<Val> = d
            .operands
            .iter()
            .map(|&v| self.get(op, v))
            .collect::<Result<_, _>>()?;
        let mut lanes = Vec::with_capacity(n);
        for l in 0..n {
            let a: Vec<Word> = args
                .iter()
                .map(|v| v.lanes[l.min(v.lanes.len() - 1)])
                .collect();
            let v = self
                .lane(op, name, elem, operand_elem, &a)
                .map_err(|e| e.at_op(ir, op))?;
            let v = self.narrow(v, elem).map_err(|e| e.at_op(ir, op))?;
            lanes.push(v);
        }
        Ok(Val {
            reg: reg_of(elem),
            lanes,
        })
    }

    /// Brings a register value to the precision or range of `elem`: f16/bf16 rounding,
    /// i8/i16/u8 wrapping.
    fn narrow(&mut self, v: Word, elem: ElementType) -> R {
        let i32t = self.g.ty(Reg::I32);
        let f32t = self.g.ty(Reg::F32);
        match elem {
            ElementType::F16 => {
                let h = self.g.store_ty(crate::types::Store::F16);
                let x = self.emit(Op::FConvert, h, &[v])?;
                self.emit(Op::FConvert, f32t, &[x])
            }
            ElementType::BF16 => {
                let bits = self.bf16_bits(v)?;
                self.emit(Op::Bitcast, f32t, &[bits])
            }
            ElementType::I8 | ElementType::I16 => {
                let zero = self.g.int(Reg::I32, 0);
                let width = self.g.int(Reg::I32, 8 * elem.size_bytes() as i64);
                self.emit(Op::BitFieldSExtract, i32t, &[v, zero, width])
            }
            ElementType::U8 | ElementType::U16 => {
                let mask = self.g.int(Reg::I32, (1 << (8 * elem.size_bytes())) - 1);
                self.emit(Op::BitwiseAnd, i32t, &[v, mask])
            }
            _ => Ok(v),
        }
    }

    fn bin(&mut self, op: Op, r: Reg, a: Word, b: Word) -> R {
        let t = self.g.ty(r);
        self.emit(op, t, &[a, b])
    }

    /// An op whose result type must be unsigned (UDiv, UMod), on signed registers.
    fn unsigned_bin(&mut self, op: Op, r: Reg, a: Word, b: Word) -> R {
        let width = if r == Reg::I64 { 64 } else { 32 };
        let ut = self.g.b.type_int(width, 0);
        let it = self.g.ty(r);
        let (ua, ub) = (
            self.emit(Op::Bitcast, ut, &[a])?,
            self.emit(Op::Bitcast, ut, &[b])?,
        );
        let v = self.emit(op, ut, &[ua, ub])?;
        self.emit(Op::Bitcast, it, &[v])
    }

    fn cmp(&mut self, op: Op, a: Word, b: Word) -> R {
        let t = self.g.ty(Reg::Bool);
        self.emit(op, t, &[a, b])
    }

    fn select(&mut self, r: Reg, c: Word, a: Word, b: Word) -> R {
        let t = self.g.ty(r);
        self.emit(Op::Select, t, &[c, a, b])
    }

    fn gl(&mut self, f: GLOp, r: Reg, args: &[Word]) -> R {
        let t = self.g.ty(r);
        let glsl = self.g.glsl;
        Ok(self.g.b.ext_inst(
            t,
            None,
            glsl,
            f as u32,
            args.iter().map(|&a| Operand::IdRef(a)),
        )?)
    }

    /// A GLSL.std.450 function that exists for 32-bit floats only.
    fn gl32(&mut self, f: GLOp, r: Reg, args: &[Word]) -> R {
        if r != Reg::F32 {
            return Err(format!(
                "{NO_TRANSLATION} {f:?} on f64 (GLSL.std.450 defines it for 32-bit floats only)"
            )
            .into());
        }
        self.gl(f, r, args)
    }

    fn c(&mut self, r: Reg, v: f64) -> Word {
        self.g.float(r, v)
    }

    fn k(&mut self, r: Reg, v: i64) -> Word {
        self.g.int(r, v)
    }

    /// max/min, NaN if either operand is NaN.
    fn fmaxmin(&mut self, max: bool, r: Reg, a: Word, b: Word) -> R {
        let m = self.gl(if max { GLOp::FMax } else { GLOp::FMin }, r, &[a, b])?;
        let boolt = self.g.ty(Reg::Bool);
        let na = self.emit(Op::IsNan, boolt, &[a])?;
        let nb = self.emit(Op::IsNan, boolt, &[b])?;
        let any = self.emit(Op::LogicalOr, boolt, &[na, nb])?;
        let nan = self.bin(Op::FAdd, r, a, b)?;
        self.select(r, any, nan, m)
    }

    fn imaxmin(&mut self, max: bool, unsigned: bool, r: Reg, a: Word, b: Word) -> R {
        let how = if unsigned {
            Op::UGreaterThan
        } else {
            Op::SGreaterThan
        };
        let gt = self.cmp(how, a, b)?;
        if max {
            self.select(r, gt, a, b)
        } else {
            self.select(r, gt, b, a)
        }
    }

    fn lane(
        &mut self,
        op: OpId,
        name: OpName,
        elem: ElementType,
        operand: ElementType,
        a: &[Word],
    ) -> R {
        let r = reg_of(elem);
        let or = reg_of(operand);
        let float = operand.is_float();
        let boolean = operand == ElementType::Bool;
        Ok(match name {
            ops::KERNEL_CONSTANT => match self.ir.op(op).attrs.get("value") {
                Some(Attribute::Float(v, _)) => self.g.float(r, *v),
                Some(Attribute::Int(v)) if elem.is_float() => self.g.float(r, *v as f64),
                Some(Attribute::Int(v)) => self.g.int(r, *v),
                Some(Attribute::Bool(b)) => self.g.int(r, *b as i64),
                _ => return Err("constant without a value".into()),
            },
            ops::KERNEL_CAST => self.cast(a[0], operand, elem)?,
            ops::KERNEL_BITCAST => self.bitcast(a[0], operand, elem)?,
            ops::KERNEL_SELECT => self.select(r, a[0], a[1], a[2])?,
            ops::KERNEL_LESS
            | ops::KERNEL_LESS_OR_EQUAL
            | ops::KERNEL_GREATER
            | ops::KERNEL_GREATER_OR_EQUAL
            | ops::KERNEL_EQUAL => {
                // (float, signed, unsigned) forms of each comparison.
                let (f, signed, unsigned) = match name {
                    ops::KERNEL_LESS => (Op::FOrdLessThan, Op::SLessThan, Op::ULessThan),
                    ops::KERNEL_LESS_OR_EQUAL => (
                        Op::FOrdLessThanEqual,
                        Op::SLessThanEqual,
                        Op::ULessThanEqual,
                    ),
                    ops::KERNEL_GREATER => {
                        (Op::FOrdGreaterThan, Op::SGreaterThan, Op::UGreaterThan)
                    }
                    ops::KERNEL_GREATER_OR_EQUAL => (
                        Op::FOrdGreaterThanEqual,
                        Op::SGreaterThanEqual,
                        Op::UGreaterThanEqual,
                    ),
                    _ => (Op::FOrdEqual, Op::IEqual, Op::IEqual),
                };
                let s = if operand.is_unsigned() {
                    unsigned
                } else {
                    signed
                };
                if boolean {
                    if name != ops::KERNEL_EQUAL {
                        return Err(format!("{NO_TRANSLATION} '{name}' on booleans").into());
                    }
                    self.cmp(Op::LogicalEqual, a[0], a[1])?
                } else {
                    self.cmp(if float { f } else { s }, a[0], a[1])?
                }
            }
            ops::KERNEL_ADD if float => self.bin(Op::FAdd, r, a[0], a[1])?,
            ops::KERNEL_SUB if float => self.bin(Op::FSub, r, a[0], a[1])?,
            ops::KERNEL_MUL if float => self.bin(Op::FMul, r, a[0], a[1])?,
            ops::KERNEL_DIV if float => self.bin(Op::FDiv, r, a[0], a[1])?,
            ops::KERNEL_MAX if float => self.fmaxmin(true, r, a[0], a[1])?,
            ops::KERNEL_MIN if float => self.fmaxmin(false, r, a[0], a[1])?,
            ops::KERNEL_MOD if float => self.float_mod(op, r, a[0], a[1])?,
            // In the operands' register type: is_nan/is_inf give booleans.
            _ if float => self.float_unary(op, name, or, a)?,
            ops::KERNEL_ADD if !boolean => self.bin(Op::IAdd, r, a[0], a[1])?,
            ops::KERNEL_SUB if !boolean => self.bin(Op::ISub, r, a[0], a[1])?,
            ops::KERNEL_MUL if !boolean => self.bin(Op::IMul, r, a[0], a[1])?,
            ops::KERNEL_MAX if !boolean => {
                self.imaxmin(true, operand.is_unsigned(), r, a[0], a[1])?
            }
            ops::KERNEL_MIN if !boolean => {
                self.imaxmin(false, operand.is_unsigned(), r, a[0], a[1])?
            }
            _ => self.integer(op, name, operand, or, a)?,
        })
    }

    /// `kernel.bitcast`: the operand's bits as the types store them, reinterpreted. f16
    /// and bf16 live in f32 registers (their bits: GLSL's half packing, the top half),
    /// narrow integers sign- or zero-extended in 32-bit ones ([`Self::narrow`] extends
    /// the result), booleans are bytes 0 and 1.
    fn bitcast(&mut self, v: Word, from: ElementType, to: ElementType) -> R {
        let i32t = self.g.ty(Reg::I32);
        let u32t = self.g.u32t();
        let f32t = self.g.ty(Reg::F32);
        let glsl = self.g.glsl;
        let raw = match from {
            ElementType::F32 => self.emit(Op::Bitcast, i32t, &[v])?,
            ElementType::F64 => {
                let i64t = self.g.ty(Reg::I64);
                self.emit(Op::Bitcast, i64t, &[v])?
            }
            ElementType::F16 => {
                let v2 = self.g.b.type_vector(f32t, 2);
                let zero = self.c(Reg::F32, 0.0);
                let pair = self.emit(Op::CompositeConstruct, v2, &[v, zero])?;
                let packed = self.g.b.ext_inst(
                    u32t,
                    None,
                    glsl,
                    GLOp::PackHalf2x16 as u32,
                    [Operand::IdRef(pair)],
                )?;
                self.emit(Op::Bitcast, i32t, &[packed])?
            }
            ElementType::BF16 => {
                let w = self.emit(Op::Bitcast, u32t, &[v])?;
                let sixteen = self.g.uint(16);
                let hi = self.emit(Op::ShiftRightLogical, u32t, &[w, sixteen])?;
                self.emit(Op::Bitcast, i32t, &[hi])?
            }
            ElementType::Bool => {
                let (one, zero) = (self.k(Reg::I32, 1), self.k(Reg::I32, 0));
                self.select(Reg::I32, v, one, zero)?
            }
            ElementType::I8 | ElementType::I16 => {
                let mask = self.k(Reg::I32, (1 << (8 * from.size_bytes())) - 1);
                self.bin(Op::BitwiseAnd, Reg::I32, v, mask)?
            }
            _ => v,
        };
        match to {
            ElementType::F32 => self.emit(Op::Bitcast, f32t, &[raw]),
            ElementType::F64 => {
                let f64t = self.g.ty(Reg::F64);
                self.emit(Op::Bitcast, f64t, &[raw])
            }
            ElementType::F16 => {
                let v2 = self.g.b.type_vector(f32t, 2);
                let w = self.emit(Op::Bitcast, u32t, &[raw])?;
                let pair = self.g.b.ext_inst(
                    v2,
                    None,
                    glsl,
                    GLOp::UnpackHalf2x16 as u32,
                    [Operand::IdRef(w)],
                )?;
                Ok(self.g.b.composite_extract(f32t, None, pair, [0])?)
            }
            ElementType::BF16 => {
                let sixteen = self.k(Reg::I32, 16);
                let w = self.bin(Op::ShiftLeftLogical, Reg::I32, raw, sixteen)?;
                self.emit(Op::Bitcast, f32t, &[w])
            }
            ElementType::Bool => {
                let r = if from.size_bytes() == 8 {
                    Reg::I64
                } else {
                    Reg::I32
                };
                let zero = self.k(r, 0);
                self.cmp(Op::INotEqual, raw, zero)
            }
            _ => Ok(raw),
        }
    }

    /// Casts with the interpreter's (ONNX Cast) semantics: float→int saturates (NaN → 0),
    /// int→int wraps (by [`Self::narrow`] afterwards), anything→bool is `!= 0`.
    fn cast(&mut self, v: Word, from: ElementType, to: ElementType) -> R {
        let (fr, tr) = (reg_of(from), reg_of(to));
        let tt = self.g.ty(tr);
        if to == ElementType::Bool {
            return match fr {
                Reg::Bool => Ok(v),
                Reg::F32 | Reg::F64 => {
                    let z = self.c(fr, 0.0);
                    self.cmp(Op::FUnordNotEqual, v, z)
                }
                _ => {
                    let z = self.k(fr, 0);
                    self.cmp(Op::INotEqual, v, z)
                }
            };
        }
        if from == ElementType::Bool {
            let (one, zero) = (self.k(tr, 1), self.k(tr, 0));
            return self.select(tr, v, one, zero);
        }
        match (from.is_float(), to.is_float()) {
            (true, true) if fr == tr => Ok(v),
            (true, true) => self.emit(Op::FConvert, tt, &[v]),
            (false, true) if wide_unsigned(from) => self.emit(Op::ConvertUToF, tt, &[v]),
            (false, true) => self.emit(Op::ConvertSToF, tt, &[v]),
            (false, false) if fr == tr => Ok(v),
            (false, false) if tr == Reg::I64 && from == ElementType::U32 => self.zero_extend(v),
            (false, false) if tr == Reg::I64 => self.widen_index(v),
            (false, false) => self.emit(Op::SConvert, tt, &[v]),
            (true, false) => {
                let bits = 8 * to.size_bytes() as i32;
                let (lo, hi) = if to.is_unsigned() {
                    (0.0, 2f64.powi(bits) - 1.0)
                } else {
                    (-(2f64.powi(bits - 1)), 2f64.powi(bits - 1) - 1.0)
                };
                // hi + 1 is a power of two (or 256), exact in both float types; clamping
                // to the float just below it truncates to hi without overflowing the
                // conversion (f32 cannot hold 2^31 - 1, neither float 2^63 - 1).
                let top = if fr == Reg::F32 {
                    f32::from_bits(((hi + 1.0) as f32).to_bits() - 1) as f64
                } else {
                    f64::from_bits((hi + 1.0).to_bits() - 1)
                };
                let (lo_c, top_c, over) = (self.c(fr, lo), self.c(fr, top), self.c(fr, hi + 1.0));
                let clamped = self.gl(GLOp::FMax, fr, &[v, lo_c])?;
                let clamped = self.gl(GLOp::FMin, fr, &[clamped, top_c])?;
                let conv = if wide_unsigned(to) {
                    let ut = self.g.b.type_int(8 * to.size_bytes() as u32, 0);
                    let u = self.emit(Op::ConvertFToU, ut, &[clamped])?;
                    self.emit(Op::Bitcast, tt, &[u])?
                } else {
                    self.emit(Op::ConvertFToS, tt, &[clamped])?
                };
                let above = self.cmp(Op::FOrdGreaterThanEqual, v, over)?;
                // `as` saturates: i64's hi (2^63 as a float) becomes i64::MAX, u64's
                // (2^64) all ones.
                let max = if to.is_unsigned() {
                    self.k(tr, hi as u64 as i64)
                } else {
                    self.k(tr, hi as i64)
                };
                let r = self.select(tr, above, max, conv)?;
                let boolt = self.g.ty(Reg::Bool);
                let nan = self.emit(Op::IsNan, boolt, &[v])?;
                let zero = self.k(tr, 0);
                self.select(tr, nan, zero, r)
            }
        }
    }

    /// Float `Mod`: truncated (`fmod = 1`), else floored (the sign of the divisor).
    fn float_mod(&mut self, op: OpId, r: Reg, p: Word, q: Word) -> R {
        let m = self.bin(Op::FRem, r, p, q)?;
        // fmod(x, ±∞) = x (OpFRem computes x - y·trunc(x/y), which is NaN there).
        let boolt = self.g.ty(Reg::Bool);
        let q_inf = self.emit(Op::IsInf, boolt, &[q])?;
        let p_finite = {
            let pi = self.emit(Op::IsInf, boolt, &[p])?;
            let pn = self.emit(Op::IsNan, boolt, &[p])?;
            let bad = self.emit(Op::LogicalOr, boolt, &[pi, pn])?;
            self.emit(Op::LogicalNot, boolt, &[bad])?
        };
        let keep = self.emit(Op::LogicalAnd, boolt, &[q_inf, p_finite])?;
        let m = self.select(r, keep, p, m)?;
        if self.param(op, "fmod", 0.0) != 0.0 {
            return Ok(m);
        }
        let zero = self.c(r, 0.0);
        let nonzero = self.cmp(Op::FOrdNotEqual, m, zero)?;
        let mneg = self.cmp(Op::FOrdLessThan, m, zero)?;
        let qneg = self.cmp(Op::FOrdLessThan, q, zero)?;
        let differ = self.cmp(Op::LogicalNotEqual, mneg, qneg)?;
        let fix = self.cmp(Op::LogicalAnd, nonzero, differ)?;
        let fixed = self.bin(Op::FAdd, r, m, q)?;
        self.select(r, fix, fixed, m)
    }

    /// x^y for floats: |x|^y through GLSL `Pow` (defined for x > 0), with the signs and
    /// special cases of C's `pow`.
    fn fpow(&mut self, r: Reg, x: Word, y: Word) -> R {
        let boolt = self.g.ty(Reg::Bool);
        let ax = self.gl(GLOp::FAbs, r, &[x])?;
        let p = self.gl32(GLOp::Pow, r, &[ax, y])?;
        let ty = self.gl(GLOp::Trunc, r, &[y])?;
        let is_int = self.cmp(Op::FOrdEqual, ty, y)?;
        let half = self.c(r, 0.5);
        let hy = self.bin(Op::FMul, r, y, half)?;
        let thy = self.gl(GLOp::Trunc, r, &[hy])?;
        let odd = self.cmp(Op::FOrdNotEqual, thy, hy)?;
        let odd = self.emit(Op::LogicalAnd, boolt, &[odd, is_int])?;
        let zero = self.c(r, 0.0);
        let neg = self.cmp(Op::FOrdLessThan, x, zero)?;
        let ft = self.g.ty(r);
        let np = self.emit(Op::FNegate, ft, &[p])?;
        let signed = self.select(r, odd, np, p)?;
        let nan = self.c(r, f64::NAN);
        let neg_result = self.select(r, is_int, signed, nan)?;
        let v = self.select(r, neg, neg_result, p)?;
        // x = ±0: 0 for y > 0, ∞ for y < 0.
        let xz = self.cmp(Op::FOrdEqual, x, zero)?;
        let ypos = self.cmp(Op::FOrdGreaterThan, y, zero)?;
        let inf = self.c(r, f64::INFINITY);
        let at_zero = self.select(r, ypos, zero, inf)?;
        let v = self.select(r, xz, at_zero, v)?;
        // y = 0 or x = 1: exactly 1, even for NaN.
        let one = self.c(r, 1.0);
        let yz = self.cmp(Op::FOrdEqual, y, zero)?;
        let x1 = self.cmp(Op::FOrdEqual, x, one)?;
        let exact = self.emit(Op::LogicalOr, boolt, &[yz, x1])?;
        self.select(r, exact, one, v)
    }

    /// The polynomial with `coefficients` (highest power first) at `x`, by Horner's rule.
    fn horner(&mut self, r: Reg, x: Word, coefficients: impl IntoIterator<Item = f64>) -> R {
        let mut acc: Option<Word> = None;
        for k in coefficients {
            let kc = self.c(r, k);
            acc = Some(match acc {
                None => kc,
                Some(a) => {
                    let m = self.bin(Op::FMul, r, a, x)?;
                    self.bin(Op::FAdd, r, m, kc)?
                }
            });
        }
        Ok(acc.ok_or_else(|| "a polynomial without coefficients".to_string())?)
    }

    /// eˣ: the device's `Exp` in f32, the shared approximation
    /// ([`strata_ir::kernel::approx::exp`]) in f64, which GLSL.std.450 lacks.
    fn exp(&mut self, r: Reg, x: Word) -> R {
        if r == Reg::F32 {
            return self.gl(GLOp::Exp, r, &[x]);
        }
        let i32t = self.g.ty(Reg::I32);
        let boolt = self.g.ty(Reg::Bool);
        let (lo, hi) = (
            self.c(r, EXP_ARGUMENT_RANGE.0),
            self.c(r, EXP_ARGUMENT_RANGE.1),
        );
        let xc = self.gl(GLOp::FClamp, r, &[x, lo, hi])?;
        let log2e = self.c(r, std::f64::consts::LOG2_E);
        let scaled = self.bin(Op::FMul, r, xc, log2e)?;
        let kf = self.gl(GLOp::RoundEven, r, &[scaled])?;
        let (ln2_hi, ln2_lo) = (self.c(r, LN2_HI), self.c(r, LN2_LO));
        let khi = self.bin(Op::FMul, r, kf, ln2_hi)?;
        let rr = self.bin(Op::FSub, r, xc, khi)?;
        let klo = self.bin(Op::FMul, r, kf, ln2_lo)?;
        let rr = self.bin(Op::FSub, r, rr, klo)?;
        let p = self.horner(r, rr, EXP_TAYLOR)?;
        // 2ᵏ as two normal halves, so that subnormal results round once.
        let k = self.emit(Op::ConvertFToS, i32t, &[kf])?;
        let one = self.k(Reg::I32, 1);
        let k1 = self.emit(Op::ShiftRightArithmetic, i32t, &[k, one])?;
        let k2 = self.emit(Op::ISub, i32t, &[k, k1])?;
        let mut v = p;
        for half in [k1, k2] {
            let two_k = self.pow2(half)?;
            v = self.bin(Op::FMul, r, v, two_k)?;
        }
        let nan = self.emit(Op::IsNan, boolt, &[x])?;
        self.select(r, nan, x, v)
    }

    /// 2ᵏ in f64 for an i32 k in [-1022, 1023], from the exponent bits.
    fn pow2(&mut self, k: Word) -> R {
        let (i32t, u32t) = (self.g.ty(Reg::I32), self.g.u32t());
        let bias = self.k(Reg::I32, 1023);
        let twenty = self.k(Reg::I32, 20);
        let biased = self.emit(Op::IAdd, i32t, &[k, bias])?;
        let hi = self.emit(Op::ShiftLeftLogical, i32t, &[biased, twenty])?;
        let hi = self.emit(Op::Bitcast, u32t, &[hi])?;
        let zero = self.g.uint(0);
        self.words_to_f64(zero, hi)
    }

    fn words_to_f64(&mut self, lo: Word, hi: Word) -> R {
        let u32t = self.g.u32t();
        let v2 = self.g.b.type_vector(u32t, 2);
        let f64t = self.g.ty(Reg::F64);
        let pair = self.emit(Op::CompositeConstruct, v2, &[lo, hi])?;
        self.emit(Op::Bitcast, f64t, &[pair])
    }

    /// ln x: the device's `Log` in f32, the shared approximation
    /// ([`strata_ir::kernel::approx::ln`]) in f64, which GLSL.std.450 lacks.
    fn log(&mut self, r: Reg, x: Word) -> R {
        if r == Reg::F32 {
            return self.gl(GLOp::Log, r, &[x]);
        }
        let (i32t, u32t) = (self.g.ty(Reg::I32), self.g.u32t());
        let v2 = self.g.b.type_vector(u32t, 2);
        let zero = self.c(r, 0.0);
        // Subnormals are scaled into the normals first.
        let min_normal = self.c(r, f64::MIN_POSITIVE);
        let subnormal = self.cmp(Op::FOrdLessThan, x, min_normal)?;
        let two54 = self.c(r, 18_014_398_509_481_984.0);
        let up = self.bin(Op::FMul, r, x, two54)?;
        let xs = self.select(r, subnormal, up, x)?;
        let (m54, z) = (self.k(Reg::I32, -54), self.k(Reg::I32, 0));
        let adjust = self.select(Reg::I32, subnormal, m54, z)?;
        let pair = self.emit(Op::Bitcast, v2, &[xs])?;
        let lo = self.extract(u32t, pair, 0)?;
        let hi = self.extract(u32t, pair, 1)?;
        let fraction_mask = self.g.uint(0xF_FFFF);
        let fraction = self.emit(Op::BitwiseAnd, u32t, &[hi, fraction_mask])?;
        let sqrt2 = self.g.uint(LOG_SQRT2_MANTISSA);
        let big = self.cmp(Op::UGreaterThan, fraction, sqrt2)?;
        let twenty = self.g.uint(20);
        let field = self.emit(Op::ShiftRightLogical, u32t, &[hi, twenty])?;
        let exp_mask = self.g.uint(0x7FF);
        let field = self.emit(Op::BitwiseAnd, u32t, &[field, exp_mask])?;
        let field = self.emit(Op::Bitcast, i32t, &[field])?;
        let (b1022, b1023) = (self.k(Reg::I32, 1022), self.k(Reg::I32, 1023));
        let bias = self.select(Reg::I32, big, b1022, b1023)?;
        let e = self.emit(Op::ISub, i32t, &[field, bias])?;
        let e = self.emit(Op::IAdd, i32t, &[e, adjust])?;
        let (half, unit) = (self.g.uint(0x3FE0_0000), self.g.uint(0x3FF0_0000));
        let exponent = self.emit(Op::Select, u32t, &[big, half, unit])?;
        let m_hi = self.emit(Op::BitwiseOr, u32t, &[fraction, exponent])?;
        let m = self.words_to_f64(lo, m_hi)?;
        let one = self.c(r, 1.0);
        let num = self.bin(Op::FSub, r, m, one)?;
        let den = self.bin(Op::FAdd, r, m, one)?;
        let s = self.bin(Op::FDiv, r, num, den)?;
        let s2 = self.bin(Op::FMul, r, s, s)?;
        let p = self.horner(r, s2, LOG_ATANH)?;
        let two = self.c(r, 2.0);
        let ts = self.bin(Op::FMul, r, two, s)?;
        let log_m = self.bin(Op::FMul, r, ts, p)?;
        let ft = self.g.ty(r);
        let ef = self.emit(Op::ConvertSToF, ft, &[e])?;
        let (ln2_hi, ln2_lo) = (self.c(r, LN2_HI), self.c(r, LN2_LO));
        let elo = self.bin(Op::FMul, r, ef, ln2_lo)?;
        let tail = self.bin(Op::FAdd, r, log_m, elo)?;
        let ehi = self.bin(Op::FMul, r, ef, ln2_hi)?;
        let v = self.bin(Op::FAdd, r, ehi, tail)?;
        // ln ∞ = ∞, ln 0 = -∞, ln of a negative or NaN is NaN.
        let inf = self.c(r, f64::INFINITY);
        let is_inf = self.cmp(Op::FOrdEqual, x, inf)?;
        let v = self.select(r, is_inf, inf, v)?;
        let ninf = self.c(r, f64::NEG_INFINITY);
        let is_zero = self.cmp(Op::FOrdEqual, x, zero)?;
        let v = self.select(r, is_zero, ninf, v)?;
        let nan = self.c(r, f64::NAN);
        let invalid = self.cmp(Op::FUnordLessThan, x, zero)?;
        self.select(r, invalid, nan, v)
    }

    /// log(1 + u). In f32 a series for |u| below 0.01, where the device's `log` near 1
    /// (whose absolute error Vulkan bounds by 2⁻²¹ only) would lose the small result; in
    /// f64, whose `log` is ours and relatively exact near 1, `log(w)·u/(w−1)` with
    /// `w = 1 + u` (the quotient cancels the rounding of w; ∞ stays ∞).
    fn log1p(&mut self, r: Reg, u: Word) -> R {
        let one = self.c(r, 1.0);
        let w = self.bin(Op::FAdd, r, one, u)?;
        let big = self.log(r, w)?;
        if r == Reg::F64 {
            // (1 + u) − 1 must round as written: drivers simplify it to u otherwise.
            self.g.b.decorate(w, Decoration::NoContraction, []);
            let wm1 = self.bin(Op::FSub, r, w, one)?;
            self.g.b.decorate(wm1, Decoration::NoContraction, []);
            let q = self.bin(Op::FDiv, r, u, wm1)?;
            let v = self.bin(Op::FMul, r, big, q)?;
            let exact = self.cmp(Op::FOrdEqual, w, one)?;
            let v = self.select(r, exact, u, v)?;
            let inf = self.c(r, f64::INFINITY);
            let is_inf = self.cmp(Op::FOrdEqual, u, inf)?;
            return self.select(r, is_inf, u, v);
        }
        // u (1 - u (1/2 - u (1/3 - u/4)))
        let s = self.horner(r, u, [-0.25, 1.0 / 3.0, -0.5, 1.0])?;
        let small = self.bin(Op::FMul, r, s, u)?;
        let limit = self.c(r, 0.01);
        let au = self.gl(GLOp::FAbs, r, &[u])?;
        let is_small = self.cmp(Op::FOrdLessThan, au, limit)?;
        self.select(r, is_small, small, big)
    }

    /// tanh, by its series below |x| = 0.05: drivers compute `Tanh` from exponentials,
    /// which loses the relative precision of small results.
    fn tanh(&mut self, r: Reg, x: Word) -> R {
        let big = self.gl32(GLOp::Tanh, r, &[x])?;
        let x2 = self.bin(Op::FMul, r, x, x)?;
        // x (1 - x²/3 + 2x⁴/15)
        let s = self.horner(r, x2, [2.0 / 15.0, -1.0 / 3.0, 1.0])?;
        let small = self.bin(Op::FMul, r, s, x)?;
        let ax = self.gl(GLOp::FAbs, r, &[x])?;
        let limit = self.c(r, 0.05);
        let is_small = self.cmp(Op::FOrdLessThan, ax, limit)?;
        self.select(r, is_small, small, big)
    }

    /// erf by the shared approximation ([`strata_ir::kernel::approx`]).
    fn erf(&mut self, r: Reg, x: Word) -> R {
        let x2 = self.bin(Op::FMul, r, x, x)?;
        let s = self.horner(r, x2, ERF_TAYLOR.iter().rev().copied())?;
        let sx = self.bin(Op::FMul, r, s, x)?;
        let k2 = self.c(r, std::f64::consts::FRAC_2_SQRT_PI);
        let small = self.bin(Op::FMul, r, sx, k2)?;
        let z = self.gl(GLOp::FAbs, r, &[x])?;
        let (one, half) = (self.c(r, 1.0), self.c(r, 0.5));
        let hz = self.bin(Op::FMul, r, half, z)?;
        let den = self.bin(Op::FAdd, r, one, hz)?;
        let t = self.bin(Op::FDiv, r, one, den)?;
        let p = self.horner(r, t, ERFC_CHEBYSHEV)?;
        let z2 = self.bin(Op::FMul, r, z, z)?;
        let exponent = self.bin(Op::FSub, r, p, z2)?;
        let e = self.exp(r, exponent)?;
        let erfc = self.bin(Op::FMul, r, t, e)?;
        let large = self.bin(Op::FSub, r, one, erfc)?;
        let zero = self.c(r, 0.0);
        let neg = self.cmp(Op::FOrdLessThan, x, zero)?;
        let ft = self.g.ty(r);
        let nl = self.emit(Op::FNegate, ft, &[large])?;
        let signed = self.select(r, neg, nl, large)?;
        let limit = self.c(r, ERF_SMALL_LIMIT);
        let is_small = self.cmp(Op::FOrdLessThan, z, limit)?;
        self.select(r, is_small, small, signed)
    }

    fn float_unary(&mut self, op: OpId, name: OpName, r: Reg, a: &[Word]) -> R {
        let x = a[0];
        let ft = self.g.ty(r);
        let boolt = self.g.ty(Reg::Bool);
        let zero = self.c(r, 0.0);
        Ok(match name {
            ops::KERNEL_NEG => self.emit(Op::FNegate, ft, &[x])?,
            ops::KERNEL_ABS => self.gl(GLOp::FAbs, r, &[x])?,
            ops::KERNEL_SQRT => self.gl(GLOp::Sqrt, r, &[x])?,
            ops::KERNEL_FLOOR => self.gl(GLOp::Floor, r, &[x])?,
            ops::KERNEL_CEIL => self.gl(GLOp::Ceil, r, &[x])?,
            ops::KERNEL_ROUND => self.gl(GLOp::RoundEven, r, &[x])?,
            ops::KERNEL_EXP => self.exp(r, x)?,
            ops::KERNEL_LOG => self.log(r, x)?,
            ops::KERNEL_SIN => self.gl32(GLOp::Sin, r, &[x])?,
            ops::KERNEL_COS => self.gl32(GLOp::Cos, r, &[x])?,
            ops::KERNEL_TAN => self.gl32(GLOp::Tan, r, &[x])?,
            ops::KERNEL_ASIN => self.gl32(GLOp::Asin, r, &[x])?,
            ops::KERNEL_ACOS => self.gl32(GLOp::Acos, r, &[x])?,
            ops::KERNEL_ATAN => self.gl32(GLOp::Atan, r, &[x])?,
            ops::KERNEL_SINH => self.gl32(GLOp::Sinh, r, &[x])?,
            ops::KERNEL_COSH => self.gl32(GLOp::Cosh, r, &[x])?,
            ops::KERNEL_TANH => self.tanh(r, x)?,
            ops::KERNEL_LOG1P => self.log1p(r, x)?,
            ops::KERNEL_ASINH => self.gl32(GLOp::Asinh, r, &[x])?,
            ops::KERNEL_ACOSH => self.gl32(GLOp::Acosh, r, &[x])?,
            ops::KERNEL_ATANH => self.gl32(GLOp::Atanh, r, &[x])?,
            ops::KERNEL_POW => {
                let y = match elem_of(self.ir.value_type(self.ir.op(op).operands[1])) {
                    Some(e) if wide_unsigned(e) => self.emit(Op::ConvertUToF, ft, &[a[1]])?,
                    Some(e) if !e.is_float() => self.emit(Op::ConvertSToF, ft, &[a[1]])?,
                    Some(e) if reg_of(e) != r => self.emit(Op::FConvert, ft, &[a[1]])?,
                    _ => a[1],
                };
                self.fpow(r, x, y)?
            }
            ops::KERNEL_IS_NAN => self.emit(Op::IsNan, boolt, &[x])?,
            ops::KERNEL_IS_INF => {
                let neg = self.param(op, "detect_negative", 1.0) != 0.0;
                let pos = self.param(op, "detect_positive", 1.0) != 0.0;
                let inf = self.emit(Op::IsInf, boolt, &[x])?;
                let negative = self.cmp(Op::FOrdLessThan, x, zero)?;
                let side = match (neg, pos) {
                    (true, true) => self.g.boolean(true),
                    (true, false) => negative,
                    (false, true) => self.emit(Op::LogicalNot, boolt, &[negative])?,
                    (false, false) => self.g.boolean(false),
                };
                self.emit(Op::LogicalAnd, boolt, &[inf, side])?
            }
            ops::KERNEL_ERF => self.erf(r, x)?,
            other if strata_ir::kernel::composite::find(other).is_some() => {
                return Err(format!(
                    "{NO_TRANSLATION} '{other}', a composite op: the expand-composites pass rewrites it into primitives first"
                ).into())
            }
            other => return Err(format!("{NO_TRANSLATION} '{other}' on floats").into()),
        })
    }

    /// Integer and boolean ops, with the interpreter's rules for the corner cases. `r` is
    /// the operands' register type; narrow types are wrapped by the caller.
    fn integer(&mut self, op: OpId, name: OpName, operand: ElementType, r: Reg, a: &[Word]) -> R {
        let boolt = self.g.ty(Reg::Bool);
        let it = self.g.ty(r);
        let unsigned = operand.is_unsigned();
        if operand == ElementType::Bool {
            return match name {
                ops::KERNEL_AND | ops::KERNEL_BITWISE_AND => self.cmp(Op::LogicalAnd, a[0], a[1]),
                ops::KERNEL_OR | ops::KERNEL_BITWISE_OR => self.cmp(Op::LogicalOr, a[0], a[1]),
                ops::KERNEL_XOR | ops::KERNEL_BITWISE_XOR => {
                    self.cmp(Op::LogicalNotEqual, a[0], a[1])
                }
                ops::KERNEL_NOT | ops::KERNEL_BITWISE_NOT => {
                    self.emit(Op::LogicalNot, boolt, &[a[0]])
                }
                other => Err(format!("{NO_TRANSLATION} '{other}' on booleans").into()),
            };
        }
        let x = a[0];
        let zero = self.k(r, 0);
        let one = self.k(r, 1);
        Ok(match name {
            ops::KERNEL_AND | ops::KERNEL_BITWISE_AND => self.bin(Op::BitwiseAnd, r, x, a[1])?,
            ops::KERNEL_OR | ops::KERNEL_BITWISE_OR => self.bin(Op::BitwiseOr, r, x, a[1])?,
            ops::KERNEL_XOR | ops::KERNEL_BITWISE_XOR => self.bin(Op::BitwiseXor, r, x, a[1])?,
            ops::KERNEL_NOT | ops::KERNEL_BITWISE_NOT => self.emit(Op::Not, it, &[x])?,
            ops::KERNEL_NEG => self.bin(Op::ISub, r, zero, x)?,
            ops::KERNEL_ABS | ops::KERNEL_RELU if unsigned => x,
            ops::KERNEL_ABS => {
                let neg = self.bin(Op::ISub, r, zero, x)?;
                let lt0 = self.cmp(Op::SLessThan, x, zero)?;
                self.select(r, lt0, neg, x)?
            }
            ops::KERNEL_RELU => self.imaxmin(true, false, r, x, zero)?,
            ops::KERNEL_SIGN if unsigned => self.imaxmin(false, true, r, x, one)?,
            ops::KERNEL_SIGN => {
                let m1 = self.k(r, -1);
                let lo = self.imaxmin(false, false, r, x, one)?;
                self.imaxmin(true, false, r, lo, m1)?
            }
            ops::KERNEL_PRELU => {
                let neg = self.cmp(Op::SLessThan, x, zero)?;
                let s = self.bin(Op::IMul, r, a[1], x)?;
                self.select(r, neg, s, x)?
            }
            ops::KERNEL_POW => self.int_pow(op, operand, r, x, a[1])?,
            ops::KERNEL_DIV | ops::KERNEL_MOD => {
                let q = a[1];
                // A divisor of 0 (result 0) or -1 (negation, wrapping) never reaches the
                // division instruction, for which both are undefined.
                let is_zero = self.cmp(Op::IEqual, q, zero)?;
                let m1 = self.k(r, -1);
                let is_m1 = if unsigned {
                    self.g.boolean(false)
                } else {
                    self.cmp(Op::IEqual, q, m1)?
                };
                let special = self.cmp(Op::LogicalOr, is_zero, is_m1)?;
                let safe = self.select(r, special, one, q)?;
                if name == ops::KERNEL_DIV && unsigned {
                    let dv = self.unsigned_bin(Op::UDiv, r, x, safe)?;
                    self.select(r, is_zero, zero, dv)?
                } else if name == ops::KERNEL_DIV {
                    let dv = self.bin(Op::SDiv, r, x, safe)?;
                    let neg = self.bin(Op::ISub, r, zero, x)?;
                    let dv = self.select(r, is_m1, neg, dv)?;
                    self.select(r, is_zero, zero, dv)?
                } else {
                    let rem = if unsigned {
                        self.unsigned_bin(Op::UMod, r, x, safe)?
                    } else {
                        self.bin(Op::SRem, r, x, safe)?
                    };
                    // SRem takes the dividend's sign (C's %); floored takes the divisor's.
                    // (Not OpSMod: lavapipe was seen to compute it as SRem.)
                    let rem = if self.param(op, "fmod", 0.0) != 0.0 || unsigned {
                        rem
                    } else {
                        let nonzero = self.cmp(Op::INotEqual, rem, zero)?;
                        let rneg = self.cmp(Op::SLessThan, rem, zero)?;
                        let qneg = self.cmp(Op::SLessThan, safe, zero)?;
                        let differ = self.cmp(Op::LogicalNotEqual, rneg, qneg)?;
                        let fix = self.cmp(Op::LogicalAnd, nonzero, differ)?;
                        let fixed = self.bin(Op::IAdd, r, rem, safe)?;
                        self.select(r, fix, fixed, rem)?
                    };
                    self.select(r, special, zero, rem)?
                }
            }
            ops::KERNEL_BIT_SHIFT => {
                let left = matches!(
                    self.ir.op(op).attrs.get("direction"),
                    Some(Attribute::String(s)) if s == "LEFT"
                );
                let bits = 8 * operand.size_bytes() as i64;
                let q = a[1];
                let width = self.k(r, bits);
                let lo = self.cmp(Op::SGreaterThanEqual, q, zero)?;
                let hi = self.cmp(Op::SLessThan, q, width)?;
                let in_range = self.cmp(Op::LogicalAnd, lo, hi)?;
                let safe = self.select(r, in_range, q, zero)?;
                let how = match (left, unsigned) {
                    (true, _) => Op::ShiftLeftLogical,
                    (false, true) => Op::ShiftRightLogical,
                    (false, false) => Op::ShiftRightArithmetic,
                };
                let shifted = self.bin(how, r, x, safe)?;
                let fill = if how == Op::ShiftRightArithmetic {
                    let top = self.k(r, bits - 1);
                    self.bin(how, r, x, top)?
                } else {
                    zero
                };
                self.select(r, in_range, shifted, fill)?
            }
            other => return Err(format!("{NO_TRANSLATION} '{other}' on {operand}").into()),
        })
    }

    /// Integer `Pow` by squaring (wrapping); a negative exponent gives 0 but for bases ±1.
    /// A float exponent computes in f32 and converts back, saturating as Cast does.
    fn int_pow(&mut self, op: OpId, operand: ElementType, r: Reg, x: Word, y: Word) -> R {
        let exponent = elem_of(self.ir.value_type(self.ir.op(op).operands[1]))
            .ok_or("pow exponent is not a scalar")?;
        if exponent.is_float() {
            let er = reg_of(exponent);
            let et = self.g.ty(er);
            let to_float = if wide_unsigned(operand) {
                Op::ConvertUToF
            } else {
                Op::ConvertSToF
            };
            let xf = self.emit(to_float, et, &[x])?;
            let p = self.fpow(er, xf, y)?;
            return self.cast(p, exponent, operand);
        }
        let it = self.g.ty(r);
        let y = if reg_of(exponent) == r {
            y
        } else if r == Reg::I64 && exponent == ElementType::U32 {
            self.zero_extend(y)?
        } else if r == Reg::I64 {
            self.widen_index(y)?
        } else {
            self.emit(Op::SConvert, it, &[y])?
        };
        let bits = 8 * operand.size_bytes() as i64;
        let one = self.k(r, 1);
        let zero = self.k(r, 0);
        let (mut result, mut base) = (one, x);
        for i in 0..bits {
            let sh = self.k(r, i);
            let s = self.bin(Op::ShiftRightLogical, r, y, sh)?;
            let bit = self.bin(Op::BitwiseAnd, r, s, one)?;
            let set = self.cmp(Op::INotEqual, bit, zero)?;
            let times = self.bin(Op::IMul, r, result, base)?;
            result = self.select(r, set, times, result)?;
            base = self.bin(Op::IMul, r, base, base)?;
        }
        if operand.is_unsigned() || exponent.is_unsigned() {
            return Ok(result);
        }
        // y < 0: 1 for x = 1, ±1 for x = -1 (by y's parity), else 0.
        let m1 = self.k(r, -1);
        let low = self.bin(Op::BitwiseAnd, r, y, one)?;
        let odd = self.cmp(Op::INotEqual, low, zero)?;
        let minus_one_pow = self.select(r, odd, m1, one)?;
        let is_one = self.cmp(Op::IEqual, x, one)?;
        let is_m1 = self.cmp(Op::IEqual, x, m1)?;
        let negative = self.select(r, is_m1, minus_one_pow, zero)?;
        let negative = self.select(r, is_one, one, negative)?;
        let y_neg = self.cmp(Op::SLessThan, y, zero)?;
        self.select(r, y_neg, negative, result)
    }
}

/// Unsigned types whose values may use their register's top bit (u32 in 32-bit, u64 in
/// 64-bit registers): those need the unsigned conversions. u8 and u16 live zero-extended
/// in 32-bit registers, where the signed ones give the same results.
fn wide_unsigned(e: ElementType) -> bool {
    matches!(e, ElementType::U32 | ElementType::U64)
}
