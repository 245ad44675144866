//! Composite scalar ops, each defined once, as a computation over primitive ones.
//!
//! Activations such as selu, mish or hard-swish are compositions of a few primitives
//! (arithmetic, comparisons, select, exp, log1p, tanh, erf). Each is written here once,
//! against a [`Builder`]; the same definition is
//! - *evaluated* in `f64` by the reference interpreter ([`eval`]), so the graph and kernel
//!   interpreters compute these ops from it, and
//! - *expanded* into primitive `kernel.*` ops by [`expand_module`] (the `expand-composites`
//!   pass), so that code generators only ever see primitives and a new back end (a
//!   systolic vector unit, an MLIR export) has nothing of them to rewrite.
//!
//! Expanded ops on 16-bit floats compute in `f32` and round once at the end, as the
//! interpreter computes in `f64` and rounds once.

use crate::attr::Attribute;
use crate::module::{BlockId, Module, OpId, OpSpec, ValueId};
use crate::ops;
use crate::ops::OpName;
use crate::types::{ElementType, Type};

/// A value under construction (an index the builder gives meaning to).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Val(u32);

/// Primitive unary float ops a composite may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unary {
    Neg,
    Abs,
    Exp,
    /// ln(1 + x), exact near 0.
    Log1p,
    Tanh,
    Erf,
}

/// Primitive binary ops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binary {
    Add,
    Sub,
    Mul,
    Div,
    /// NaN-propagating maximum.
    Max,
    /// NaN-propagating minimum.
    Min,
}

/// Comparisons (ordered: false when either side is NaN).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl Unary {
    /// The primitive `kernel.*` op.
    pub fn op_name(self) -> OpName {
        match self {
            Unary::Neg => ops::KERNEL_NEG,
            Unary::Abs => ops::KERNEL_ABS,
            Unary::Exp => ops::KERNEL_EXP,
            Unary::Log1p => ops::KERNEL_LOG1P,
            Unary::Tanh => ops::KERNEL_TANH,
            Unary::Erf => ops::KERNEL_ERF,
        }
    }
}

impl Binary {
    pub fn op_name(self) -> OpName {
        match self {
            Binary::Add => ops::KERNEL_ADD,
            Binary::Sub => ops::KERNEL_SUB,
            Binary::Mul => ops::KERNEL_MUL,
            Binary::Div => ops::KERNEL_DIV,
            Binary::Max => ops::KERNEL_MAX,
            Binary::Min => ops::KERNEL_MIN,
        }
    }
}

impl Compare {
    pub fn op_name(self) -> OpName {
        match self {
            Compare::Less => ops::KERNEL_LESS,
            Compare::LessOrEqual => ops::KERNEL_LESS_OR_EQUAL,
            Compare::Greater => ops::KERNEL_GREATER,
            Compare::GreaterOrEqual => ops::KERNEL_GREATER_OR_EQUAL,
        }
    }
}

/// What a composite's definition computes with.
pub trait Builder {
    fn constant(&mut self, v: f64) -> Val;
    fn unary(&mut self, op: Unary, x: Val) -> Val;
    fn binary(&mut self, op: Binary, a: Val, b: Val) -> Val;
    /// A boolean.
    fn compare(&mut self, op: Compare, a: Val, b: Val) -> Val;
    /// `c ? a : b` for a boolean `c`.
    fn select(&mut self, c: Val, a: Val, b: Val) -> Val;
}

/// A composite op: its parameters (float attributes with defaults, in order) and its
/// definition over the operands (one, or two for PRelu's slope).
pub struct Composite {
    /// The scalar op (`kernel.selu`); the graph op is `graph.` + the same suffix.
    pub name: OpName,
    /// For an op with several forms, the value of its selecting attribute
    /// (`approximate = "tanh"` for GELU's tanh form).
    pub form: Option<(&'static str, &'static str)>,
    pub params: &'static [(&'static str, f64)],
    pub define: fn(&mut dyn Builder, &[Val], &[f64]) -> Val,
}

