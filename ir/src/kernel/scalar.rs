//! Scalar ops of kernel bodies, and their evaluation.
//!
//! `kernel.<name>` exists for every elementwise unary and binary op of the graph dialect
//! and evaluates with the same functions, rounding each result to its element type just
//! as the graph interpreter does, so a lowered program computes bit-for-bit what the
//! graph did. Besides those: `kernel.max`/`kernel.min` (for reductions),
//! `kernel.constant`, `kernel.cast`, `kernel.bitcast`, `kernel.select` and the terminator
//! `kernel.yield`.
//!
//! Storage types (float8, int4...) are their raw byte here, `Scalar::I(byte, type)`, as
//! in compiled code: kernels only move them and `bitcast` them to and from `u8`.

use crate::attr::Attribute;
use crate::graph::{elementwise, OpArgs, BINARY_OPS, UNARY_OPS};
use crate::module::{BlockId, Module, OpId, ValueId};
use crate::ops;
use crate::ops::OpName;
use crate::tensor::Tensor;
use crate::types::{ElementType, TensorType, Type};
use smallvec::SmallVec;

/// A scalar value with its element type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    F(f64, ElementType),
    I(i64, ElementType),
    B(bool),
}

fn round_float(v: f64, elem: ElementType) -> f64 {
    match elem {
        ElementType::F32 => v as f32 as f64,
        ElementType::F16 => half::f16::from_f64(v).to_f64(),
        ElementType::BF16 => half::bf16::from_f64(v).to_f64(),
        _ => v,
    }
}

fn wrap_int(v: i64, elem: ElementType) -> i64 {
    match elem {
        ElementType::I8 => v as i8 as i64,
        ElementType::I16 => v as i16 as i64,
        ElementType::I32 => v as i32 as i64,
        ElementType::U8 => v as u8 as i64,
        _ => v,
    }
}

impl Scalar {
    /// A value of `elem` from a float, with Cast semantics.
    pub fn from_f64(v: f64, elem: ElementType) -> Scalar {
        if elem.is_float() {
            Scalar::F(round_float(v, elem), elem)
        } else if elem == ElementType::Bool {
            Scalar::B(v != 0.0)
        } else {
            let t = Tensor::from_f64s(elem, crate::types::Shape::scalar(), &[v]);
            Scalar::I(t.to_i64s()[0], elem)
        }
    }

    pub fn elem(self) -> ElementType {
        match self {
            Scalar::F(_, e) | Scalar::I(_, e) => e,
            Scalar::B(_) => ElementType::Bool,
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Scalar::F(v, _) => v,
            Scalar::I(v, ElementType::U64) => v as u64 as f64,
            Scalar::I(v, _) => v as f64,
            Scalar::B(b) => b as u8 as f64,
        }
    }

    fn as_i64(self) -> i64 {
        match self {
            Scalar::F(v, _) => v as i64,
            Scalar::I(v, _) => v,
            Scalar::B(b) => b as i64,
        }
    }

    /// The value's bits as the type stores them (floats rounded to their type already).
    pub fn bits(self) -> u64 {
        let width = self.elem().value_bits();
        let mask = if width == 64 {
            u64::MAX
        } else {
            (1u64 << width) - 1
        };
        match self {
            Scalar::F(v, ElementType::F32) => (v as f32).to_bits() as u64,
            Scalar::F(v, ElementType::F16) => half::f16::from_f64(v).to_bits() as u64,
            Scalar::F(v, ElementType::BF16) => half::bf16::from_f64(v).to_bits() as u64,
            Scalar::F(v, _) => v.to_bits(),
            Scalar::I(v, _) => v as u64 & mask,
            Scalar::B(b) => b as u64,
        }
    }

    /// The value of type `elem` with these bits (`bitcast`).
    pub fn from_bits(bits: u64, elem: ElementType) -> Scalar {
        let width = elem.value_bits();
        match elem {
            ElementType::F32 => Scalar::F(f32::from_bits(bits as u32) as f64, elem),
            ElementType::F16 => Scalar::F(half::f16::from_bits(bits as u16).to_f64(), elem),
            ElementType::BF16 => Scalar::F(half::bf16::from_bits(bits as u16).to_f64(), elem),
            ElementType::F64 => Scalar::F(f64::from_bits(bits), elem),
            ElementType::Bool => Scalar::B(bits != 0),
            e if e.is_signed_int() && width < 64 => {
                let shift = 64 - width;
                Scalar::I(((bits << shift) as i64) >> shift, e)
            }
            e => Scalar::I(bits as i64, e),
        }
    }

