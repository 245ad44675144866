//! Data movement: constants, reshapes, transposes, concatenation, slicing, gathers,
//! scatters, padding and friends. Each computes, for every output element, which input
//! element it copies, so values move bit-exactly whatever their type.

use super::reduce::offsets;
use super::shape::{broadcast, broadcast_indices};
use super::OpArgs;
use crate::ops;
use crate::tensor::{Element, Tensor};
use crate::types::{normalize_axis, ElementType, Shape, TensorType};

pub fn infer_constant(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    match a.dense_opt("value")? {
        Some(t) => Ok(vec![t.ty()]),
        None => Err("missing dense attribute 'value'".into()),
    }
}

pub fn eval_constant(a: &OpArgs, _x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let t = a
        .dense_opt("value")?
        .ok_or("missing dense attribute 'value'")?;
    Ok(vec![t.clone()])
}

pub fn infer_reshape(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let t = a.input(0);
    let shape = a.ints("shape")?;
    if shape.iter().any(|&d| d < 0) {
        return Err(format!("reshape target {shape:?} must be fully resolved (no -1)").into());
    }
    let out = Shape::new(shape.iter().map(|&d| d as usize));
    if out.numel() != t.shape.numel() {
        return Err(format!(
            "cannot reshape {:?} ({} elements) to {:?} ({} elements)",
            t.shape.dims(),
            t.shape.numel(),
            out.dims(),
            out.numel()
        )
        .into());
    }
    Ok(vec![TensorType::new(out, t.elem)])
}

/// Evaluates every op that only reinterprets the shape (reshape, flatten, squeeze,
/// unsqueeze, identity).
pub fn eval_reshape(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let ty = super::infer_types(a.name, a.inputs, a.attrs, 1)?.remove(0);
    Ok(vec![x[0].clone().reshape(ty.shape)?])
}

pub fn infer_flatten(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let t = a.input(0);
    let rank = t.shape.rank() as i64;
    let axis = a.int_or("axis", 1)?;
    if axis < -rank || axis > rank {
        return Err(format!("axis {axis} is out of range for rank {rank}").into());
    }
    let axis = if axis < 0 { axis + rank } else { axis } as usize;
    let outer: usize = t.shape.dims()[..axis].iter().product();
    let inner: usize = t.shape.dims()[axis..].iter().product();
    Ok(vec![TensorType::new(vec![outer, inner], t.elem)])
}

pub fn infer_squeeze(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let t = a.input(0);
    let rank = t.shape.rank();
    let axes: Vec<usize> = match a.ints_opt("axes")? {
        Some(axes) if !axes.is_empty() => axes
            .iter()
            .map(|&ax| normalize_axis(ax, rank))
            .collect::<Result<_, _>>()?,
        _ => (0..rank).filter(|&i| t.shape.dims()[i] == 1).collect(),
    };
    for &ax in &axes {
        if t.shape.dims()[ax] != 1 {
            return Err(format!("cannot squeeze axis {ax} of size {}", t.shape.dims()[ax]).into());
        }
    }
    let dims = t
        .shape
        .dims()
        .iter()
        .enumerate()
        .filter(|(i, _)| !axes.contains(i))
        .map(|(_, &d)| d);
    Ok(vec![TensorType::new(Shape::new(dims), t.elem)])
}

pub fn infer_unsqueeze(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let t = a.input(0);
    let axes = a.ints("axes")?;
    let out_rank = t.shape.rank() + axes.len();
    let mut norm = Vec::new();
    for &ax in &axes {
        let n = normalize_axis(ax, out_rank)?;
        if norm.contains(&n) {
            return Err(format!("axis {ax} is listed twice").into());
        }
        norm.push(n);
    }
    let mut src = t.shape.dims().iter();
    let dims: Vec<usize> = (0..out_rank)
        .map(|i| {
            if norm.contains(&i) {
                1
            } else {
                *src.next().unwrap_or(&1)
            }
        })
        .collect();
    Ok(vec![TensorType::new(dims, t.elem)])
}

fn perm_attr(a: &OpArgs, rank: usize) -> Result<Vec<usize>, crate::IrError> {
    match a.ints_opt("perm")? {
        None => Ok((0..rank).rev().collect()),
        Some(p) if p.is_empty() => Ok((0..rank).rev().collect()),
        Some(p) => {
            let mut seen = vec![false; rank];
            let mut out = Vec::with_capacity(rank);
            for &v in &p {
                let n = normalize_axis(v, rank)?;
                if seen[n] {
                    return Err(format!("perm {p:?} is not a permutation of 0..{rank}").into());
                }
                seen[n] = true;
                out.push(n);
            }
            if out.len() != rank {
                return Err(format!("perm {p:?} must have {rank} entries").into());
            }
            Ok(out)
        }
    }
}