/// `0.5 x (1 + inner)`, GELU's outer form.
fn half_x_one_plus(b: &mut dyn Builder, x: Val, inner: Val) -> Val {
    let (half, one) = (b.constant(0.5), b.constant(1.0));
    let h = b.binary(Binary::Mul, half, x);
    let s = b.binary(Binary::Add, one, inner);
    b.binary(Binary::Mul, h, s)
}

/// The logistic function without overflow: with `e = exp(-|x|)`,
/// `(x ≥ 0 ? 1 : e) / (1 + e)`.
fn sigmoid(b: &mut dyn Builder, x: Val) -> Val {
    let ax = b.unary(Unary::Abs, x);
    let nax = b.unary(Unary::Neg, ax);
    let e = b.unary(Unary::Exp, nax);
    let (zero, one) = (b.constant(0.0), b.constant(1.0));
    let pos = b.compare(Compare::GreaterOrEqual, x, zero);
    let num = b.select(pos, one, e);
    let den = b.binary(Binary::Add, one, e);
    b.binary(Binary::Div, num, den)
}

/// `log(1 + eˣ)` as `max(x, 0) + log1p(exp(-|x|))`: no overflow, no cancellation.
fn softplus(b: &mut dyn Builder, x: Val) -> Val {
    let ax = b.unary(Unary::Abs, x);
    let nax = b.unary(Unary::Neg, ax);
    let e = b.unary(Unary::Exp, nax);
    let l = b.unary(Unary::Log1p, e);
    let zero = b.constant(0.0);
    let hi = b.binary(Binary::Max, x, zero);
    b.binary(Binary::Add, hi, l)
}

/// `min(max(v, 0), 1)`.
fn clamp01(b: &mut dyn Builder, v: Val) -> Val {
    let (zero, one) = (b.constant(0.0), b.constant(1.0));
    let lo = b.binary(Binary::Max, v, zero);
    b.binary(Binary::Min, lo, one)
}

/// `x < 0 ? neg : x`.
fn where_negative(b: &mut dyn Builder, x: Val, neg: Val) -> Val {
    let zero = b.constant(0.0);
    let n = b.compare(Compare::Less, x, zero);
    b.select(n, neg, x)
}

const SELU_ALPHA: f64 = 1.673_263_192_176_818_8;
const SELU_GAMMA: f64 = 1.050_701_022_148_132_3;

/// The "kernel.relu" composite.
pub static RELU: Composite = Composite {
    name: ops::KERNEL_RELU,
    form: None,
    params: &[],
    define: |b, a, _| {
        let zero = b.constant(0.0);
        where_negative(b, a[0], zero)
    },
};

/// The parameters of [`LEAKY_RELU`], with their defaults.
pub const LEAKY_RELU_PARAMS: &[(&str, f64)] = &[("alpha", 0.01)];

/// The "kernel.leaky_relu" composite.
pub static LEAKY_RELU: Composite = Composite {
    name: ops::KERNEL_LEAKY_RELU,
    form: None,
    params: LEAKY_RELU_PARAMS,
    define: |b, a, p| {
        let alpha = b.constant(p[0]);
        let s = b.binary(Binary::Mul, alpha, a[0]);
        where_negative(b, a[0], s)
    },
};

/// The "kernel.prelu" composite.
pub static PRELU: Composite = Composite {
    name: ops::KERNEL_PRELU,
    form: None,
    params: &[],
    define: |b, a, _| {
        let s = b.binary(Binary::Mul, a[1], a[0]);
        where_negative(b, a[0], s)
    },
};

/// The parameters of [`ELU`], with their defaults.
pub const ELU_PARAMS: &[(&str, f64)] = &[("alpha", 1.0)];

/// The "kernel.elu" composite.
pub static ELU: Composite = Composite {
    name: ops::KERNEL_ELU,
    form: None,
    params: ELU_PARAMS,
    define: |b, a, p| {
        let (alpha, one) = (b.constant(p[0]), b.constant(1.0));
        let e = b.unary(Unary::Exp, a[0]);
        let em1 = b.binary(Binary::Sub, e, one);
        let s = b.binary(Binary::Mul, alpha, em1);
        where_negative(b, a[0], s)
    },
};

/// The parameters of [`SELU`], with their defaults.
pub const SELU_PARAMS: &[(&str, f64)] = &[("alpha", SELU_ALPHA), ("gamma", SELU_GAMMA)];

