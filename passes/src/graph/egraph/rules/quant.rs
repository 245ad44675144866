//! Quantized chains: fold `DequantizeLinear → op → QuantizeLinear` into the op on the
//! integers, where the arithmetic is exact (onnxruntime's QDQ format writes every moved
//! or rectified tensor this way).
//!
//! Everything rests on one fact: quantizing a dequantized integer with the same scale and
//! zero point gives the integer back, when the scale is a normal number of its float type,
//! the product cannot overflow, and the integers are few enough that the two roundings
//! (`(q - z)·s`, then `/ s`) stay within a quarter of one: `|q - z| < 2^(p-2)` for a
//! `p`-bit significand. Data movement commutes with an elementwise map whose scale and
//! zero point are one value each, and Relu commutes with a dequantization of positive
//! scale as `max(q, z)`.

use super::*;
use egg::{ConditionalApplier, Pattern};
use strata_ir::graph::quant::int_range;
use strata_ir::ops;
use strata_ir::{ElementType, OpName, Shape};

/// The significand bits, least normal and greatest finite magnitude of a float type.
fn float_params(e: ElementType) -> Option<(i32, f64, f64)> {
    Some(match e {
        ElementType::F64 => (53, f64::MIN_POSITIVE, f64::MAX),
        ElementType::F32 => (24, f32::MIN_POSITIVE as f64, f32::MAX as f64),
        ElementType::F16 => (11, 2f64.powi(-14), 65504.0),
        ElementType::BF16 => (8, f32::MIN_POSITIVE as f64, 3.389_531_389_251_535_5e38),
        _ => return None,
    })
}

/// Condition: dequantizing any `?q` with scale `?s` (a constant) and quantizing it back
/// with the same scale and zero point gives `?q` (see the module's note).
fn round_trips(eg: &mut GraphEGraph, _: Id, s: &Subst) -> bool {
    let (Some(q), Some(scale)) = (ty_of(eg, s, "?q"), constant_of(eg, s, "?s")) else {
        return false;
    };
    let Some((lo, hi)) = int_range(q.elem).filter(|_| !q.elem.is_storage_float()) else {
        return false;
    };
    let Some((p, min_normal, max_finite)) = float_params(scale.elem()) else {
        return false;
    };
    let width = hi - lo;
    width < 2f64.powi(p - 2)
        && scale.numel() > 0
        && scale
            .all_f64(|v| v.is_finite() && v.abs() >= min_normal && v.abs() * width <= max_finite)
}

/// Condition: the scale and the zero point are one value each (a per-tensor quantization).
fn per_tensor(eg: &mut GraphEGraph, _: Id, s: &Subst) -> bool {
    let one = |v: &str| constant_of(eg, s, v).is_some_and(|t| t.numel() == 1);
    one("?s") && one("?z")
}

/// Condition: every scale is positive (dequantization is increasing).
fn positive_scale(eg: &mut GraphEGraph, _: Id, s: &Subst) -> bool {
    constant_of(eg, s, "?s").is_some_and(|t| t.numel() > 0 && t.all_f64(|v| v > 0.0))
}

/// Condition: `?q` holds a type integer arithmetic computes with (not a storage type).
fn computed_int(eg: &mut GraphEGraph, _: Id, s: &Subst) -> bool {
    ty_of(eg, s, "?q").is_some_and(|t| t.elem.is_int() && !t.elem.is_storage())
}

/// `(graph.dequantize_linear ?q ?s ?z)`.
const DQ: &str = "(graph.dequantize_linear ?q ?s ?z)";

/// The data-movement ops a per-tensor QDQ pair folds through, each with its rule's name
/// and the one with attributes (`None` for ops that always have some).
const MOVEMENT: &[(OpName, &str, Option<&str>)] = &[
    (ops::GRAPH_RESHAPE, "qdq-reshape", None),
    (
        ops::GRAPH_FLATTEN,
        "qdq-flatten",
        Some("qdq-flatten-default"),
    ),
    (ops::GRAPH_SQUEEZE, "qdq-squeeze", None),
    (ops::GRAPH_UNSQUEEZE, "qdq-unsqueeze", None),
    (
        ops::GRAPH_TRANSPOSE,
        "qdq-transpose",
        Some("qdq-transpose-default"),
    ),
    (ops::GRAPH_EXPAND, "qdq-expand", None),
    (ops::GRAPH_SLICE, "qdq-slice", None),
    (ops::GRAPH_GATHER, "qdq-gather", Some("qdq-gather-default")),
];

