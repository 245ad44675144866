//! Recognizing a matrix product in a `kernel.generic`: which dimensions are its rows,
//! columns and reduction, and which input is which factor, so that a back end with a
//! matrix-product kernel of its own (`loop.contract`) can take it.

use super::{Generic, IteratorKind};
use crate::module::{Module, OpId};
use crate::ops;
use crate::types::{ElementType, TensorType};
use crate::AffineMap;

/// The roles in a contraction `C[.., i.., j..] = sum over l.. of A[.., i.., l..] * B[.., l.., j..]`:
/// one or more row dimensions `i..` (evenly spaced in C), one or more column dimensions
/// `j..` (C's innermost, dense in C), and every reduction dimension `l..`. A matrix
/// product has one row, one column and one reduction dimension; a convolution in NCHW
/// has output positions for columns and input channels and kernel taps for reductions,
/// B being its input read through the window; in NHWC output channels are its columns,
/// the output's rows and columns of pixels its rows, A being the input.
///
/// Every other (parallel) dimension is a batch dimension, looped over outside the
/// product. Element strides are per domain dimension: how far one step along it moves in
/// each operand's row-major buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contraction {
    /// The domain dimensions of C's rows, outermost first: the last one has C's smallest
    /// stride, each outer one C's stride of the whole box inside it (C's rows are evenly
    /// spaced, A's need not be).
    pub rows: Vec<usize>,
    /// The domain dimensions of C's columns, outermost first.
    pub cols: Vec<usize>,
    /// The reduction dimensions, in domain order.
    pub reductions: Vec<usize>,
    /// Which inputs are A (the one indexed by rows) and B; any others are read only by
    /// the epilogue.
    pub a: usize,
    pub b: usize,
    /// Element strides of A, B and C along each domain dimension.
    pub strides: [Vec<usize>; 3],
    /// What it sums in: f32 (f32 factors), or i32 (8-bit integer factors, each widened
    /// by its own signedness: a quantized model's integer product).
    pub elem: ElementType,
}

/// Element strides along each domain dimension of an operand read at `map` from a
/// row-major buffer of type `t`; `None` if a stride would be negative.
pub fn element_strides(map: &AffineMap, t: &TensorType, domain: usize) -> Option<Vec<usize>> {
    let mut out = vec![0i64; domain];
    for (e, s) in map.results.iter().zip(t.shape.strides()) {
        for &(d, c) in &e.terms {
            *out.get_mut(d as usize)? += c * s as i64;
        }
    }
    out.into_iter().map(|x| usize::try_from(x).ok()).collect()
}

/// The contraction `op` computes, if it is a plain matrix product: one result, a body
/// that is exactly `acc + x * y` of two of its inputs (all f32), or `acc + ext(x) * ext(y)`
/// (8-bit integer factors into i32 sums), one reduction dimension, and
/// C's last dimension its columns. An epilogue may follow (it runs after the product,
/// and may read the other inputs: a bias, a residual).
///
/// Outer row dimensions are taken only where A is computed, not a constant: a constant
/// A is stored in panels of one row dimension at compile time.
pub fn contraction(m: &Module, op: OpId) -> Option<Contraction> {
    let d = m.op(op);
    if d.name != ops::KERNEL_GENERIC || d.operands.len() < 2 || d.results.len() != 1 {
        return None;
    }
    let n_in = d.operands.len();
    let types: Vec<&TensorType> = d
        .operands
        .iter()
        .chain(&d.results)
        .map(|&v| m.tensor_type(v).ok())
        .collect::<Option<_>>()?;
    let g = Generic::of(m, op).ok()?;
    let (p, q) = multiply_accumulate(m, op)?;
    let elem = types[n_in].elem;
    let typed = match elem {
        ElementType::F32 => types.iter().all(|t| t.elem == ElementType::F32),
        // A quantized product: 8-bit factors; its epilogue may read anything.
        ElementType::I32 => is_8bit_int(types[p].elem) && is_8bit_int(types[q].elem),
        _ => false,
    };
    if !typed {
        return None;
    }
    let n = g.domain.len();
    let reductions: Vec<usize> = (0..n)
        .filter(|&k| g.iterators[k] == IteratorKind::Reduction)
        .collect();
    if reductions.is_empty() {
        return None;
    }
    let strides: Vec<Vec<usize>> = [p, q, n_in]
        .into_iter()
        .map(|x| element_strides(&g.maps[x], types[x], n))
        .collect::<Option<_>>()?;
    let j = g.maps[n_in].results.last()?.as_dim()? as usize;
    // A is the factor that does not move along the columns.
    let (a, b) = match (strides[0][j], strides[1][j]) {
        (0, b) if b > 0 => (0, 1),
        (a, 0) if a > 0 => (1, 0),
        _ => return None,
    };
    let (sa, sb, sc) = (&strides[a], &strides[b], &strides[2]);
    // Columns: C's dimensions from the last outwards while B moves along them, A does
    // not, and C is dense over them.
    let mut cols = Vec::new();
    let mut dense = 1usize;
    for e in g.maps[n_in].results.iter().rev() {
        let Some(d) = e.as_dim().map(|d| d as usize) else {
            break;
        };
        if g.iterators[d] != IteratorKind::Parallel || sa[d] != 0 || sb[d] == 0 || sc[d] != dense {
            break;
        }
        dense *= g.domain[d];
        cols.insert(0, d);
    }
    if cols.is_empty() || reductions.iter().any(|&l| sa[l] == 0 && sb[l] == 0) {
        return None;
    }
    // The rows: a parallel dimension A and C move along and B does not; of several, the
    // one with C's smallest stride (the matrix's own rows, not a batch), a real one
    // before a size-1 one (a matrix-vector product has a single row).
    let is_row = |k: usize| {
        !cols.contains(&k)
            && g.iterators[k] == IteratorKind::Parallel
            && sa[k] > 0
            && sb[k] == 0
            && sc[k] > 0
    };
    let row = (0..n)
        .filter(|&k| is_row(k))
        .min_by_key(|&k| (g.domain[k] == 1, sc[k]))?;
    let inputs = [p, q];
    let constant_a = m.constant_value(d.operands[inputs[a]]).is_some();
    // Outer rows: while some row dimension's C stride is the box's so far (the output
    // image's rows over its columns, in NHWC).
    let mut rows = vec![row];
    let mut span = sc[row] * g.domain[row];
    let outer = |rows: &[usize], span: usize| {
        (0..n).find(|&k| is_row(k) && !rows.contains(&k) && sc[k] == span && g.domain[k] > 1)
    };
    if !constant_a && g.domain[row] > 1 {
        while let Some(k) = outer(&rows, span) {
            rows.insert(0, k);
            span *= g.domain[k];
        }
    }
    Some(Contraction {
        rows,
        cols,
        reductions,
        a: inputs[a],
        b: inputs[b],
        strides: [sa.clone(), sb.clone(), sc.clone()],
        elem,
    })
}