/// The "kernel.selu" composite.
pub static SELU: Composite = Composite {
    name: ops::KERNEL_SELU,
    form: None,
    params: SELU_PARAMS,
    define: |b, a, p| {
        let (alpha, gamma, zero) = (b.constant(p[0]), b.constant(p[1]), b.constant(0.0));
        let e = b.unary(Unary::Exp, a[0]);
        let ae = b.binary(Binary::Mul, alpha, e);
        let neg = b.binary(Binary::Sub, ae, alpha);
        let le = b.compare(Compare::LessOrEqual, a[0], zero);
        let v = b.select(le, neg, a[0]);
        b.binary(Binary::Mul, gamma, v)
    },
};

/// The parameters of [`CELU`], with their defaults.
pub const CELU_PARAMS: &[(&str, f64)] = &[("alpha", 1.0)];

/// The "kernel.celu" composite.
pub static CELU: Composite = Composite {
    name: ops::KERNEL_CELU,
    form: None,
    params: CELU_PARAMS,
    define: |b, a, p| {
        let (alpha, one, zero) = (b.constant(p[0]), b.constant(1.0), b.constant(0.0));
        let q = b.binary(Binary::Div, a[0], alpha);
        let e = b.unary(Unary::Exp, q);
        let em1 = b.binary(Binary::Sub, e, one);
        let neg = b.binary(Binary::Mul, alpha, em1);
        let lo = b.binary(Binary::Min, neg, zero);
        let hi = b.binary(Binary::Max, a[0], zero);
        b.binary(Binary::Add, hi, lo)
    },
};

/// The parameters of [`THRESHOLDED_RELU`], with their defaults.
pub const THRESHOLDED_RELU_PARAMS: &[(&str, f64)] = &[("alpha", 1.0)];

/// The "kernel.thresholded_relu" composite.
pub static THRESHOLDED_RELU: Composite = Composite {
    name: ops::KERNEL_THRESHOLDED_RELU,
    form: None,
    params: THRESHOLDED_RELU_PARAMS,
    define: |b, a, p| {
        let (alpha, zero) = (b.constant(p[0]), b.constant(0.0));
        let above = b.compare(Compare::Greater, a[0], alpha);
        b.select(above, a[0], zero)
    },
};

/// The parameters of [`HARD_SIGMOID`], with their defaults.
pub const HARD_SIGMOID_PARAMS: &[(&str, f64)] = &[("alpha", 0.2), ("beta", 0.5)];

/// The "kernel.hard_sigmoid" composite.
pub static HARD_SIGMOID: Composite = Composite {
    name: ops::KERNEL_HARD_SIGMOID,
    form: None,
    params: HARD_SIGMOID_PARAMS,
    define: |b, a, p| {
        let (alpha, beta) = (b.constant(p[0]), b.constant(p[1]));
        let ax = b.binary(Binary::Mul, alpha, a[0]);
        let v = b.binary(Binary::Add, ax, beta);
        clamp01(b, v)
    },
};

/// The "kernel.hard_swish" composite.
pub static HARD_SWISH: Composite = Composite {
    name: ops::KERNEL_HARD_SWISH,
    form: None,
    params: &[],
    define: |b, a, _| {
        let (six, half) = (b.constant(6.0), b.constant(0.5));
        let q = b.binary(Binary::Div, a[0], six);
        let v = b.binary(Binary::Add, q, half);
        let c = clamp01(b, v);
        b.binary(Binary::Mul, a[0], c)
    },
};

/// The "kernel.sigmoid" composite.
pub static SIGMOID: Composite = Composite {
    name: ops::KERNEL_SIGMOID,
    form: None,
    params: &[],
    define: |b, a, _| sigmoid(b, a[0]),
};

/// The parameters of [`SWISH`], with their defaults.
pub const SWISH_PARAMS: &[(&str, f64)] = &[("alpha", 1.0)];

/// The "kernel.swish" composite.
pub static SWISH: Composite = Composite {
    name: ops::KERNEL_SWISH,
    form: None,
    params: SWISH_PARAMS,
    define: |b, a, p| {
        let alpha = b.constant(p[0]);
        let ax = b.binary(Binary::Mul, alpha, a[0]);
        let s = sigmoid(b, ax);
        b.binary(Binary::Mul, a[0], s)
    },
};

