//! Spectral ops with static lengths: DFT (forward, inverse, one-sided both ways), STFT
//! and MelWeightMatrix. A DFT of a known length is a matrix product with a constant
//! matrix of cosines and sines, which the compiler already tiles for every target; the
//! real and imaginary parts travel side by side so one product computes both.

use crate::import::{Importer, NodeCtx};
use crate::ops::{const_ints, Builder};
use crate::ImportError;
use std::f64::consts::PI;
use strata_ir::ops as names;
use strata_ir::{Attribute, ElementType, Shape, Tensor};

/// A constant single-integer input, if given.
fn int_input(imp: &Importer, node: &NodeCtx, i: usize) -> Result<Option<i64>, ImportError> {
    match const_ints(imp, node, i)?.as_deref() {
        None => Ok(None),
        Some([v]) => Ok(Some(*v)),
        Some(v) => Err(node.error(format!(
            "input #{i} must hold one integer, found {} values",
            v.len()
        ))),
    }
}

/// What a DFT computes along its axis.
struct Transform {
    inverse: bool,
    onesided: bool,
    /// The transform's length (the input is truncated or zero-padded to it).
    length: usize,
}

/// `x` (`[..., n, ..., 1 or 2]`, real or interleaved complex) transformed along `axis`.
fn dft_along(b: &mut Builder, x: usize, axis: usize, t: &Transform) -> Result<usize, ImportError> {
    let node = b.node;
    let dims = b.dims(x);
    let rank = dims.len();
    let parts = dims.last().copied().unwrap_or(0);
    if rank < 2 || !(parts == 1 || parts == 2) || axis >= rank - 1 {
        return Err(node.error(format!(
            "the input must end in a dimension of 1 (real) or 2 (complex) with the axis before it, found shape {dims:?} and axis {axis}"
        )));
    }
    let elem = b.imp.values[x].ty.elem;
    if !elem.is_float() {
        return Err(node.error(format!("the input must be a float tensor, found {elem}")));
    }
    if t.length == 0 {
        return Err(node.error("the DFT length must be positive"));
    }
    let n_in = dims[axis];
    let l = t.length;
    // Output bins (or samples) and the input bins the sum reads.
    let (n_out, used, real_out) = match (t.inverse, t.onesided) {
        (false, false) => (l, n_in.min(l), false),
        (false, true) => (l / 2 + 1, n_in.min(l), false),
        (true, false) => (l, n_in.min(l), false),
        (true, true) => (l, n_in.min(l / 2 + 1), true),
    };
    // Move the axis last, split the parts: [...others, n_in] each.
    let mut perm: Vec<i64> = (0..rank as i64 - 1).filter(|&d| d != axis as i64).collect();
    perm.push(axis as i64);
    perm.push(rank as i64 - 1);
    let moved = b.transpose(x, &perm)?;
    let mut others: Vec<usize> = perm[..rank - 2].iter().map(|&d| dims[d as usize]).collect();
    // [...others, n_in, parts] → [...others, parts * n_in]: the real parts, then the
    // imaginary ones.
    let mut swapped: Vec<i64> = (0..rank as i64 - 2).collect();
    swapped.push(rank as i64 - 1);
    swapped.push(rank as i64 - 2);
    let split = b.transpose(moved, &swapped)?;
    let mut flat = others.clone();
    flat.push(parts * n_in);
    let z = b.reshape(split, &flat)?;
    // The matrix: rows (re n, then im n), columns (re k, then im k) or real samples.
    let cols = if real_out {
        Some(n_out)
    } else {
        n_out.checked_mul(2)
    };
    // The matrix is a constant the importer builds: bounded before it is.
    let size = cols.and_then(|c| (parts * n_in).checked_mul(c));
    let (Some(cols), Some(size)) = (cols, size.filter(|&n| n <= crate::import::fold_limit()))
    else {
        return Err(node.unsupported(format!(
            "a DFT of length {l} over {n_in} inputs: its matrix is past {}",
            strata_ir::limits::Limit::FoldElements.named()
        )));
    };
    let mut m = vec![0.0f64; size];
    let scale = if t.inverse { 1.0 / l as f64 } else { 1.0 };
    // e^{∓2πi·nk/L}: forward (xr + i·xi)(c - i·s), inverse (c + i·s).
    let sign = if t.inverse { 1.0 } else { -1.0 };
    for n in 0..used {
        for k in 0..n_out {
            let theta = 2.0 * PI * ((n * k) % l) as f64 / l as f64;
            let (c, s) = (theta.cos() * scale, sign * theta.sin() * scale);
            if real_out {
                // A one-sided spectrum stands for its mirror image: the bins strictly
                // between 0 and L/2 count twice. Only the real part of the sum remains.
                let w = if n == 0 || 2 * n == l { 1.0 } else { 2.0 };
                m[n * cols + k] = w * c;
                if parts == 2 {
                    m[(n_in + n) * cols + k] = -w * s;
                }
                continue;
            }
            m[n * cols + k] = c;
            m[n * cols + n_out + k] = s;
            if parts == 2 {
                m[(n_in + n) * cols + k] = -s;
                m[(n_in + n) * cols + n_out + k] = c;
            }
        }
    }
    let matrix = b.constant(Tensor::from_f64s(
        elem,
        Shape::new([parts * n_in, cols]),
        &m,
    ));
    let y = b.op(names::GRAPH_MATMUL, &[z, matrix], &[])?;
    // [...others, parts_out * n_out] → [...others, parts_out, n_out] → the input's order.
    let parts_out = if real_out { 1 } else { 2 };
    others.push(parts_out);
    others.push(n_out);
    let y = b.reshape(y, &others)?;
    let mut back = Vec::with_capacity(rank);
    for p in 0..rank - 1 {
        back.push(if p == axis {
            rank as i64 - 1
        } else if p < axis {
            p as i64
        } else {
            p as i64 - 1
        });
    }
    back.push(rank as i64 - 2);
    b.transpose(y, &back)
}

