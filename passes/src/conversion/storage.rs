//! Casts to and from the storage types, written as the graph ops that compute them on
//! the raw byte, so that compiled code needs nothing of these types but loads, stores
//! and a `bitcast` to `u8`.
//!
//! - From a storage type: the byte indexes a table of the 2^bits values, built by the
//!   reference conversion (`strata_abi::storage`), in the result's type.
//! - To an integer storage type: truncation, 0 outside the range, the low bits kept.
//! - To a float storage type: a binary search of |x| among the midpoints between
//!   consecutive codes. Codes order like their magnitudes, so the code is the count of
//!   midpoints |x| passes. Passing a midpoint on equality exactly when the code above
//!   it is even is the tie-to-even rule; at each step of the search that code's parity
//!   is known in advance. The midpoints are exact in f32, so the comparisons are too.

use super::composite::{attrs, cast, op, Attrs};
use super::graph_to_kernel::{constant_op, m_scalar as scalar};
use strata_abi::storage::{FloatFormat, Specials};
use strata_ir::module::BlockId;
use strata_ir::ops;
use strata_ir::{Attribute, ElementType, Module, Shape, Tensor, Type, ValueId};

type R = Result<ValueId, crate::pass::PassError>;

fn bitcast(m: &mut Module, block: BlockId, v: ValueId, to: ElementType) -> R {
    op(
        m,
        block,
        ops::GRAPH_BITCAST,
        &[v],
        attrs(&[("to", Attribute::Type(Type::Scalar(to)))]),
    )
}

fn bin(m: &mut Module, block: BlockId, name: strata_ir::OpName, a: ValueId, b: ValueId) -> R {
    op(m, block, name, &[a, b], Attrs::new())
}

fn select(m: &mut Module, block: BlockId, c: ValueId, a: ValueId, b: ValueId) -> R {
    op(m, block, ops::GRAPH_WHERE, &[c, a, b], Attrs::new())
}

/// `graph.cast` of `x` to `to` where either side is a storage type.
pub(super) fn lower_storage_cast(
    m: &mut Module,
    block: BlockId,
    x: ValueId,
    to: ElementType,
    saturate: bool,
) -> R {
    let from = m.tensor_type(x)?.elem;
    if from == to {
        return Ok(x);
    }
    if from.is_storage() {
        // Storage to storage goes through the value (f32 holds every float code's).
        let via = if to.is_storage() {
            if from.is_storage_int() {
                ElementType::I32
            } else {
                ElementType::F32
            }
        } else {
            to
        };
        let v = decode(m, block, x, via)?;
        return if via == to {
            Ok(v)
        } else {
            lower_storage_cast(m, block, v, to, saturate)
        };
    }
    if to.is_storage_int() {
        encode_int(m, block, x, to)
    } else {
        encode_float(m, block, x, to, saturate)
    }
}

/// A storage value converted to `to` by a table lookup on its byte.
fn decode(m: &mut Module, block: BlockId, x: ValueId, to: ElementType) -> R {
    let from = m.tensor_type(x)?.elem;
    let bits = from.value_bits();
    let n = 1usize << bits;
    let codes: Vec<u8> = (0..n).map(|c| c as u8).collect();
    let table = Tensor::from_le_bytes(from, Shape::new([n]), &codes)?.cast(to);
    let table = constant_op(m, block, table);
    let raw = bitcast(m, block, x, ElementType::U8)?;
    // Compiled code reads the caller's bytes: bits above the type's width are ignored
    // here too, and never index past the table.
    let raw = if bits < 8 {
        let mask = scalar(m, block, (n - 1) as f64, ElementType::U8)?;
        bin(m, block, ops::GRAPH_BITWISE_AND, raw, mask)?
    } else {
        raw
    };
    let index = cast(m, block, raw, ElementType::I64)?;
    op(
        m,
        block,
        ops::GRAPH_GATHER,
        &[table, index],
        attrs(&[("axis", Attribute::Int(0))]),
    )
}

/// To int4/uint4/int2/uint2: floats truncate and are 0 outside the range; integers
/// keep their low bits.
fn encode_int(m: &mut Module, block: BlockId, x: ValueId, to: ElementType) -> R {
    let from = m.tensor_type(x)?.elem;
    let (lo, hi) = to.int_limits().ok_or("not an integer storage type")?;
    let low_bits = if from.is_float() {
        let xf = cast(m, block, x, ElementType::F32)?;
        let (below, above) = (
            scalar(m, block, lo - 1.0, ElementType::F32)?,
            scalar(m, block, hi + 1.0, ElementType::F32)?,
        );
        let over = bin(m, block, ops::GRAPH_GREATER, xf, below)?;
        let under = bin(m, block, ops::GRAPH_LESS, xf, above)?;
        let inside = bin(m, block, ops::GRAPH_AND, over, under)?;
        let v = cast(m, block, xf, ElementType::I32)?;
        let zero = scalar(m, block, 0.0, ElementType::I32)?;
        let v = select(m, block, inside, v, zero)?;
        cast(m, block, v, ElementType::U8)?
    } else {
        cast(m, block, x, ElementType::U8)?
    };
    let mask = scalar(
        m,
        block,
        ((1u32 << to.int_bits()) - 1) as f64,
        ElementType::U8,
    )?;
    let raw = bin(m, block, ops::GRAPH_BITWISE_AND, low_bits, mask)?;
    bitcast(m, block, raw, to)
}