/// The "kernel.softplus" composite.
pub static SOFTPLUS: Composite = Composite {
    name: ops::KERNEL_SOFTPLUS,
    form: None,
    params: &[],
    define: |b, a, _| softplus(b, a[0]),
};

/// The "kernel.softsign" composite.
pub static SOFTSIGN: Composite = Composite {
    name: ops::KERNEL_SOFTSIGN,
    form: None,
    params: &[],
    define: |b, a, _| {
        let one = b.constant(1.0);
        let ax = b.unary(Unary::Abs, a[0]);
        let den = b.binary(Binary::Add, one, ax);
        b.binary(Binary::Div, a[0], den)
    },
};

/// The "kernel.mish" composite.
pub static MISH: Composite = Composite {
    name: ops::KERNEL_MISH,
    form: None,
    params: &[],
    define: |b, a, _| {
        let sp = softplus(b, a[0]);
        let t = b.unary(Unary::Tanh, sp);
        b.binary(Binary::Mul, a[0], t)
    },
};

/// The parameters of [`SHRINK`], with their defaults.
pub const SHRINK_PARAMS: &[(&str, f64)] = &[("bias", 0.0), ("lambd", 0.5)];

/// The "kernel.shrink" composite.
pub static SHRINK: Composite = Composite {
    name: ops::KERNEL_SHRINK,
    form: None,
    params: SHRINK_PARAMS,
    define: |b, a, p| {
        let (bias, lo, hi, zero) = (
            b.constant(p[0]),
            b.constant(-p[1]),
            b.constant(p[1]),
            b.constant(0.0),
        );
        let below = b.compare(Compare::Less, a[0], lo);
        let above = b.compare(Compare::Greater, a[0], hi);
        let minus = b.binary(Binary::Sub, a[0], bias);
        let plus = b.binary(Binary::Add, a[0], bias);
        let v = b.select(above, minus, zero);
        b.select(below, plus, v)
    },
};

/// The "kernel.sign" composite.
pub static SIGN: Composite = Composite {
    name: ops::KERNEL_SIGN,
    form: None,
    params: &[],
    define: |b, a, _| {
        let (zero, one, minus) = (b.constant(0.0), b.constant(1.0), b.constant(-1.0));
        let pos = b.compare(Compare::Greater, a[0], zero);
        let neg = b.compare(Compare::Less, a[0], zero);
        let v = b.select(neg, minus, a[0]);
        b.select(pos, one, v)
    },
};

/// The "kernel.reciprocal" composite.
pub static RECIPROCAL: Composite = Composite {
    name: ops::KERNEL_RECIPROCAL,
    form: None,
    params: &[],
    define: |b, a, _| {
        let one = b.constant(1.0);
        b.binary(Binary::Div, one, a[0])
    },
};

/// GELU, exact (`kernel.gelu`).
pub static GELU: Composite = Composite {
    name: ops::KERNEL_GELU,
    form: None,
    params: &[],
    define: |b, a, _| {
        let s = b.constant(std::f64::consts::FRAC_1_SQRT_2);
        let arg = b.binary(Binary::Mul, a[0], s);
        let e = b.unary(Unary::Erf, arg);
        half_x_one_plus(b, a[0], e)
    },
};

/// GELU, `approximate = "tanh"`.
pub static GELU_TANH_FORM: Composite = Composite {
    name: ops::KERNEL_GELU,
    form: Some(("approximate", "tanh")),
    params: &[],
    define: |b, a, _| {
        let x = a[0];
        let (k, s) = (
            b.constant(0.044715),
            b.constant((2.0 / std::f64::consts::PI).sqrt()),
        );
        let x2 = b.binary(Binary::Mul, x, x);
        let x3 = b.binary(Binary::Mul, x2, x);
        let kx3 = b.binary(Binary::Mul, k, x3);
        let t = b.binary(Binary::Add, x, kx3);
        let arg = b.binary(Binary::Mul, s, t);
        let th = b.unary(Unary::Tanh, arg);
        half_x_one_plus(b, x, th)
    },
};

