//! Reductions and ops along an axis: the ReduceX table, ArgMax/ArgMin, Softmax family,
//! CumSum and TopK.

use super::OpArgs;
use crate::ops;
use crate::ops::OpName;
use crate::tensor::Tensor;
use crate::types::{normalize_axis, ElementType, Shape, TensorType};

/// Reduces integers, given the element type's (min, max) for empty reductions.
pub type IntReduceFn = fn(&[i64], (i64, i64)) -> i64;

/// A reduction: how to combine the reduced elements, in floats and in integers.
pub struct ReduceDef {
    pub name: OpName,
    pub onnx: &'static str,
    pub float: fn(&[f64]) -> f64,
    /// Integer reduction given the element type's (min, max); `None` computes in `f64`.
    pub int: Option<IntReduceFn>,
}

fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m.is_infinite() {
        return v.iter().map(|x| x.exp()).sum::<f64>().ln();
    }
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// Every reduction of the graph dialect.
pub static REDUCE_OPS: &[ReduceDef] = &[
    ReduceDef {
        name: ops::GRAPH_REDUCE_SUM,
        onnx: "ReduceSum",
        float: |v| v.iter().sum(),
        int: Some(|v, _| v.iter().fold(0i64, |a, &b| a.wrapping_add(b))),
    },
    ReduceDef {
        name: ops::GRAPH_REDUCE_MEAN,
        onnx: "ReduceMean",
        float: |v| v.iter().sum::<f64>() / v.len() as f64,
        int: Some(|v, _| {
            if v.is_empty() {
                0
            } else {
                v.iter().sum::<i64>() / v.len() as i64
            }
        }),
    },
    ReduceDef {
        name: ops::GRAPH_REDUCE_MAX,
        onnx: "ReduceMax",
        float: |v| {
            v.iter().copied().fold(f64::NEG_INFINITY, |a, b| {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else {
                    a.max(b)
                }
            })
        },
        int: Some(|v, (lo, _)| v.iter().copied().fold(lo, i64::max)),
    },
    ReduceDef {
        name: ops::GRAPH_REDUCE_MIN,
        onnx: "ReduceMin",
        float: |v| {
            v.iter().copied().fold(f64::INFINITY, |a, b| {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else {
                    a.min(b)
                }
            })
        },
        int: Some(|v, (_, hi)| v.iter().copied().fold(hi, i64::min)),
    },
    ReduceDef {
        name: ops::GRAPH_REDUCE_PROD,
        onnx: "ReduceProd",
        float: |v| v.iter().product(),
        int: Some(|v, _| v.iter().fold(1i64, |a, &b| a.wrapping_mul(b))),
    },
    ReduceDef {
        name: ops::GRAPH_REDUCE_L1,
        onnx: "ReduceL1",
        float: |v| v.iter().map(|x| x.abs()).sum(),
        int: Some(|v, _| v.iter().map(|x| x.wrapping_abs()).sum()),
    },
    ReduceDef {
        name: ops::GRAPH_REDUCE_L2,
        onnx: "ReduceL2",
        float: |v| v.iter().map(|x| x * x).sum::<f64>().sqrt(),
        int: None,
    },
    ReduceDef {
        name: ops::GRAPH_REDUCE_LOG_SUM,
        onnx: "ReduceLogSum",
        float: |v| v.iter().sum::<f64>().ln(),
        int: None,
    },
    ReduceDef {
        name: ops::GRAPH_REDUCE_LOG_SUM_EXP,
        onnx: "ReduceLogSumExp",
        float: log_sum_exp,
        int: None,
    },
    ReduceDef {
        name: ops::GRAPH_REDUCE_SUM_SQUARE,
        onnx: "ReduceSumSquare",
        float: |v| v.iter().map(|x| x * x).sum(),
        int: Some(|v, _| {
            v.iter()
                .fold(0i64, |a, &b| a.wrapping_add(b.wrapping_mul(b)))
        }),
    },
];

/// Flat offsets of every row-major position over `dims` with the given `strides`.
pub(crate) fn offsets(dims: &[usize], strides: &[usize]) -> Vec<usize> {
    let n: usize = dims.iter().product();
    let mut out = Vec::with_capacity(n);
    let mut idx = vec![0usize; dims.len()];
    let mut flat = 0usize;
    for _ in 0..n {
        out.push(flat);
        for d in (0..dims.len()).rev() {
            idx[d] += 1;
            flat += strides[d];
            if idx[d] < dims[d] {
                break;
            }
            flat -= strides[d] * idx[d];
            idx[d] = 0;
        }
    }
    out
}

