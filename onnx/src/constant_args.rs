//! Ops whose deciding arguments are constants at import: the window functions (a size in,
//! a constant out), CenterCropPad, ReverseSequence and Compress, which become slices,
//! pads and gathers once their shape, lengths or condition are known, and AffineGrid, a
//! constant grid times θ once its size is. Where such
//! an argument is a graph input, the importer's constant-input specialization (`--input-value`)
//! supplies it; otherwise the error names the input.

use crate::import::{Importer, NodeCtx};
use crate::ops::{const_ints, onnx_type, Builder};
use crate::ImportError;
use std::f64::consts::PI;
use strata_ir::ops as names;
use strata_ir::{Attribute, ElementType, Shape, Tensor};

/// HannWindow, HammingWindow and BlackmanWindow of a constant size, folded.
pub(crate) fn window(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let size = match const_ints(imp, node, 0)?.as_deref() {
        Some([n]) if *n >= 0 => *n as usize,
        other => {
            return Err(node.error(format!(
                "the size must be one non-negative integer, found {other:?}"
            )))
        }
    };
    let elem = match node.attr_int("output_datatype") {
        Some(code) => onnx_type(node, code)?,
        None => ElementType::F32,
    };
    let periodic = node.attr_int("periodic").unwrap_or(1) != 0;
    let period = if periodic {
        size
    } else {
        size.saturating_sub(1)
    } as f64;
    let values: Vec<f64> = (0..size)
        .map(|n| {
            let t = 2.0 * PI * n as f64 / period;
            match node.op_type() {
                "HannWindow" => (PI * n as f64 / period).sin().powi(2),
                "HammingWindow" => 25.0 / 46.0 - (21.0 / 46.0) * t.cos(),
                _ => 0.42 - 0.5 * t.cos() + 0.08 * (2.0 * t).cos(),
            }
        })
        .collect();
    let t = Tensor::from_f64s(elem, Shape::new([size]), &values);
    Ok(vec![imp.known(t, Default::default())])
}

/// CenterCropPad: each named axis cropped or zero-padded to its target size about its
/// centre (the extra element of an odd difference at the end).
pub(crate) fn center_crop_pad(
    imp: &mut Importer,
    node: &NodeCtx,
) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    let shape = const_ints(imp, node, 1)?.ok_or_else(|| node.error("missing the shape input"))?;
    let mut b = Builder { imp, node };
    let dims = b.dims(x);
    let rank = dims.len();
    let axes: Vec<usize> = match node.attr_ints("axes") {
        Some(a) => a
            .iter()
            .map(|&ax| strata_ir::types::normalize_axis(ax, rank))
            .collect::<Result<_, _>>()
            .map_err(|e| node.error(e.to_string()))?,
        None => (0..rank).collect(),
    };
    if axes.len() != shape.len() || shape.iter().any(|&s| s < 0) {
        return Err(node.error(format!(
            "shape {shape:?} must give a non-negative size for each of the axes {axes:?}"
        )));
    }
    let (mut starts, mut ends, mut sliced) = (Vec::new(), Vec::new(), Vec::new());
    let mut pads = vec![0i64; 2 * rank];
    for (&ax, &want) in axes.iter().zip(&shape) {
        let (have, want) = (dims[ax] as i64, want);
        if want < have {
            let begin = (have - want) / 2;
            starts.push(begin);
            ends.push(begin + want);
            sliced.push(ax as i64);
        } else if want > have {
            pads[ax] = (want - have) / 2;
            pads[rank + ax] = want - have - pads[ax];
        }
    }
    let mut y = x;
    if !sliced.is_empty() {
        y = b.op(
            names::GRAPH_SLICE,
            &[y],
            &[
                ("starts", Attribute::I64Array(starts)),
                ("ends", Attribute::I64Array(ends)),
                ("axes", Attribute::I64Array(sliced)),
            ],
        )?;
    }
    if pads.iter().any(|&p| p != 0) {
        let elem = b.imp.values[x].ty.elem;
        let zero = Tensor::from_f64s(elem, Shape::scalar(), &[0.0]);
        y = b.pad(y, pads, zero)?;
    }
    if y == x {
        y = b.op(names::GRAPH_IDENTITY, &[x], &[])?;
    }
    Ok(vec![y])
}