/// Every composite scalar op.
pub static COMPOSITES: &[&Composite] = &[
    &RELU,
    &LEAKY_RELU,
    &PRELU,
    &ELU,
    &SELU,
    &CELU,
    &THRESHOLDED_RELU,
    &HARD_SIGMOID,
    &HARD_SWISH,
    &SIGMOID,
    &SWISH,
    &SOFTPLUS,
    &SOFTSIGN,
    &MISH,
    &SHRINK,
    &SIGN,
    &RECIPROCAL,
    &GELU,
    &GELU_TANH_FORM,
];

/// The composite `name` in its default form, if it is one.
pub fn find(name: OpName) -> Option<&'static Composite> {
    COMPOSITES
        .iter()
        .copied()
        .find(|c| c.name == name && c.form.is_none())
}

/// The composite for scalar op `op` of `m`, in the form its attributes select.
fn of_op(m: &Module, op: OpId) -> Option<&'static Composite> {
    let d = m.op(op);
    let mut forms = COMPOSITES.iter().copied().filter(|c| c.name == d.name);
    let selected = |c: &&Composite| match c.form {
        Some((attr, value)) => {
            matches!(d.attrs.get(attr), Some(Attribute::String(s)) if s == value)
        }
        None => true,
    };
    // The forms that set an attribute come before the default, so check those first.
    let all: Vec<&Composite> = forms.by_ref().collect();
    all.iter()
        .copied()
        .filter(|c| c.form.is_some())
        .chain(all.iter().copied().filter(|c| c.form.is_none()))
        .find(|c| selected(c))
}

/// The composite's parameters as op `op` sets them (its float attributes, else the
/// defaults).
fn params_of(c: &Composite, attrs: &std::collections::BTreeMap<String, Attribute>) -> Vec<f64> {
    c.params
        .iter()
        .map(|(name, default)| match attrs.get(*name) {
            Some(Attribute::Float(v, _)) => *v,
            Some(Attribute::Int(v)) => *v as f64,
            _ => *default,
        })
        .collect()
}

/// Evaluates in `f64` (values on the stack: the interpreter calls this per element).
struct F64 {
    values: smallvec::SmallVec<[f64; 32]>,
}

impl F64 {
    fn push(&mut self, v: f64) -> Val {
        self.values.push(v);
        Val(self.values.len() as u32 - 1)
    }

    fn get(&self, v: Val) -> f64 {
        self.values[v.0 as usize]
    }
}

fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

impl Builder for F64 {
    fn constant(&mut self, v: f64) -> Val {
        self.push(v)
    }

    fn unary(&mut self, op: Unary, x: Val) -> Val {
        let x = self.get(x);
        self.push(match op {
            Unary::Neg => -x,
            Unary::Abs => x.abs(),
            Unary::Exp => x.exp(),
            Unary::Log1p => x.ln_1p(),
            Unary::Tanh => x.tanh(),
            Unary::Erf => libm::erf(x),
        })
    }

    fn binary(&mut self, op: Binary, a: Val, b: Val) -> Val {
        let (a, b) = (self.get(a), self.get(b));
        self.push(match op {
            Binary::Add => a + b,
            Binary::Sub => a - b,
            Binary::Mul => a * b,
            Binary::Div => a / b,
            Binary::Max => nan_max(a, b),
            Binary::Min => nan_min(a, b),
        })
    }

    fn compare(&mut self, op: Compare, a: Val, b: Val) -> Val {
        let (a, b) = (self.get(a), self.get(b));
        let r = match op {
            Compare::Less => a < b,
            Compare::LessOrEqual => a <= b,
            Compare::Greater => a > b,
            Compare::GreaterOrEqual => a >= b,
        };
        self.push(r as u8 as f64)
    }

    fn select(&mut self, c: Val, a: Val, b: Val) -> Val {
        let v = if self.get(c) != 0.0 {
            self.get(a)
        } else {
            self.get(b)
        };
        self.push(v)
    }
}

