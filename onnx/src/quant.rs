//! Quantization ops: ONNX's linear quantization family as graph ops.
//!
//! QuantizeLinear and DequantizeLinear (per tensor, per axis, blocked) become the graph
//! dialect's own quantize/dequantize ops, with scale and zero point reshaped (and, when
//! blocked, repeated) to broadcast against the data, so the graph ops are elementwise.
//! The integer products (MatMulInteger, ConvInteger) contract the 8-bit values widened
//! to i32 and subtract the zero points' terms after; the QLinear ops add onnxruntime's requantization: the i32
//! accumulator times `a_scale · b_scale / y_scale` in f32, rounded half to even, plus the
//! output zero point, saturated.

use crate::import::{Importer, NodeCtx};
use crate::ops::{onnx_type, Builder};
use crate::ImportError;
use std::collections::BTreeMap;
use strata_ir::ops as names;
use strata_ir::{graph, Attribute, ElementType, Shape, Tensor};

/// Shapes a scale or zero point to broadcast against data of shape `data`: a single value
/// becomes a scalar, a vector lies along `axis`, a blocked tensor repeats each value over
/// its block of `block` elements along `axis` (the last block may be short).
fn spread(
    b: &mut Builder,
    v: usize,
    what: &str,
    data: &[usize],
    axis: i64,
    block: i64,
) -> Result<usize, ImportError> {
    let node = b.node;
    let vd = b.dims(v);
    let n: usize = vd.iter().product();
    if n == 1 && (block == 0 || data.is_empty()) {
        return if vd.is_empty() {
            Ok(v)
        } else {
            b.reshape(v, &[])
        };
    }
    let rank = data.len();
    let ax = strata_ir::types::normalize_axis(axis, rank).map_err(|e| node.error(e.to_string()))?;
    if block == 0 {
        if vd.len() != 1 || vd[0] != data[ax] {
            return Err(node.error(format!(
                "the {what} of shape {vd:?} must be one value or one per element of axis {axis} (size {})",
                data[ax]
            )));
        }
        let mut dims = vec![data[ax]];
        dims.extend(std::iter::repeat_n(1, rank - ax - 1));
        return b.reshape(v, &dims);
    }
    if block < 0 {
        return Err(node.error(format!("block_size must be positive, found {block}")));
    }
    let block = block as usize;
    let blocks = data[ax].div_ceil(block);
    let fits = vd.len() == rank
        && (0..rank).all(|i| {
            if i == ax {
                vd[i] == blocks
            } else {
                vd[i] == data[i]
            }
        });
    if !fits {
        return Err(node.error(format!(
            "the {what} of shape {vd:?} does not block data {data:?} by {block} along axis {axis}"
        )));
    }
    let mut unsq: Vec<usize> = vd.clone();
    unsq.insert(ax + 1, 1);
    let u = b.reshape(v, &unsq)?;
    let mut wide: Vec<i64> = unsq.iter().map(|&d| d as i64).collect();
    wide[ax + 1] = block as i64;
    let e = b.op(
        names::GRAPH_EXPAND,
        &[u],
        &[("shape", Attribute::I64Array(wide))],
    )?;
    let mut flat = vd.clone();
    flat[ax] = blocks * block;
    let r = b.reshape(e, &flat)?;
    if blocks * block == data[ax] {
        return Ok(r);
    }
    b.op(
        names::GRAPH_SLICE,
        &[r],
        &[
            ("starts", Attribute::I64Array(vec![0])),
            ("ends", Attribute::I64Array(vec![data[ax] as i64])),
            ("axes", Attribute::I64Array(vec![ax as i64])),
        ],
    )
}

fn zero(b: &mut Builder, elem: ElementType) -> usize {
    b.constant(Tensor::from_f64s(elem, Shape::scalar(), &[0.0]))
}

fn quant_type(node: &NodeCtx, elem: ElementType, what: &str) -> Result<(), ImportError> {
    if (strata_ir::graph::quant::int_range(elem).is_none() && !elem.is_storage_float())
        || matches!(elem, ElementType::I32 | ElementType::U32)
    {
        return Err(node.error(format!(
            "the {what} type {elem} is not a quantized type Strata has (i8, ui8, i16, ui16, int4, uint4, int2, uint2, the float8 types, float4e2m1)"
        )));
    }
    Ok(())
}

