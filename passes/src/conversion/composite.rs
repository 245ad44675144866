//! Lowerings by decomposition: normalizations written as the graph ops (reductions,
//! elementwise arithmetic, reshapes) they are defined by, each lowered in turn.

use super::graph_to_kernel::{graph_op, must_lower};
use std::collections::BTreeMap;
use strata_ir::module::BlockId;
use strata_ir::ops;
use strata_ir::types::normalize_axis;
use strata_ir::OpName;
use strata_ir::{Attribute, ElementType, Module, Shape, Tensor, TensorType, Type, ValueId};

pub(super) type Attrs = BTreeMap<String, Attribute>;

pub(super) fn attrs(pairs: &[(&str, Attribute)]) -> Attrs {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// Appends graph op `name` lowered to kernels (reshapes stay views).
pub(super) fn op(
    m: &mut Module,
    block: BlockId,
    name: OpName,
    args: &[ValueId],
    a: Attrs,
) -> Result<ValueId, crate::pass::PassError> {
    if name == ops::GRAPH_RESHAPE || name == ops::GRAPH_CONSTANT {
        return graph_op(m, block, name, args, a);
    }
    let types: Vec<TensorType> = args
        .iter()
        .map(|&v| m.tensor_type(v).cloned())
        .collect::<Result<_, _>>()?;
    let out = strata_ir::graph::infer_types(name, &types, &a, 1)?.remove(0);
    must_lower(m, block, name, args, &a, &out)
}

use super::graph_to_kernel::m_scalar as scalar;

fn reshape(
    m: &mut Module,
    block: BlockId,
    v: ValueId,
    dims: &[usize],
) -> Result<ValueId, crate::pass::PassError> {
    let shape = Attribute::I64Array(dims.iter().map(|&d| d as i64).collect());
    op(
        m,
        block,
        ops::GRAPH_RESHAPE,
        &[v],
        attrs(&[("shape", shape)]),
    )
}

fn float_attr(a: &Attrs, k: &str, default: f64) -> f64 {
    match a.get(k) {
        Some(Attribute::Float(v, _)) => *v,
        Some(Attribute::Int(v)) => *v as f64,
        _ => default,
    }
}

fn int_attr(a: &Attrs, k: &str, default: i64) -> i64 {
    match a.get(k) {
        Some(Attribute::Int(v)) => *v,
        _ => default,
    }
}

/// `(x - mean) / sqrt(var + eps)` over `axes` (kept as size 1).
fn standardize(
    m: &mut Module,
    block: BlockId,
    x: ValueId,
    axes: &[usize],
    eps: f64,
) -> Result<ValueId, crate::pass::PassError> {
    let elem = m.tensor_type(x)?.elem;
    let red = attrs(&[
        (
            "axes",
            Attribute::I64Array(axes.iter().map(|&a| a as i64).collect()),
        ),
        ("keepdims", Attribute::Int(1)),
    ]);
    let mean = op(m, block, ops::GRAPH_REDUCE_MEAN, &[x], red.clone())?;
    let centered = op(m, block, ops::GRAPH_SUB, &[x, mean], Attrs::new())?;
    let sq = op(
        m,
        block,
        ops::GRAPH_MUL,
        &[centered, centered],
        Attrs::new(),
    )?;
    let var = op(m, block, ops::GRAPH_REDUCE_MEAN, &[sq], red)?;
    let e = scalar(m, block, eps, elem)?;
    let ve = op(m, block, ops::GRAPH_ADD, &[var, e], Attrs::new())?;
    let sd = op(m, block, ops::GRAPH_SQRT, &[ve], Attrs::new())?;
    op(m, block, ops::GRAPH_DIV, &[centered, sd], Attrs::new())
}

/// `y * scale[c] + bias[c]` with per-channel parameters of an `N x C x ...` tensor.
fn channel_affine(
    m: &mut Module,
    block: BlockId,
    y: ValueId,
    scale: ValueId,
    bias: ValueId,
) -> Result<ValueId, crate::pass::PassError> {
    let rank = m.tensor_type(y)?.shape.rank();
    let c = m.tensor_type(scale)?.shape.numel();
    let mut dims = vec![c];
    dims.extend(std::iter::repeat_n(1, rank - 2));
    let s = reshape(m, block, scale, &dims)?;
    let b = reshape(m, block, bias, &dims)?;
    let ys = op(m, block, ops::GRAPH_MUL, &[y, s], Attrs::new())?;
    op(m, block, ops::GRAPH_ADD, &[ys, b], Attrs::new())
}

/// Lowers normalization op `name`; `None` where it has no decomposition here.
pub(super) fn lower(
    m: &mut Module,
    block: BlockId,
    name: OpName,
    operands: &[ValueId],
    ins: &[TensorType],
    a: &Attrs,
) -> Result<Option<Vec<ValueId>>, crate::pass::PassError> {
    let x = &ins[0];
    let rank = x.shape.rank();
    let eps = float_attr(a, "epsilon", 1e-5);
    let y = match name {
        ops::GRAPH_INSTANCE_NORMALIZATION => {
            let axes: Vec<usize> = (2..rank).collect();
            let y = standardize(m, block, operands[0], &axes, eps)?;
            channel_affine(m, block, y, operands[1], operands[2])?
        }
        ops::GRAPH_GROUP_NORMALIZATION => {
            let groups = int_attr(a, "num_groups", 1).max(1) as usize;
            let d = x.shape.dims();
            let per_group: usize = d[1] / groups * d[2..].iter().product::<usize>();
            let grouped = reshape(m, block, operands[0], &[d[0], groups, per_group])?;
            let y = standardize(m, block, grouped, &[2], eps)?;
            let y = reshape(m, block, y, d)?;
            channel_affine(m, block, y, operands[1], operands[2])?
        }
        ops::GRAPH_MEAN_VARIANCE_NORMALIZATION => {
            let axes: Vec<usize> = match a.get("axes") {
                Some(Attribute::I64Array(v)) => v
                    .iter()
                    .map(|&ax| normalize_axis(ax, rank))
                    .collect::<Result<_, _>>()?,
                _ => vec![0, 2, 3],
            };
            let red = attrs(&[
                (
                    "axes",
                    Attribute::I64Array(axes.iter().map(|&v| v as i64).collect()),
                ),
                ("keepdims", Attribute::Int(1)),
            ]);
            let xv = operands[0];
            let mean = op(m, block, ops::GRAPH_REDUCE_MEAN, &[xv], red.clone())?;
            let sq = op(m, block, ops::GRAPH_MUL, &[xv, xv], Attrs::new())?;
            let mean_sq = op(m, block, ops::GRAPH_REDUCE_MEAN, &[sq], red)?;
            let mm = op(m, block, ops::GRAPH_MUL, &[mean, mean], Attrs::new())?;
            let var = op(m, block, ops::GRAPH_SUB, &[mean_sq, mm], Attrs::new())?;
            let zero = scalar(m, block, 0.0, x.elem)?;
            let var = op(m, block, ops::GRAPH_MAX, &[var, zero], Attrs::new())?;
            let sd = op(m, block, ops::GRAPH_SQRT, &[var], Attrs::new())?;
            let tiny = scalar(m, block, 1e-9, x.elem)?;
            let sd = op(m, block, ops::GRAPH_ADD, &[sd, tiny], Attrs::new())?;
            let centered = op(m, block, ops::GRAPH_SUB, &[xv, mean], Attrs::new())?;
            op(m, block, ops::GRAPH_DIV, &[centered, sd], Attrs::new())?
        }
        ops::GRAPH_LP_NORMALIZATION => {
            let axis = normalize_axis(int_attr(a, "axis", -1), rank)?;
            let reduce = if int_attr(a, "p", 2) == 1 {
                ops::GRAPH_REDUCE_L1
            } else {
                ops::GRAPH_REDUCE_L2
            };
            let red = attrs(&[
                ("axes", Attribute::I64Array(vec![axis as i64])),
                ("keepdims", Attribute::Int(1)),
            ]);
            let norm = op(m, block, reduce, &operands[..1], red)?;
            let zero = scalar(m, block, 0.0, x.elem)?;
            let is_zero = op(m, block, ops::GRAPH_EQUAL, &[norm, zero], Attrs::new())?;
            let q = op(m, block, ops::GRAPH_DIV, &[operands[0], norm], Attrs::new())?;
            op(
                m,
                block,
                ops::GRAPH_WHERE,
                &[is_zero, zero, q],
                Attrs::new(),
            )?
        }
        ops::GRAPH_LRN => {
            // The sum of squares over a window of channels, then x / (bias + alpha/size *
            // sum)^beta.
            let size = int_attr(a, "size", 1).max(1) as usize;
            let sq = op(
                m,
                block,
                ops::GRAPH_MUL,
                &[operands[0], operands[0]],
                Attrs::new(),
            )?;
            let sum = super::indexed::channel_window_sum(m, block, sq, x, size)?;
            let k = scalar(m, block, float_attr(a, "alpha", 1e-4) / size as f64, x.elem)?;
            let bias = scalar(m, block, float_attr(a, "bias", 1.0), x.elem)?;
            let beta = scalar(m, block, float_attr(a, "beta", 0.75), x.elem)?;
            let scaled = op(m, block, ops::GRAPH_MUL, &[sum, k], Attrs::new())?;
            let base = op(m, block, ops::GRAPH_ADD, &[scaled, bias], Attrs::new())?;
            let den = op(m, block, ops::GRAPH_POW, &[base, beta], Attrs::new())?;
            op(m, block, ops::GRAPH_DIV, &[operands[0], den], Attrs::new())?
        }
        _ => return Ok(None),
    };
    Ok(Some(vec![y]))
}

/// `saturate(round(x / scale) + zero_point)`: the division in x's type, the sum and the
/// clamp in f32 (or f64), where the rounded quotient and any 8- or 16-bit zero point add
/// exactly.
fn quantize(
    m: &mut Module,
    block: BlockId,
    x: ValueId,
    scale: ValueId,
    zp: ValueId,
    saturate: i64,
) -> Result<ValueId, crate::pass::PassError> {
    let xe = m.tensor_type(x)?.elem;
    let ze = m.tensor_type(zp)?.elem;
    let ct = strata_ir::graph::quant::float_compute_type(xe);
    if ze.is_storage_float() {
        // A float8 quantization is the quotient converted; e2m1 adds its zero point.
        let q = op(m, block, ops::GRAPH_DIV, &[x, scale], Attrs::new())?;
        let mut q = cast(m, block, q, ct)?;
        if ze == ElementType::F4E2M1 {
            let z = cast(m, block, zp, ct)?;
            q = op(m, block, ops::GRAPH_ADD, &[q, z], Attrs::new())?;
        }
        return op(
            m,
            block,
            ops::GRAPH_CAST,
            &[q],
            attrs(&[
                ("to", Attribute::Type(Type::Scalar(ze))),
                ("saturate", Attribute::Int(saturate)),
            ]),
        );
    }
    let (lo, hi) =
        strata_ir::graph::quant::int_range(ze).ok_or_else(|| format!("cannot quantize to {ze}"))?;
    let q = op(m, block, ops::GRAPH_DIV, &[x, scale], Attrs::new())?;
    let r = op(m, block, ops::GRAPH_ROUND, &[q], Attrs::new())?;
    let r = cast(m, block, r, ct)?;
    let z = cast(m, block, zp, ct)?;
    let s = op(m, block, ops::GRAPH_ADD, &[r, z], Attrs::new())?;
    let bound = |v: f64| Attribute::Dense(Tensor::from_f64s(ct, Shape::scalar(), &[v]));
    let c = op(
        m,
        block,
        ops::GRAPH_CLIP,
        &[s],
        attrs(&[("min", bound(lo)), ("max", bound(hi))]),
    )?;
    cast(m, block, c, ze)
}

pub(super) fn cast(
    m: &mut Module,
    block: BlockId,
    v: ValueId,
    to: ElementType,
) -> Result<ValueId, crate::pass::PassError> {
    if m.tensor_type(v)?.elem == to {
        return Ok(v);
    }
    op(
        m,
        block,
        ops::GRAPH_CAST,
        &[v],
        attrs(&[("to", Attribute::Type(Type::Scalar(to)))]),
    )
}

/// Lowers the quantization ops by their definitions (`strata_ir::graph::quant`), after
/// the e-graph so that no algebraic rewrite (a division by a constant turned into a
/// multiply) changes their rounding; `None` for other ops.
pub(super) fn lower_quant(
    m: &mut Module,
    block: BlockId,
    name: OpName,
    operands: &[ValueId],
    op_attrs: &Attrs,
) -> Result<Option<Vec<ValueId>>, crate::pass::PassError> {
    Ok(Some(match name {
        ops::GRAPH_QUANTIZE_LINEAR => {
            let saturate = match op_attrs.get("saturate") {
                Some(Attribute::Int(s)) => *s,
                _ => 1,
            };
            vec![quantize(
                m,
                block,
                operands[0],
                operands[1],
                operands[2],
                saturate,
            )?]
        }
        ops::GRAPH_DEQUANTIZE_LINEAR if m.tensor_type(operands[0])?.elem.is_storage_float() => {
            let se = m.tensor_type(operands[1])?.elem;
            let ct = strata_ir::graph::quant::dequantize_compute_type(se);
            let x = cast(m, block, operands[0], ct)?;
            let s = cast(m, block, operands[1], ct)?;
            let y = op(m, block, ops::GRAPH_MUL, &[x, s], Attrs::new())?;
            vec![cast(m, block, y, se)?]
        }
        ops::GRAPH_DEQUANTIZE_LINEAR => {
            let se = m.tensor_type(operands[1])?.elem;
            let ct = strata_ir::graph::quant::dequantize_compute_type(se);
            // The difference in i32 is exact for every quantized type; its one rounding
            // is the conversion to the compute type.
            let x = cast(m, block, operands[0], ElementType::I32)?;
            let z = cast(m, block, operands[2], ElementType::I32)?;
            let d = op(m, block, ops::GRAPH_SUB, &[x, z], Attrs::new())?;
            let d = cast(m, block, d, ct)?;
            let s = cast(m, block, operands[1], ct)?;
            let y = op(m, block, ops::GRAPH_MUL, &[d, s], Attrs::new())?;
            vec![cast(m, block, y, se)?]
        }
        ops::GRAPH_DYNAMIC_QUANTIZE_LINEAR => {
            let x = operands[0];
            let all = |m: &mut Module, name: OpName| {
                op(
                    m,
                    block,
                    name,
                    &[x],
                    attrs(&[("keepdims", Attribute::Int(0))]),
                )
            };
            let f32 = ElementType::F32;
            let zero = scalar(m, block, 0.0, f32)?;
            let max = all(m, ops::GRAPH_REDUCE_MAX)?;
            let max = op(m, block, ops::GRAPH_MAX, &[max, zero], Attrs::new())?;
            let min = all(m, ops::GRAPH_REDUCE_MIN)?;
            let min = op(m, block, ops::GRAPH_MIN, &[min, zero], Attrs::new())?;
            let range = op(m, block, ops::GRAPH_SUB, &[max, min], Attrs::new())?;
            let flat = op(m, block, ops::GRAPH_EQUAL, &[max, min], Attrs::new())?;
            let one = scalar(m, block, 1.0, f32)?;
            let range = op(
                m,
                block,
                ops::GRAPH_WHERE,
                &[flat, one, range],
                Attrs::new(),
            )?;
            let levels = scalar(m, block, 255.0, f32)?;
            let scale = op(m, block, ops::GRAPH_DIV, &[range, levels], Attrs::new())?;
            let lift = op(m, block, ops::GRAPH_DIV, &[min, scale], Attrs::new())?;
            let zp = op(m, block, ops::GRAPH_NEG, &[lift], Attrs::new())?;
            let bound = |v: f64| Attribute::Dense(Tensor::scalar(v as f32));
            let zp = op(
                m,
                block,
                ops::GRAPH_CLIP,
                &[zp],
                attrs(&[("min", bound(0.0)), ("max", bound(255.0))]),
            )?;
            let zp = op(m, block, ops::GRAPH_ROUND, &[zp], Attrs::new())?;
            let zp = cast(m, block, zp, ElementType::U8)?;
            let y = quantize(m, block, x, scale, zp, 1)?;
            vec![y, scale, zp]
        }
        _ => return Ok(None),
    }))
}