/// The value of composite `c` on `args` with parameters `params`, in `f64` (the
/// reference interpreter's definition of the op).
pub fn eval(c: &Composite, args: &[f64], params: &[f64]) -> f64 {
    let mut b = F64 {
        values: smallvec::SmallVec::new(),
    };
    let vals: smallvec::SmallVec<[Val; 2]> = args.iter().map(|&a| b.push(a)).collect();
    let r = (c.define)(&mut b, &vals, params);
    b.get(r)
}

/// Builds primitive ops into a block, before a given op.
struct Expander<'m> {
    m: &'m mut Module,
    block: BlockId,
    before: OpId,
    /// The type values compute in (scalar or vector).
    ty: Type,
    /// The same shape of booleans.
    bool_ty: Type,
    values: Vec<ValueId>,
    /// Constants made so far, by bits: each made once per expansion.
    constants: std::collections::HashMap<u64, Val>,
    loc: crate::module::Location,
}

impl Expander<'_> {
    fn add(&mut self, spec: OpSpec) -> Val {
        let op = self.m.create_op(spec.loc(self.loc.clone()));
        self.m.insert_op_before(self.block, self.before, op);
        let v = self.m.result(op);
        self.values.push(v);
        Val(self.values.len() as u32 - 1)
    }

    fn v(&self, v: Val) -> ValueId {
        self.values[v.0 as usize]
    }

    fn elem(&self) -> ElementType {
        match &self.ty {
            Type::Scalar(e) | Type::Vector(_, e) => *e,
            _ => ElementType::F32,
        }
    }
}

impl Builder for Expander<'_> {
    fn constant(&mut self, v: f64) -> Val {
        if let Some(&c) = self.constants.get(&v.to_bits()) {
            return c;
        }
        let e = self.elem();
        let ty = self.ty.clone();
        let c = self.add(
            OpSpec::new(ops::KERNEL_CONSTANT)
                .attr("value", Attribute::Float(v, e))
                .results([ty]),
        );
        self.constants.insert(v.to_bits(), c);
        c
    }

    fn unary(&mut self, op: Unary, x: Val) -> Val {
        let (x, ty) = (self.v(x), self.ty.clone());
        self.add(OpSpec::new(op.op_name()).operands([x]).results([ty]))
    }

    fn binary(&mut self, op: Binary, a: Val, b: Val) -> Val {
        let (a, b, ty) = (self.v(a), self.v(b), self.ty.clone());
        self.add(OpSpec::new(op.op_name()).operands([a, b]).results([ty]))
    }

    fn compare(&mut self, op: Compare, a: Val, b: Val) -> Val {
        let (a, b, ty) = (self.v(a), self.v(b), self.bool_ty.clone());
        self.add(OpSpec::new(op.op_name()).operands([a, b]).results([ty]))
    }

    fn select(&mut self, c: Val, a: Val, b: Val) -> Val {
        let (c, a, b, ty) = (self.v(c), self.v(a), self.v(b), self.ty.clone());
        self.add(
            OpSpec::new(ops::KERNEL_SELECT)
                .operands([c, a, b])
                .results([ty]),
        )
    }
}

/// `ty` with element type `e` (same lanes).
fn with_elem(ty: &Type, e: ElementType) -> Type {
    match ty {
        Type::Vector(n, _) => Type::Vector(*n, e),
        _ => Type::Scalar(e),
    }
}

/// Rewrites every composite scalar op on floats in `m` (kernel bodies, loop kernels) into
/// primitive ops; returns how many were expanded. Ops on other element types are left
/// (relu, sign and prelu on integers are primitives of their own).
pub fn expand_module(m: &mut Module) -> Result<usize, crate::IrError> {
    let mut found = Vec::new();
    let mut stack: Vec<OpId> = m.block(m.body()).ops.clone();
    while let Some(op) = stack.pop() {
        let d = m.op(op);
        for &r in &d.regions {
            for &b in &m.region(r).blocks {
                stack.extend(m.block(b).ops.iter().copied());
            }
        }
        let float = d.results.first().is_some_and(
            |&r| matches!(m.value_type(r), Type::Scalar(e) | Type::Vector(_, e) if e.is_float()),
        );
        if float && of_op(m, op).is_some() {
            found.push(op);
        }
    }
    for &op in &found {
        expand_op(m, op)?;
    }
    Ok(found.len())
}