/// Permutes the dimensions of `t`: output dimension `i` is input dimension `perm[i]`.
pub fn permute(t: &Tensor, perm: &[usize]) -> Tensor {
    let strides = t.shape().strides();
    let out_dims: Vec<usize> = perm.iter().map(|&p| t.dims()[p]).collect();
    let out_strides: Vec<usize> = perm.iter().map(|&p| strides[p]).collect();
    let src = offsets(&out_dims, &out_strides);
    t.gather_flat(Shape::new(out_dims), &src)
}

pub fn infer_transpose(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let t = a.input(0);
    let perm = perm_attr(a, t.shape.rank())?;
    let dims: Vec<usize> = perm.iter().map(|&p| t.shape.dims()[p]).collect();
    Ok(vec![TensorType::new(dims, t.elem)])
}

pub fn eval_transpose(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let perm = perm_attr(a, x[0].shape().rank())?;
    Ok(vec![permute(x[0], &perm)])
}

fn expand_shape(a: &OpArgs) -> Result<Shape, crate::IrError> {
    let target = a.ints("shape")?;
    if target.iter().any(|&d| d < 0) {
        return Err(format!("expand shape {target:?} has negative dimensions").into());
    }
    let target = Shape::new(target.iter().map(|&d| d as usize));
    broadcast(&[&a.input(0).shape, &target])
}

pub fn infer_expand(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    Ok(vec![TensorType::new(expand_shape(a)?, a.input(0).elem)])
}

pub fn eval_expand(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let shape = expand_shape(a)?;
    let idx = broadcast_indices(&shape, x[0].shape());
    Ok(vec![x[0].gather_flat(shape, &idx)])
}

pub fn infer_concat(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let first = a.input(0);
    let rank = first.shape.rank();
    let axis = normalize_axis(a.int("axis")?, rank)?;
    let mut dims = first.shape.dims().to_vec();
    for (i, t) in a.inputs.iter().enumerate().skip(1) {
        if t.elem != first.elem || t.shape.rank() != rank {
            return Err(format!("operand #{i} ({t}) does not match operand #0 ({first})").into());
        }
        for (d, (&have, &want)) in t.shape.dims().iter().zip(&dims).enumerate() {
            if d != axis && have != want {
                return Err(format!(
                    "operand #{i} ({t}) differs from operand #0 ({first}) outside axis {axis}"
                )
                .into());
            }
        }
        dims[axis] += t.shape.dims()[axis];
    }
    Ok(vec![TensorType::new(dims, first.elem)])
}

pub fn eval_concat(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let ty = infer_concat(a)?.remove(0);
    let axis = normalize_axis(a.int("axis")?, ty.shape.rank())?;
    let outer: usize = ty.shape.dims()[..axis].iter().product();
    let mut parts = Vec::new();
    for o in 0..outer {
        for t in x {
            let run: usize = t.dims()[axis..].iter().product();
            parts.push((*t, o * run, run));
        }
    }
    Ok(vec![Tensor::concat_flat(ty.elem, ty.shape, &parts)])
}

fn split_sizes(a: &OpArgs) -> Result<(usize, Vec<usize>), crate::IrError> {
    let t = a.input(0);
    let axis = normalize_axis(a.int_or("axis", 0)?, t.shape.rank())?;
    let dim = t.shape.dims()[axis];
    let sizes = match a.ints_opt("split")? {
        Some(s) if !s.is_empty() => {
            if s.iter().any(|&v| v < 0)
                || s.iter().sum::<i64>() != dim as i64
                || s.len() != a.num_results
            {
                return Err(format!(
                    "split sizes {s:?} must be {} non-negative sizes adding up to {dim}",
                    a.num_results
                )
                .into());
            }
            s.iter().map(|&v| v as usize).collect()
        }
        _ => {
            let n = a.num_results.max(1);
            let chunk = dim.div_ceil(n);
            (0..n)
                .map(|i| chunk.min(dim.saturating_sub(i * chunk)))
                .collect()
        }
    };
    Ok((axis, sizes))
}

pub fn infer_split(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let t = a.input(0);
    let (axis, sizes) = split_sizes(a)?;
    Ok(sizes
        .iter()
        .map(|&s| {
            let mut dims = t.shape.dims().to_vec();
            dims[axis] = s;
            TensorType::new(dims, t.elem)
        })
        .collect())
}

