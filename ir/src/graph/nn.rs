//! Contractions, convolution, pooling and normalization.
//!
//! Convolution is computed as im2col followed by a matrix product, in `f64`: clear enough
//! to serve as the oracle and fast enough to run a ResNet-18 in seconds.

use super::reduce::split_axes;
use super::shape::{broadcast, broadcast_indices, window, Window};
use super::OpArgs;
use crate::ops;
use crate::ops::OpName;
use crate::tensor::Tensor;
use crate::types::{normalize_axis, ElementType, Shape, TensorType};

/// `out[m×n] += a[m×k] · b[k×n]`, row-major, in an order that streams rows of `b`.
fn gemm_acc(m: usize, n: usize, k: usize, a: &[f64], b: &[f64], out: &mut [f64]) {
    for i in 0..m {
        let row = &mut out[i * n..(i + 1) * n];
        for p in 0..k {
            let av = a[i * k + p];
            if av == 0.0 {
                continue;
            }
            let brow = &b[p * n..(p + 1) * n];
            for (o, &bv) in row.iter_mut().zip(brow) {
                *o += av * bv;
            }
        }
    }
}

fn require_float(a: &OpArgs, i: usize) -> Result<(), crate::IrError> {
    let e = a.input(i).elem;
    if !e.is_float() {
        return Err(format!("'{}' needs float operands, operand #{i} is {e}", a.name).into());
    }
    Ok(())
}

/// MatMul's shapes: (batch shape, m, k, n, result shape) under numpy's rules.
fn matmul_shapes(
    l: &Shape,
    r: &Shape,
) -> Result<(Shape, usize, usize, usize, Shape), crate::IrError> {
    if l.rank() == 0 || r.rank() == 0 {
        return Err("MatMul operands must have rank at least 1".into());
    }
    let ld = l.dims();
    let rd = r.dims();
    let (m, k) = if ld.len() == 1 {
        (1, ld[0])
    } else {
        (ld[ld.len() - 2], ld[ld.len() - 1])
    };
    let (k2, n) = if rd.len() == 1 {
        (rd[0], 1)
    } else {
        (rd[rd.len() - 2], rd[rd.len() - 1])
    };
    if k != k2 {
        return Err(format!("MatMul contraction sizes differ: {ld:?} x {rd:?}").into());
    }
    let lb = Shape::new(ld[..ld.len().saturating_sub(2)].iter().copied());
    let rb = Shape::new(rd[..rd.len().saturating_sub(2)].iter().copied());
    let batch = broadcast(&[&lb, &rb])?;
    let mut out: Vec<usize> = batch.dims().to_vec();
    if ld.len() > 1 {
        out.push(m);
    }
    if rd.len() > 1 {
        out.push(n);
    }
    Ok((batch, m, k, n, Shape::new(out)))
}

pub fn infer_matmul(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let (l, r) = (a.input(0), a.input(1));
    if l.elem != r.elem || l.elem == ElementType::Bool {
        return Err(format!(
            "MatMul needs numeric operands of one type, found {} and {}",
            l.elem, r.elem
        )
        .into());
    }
    let (_, _, _, _, out) = matmul_shapes(&l.shape, &r.shape)?;
    Ok(vec![TensorType::new(out, l.elem)])
}

pub fn eval_matmul(_a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let (l, r) = (x[0], x[1]);
    let (batch, m, k, n, out_shape) = matmul_shapes(l.shape(), r.shape())?;
    let lb = Shape::new(l.dims()[..l.dims().len().saturating_sub(2)].iter().copied());
    let rb = Shape::new(r.dims()[..r.dims().len().saturating_sub(2)].iter().copied());
    let li = broadcast_indices(&batch, &lb);
    let ri = broadcast_indices(&batch, &rb);
    let (lv, rv) = (l.to_f64s(), r.to_f64s());
    let mut out = vec![0.0; batch.numel() * m * n];
    for b in 0..batch.numel() {
        let av = &lv[li[b] * m * k..(li[b] + 1) * m * k];
        let bv = &rv[ri[b] * k * n..(ri[b] + 1) * k * n];
        gemm_acc(m, n, k, av, bv, &mut out[b * m * n..(b + 1) * m * n]);
    }
    let result = if l.elem().is_float() {
        Tensor::from_f64s(l.elem(), out_shape, &out)
    } else {
        // Integer products are exact in f64 only up to 2^53; compute those exactly.
        let (li64, ri64) = (l.to_i64s(), r.to_i64s());
        let mut iout = vec![0i64; out.len()];
        for b in 0..batch.numel() {
            for i in 0..m {
                for j in 0..n {
                    let mut acc = 0i64;
                    for p in 0..k {
                        acc = acc.wrapping_add(
                            li64[li[b] * m * k + i * k + p]
                                .wrapping_mul(ri64[ri[b] * k * n + p * n + j]),
                        );
                    }
                    iout[b * m * n + i * n + j] = acc;
                }
            }
        }
        Tensor::from_i64s(l.elem(), out_shape, &iout)
    };
    Ok(vec![result])
}