/// The midpoints between consecutive codes 0..=max and the next value past the largest
/// (where rounding overflows), padded with infinities to a power of two; and the number
/// of search steps.
fn midpoints(f: FloatFormat, work: ElementType) -> Result<(Tensor, u32), crate::pass::PassError> {
    let k = f.max_code as usize;
    let values: Vec<f64> = (0..=f.max_code).map(|c| f.decode(c)).collect();
    let top = values[k];
    let top_exponent = ((top.to_bits() >> 52) & 0x7FF) as i32 - 1023;
    let past = top + 2f64.powi(top_exponent - f.mantissa_bits as i32);
    let mut mids: Vec<f64> = (0..k).map(|i| (values[i] + values[i + 1]) / 2.0).collect();
    mids.push((top + past) / 2.0);
    // Candidates are codes 0..=k+1 (k+1: overflow).
    let steps = (k + 2).next_power_of_two().trailing_zeros();
    mids.resize(1 << steps, f64::INFINITY);
    let t = Tensor::from_f64s(work, Shape::new([mids.len()]), &mids);
    if t.to_f64s() != mids {
        return Err("storage-cast midpoints are not exact in the working type".into());
    }
    Ok((t, steps))
}

/// To a float8 or float4 type: round |x| to a code by binary search, then the sign, the
/// overflows and NaN by the format's rules.
fn encode_float(m: &mut Module, block: BlockId, x: ValueId, to: ElementType, saturate: bool) -> R {
    let f = FloatFormat::of(to).ok_or("not a float storage type")?;
    let from = m.tensor_type(x)?.elem;
    let (work, bits) = if from == ElementType::F64 {
        (ElementType::F64, ElementType::I64)
    } else {
        (ElementType::F32, ElementType::I32)
    };
    let i64t = ElementType::I64;
    let xw = cast(m, block, x, work)?;
    let a = op(m, block, ops::GRAPH_ABS, &[xw], Attrs::new())?;
    let (mids, steps) = midpoints(f, work)?;
    let mids = constant_op(m, block, mids);
    // A scalar start: the first step's select broadcasts it to x's shape.
    let mut code = scalar(m, block, 0.0, i64t)?;
    for step in (0..steps).rev() {
        let s = 1i64 << step;
        let sv = scalar(m, block, s as f64, i64t)?;
        let candidate = bin(m, block, ops::GRAPH_ADD, code, sv)?;
        let below = scalar(m, block, (s - 1) as f64, i64t)?;
        let index = bin(m, block, ops::GRAPH_ADD, code, below)?;
        let mid = op(
            m,
            block,
            ops::GRAPH_GATHER,
            &[mids, index],
            attrs(&[("axis", Attribute::Int(0))]),
        )?;
        // The midpoint below an even candidate ties upward.
        let compare = if s >= 2 {
            ops::GRAPH_GREATER_OR_EQUAL
        } else {
            ops::GRAPH_GREATER
        };
        let pass = bin(m, block, compare, a, mid)?;
        code = select(m, block, pass, candidate, code)?;
    }
    let k = |m: &mut Module, v: u8| scalar(m, block, v as f64, i64t);
    let max = k(m, f.max_code)?;
    let overflows = bin(m, block, ops::GRAPH_GREATER, code, max)?;
    let overflow_code = k(m, f.overflow_code(saturate))?;
    let code = select(m, block, overflows, overflow_code, code)?;
    // The sign: the top bit of x's bits (negative zero and NaNs included).
    let xbits = bitcast(m, block, xw, bits)?;
    let zero_bits = scalar(m, block, 0.0, bits)?;
    let negative = bin(m, block, ops::GRAPH_LESS, xbits, zero_bits)?;
    let sign_bit = 1u8 << (f.exponent_bits + f.mantissa_bits);
    let sign = k(m, sign_bit)?;
    let signed = bin(m, block, ops::GRAPH_BITWISE_OR, code, sign)?;
    let negative = if f.specials == Specials::Fnuz {
        // No negative zero, and the one NaN has the sign bit already.
        let zero = k(m, 0)?;
        let nan = k(m, f.nan_code(false))?;
        let is_zero = bin(m, block, ops::GRAPH_EQUAL, code, zero)?;
        let is_nan = bin(m, block, ops::GRAPH_EQUAL, code, nan)?;
        let unsigned = bin(m, block, ops::GRAPH_OR, is_zero, is_nan)?;
        let keeps = op(m, block, ops::GRAPH_NOT, &[unsigned], Attrs::new())?;
        bin(m, block, ops::GRAPH_AND, negative, keeps)?
    } else {
        negative
    };
    let code = select(m, block, negative, signed, code)?;
    let is_nan = op(m, block, ops::GRAPH_IS_NAN, &[xw], Attrs::new())?;
    let (nan_neg, nan_pos) = (k(m, f.nan_code(true))?, k(m, f.nan_code(false))?);
    let nan = select(m, block, negative, nan_neg, nan_pos)?;
    let code = select(m, block, is_nan, nan, code)?;
    let raw = cast(m, block, code, ElementType::U8)?;
    bitcast(m, block, raw, to)
}