    /// Converts to `elem` with ONNX Cast semantics.
    pub fn cast(self, elem: ElementType) -> Scalar {
        match self {
            Scalar::I(v, _) if !elem.is_float() && elem != ElementType::Bool => {
                Scalar::I(wrap_int(v, elem), elem)
            }
            s => Scalar::from_f64(s.as_f64(), elem),
        }
    }

    /// A result of `elem` from a float computation.
    fn float_result(v: f64, elem: ElementType) -> Scalar {
        if elem == ElementType::Bool {
            Scalar::B(v != 0.0)
        } else {
            Scalar::from_f64(v, elem)
        }
    }

    fn int_result(v: i64, elem: ElementType) -> Scalar {
        match elem {
            ElementType::Bool => Scalar::B(v != 0),
            e if e.is_float() => Scalar::from_f64(v as f64, e),
            e => Scalar::I(wrap_int(v, e), e),
        }
    }
}

/// Every element of a tensor as a scalar.
pub fn scalars_of(t: &Tensor) -> Vec<Scalar> {
    let e = t.elem();
    if e.is_storage() {
        t.to_le_bytes()
            .into_iter()
            .map(|b| Scalar::I(b as i64, e))
            .collect()
    } else if e.is_float() {
        t.to_f64s().into_iter().map(|v| Scalar::F(v, e)).collect()
    } else if e == ElementType::Bool {
        t.to_bools().into_iter().map(Scalar::B).collect()
    } else {
        t.to_i64s().into_iter().map(|v| Scalar::I(v, e)).collect()
    }
}

/// A tensor of type `ty` from scalars.
pub fn tensor_of(values: &[Scalar], ty: &TensorType) -> Tensor {
    let shape = ty.shape.clone();
    if ty.elem.is_storage() {
        let bytes: Vec<u8> = values.iter().map(|s| s.as_i64() as u8).collect();
        Tensor::from_le_bytes(ty.elem, shape, &bytes).expect("one byte per element")
    } else if ty.elem.is_float() {
        Tensor::from_f64s(
            ty.elem,
            shape,
            &values.iter().map(|s| s.as_f64()).collect::<Vec<_>>(),
        )
    } else if ty.elem == ElementType::Bool {
        Tensor::from_bools(shape, values.iter().map(|s| s.as_i64() != 0).collect())
    } else {
        Tensor::from_i64s(
            ty.elem,
            shape,
            &values.iter().map(|s| s.as_i64()).collect::<Vec<_>>(),
        )
    }
}

const EXTRA_OPS: &[OpName] = &[
    ops::KERNEL_MAX,
    ops::KERNEL_MIN,
    ops::KERNEL_CONSTANT,
    ops::KERNEL_CAST,
    ops::KERNEL_BITCAST,
    ops::KERNEL_SELECT,
    ops::KERNEL_GELU,
    ops::KERNEL_MOD,
    ops::KERNEL_BIT_SHIFT,
    ops::KERNEL_INDEX,
    ops::KERNEL_EXTRACT,
    ops::KERNEL_LOG1P,
];

/// Names of every scalar op.
pub fn scalar_op_names() -> Vec<OpName> {
    let mut v: Vec<OpName> = EXTRA_OPS.to_vec();
    v.extend(
        UNARY_OPS
            .iter()
            .map(|u| u.name)
            .chain(BINARY_OPS.iter().map(|b| b.name))
            .filter_map(|g| g.in_dialect("kernel")),
    );
    v
}

/// The graph op a scalar op borrows its semantics from.
fn graph_name(kernel_op: OpName) -> Option<OpName> {
    if kernel_op.dialect() == "kernel" {
        kernel_op.in_dialect("graph")
    } else {
        None
    }
}