fn gemm_dims(a: &OpArgs) -> Result<(usize, usize, usize, bool, bool), crate::IrError> {
    let (at, bt) = (a.input(0), a.input(1));
    if at.shape.rank() != 2 || bt.shape.rank() != 2 {
        return Err("Gemm operands A and B must be matrices".into());
    }
    let ta = a.int_or("transA", 0)? != 0;
    let tb = a.int_or("transB", 0)? != 0;
    let (m, k) = if ta {
        (at.shape.dims()[1], at.shape.dims()[0])
    } else {
        (at.shape.dims()[0], at.shape.dims()[1])
    };
    let (k2, n) = if tb {
        (bt.shape.dims()[1], bt.shape.dims()[0])
    } else {
        (bt.shape.dims()[0], bt.shape.dims()[1])
    };
    if k != k2 {
        return Err(format!("Gemm contraction sizes differ: {k} and {k2}").into());
    }
    Ok((m, k, n, ta, tb))
}

pub fn infer_gemm(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let (m, _, n, _, _) = gemm_dims(a)?;
    let elem = a.input(0).elem;
    if a.inputs.iter().any(|t| t.elem != elem) || elem == ElementType::Bool {
        return Err("Gemm needs numeric operands of one element type".into());
    }
    let out = Shape::new([m, n]);
    if let Some(c) = a.inputs.get(2) {
        if broadcast(&[&c.shape, &out])? != out {
            return Err(format!(
                "Gemm's C of shape {:?} does not broadcast to [{m}, {n}]",
                c.shape.dims()
            )
            .into());
        }
    }
    Ok(vec![TensorType::new(out, elem)])
}

fn transpose2(v: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    let mut t = vec![0.0; v.len()];
    for i in 0..rows {
        for j in 0..cols {
            t[j * rows + i] = v[i * cols + j];
        }
    }
    t
}

pub fn eval_gemm(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let (m, k, n, ta, tb) = gemm_dims(a)?;
    let alpha = a.float_or("alpha", 1.0)?;
    let beta = a.float_or("beta", 1.0)?;
    let mut av = x[0].to_f64s();
    let mut bv = x[1].to_f64s();
    if ta {
        av = transpose2(&av, k, m);
    }
    if tb {
        bv = transpose2(&bv, n, k);
    }
    let mut out = vec![0.0; m * n];
    gemm_acc(m, n, k, &av, &bv, &mut out);
    let shape = Shape::new([m, n]);
    for o in out.iter_mut() {
        *o *= alpha;
    }
    if let Some(c) = x.get(2) {
        let ci = broadcast_indices(&shape, c.shape());
        let cv = c.to_f64s();
        for (o, &i) in out.iter_mut().zip(&ci) {
            *o += beta * cv[i];
        }
    }
    Ok(vec![Tensor::from_f64s(x[0].elem(), shape, &out)])
}

/// The kernel's spatial size: the `kernel_shape` attribute, else the weight's trailing dims.
fn kernel_shape(a: &OpArgs, from_weight: Option<&[usize]>) -> Result<Vec<usize>, crate::IrError> {
    match (a.ints_opt("kernel_shape")?, from_weight) {
        (Some(k), _) if !k.is_empty() => {
            if k.iter().any(|&d| d < 1) {
                return Err(format!("kernel_shape must be positive, found {k:?}").into());
            }
            Ok(k.iter().map(|&d| d as usize).collect())
        }
        (_, Some(w)) => Ok(w.to_vec()),
        _ => Err("missing attribute 'kernel_shape'".into()),
    }
}

struct ConvGeometry {
    n: usize,
    c: usize,
    m: usize,
    group: usize,
    spatial: Vec<usize>,
    win: Window,
}

fn conv_geometry(a: &OpArgs) -> Result<ConvGeometry, crate::IrError> {
    let (xt, wt) = (a.input(0), a.input(1));
    let rank = xt.shape.rank();
    if rank < 3 {
        return Err(format!("Conv input must be N x C x spatial..., found rank {rank}").into());
    }
    if wt.shape.rank() != rank {
        return Err(format!(
            "Conv weight has rank {} but the input has rank {rank}",
            wt.shape.rank()
        )
        .into());
    }
    let group = a.int_or("group", 1)?;
    let (n, c) = (xt.shape.dims()[0], xt.shape.dims()[1]);
    let (m, cg) = (wt.shape.dims()[0], wt.shape.dims()[1]);
    if group < 1 || c % group as usize != 0 || m % group as usize != 0 || cg * group as usize != c {
        return Err(format!(
            "Conv with group {group}: input has {c} channels, weight is {m} x {cg} x ...; channels must split evenly"
        ).into());
    }
    let kernel = kernel_shape(a, Some(&wt.shape.dims()[2..]))?;
    if kernel != wt.shape.dims()[2..] {
        return Err(format!(
            "kernel_shape {kernel:?} does not match the weight's {:?}",
            &wt.shape.dims()[2..]
        )
        .into());
    }
    let spatial = xt.shape.dims()[2..].to_vec();
    let win = window(a, &spatial, &kernel)?;
    if let Some(b) = a.inputs.get(2) {
        if b.shape.dims() != [m] {
            return Err(format!(
                "Conv bias must have shape [{m}], found {:?}",
                b.shape.dims()
            )
            .into());
        }
    }
    Ok(ConvGeometry {
        n,
        c,
        m,
        group: group as usize,
        spatial,
        win,
    })
}