/// The float type two float types compute in together (numpy's promotion).
fn wider(a: ElementType, b: ElementType) -> ElementType {
    if a == b {
        a
    } else if a == ElementType::F64 || b == ElementType::F64 {
        ElementType::F64
    } else {
        ElementType::F32
    }
}

/// An element-type attribute (an ONNX type code; 0 or absent means unset).
fn type_attr(node: &NodeCtx, name: &str) -> Result<Option<ElementType>, ImportError> {
    match node.attr_int(name).filter(|&c| c != 0) {
        Some(code) => Ok(Some(onnx_type(node, code)?)),
        None => Ok(None),
    }
}

pub(crate) fn quantize_linear(
    imp: &mut Importer,
    node: &NodeCtx,
) -> Result<Vec<usize>, ImportError> {
    let (x, scale) = (imp.required(node, 0)?, imp.required(node, 1)?);
    let zp = node.input(2);
    let axis = node.attr_int("axis").unwrap_or(1);
    let block = node.attr_int("block_size").unwrap_or(0);
    let declared = type_attr(node, "output_dtype")?;
    let precision = type_attr(node, "precision")?;
    let mut b = Builder { imp, node };
    let (xe, se) = (b.imp.values[x].ty.elem, b.imp.values[scale].ty.elem);
    if !xe.is_float() || !se.is_float() {
        return Err(node.error(format!(
            "QuantizeLinear needs float data and scale, found {xe} and {se}"
        )));
    }
    let out = match (zp, declared) {
        (Some(z), Some(d)) if b.imp.values[z].ty.elem != d => {
            return Err(node.error(format!(
                "output_dtype {d} differs from the zero point's type {}",
                b.imp.values[z].ty.elem
            )))
        }
        (Some(z), _) => b.imp.values[z].ty.elem,
        (None, Some(d)) => d,
        (None, None) => ElementType::U8,
    };
    quant_type(node, out, "output")?;
    let data = b.dims(x);
    let ct = precision.unwrap_or_else(|| wider(xe, se));
    let xc = b.cast(x, ct)?;
    let s = spread(&mut b, scale, "scale", &data, axis, block)?;
    let s = b.cast(s, ct)?;
    let z = match zp {
        Some(z) => spread(&mut b, z, "zero point", &data, axis, block)?,
        None => zero(&mut b, out),
    };
    let saturate = node.attr_int("saturate").unwrap_or(1);
    Ok(vec![b.op(
        names::GRAPH_QUANTIZE_LINEAR,
        &[xc, s, z],
        &[("saturate", Attribute::Int(saturate))],
    )?])
}

pub(crate) fn dequantize_linear(
    imp: &mut Importer,
    node: &NodeCtx,
) -> Result<Vec<usize>, ImportError> {
    let (x, scale) = (imp.required(node, 0)?, imp.required(node, 1)?);
    let zp = node.input(2);
    let axis = node.attr_int("axis").unwrap_or(1);
    let block = node.attr_int("block_size").unwrap_or(0);
    let declared = type_attr(node, "output_dtype")?;
    let mut b = Builder { imp, node };
    let xe = b.imp.values[x].ty.elem;
    if strata_ir::graph::quant::int_range(xe).is_none() && !xe.is_storage_float() {
        return Err(node.error(format!(
            "DequantizeLinear of {xe} data is not supported (integers of 32 bits or fewer, the float8 types and float4e2m1 are)"
        )));
    }
    let data = b.dims(x);
    let s = spread(&mut b, scale, "scale", &data, axis, block)?;
    let z = match zp {
        Some(z) => spread(&mut b, z, "zero point", &data, axis, block)?,
        None => zero(&mut b, xe),
    };
    let y = b.op(names::GRAPH_DEQUANTIZE_LINEAR, &[x, s, z], &[])?;
    Ok(vec![match declared {
        Some(d) => b.cast(y, d)?,
        None => y,
    }])
}