/// The element type and lane count (1 for scalars) of a scalar op's operand or result.
fn scalar_type(m: &Module, v: ValueId) -> Result<(ElementType, u32), crate::IrError> {
    match m.value_type(v) {
        Type::Scalar(e) => Ok((*e, 1)),
        Type::Vector(n, e) => Ok((*e, *n)),
        other => Err(format!("scalar ops take scalars or vectors, found {other}").into()),
    }
}

/// Checks a scalar op's operand and result types with the graph op's inference on rank-0
/// tensors. At the loop level the same ops apply lane by lane to vectors, all operands and
/// the result having one lane count.
pub fn verify_scalar_op(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let d = m.op(op);
    let typed = d
        .operands
        .iter()
        .map(|&v| scalar_type(m, v))
        .collect::<Result<Vec<_>, _>>()?;
    let [result] = d.results.as_slice() else {
        return Err("scalar ops have one result".into());
    };
    let (out, lanes) = scalar_type(m, *result)?;
    if typed.iter().any(|&(_, n)| n != lanes) {
        return Err("operands and result must all be scalars or all vectors of one width".into());
    }
    let ins: Vec<ElementType> = typed.iter().map(|&(e, _)| e).collect();
    let expected = match d.name {
        // Their attributes are checked against the enclosing kernel by its verifier.
        ops::KERNEL_INDEX if ins.is_empty() => ElementType::I64,
        ops::KERNEL_EXTRACT if ins.iter().all(|&e| e == ElementType::I64) => out,
        ops::KERNEL_INDEX | ops::KERNEL_EXTRACT => {
            return Err(format!("'{}' takes i64 indices", d.name).into());
        }
        ops::KERNEL_CONSTANT => {
            if !ins.is_empty() {
                return Err("kernel.constant takes no operands".into());
            }
            match d.attrs.get("value") {
                Some(Attribute::Float(..) | Attribute::Int(_) | Attribute::Bool(_)) => out,
                _ => return Err("kernel.constant needs a numeric 'value'".into()),
            }
        }
        ops::KERNEL_CAST => {
            if ins.len() != 1 {
                return Err("kernel.cast takes one operand".into());
            }
            if ins[0].is_storage() || out.is_storage() {
                return Err(format!(
                    "kernel.cast does not convert {} to {out}: storage-type casts are lowered to table lookups and integer ops",
                    ins[0]
                )
                .into());
            }
            out
        }
        ops::KERNEL_BITCAST => match ins.as_slice() {
            [e] if elementwise::bitcast_allowed(*e, out) => out,
            _ => return Err("kernel.bitcast takes one operand as wide as its result".into()),
        },
        // ln(1 + x): a primitive of composite ops (softplus), not an ONNX op of its own.
        ops::KERNEL_LOG1P => match ins.as_slice() {
            [e] if e.is_float() => *e,
            _ => return Err("kernel.log1p takes one float operand".into()),
        },
        ops::KERNEL_SELECT => match ins.as_slice() {
            [ElementType::Bool, a, b] if a == b => *a,
            _ => return Err("kernel.select takes (i1, T, T)".into()),
        },
        ops::KERNEL_MAX | ops::KERNEL_MIN => match ins.as_slice() {
            [a, b] if a == b && *a != ElementType::Bool => *a,
            _ => return Err(format!("'{}' takes two numeric operands of one type", d.name).into()),
        },
        name => {
            let g = graph_name(name).ok_or("not a kernel op")?;
            let types: Vec<TensorType> = ins
                .iter()
                .map(|&e| TensorType::new(crate::types::Shape::scalar(), e))
                .collect();
            crate::graph::infer_types(g, &types, &d.attrs, 1)?[0].elem
        }
    };
    if expected != out {
        return Err(format!("result is {out}, but the operands give {expected}").into());
    }
    Ok(())
}

/// One body op, resolved once: which function computes it and in which registers.
enum Instr {
    Unary {
        def: &'static crate::graph::UnaryDef,
        params: Vec<f64>,
    },
    Binary {
        def: &'static crate::graph::BinaryDef,
    },
    MaxMin {
        max: bool,
    },
    Constant(Scalar),
    Cast,
    Bitcast,
    Log1p,
    Select,
    Gelu {
        tanh: bool,
    },
    Mod {
        fmod: bool,
    },
    BitShift {
        left: bool,
        bits: i64,
    },
}