/// Conv over floats, or over i32 for the integer convolutions quantized models lower to
/// (ConvInteger, QLinearConv); the reference computes in `f64`, exact for i32 sums below
/// 2^53.
pub fn infer_conv(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    if a.input(0).elem != ElementType::I32 {
        require_float(a, 0)?;
    }
    if a.inputs.iter().any(|t| t.elem != a.input(0).elem) {
        return Err("Conv operands must share one element type".into());
    }
    let g = conv_geometry(a)?;
    let mut dims = vec![g.n, g.m];
    dims.extend(&g.win.output);
    Ok(vec![TensorType::new(dims, a.input(0).elem)])
}

/// For each (output position, kernel position) pair, the flat spatial input offset it
/// reads, or `None` where the window covers padding.
fn window_taps(spatial: &[usize], win: &Window) -> Vec<Option<usize>> {
    let k = spatial.len();
    let out_positions: usize = win.output.iter().product();
    let kernel_positions: usize = win.kernel.iter().product();
    let in_strides = Shape::new(spatial.iter().copied()).strides();
    // Per dimension: input coordinate for (o, kk), if inside the input.
    let per_dim: Vec<Vec<Option<usize>>> = (0..k)
        .map(|d| {
            let mut t = Vec::with_capacity(win.output[d] * win.kernel[d]);
            for o in 0..win.output[d] {
                for kk in 0..win.kernel[d] {
                    let p = (o * win.strides[d] + kk * win.dilations[d]) as isize
                        - win.pads_begin[d] as isize;
                    t.push((p >= 0 && (p as usize) < spatial[d]).then_some(p as usize));
                }
            }
            t
        })
        .collect();
    let mut taps = Vec::with_capacity(out_positions * kernel_positions);
    let mut o_idx = vec![0usize; k];
    for _ in 0..out_positions {
        let mut k_idx = vec![0usize; k];
        for _ in 0..kernel_positions {
            let mut off = Some(0usize);
            for d in 0..k {
                off = match (off, per_dim[d][o_idx[d] * win.kernel[d] + k_idx[d]]) {
                    (Some(acc), Some(p)) => Some(acc + p * in_strides[d]),
                    _ => None,
                };
            }
            taps.push(off);
            for d in (0..k).rev() {
                k_idx[d] += 1;
                if k_idx[d] < win.kernel[d] {
                    break;
                }
                k_idx[d] = 0;
            }
        }
        for d in (0..k).rev() {
            o_idx[d] += 1;
            if o_idx[d] < win.output[d] {
                break;
            }
            o_idx[d] = 0;
        }
    }
    taps
}

pub fn eval_conv(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let g = conv_geometry(a)?;
    let xv = x[0].to_f64s();
    let wv = x[1].to_f64s();
    let bias = x.get(2).map(|b| b.to_f64s());
    let in_size: usize = g.spatial.iter().product();
    let out_size: usize = g.win.output.iter().product();
    let ksize: usize = g.win.kernel.iter().product();
    let cg = g.c / g.group;
    let mg = g.m / g.group;
    let taps = window_taps(&g.spatial, &g.win);
    let mut out = vec![0.0; g.n * g.m * out_size];
    let mut cols = vec![0.0; cg * ksize * out_size];
    for n in 0..g.n {
        for grp in 0..g.group {
            for c in 0..cg {
                let base = (n * g.c + grp * cg + c) * in_size;
                for kp in 0..ksize {
                    let row =
                        &mut cols[(c * ksize + kp) * out_size..(c * ksize + kp + 1) * out_size];
                    for (op, slot) in row.iter_mut().enumerate() {
                        *slot = taps[op * ksize + kp].map_or(0.0, |off| xv[base + off]);
                    }
                }
            }
            let w = &wv[grp * mg * cg * ksize..(grp + 1) * mg * cg * ksize];
            let o =
                &mut out[(n * g.m + grp * mg) * out_size..(n * g.m + (grp + 1) * mg) * out_size];
            gemm_acc(mg, out_size, cg * ksize, w, &cols, o);
        }
        if let Some(b) = &bias {
            for m in 0..g.m {
                for v in &mut out[(n * g.m + m) * out_size..(n * g.m + m + 1) * out_size] {
                    *v += b[m];
                }
            }
        }
    }
    let mut dims = vec![g.n, g.m];
    dims.extend(&g.win.output);
    Ok(vec![Tensor::from_f64s(x[0].elem(), Shape::new(dims), &out)])
}

fn pool_window(a: &OpArgs) -> Result<(Vec<usize>, Window), crate::IrError> {
    let xt = a.input(0);
    if xt.shape.rank() < 3 {
        return Err(format!(
            "pooling input must be N x C x spatial..., found rank {}",
            xt.shape.rank()
        )
        .into());
    }
    let spatial = xt.shape.dims()[2..].to_vec();
    let kernel = kernel_shape(a, None)?;
    let win = window(a, &spatial, &kernel)?;
    Ok((spatial, win))
}