/// DFT: the axis an attribute (opset 17, 19) or an input (opset 20); the length an input.
pub(crate) fn dft(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    let rank = imp.values[x].ty.shape.rank();
    let axis = if node.opset >= 20 {
        int_input(imp, node, 2)?.unwrap_or(-2)
    } else {
        node.attr_int("axis").unwrap_or(1)
    };
    let axis =
        strata_ir::types::normalize_axis(axis, rank).map_err(|e| node.error(e.to_string()))?;
    let inverse = node.attr_int("inverse").unwrap_or(0) != 0;
    let onesided = node.attr_int("onesided").unwrap_or(0) != 0;
    let n = imp.values[x].ty.shape.dims()[axis];
    let length = match int_input(imp, node, 1)? {
        Some(l) if l > 0 => l as usize,
        Some(l) => return Err(node.error(format!("dft_length must be positive, found {l}"))),
        None if inverse && onesided => 2 * n.saturating_sub(1),
        None => n,
    };
    let mut b = Builder { imp, node };
    let t = Transform {
        inverse,
        onesided,
        length,
    };
    Ok(vec![dft_along(&mut b, x, axis, &t)?])
}

/// STFT: frames gathered at constant offsets, weighted by the window, and transformed.
pub(crate) fn stft(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    let step = int_input(imp, node, 1)?.ok_or_else(|| node.error("missing frame_step"))?;
    let window = node.input(2);
    let frame_length = int_input(imp, node, 3)?;
    let onesided = node.attr_int("onesided").unwrap_or(1) != 0;
    let mut b = Builder { imp, node };
    let dims = b.dims(x);
    if dims.len() != 3 {
        return Err(node.error(format!(
            "the signal must be [batch, length, 1 or 2], found {dims:?}"
        )));
    }
    let signal = dims[1];
    let window_length = window
        .map(|w| b.dims(w))
        .map(|d| d.first().copied().unwrap_or(0));
    let frame = match (frame_length, window_length) {
        (Some(f), _) if f > 0 => f as usize,
        (Some(f), _) => return Err(node.error(format!("frame_length must be positive, found {f}"))),
        (None, Some(w)) => w,
        (None, None) => signal,
    };
    if let Some(w) = window_length.filter(|&w| w != frame) {
        return Err(node.error(format!("the window has {w} values but a frame {frame}")));
    }
    if step <= 0 || frame > signal {
        return Err(node.error(format!(
            "frame_step {step} must be positive and the frame length {frame} at most the signal's {signal}"
        )));
    }
    let frames = 1 + (signal - frame) / step as usize;
    // The frames' gather indices are a constant the importer builds.
    if frames
        .checked_mul(frame)
        .is_none_or(|n| n > crate::import::fold_limit())
    {
        return Err(node.unsupported(format!(
            "{frames} frames of {frame} samples: their indices are past {}",
            strata_ir::limits::Limit::FoldElements.named()
        )));
    }
    let index: Vec<i64> = (0..frames)
        .flat_map(|f| (0..frame).map(move |n| (f * step as usize + n) as i64))
        .collect();
    let index = b.constant(Tensor::from_i64s(
        ElementType::I64,
        Shape::new([frames, frame]),
        &index,
    ));
    // [batch, frames, frame, parts]
    let mut framed = b.op(
        names::GRAPH_GATHER,
        &[x, index],
        &[("axis", Attribute::Int(1))],
    )?;
    if let Some(w) = window {
        let w = b.reshape(w, &[frame, 1])?;
        framed = b.op(names::GRAPH_MUL, &[framed, w], &[])?;
    }
    let t = Transform {
        inverse: false,
        onesided,
        length: frame,
    };
    Ok(vec![dft_along(&mut b, framed, 2, &t)?])
}