/// One scalar op resolved to the function that computes it, so that evaluating it does no
/// lookups; shared by the kernel body evaluator and the loop interpreter.
pub struct ScalarFn {
    instr: Instr,
    out: ElementType,
}

impl ScalarFn {
    /// Resolves scalar op `op` (any `kernel.*` scalar op but `kernel.yield`).
    pub fn of(m: &Module, op: OpId) -> Result<ScalarFn, crate::IrError> {
        let d = m.op(op);
        let out = match d.results.first().map(|&r| m.value_type(r)) {
            Some(Type::Scalar(e)) | Some(Type::Vector(_, e)) => *e,
            _ => return Err(format!("'{}' must have a scalar or vector result", d.name).into()),
        };
        let name = d.name;
        let instr = match name {
            ops::KERNEL_CONSTANT => Instr::Constant(match d.attrs.get("value") {
                Some(Attribute::Float(v, _)) => Scalar::from_f64(*v, out),
                Some(Attribute::Int(v)) => Scalar::int_result(*v, out),
                Some(Attribute::Bool(b)) => Scalar::int_result(*b as i64, out),
                _ => return Err("kernel.constant needs a value".into()),
            }),
            ops::KERNEL_CAST => Instr::Cast,
            ops::KERNEL_BITCAST => Instr::Bitcast,
            ops::KERNEL_LOG1P => Instr::Log1p,
            ops::KERNEL_SELECT => Instr::Select,
            ops::KERNEL_MAX => Instr::MaxMin { max: true },
            ops::KERNEL_MIN => Instr::MaxMin { max: false },
            ops::KERNEL_GELU | ops::KERNEL_MOD | ops::KERNEL_BIT_SHIFT => {
                let a = OpArgs {
                    name: d.name,
                    inputs: &[],
                    attrs: &d.attrs,
                    num_results: 1,
                };
                match name {
                    ops::KERNEL_GELU => Instr::Gelu {
                        tanh: elementwise::gelu_is_tanh(&a)?,
                    },
                    ops::KERNEL_MOD => Instr::Mod {
                        fmod: a.int_or("fmod", 0)? != 0,
                    },
                    _ => Instr::BitShift {
                        left: elementwise::shifts_left(&a)?,
                        bits: out.int_bits() as i64,
                    },
                }
            }
            _ => {
                let suffix = name
                    .strip_prefix("kernel.")
                    .ok_or_else(|| format!("unknown scalar op '{name}'"))?;
                if let Some(u) = UNARY_OPS.iter().find(|u| &u.name[6..] == suffix) {
                    let a = OpArgs {
                        name: u.name,
                        inputs: &[],
                        attrs: &d.attrs,
                        num_results: 1,
                    };
                    let params = u
                        .params
                        .iter()
                        .map(|(p, dflt)| a.float_or(p, *dflt))
                        .collect::<Result<Vec<_>, _>>()?;
                    Instr::Unary { def: u, params }
                } else if let Some(bd) = BINARY_OPS.iter().find(|b| &b.name[6..] == suffix) {
                    Instr::Binary { def: bd }
                } else {
                    return Err(format!("unknown scalar op '{name}'").into());
                }
            }
        };
        Ok(ScalarFn { instr, out })
    }