pub fn infer_pool(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let xt = a.input(0);
    if xt.elem == ElementType::Bool || (a.name == ops::GRAPH_AVERAGE_POOL && !xt.elem.is_float()) {
        return Err(format!("'{}' does not accept {} operands", a.name, xt.elem).into());
    }
    let (_, win) = pool_window(a)?;
    let mut dims = xt.shape.dims()[..2].to_vec();
    dims.extend(&win.output);
    Ok(vec![
        TensorType::new(dims.clone(), xt.elem),
        TensorType::new(dims, ElementType::I64),
    ])
}

pub fn eval_max_pool(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let (spatial, win) = pool_window(a)?;
    let t = x[0];
    let (n, c) = (t.dims()[0], t.dims()[1]);
    let in_size: usize = spatial.iter().product();
    let out_size: usize = win.output.iter().product();
    let ksize: usize = win.kernel.iter().product();
    let taps = window_taps(&spatial, &win);
    let column_major = a.int_or("storage_order", 0)? != 0;
    let v = t.to_f64s();
    let mut out = vec![0.0; n * c * out_size];
    let mut idx = vec![0i64; n * c * out_size];
    // With storage_order = 1 the index counts spatial positions column-major.
    let to_index = |off: usize| -> usize {
        if !column_major {
            return off;
        }
        let mut rem = off;
        let mut coords = vec![0usize; spatial.len()];
        for d in (0..spatial.len()).rev() {
            coords[d] = rem % spatial[d];
            rem /= spatial[d];
        }
        let mut col = 0;
        for d in (0..spatial.len()).rev() {
            col = col * spatial[d] + coords[d];
        }
        col
    };
    for plane in 0..n * c {
        let base = plane * in_size;
        for op in 0..out_size {
            let mut best = f64::NEG_INFINITY;
            let mut best_off = None;
            for kp in 0..ksize {
                if let Some(off) = taps[op * ksize + kp] {
                    let val = v[base + off];
                    if best_off.is_none() || val > best {
                        best = val;
                        best_off = Some(off);
                    }
                }
            }
            out[plane * out_size + op] = best;
            idx[plane * out_size + op] = (base + best_off.map_or(0, to_index)) as i64;
        }
    }
    let mut dims = t.dims()[..2].to_vec();
    dims.extend(&win.output);
    let shape = Shape::new(dims);
    let mut results = vec![Tensor::from_f64s(t.elem(), shape.clone(), &out)];
    if a.num_results > 1 {
        results.push(Tensor::from_i64s(ElementType::I64, shape, &idx));
    }
    Ok(results)
}

pub fn eval_average_pool(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let (spatial, win) = pool_window(a)?;
    let t = x[0];
    let include_pad = a.int_or("count_include_pad", 0)? != 0;
    let (n, c) = (t.dims()[0], t.dims()[1]);
    let in_size: usize = spatial.iter().product();
    let out_size: usize = win.output.iter().product();
    let ksize: usize = win.kernel.iter().product();
    let taps = window_taps(&spatial, &win);
    // With count_include_pad, the divisor counts window positions inside the explicitly
    // padded input (positions past the padding, from ceil_mode, never count).
    let divisors: Vec<f64> = (0..out_size)
        .map(|op| {
            if !include_pad {
                return taps[op * ksize..(op + 1) * ksize]
                    .iter()
                    .filter(|t| t.is_some())
                    .count() as f64;
            }
            let mut rem = op;
            let mut count = 1usize;
            for d in (0..spatial.len()).rev() {
                let o = rem % win.output[d];
                rem /= win.output[d];
                let lo = -(win.pads_begin[d] as isize);
                let hi = (spatial[d] + win.pads_end[d]) as isize;
                let inside = (0..win.kernel[d])
                    .filter(|&kk| {
                        let p = (o * win.strides[d] + kk * win.dilations[d]) as isize
                            - win.pads_begin[d] as isize;
                        p >= lo && p < hi
                    })
                    .count();
                count *= inside;
            }
            count as f64
        })
        .collect();
    let v = t.to_f64s();
    let mut out = vec![0.0; n * c * out_size];
    for plane in 0..n * c {
        let base = plane * in_size;
        for op in 0..out_size {
            let sum: f64 = taps[op * ksize..(op + 1) * ksize]
                .iter()
                .flatten()
                .map(|&off| v[base + off])
                .sum();
            out[plane * out_size + op] = sum / divisors[op];
        }
    }
    let mut dims = t.dims()[..2].to_vec();
    dims.extend(&win.output);
    Ok(vec![Tensor::from_f64s(t.elem(), Shape::new(dims), &out)])
}

pub fn infer_global_pool(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    require_float(a, 0)?;
    let t = a.input(0);
    if t.shape.rank() < 2 {
        return Err("global pooling needs an N x C x ... input".into());
    }
    let dims: Vec<usize> = t
        .shape
        .dims()
        .iter()
        .enumerate()
        .map(|(i, &d)| if i < 2 { d } else { 1 })
        .collect();
    Ok(vec![TensorType::new(dims, t.elem)])
}

pub fn eval_global_pool(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let t = x[0];
    let axes: Vec<usize> = (2..t.shape().rank()).collect();
    let (kept, red) = split_axes(t.shape(), &axes);
    let v = t.to_f64s();
    let is_max = a.name == ops::GRAPH_GLOBAL_MAX_POOL;
    let out: Vec<f64> = kept
        .iter()
        .map(|&k| {
            if is_max {
                red.iter()
                    .map(|&o| v[k + o])
                    .fold(f64::NEG_INFINITY, f64::max)
            } else {
                red.iter().map(|&o| v[k + o]).sum::<f64>() / red.len() as f64
            }
        })
        .collect();
    let ty = infer_global_pool(a)?.remove(0);
    Ok(vec![Tensor::from_f64s(t.elem(), ty.shape, &out)])
}