/// An 8-bit operand widened to i32 with its zero point subtracted. A zero point that is
/// a constant zero subtracts nothing; a vector zero point of A (`per_row`) is one value
/// per row.
fn widen(
    b: &mut Builder,
    v: usize,
    zp: Option<usize>,
    what: &str,
    per_row: bool,
) -> Result<usize, ImportError> {
    let node = b.node;
    let e = b.imp.values[v].ty.elem;
    if e != ElementType::I8 && e != ElementType::U8 {
        return Err(node.error(format!("{what} must be i8 or ui8, found {e}")));
    }
    let w = b.cast(v, ElementType::I32)?;
    match zero_point(b, zp, v, what, per_row)? {
        Some(z) => b.op(names::GRAPH_SUB, &[w, z], &[]),
        None => Ok(w),
    }
}

/// Zero point `zp` of `of` as i32, shaped to broadcast against it (one per row of a
/// matrix where `per_row`), or `None` where there is nothing to subtract (absent, or a
/// constant of zeros).
fn zero_point(
    b: &mut Builder,
    zp: Option<usize>,
    of: usize,
    what: &str,
    per_row: bool,
) -> Result<Option<usize>, ImportError> {
    let Some(z) = zp else { return Ok(None) };
    let e = b.imp.values[of].ty.elem;
    if b.imp.values[z].ty.elem != e {
        return Err(b.node.error(format!(
            "the zero point of {what} is {}, not {e} like {what}",
            b.imp.values[z].ty.elem
        )));
    }
    if let Some(t) = &b.imp.values[z].known {
        if t.all_f64(|x| x == 0.0) {
            return Ok(None);
        }
    }
    let mut z = b.cast(z, ElementType::I32)?;
    let zd = b.dims(z);
    if per_row && zd.len() == 1 && zd[0] > 1 {
        z = b.reshape(z, &[zd[0], 1])?;
    }
    Ok(Some(z))
}

/// A vector with one value per output channel of a convolution, shaped to broadcast
/// against a tensor whose channel axis has `trailing` axes after it (the weights
/// `[M, C, k...]` or the result `[N, M, ...]`).
fn per_channel(b: &mut Builder, v: usize, trailing: usize) -> Result<usize, ImportError> {
    let d = b.dims(v);
    if d.len() == 1 && d[0] > 1 {
        let mut dims = vec![d[0]];
        dims.extend(std::iter::repeat_n(1, trailing));
        return b.reshape(v, &dims);
    }
    Ok(v)
}

/// The i32 product `(A - za)·(B - zb)` of 8-bit matrices, as the product of the 8-bit
/// values themselves with the zero points' terms subtracted after it:
/// `A·B - za·colsum(B) - rowsum(A)·zb + K·za·zb`, exact in wrapping i32 arithmetic. So
/// the product's factors stay 8-bit integers (widened where they are read), which an
/// int8 systolic array takes whole; with constant weights, `colsum(B)` folds now. `za`
/// may hold one value per row of A, `zb` one per column of B. Vectors (rank-1 factors)
/// subtract the zero points first.
fn integer_product(
    b: &mut Builder,
    (a, za): (usize, Option<usize>),
    (bm, zb): (usize, Option<usize>),
    names_of: [&str; 2],
) -> Result<usize, ImportError> {
    let (ad, bd) = (b.dims(a), b.dims(bm));
    if ad.len() < 2 || bd.len() < 2 {
        let a = widen(b, a, za, names_of[0], true)?;
        let bm = widen(b, bm, zb, names_of[1], false)?;
        return b.op(names::GRAPH_MATMUL, &[a, bm], &[]);
    }
    // Checks the types; the zero points are applied below.
    let wa = widen(b, a, None, names_of[0], true)?;
    let wb = widen(b, bm, None, names_of[1], false)?;
    let za = zero_point(b, za, a, names_of[0], true)?;
    let zb = zero_point(b, zb, bm, names_of[1], false)?;
    let mut acc = b.op(names::GRAPH_MATMUL, &[wa, wb], &[])?;
    let sum_over = |b: &mut Builder, v: usize, axis: usize| {
        b.op(
            names::GRAPH_REDUCE_SUM,
            &[v],
            &[
                ("axes", Attribute::I64Array(vec![axis as i64])),
                ("keepdims", Attribute::Int(1)),
            ],
        )
    };
    if let Some(za) = za {
        let colsum = sum_over(b, wb, bd.len() - 2)?;
        let term = b.op(names::GRAPH_MUL, &[za, colsum], &[])?;
        acc = b.op(names::GRAPH_SUB, &[acc, term], &[])?;
    }
    if let Some(zb) = zb {
        let rowsum = sum_over(b, wa, ad.len() - 1)?;
        let term = b.op(names::GRAPH_MUL, &[rowsum, zb], &[])?;
        acc = b.op(names::GRAPH_SUB, &[acc, term], &[])?;
    }
    if let (Some(za), Some(zb)) = (za, zb) {
        // K wraps like the sums it corrects.
        let k = b.constant(Tensor::scalar(ad[ad.len() - 1] as u32 as i32));
        let kz = b.op(names::GRAPH_MUL, &[k, za], &[])?;
        let term = b.op(names::GRAPH_MUL, &[kz, zb], &[])?;
        acc = b.op(names::GRAPH_ADD, &[acc, term], &[])?;
    }
    Ok(acc)
}