/// A random quantized integer input: its type, a scale (now and then one the fold must
/// refuse: zero, subnormal, or large enough to overflow) and an in-range zero point.
fn quantized(
    b: &mut SampleBuilder,
    elem: Option<ElementType>,
    per_tensor: bool,
) -> (ValueId, ValueId, ValueId) {
    const ELEMS: [ElementType; 5] = [
        ElementType::I8,
        ElementType::U8,
        ElementType::I16,
        ElementType::U16,
        ElementType::I4,
    ];
    let elem = elem.unwrap_or_else(|| ELEMS[b.below(ELEMS.len())]);
    let float = [
        ElementType::F32,
        ElementType::F16,
        ElementType::F64,
        ElementType::BF16,
    ][b.below(4)];
    let shape = b.shape(3);
    let q = b.input(TensorType::new(shape.clone(), elem));
    let (lo, hi) = int_range(elem).expect("integer types");
    let scale_shape = if per_tensor {
        Shape::scalar()
    } else {
        b.broadcastable(&shape)
    };
    let n = scale_shape.numel();
    let scales: Vec<f64> = (0..n)
        .map(|_| match b.below(12) {
            0 => 0.0,
            1 => 1e-300,
            2 => 1e30,
            3 => -0.25,
            k => 2f64.powi(k as i32 - 8) * (1.0 + b.below(100) as f64 / 100.0),
        })
        .collect();
    let s = b.constant(Tensor::from_f64s(float, scale_shape.clone(), &scales));
    let zeros: Vec<f64> = (0..n)
        .map(|_| lo + b.below((hi - lo) as usize + 1) as f64)
        .collect();
    let z = b.constant(Tensor::from_f64s(elem, scale_shape, &zeros));
    (q, s, z)
}

/// Random attributes for data-movement op `op` on a value of `shape`, and for Gather the
/// indices operand.
fn movement_args(
    b: &mut SampleBuilder,
    op: OpName,
    shape: &Shape,
    with_attrs: bool,
) -> (Vec<(&'static str, Attribute)>, Option<ValueId>) {
    let dims = shape.dims();
    let rank = dims.len();
    let ints = |v: Vec<usize>| Attribute::I64Array(v.into_iter().map(|d| d as i64).collect());
    let attrs = match op {
        ops::GRAPH_RESHAPE => vec![("shape", ints(vec![1, shape.numel()]))],
        ops::GRAPH_FLATTEN if with_attrs => {
            vec![("axis", Attribute::Int(b.below(rank + 1) as i64))]
        }
        ops::GRAPH_SQUEEZE => vec![("axes", ints(vec![]))],
        ops::GRAPH_UNSQUEEZE => vec![("axes", ints(vec![b.below(rank + 1)]))],
        ops::GRAPH_TRANSPOSE if with_attrs => {
            let mut p: Vec<usize> = (0..rank).collect();
            for i in (1..rank).rev() {
                let j = b.below(i + 1);
                p.swap(i, j);
            }
            vec![("perm", ints(p))]
        }
        ops::GRAPH_EXPAND => {
            let mut d = vec![2];
            d.extend(
                dims.iter()
                    .map(|&x| if x == 1 { 1 + b.below(3) } else { x }),
            );
            vec![("shape", ints(d))]
        }
        ops::GRAPH_SLICE => {
            let axis = b.below(rank);
            let start = b.below(dims[axis]);
            let end = start + 1 + b.below(dims[axis] - start);
            vec![
                ("starts", ints(vec![start])),
                ("ends", ints(vec![end])),
                ("axes", ints(vec![axis])),
            ]
        }
        ops::GRAPH_GATHER if with_attrs => {
            vec![("axis", Attribute::Int(b.below(rank) as i64))]
        }
        _ => vec![],
    };
    let indices = (op == ops::GRAPH_GATHER).then(|| {
        let axis = match attrs.first() {
            Some((_, Attribute::Int(a))) => *a as usize,
            _ => 0,
        };
        let k = 1 + b.below(3);
        let idx: Vec<f64> = (0..k).map(|_| b.below(dims[axis]) as f64).collect();
        b.constant(Tensor::from_f64s(ElementType::I64, Shape::new([k]), &idx))
    });
    (attrs, indices)
}

/// `Q(op(DQ(q)))` for movement op `op`, with or without attributes.
fn movement_sample(
    b: &mut SampleBuilder,
    op: OpName,
    with_attrs: bool,
) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let per_tensor = b.below(4) != 0;
    let (q, s, z) = quantized(b, None, per_tensor);
    let shape = b.type_of(q).shape;
    let d = b.op(ops::GRAPH_DEQUANTIZE_LINEAR, &[q, s, z], &[])?;
    let (attrs, indices) = movement_args(b, op, &shape, with_attrs);
    let mut operands = vec![d];
    operands.extend(indices);
    let m = b.op(op, &operands, &attrs)?;
    Ok(vec![b.op(ops::GRAPH_QUANTIZE_LINEAR, &[m, s, z], &[])?])
}