/// Splits a shape into kept and reduced axes: offsets of each kept position and of each
/// reduced position, so element (k, r) is at `kept[k] + reduced[r]`.
pub(crate) fn split_axes(shape: &Shape, axes: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let strides = shape.strides();
    let (mut kd, mut ks, mut rd, mut rs) = (vec![], vec![], vec![], vec![]);
    for (i, &d) in shape.dims().iter().enumerate() {
        if axes.contains(&i) {
            rd.push(d);
            rs.push(strides[i]);
        } else {
            kd.push(d);
            ks.push(strides[i]);
        }
    }
    (offsets(&kd, &ks), offsets(&rd, &rs))
}

fn reduce_axes(a: &OpArgs, rank: usize) -> Result<Vec<usize>, crate::IrError> {
    let axes = a.ints_opt("axes")?.unwrap_or_default();
    if axes.is_empty() {
        return Ok((0..rank).collect());
    }
    let mut out = Vec::new();
    for ax in axes {
        let n = normalize_axis(ax, rank)?;
        if out.contains(&n) {
            return Err(format!("axis {ax} is listed twice").into());
        }
        out.push(n);
    }
    Ok(out)
}

fn reduced_shape(shape: &Shape, axes: &[usize], keepdims: bool) -> Shape {
    Shape::new(shape.dims().iter().enumerate().filter_map(|(i, &d)| {
        if axes.contains(&i) {
            keepdims.then_some(1)
        } else {
            Some(d)
        }
    }))
}

pub fn infer_reduce(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let t = a.input(0);
    let logical = matches!(a.name, ops::GRAPH_REDUCE_MAX | ops::GRAPH_REDUCE_MIN);
    if t.elem == ElementType::Bool && !logical {
        return Err(format!("'{}' does not accept i1 operands", a.name).into());
    }
    let axes = reduce_axes(a, t.shape.rank())?;
    let keep = a.int_or("keepdims", 1)? != 0;
    Ok(vec![TensorType::new(
        reduced_shape(&t.shape, &axes, keep),
        t.elem,
    )])
}

fn int_bounds(e: ElementType) -> (i64, i64) {
    match e {
        ElementType::Bool => (0, 1),
        // u64 is reduced with its sign bit flipped (see `eval_reduce`).
        ElementType::U64 => (i64::MIN, i64::MAX),
        _ => e
            .int_limits()
            .map_or((i64::MIN, i64::MAX), |(lo, hi)| (lo as i64, hi as i64)),
    }
}

pub fn eval_reduce(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let def = REDUCE_OPS
        .iter()
        .find(|d| d.name == a.name)
        .ok_or_else(|| format!("'{}' is not a reduction", a.name))?;
    let t = x[0];
    let axes = reduce_axes(a, t.shape().rank())?;
    let keep = a.int_or("keepdims", 1)? != 0;
    let out_shape = reduced_shape(t.shape(), &axes, keep);
    let (kept, red) = split_axes(t.shape(), &axes);
    let out = match def.int {
        Some(f) if !t.elem().is_float() => {
            // Flipping u64's top bit makes i64 order its order, for max and min.
            let flip = if t.elem() == ElementType::U64
                && matches!(def.name, ops::GRAPH_REDUCE_MAX | ops::GRAPH_REDUCE_MIN)
            {
                i64::MIN
            } else {
                0
            };
            let v: Vec<i64> = t.to_i64s().into_iter().map(|v| v ^ flip).collect();
            let bounds = int_bounds(t.elem());
            let mut buf = Vec::with_capacity(red.len());
            let r: Vec<i64> = kept
                .iter()
                .map(|&k| {
                    buf.clear();
                    buf.extend(red.iter().map(|&o| v[k + o]));
                    f(&buf, bounds) ^ flip
                })
                .collect();
            Tensor::from_i64s(t.elem(), out_shape, &r)
        }
        _ => {
            let v = t.to_f64s();
            let mut buf = Vec::with_capacity(red.len());
            let r: Vec<f64> = kept
                .iter()
                .map(|&k| {
                    buf.clear();
                    buf.extend(red.iter().map(|&o| v[k + o]));
                    (def.float)(&buf)
                })
                .collect();
            Tensor::from_f64s(t.elem(), out_shape, &r)
        }
    };
    Ok(vec![out])
}