pub(crate) fn matmul_integer(
    imp: &mut Importer,
    node: &NodeCtx,
) -> Result<Vec<usize>, ImportError> {
    let (a, bm) = (imp.required(node, 0)?, imp.required(node, 1)?);
    let mut b = Builder { imp, node };
    Ok(vec![integer_product(
        &mut b,
        (a, node.input(2)),
        (bm, node.input(3)),
        ["A", "B"],
    )?])
}

pub(crate) fn conv_integer(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let attrs = imp.convert_attrs(node, &[])?;
    let (x, w) = (imp.required(node, 0)?, imp.required(node, 1)?);
    let mut b = Builder { imp, node };
    let operands = [(x, node.input(2)), (w, node.input(3))];
    Ok(vec![integer_conv(
        &mut b,
        operands,
        None,
        attrs,
        ["X", "W"],
    )?])
}

/// The i32 convolution `(X - zx) ⊛ (W - zw)` of 8-bit tensors (`zw` one per output
/// channel or one in all), as the convolution of the 8-bit values themselves with the
/// zero points' terms subtracted after it, like [`integer_product`]:
/// `X⊛W - zw·winsum(X) - zx·sum(W) + K·zx·zw`, where `winsum` sums each window over its
/// group's channels and `K` counts a window's taps. The padding must contribute nothing
/// to the true sum, so X is padded with its own zero point before the convolution (which
/// then pads nothing): a constant zero point is the pad's value, a computed one is
/// selected into the padded positions. So the convolution's factors stay 8-bit, which an
/// int8 systolic array takes whole; with constant weights `sum(W)` folds now.
fn integer_conv(
    b: &mut Builder,
    [(x, zx), (w, zw)]: [(usize, Option<usize>); 2],
    bias: Option<usize>,
    mut attrs: BTreeMap<String, Attribute>,
    names_of: [&str; 2],
) -> Result<usize, ImportError> {
    let node = b.node;
    let (xd, wd) = (b.dims(x), b.dims(w));
    let k = wd.len().saturating_sub(2);
    // Checks the types; the zero points are applied below.
    let wx = widen(b, x, None, names_of[0], false)?;
    let ww = widen(b, w, None, names_of[1], false)?;
    if let Some(z) = zx {
        if b.imp.values[z].ty.shape.numel() != 1 {
            return Err(node.error(format!(
                "the zero point of {} must be a single value, found shape {:?}",
                names_of[0],
                b.dims(z)
            )));
        }
    }
    let xt = b.imp.values[x].ty.clone();
    let types = [xt.clone(), b.imp.values[w].ty.clone()];
    let win = graph::window_of(names::GRAPH_CONV, &types, &attrs).map_err(|e| node.error(e))?;
    let group = match attrs.get("group") {
        Some(Attribute::Int(g)) if *g > 1 => *g as usize,
        _ => 1,
    };
    // The input padded with its zero point; the convolution itself pads nothing.
    let padded = if win.pads_begin.iter().chain(&win.pads_end).all(|&p| p == 0) {
        wx
    } else {
        let mut pads = vec![0i64; 2 * (k + 2)];
        for i in 0..k {
            pads[2 + i] = win.pads_begin[i] as i64;
            pads[k + 4 + i] = win.pads_end[i] as i64;
        }
        let zero = Tensor::from_f64s(xt.elem, Shape::scalar(), &[0.0]);
        let known = zx.and_then(|z| b.imp.values[z].known.clone());
        let xp = match (zx, known) {
            (None, _) => b.pad(x, pads, zero)?,
            (Some(_), Some(z)) => {
                let z = (*z)
                    .clone()
                    .reshape(Shape::scalar())
                    .map_err(|e| node.error(e))?;
                b.pad(x, pads, z)?
            }
            (Some(z), None) => {
                let xp = b.pad(x, pads.clone(), zero)?;
                // 1 in the padding, 0 inside: the input's shape padded, one batch and
                // channel (they broadcast).
                let mut inner = vec![1usize, 1];
                inner.extend(&xd[2..]);
                let size = node.fold_size("the padding mask", &inner)?;
                let interior = Tensor::from_f64s(
                    ElementType::Bool,
                    Shape::new(inner.clone()),
                    &vec![0.0; size],
                );
                let mut mpads = pads;
                mpads[..2].fill(0);
                mpads[k + 2..k + 4].fill(0);
                let inside = b.constant(interior);
                let fill = Tensor::from_f64s(ElementType::Bool, Shape::scalar(), &[1.0]);
                let mask = b.pad(inside, mpads, fill)?;
                let z = b.reshape(z, &[])?;
                b.op(names::GRAPH_WHERE, &[mask, z, xp], &[])?
            }
        };
        attrs.remove("auto_pad");
        attrs.insert("pads".into(), Attribute::I64Array(vec![0; 2 * k]));
        b.cast(xp, ElementType::I32)?
    };
    let mut operands = vec![padded, ww];
    operands.extend(bias);
    let mut acc = b
        .imp
        .emit(node, names::GRAPH_CONV, &operands, attrs.clone(), 1)?[0];
    let zx = zero_point(b, zx, x, names_of[0], false)?;
    let zw = match zero_point(b, zw, w, names_of[1], false)? {
        Some(z) => Some(per_channel(b, z, k)?),
        None => None,
    };
    let out = b.dims(acc);
    if let Some(zw) = zw {
        // Each window's sum over its group's channels: a convolution with ones.
        let mut ones_dims = vec![group, wd[1]];
        ones_dims.extend(&wd[2..]);
        let n: usize = ones_dims.iter().product();
        let ones = Tensor::from_f64s(ElementType::U8, Shape::new(ones_dims), &vec![1.0; n]);
        let ones = b.constant(ones);
        let ones = b.cast(ones, ElementType::I32)?;
        let sums = b
            .imp
            .emit(node, names::GRAPH_CONV, &[padded, ones], attrs, 1)?[0];
        let term = if group == 1 {
            b.op(names::GRAPH_MUL, &[sums, zw], &[])?
        } else {
            // [N, g, 1, out..] against [g, M/g, 1..]: each group's sums for its channels.
            let mut sd = vec![out[0], group, 1];
            sd.extend(&out[2..]);
            let sums = b.reshape(sums, &sd)?;
            let zd = b.dims(zw);
            let zw = match zd.first() {
                Some(&m) if m > 1 => {
                    let mut d = vec![group, m / group];
                    d.extend(std::iter::repeat_n(1, k));
                    b.reshape(zw, &d)?
                }
                _ => zw,
            };
            let t = b.op(names::GRAPH_MUL, &[sums, zw], &[])?;
            b.reshape(t, &out)?
        };
        acc = b.op(names::GRAPH_SUB, &[acc, term], &[])?;
    }
    if let Some(zx) = zx {
        // sum(W) per output channel, shaped [M, 1..] to broadcast over the result.
        let axes: Vec<i64> = (1..wd.len() as i64).collect();
        let sum = b.op(
            names::GRAPH_REDUCE_SUM,
            &[ww],
            &[
                ("axes", Attribute::I64Array(axes)),
                ("keepdims", Attribute::Int(0)),
            ],
        )?;
        let sum = per_channel(b, sum, k)?;
        let term = b.op(names::GRAPH_MUL, &[zx, sum], &[])?;
        acc = b.op(names::GRAPH_SUB, &[acc, term], &[])?;
        if let Some(zw) = zw {
            // K wraps like the sums it corrects.
            let taps = wd[1..].iter().product::<usize>();
            let kk = b.constant(Tensor::scalar(taps as u32 as i32));
            let kz = b.op(names::GRAPH_MUL, &[kk, zx], &[])?;
            let term = b.op(names::GRAPH_MUL, &[kz, zw], &[])?;
            acc = b.op(names::GRAPH_ADD, &[acc, term], &[])?;
        }
    }
    Ok(acc)
}