pub fn eval_split(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let t = x[0];
    let (axis, sizes) = split_sizes(a)?;
    let outer: usize = t.dims()[..axis].iter().product();
    let inner: usize = t.dims()[axis + 1..].iter().product();
    let dim = t.dims()[axis];
    let mut start = 0;
    let mut out = Vec::new();
    for s in sizes {
        let mut dims = t.dims().to_vec();
        dims[axis] = s;
        let parts: Vec<(&Tensor, usize, usize)> = (0..outer)
            .map(|o| (t, (o * dim + start) * inner, s * inner))
            .collect();
        out.push(Tensor::concat_flat(t.elem(), Shape::new(dims), &parts));
        start += s;
    }
    Ok(out)
}

/// Per-axis (start, step, length) of a Slice, with ONNX's clamping rules.
fn slice_plan(a: &OpArgs) -> Result<Vec<(i64, i64, usize)>, crate::IrError> {
    let t = a.input(0);
    let rank = t.shape.rank();
    let starts = a.ints("starts")?;
    let ends = a.ints("ends")?;
    let axes = match a.ints_opt("axes")? {
        Some(v) if !v.is_empty() => v,
        _ => (0..starts.len() as i64).collect(),
    };
    let steps = match a.ints_opt("steps")? {
        Some(v) if !v.is_empty() => v,
        _ => vec![1; starts.len()],
    };
    if ends.len() != starts.len() || axes.len() != starts.len() || steps.len() != starts.len() {
        return Err("starts, ends, axes and steps must have equal lengths".into());
    }
    let mut plan: Vec<(i64, i64, usize)> = t.shape.dims().iter().map(|&d| (0, 1, d)).collect();
    let mut seen = vec![false; rank];
    for i in 0..starts.len() {
        let ax = normalize_axis(axes[i], rank)?;
        if seen[ax] {
            return Err(format!("axis {} is sliced twice", axes[i]).into());
        }
        seen[ax] = true;
        let dim = i64::try_from(t.shape.dims()[ax]).map_err(|_| {
            format!(
                "axis {} of {} elements is too long to slice",
                axes[i],
                t.shape.dims()[ax]
            )
        })?;
        let step = steps[i];
        if step == 0 {
            return Err("slice step cannot be 0".into());
        }
        let fix = |v: i64| if v < 0 { v.saturating_add(dim) } else { v };
        let (start, end) = if step > 0 {
            (fix(starts[i]).clamp(0, dim), fix(ends[i]).clamp(0, dim))
        } else {
            // Not `clamp`: an empty axis makes the range [0, -1].
            (
                fix(starts[i]).max(0).min(dim - 1),
                fix(ends[i]).clamp(-1, dim - 1),
            )
        };
        let span = if step > 0 { end - start } else { start - end };
        let len = (span.max(0) as u64).div_ceil(step.unsigned_abs());
        plan[ax] = (start, step, len as usize);
    }
    Ok(plan)
}

pub fn infer_slice(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let plan = slice_plan(a)?;
    Ok(vec![TensorType::new(
        plan.iter().map(|p| p.2).collect::<Vec<_>>(),
        a.input(0).elem,
    )])
}