fn expand_op(m: &mut Module, op: OpId) -> Result<(), crate::IrError> {
    let c = of_op(m, op).ok_or("not a composite op")?;
    let d = m.op(op).clone();
    let block = d
        .parent
        .ok_or_else(|| format!("'{}' is not in a block", d.name))?;
    let result = d.results[0];
    let out_ty = m.value_type(result).clone();
    let out_elem = match &out_ty {
        Type::Scalar(e) | Type::Vector(_, e) => *e,
        other => return Err(format!("'{}' has a result of type {other}", d.name).into()),
    };
    // 16-bit floats compute in f32 and round once at the end.
    let compute = match out_elem {
        ElementType::F16 | ElementType::BF16 => ElementType::F32,
        e => e,
    };
    let ty = with_elem(&out_ty, compute);
    let mut x = Expander {
        m,
        block,
        before: op,
        bool_ty: with_elem(&out_ty, ElementType::Bool),
        ty: ty.clone(),
        values: Vec::new(),
        constants: Default::default(),
        loc: d.loc.clone(),
    };
    let mut args = Vec::new();
    for &a in &d.operands {
        let at = x.m.value_type(a).clone();
        let v = if at == ty {
            a
        } else {
            let cast = x.m.create_op(
                OpSpec::new(ops::KERNEL_CAST)
                    .operands([a])
                    .results([ty.clone()])
                    .loc(d.loc.clone()),
            );
            x.m.insert_op_before(block, op, cast);
            x.m.result(cast)
        };
        x.values.push(v);
        args.push(Val(x.values.len() as u32 - 1));
    }
    let params = params_of(c, &d.attrs);
    let r = (c.define)(&mut x, &args, &params);
    let mut value = x.v(r);
    if ty != out_ty {
        let cast = m.create_op(
            OpSpec::new(ops::KERNEL_CAST)
                .operands([value])
                .results([out_ty])
                .loc(d.loc.clone()),
        );
        m.insert_op_before(block, op, cast);
        value = m.result(cast);
    }
    m.replace_all_uses(result, value);
    m.erase_op(op);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_match_their_closed_forms() {
        let cases: &[(&str, f64, f64)] = &[
            (
                "kernel.selu",
                -1.0,
                SELU_GAMMA * (SELU_ALPHA * (-1f64).exp() - SELU_ALPHA),
            ),
            ("kernel.selu", 2.0, SELU_GAMMA * 2.0),
            ("kernel.sigmoid", 0.3, 1.0 / (1.0 + (-0.3f64).exp())),
            ("kernel.sigmoid", -800.0, 0.0),
            ("kernel.softplus", 1000.0, 1000.0),
            ("kernel.softplus", -2.0, (1.0 + (-2f64).exp()).ln()),
            ("kernel.mish", 0.7, 0.7 * (1.0 + 0.7f64.exp()).ln().tanh()),
            ("kernel.hard_swish", 1.0, 1.0 * (1.0 / 6.0 + 0.5)),
            ("kernel.sign", -3.0, -1.0),
            ("kernel.relu", -2.0, 0.0),
            ("kernel.reciprocal", 4.0, 0.25),
        ];
        for &(name, x, want) in cases {
            let c = find(OpName::from(name)).unwrap();
            let p: Vec<f64> = c.params.iter().map(|p| p.1).collect();
            let got = eval(c, &[x], &p);
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                "{name}({x}) = {got}, want {want}"
            );
        }
        // NaN passes through, and relu keeps -0.
        // (Thresholded relu and shrink map NaN, which no threshold passes, to 0.)
        for c in COMPOSITES.iter().filter(|c| {
            ![
                ops::KERNEL_PRELU,
                ops::KERNEL_THRESHOLDED_RELU,
                ops::KERNEL_SHRINK,
            ]
            .contains(&c.name)
        }) {
            let p: Vec<f64> = c.params.iter().map(|p| p.1).collect();
            assert!(eval(c, &[f64::NAN], &p).is_nan(), "{}", c.name);
        }
        let relu = find(ops::KERNEL_RELU).unwrap();
        assert!(eval(relu, &[-0.0], &[]).is_sign_negative());
    }
}