    /// Computes the op on up to three operands (unused ones are ignored).
    #[inline]
    pub fn apply(&self, a: Scalar, b: Scalar, c: Scalar) -> Result<Scalar, crate::IrError> {
        Ok(match &self.instr {
            Instr::Constant(k) => *k,
            Instr::Cast => a.cast(self.out),
            Instr::Bitcast => Scalar::from_bits(a.bits(), self.out),
            Instr::Log1p => Scalar::float_result(a.as_f64().ln_1p(), self.out),
            Instr::Select => {
                if a.as_i64() != 0 {
                    b
                } else {
                    c
                }
            }
            Instr::MaxMin { max } => match (a, b) {
                (Scalar::F(x, e), Scalar::F(y, _)) => {
                    let r = if x.is_nan() || y.is_nan() {
                        f64::NAN
                    } else if *max {
                        x.max(y)
                    } else {
                        x.min(y)
                    };
                    Scalar::F(r, e)
                }
                (x, y) if x.elem() == ElementType::U64 => Scalar::int_result(
                    elementwise::u64_binary(
                        if *max { ops::GRAPH_MAX } else { ops::GRAPH_MIN },
                        x.as_i64(),
                        y.as_i64(),
                    )
                    .unwrap_or(0),
                    self.out,
                ),
                (x, y) => Scalar::int_result(
                    if *max {
                        x.as_i64().max(y.as_i64())
                    } else {
                        x.as_i64().min(y.as_i64())
                    },
                    self.out,
                ),
            },
            Instr::Gelu { tanh } => {
                Scalar::float_result(elementwise::gelu(a.as_f64(), *tanh), self.out)
            }
            Instr::Mod { fmod } => match (a, b) {
                (Scalar::F(p, _), q) => {
                    Scalar::float_result(elementwise::mod_float(p, q.as_f64(), *fmod), self.out)
                }
                (p, q) if p.elem() == ElementType::U64 => Scalar::int_result(
                    elementwise::u64_binary(ops::GRAPH_MOD, p.as_i64(), q.as_i64()).unwrap_or(0),
                    self.out,
                ),
                (p, q) => Scalar::int_result(
                    elementwise::mod_int(p.as_i64(), q.as_i64(), *fmod),
                    self.out,
                ),
            },
            Instr::BitShift { left, .. } if a.elem() == ElementType::U64 => Scalar::int_result(
                elementwise::u64_bit_shift(a.as_i64(), b.as_i64(), *left),
                self.out,
            ),
            Instr::BitShift { left, bits } => Scalar::int_result(
                elementwise::bit_shift(a.as_i64(), b.as_i64(), *left, *bits),
                self.out,
            ),
            Instr::Unary { def, params } => match a {
                Scalar::F(x, _) => {
                    Scalar::float_result(def.float.ok_or("no float form")?(x, params), self.out)
                }
                Scalar::B(x) => Scalar::B(def.boolean.ok_or("no boolean form")?(x)),
                Scalar::I(x, _) => {
                    Scalar::int_result(def.int.ok_or("no integer form")?(x), self.out)
                }
            },
            Instr::Binary { def } => match (a, b) {
                (Scalar::B(p), Scalar::B(q)) => {
                    Scalar::B(def.boolean.ok_or("no boolean form")?(p, q))
                }
                (x @ Scalar::F(..), y) | (x, y @ Scalar::F(..)) => Scalar::float_result(
                    def.float.ok_or("no float form")?(x.as_f64(), y.as_f64()),
                    self.out,
                ),
                (x, y) => {
                    let (p, q) = (x.as_i64(), y.as_i64());
                    let unsigned = match x.elem() {
                        ElementType::U64 => elementwise::u64_binary(def.name, p, q),
                        _ => None,
                    };
                    let v = match unsigned {
                        Some(v) => v,
                        None => def.int.ok_or("no integer form")?(p, q),
                    };
                    Scalar::int_result(v, self.out)
                }
            },
        })
    }
}

enum StepKind {
    Scalar(ScalarFn),
    /// `kernel.index`: the point's coordinate in a domain dimension.
    Index(usize),
    /// `kernel.extract`: an element of an input at computed indices.
    Extract {
        operand: usize,
        rank: usize,
    },
}

struct Step {
    kind: StepKind,
    args: SmallVec<[usize; 4]>,
    dst: usize,
}

/// What a body can see beyond its arguments: the current point of the iteration domain,
/// and every input whole (for `kernel.extract`).
pub struct BodyContext<'a> {
    pub point: &'a [i64],
    /// Each input's elements, dimensions and strides.
    pub inputs: &'a [(Vec<Scalar>, Vec<usize>, Vec<usize>)],
}

impl BodyContext<'_> {
    /// No point and no inputs: for bodies that use neither.
    pub const EMPTY: BodyContext<'static> = BodyContext {
        point: &[],
        inputs: &[],
    };
}