pub fn infer_arg(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let t = a.input(0);
    if t.elem == ElementType::Bool {
        return Err(format!("'{}' does not accept i1 operands", a.name).into());
    }
    let axis = normalize_axis(a.int_or("axis", 0)?, t.shape.rank())?;
    let keep = a.int_or("keepdims", 1)? != 0;
    Ok(vec![TensorType::new(
        reduced_shape(&t.shape, &[axis], keep),
        ElementType::I64,
    )])
}

pub fn eval_arg(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let t = x[0];
    let axis = normalize_axis(a.int_or("axis", 0)?, t.shape().rank())?;
    let keep = a.int_or("keepdims", 1)? != 0;
    let last = a.int_or("select_last_index", 0)? != 0;
    let is_max = a.name == ops::GRAPH_ARG_MAX;
    let v = t.to_f64s();
    let (kept, red) = split_axes(t.shape(), &[axis]);
    let r: Vec<i64> = kept
        .iter()
        .map(|&k| {
            let mut best = 0usize;
            for (j, &o) in red.iter().enumerate().skip(1) {
                let (cur, b) = (v[k + o], v[k + red[best]]);
                let better = if is_max { cur > b } else { cur < b };
                if better || (last && cur == b) {
                    best = j;
                }
            }
            best as i64
        })
        .collect();
    let shape = reduced_shape(t.shape(), &[axis], keep);
    Ok(vec![Tensor::from_i64s(ElementType::I64, shape, &r)])
}

pub fn eval_softmax(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let t = x[0];
    let axis = normalize_axis(a.int_or("axis", -1)?, t.shape().rank())?;
    let (kept, red) = split_axes(t.shape(), &[axis]);
    let v = t.to_f64s();
    let mut out = vec![0.0; v.len()];
    for &k in &kept {
        let m = red
            .iter()
            .map(|&o| v[k + o])
            .fold(f64::NEG_INFINITY, f64::max);
        match a.name {
            ops::GRAPH_HARDMAX => {
                if let Some(first) = red.iter().find(|&&o| v[k + o] == m) {
                    out[k + first] = 1.0;
                }
            }
            name => {
                let sum: f64 = red.iter().map(|&o| (v[k + o] - m).exp()).sum();
                for &o in &red {
                    out[k + o] = if name == ops::GRAPH_LOG_SOFTMAX {
                        v[k + o] - m - sum.ln()
                    } else {
                        (v[k + o] - m).exp() / sum
                    };
                }
            }
        }
    }
    Ok(vec![Tensor::from_f64s(t.elem(), t.shape().clone(), &out)])
}

pub fn eval_cum_sum(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let t = x[0];
    let axis = normalize_axis(a.int("axis")?, t.shape().rank())?;
    let exclusive = a.int_or("exclusive", 0)? != 0;
    let reverse = a.int_or("reverse", 0)? != 0;
    let (kept, red) = split_axes(t.shape(), &[axis]);
    let order: Vec<usize> = if reverse {
        red.iter().rev().copied().collect()
    } else {
        red.clone()
    };
    macro_rules! scan {
        ($v:expr, $zero:expr, $add:expr) => {{
            let v = $v;
            let mut out = v.clone();
            for &k in &kept {
                let mut acc = $zero;
                for &o in &order {
                    let cur = v[k + o];
                    if exclusive {
                        out[k + o] = acc;
                        acc = $add(acc, cur);
                    } else {
                        acc = $add(acc, cur);
                        out[k + o] = acc;
                    }
                }
            }
            out
        }};
    }
    let product = a.name == ops::GRAPH_CUM_PROD;
    let out = if t.elem().is_float() {
        let v = if product {
            scan!(t.to_f64s(), 1.0, |p: f64, q: f64| p * q)
        } else {
            scan!(t.to_f64s(), 0.0, |p: f64, q: f64| p + q)
        };
        Tensor::from_f64s(t.elem(), t.shape().clone(), &v)
    } else {
        let v = if product {
            scan!(t.to_i64s(), 1i64, |p: i64, q: i64| p.wrapping_mul(q))
        } else {
            scan!(t.to_i64s(), 0i64, |p: i64, q: i64| p.wrapping_add(q))
        };
        Tensor::from_i64s(t.elem(), t.shape().clone(), &v)
    };
    Ok(vec![out])
}

