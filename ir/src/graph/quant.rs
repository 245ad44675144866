//! Linear quantization: float ↔ integer conversions with a scale and a zero point.
//!
//! The graph ops take scale and zero point already shaped to broadcast against the data
//! (the importer turns ONNX's per-axis and blocked forms into that), so each op is an
//! elementwise map with broadcasting. Rounding is to nearest, ties to even, and results
//! saturate to the integer type's range, as ONNX and onnxruntime define them. The
//! quotient `x / scale` is rounded to `x`'s type before it is rounded to an integer:
//! that is where a division in `f16` and one in `f64` differ, and the compiled kernels
//! divide in `x`'s type too.

use super::shape::{broadcast, broadcast_indices};
use super::OpArgs;
use crate::tensor::Tensor;
use crate::types::{ElementType, Shape, TensorType};

/// The values a quantized type holds, as `f64` bounds for saturation; `None` for types
/// that are not quantized types (floats, 64-bit integers, booleans).
pub fn int_range(e: ElementType) -> Option<(f64, f64)> {
    match e {
        ElementType::I64 | ElementType::U64 => None,
        _ => e.int_limits(),
    }
}

fn check_broadcast(
    a: &OpArgs,
    what: &str,
    x: &TensorType,
    t: &TensorType,
) -> Result<(), crate::IrError> {
    if broadcast(&[&x.shape, &t.shape])? != x.shape {
        return Err(format!(
            "'{}': the {what} of shape {:?} does not broadcast to the data's shape {:?}",
            a.name,
            t.shape.dims(),
            x.shape.dims()
        )
        .into());
    }
    Ok(())
}

/// `quantize_linear(x, scale, zero_point)`: `saturate(round(x / scale) + zero_point)` in
/// the zero point's integer type.
pub fn infer_quantize(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let (x, s, z) = (a.input(0), a.input(1), a.input(2));
    if !x.elem.is_float() || s.elem != x.elem {
        return Err(format!(
            "'{}' needs float data and a scale of the same type, found {} and {}",
            a.name, x.elem, s.elem
        )
        .into());
    }
    if int_range(z.elem).is_none() && !z.elem.is_storage_float() {
        return Err(format!(
            "'{}' quantizes to an integer type of 32 bits or fewer or a float8/float4 type; the zero point is {}",
            a.name, z.elem
        )
        .into());
    }
    check_broadcast(a, "scale", x, s)?;
    check_broadcast(a, "zero point", x, z)?;
    Ok(vec![TensorType::new(x.shape.clone(), z.elem)])
}

/// Quantizes `x` with broadcast `scale` and `zero_point` tensors (the reference the
/// graph op, DynamicQuantizeLinear and the requantizing ops share).
pub fn quantize(x: &Tensor, scale: &Tensor, zero_point: &Tensor) -> Tensor {
    quantize_saturating(x, scale, zero_point, true)
}

/// [`quantize`], with Cast's `saturate` for float8 results: `x / scale` converted (a
/// float8 zero point is zero by definition and ignored; e2m1's is added first, as ONNX's
/// reference does).
pub fn quantize_saturating(
    x: &Tensor,
    scale: &Tensor,
    zero_point: &Tensor,
    saturate: bool,
) -> Tensor {
    let shape = x.shape().clone();
    let si = broadcast_indices(&shape, scale.shape());
    let zi = broadcast_indices(&shape, zero_point.shape());
    let (xv, sv) = (x.to_f64s(), scale.to_f64s());
    let q: Vec<f64> = (0..xv.len()).map(|i| xv[i] / sv[si[i]]).collect();
    // The quotient in x's own precision, as a division in that type gives it.
    let q = Tensor::from_f64s(x.elem(), shape.clone(), &q).to_f64s();
    let ze = zero_point.elem();
    if ze.is_storage_float() {
        let zv = zero_point.to_f64s();
        let q: Vec<f64> = if ze == ElementType::F4E2M1 {
            let sum: Vec<f64> = (0..q.len()).map(|i| q[i] + zv[zi[i]]).collect();
            Tensor::from_f64s(float_compute_type(x.elem()), shape.clone(), &sum).to_f64s()
        } else {
            q
        };
        return Tensor::from_f64s(float_compute_type(x.elem()), shape, &q)
            .cast_saturating(ze, saturate);
    }
    let zv = zero_point.to_i64s();
    let (lo, hi) = int_range(zero_point.elem()).unwrap_or((f64::MIN, f64::MAX));
    let out: Vec<i64> = q
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            // NaN has no integer; it saturates to the low end as the kernels' clamp does.
            let v = if v.is_nan() { lo } else { v.round_ties_even() };
            (v + zv[zi[i]] as f64).clamp(lo, hi) as i64
        })
        .collect();
    Tensor::from_i64s(zero_point.elem(), shape, &out)
}