/// MelWeightMatrix of constant arguments, folded: triangular filters between mel-spaced
/// bin edges, computed with the reference's roundings (its mel arithmetic in f32, the
/// bin edges in f64, floored).
pub(crate) fn mel_weight_matrix(
    imp: &mut Importer,
    node: &NodeCtx,
) -> Result<Vec<usize>, ImportError> {
    let int = |i: usize| -> Result<i64, ImportError> {
        int_input(imp, node, i)?.ok_or_else(|| node.error(format!("missing input #{i}")))
    };
    let (mels, dft_length, rate) = (int(0)?, int(1)?, int(2)?);
    let float = |i: usize| -> Result<f32, ImportError> {
        let t = imp
            .const_input(node, i)?
            .ok_or_else(|| node.error(format!("missing input #{i}")))?;
        match t.to_f64s().as_slice() {
            [v] => Ok(*v as f32),
            _ => Err(node.error(format!("input #{i} must be one number"))),
        }
    };
    let (lower, upper) = (float(3)?, float(4)?);
    if mels <= 0 || dft_length <= 0 || rate <= 0 || mels > 1 << 16 || dft_length > 1 << 24 {
        return Err(node.error(format!(
            "num_mel_bins {mels}, dft_length {dft_length} and sample_rate {rate} must be positive (and at most 65536 bins, 2^24 samples)"
        )));
    }
    let elem = match node.attr_int("output_datatype") {
        Some(code) => crate::ops::onnx_type(node, code)?,
        None => ElementType::F32,
    };
    let (mels, bins) = (mels as usize, dft_length as usize / 2 + 1);
    let ln10 = std::f64::consts::LN_10 as f32;
    let mel = |hz: f32| 2595.0f32 * (hz / 700.0f32).ln_1p() / ln10;
    let (low, high) = (mel(lower), mel(upper));
    let step = (high - low) / (mels + 2) as f32;
    let edges: Vec<i64> = (0..mels + 2)
        .map(|i| {
            let m = i as f64 * step as f64 + low as f64;
            let hz = 700.0 * (m / 2595.0 * std::f64::consts::LN_10).exp_m1();
            (((dft_length + 1) as f64 * hz) / rate as f64).floor() as i64
        })
        .collect();
    if bins * mels > crate::import::fold_limit() {
        return Err(node.unsupported(format!(
            "{bins} x {mels} mel weights, past {}",
            strata_ir::limits::Limit::FoldElements.named()
        )));
    }
    let mut w = vec![0.0f64; bins * mels];
    let mut set = |j: i64, i: usize, v: f64| -> Result<(), ImportError> {
        if j < 0 || j as usize >= bins {
            return Err(node.error(format!(
                "filter {i} reaches bin {j}, outside the {bins} bins (upper_edge_hertz above the Nyquist frequency?)"
            )));
        }
        w[j as usize * mels + i] = v;
        Ok(())
    };
    for i in 0..mels {
        let (lo, mid, hi) = (edges[i], edges[i + 1], edges[i + 2]);
        if mid == lo {
            set(mid, i, 1.0)?;
        } else {
            for j in lo..=mid {
                set(j, i, (j - lo) as f64 / (mid - lo) as f64)?;
            }
        }
        for j in mid..hi {
            set(j, i, (hi - j) as f64 / (hi - mid) as f64)?;
        }
    }
    let t = Tensor::from_f64s(elem, Shape::new([bins, mels]), &w);
    Ok(vec![imp.known(t, Default::default())])
}