fn check_channel_params(a: &OpArgs, from: usize, to: usize) -> Result<usize, crate::IrError> {
    let t = a.input(0);
    if t.shape.rank() < 2 {
        return Err(format!("'{}' needs an N x C x ... input", a.name).into());
    }
    let c = t.shape.dims()[1];
    for i in from..to {
        let p = a.input(i);
        if p.shape.dims() != [c] {
            return Err(format!(
                "operand #{i} must have shape [{c}], found {:?}",
                p.shape.dims()
            )
            .into());
        }
    }
    Ok(c)
}

pub fn infer_batch_norm(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    require_float(a, 0)?;
    check_channel_params(a, 1, 5)?;
    Ok(vec![a.input(0).clone()])
}

/// Applies `y = x * scale[c] + shift[c]` per channel.
fn per_channel_affine(t: &Tensor, scale: &[f64], shift: &[f64]) -> Tensor {
    let dims = t.dims();
    let c = dims[1];
    let inner: usize = dims[2..].iter().product();
    let mut v = t.to_f64s();
    for (i, x) in v.iter_mut().enumerate() {
        let ch = (i / inner.max(1)) % c;
        *x = *x * scale[ch] + shift[ch];
    }
    Tensor::from_f64s(t.elem(), t.shape().clone(), &v)
}

pub fn eval_batch_norm(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let eps = a.float_or("epsilon", 1e-5)?;
    let (scale, bias, mean, var) = (
        x[1].to_f64s(),
        x[2].to_f64s(),
        x[3].to_f64s(),
        x[4].to_f64s(),
    );
    let s: Vec<f64> = (0..scale.len())
        .map(|c| scale[c] / (var[c] + eps).sqrt())
        .collect();
    let b: Vec<f64> = (0..scale.len()).map(|c| bias[c] - mean[c] * s[c]).collect();
    Ok(vec![per_channel_affine(x[0], &s, &b)])
}

pub fn infer_instance_norm(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    require_float(a, 0)?;
    check_channel_params(a, 1, 3)?;
    Ok(vec![a.input(0).clone()])
}

pub fn eval_instance_norm(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let eps = a.float_or("epsilon", 1e-5)?;
    let t = x[0];
    let (scale, bias) = (x[1].to_f64s(), x[2].to_f64s());
    let c = t.dims()[1];
    let inner: usize = t.dims()[2..].iter().product();
    let mut v = t.to_f64s();
    for (plane, chunk) in v.chunks_mut(inner.max(1)).enumerate() {
        let ch = plane % c;
        let mean = chunk.iter().sum::<f64>() / inner as f64;
        let var = chunk.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / inner as f64;
        let inv = 1.0 / (var + eps).sqrt();
        for x in chunk.iter_mut() {
            *x = (*x - mean) * inv * scale[ch] + bias[ch];
        }
    }
    Ok(vec![Tensor::from_f64s(t.elem(), t.shape().clone(), &v)])
}

fn layer_norm_stats_type(a: &OpArgs) -> Result<TensorType, crate::IrError> {
    let t = a.input(0);
    let axis = normalize_axis(a.int_or("axis", -1)?, t.shape.rank())?;
    let dims: Vec<usize> = t
        .shape
        .dims()
        .iter()
        .enumerate()
        .map(|(i, &d)| if i < axis { d } else { 1 })
        .collect();
    let elem = if a.int_or("stash_type", 1)? == 1 {
        ElementType::F32
    } else {
        t.elem
    };
    Ok(TensorType::new(dims, elem))
}

pub fn infer_layer_norm(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    require_float(a, 0)?;
    let t = a.input(0);
    for i in 1..a.inputs.len() {
        if a.input(i).elem != t.elem {
            return Err(
                format!("operand #{i} must be {}, found {}", t.elem, a.input(i).elem).into(),
            );
        }
        if broadcast(&[&a.input(i).shape, &t.shape])? != t.shape {
            return Err(format!("operand #{i} does not broadcast to the input's shape").into());
        }
    }
    let stats = layer_norm_stats_type(a)?;
    Ok(vec![t.clone(), stats.clone(), stats])
}