pub fn infer_top_k(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let t = a.input(0);
    let axis = normalize_axis(a.int_or("axis", -1)?, t.shape.rank())?;
    let k = a.int("k")?;
    if k < 0 || k as usize > t.shape.dims()[axis] {
        return Err(format!(
            "k = {k} is out of range for axis of size {}",
            t.shape.dims()[axis]
        )
        .into());
    }
    let mut dims = t.shape.dims().to_vec();
    dims[axis] = k as usize;
    Ok(vec![
        TensorType::new(dims.clone(), t.elem),
        TensorType::new(dims, ElementType::I64),
    ])
}

pub fn eval_top_k(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let t = x[0];
    let axis = normalize_axis(a.int_or("axis", -1)?, t.shape().rank())?;
    let k = a.int("k")? as usize;
    let largest = a.int_or("largest", 1)? != 0;
    let v = t.to_f64s();
    let mut dims = t.dims().to_vec();
    dims[axis] = k;
    let out_shape = Shape::new(dims);
    let (kept, red) = split_axes(t.shape(), &[axis]);
    let (okept, ored) = split_axes(&out_shape, &[axis]);
    let mut src = vec![0usize; out_shape.numel()];
    let mut idx = vec![0i64; out_shape.numel()];
    let mut order: Vec<usize> = Vec::with_capacity(red.len());
    for (ki, &kbase) in kept.iter().enumerate() {
        order.clear();
        order.extend(0..red.len());
        // Stable sort: equal values keep the lower index first, as ONNX requires.
        order.sort_by(|&i, &j| {
            let (p, q) = (v[kbase + red[i]], v[kbase + red[j]]);
            let c = p.partial_cmp(&q).unwrap_or(std::cmp::Ordering::Equal);
            if largest {
                c.reverse()
            } else {
                c
            }
        });
        for j in 0..k {
            let pos = okept[ki] + ored[j];
            src[pos] = kbase + red[order[j]];
            idx[pos] = order[j] as i64;
        }
    }
    Ok(vec![
        t.gather_flat(out_shape.clone(), &src),
        Tensor::from_i64s(ElementType::I64, out_shape, &idx),
    ])
}

pub fn eval_lp_normalization(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let t = x[0];
    let axis = normalize_axis(a.int_or("axis", -1)?, t.shape().rank())?;
    let p = a.int_or("p", 2)?;
    if p != 1 && p != 2 {
        return Err(format!("p must be 1 or 2, found {p}").into());
    }
    let (kept, red) = split_axes(t.shape(), &[axis]);
    let v = t.to_f64s();
    let mut out = vec![0.0; v.len()];
    for &k in &kept {
        let norm = if p == 1 {
            red.iter().map(|&o| v[k + o].abs()).sum::<f64>()
        } else {
            red.iter().map(|&o| v[k + o] * v[k + o]).sum::<f64>().sqrt()
        };
        for &o in &red {
            out[k + o] = if norm == 0.0 { 0.0 } else { v[k + o] / norm };
        }
    }
    Ok(vec![Tensor::from_f64s(t.elem(), t.shape().clone(), &out)])
}

/// Softmax, LogSoftmax and Hardmax: float operands and an axis in range.
pub fn infer_softmax(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let t = a.input(0);
    if !t.elem.is_float() {
        return Err(format!("'{}' needs a float operand, found {}", a.name, t.elem).into());
    }
    normalize_axis(a.int_or("axis", -1)?, t.shape.rank())?;
    Ok(vec![t.clone()])
}

/// CumSum and CumProd: numeric operands and an axis in range.
pub fn infer_scan(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let t = a.input(0);
    if t.elem == ElementType::Bool {
        return Err(format!("'{}' does not accept i1 operands", a.name).into());
    }
    normalize_axis(a.int("axis")?, t.shape.rank())?;
    Ok(vec![t.clone()])
}
