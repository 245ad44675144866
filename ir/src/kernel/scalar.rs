//! Scalar ops of kernel bodies, and their evaluation.
//!
//! `kernel.<name>` exists for every elementwise unary and binary op of the graph dialect
//! and evaluates with the same functions, rounding each result to its element type just
//! as the graph interpreter does, so a lowered program computes bit-for-bit what the
//! graph did. Besides those: `kernel.max`/`kernel.min` (for reductions),
//! `kernel.constant`, `kernel.cast`, `kernel.select` and the terminator `kernel.yield`.

use crate::attr::Attribute;
use crate::graph::{OpArgs, BINARY_OPS, UNARY_OPS};
use crate::module::{BlockId, Module, OpId, ValueId};
use crate::tensor::Tensor;
use crate::types::{ElementType, TensorType, Type};

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
    if e.is_float() {
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
    if ty.elem.is_float() {
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

const EXTRA_OPS: &[&str] = &[
    "kernel.max",
    "kernel.min",
    "kernel.constant",
    "kernel.cast",
    "kernel.select",
];

/// Names of every scalar op.
pub fn scalar_op_names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = EXTRA_OPS.to_vec();
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    v.extend(
        UNARY_OPS
            .iter()
            .map(|u| leak(format!("kernel.{}", &u.name[6..]))),
    );
    v.extend(
        BINARY_OPS
            .iter()
            .map(|b| leak(format!("kernel.{}", &b.name[6..]))),
    );
    v
}

/// The graph op a scalar op borrows its semantics from.
fn graph_name(kernel_op: &str) -> Option<String> {
    kernel_op
        .strip_prefix("kernel.")
        .map(|s| format!("graph.{s}"))
}

fn scalar_type(m: &Module, v: ValueId) -> Result<ElementType, String> {
    match m.value_type(v) {
        Type::Scalar(e) => Ok(*e),
        other => Err(format!("kernel scalar ops take scalars, found {other}")),
    }
}

/// Checks a scalar op's operand and result types with the graph op's inference on rank-0
/// tensors.
pub fn verify_scalar_op(m: &Module, op: OpId) -> Result<(), String> {
    let d = m.op(op);
    let ins = d
        .operands
        .iter()
        .map(|&v| scalar_type(m, v))
        .collect::<Result<Vec<_>, _>>()?;
    let [result] = d.results.as_slice() else {
        return Err("scalar ops have one result".into());
    };
    let out = scalar_type(m, *result)?;
    let expected = match d.name.as_str() {
        "kernel.constant" => {
            if !ins.is_empty() {
                return Err("kernel.constant takes no operands".into());
            }
            match d.attrs.get("value") {
                Some(Attribute::Float(..) | Attribute::Int(_) | Attribute::Bool(_)) => out,
                _ => return Err("kernel.constant needs a numeric 'value'".into()),
            }
        }
        "kernel.cast" => {
            if ins.len() != 1 {
                return Err("kernel.cast takes one operand".into());
            }
            out
        }
        "kernel.select" => match ins.as_slice() {
            [ElementType::Bool, a, b] if a == b => *a,
            _ => return Err("kernel.select takes (i1, T, T)".into()),
        },
        "kernel.max" | "kernel.min" => match ins.as_slice() {
            [a, b] if a == b && *a != ElementType::Bool => *a,
            _ => {
                return Err(format!(
                    "'{}' takes two numeric operands of one type",
                    d.name
                ))
            }
        },
        name => {
            let g = graph_name(name).ok_or("not a kernel op")?;
            let types: Vec<TensorType> = ins
                .iter()
                .map(|&e| TensorType::new(crate::types::Shape::scalar(), e))
                .collect();
            crate::graph::infer_types(&g, &types, &d.attrs, 1)?[0].elem
        }
    };
    if expected != out {
        return Err(format!("result is {out}, but the operands give {expected}"));
    }
    Ok(())
}

fn eval_op(m: &Module, op: OpId, args: &[Scalar]) -> Result<Scalar, String> {
    let d = m.op(op);
    let out = match m.value_type(d.results[0]) {
        Type::Scalar(e) => *e,
        _ => return Err("scalar op with a non-scalar result".into()),
    };
    let name = d.name.as_str();
    match name {
        "kernel.constant" => {
            return Ok(match d.attrs.get("value") {
                Some(Attribute::Float(v, _)) => Scalar::from_f64(*v, out),
                Some(Attribute::Int(v)) => Scalar::int_result(*v, out),
                Some(Attribute::Bool(b)) => Scalar::int_result(*b as i64, out),
                _ => return Err("kernel.constant needs a value".into()),
            })
        }
        "kernel.cast" => return Ok(args[0].cast(out)),
        "kernel.select" => {
            return Ok(if args[0].as_i64() != 0 {
                args[1]
            } else {
                args[2]
            })
        }
        "kernel.max" | "kernel.min" => {
            let is_max = name == "kernel.max";
            return Ok(match (args[0], args[1]) {
                (Scalar::F(a, e), Scalar::F(b, _)) => {
                    let v = if a.is_nan() || b.is_nan() {
                        f64::NAN
                    } else if is_max {
                        a.max(b)
                    } else {
                        a.min(b)
                    };
                    Scalar::F(v, e)
                }
                (a, b) => Scalar::int_result(
                    if is_max {
                        a.as_i64().max(b.as_i64())
                    } else {
                        a.as_i64().min(b.as_i64())
                    },
                    out,
                ),
            });
        }
        _ => {}
    }
    let suffix = &name[7..];
    if let Some(u) = UNARY_OPS.iter().find(|u| &u.name[6..] == suffix) {
        let x = args[0];
        return match x {
            Scalar::F(v, _) => {
                let f = u
                    .float
                    .ok_or_else(|| format!("'{name}' has no float form"))?;
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
                Ok(Scalar::float_result(f(v, &params), out))
            }
            Scalar::B(b) => Ok(Scalar::B(u
                .boolean
                .ok_or_else(|| format!("'{name}' has no boolean form"))?(
                b
            ))),
            Scalar::I(v, _) => Ok(Scalar::int_result(
                u.int
                    .ok_or_else(|| format!("'{name}' has no integer form"))?(v),
                out,
            )),
        };
    }
    if let Some(b) = BINARY_OPS.iter().find(|b| &b.name[6..] == suffix) {
        let (x, y) = (args[0], args[1]);
        return match (x, y) {
            (Scalar::B(p), Scalar::B(q)) => Ok(Scalar::B(b
                .boolean
                .ok_or_else(|| format!("'{name}' has no boolean form"))?(
                p, q
            ))),
            (Scalar::F(..), _) | (_, Scalar::F(..)) => {
                let f = b
                    .float
                    .ok_or_else(|| format!("'{name}' has no float form"))?;
                Ok(Scalar::float_result(f(x.as_f64(), y.as_f64()), out))
            }
            _ => {
                let f = b
                    .int
                    .ok_or_else(|| format!("'{name}' has no integer form"))?;
                Ok(Scalar::int_result(f(x.as_i64(), y.as_i64()), out))
            }
        };
    }
    Err(format!("unknown scalar op '{name}'"))
}

/// Runs a kernel body on its block arguments and returns the yielded values.
pub fn eval_body(m: &Module, block: BlockId, args: &[Scalar]) -> Result<Vec<Scalar>, String> {
    let b = m.block(block);
    // Bodies are a handful of ops: a small association list beats hashing.
    let mut env: Vec<(ValueId, Scalar)> =
        b.args.iter().copied().zip(args.iter().copied()).collect();
    let lookup = |env: &[(ValueId, Scalar)], v: ValueId| {
        env.iter()
            .rev()
            .find(|(k, _)| *k == v)
            .map(|(_, s)| *s)
            .ok_or_else(|| format!("value %{} is not defined in the body", v.0))
    };
    let mut operands = Vec::with_capacity(3);
    for &op in &b.ops {
        let d = m.op(op);
        operands.clear();
        for &v in &d.operands {
            operands.push(lookup(&env, v)?);
        }
        if d.name == "kernel.yield" {
            return Ok(operands.clone());
        }
        let r = eval_op(m, op, &operands)?;
        env.push((d.results[0], r));
    }
    Err("the body has no kernel.yield".into())
}