pub fn eval_layer_norm(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let t = x[0];
    let eps = a.float_or("epsilon", 1e-5)?;
    let axis = normalize_axis(a.int_or("axis", -1)?, t.shape().rank())?;
    let inner: usize = t.dims()[axis..].iter().product();
    let si = broadcast_indices(t.shape(), x[1].shape());
    let sv = x[1].to_f64s();
    let bias = x
        .get(2)
        .map(|b| (broadcast_indices(t.shape(), b.shape()), b.to_f64s()));
    let mut v = t.to_f64s();
    let rows = v.len().checked_div(inner).unwrap_or(0);
    let mut means = Vec::with_capacity(rows);
    let mut invs = Vec::with_capacity(rows);
    for r in 0..rows {
        let chunk = &mut v[r * inner..(r + 1) * inner];
        let mean = chunk.iter().sum::<f64>() / inner as f64;
        let var = chunk.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / inner as f64;
        let inv = 1.0 / (var + eps).sqrt();
        for (j, x) in chunk.iter_mut().enumerate() {
            let i = r * inner + j;
            let mut y = (*x - mean) * inv * sv[si[i]];
            if let Some((bi, bv)) = &bias {
                y += bv[bi[i]];
            }
            *x = y;
        }
        means.push(mean);
        invs.push(inv);
    }
    let stats = layer_norm_stats_type(a)?;
    let mut out = vec![Tensor::from_f64s(t.elem(), t.shape().clone(), &v)];
    if a.num_results > 1 {
        out.push(Tensor::from_f64s(stats.elem, stats.shape.clone(), &means));
    }
    if a.num_results > 2 {
        out.push(Tensor::from_f64s(stats.elem, stats.shape, &invs));
    }
    Ok(out)
}

pub fn eval_lrn(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let t = x[0];
    if t.shape().rank() < 3 {
        return Err("LRN needs an N x C x spatial... input".into());
    }
    let size = a.int("size")?;
    if size < 1 {
        return Err(format!("LRN size must be positive, found {size}").into());
    }
    let alpha = a.float_or("alpha", 1e-4)?;
    let beta = a.float_or("beta", 0.75)?;
    let bias = a.float_or("bias", 1.0)?;
    let (n, c) = (t.dims()[0], t.dims()[1]);
    let inner: usize = t.dims()[2..].iter().product();
    let v = t.to_f64s();
    let before = ((size - 1) / 2) as isize;
    let after = (size - 1) as isize - before;
    let mut out = vec![0.0; v.len()];
    for b in 0..n {
        for ch in 0..c {
            for i in 0..inner {
                let lo = (ch as isize - before).max(0) as usize;
                let hi = ((ch as isize + after) as usize).min(c - 1);
                let sq: f64 = (lo..=hi)
                    .map(|cc| v[(b * c + cc) * inner + i].powi(2))
                    .sum();
                let idx = (b * c + ch) * inner + i;
                out[idx] = v[idx] / (bias + alpha / size as f64 * sq).powf(beta);
            }
        }
    }
    Ok(vec![Tensor::from_f64s(t.elem(), t.shape().clone(), &out)])
}

struct ConvTransposeGeometry {
    n: usize,
    c: usize,
    m: usize,
    group: usize,
    out_spatial: Vec<usize>,
    /// The window viewed from the input: input position `i` and kernel position `k` write
    /// output coordinate `i * stride + k * dilation - pad_begin`.
    win: Window,
}