/// A rule from patterns and conditions (the names of the movement rules are not literals).
fn conditional(
    name: &'static str,
    reason: &'static str,
    lhs: &str,
    rhs: &str,
    conditions: &'static [fn(&mut GraphEGraph, Id, &Subst) -> bool],
    sample: impl Fn(&mut SampleBuilder) -> Result<Vec<ValueId>, crate::pass::PassError>
        + Send
        + Sync
        + 'static,
) -> Rule {
    let searcher: Pattern<GraphNode> = lhs.parse().expect("rule patterns parse");
    let applier: Pattern<GraphNode> = rhs.parse().expect("rule patterns parse");
    let condition =
        move |eg: &mut GraphEGraph, id: Id, s: &Subst| conditions.iter().all(|c| c(eg, id, s));
    Rule {
        name,
        reason,
        rewrite: Rewrite::new(name, searcher, ConditionalApplier { condition, applier })
            .expect("rule is well-formed"),
        sample: sampler(sample),
    }
}

/// Condition: `?a` sets only `saturate`, and `?z` is an integer zero point (`saturate`
/// concerns float8 results only).
fn saturate_only_for_ints(eg: &mut GraphEGraph, _: Id, s: &Subst) -> bool {
    let ints = ty_of(eg, s, "?z").is_some_and(|t| int_range(t.elem).is_some());
    ints && attrs_of(eg, s, "?a").is_some_and(|a| a.attrs().keys().all(|k| k == "saturate"))
}