/// A kernel body compiled to register steps: evaluating it at a point does no lookups.
pub struct CompiledBody {
    steps: Vec<Step>,
    num_args: usize,
    num_regs: usize,
    yields: Vec<usize>,
}

impl CompiledBody {
    /// Resolves every op of `block` (scalar ops ending in `kernel.yield`).
    pub fn compile(m: &Module, block: BlockId) -> Result<CompiledBody, crate::IrError> {
        let b = m.block(block);
        let mut reg: std::collections::HashMap<ValueId, usize> =
            b.args.iter().enumerate().map(|(i, &a)| (a, i)).collect();
        let mut steps = Vec::new();
        for &op in &b.ops {
            let d = m.op(op);
            let args: Vec<usize> = d
                .operands
                .iter()
                .map(|v| {
                    reg.get(v)
                        .copied()
                        .ok_or_else(|| format!("value %{} is not defined in the body", v.0))
                })
                .collect::<Result<_, _>>()?;
            if d.name == ops::KERNEL_YIELD {
                return Ok(CompiledBody {
                    steps,
                    num_args: b.args.len(),
                    num_regs: reg.len(),
                    yields: args,
                });
            }
            let int_attr = |k: &str| match d.attrs.get(k) {
                Some(Attribute::Int(v)) if *v >= 0 => Ok(*v as usize),
                _ => Err(format!("'{}' needs a non-negative '{k}'", d.name)),
            };
            let kind = match d.name {
                ops::KERNEL_INDEX => StepKind::Index(int_attr("dim")?),
                ops::KERNEL_EXTRACT => StepKind::Extract {
                    operand: int_attr("operand")?,
                    rank: args.len(),
                },
                _ => StepKind::Scalar(ScalarFn::of(m, op)?),
            };
            let mut args: SmallVec<[usize; 4]> = args.into_iter().collect();
            while args.len() < 3 {
                args.push(0);
            }
            let dst = reg.len();
            reg.insert(d.results[0], dst);
            steps.push(Step { kind, args, dst });
        }
        Err("the body has no kernel.yield".into())
    }

    /// Evaluates the body: `regs` is scratch space reused across calls.
    pub fn run(
        &self,
        ctx: &BodyContext,
        args: &[Scalar],
        regs: &mut Vec<Scalar>,
        out: &mut Vec<Scalar>,
    ) -> Result<(), crate::IrError> {
        regs.clear();
        regs.extend_from_slice(&args[..self.num_args]);
        regs.resize(self.num_regs.max(1), Scalar::B(false));
        for s in &self.steps {
            let r = match &s.kind {
                StepKind::Scalar(f) => {
                    f.apply(regs[s.args[0]], regs[s.args[1]], regs[s.args[2]])?
                }
                StepKind::Index(dim) => Scalar::I(
                    *ctx.point.get(*dim).ok_or("kernel.index outside a domain")?,
                    ElementType::I64,
                ),
                StepKind::Extract { operand, rank } => {
                    let (values, dims, strides) = ctx
                        .inputs
                        .get(*operand)
                        .ok_or("kernel.extract of a missing operand")?;
                    let mut at = 0usize;
                    for k in 0..*rank {
                        let i = regs[s.args[k]].as_i64();
                        if i < 0 || i as usize >= dims[k] {
                            return Err(format!(
                                "kernel.extract: index {i} is out of bounds of dimension {k} (size {}) of operand {operand}",
                                dims[k]
                            ).into());
                        }
                        at += i as usize * strides[k];
                    }
                    values[at]
                }
            };
            regs[s.dst] = r;
        }
        out.clear();
        out.extend(self.yields.iter().map(|&r| regs[r]));
        Ok(())
    }
}

/// Runs a kernel body on its block arguments and returns the yielded values.
pub fn eval_body(
    m: &Module,
    block: BlockId,
    args: &[Scalar],
) -> Result<Vec<Scalar>, crate::IrError> {
    let body = CompiledBody::compile(m, block)?;
    let (mut regs, mut out) = (Vec::new(), Vec::new());
    body.run(&BodyContext::EMPTY, args, &mut regs, &mut out)?;
    Ok(out)
}