pub fn eval_slice(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let t = x[0];
    let plan = slice_plan(a)?;
    let strides = t.shape().strides();
    let dims: Vec<usize> = plan.iter().map(|p| p.2).collect();
    let base: i64 = plan
        .iter()
        .zip(&strides)
        .map(|(p, &s)| p.0 * s as i64)
        .sum();
    let n: usize = dims.iter().product();
    let mut src = Vec::with_capacity(n);
    let mut idx = vec![0usize; dims.len()];
    for _ in 0..n {
        let off: i64 = base
            + idx
                .iter()
                .enumerate()
                .map(|(d, &i)| i as i64 * plan[d].1 * strides[d] as i64)
                .sum::<i64>();
        src.push(off as usize);
        for d in (0..dims.len()).rev() {
            idx[d] += 1;
            if idx[d] < dims[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    Ok(vec![t.gather_flat(Shape::new(dims), &src)])
}

fn require_indices(t: &TensorType, what: &str) -> Result<(), crate::IrError> {
    if !t.elem.is_int() {
        return Err(format!("{what} must be integers, found {}", t.elem).into());
    }
    Ok(())
}

/// Resolves a possibly negative index against `dim`, with an error when out of range.
fn resolve_index(i: i64, dim: usize) -> Result<usize, crate::IrError> {
    let r = if i < 0 { i + dim as i64 } else { i };
    if r < 0 || r >= dim as i64 {
        return Err(format!("index {i} is out of bounds for a dimension of size {dim}").into());
    }
    Ok(r as usize)
}

pub fn infer_gather(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let (d, i) = (a.input(0), a.input(1));
    require_indices(i, "Gather indices")?;
    let axis = normalize_axis(a.int_or("axis", 0)?, d.shape.rank())?;
    let mut dims = d.shape.dims()[..axis].to_vec();
    dims.extend(i.shape.dims());
    dims.extend(&d.shape.dims()[axis + 1..]);
    Ok(vec![TensorType::new(dims, d.elem)])
}

pub fn eval_gather(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let (d, i) = (x[0], x[1]);
    let axis = normalize_axis(a.int_or("axis", 0)?, d.shape().rank())?;
    let ty = infer_gather(a)?.remove(0);
    let outer: usize = d.dims()[..axis].iter().product();
    let dim = d.dims()[axis];
    let inner: usize = d.dims()[axis + 1..].iter().product();
    let idx = i
        .to_i64s()
        .into_iter()
        .map(|v| resolve_index(v, dim))
        .collect::<Result<Vec<_>, _>>()?;
    let mut src = Vec::with_capacity(ty.shape.numel());
    for o in 0..outer {
        for &k in &idx {
            let base = (o * dim + k) * inner;
            src.extend(base..base + inner);
        }
    }
    Ok(vec![d.gather_flat(ty.shape, &src)])
}

pub fn infer_gather_elements(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let (d, i) = (a.input(0), a.input(1));
    require_indices(i, "GatherElements indices")?;
    if d.shape.rank() != i.shape.rank() {
        return Err("data and indices must have the same rank".into());
    }
    normalize_axis(a.int_or("axis", 0)?, d.shape.rank())?;
    Ok(vec![TensorType::new(i.shape.clone(), d.elem)])
}

/// For each index element, the flat data offset with the axis coordinate replaced.
fn element_offsets(
    data: &Shape,
    indices: &Tensor,
    axis: usize,
) -> Result<Vec<usize>, crate::IrError> {
    let ds = data.strides();
    let idims = indices.dims().to_vec();
    let iv = indices.to_i64s();
    let mut out = Vec::with_capacity(iv.len());
    let mut pos = vec![0usize; idims.len()];
    for &v in &iv {
        let mut off = 0;
        for d in 0..idims.len() {
            let c = if d == axis {
                resolve_index(v, data.dims()[axis])?
            } else {
                pos[d]
            };
            if c >= data.dims()[d] {
                return Err(format!(
                    "indices shape {idims:?} exceeds data shape {:?}",
                    data.dims()
                )
                .into());
            }
            off += c * ds[d];
        }
        out.push(off);
        for d in (0..idims.len()).rev() {
            pos[d] += 1;
            if pos[d] < idims[d] {
                break;
            }
            pos[d] = 0;
        }
    }
    Ok(out)
}

pub fn eval_gather_elements(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let axis = normalize_axis(a.int_or("axis", 0)?, x[0].shape().rank())?;
    let src = element_offsets(x[0].shape(), x[1], axis)?;
    Ok(vec![x[0].gather_flat(x[1].shape().clone(), &src)])
}

fn gather_nd_parts(
    data: &Shape,
    indices: &Shape,
    batch: usize,
) -> Result<(usize, usize, Vec<usize>), crate::IrError> {
    let q = indices.rank();
    if q == 0 || batch >= q.min(data.rank() + 1) || data.dims()[..batch] != indices.dims()[..batch]
    {
        return Err(format!(
            "GatherND indices {:?} do not fit data {:?} with batch_dims {batch}",
            indices.dims(),
            data.dims()
        )
        .into());
    }
    let last = indices.dims()[q - 1];
    if batch + last > data.rank() {
        return Err(format!(
            "GatherND index tuples of length {last} exceed data rank {}",
            data.rank()
        )
        .into());
    }
    let mut out: Vec<usize> = indices.dims()[..q - 1].to_vec();
    out.extend(&data.dims()[batch + last..]);
    Ok((last, data.dims()[batch + last..].iter().product(), out))
}

pub fn infer_gather_nd(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let (d, i) = (a.input(0), a.input(1));
    require_indices(i, "GatherND indices")?;
    let batch = a.int_or("batch_dims", 0)?.max(0) as usize;
    let (_, _, out) = gather_nd_parts(&d.shape, &i.shape, batch)?;
    Ok(vec![TensorType::new(out, d.elem)])
}

/// Flat offsets of each slice an ND index tuple selects: (tuple start, slice length).
fn nd_slices(
    data: &Shape,
    indices: &Tensor,
    batch: usize,
) -> Result<(Vec<usize>, usize), crate::IrError> {
    let (last, slice, _) = gather_nd_parts(data, indices.shape(), batch)?;
    let ds = data.strides();
    let iv = indices.to_i64s();
    let tuples = iv.len().checked_div(last).unwrap_or(0);
    let tuples = if last == 0 {
        indices.dims()[..indices.dims().len() - 1].iter().product()
    } else {
        tuples
    };
    let per_batch: usize = indices.dims()[batch..indices.dims().len() - 1]
        .iter()
        .product::<usize>()
        .max(1);
    let batch_stride = if batch > 0 { ds[batch - 1] } else { 0 };
    let mut starts = Vec::with_capacity(tuples);
    for t in 0..tuples {
        let b = t / per_batch;
        let mut off = b * batch_stride;
        for j in 0..last {
            let c = resolve_index(iv[t * last + j], data.dims()[batch + j])?;
            off += c * ds[batch + j];
        }
        starts.push(off);
    }
    Ok((starts, slice))
}

pub fn eval_gather_nd(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let batch = a.int_or("batch_dims", 0)?.max(0) as usize;
    let ty = infer_gather_nd(a)?.remove(0);
    let (starts, slice) = nd_slices(x[0].shape(), x[1], batch)?;
    let src: Vec<usize> = starts.iter().flat_map(|&s| s..s + slice).collect();
    Ok(vec![x[0].gather_flat(ty.shape, &src)])
}

pub fn infer_scatter(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let (d, i, u) = (a.input(0), a.input(1), a.input(2));
    require_indices(i, "scatter indices")?;
    if u.elem != d.elem {
        return Err(format!(
            "updates ({}) and data ({}) differ in element type",
            u.elem, d.elem
        )
        .into());
    }
    if a.name == ops::GRAPH_SCATTER_ELEMENTS
        && (i.shape != u.shape || i.shape.rank() != d.shape.rank())
    {
        return Err("indices and updates must have one shape, of the data's rank".into());
    }
    Ok(vec![d.clone()])
}

type Combine = fn(f64, f64) -> f64;

fn scatter_combine(reduction: &str) -> Result<Option<Combine>, crate::IrError> {
    Ok(match reduction {
        "none" => None,
        "add" => Some(|p, q| p + q),
        "mul" => Some(|p, q| p * q),
        "max" => Some(f64::max),
        "min" => Some(f64::min),
        other => return Err(format!("unknown reduction '{other}'").into()),
    })
}

/// Writes `updates` at flat `targets` into a copy of `data`, combining with `reduction`.
fn scatter(
    data: &Tensor,
    targets: &[usize],
    updates: &Tensor,
    reduction: &str,
) -> Result<Tensor, crate::IrError> {
    match scatter_combine(reduction)? {
        None => {
            let mut out = data.clone().into_data();
            crate::with_data!(&mut out, o => {
                let u = Element::slice(updates.data()).ok_or("element types differ")?;
                for (&t, &v) in targets.iter().zip(u) {
                    o[t] = v;
                }
            });
            Tensor::new(data.shape().clone(), out)
        }
        Some(f) => {
            let mut out = data.to_f64s();
            for (&t, v) in targets.iter().zip(updates.to_f64s()) {
                out[t] = f(out[t], v);
            }
            Ok(Tensor::from_f64s(data.elem(), data.shape().clone(), &out))
        }
    }
}

pub fn eval_scatter_elements(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let axis = normalize_axis(a.int_or("axis", 0)?, x[0].shape().rank())?;
    let targets = element_offsets(x[0].shape(), x[1], axis)?;
    Ok(vec![scatter(
        x[0],
        &targets,
        x[2],
        a.string_or("reduction", "none")?,
    )?])
}

pub fn eval_scatter_nd(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let (starts, slice) = nd_slices(x[0].shape(), x[1], 0)?;
    if starts.len() * slice != x[2].numel() {
        return Err(format!(
            "ScatterND updates have {} elements, the indices select {}",
            x[2].numel(),
            starts.len() * slice
        )
        .into());
    }
    let targets: Vec<usize> = starts.iter().flat_map(|&s| s..s + slice).collect();
    Ok(vec![scatter(
        x[0],
        &targets,
        x[2],
        a.string_or("reduction", "none")?,
    )?])
}

fn tile_repeats(a: &OpArgs) -> Result<Vec<usize>, crate::IrError> {
    let r = a.ints("repeats")?;
    if r.len() != a.input(0).shape.rank() || r.iter().any(|&v| v < 0) {
        return Err(format!("repeats {r:?} must list one non-negative count per dimension").into());
    }
    Ok(r.iter().map(|&v| v as usize).collect())
}

pub fn infer_tile(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let r = tile_repeats(a)?;
    let dims: Vec<usize> = a
        .input(0)
        .shape
        .dims()
        .iter()
        .zip(&r)
        .map(|(d, r)| d * r)
        .collect();
    Ok(vec![TensorType::new(dims, a.input(0).elem)])
}

/// Gathers, for every output coordinate, the input coordinate `map(dim, out_coord)`.
fn gather_by_coords(
    t: &Tensor,
    out_dims: &[usize],
    map: impl Fn(usize, usize) -> Option<usize>,
) -> (Vec<usize>, Vec<bool>) {
    let strides = t.shape().strides();
    let n: usize = out_dims.iter().product();
    let mut src = Vec::with_capacity(n);
    let mut valid = Vec::with_capacity(n);
    let mut idx = vec![0usize; out_dims.len()];
    for _ in 0..n {
        let mut off = 0;
        let mut ok = true;
        for d in 0..out_dims.len() {
            match map(d, idx[d]) {
                Some(c) => off += c * strides[d],
                None => ok = false,
            }
        }
        src.push(if ok { off } else { 0 });
        valid.push(ok);
        for d in (0..out_dims.len()).rev() {
            idx[d] += 1;
            if idx[d] < out_dims[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    (src, valid)
}

pub fn eval_tile(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let ty = infer_tile(a)?.remove(0);
    let dims = x[0].dims().to_vec();
    let (src, _) = gather_by_coords(x[0], ty.shape.dims(), |d, c| Some(c % dims[d].max(1)));
    Ok(vec![x[0].gather_flat(ty.shape, &src)])
}

fn pad_amounts(a: &OpArgs) -> Result<(Vec<i64>, Vec<usize>), crate::IrError> {
    let t = a.input(0);
    let rank = t.shape.rank();
    let pads = a.ints("pads")?;
    if pads.len() != 2 * rank {
        return Err(format!("pads must list {} values, found {}", 2 * rank, pads.len()).into());
    }
    let mut out = Vec::with_capacity(rank);
    for d in 0..rank {
        let size = t.shape.dims()[d] as i64 + pads[d] + pads[rank + d];
        if size < 0 {
            return Err(format!("pads {pads:?} remove more than dimension {d} holds").into());
        }
        out.push(size as usize);
    }
    Ok((pads, out))
}

pub fn infer_pad(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let (_, dims) = pad_amounts(a)?;
    let mode = a.string_or("mode", "constant")?;
    if !matches!(mode, "constant" | "reflect" | "edge" | "wrap") {
        return Err(format!("unknown pad mode '{mode}'").into());
    }
    Ok(vec![TensorType::new(dims, a.input(0).elem)])
}

/// Which element of a dimension of size `n` padding position `p` (relative to the
/// dimension's start) reads in `mode`; `None` for the constant fill.
pub fn pad_source(mode: &str, n: i64, p: i64) -> Option<usize> {
    if (0..n).contains(&p) {
        return Some(p as usize);
    }
    match mode {
        "edge" => Some(p.clamp(0, n - 1) as usize),
        "wrap" => Some(p.rem_euclid(n) as usize),
        "reflect" => {
            if n == 1 {
                return Some(0);
            }
            let period = 2 * (n - 1);
            let m = p.rem_euclid(period);
            Some(if m < n { m } else { period - m } as usize)
        }
        _ => None,
    }
}

pub fn eval_pad(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let t = x[0];
    let (pads, out_dims) = pad_amounts(a)?;
    let mode = a.string_or("mode", "constant")?;
    let dims = t.dims().to_vec();
    if mode != "constant" && dims.contains(&0) && out_dims.iter().product::<usize>() > 0 {
        return Err(format!("pad mode '{mode}' cannot pad an empty dimension").into());
    }
    let (src, valid) = gather_by_coords(t, &out_dims, |d, c| {
        pad_source(mode, dims[d] as i64, c as i64 - pads[d])
    });
    let gathered = t.gather_flat(Shape::new(out_dims.clone()), &src);
    if valid.iter().all(|&v| v) {
        return Ok(vec![gathered]);
    }
    let fill = match a.dense_opt("value")? {
        Some(v) if v.numel() == 1 => v.cast(t.elem()),
        Some(v) => {
            return Err(format!("pad value must be a scalar, found shape {:?}", v.dims()).into())
        }
        None => Tensor::zeros(&TensorType::new(Shape::scalar(), t.elem())),
    };
    let zeros = vec![0usize; valid.len()];
    let fills = fill.gather_flat(Shape::new(out_dims.clone()), &zeros);
    let mut data = gathered.into_data();
    crate::with_data!(&mut data, o => {
        let f = Element::slice(fills.data()).ok_or("pad value type differs")?;
        for i in 0..o.len() {
            if !valid[i] {
                o[i] = f[i];
            }
        }
    });
    Ok(vec![Tensor::new(Shape::new(out_dims), data)?])
}

fn one_hot_axis(a: &OpArgs) -> Result<(usize, usize), crate::IrError> {
    let rank = a.input(0).shape.rank();
    let axis = normalize_axis(a.int_or("axis", -1)?, rank + 1)?;
    let depth = a.int("depth")?;
    if depth < 0 {
        return Err(format!("depth must be non-negative, found {depth}").into());
    }
    Ok((axis, depth as usize))
}

pub fn infer_one_hot(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let (axis, depth) = one_hot_axis(a)?;
    let (i, v) = (a.input(0), a.input(1));
    if i.elem == ElementType::Bool || v.shape.numel() != 2 {
        return Err("OneHot needs numeric indices and two values (off, on)".into());
    }
    let mut dims = i.shape.dims().to_vec();
    dims.insert(axis, depth);
    Ok(vec![TensorType::new(dims, v.elem)])
}

pub fn eval_one_hot(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let (axis, depth) = one_hot_axis(a)?;
    let ty = infer_one_hot(a)?.remove(0);
    let idx = x[0].to_f64s();
    let inner: usize = x[0].dims()[axis..].iter().product();
    let n = ty.shape.numel();
    // Element (outer, d, inner) is "on" when index[outer, inner] == d.
    let mut pick = vec![0usize; n];
    for (p, slot) in pick.iter_mut().enumerate() {
        let i_in = p % inner.max(1);
        let d = (p / inner.max(1)) % depth.max(1);
        let o = p / (inner.max(1) * depth.max(1));
        let mut k = idx[o * inner + i_in].trunc();
        if k < 0.0 {
            k += depth as f64;
        }
        if k == d as f64 {
            *slot = 1;
        }
    }
    Ok(vec![x[1].gather_flat(ty.shape, &pick)])
}

fn block_size(a: &OpArgs) -> Result<usize, crate::IrError> {
    let b = a.int("blocksize")?;
    if b < 1 {
        return Err(format!("blocksize must be positive, found {b}").into());
    }
    Ok(b as usize)
}

fn too_large_block(b: usize) -> crate::IrError {
    format!("a blocksize of {b} makes dimensions past the largest size").into()
}

pub fn infer_depth_to_space(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let t = a.input(0);
    let b = block_size(a)?;
    let d = t.shape.dims();
    let bb = b.checked_mul(b).ok_or_else(|| too_large_block(b))?;
    if d.len() != 4 || !d[1].is_multiple_of(bb) {
        return Err(format!("DepthToSpace needs N x C x H x W with C divisible by {bb}").into());
    }
    let (h, w) = (d[2].checked_mul(b), d[3].checked_mul(b));
    let (Some(h), Some(w)) = (h, w) else {
        return Err(too_large_block(b));
    };
    Ok(vec![TensorType::new(vec![d[0], d[1] / bb, h, w], t.elem)])
}

pub fn eval_depth_to_space(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let b = block_size(a)?;
    let ty = infer_depth_to_space(a)?.remove(0);
    let d = x[0].dims().to_vec();
    let c = d[1] / (b * b);
    let (shape6, perm) = if a.string_or("mode", "DCR")? == "CRD" {
        (vec![d[0], c, b, b, d[2], d[3]], [0, 1, 4, 2, 5, 3])
    } else {
        (vec![d[0], b, b, c, d[2], d[3]], [0, 3, 4, 1, 5, 2])
    };
    let t6 = x[0].clone().reshape(shape6)?;
    Ok(vec![permute(&t6, &perm).reshape(ty.shape)?])
}

pub fn infer_space_to_depth(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let t = a.input(0);
    let b = block_size(a)?;
    let d = t.shape.dims();
    if d.len() != 4 || !d[2].is_multiple_of(b) || !d[3].is_multiple_of(b) {
        return Err(
            format!("SpaceToDepth needs N x C x H x W with H and W divisible by {b}").into(),
        );
    }
    let c = b
        .checked_mul(b)
        .and_then(|bb| d[1].checked_mul(bb))
        .ok_or_else(|| too_large_block(b))?;
    Ok(vec![TensorType::new(
        vec![d[0], c, d[2] / b, d[3] / b],
        t.elem,
    )])
}

pub fn eval_space_to_depth(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let b = block_size(a)?;
    let ty = infer_space_to_depth(a)?.remove(0);
    let d = x[0].dims().to_vec();
    let t6 = x[0]
        .clone()
        .reshape(vec![d[0], d[1], d[2] / b, b, d[3] / b, b])?;
    let perm = if a.string_or("mode", "DCR")? == "CRD" {
        [0, 1, 3, 5, 2, 4]
    } else {
        [0, 3, 5, 1, 2, 4]
    };
    Ok(vec![permute(&t6, &perm).reshape(ty.shape)?])
}

pub fn eval_trilu(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let t = x[0];
    let r = t.shape().rank();
    if r < 2 {
        return Err("Trilu needs a tensor of rank at least 2".into());
    }
    let upper = a.int_or("upper", 1)? != 0;
    let k = a.int_or("k", 0)?;
    let (rows, cols) = (t.dims()[r - 2], t.dims()[r - 1]);
    let keep = |p: usize| {
        let j = (p % cols.max(1)) as i64;
        let i = ((p / cols.max(1)) % rows.max(1)) as i64;
        if upper {
            j - i >= k
        } else {
            j - i <= k
        }
    };
    let data = crate::with_data!(t.data(), v => {
        let o: Vec<_> = (0..v.len()).map(|i| if keep(i) { v[i] } else { Default::default() }).collect();
        Element::into_data(o)
    });
    let out = Tensor::new(t.shape().clone(), data)?;
    Ok(vec![out])
}

pub fn infer_eye_like(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let t = a.input(0);
    if t.shape.rank() != 2 {
        return Err("EyeLike needs a matrix".into());
    }
    let elem = match a.attrs.get("dtype") {
        None => t.elem,
        Some(_) => a.elem_type("dtype")?,
    };
    Ok(vec![TensorType::new(t.shape.clone(), elem)])
}

pub fn eval_eye_like(a: &OpArgs, _x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let ty = infer_eye_like(a)?.remove(0);
    let k = a.int_or("k", 0)?;
    let cols = ty.shape.dims()[1];
    Ok(vec![Tensor::from_f64_fn(ty.elem, ty.shape.clone(), |p| {
        let (i, j) = ((p / cols.max(1)) as i64, (p % cols.max(1)) as i64);
        if j - i == k {
            1.0
        } else {
            0.0
        }
    })])
}

#[cfg(test)]
mod tests {
    use crate::graph::infer_types;
    use crate::{ops, Attribute, ElementType, TensorType};
    use std::collections::BTreeMap;

    fn slice(dims: Vec<usize>, start: i64, end: i64, step: i64) -> Result<Vec<usize>, String> {
        let attrs: BTreeMap<String, Attribute> = [
            ("starts", vec![start]),
            ("ends", vec![end]),
            ("axes", vec![0]),
            ("steps", vec![step]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), Attribute::I64Array(v)))
        .collect();
        let ty = TensorType::new(dims, ElementType::F32);
        infer_types(ops::GRAPH_SLICE, &[ty], &attrs, 1)
            .map(|t| t[0].shape.dims().to_vec())
            .map_err(|e| e.to_string())
    }

    /// Extreme slices are lengths or errors, never an overflow or a panicking clamp
    /// (the ONNX fuzzer's finds).
    #[test]
    fn extreme_slices_are_lengths_or_errors() {
        assert_eq!(slice(vec![0], -1, i64::MIN, -1), Ok(vec![0]));
        assert_eq!(slice(vec![10], 0, 10, i64::MAX), Ok(vec![1]));
        assert_eq!(slice(vec![10], 9, i64::MIN, i64::MIN), Ok(vec![1]));
        assert_eq!(slice(vec![10], 2, 9, 3), Ok(vec![3]));
        let long = slice(vec![usize::MAX / 2 + 7], 0, 1, 1).unwrap_err();
        assert!(long.contains("too long to slice"), "{long}");
    }
}