/// Requantizes an i32 accumulator: `quantize(f32(acc) · multiplier, 1, y_zero_point)`,
/// with the multiplier `a_scale · b_scale / y_scale` computed in the scales' type.
fn requantize(
    b: &mut Builder,
    acc: usize,
    a_scale: usize,
    b_scale: usize,
    y_scale: usize,
    y_zp: usize,
) -> Result<usize, ImportError> {
    let node = b.node;
    let se = b.imp.values[y_scale].ty.elem;
    if !se.is_float() {
        return Err(node.error(format!("scales must be floats, found {se}")));
    }
    let ye = b.imp.values[y_zp].ty.elem;
    quant_type(node, ye, "output")?;
    let ab = b.op(names::GRAPH_MUL, &[a_scale, b_scale], &[])?;
    let mult = b.op(names::GRAPH_DIV, &[ab, y_scale], &[])?;
    let mult = b.cast(mult, ElementType::F32)?;
    let accf = b.cast(acc, ElementType::F32)?;
    let scaled = b.op(names::GRAPH_MUL, &[accf, mult], &[])?;
    let one = b.constant(Tensor::scalar(1.0f32));
    let yd = b.dims(y_zp);
    let z = if yd.iter().product::<usize>() == 1 && !yd.is_empty() {
        b.reshape(y_zp, &[])?
    } else {
        y_zp
    };
    b.op(names::GRAPH_QUANTIZE_LINEAR, &[scaled, one, z], &[])
}