/// ReverseSequence with constant lengths: one GatherElements along the time axis whose
/// index reverses each batch entry's first `len` steps and keeps the rest.
pub(crate) fn reverse_sequence(
    imp: &mut Importer,
    node: &NodeCtx,
) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    let lens =
        const_ints(imp, node, 1)?.ok_or_else(|| node.error("missing the sequence_lens input"))?;
    let mut b = Builder { imp, node };
    let dims = b.dims(x);
    let (batch_axis, time_axis) = (
        node.attr_int("batch_axis").unwrap_or(1),
        node.attr_int("time_axis").unwrap_or(0),
    );
    let ok = dims.len() >= 2
        && matches!((batch_axis, time_axis), (0, 1) | (1, 0))
        && lens.len() == dims[batch_axis as usize]
        && lens
            .iter()
            .all(|&l| l >= 0 && l as usize <= dims[time_axis as usize]);
    if !ok {
        return Err(node.error(format!(
            "data {dims:?} with batch_axis {batch_axis}, time_axis {time_axis} and sequence_lens {lens:?} do not fit"
        )));
    }
    let (bt, tt) = (batch_axis as usize, time_axis as usize);
    let steps = dims[tt] as i64;
    let mut index_dims = vec![1usize; dims.len()];
    index_dims[bt] = dims[bt];
    index_dims[tt] = dims[tt];
    let size = node.fold_size("the reversal's index table", &[dims[bt], dims[tt]])?;
    let mut idx = Vec::with_capacity(size);
    for first in 0..index_dims[0] as i64 {
        for second in 0..index_dims[1] as i64 {
            let (bi, t) = if bt == 0 {
                (first, second)
            } else {
                (second, first)
            };
            let l = lens[bi as usize];
            idx.push(if t < l { l - 1 - t } else { t });
        }
    }
    debug_assert!(idx.iter().all(|&i| i < steps));
    let index = Tensor::from_i64s(ElementType::I64, Shape::new(index_dims), &idx);
    Ok(vec![b.gather_at(x, index, tt)?])
}

/// Compress with a constant condition: a Gather of the selected positions along the
/// axis (of the flattened data without one).
pub(crate) fn compress(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    let cond = imp
        .const_input(node, 1)?
        .ok_or_else(|| node.error("missing the condition input"))?;
    let mut b = Builder { imp, node };
    let dims = b.dims(x);
    let (data, axis) = match node.attr_int("axis") {
        Some(a) => (
            x,
            strata_ir::types::normalize_axis(a, dims.len())
                .map_err(|e| node.error(e.to_string()))?,
        ),
        None => (b.reshape(x, &[dims.iter().product()])?, 0),
    };
    let extent = b.dims(data)[axis];
    let picks: Vec<i64> = cond
        .to_bools()
        .iter()
        .enumerate()
        .filter(|&(_, &keep)| keep)
        .map(|(i, _)| i as i64)
        .collect();
    if let Some(&bad) = picks.iter().find(|&&i| i as usize >= extent) {
        return Err(node.error(format!(
            "the condition selects position {bad} of an axis of size {extent}"
        )));
    }
    let n = picks.len();
    let index = b.constant(Tensor::from_i64s(ElementType::I64, Shape::new([n]), &picks));
    Ok(vec![b.op(
        names::GRAPH_GATHER,
        &[data, index],
        &[("axis", Attribute::Int(axis as i64))],
    )?])
}

/// AffineGrid of a constant size: the normalized base grid (x, y[, z], 1) per output
/// position, a constant, times each batch entry's θᵀ.
pub(crate) fn affine_grid(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let theta = imp.required(node, 0)?;
    let size = const_ints(imp, node, 1)?.ok_or_else(|| node.error("missing the size input"))?;
    let align = node.attr_int("align_corners").unwrap_or(0) != 0;
    let mut b = Builder { imp, node };
    let spatial: Vec<usize> = match size.as_slice() {
        [_, _, rest @ ..]
            if (rest.len() == 2 || rest.len() == 3) && rest.iter().all(|&d| d > 0) =>
        {
            rest.iter().map(|&d| d as usize).collect()
        }
        _ => {
            return Err(node.error(format!(
                "size must be [N, C, H, W] or [N, C, D, H, W] with positive sizes, found {size:?}"
            )))
        }
    };
    let k = spatial.len();
    let td = b.dims(theta);
    if td.len() != 3 || td[1] != k || td[2] != k + 1 || td[0] as i64 != size[0] {
        return Err(node.error(format!(
            "theta must be [N, {k}, {}] with N = {}, found {td:?}",
            k + 1,
            size[0]
        )));
    }
    let elem = b.imp.values[theta].ty.elem;
    let coordinate = |i: usize, n: usize| -> f64 {
        if align {
            if n == 1 {
                -1.0
            } else {
                -1.0 + i as f64 * 2.0 / (n - 1) as f64
            }
        } else {
            let step = 2.0 / n as f64;
            -1.0 + step / 2.0 + i as f64 * step
        }
    };
    let mut dims = spatial.to_vec();
    dims.push(k + 1);
    let size = node.fold_size("the grid's base coordinates", &dims)?;
    let points = size / (k + 1);
    let mut base = Vec::with_capacity(size);
    for p in 0..points {
        // Position p's index along each spatial axis, the last axis fastest.
        let mut rest = p;
        let mut idx = vec![0usize; k];
        for a in (0..k).rev() {
            idx[a] = rest % spatial[a];
            rest /= spatial[a];
        }
        // Components x (the last axis), y, then z, then 1.
        for a in (0..k).rev() {
            base.push(coordinate(idx[a], spatial[a]));
        }
        base.push(1.0);
    }
    let base = b.constant(Tensor::from_f64s(
        elem,
        Shape::new([1, points, k + 1]),
        &base,
    ));
    let theta_t = b.transpose(theta, &[0, 2, 1])?;
    let grid = b.op(names::GRAPH_MATMUL, &[base, theta_t], &[])?;
    let mut dims = vec![td[0]];
    dims.extend(&spatial);
    dims.push(k);
    Ok(vec![b.reshape(grid, &dims)?])
}