pub fn eval_quantize(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let saturate = super::elementwise::cast_saturates(a)?;
    Ok(vec![quantize_saturating(x[0], x[1], x[2], saturate)])
}

/// The float type a float8 quantization's sum is rounded in: f64 for f64 data, else f32.
pub fn float_compute_type(x: ElementType) -> ElementType {
    dequantize_compute_type(x)
}

/// The type dequantization computes in: `f64` for `f64` scales, otherwise `f32` (an
/// `f16` or `bf16` result is the `f32` product rounded once).
pub fn dequantize_compute_type(scale: ElementType) -> ElementType {
    if scale == ElementType::F64 {
        ElementType::F64
    } else {
        ElementType::F32
    }
}

/// `dequantize_linear(x, scale, zero_point)`: `(x - zero_point) * scale` in the scale's
/// type; the difference is exact (integers), the product rounds once.
pub fn infer_dequantize(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let (x, s, z) = (a.input(0), a.input(1), a.input(2));
    if (int_range(x.elem).is_none() && !x.elem.is_storage_float()) || z.elem != x.elem {
        return Err(format!(
            "'{}' needs integer data of 32 bits or fewer or float8/float4 data, and a zero point of the same type, found {} and {}",
            a.name, x.elem, z.elem
        )
        .into());
    }
    if !s.elem.is_float() {
        return Err(format!("'{}' needs a float scale, found {}", a.name, s.elem).into());
    }
    check_broadcast(a, "scale", x, s)?;
    check_broadcast(a, "zero point", x, z)?;
    Ok(vec![TensorType::new(x.shape.clone(), s.elem)])
}

pub fn eval_dequantize(_a: &OpArgs, t: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let (x, s, z) = (t[0], t[1], t[2]);
    let shape = x.shape().clone();
    let si = broadcast_indices(&shape, s.shape());
    let zi = broadcast_indices(&shape, z.shape());
    let (xv, sv, zv) = (x.to_i64s(), s.to_f64s(), z.to_i64s());
    let ct = dequantize_compute_type(s.elem());
    // Float8 and float4 data is its value; their zero point is zero (ignored, as ONNX's
    // reference ignores it).
    let diff: Vec<f64> = if x.elem().is_storage_float() {
        x.to_f64s()
    } else {
        (0..xv.len())
            .map(|i| xv[i].wrapping_sub(zv[zi[i]]) as f64)
            .collect()
    };
    let diff = Tensor::from_f64s(ct, shape.clone(), &diff).to_f64s();
    let prod: Vec<f64> = (0..xv.len()).map(|i| diff[i] * sv[si[i]]).collect();
    let prod = Tensor::from_f64s(ct, shape.clone(), &prod);
    Ok(vec![prod.cast(s.elem())])
}

/// `dynamic_quantize_linear(x)`: ui8 data, its f32 scale and ui8 zero point, chosen so
/// the range `[min(x, 0), max(x, 0)]` maps onto `[0, 255]`.
pub fn infer_dynamic_quantize(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let x = a.input(0);
    if x.elem != ElementType::F32 {
        return Err(format!("'{}' needs f32 data, found {}", a.name, x.elem).into());
    }
    Ok(vec![
        TensorType::new(x.shape.clone(), ElementType::U8),
        TensorType::new(Shape::scalar(), ElementType::F32),
        TensorType::new(Shape::scalar(), ElementType::U8),
    ])
}

pub fn eval_dynamic_quantize(_a: &OpArgs, t: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let x = t[0];
    let v = x.to_f64s();
    let max = v.iter().fold(0.0f32, |m, &e| m.max(e as f32));
    let min = v.iter().fold(0.0f32, |m, &e| m.min(e as f32));
    let range = if max == min { 1.0 } else { max - min };
    let scale = range / 255.0f32;
    let zp = (0.0f32 - min / scale).clamp(0.0, 255.0).round_ties_even();
    let scale_t = Tensor::scalar(scale);
    let zp_t = Tensor::from_f64s(ElementType::U8, Shape::scalar(), &[zp as f64]);
    let y = quantize(x, &scale_t, &zp_t);
    Ok(vec![y, scale_t, zp_t])
}