/// The 8-bit integer `x` if `v` is its widening to i32 (`kernel.cast` from `i8` or `u8`):
/// how a quantized product's factor appears in its body.
pub fn widened_8bit(m: &Module, v: crate::ValueId) -> Option<crate::ValueId> {
    let crate::module::ValueDef::OpResult { op, .. } = m.value(v).def else {
        return None;
    };
    let c = m.op(op);
    let &[x] = c.operands.as_slice() else {
        return None;
    };
    let ok = c.name == ops::KERNEL_CAST
        && c.attrs.is_empty()
        && matches!(m.value_type(x), crate::Type::Scalar(e) if is_8bit_int(*e))
        && *m.value_type(v) == crate::Type::Scalar(ElementType::I32);
    ok.then_some(x)
}

/// `i8` or `u8`: what an integer product's factors are.
pub fn is_8bit_int(e: ElementType) -> bool {
    matches!(e, ElementType::I8 | ElementType::U8)
}

/// The two inputs `x`, `y` (in operand order) if the body of `op` is exactly
/// `yield(acc + x * y)`, or `yield(acc + ext(x) * ext(y))` with both factors 8-bit
/// integers widened to the accumulator's i32 (a quantized product, [`Contraction::elem`]).
pub(crate) fn multiply_accumulate(m: &Module, op: OpId) -> Option<(usize, usize)> {
    let &region = m.op(op).regions.first()?;
    let &block = m.region(region).blocks.first()?;
    let args = &m.block(block).args;
    let body = m.block(block).ops.as_slice();
    let (casts, [mul, add, yield_]) = body.split_at(body.len().checked_sub(3)?) else {
        return None;
    };
    let (mul, add, yield_) = (m.op(*mul), m.op(*add), m.op(*yield_));
    let acc = *args.last()?;
    let arg = |v: crate::ValueId| args[..args.len() - 1].iter().position(|&a| a == v);
    // A factor: an input itself, or (with a cast per factor) its widening to i32.
    let widened = |v: crate::ValueId| match casts.is_empty() {
        true => arg(v),
        false => widened_8bit(m, v).and_then(arg),
    };
    let [x, y] = mul.operands.as_slice() else {
        return None;
    };
    let (p, q) = (widened(*x)?, widened(*y)?);
    let product = mul.results[0];
    let ok = mul.name == ops::KERNEL_MUL
        && add.name == ops::KERNEL_ADD
        && yield_.name == ops::KERNEL_YIELD
        && (casts.is_empty() || casts.len() == 2)
        && mul.attrs.is_empty()
        && add.attrs.is_empty()
        && p != q
        && (add.operands.as_slice() == [acc, product] || add.operands.as_slice() == [product, acc])
        && yield_.operands.as_slice() == [add.results[0]];
    ok.then(|| (p.min(q), p.max(q)))
}