pub fn rules() -> Vec<Rule> {
    let mut rules = vec![
        conditional(
            "quantize-int-saturate",
            "saturate only changes float8 quantization: drop it for integers, so one pattern covers both forms",
            "(graph.quantize_linear ?x ?s ?z ?a)",
            "(graph.quantize_linear ?x ?s ?z)",
            &[saturate_only_for_ints],
            |b| {
                let per_tensor = b.flip();
                let (q, s, z) = quantized(b, None, per_tensor);
                let d = b.op(ops::GRAPH_DEQUANTIZE_LINEAR, &[q, s, z], &[])?;
                // Anything float: the dequantized values, moved off their grid.
                let x = b.op(ops::GRAPH_NEG, &[d], &[])?;
                let saturate = Attribute::Int(b.below(2) as i64);
                Ok(vec![b.op(
                    ops::GRAPH_QUANTIZE_LINEAR,
                    &[x, s, z],
                    &[("saturate", saturate)],
                )?])
            },
        ),
        conditional(
            "dq-q",
            "quantizing a dequantized integer with its own scale and zero point gives it back",
            &format!("(graph.quantize_linear {DQ} ?s ?z)"),
            "?q",
            &[round_trips],
            |b| {
                let per_tensor = b.flip();
                let (q, s, z) = quantized(b, None, per_tensor);
                let d = b.op(ops::GRAPH_DEQUANTIZE_LINEAR, &[q, s, z], &[])?;
                Ok(vec![b.op(ops::GRAPH_QUANTIZE_LINEAR, &[d, s, z], &[])?])
            },
        ),
        conditional(
            "qdq-relu",
            "Relu between a dequantization of positive scale and its requantization is max(q, z)",
            &format!("(graph.quantize_linear (graph.relu {DQ}) ?s ?z)"),
            "(graph.max ?q ?z)",
            &[round_trips, positive_scale, computed_int],
            |b| {
                let elem = [ElementType::I8, ElementType::U8, ElementType::I16][b.below(3)];
                let per_tensor = b.flip();
                let (q, s, z) = quantized(b, Some(elem), per_tensor);
                let d = b.op(ops::GRAPH_DEQUANTIZE_LINEAR, &[q, s, z], &[])?;
                let r = b.op(ops::GRAPH_RELU, &[d], &[])?;
                Ok(vec![b.op(ops::GRAPH_QUANTIZE_LINEAR, &[r, s, z], &[])?])
            },
        ),
    ];
    rules.push(conditional(
        "qdq-max-pool",
        "MaxPool commutes with a dequantization of positive scale: pool the integers",
        &format!("(graph.quantize_linear (graph.max_pool {DQ} ?a) ?s ?z)"),
        "(graph.max_pool ?q ?a)",
        &[round_trips, per_tensor, positive_scale, computed_int],
        |b| {
            let elem = [ElementType::I8, ElementType::U8][b.below(2)];
            let (c, k) = (1 + b.below(3), 1 + b.below(3));
            let (h, w) = (k + b.below(4), k + b.below(4));
            let q = b.input(TensorType::new(vec![1, c, h, w], elem));
            let float = [ElementType::F32, ElementType::F16][b.below(2)];
            let scale = match b.below(6) {
                0 => -0.5,
                k => 2f64.powi(k as i32 - 4),
            };
            let s = b.constant(Tensor::from_f64s(float, Shape::scalar(), &[scale]));
            let (lo, hi) = int_range(elem).expect("integer types");
            let zp = lo + b.below((hi - lo) as usize + 1) as f64;
            let z = b.constant(Tensor::from_f64s(elem, Shape::scalar(), &[zp]));
            let d = b.op(ops::GRAPH_DEQUANTIZE_LINEAR, &[q, s, z], &[])?;
            let pad = b.below(k) as i64;
            let stride = 1 + b.below(2) as i64;
            let m = b.op(
                ops::GRAPH_MAX_POOL,
                &[d],
                &[
                    ("kernel_shape", Attribute::I64Array(vec![k as i64; 2])),
                    ("pads", Attribute::I64Array(vec![pad; 4])),
                    ("strides", Attribute::I64Array(vec![stride; 2])),
                ],
            )?;
            Ok(vec![b.op(ops::GRAPH_QUANTIZE_LINEAR, &[m, s, z], &[])?])
        },
    ));
    for &(op, name, default_name) in MOVEMENT {
        let extra = if op == ops::GRAPH_GATHER { " ?i" } else { "" };
        rules.push(conditional(
            name,
            "data movement between a per-tensor dequantization and its requantization moves the integers",
            &format!("(graph.quantize_linear ({op} {DQ}{extra} ?a) ?s ?z)"),
            &format!("({op} ?q{extra} ?a)"),
            &[round_trips, per_tensor],
            move |b| movement_sample(b, op, true),
        ));
        if let Some(default_name) = default_name {
            rules.push(conditional(
                default_name,
                "data movement (default attributes) between a per-tensor dequantization and its requantization moves the integers",
                &format!("(graph.quantize_linear ({op} {DQ}{extra}) ?s ?z)"),
                &format!("({op} ?q{extra})"),
                &[round_trips, per_tensor],
                move |b| movement_sample(b, op, false),
            ));
        }
    }
    rules
}