fn conv_transpose_geometry(a: &OpArgs) -> Result<ConvTransposeGeometry, crate::IrError> {
    let (xt, wt) = (a.input(0), a.input(1));
    let rank = xt.shape.rank();
    if rank < 3 || wt.shape.rank() != rank {
        return Err(format!("ConvTranspose needs N x C x spatial... input and a weight of the same rank, found ranks {rank} and {}", wt.shape.rank()).into());
    }
    let k = rank - 2;
    let group = a.int_or("group", 1)?;
    let (n, c) = (xt.shape.dims()[0], xt.shape.dims()[1]);
    if group < 1 || wt.shape.dims()[0] != c || c % group as usize != 0 {
        return Err(format!(
            "ConvTranspose weight {:?} does not fit {c} input channels in {group} groups",
            wt.shape.dims()
        )
        .into());
    }
    let group = group as usize;
    let m = wt.shape.dims()[1] * group;
    let kernel = kernel_shape(a, Some(&wt.shape.dims()[2..]))?;
    let spatial: Vec<usize> = xt.shape.dims()[2..].to_vec();
    let list = |name: &str, default: usize, len: usize| -> Result<Vec<usize>, crate::IrError> {
        match a.ints_opt(name)? {
            Some(v) if !v.is_empty() => {
                if v.len() < len || v.iter().any(|&x| x < 0) {
                    return Err(format!(
                        "'{name}' must list {len} non-negative values, found {v:?}"
                    )
                    .into());
                }
                Ok(v.iter().map(|&x| x as usize).collect())
            }
            _ => Ok(vec![default; len]),
        }
    };
    let strides = list("strides", 1, k)?;
    let dilations = list("dilations", 1, k)?;
    let output_padding = list("output_padding", 0, k)?;
    if strides.contains(&0) || dilations.contains(&0) {
        return Err("strides and dilations must be positive".into());
    }
    let full: Vec<usize> = (0..k)
        .map(|i| {
            strides[i] * (spatial[i].max(1) - 1)
                + output_padding[i]
                + (kernel[i] - 1) * dilations[i]
                + 1
        })
        .collect();
    let auto_pad = a.string_or("auto_pad", "NOTSET")?;
    let output_shape = a.ints_opt("output_shape")?.filter(|v| !v.is_empty());
    let (pads_begin, pads_end, out_spatial) = if matches!(auto_pad, "SAME_UPPER" | "SAME_LOWER")
        && a.ints_opt("pads")?.is_none_or(|p| p.is_empty())
    {
        let target: Vec<usize> = match &output_shape {
            Some(s) => s[s.len().saturating_sub(k)..]
                .iter()
                .map(|&d| d.max(0) as usize)
                .collect(),
            None => (0..k).map(|i| spatial[i] * strides[i]).collect(),
        };
        let mut pb = vec![0; k];
        let mut pe = vec![0; k];
        for i in 0..k {
            let total = full[i].checked_sub(target[i]).ok_or_else(|| {
                format!("output_shape {target:?} is larger than the full output {full:?}")
            })?;
            let (small, big) = (total / 2, total - total / 2);
            (pb[i], pe[i]) = if auto_pad == "SAME_UPPER" {
                (small, big)
            } else {
                (big, small)
            };
        }
        (pb, pe, target)
    } else {
        let pads = list("pads", 0, 2 * k)?;
        let (pb, pe) = (pads[..k].to_vec(), pads[k..2 * k].to_vec());
        let out = match &output_shape {
            Some(s) => s[s.len().saturating_sub(k)..]
                .iter()
                .map(|&d| d.max(0) as usize)
                .collect(),
            None => (0..k)
                .map(|i| {
                    full[i]
                        .checked_sub(pb[i] + pe[i])
                        .ok_or_else(|| format!("pads {pads:?} exceed the output size {full:?}"))
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        (pb, pe, out)
    };
    if let Some(b) = a.inputs.get(2) {
        if b.shape.dims() != [m] {
            return Err(format!(
                "ConvTranspose bias must have shape [{m}], found {:?}",
                b.shape.dims()
            )
            .into());
        }
    }
    Ok(ConvTransposeGeometry {
        n,
        c,
        m,
        group,
        out_spatial,
        win: Window {
            kernel,
            strides,
            dilations,
            pads_begin,
            pads_end,
            output: spatial,
        },
    })
}

pub fn infer_conv_transpose(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    require_float(a, 0)?;
    if a.inputs.iter().any(|t| t.elem != a.input(0).elem) {
        return Err("ConvTranspose operands must share one element type".into());
    }
    let g = conv_transpose_geometry(a)?;
    let mut dims = vec![g.n, g.m];
    dims.extend(&g.out_spatial);
    Ok(vec![TensorType::new(dims, a.input(0).elem)])
}

pub fn eval_conv_transpose(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let g = conv_transpose_geometry(a)?;
    let xv = x[0].to_f64s();
    let wv = x[1].to_f64s();
    let in_size: usize = g.win.output.iter().product();
    let out_size: usize = g.out_spatial.iter().product();
    let ksize: usize = g.win.kernel.iter().product();
    let (cg, mg) = (g.c / g.group, g.m / g.group);
    // Scatter targets: for (input position, kernel position), the output offset written.
    let taps = window_taps(&g.out_spatial, &g.win);
    let mut out = vec![0.0; g.n * g.m * out_size];
    for n in 0..g.n {
        for grp in 0..g.group {
            // cols (mg*k x in) = W_g^T (mg*k x cg) . X_g (cg x in)
            let w = &wv[grp * cg * mg * ksize..(grp + 1) * cg * mg * ksize];
            let wt = transpose2(w, cg, mg * ksize);
            let xg = &xv[(n * g.c + grp * cg) * in_size..(n * g.c + (grp + 1) * cg) * in_size];
            let mut cols = vec![0.0; mg * ksize * in_size];
            gemm_acc(mg * ksize, in_size, cg, &wt, xg, &mut cols);
            for m in 0..mg {
                let plane = &mut out
                    [(n * g.m + grp * mg + m) * out_size..(n * g.m + grp * mg + m + 1) * out_size];
                for kp in 0..ksize {
                    let row = &cols[(m * ksize + kp) * in_size..(m * ksize + kp + 1) * in_size];
                    for (i, &v) in row.iter().enumerate() {
                        if let Some(off) = taps[i * ksize + kp] {
                            plane[off] += v;
                        }
                    }
                }
            }
        }
        if let Some(b) = x.get(2) {
            let b = b.to_f64s();
            for m in 0..g.m {
                for v in &mut out[(n * g.m + m) * out_size..(n * g.m + m + 1) * out_size] {
                    *v += b[m];
                }
            }
        }
    }
    let mut dims = vec![g.n, g.m];
    dims.extend(&g.out_spatial);
    Ok(vec![Tensor::from_f64s(x[0].elem(), Shape::new(dims), &out)])
}

pub fn eval_lp_pool(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let (spatial, win) = pool_window(a)?;
    let t = x[0];
    let p = a.float_or("p", 2.0)?;
    let (n, c) = (t.dims()[0], t.dims()[1]);
    let in_size: usize = spatial.iter().product();
    let out_size: usize = win.output.iter().product();
    let ksize: usize = win.kernel.iter().product();
    let taps = window_taps(&spatial, &win);
    let v = t.to_f64s();
    let mut out = vec![0.0; n * c * out_size];
    for plane in 0..n * c {
        for op in 0..out_size {
            let s: f64 = taps[op * ksize..(op + 1) * ksize]
                .iter()
                .flatten()
                .map(|&off| v[plane * in_size + off].abs().powf(p))
                .sum();
            out[plane * out_size + op] = s.powf(1.0 / p);
        }
    }
    let mut dims = t.dims()[..2].to_vec();
    dims.extend(&win.output);
    Ok(vec![Tensor::from_f64s(t.elem(), Shape::new(dims), &out)])
}

pub fn infer_rms_norm(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    require_float(a, 0)?;
    let t = a.input(0);
    normalize_axis(a.int_or("axis", -1)?, t.shape.rank())?;
    if broadcast(&[&a.input(1).shape, &t.shape])? != t.shape {
        return Err("scale does not broadcast to the input's shape".into());
    }
    Ok(vec![t.clone()])
}

pub fn eval_rms_norm(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let t = x[0];
    let eps = a.float_or("epsilon", 1e-5)?;
    let axis = normalize_axis(a.int_or("axis", -1)?, t.shape().rank())?;
    let inner: usize = t.dims()[axis..].iter().product();
    let si = broadcast_indices(t.shape(), x[1].shape());
    let sv = x[1].to_f64s();
    let mut v = t.to_f64s();
    for (r, chunk) in v.chunks_mut(inner.max(1)).enumerate() {
        let ms = chunk.iter().map(|x| x * x).sum::<f64>() / inner as f64;
        let inv = 1.0 / (ms + eps).sqrt();
        for (j, x) in chunk.iter_mut().enumerate() {
            *x = *x * inv * sv[si[r * inner + j]];
        }
    }
    Ok(vec![Tensor::from_f64s(t.elem(), t.shape().clone(), &v)])
}

pub fn eval_mean_variance_norm(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let t = x[0];
    let rank = t.shape().rank();
    let axes = a.ints_opt("axes")?.unwrap_or_else(|| vec![0, 2, 3]);
    let axes = axes
        .iter()
        .map(|&ax| normalize_axis(ax, rank))
        .collect::<Result<Vec<_>, _>>()?;
    let (kept, red) = split_axes(t.shape(), &axes);
    let v = t.to_f64s();
    let mut out = vec![0.0; v.len()];
    let n = red.len().max(1) as f64;
    for &k in &kept {
        let mean = red.iter().map(|&o| v[k + o]).sum::<f64>() / n;
        let mean_sq = red.iter().map(|&o| v[k + o] * v[k + o]).sum::<f64>() / n;
        let std = (mean_sq - mean * mean).max(0.0).sqrt();
        for &o in &red {
            out[k + o] = (v[k + o] - mean) / (std + 1e-9);
        }
    }
    Ok(vec![Tensor::from_f64s(t.elem(), t.shape().clone(), &out)])
}

pub fn infer_group_norm(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    require_float(a, 0)?;
    let c = check_channel_params(a, 1, 3)?;
    let g = a.int("num_groups")?;
    if g < 1 || c % g as usize != 0 {
        return Err(format!("{c} channels do not split into {g} groups").into());
    }
    Ok(vec![a.input(0).clone()])
}

pub fn eval_group_norm(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let t = x[0];
    let eps = a.float_or("epsilon", 1e-5)?;
    let groups = a.int("num_groups")? as usize;
    let c = t.dims()[1];
    let inner: usize = t.dims()[2..].iter().product();
    let chunk_len = c / groups * inner;
    let (scale, bias) = (x[1].to_f64s(), x[2].to_f64s());
    let mut v = t.to_f64s();
    for (gi, chunk) in v.chunks_mut(chunk_len.max(1)).enumerate() {
        let mean = chunk.iter().sum::<f64>() / chunk_len as f64;
        let var = chunk.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / chunk_len as f64;
        let inv = 1.0 / (var + eps).sqrt();
        let first_channel = (gi % groups) * (c / groups);
        for (j, x) in chunk.iter_mut().enumerate() {
            let ch = first_channel + j / inner.max(1);
            *x = (*x - mean) * inv * scale[ch] + bias[ch];
        }
    }
    Ok(vec![Tensor::from_f64s(t.elem(), t.shape().clone(), &v)])
}

/// The sliding window of a Conv or pooling op (graph op `name`) with these operand types
/// and attributes, `auto_pad` and `ceil_mode` resolved: what lowerings index by.
pub fn window_of(
    name: impl Into<OpName>,
    inputs: &[TensorType],
    attrs: &std::collections::BTreeMap<String, crate::attr::Attribute>,
) -> Result<Window, crate::IrError> {
    let name = name.into();
    let a = OpArgs {
        name,
        inputs,
        attrs,
        num_results: 1,
    };
    if name == ops::GRAPH_CONV {
        conv_geometry(&a).map(|g| g.win)
    } else {
        pool_window(&a).map(|(_, w)| w)
    }
}

/// ConvTranspose geometry for lowerings: the window seen from the input (input position
/// `i` and kernel position `k` write output `i * stride + k * dilation - pad_begin`), the
/// group count and the output's spatial size.
pub fn conv_transpose_window(
    inputs: &[TensorType],
    attrs: &std::collections::BTreeMap<String, crate::attr::Attribute>,
) -> Result<(Window, usize, Vec<usize>), crate::IrError> {
    let a = OpArgs {
        name: ops::GRAPH_CONV_TRANSPOSE,
        inputs,
        attrs,
        num_results: 1,
    };
    let g = conv_transpose_geometry(&a)?;
    Ok((g.win, g.group, g.out_spatial))
}
