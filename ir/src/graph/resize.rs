//! Resize: nearest, (n-)linear and cubic interpolation, with ONNX's coordinate
//! transformations, antialiasing and crop-and-resize.
//!
//! The importer resolves ONNX's scales/sizes/axes/aspect-ratio inputs into two
//! attributes: `sizes` (the output shape) and `scales` (the factor each axis's coordinate
//! transformation uses, in f64). Interpolation is separable, so it runs one axis at a
//! time: each output coordinate maps to a source coordinate `x`, then to a few taps
//! (source indices with weights) around it.

use super::OpArgs;
use crate::attr::Attribute;
use crate::ops;
use crate::tensor::Tensor;
use crate::types::{Shape, TensorType};

/// The resolved attributes of a resize.
struct Plan {
    sizes: Vec<usize>,
    scales: Vec<f64>,
    roi: Option<Vec<f64>>,
}

fn f64_list(a: &OpArgs, name: &str) -> Result<Option<Vec<f64>>, crate::IrError> {
    match a.attrs.get(name) {
        None => Ok(None),
        Some(Attribute::Array(items)) => Ok(items
            .iter()
            .map(|i| match i {
                Attribute::Float(v, _) => Ok(*v),
                Attribute::Int(v) => Ok(*v as f64),
                _ => Err(format!("'{name}' must be a list of floats")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)?),
        Some(Attribute::F32Array(v)) => Ok(Some(v.iter().map(|&x| x as f64).collect())),
        Some(_) => Err(format!("'{name}' must be a list of floats").into()),
    }
}

fn plan(a: &OpArgs) -> Result<Plan, crate::IrError> {
    let rank = a.input(0).shape.rank();
    let sizes = a.ints("sizes")?;
    let scales = f64_list(a, "scales")?.ok_or("missing attribute 'scales'")?;
    if sizes.len() != rank || scales.len() != rank {
        return Err(format!("'sizes' and 'scales' must have {rank} entries").into());
    }
    if sizes.iter().any(|&s| s < 0) || scales.iter().any(|&s| s.is_nan() || s <= 0.0) {
        return Err(format!("sizes {sizes:?} and scales {scales:?} must be positive").into());
    }
    let roi = f64_list(a, "roi")?;
    if let Some(r) = &roi {
        if r.len() != 2 * rank {
            return Err(format!("'roi' must have {} entries", 2 * rank).into());
        }
    }
    Ok(Plan {
        sizes: sizes.iter().map(|&s| s as usize).collect(),
        scales,
        roi,
    })
}

pub fn infer_resize(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let p = plan(a)?;
    let mode = a.string_or("mode", "nearest")?;
    if !matches!(mode, "nearest" | "linear" | "cubic") {
        return Err(format!("unknown mode '{mode}'").into());
    }
    if a.input(0).elem == crate::types::ElementType::Bool {
        return Err("Resize does not accept i1 operands".into());
    }
    Ok(vec![TensorType::new(p.sizes, a.input(0).elem)])
}

/// Source coordinate of output coordinate `o` along an axis.
fn source_coordinate(
    mode: &str,
    o: f64,
    scale: f64,
    in_len: usize,
    out_len: usize,
    roi: (f64, f64),
) -> Result<f64, crate::IrError> {
    let in_len = in_len as f64;
    // ONNX uses the unrounded output length in the transformations below.
    let out_exact = scale * in_len;
    Ok(match mode {
        "half_pixel" => (o + 0.5) / scale - 0.5,
        "half_pixel_symmetric" => {
            let adjustment = out_len as f64 / out_exact;
            let center = in_len / 2.0;
            center * (1.0 - adjustment) + (o + 0.5) / scale - 0.5
        }
        "pytorch_half_pixel" => {
            if out_exact == 1.0 {
                -0.5
            } else {
                (o + 0.5) / scale - 0.5
            }
        }
        "align_corners" => {
            if out_exact == 1.0 {
                0.0
            } else {
                o * (in_len - 1.0) / (out_exact - 1.0)
            }
        }
        "asymmetric" => o / scale,
        "tf_crop_and_resize" => {
            let (start, end) = roi;
            let x = if out_exact == 1.0 {
                (end - start) * (in_len - 1.0) / 2.0
            } else {
                o * (end - start) * (in_len - 1.0) / (out_exact - 1.0)
            };
            x + start * (in_len - 1.0)
        }
        other => return Err(format!("unknown coordinate_transformation_mode '{other}'").into()),
    })
}

fn cubic(x: f64, a: f64) -> f64 {
    let x = x.abs();
    if x <= 1.0 {
        ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    } else if x < 2.0 {
        ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a
    } else {
        0.0
    }
}

/// Weights of taps `base + k` for `k` in `k0..k0 + n`, given `ratio = x - base` in (0, 1].
fn weights(
    mode: &str,
    nearest: &str,
    ratio: f64,
    scale: f64,
    antialias: bool,
    a: f64,
) -> Result<(i64, Vec<f64>), crate::IrError> {
    let integer = ratio == 1.0;
    Ok(match mode {
        "nearest" => {
            let right = integer
                || match nearest {
                    "round_prefer_floor" => ratio > 0.5,
                    "round_prefer_ceil" => ratio >= 0.5,
                    "floor" => false,
                    "ceil" => true,
                    other => return Err(format!("unknown nearest_mode '{other}'").into()),
                };
            (
                0,
                if right {
                    vec![0.0, 1.0]
                } else {
                    vec![1.0, 0.0]
                },
            )
        }
        "linear" if antialias && scale < 1.0 => {
            let k0 = (-1.0 / scale).floor() as i64 + 1;
            let n = (2 - 2 * k0) as usize;
            let w: Vec<f64> = (0..n)
                .map(|i| (1.0 - ((k0 + i as i64) as f64 - ratio).abs() * scale).clamp(0.0, 1.0))
                .collect();
            let sum: f64 = w.iter().sum();
            (k0, w.into_iter().map(|x| x / sum).collect())
        }
        "linear" => (0, vec![1.0 - ratio, ratio]),
        "cubic" if antialias && scale < 1.0 => {
            let k0 = (-2.0 / scale).floor() as i64 + 1;
            let n = (2 - 2 * k0) as usize;
            let w: Vec<f64> = (0..n)
                .map(|i| cubic(scale * ((k0 + i as i64) as f64 - ratio), a))
                .collect();
            let sum: f64 = w.iter().sum();
            (k0, w.into_iter().map(|x| x / sum).collect())
        }
        "cubic" => (-1, (-1..3).map(|k| cubic(k as f64 - ratio, a)).collect()),
        other => return Err(format!("unknown mode '{other}'").into()),
    })
}

/// Per output coordinate of one axis: its taps (source index, weight), or `None` where
/// `tf_crop_and_resize` extrapolates.
pub type AxisTaps = Vec<Option<Vec<(usize, f64)>>>;

/// Per axis: `None` where Resize keeps it, else its output length and taps.
pub type ResizePlan = Vec<Option<(usize, AxisTaps)>>;

fn axis_taps(
    a: &OpArgs,
    in_len: usize,
    out_len: usize,
    scale: f64,
    roi: (f64, f64),
) -> Result<AxisTaps, crate::IrError> {
    let mode = a.string_or("mode", "nearest")?;
    let transform = a.string_or("coordinate_transformation_mode", "half_pixel")?;
    let nearest = a.string_or("nearest_mode", "round_prefer_floor")?;
    let antialias = a.int_or("antialias", 0)? != 0 && mode != "nearest";
    let coeff_a = a.float_or("cubic_coeff_a", -0.75)?;
    let exclude_outside = a.int_or("exclude_outside", 0)? != 0;
    let mut taps: AxisTaps = Vec::with_capacity(out_len);
    for o in 0..out_len {
        let x = source_coordinate(transform, o as f64, scale, in_len, out_len, roi)?;
        if transform == "tf_crop_and_resize" && (x < 0.0 || x > in_len as f64 - 1.0) {
            taps.push(None);
            continue;
        }
        // The tap left of x is preferred: an integral x has ratio 1 from the pixel before.
        let base = x.ceil() as i64 - 1;
        let ratio = x - base as f64;
        let (k0, mut w) = weights(mode, nearest, ratio, scale, antialias, coeff_a)?;
        let idx: Vec<i64> = (0..w.len()).map(|i| base + k0 + i as i64).collect();
        if exclude_outside {
            for (wi, &j) in w.iter_mut().zip(&idx) {
                if j < 0 || j >= in_len as i64 {
                    *wi = 0.0;
                }
            }
            let sum: f64 = w.iter().sum();
            if sum != 0.0 {
                w.iter_mut().for_each(|v| *v /= sum);
            }
        }
        let last = in_len.max(1) as i64 - 1;
        taps.push(Some(
            idx.iter()
                .zip(w)
                .map(|(&j, wv)| (j.clamp(0, last) as usize, wv))
                .collect(),
        ));
    }
    Ok(taps)
}

/// Resizes along one axis of `data` (shape `dims`) by its taps, returning the new data.
fn resize_axis(
    data: &[f64],
    dims: &[usize],
    axis: usize,
    out_len: usize,
    taps: &AxisTaps,
    extrapolation: f64,
) -> Vec<f64> {
    let in_len = dims[axis];
    let outer: usize = dims[..axis].iter().product();
    let inner: usize = dims[axis + 1..].iter().product();
    let mut out = vec![0.0; outer * out_len * inner];
    for b in 0..outer {
        for (o, tap) in taps.iter().enumerate() {
            let dst = &mut out[(b * out_len + o) * inner..(b * out_len + o + 1) * inner];
            match tap {
                None => dst.iter_mut().for_each(|v| *v = extrapolation),
                Some(tap) => {
                    for &(j, w) in tap {
                        if w == 0.0 {
                            continue;
                        }
                        let src = &data[(b * in_len + j) * inner..(b * in_len + j + 1) * inner];
                        for (d, s) in dst.iter_mut().zip(src) {
                            *d += w * s;
                        }
                    }
                }
            }
        }
    }
    out
}

/// How Resize (with these operand types and attributes) maps each axis: `None` where it
/// keeps the axis, else the output length and the taps of each output coordinate.
pub fn resize_plan(
    inputs: &[TensorType],
    attrs: &std::collections::BTreeMap<String, crate::attr::Attribute>,
) -> Result<(ResizePlan, f64), crate::IrError> {
    let a = OpArgs {
        name: ops::GRAPH_RESIZE,
        inputs,
        attrs,
        num_results: 1,
    };
    let p = plan(&a)?;
    let dims = inputs[0].shape.dims();
    let rank = dims.len();
    let mut axes = Vec::with_capacity(rank);
    for (axis, &n) in dims.iter().enumerate() {
        let roi = p
            .roi
            .as_ref()
            .map_or((0.0, 1.0), |r| (r[axis], r[rank + axis]));
        if p.scales[axis] == 1.0 && p.sizes[axis] == n && roi == (0.0, 1.0) {
            axes.push(None);
            continue;
        }
        if n == 0 && p.sizes[axis] > 0 {
            return Err(format!("cannot resize an empty axis {axis} to {}", p.sizes[axis]).into());
        }
        axes.push(Some((
            p.sizes[axis],
            axis_taps(&a, n, p.sizes[axis], p.scales[axis], roi)?,
        )));
    }
    Ok((axes, a.float_or("extrapolation_value", 0.0)?))
}

pub fn eval_resize(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let t = x[0];
    let (axes, extrapolation) = resize_plan(a.inputs, a.attrs)?;
    let mut dims = t.dims().to_vec();
    let mut data = t.to_f64s();
    for (axis, plan) in axes.iter().enumerate() {
        if let Some((out_len, taps)) = plan {
            data = resize_axis(&data, &dims, axis, *out_len, taps, extrapolation);
            dims[axis] = *out_len;
        }
    }
    Ok(vec![Tensor::from_f64s(t.elem(), Shape::new(dims), &data)])
}