pub(crate) fn qlinear_matmul(
    imp: &mut Importer,
    node: &NodeCtx,
) -> Result<Vec<usize>, ImportError> {
    let ins: Vec<usize> = (0..8)
        .map(|i| imp.required(node, i))
        .collect::<Result<_, _>>()?;
    let mut b = Builder { imp, node };
    let acc = integer_product(
        &mut b,
        (ins[0], Some(ins[2])),
        (ins[3], Some(ins[5])),
        ["a", "b"],
    )?;
    let mut a_scale = ins[1];
    let ad = b.dims(a_scale);
    if ad.len() == 1 && ad[0] > 1 {
        a_scale = b.reshape(a_scale, &[ad[0], 1])?;
    }
    Ok(vec![requantize(
        &mut b, acc, a_scale, ins[4], ins[6], ins[7],
    )?])
}

pub(crate) fn qlinear_conv(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let attrs = imp.convert_attrs(node, &[])?;
    let ins: Vec<usize> = (0..8)
        .map(|i| imp.required(node, i))
        .collect::<Result<_, _>>()?;
    let rank = imp.values[ins[3]].ty.shape.rank();
    let mut b = Builder { imp, node };
    let bias = node.input(8);
    if let Some(bias) = bias {
        let be = b.imp.values[bias].ty.elem;
        if be != ElementType::I32 {
            return Err(node.error(format!("the bias B must be i32, found {be}")));
        }
    }
    let operands = [(ins[0], Some(ins[2])), (ins[3], Some(ins[5]))];
    let acc = integer_conv(&mut b, operands, bias, attrs, ["x", "w"])?;
    let w_scale = per_channel(&mut b, ins[4], rank.saturating_sub(2))?;
    Ok(vec![requantize(
        &mut b, acc, ins[1], w_scale, ins[6], ins[7],
    )?])
}

pub(crate) fn dynamic_quantize_linear(
    imp: &mut Importer,
    node: &NodeCtx,
) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    imp.emit(
        node,
        names::GRAPH_DYNAMIC_QUANTIZE_LINEAR,
        &[x],
        Default::default(),
        3,
    )
}
