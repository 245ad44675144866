//! Lowerings of data-movement and index-dependent graph ops, whose kernels read their
//! inputs at computed indices (`kernel.extract`) or compute with their coordinates
//! (`kernel.index`): concat, split, gather, gather-elements, pad, tile, trilu, arg-max/min,
//! cumulative sums and products, eye-like, one-hot, depth/space rearrangements.
//!
//! Reads at computed indices are clamped into range where a `select` discards them (a
//! concat's inactive inputs, padding), so every executed read is in bounds; a gather's
//! out-of-range index is an error at run time, as in the graph interpreter.

use super::graph_to_kernel::{
    constant_op as constant_tensor, copy_kernel, graph_op, kernel_op, must_lower, KernelBuilder,
};
use std::collections::BTreeMap;
use strata_ir::ops;
use strata_ir::types::normalize_axis;
use strata_ir::OpName;
use strata_ir::{
    AffineExpr, AffineMap, Attribute, ElementType, Module, Tensor, TensorType, ValueId,
};

type Attrs = BTreeMap<String, Attribute>;
const I64: ElementType = ElementType::I64;
const BOOL: ElementType = ElementType::Bool;

fn int_attr(attrs: &Attrs, k: &str, default: i64) -> i64 {
    match attrs.get(k) {
        Some(Attribute::Int(v)) => *v,
        _ => default,
    }
}

fn none() -> Attrs {
    BTreeMap::new()
}

impl KernelBuilder<'_> {
    fn index(&mut self, dim: usize) -> ValueId {
        let mut a = none();
        a.insert("dim".into(), Attribute::Int(dim as i64));
        self.op(ops::KERNEL_INDEX, &[], I64, a)
    }

    fn extract(&mut self, operand: usize, idx: &[ValueId], elem: ElementType) -> ValueId {
        let mut a = none();
        a.insert("operand".into(), Attribute::Int(operand as i64));
        self.op(ops::KERNEL_EXTRACT, idx, elem, a)
    }

    fn int(&mut self, v: i64) -> ValueId {
        self.constant(v as f64, I64)
    }

    fn bin(&mut self, op: OpName, a: ValueId, b: ValueId, elem: ElementType) -> ValueId {
        self.op(op, &[a, b], elem, none())
    }

    /// `v` clamped into `[0, n - 1]`.
    fn clamp_index(&mut self, v: ValueId, n: usize) -> ValueId {
        let zero = self.int(0);
        let hi = self.int(n as i64 - 1);
        let v = self.bin(ops::KERNEL_MAX, v, zero, I64);
        self.bin(ops::KERNEL_MIN, v, hi, I64)
    }

    /// `a and b`, or `b` alone when there is no `a` yet.
    fn and_also(&mut self, a: Option<ValueId>, b: ValueId) -> Option<ValueId> {
        Some(match a {
            Some(a) => self.bin(ops::KERNEL_AND, a, b, BOOL),
            None => b,
        })
    }

    /// Spatial dimension `i` of a sliding window, in a domain of the `rank` output
    /// dimensions followed by the window's: the input coordinate that output position
    /// `index(2 + i)` and tap `index(rank + i)` read, whether it lies inside the input
    /// (`len` long), and the coordinate clamped into it.
    fn window_tap(
        &mut self,
        i: usize,
        rank: usize,
        win: &strata_ir::graph::shape::Window,
        len: usize,
    ) -> (ValueId, ValueId) {
        let (o, kk) = (self.index(2 + i), self.index(rank + i));
        let s = self.int(win.strides[i] as i64);
        let d = self.int(win.dilations[i] as i64);
        let pb = self.int(win.pads_begin[i] as i64);
        let os = self.bin(ops::KERNEL_MUL, o, s, I64);
        let kd = self.bin(ops::KERNEL_MUL, kk, d, I64);
        let pos = self.bin(ops::KERNEL_ADD, os, kd, I64);
        let pos = self.bin(ops::KERNEL_SUB, pos, pb, I64);
        let zero = self.int(0);
        let n = self.int(len as i64);
        let ge = self.bin(ops::KERNEL_GREATER_OR_EQUAL, pos, zero, BOOL);
        let lt = self.bin(ops::KERNEL_LESS, pos, n, BOOL);
        let ok = self.bin(ops::KERNEL_AND, ge, lt, BOOL);
        (ok, self.clamp_index(pos, len))
    }

    /// An integer index value as i64, negative values counted from the end (`+ n`).
    fn normalized(&mut self, v: ValueId, from: ElementType, n: usize) -> ValueId {
        let v = if from == I64 {
            v
        } else {
            self.op(ops::KERNEL_CAST, &[v], I64, none())
        };
        let zero = self.int(0);
        let neg = self.bin(ops::KERNEL_LESS, v, zero, BOOL);
        let size = self.int(n as i64);
        let wrapped = self.bin(ops::KERNEL_ADD, v, size, I64);
        self.op(ops::KERNEL_SELECT, &[neg, wrapped, v], I64, none())
    }
}

/// A map reading nothing useful (element 0) from an operand that the body extracts from.
fn zero_map(num_dims: usize, rank: usize) -> AffineMap {
    AffineMap {
        num_dims: num_dims as u32,
        results: vec![AffineExpr::constant(0); rank],
    }
}

fn i64_constant(m: &mut Module, block: strata_ir::module::BlockId, values: Vec<i64>) -> ValueId {
    let t = Tensor::from_i64s(I64, strata_ir::Shape::new(vec![values.len()]), &values);
    constant_tensor(m, block, t)
}

/// Lowers one op family.
type Lowering = fn(&mut Module, &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError>;

/// The lowering of each indexed graph op family.
const LOWERINGS: &[(&[OpName], Lowering)] = &[
    (&[ops::GRAPH_CONCAT], concat),
    (&[ops::GRAPH_SPLIT], split),
    (&[ops::GRAPH_GATHER], gather),
    (&[ops::GRAPH_GATHER_ELEMENTS], gather_elements),
    (&[ops::GRAPH_TRILU], trilu),
    (&[ops::GRAPH_PAD, ops::GRAPH_TILE], pad),
    (&[ops::GRAPH_ARG_MAX, ops::GRAPH_ARG_MIN], arg_max),
    (&[ops::GRAPH_CUM_SUM, ops::GRAPH_CUM_PROD], cum_sum),
    (&[ops::GRAPH_EYE_LIKE], eye_like),
    (&[ops::GRAPH_ONE_HOT], one_hot),
    (
        &[ops::GRAPH_DEPTH_TO_SPACE, ops::GRAPH_SPACE_TO_DEPTH],
        depth_to_space,
    ),
    (&[ops::GRAPH_AVERAGE_POOL, ops::GRAPH_LP_POOL], average_pool),
    (&[ops::GRAPH_HARDMAX], hardmax),
    (&[ops::GRAPH_EINSUM], einsum),
    (&[ops::GRAPH_RESIZE], resize),
    (&[ops::GRAPH_MAX_POOL], max_pool),
    (&[ops::GRAPH_TOP_K], top_k),
    (
        &[ops::GRAPH_SCATTER_ELEMENTS, ops::GRAPH_SCATTER_ND],
        scatter_elements,
    ),
    (&[ops::GRAPH_CONV_TRANSPOSE], conv_transpose),
    (&[ops::GRAPH_GATHER_ND], gather_nd),
];

/// The op being lowered: where it stands, what it is, what it reads and yields.
#[derive(Clone, Copy)]
pub(super) struct GraphOp<'a> {
    /// The block the lowering appends to.
    pub block: strata_ir::module::BlockId,
    pub name: OpName,
    pub operands: &'a [ValueId],
    /// The operands' types.
    pub ins: &'a [TensorType],
    pub attrs: &'a Attrs,
    /// The result types.
    pub results: &'a [TensorType],
}

/// Lowers an indexed graph op; returns one value per result.
pub(super) fn lower(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let (_, lowering) = LOWERINGS
        .iter()
        .find(|(names, _)| names.contains(&op.name))
        .ok_or_else(|| format!("no indexed lowering for '{}'", op.name))?;
    lowering(m, op)
}

/// `graph.concat`.
fn concat(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let out = &op.results[0];
    let rank = op.results[0].shape.rank();
    let identity = AffineMap::identity(rank as u32);
    let axis = normalize_axis(int_attr(op.attrs, "axis", 0), rank)?;
    // (operand, offset, size) of every non-empty input.
    let mut parts = Vec::new();
    let mut offset = 0;
    for (i, t) in op.ins.iter().enumerate() {
        let n = t.shape.dims()[axis];
        if n > 0 && t.shape.numel() > 0 {
            parts.push((op.operands[i], offset, n));
        }
        offset += n;
    }
    let elems: Vec<ElementType> = parts.iter().map(|_| out.elem).chain([out.elem]).collect();
    let mut kb = KernelBuilder::new(m, &elems);
    let y = if parts.is_empty() {
        kb.constant(0.0, out.elem)
    } else {
        let i = kb.index(axis);
        let coords: Vec<ValueId> = (0..rank).map(|k| kb.index(k)).collect();
        let mut values = Vec::new();
        for (j, &(_, off, n)) in parts.iter().enumerate() {
            let o = kb.int(off as i64);
            let local = kb.bin(ops::KERNEL_SUB, i, o, I64);
            let local = kb.clamp_index(local, n);
            let mut idx = coords.clone();
            idx[axis] = local;
            values.push(kb.extract(j, &idx, out.elem));
        }
        let mut y = *values.last().unwrap_or(&i);
        for j in (0..parts.len() - 1).rev() {
            let bound = kb.int(parts[j + 1].1 as i64);
            let before = kb.bin(ops::KERNEL_LESS, i, bound, BOOL);
            y = kb.op(
                ops::KERNEL_SELECT,
                &[before, values[j], y],
                out.elem,
                none(),
            );
        }
        y
    };
    let inputs: Vec<ValueId> = parts.iter().map(|p| p.0).collect();
    let mut maps: Vec<AffineMap> = parts
        .iter()
        .map(|_| {
            let mut mp = identity.clone();
            mp.results[axis] = AffineExpr::constant(0);
            mp
        })
        .collect();
    maps.push(identity);
    Ok(vec![kb.finish_parallel(op.block, y, &inputs, out, maps)])
}

/// `graph.split`.
fn split(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let rank = op.results[0].shape.rank();
    let axis = normalize_axis(int_attr(op.attrs, "axis", 0), op.ins[0].shape.rank())?;
    let mut offset = 0i64;
    let mut outs = Vec::new();
    for r in op.results {
        let mut map = AffineMap::identity(rank as u32);
        map.results[axis] = AffineExpr::linear([(axis as u32, 1)], offset);
        offset += r.shape.dims()[axis] as i64;
        if r.shape.numel() == 0 {
            map = zero_map(rank, rank);
        }
        outs.push(copy_kernel(m, op.block, op.operands[0], map, r)?);
    }
    Ok(outs)
}

/// `graph.gather`.
fn gather(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let out = &op.results[0];
    let rank = op.results[0].shape.rank();
    let identity = AffineMap::identity(rank as u32);
    let (data, idx) = (&op.ins[0], &op.ins[1]);
    let r = data.shape.rank();
    let axis = normalize_axis(int_attr(op.attrs, "axis", 0), r)?;
    let q = idx.shape.rank();
    let n = data.shape.dims()[axis];
    let mut kb = KernelBuilder::new(m, &[data.elem, idx.elem, out.elem]);
    let ix = kb.arg(1);
    let ix = kb.normalized(ix, idx.elem, n);
    let mut coords = Vec::new();
    for k in 0..axis {
        coords.push(kb.index(k));
    }
    coords.push(ix);
    for k in axis + 1..r {
        coords.push(kb.index(k + q - 1));
    }
    let y = kb.extract(0, &coords, data.elem);
    let idx_map = AffineMap {
        num_dims: rank as u32,
        results: (axis..axis + q)
            .map(|d| AffineExpr::dim(d as u32))
            .collect(),
    };
    let maps = vec![zero_map(rank, r), idx_map, identity];
    Ok(vec![kb.finish_parallel(
        op.block,
        y,
        op.operands,
        out,
        maps,
    )])
}

/// `graph.gather_elements`.
fn gather_elements(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let out = &op.results[0];
    let rank = op.results[0].shape.rank();
    let identity = AffineMap::identity(rank as u32);
    let (data, idx) = (&op.ins[0], &op.ins[1]);
    let axis = normalize_axis(int_attr(op.attrs, "axis", 0), rank)?;
    let n = data.shape.dims()[axis];
    let mut kb = KernelBuilder::new(m, &[data.elem, idx.elem, out.elem]);
    let ix = kb.arg(1);
    let ix = kb.normalized(ix, idx.elem, n);
    let mut coords: Vec<ValueId> = (0..rank).map(|k| kb.index(k)).collect();
    coords[axis] = ix;
    let y = kb.extract(0, &coords, data.elem);
    let maps = vec![zero_map(rank, rank), identity.clone(), identity];
    Ok(vec![kb.finish_parallel(
        op.block,
        y,
        op.operands,
        out,
        maps,
    )])
}

/// `graph.trilu`.
fn trilu(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let out = &op.results[0];
    let rank = op.results[0].shape.rank();
    let identity = AffineMap::identity(rank as u32);
    let upper = int_attr(op.attrs, "upper", 1) != 0;
    let k = int_attr(op.attrs, "k", 0);
    let mut kb = KernelBuilder::new(m, &[out.elem, out.elem]);
    let (i, j) = (kb.index(rank - 2), kb.index(rank - 1));
    let diff = kb.bin(ops::KERNEL_SUB, j, i, I64);
    let kk = kb.int(k);
    let keep = kb.bin(
        if upper {
            ops::KERNEL_GREATER_OR_EQUAL
        } else {
            ops::KERNEL_LESS_OR_EQUAL
        },
        diff,
        kk,
        BOOL,
    );
    let zero = kb.constant(0.0, out.elem);
    let x = kb.arg(0);
    let y = kb.op(ops::KERNEL_SELECT, &[keep, x, zero], out.elem, none());
    Ok(vec![kb.finish_parallel(
        op.block,
        y,
        op.operands,
        out,
        vec![identity.clone(), identity],
    )])
}

/// `graph.pad` / `graph.tile`.
fn pad(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let out = &op.results[0];
    let rank = op.results[0].shape.rank();
    let identity = AffineMap::identity(rank as u32);
    let x = &op.ins[0];
    let dims = x.shape.dims();
    let mode = match op.attrs.get("mode") {
        Some(Attribute::String(s)) => s.as_str(),
        _ => "constant",
    };
    // Per dimension: which source element each output coordinate reads (-1: fill).
    let tables: Vec<Vec<i64>> = (0..rank)
        .map(|d| {
            (0..out.shape.dims()[d])
                .map(|c| {
                    if op.name == ops::GRAPH_TILE {
                        (c % dims[d].max(1)) as i64
                    } else {
                        let pads = match op.attrs.get("pads") {
                            Some(Attribute::I64Array(p)) => p[d],
                            _ => 0,
                        };
                        strata_ir::graph::pad_source(mode, dims[d] as i64, c as i64 - pads)
                            .map_or(-1, |s| s as i64)
                    }
                })
                .collect()
        })
        .collect();
    let fill = match op.attrs.get("value") {
        Some(Attribute::Dense(t)) if t.numel() == 1 => t.to_f64s()[0],
        _ => 0.0,
    };
    if x.shape.numel() == 0 {
        let kb = KernelBuilder::new(m, &[out.elem]);
        let mut kb = kb;
        let c = kb.constant(fill, out.elem);
        return Ok(vec![kb.finish_parallel(
            op.block,
            c,
            &[],
            out,
            vec![identity],
        )]);
    }
    let needs_fill = tables.iter().flatten().any(|&s| s < 0);
    let mut inputs = vec![op.operands[0]];
    let mut maps = vec![zero_map(rank, rank)];
    for (d, t) in tables.into_iter().enumerate() {
        inputs.push(i64_constant(m, op.block, t));
        maps.push(AffineMap {
            num_dims: rank as u32,
            results: vec![AffineExpr::dim(d as u32)],
        });
    }
    maps.push(identity);
    let mut elems = vec![x.elem];
    elems.extend(std::iter::repeat_n(I64, rank));
    elems.push(out.elem);
    let mut kb = KernelBuilder::new(m, &elems);
    let mut coords = Vec::new();
    let mut valid: Option<ValueId> = None;
    for d in 0..rank {
        let s = kb.arg(1 + d);
        if needs_fill {
            let zero = kb.int(0);
            let ok = kb.bin(ops::KERNEL_GREATER_OR_EQUAL, s, zero, BOOL);
            valid = kb.and_also(valid, ok);
            coords.push(kb.bin(ops::KERNEL_MAX, s, zero, I64));
        } else {
            coords.push(s);
        }
    }
    let mut y = kb.extract(0, &coords, x.elem);
    if let Some(v) = valid {
        let f = kb.constant(fill, out.elem);
        y = kb.op(ops::KERNEL_SELECT, &[v, y, f], out.elem, none());
    }
    Ok(vec![kb.finish_parallel(op.block, y, &inputs, out, maps)])
}

/// `graph.arg_max` / `graph.arg_min`.
fn arg_max(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let out = &op.results[0];
    let x = &op.ins[0];
    let r = x.shape.rank();
    let axis = normalize_axis(int_attr(op.attrs, "axis", 0), r)?;
    let keep = int_attr(op.attrs, "keepdims", 1) != 0;
    let last = int_attr(op.attrs, "select_last_index", 0) != 0;
    let values_ty = TensorType::new(out.shape.clone(), x.elem);
    let mut kb = KernelBuilder::new(m, &[x.elem, x.elem, I64]);
    let (v, best, at) = (kb.arg(0), kb.arg(1), kb.arg(2));
    let k = kb.index(axis);
    let zero = kb.int(0);
    let first = kb.bin(ops::KERNEL_LESS, at, zero, BOOL);
    let cmp = if op.name == ops::GRAPH_ARG_MAX {
        ops::KERNEL_GREATER
    } else {
        ops::KERNEL_LESS
    };
    let mut better = kb.bin(cmp, v, best, BOOL);
    if last {
        let eq = kb.bin(ops::KERNEL_EQUAL, v, best, BOOL);
        better = kb.bin(ops::KERNEL_OR, better, eq, BOOL);
    }
    let take = kb.bin(ops::KERNEL_OR, first, better, BOOL);
    let nv = kb.op(ops::KERNEL_SELECT, &[take, v, best], x.elem, none());
    let ni = kb.op(ops::KERNEL_SELECT, &[take, k, at], I64, none());
    let out_map = AffineMap {
        num_dims: r as u32,
        results: (0..r)
            .filter_map(|d| {
                if d != axis {
                    Some(AffineExpr::dim(d as u32))
                } else if keep {
                    Some(AffineExpr::constant(0))
                } else {
                    None
                }
            })
            .collect(),
    };
    let mut iterators = vec!["parallel"; r];
    iterators[axis] = "reduction";
    let outs = kb.finish(
        op.block,
        &[nv, ni],
        op.operands,
        &[values_ty, out.clone()],
        x.shape.dims(),
        &iterators,
        vec![AffineMap::identity(r as u32), out_map.clone(), out_map],
        &[0.0, -1.0],
    );
    Ok(vec![outs[1]])
}

/// `graph.cum_sum` / `graph.cum_prod`.
fn cum_sum(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let out = &op.results[0];
    let rank = op.results[0].shape.rank();
    let axis = normalize_axis(int_attr(op.attrs, "axis", 0), rank)?;
    let exclusive = int_attr(op.attrs, "exclusive", 0) != 0;
    let reverse = int_attr(op.attrs, "reverse", 0) != 0;
    let n = out.shape.dims()[axis];
    let mut domain = out.shape.dims().to_vec();
    domain.push(n);
    let mut kb = KernelBuilder::new(m, &[out.elem, out.elem]);
    let (x, acc) = (kb.arg(0), kb.arg(1));
    let (i, k) = (kb.index(axis), kb.index(rank));
    let cmp = match (exclusive, reverse) {
        (false, false) => ops::KERNEL_LESS_OR_EQUAL,
        (true, false) => ops::KERNEL_LESS,
        (false, true) => ops::KERNEL_GREATER_OR_EQUAL,
        (true, true) => ops::KERNEL_GREATER,
    };
    let include = kb.bin(cmp, k, i, BOOL);
    let step = if op.name == ops::GRAPH_CUM_SUM {
        ops::KERNEL_ADD
    } else {
        ops::KERNEL_MUL
    };
    let next = kb.bin(step, acc, x, out.elem);
    let y = kb.op(ops::KERNEL_SELECT, &[include, next, acc], out.elem, none());
    let mut in_map = AffineMap::identity(rank as u32 + 1);
    in_map.results.truncate(rank);
    in_map.results[axis] = AffineExpr::dim(rank as u32);
    let out_map = AffineMap::projection(rank as u32 + 1, &(0..rank as u32).collect::<Vec<_>>());
    let mut iterators = vec!["parallel"; rank];
    iterators.push("reduction");
    let init = if step == ops::KERNEL_MUL { 1.0 } else { 0.0 };
    Ok(kb.finish(
        op.block,
        &[y],
        op.operands,
        std::slice::from_ref(out),
        &domain,
        &iterators,
        vec![in_map, out_map],
        &[init],
    ))
}

/// `graph.eye_like`.
fn eye_like(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let out = &op.results[0];
    let rank = op.results[0].shape.rank();
    let identity = AffineMap::identity(rank as u32);
    let k = int_attr(op.attrs, "k", 0);
    let mut kb = KernelBuilder::new(m, &[out.elem]);
    let (i, j) = (kb.index(0), kb.index(1));
    let diff = kb.bin(ops::KERNEL_SUB, j, i, I64);
    let kk = kb.int(k);
    let on = kb.bin(ops::KERNEL_EQUAL, diff, kk, BOOL);
    let y = kb.op(ops::KERNEL_CAST, &[on], out.elem, none());
    Ok(vec![kb.finish_parallel(
        op.block,
        y,
        &[],
        out,
        vec![identity],
    )])
}

/// `graph.one_hot`.
fn one_hot(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let out = &op.results[0];
    let rank = op.results[0].shape.rank();
    let identity = AffineMap::identity(rank as u32);
    let (idx, values) = (&op.ins[0], &op.ins[1]);
    let depth = out.shape.dims()[normalize_axis(int_attr(op.attrs, "axis", -1), rank)?];
    let axis = normalize_axis(int_attr(op.attrs, "axis", -1), rank)?;
    let mut kb = KernelBuilder::new(m, &[idx.elem, values.elem, out.elem]);
    let ix = kb.arg(0);
    let ix = kb.normalized(ix, idx.elem, depth);
    let j = kb.index(axis);
    let hot = kb.bin(ops::KERNEL_EQUAL, ix, j, BOOL);
    let (zero, one) = (kb.int(0), kb.int(1));
    let vrank = values.shape.rank();
    let off_idx = vec![zero; vrank];
    let mut on_idx = vec![zero; vrank];
    if let Some(last) = on_idx.last_mut() {
        *last = one;
    }
    let off = kb.extract(1, &off_idx, values.elem);
    let on = kb.extract(1, &on_idx, values.elem);
    let y = kb.op(ops::KERNEL_SELECT, &[hot, on, off], out.elem, none());
    let idx_map = AffineMap {
        num_dims: rank as u32,
        results: (0..rank)
            .filter(|&d| d != axis)
            .map(|d| AffineExpr::dim(d as u32))
            .collect(),
    };
    let maps = vec![idx_map, zero_map(rank, vrank), identity];
    Ok(vec![kb.finish_parallel(
        op.block,
        y,
        op.operands,
        out,
        maps,
    )])
}

/// `graph.depth_to_space` / `graph.space_to_depth`.
fn depth_to_space(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let out = &op.results[0];
    // The ONNX definitions: reshape to 6-D, transpose, reshape back.
    let b = int_attr(op.attrs, "blocksize", 1).max(1) as usize;
    let d = op.ins[0].shape.dims();
    let crd = matches!(op.attrs.get("mode"), Some(Attribute::String(s)) if s == "CRD");
    let (shape6, perm): (Vec<usize>, [i64; 6]) = if op.name == ops::GRAPH_DEPTH_TO_SPACE {
        let c = d[1] / (b * b);
        if crd {
            (vec![d[0], c, b, b, d[2], d[3]], [0, 1, 4, 2, 5, 3])
        } else {
            (vec![d[0], b, b, c, d[2], d[3]], [0, 3, 4, 1, 5, 2])
        }
    } else {
        let perm = if crd {
            [0, 1, 3, 5, 2, 4]
        } else {
            [0, 3, 5, 1, 2, 4]
        };
        (vec![d[0], d[1], d[2] / b, b, d[3] / b, b], perm)
    };
    let reshape = |m: &mut Module, v: ValueId, dims: &[usize]| {
        let mut a = none();
        a.insert(
            "shape".into(),
            Attribute::I64Array(dims.iter().map(|&x| x as i64).collect()),
        );
        graph_op(m, op.block, ops::GRAPH_RESHAPE, &[v], a)
    };
    let t6 = reshape(m, op.operands[0], &shape6)?;
    let mut a = none();
    a.insert("perm".into(), Attribute::I64Array(perm.to_vec()));
    let ty6 =
        strata_ir::graph::infer_types(ops::GRAPH_TRANSPOSE, &[m.tensor_type(t6)?.clone()], &a, 1)?
            .remove(0);
    let moved = must_lower(m, op.block, ops::GRAPH_TRANSPOSE, &[t6], &a, &ty6)?;
    Ok(vec![reshape(m, moved, out.shape.dims())?])
}

/// `graph.average_pool` / `graph.lp_pool`.
fn average_pool(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let out = &op.results[0];
    lower_window_pool(
        m,
        op.block,
        op.name,
        op.operands[0],
        &op.ins[0],
        op.attrs,
        out,
    )
}

/// `graph.hardmax`.
fn hardmax(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let out = &op.results[0];
    let rank = op.results[0].shape.rank();
    let identity = AffineMap::identity(rank as u32);
    // The first maximum's index along the axis, then a one-hot comparison.
    let axis = normalize_axis(int_attr(op.attrs, "axis", -1), rank)?;
    let mut a = none();
    a.insert("axis".into(), Attribute::Int(axis as i64));
    a.insert("keepdims".into(), Attribute::Int(1));
    let mut kept_dims = out.shape.dims().to_vec();
    kept_dims[axis] = 1;
    let kept = TensorType::new(kept_dims, I64);
    let at = must_lower(m, op.block, ops::GRAPH_ARG_MAX, op.operands, &a, &kept)?;
    let mut kb = KernelBuilder::new(m, &[I64, out.elem]);
    let best = kb.arg(0);
    let j = kb.index(axis);
    let hot = kb.bin(ops::KERNEL_EQUAL, best, j, BOOL);
    let y = kb.op(ops::KERNEL_CAST, &[hot], out.elem, none());
    let mut map = identity.clone();
    map.results[axis] = AffineExpr::constant(0);
    Ok(vec![kb.finish_parallel(
        op.block,
        y,
        &[at],
        out,
        vec![map, identity],
    )])
}

/// `graph.einsum`.
fn einsum(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let out = &op.results[0];
    // One contraction: output labels are parallel dimensions, the others reduce.
    let (labels, output, sizes) = strata_ir::graph::einsum_labels(op.ins, op.attrs)?;
    let mut all = output.clone();
    all.extend(sizes.keys().filter(|c| !output.contains(c)));
    let domain: Vec<usize> = all.iter().map(|c| sizes[c]).collect();
    let nd = all.len() as u32;
    let mut maps: Vec<AffineMap> = labels
        .iter()
        .zip(op.ins)
        .map(|(ls, t)| AffineMap {
            num_dims: nd,
            results: ls
                .iter()
                .zip(t.shape.dims())
                .map(|(c, &size)| {
                    let d = all.iter().position(|x| x == c).unwrap_or(0);
                    if size == 1 && domain[d] != 1 {
                        AffineExpr::constant(0)
                    } else {
                        AffineExpr::dim(d as u32)
                    }
                })
                .collect(),
        })
        .collect();
    maps.push(AffineMap::projection(
        nd,
        &(0..output.len() as u32).collect::<Vec<_>>(),
    ));
    let mut elems: Vec<ElementType> = op.ins.iter().map(|t| t.elem).collect();
    elems.push(out.elem);
    let mut kb = KernelBuilder::new(m, &elems);
    let mut prod = kb.arg(0);
    for i in 1..op.ins.len() {
        let next = kb.arg(i);
        prod = kb.bin(ops::KERNEL_MUL, prod, next, out.elem);
    }
    let acc = kb.arg(op.ins.len());
    let y = kb.bin(ops::KERNEL_ADD, acc, prod, out.elem);
    let iterators: Vec<&str> = (0..all.len())
        .map(|d| {
            if d < output.len() {
                "parallel"
            } else {
                "reduction"
            }
        })
        .collect();
    Ok(kb.finish(
        op.block,
        &[y],
        op.operands,
        std::slice::from_ref(out),
        &domain,
        &iterators,
        maps,
        &[0.0],
    ))
}

/// `graph.resize`.
fn resize(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let out = &op.results[0];
    lower_resize(m, op.block, op.operands[0], op.ins, op.attrs, out)
}

/// `graph.max_pool`.
fn max_pool(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let out = &op.results[0];
    let rank = op.results[0].shape.rank();
    // With the Indices output: a windowed max over valid taps keeping the first
    // maximum's flat input index (row- or column-major spatial part).
    let x = &op.ins[0];
    let win = strata_ir::graph::window_of(op.name, std::slice::from_ref(x), op.attrs)?;
    let k = win.kernel.len();
    let spatial = &x.shape.dims()[2..];
    let column_major = int_attr(op.attrs, "storage_order", 0) != 0;
    let in_size: usize = spatial.iter().product();
    let mut domain = out.shape.dims().to_vec();
    domain.extend(&win.kernel);
    let nd = domain.len();
    let mut kb = KernelBuilder::new(m, &[x.elem, x.elem, I64]);
    let (acc_v, acc_i) = (kb.arg(1), kb.arg(2));
    let (n, c) = (kb.index(0), kb.index(1));
    let channels = kb.int(x.shape.dims()[1] as i64);
    let plane = kb.bin(ops::KERNEL_MUL, n, channels, I64);
    let plane = kb.bin(ops::KERNEL_ADD, plane, c, I64);
    let size = kb.int(in_size as i64);
    let mut flat = kb.bin(ops::KERNEL_MUL, plane, size, I64);
    let mut coords = vec![n, c];
    let mut valid: Option<ValueId> = None;
    for i in 0..k {
        let (ok, clamped) = kb.window_tap(i, rank, &win, spatial[i]);
        valid = kb.and_also(valid, ok);
        coords.push(clamped);
        let stride: usize = if column_major {
            spatial[..i].iter().product()
        } else {
            spatial[i + 1..].iter().product()
        };
        let st = kb.int(stride as i64);
        let part = kb.bin(ops::KERNEL_MUL, clamped, st, I64);
        flat = kb.bin(ops::KERNEL_ADD, flat, part, I64);
    }
    let v = kb.extract(0, &coords, x.elem);
    let zero = kb.int(0);
    let first = kb.bin(ops::KERNEL_LESS, acc_i, zero, BOOL);
    let bigger = kb.bin(ops::KERNEL_GREATER, v, acc_v, BOOL);
    let take = kb.bin(ops::KERNEL_OR, first, bigger, BOOL);
    let take = match valid {
        Some(ok) => kb.bin(ops::KERNEL_AND, ok, take, BOOL),
        None => take,
    };
    let nv = kb.op(ops::KERNEL_SELECT, &[take, v, acc_v], x.elem, none());
    let ni = kb.op(ops::KERNEL_SELECT, &[take, flat, acc_i], I64, none());
    let mut iterators = vec!["parallel"; rank];
    iterators.extend(std::iter::repeat_n("reduction", k));
    let out_map = AffineMap::projection(nd as u32, &(0..rank as u32).collect::<Vec<_>>());
    Ok(kb.finish(
        op.block,
        &[nv, ni],
        &op.operands[..1],
        op.results,
        &domain,
        &iterators,
        vec![zero_map(nd, rank), out_map.clone(), out_map],
        &[0.0, -1.0],
    ))
}

/// `graph.top_k`.
fn top_k(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let out = &op.results[0];
    let rank = op.results[0].shape.rank();
    // Each element's rank along the axis (how many come before it: better, or
    // equal at a lower index), then output slot r takes the element of rank r.
    let x = &op.ins[0];
    let axis = normalize_axis(int_attr(op.attrs, "axis", -1), rank)?;
    let largest = int_attr(op.attrs, "largest", 1) != 0;
    let n = x.shape.dims()[axis];
    let ranks_ty = TensorType::new(x.shape.clone(), I64);
    let mut domain = x.shape.dims().to_vec();
    domain.push(n);
    let nd = domain.len();
    let mut kb = KernelBuilder::new(m, &[x.elem, x.elem, I64]);
    let (xi, xj, count) = (kb.arg(0), kb.arg(1), kb.arg(2));
    let (i, j) = (kb.index(axis), kb.index(rank));
    let better = kb.bin(
        if largest {
            ops::KERNEL_GREATER
        } else {
            ops::KERNEL_LESS
        },
        xj,
        xi,
        BOOL,
    );
    let eq = kb.bin(ops::KERNEL_EQUAL, xj, xi, BOOL);
    let lower = kb.bin(ops::KERNEL_LESS, j, i, BOOL);
    let tie = kb.bin(ops::KERNEL_AND, eq, lower, BOOL);
    let before = kb.bin(ops::KERNEL_OR, better, tie, BOOL);
    let one = kb.int(1);
    let plus = kb.bin(ops::KERNEL_ADD, count, one, I64);
    let y = kb.op(ops::KERNEL_SELECT, &[before, plus, count], I64, none());
    let mut jmap = AffineMap::identity(nd as u32);
    jmap.results.truncate(rank);
    jmap.results[axis] = AffineExpr::dim(rank as u32);
    let own = AffineMap::projection(nd as u32, &(0..rank as u32).collect::<Vec<_>>());
    let mut iterators = vec!["parallel"; rank];
    iterators.push("reduction");
    let ranks = kb.finish(
        op.block,
        &[y],
        &[op.operands[0], op.operands[0]],
        std::slice::from_ref(&ranks_ty),
        &domain,
        &iterators,
        vec![own.clone(), jmap.clone(), own],
        &[0.0],
    )[0];
    let mut domain = out.shape.dims().to_vec();
    domain.push(n);
    let mut kb = KernelBuilder::new(m, &[x.elem, I64, x.elem, I64]);
    let (v, r, acc_v, acc_i) = (kb.arg(0), kb.arg(1), kb.arg(2), kb.arg(3));
    let (slot, i) = (kb.index(axis), kb.index(rank));
    let hit = kb.bin(ops::KERNEL_EQUAL, r, slot, BOOL);
    let nv = kb.op(ops::KERNEL_SELECT, &[hit, v, acc_v], x.elem, none());
    let ni = kb.op(ops::KERNEL_SELECT, &[hit, i, acc_i], I64, none());
    let out_map = AffineMap::projection(nd as u32, &(0..rank as u32).collect::<Vec<_>>());
    Ok(kb.finish(
        op.block,
        &[nv, ni],
        &[op.operands[0], ranks],
        op.results,
        &domain,
        &iterators,
        vec![jmap.clone(), jmap, out_map.clone(), out_map],
        &[0.0, 0.0],
    ))
}

/// `graph.scatter_elements` / `graph.scatter_nd`.
fn scatter_elements(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let out = &op.results[0];
    lower_scatter(m, op.block, op.name, op.operands, op.ins, op.attrs, out)
}

/// `graph.conv_transpose`.
fn conv_transpose(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let out = &op.results[0];
    let rank = op.results[0].shape.rank();
    // Gather form: each output sums the input positions and kernel taps that
    // write it, i = (o + pad - k * dilation) / stride when that divides exactly.
    let (win, group, _) = strata_ir::graph::conv_transpose_window(op.ins, op.attrs)?;
    let (x, w) = (&op.ins[0], &op.ins[1]);
    let k = x.shape.rank() - 2;
    let (c, mo) = (x.shape.dims()[1], out.shape.dims()[1]);
    let (cg, mg) = (c / group, mo / group);
    let mut domain = out.shape.dims().to_vec();
    domain.push(cg);
    domain.extend(&w.shape.dims()[2..]);
    let e = out.elem;
    let mut kb = KernelBuilder::new(m, &[x.elem, w.elem, e]);
    let acc = kb.arg(2);
    let (n, mm, cl) = (kb.index(0), kb.index(1), kb.index(2 + k));
    let mgc = kb.int(mg as i64);
    let gi = kb.bin(ops::KERNEL_DIV, mm, mgc, I64);
    let gm = kb.bin(ops::KERNEL_MUL, gi, mgc, I64);
    let ml = kb.bin(ops::KERNEL_SUB, mm, gm, I64);
    let cgc = kb.int(cg as i64);
    let gc = kb.bin(ops::KERNEL_MUL, gi, cgc, I64);
    let cc = kb.bin(ops::KERNEL_ADD, gc, cl, I64);
    let mut xc = vec![n, cc];
    let mut wc = vec![cc, ml];
    let mut valid: Option<ValueId> = None;
    for d in 0..k {
        let o = kb.index(2 + d);
        let kk = kb.index(3 + k + d);
        let pb = kb.int(win.pads_begin[d] as i64);
        let dil = kb.int(win.dilations[d] as i64);
        let s = kb.int(win.strides[d] as i64);
        let kd = kb.bin(ops::KERNEL_MUL, kk, dil, I64);
        let t = kb.bin(ops::KERNEL_ADD, o, pb, I64);
        let t = kb.bin(ops::KERNEL_SUB, t, kd, I64);
        let rem = kb.bin(ops::KERNEL_MOD, t, s, I64);
        let zero = kb.int(0);
        let exact = kb.bin(ops::KERNEL_EQUAL, rem, zero, BOOL);
        let i = kb.bin(ops::KERNEL_DIV, t, s, I64);
        let ge = kb.bin(ops::KERNEL_GREATER_OR_EQUAL, t, zero, BOOL);
        let n_in = kb.int(x.shape.dims()[2 + d] as i64);
        let lt = kb.bin(ops::KERNEL_LESS, i, n_in, BOOL);
        let ok = kb.bin(ops::KERNEL_AND, exact, ge, BOOL);
        let ok = kb.bin(ops::KERNEL_AND, ok, lt, BOOL);
        valid = kb.and_also(valid, ok);
        xc.push(kb.clamp_index(i, x.shape.dims()[2 + d]));
        wc.push(kk);
    }
    let xv = kb.extract(0, &xc, x.elem);
    let wv = kb.extract(1, &wc, w.elem);
    let p = kb.bin(ops::KERNEL_MUL, xv, wv, e);
    let zero = kb.constant(0.0, e);
    let term = match valid {
        Some(v) => kb.op(ops::KERNEL_SELECT, &[v, p, zero], e, none()),
        None => p,
    };
    let y = kb.bin(ops::KERNEL_ADD, acc, term, e);
    let nd = domain.len();
    let mut iterators = vec!["parallel"; rank];
    iterators.extend(std::iter::repeat_n("reduction", 1 + k));
    let conv = kb.finish(
        op.block,
        &[y],
        &op.operands[..2],
        std::slice::from_ref(out),
        &domain,
        &iterators,
        vec![
            zero_map(nd, rank),
            zero_map(nd, rank),
            AffineMap::projection(nd as u32, &(0..rank as u32).collect::<Vec<_>>()),
        ],
        &[0.0],
    )[0];
    super::graph_to_kernel::add_channel_bias(m, op.block, conv, op.operands.get(2).copied(), out)
}

/// `graph.gather_nd`.
fn gather_nd(m: &mut Module, op: &GraphOp) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let out = &op.results[0];
    let rank = op.results[0].shape.rank();
    let identity = AffineMap::identity(rank as u32);
    let (data, idx) = (&op.ins[0], &op.ins[1]);
    let b = int_attr(op.attrs, "batch_dims", 0).max(0) as usize;
    let q = idx.shape.rank();
    let depth = idx.shape.dims()[q - 1];
    let mut kb = KernelBuilder::new(m, &[data.elem, idx.elem, out.elem]);
    let lead: Vec<ValueId> = (0..q - 1).map(|k| kb.index(k)).collect();
    let mut coords: Vec<ValueId> = lead[..b].to_vec();
    for j in 0..depth {
        let jj = kb.int(j as i64);
        let mut at = lead.clone();
        at.push(jj);
        let raw = kb.extract(1, &at, idx.elem);
        coords.push(kb.normalized(raw, idx.elem, data.shape.dims()[b + j]));
    }
    for t in 0..data.shape.rank() - b - depth {
        coords.push(kb.index(q - 1 + t));
    }
    let y = kb.extract(0, &coords, data.elem);
    let maps = vec![
        zero_map(rank, data.shape.rank()),
        zero_map(rank, q),
        identity,
    ];
    Ok(vec![kb.finish_parallel(
        op.block,
        y,
        op.operands,
        out,
        maps,
    )])
}

/// AveragePool and LpPool as a sum over the window that skips positions in the padding
/// (`kernel.extract` at clamped coordinates, selected away), then a kernel dividing by each
/// window's divisor (taps inside the input, or inside the explicitly padded input with
/// `count_include_pad`) or taking the p-th root.
fn lower_window_pool(
    m: &mut Module,
    block: strata_ir::module::BlockId,
    name: OpName,
    x: ValueId,
    xt: &TensorType,
    attrs: &Attrs,
    out: &TensorType,
) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let win = strata_ir::graph::window_of(name, std::slice::from_ref(xt), attrs)?;
    let k = win.kernel.len();
    let rank = out.shape.rank();
    let spatial = &xt.shape.dims()[2..];
    let e = out.elem;
    let p = match attrs.get("p") {
        Some(Attribute::Float(v, _)) => *v,
        Some(Attribute::Int(v)) => *v as f64,
        _ => 2.0,
    };
    let mut domain = out.shape.dims().to_vec();
    domain.extend(&win.kernel);
    let mut kb = KernelBuilder::new(m, &[xt.elem, e]);
    let acc = kb.arg(1);
    let mut coords = vec![kb.index(0), kb.index(1)];
    let mut valid: Option<ValueId> = None;
    for (i, &len) in spatial.iter().enumerate() {
        let (ok, pos) = kb.window_tap(i, rank, &win, len);
        valid = kb.and_also(valid, ok);
        coords.push(pos);
    }
    let v = kb.extract(0, &coords, xt.elem);
    let term = if name == ops::GRAPH_LP_POOL {
        let a = kb.op(ops::KERNEL_ABS, &[v], e, none());
        let pc = kb.constant(p, e);
        kb.bin(ops::KERNEL_POW, a, pc, e)
    } else {
        v
    };
    let zero = kb.constant(0.0, e);
    let term = match valid {
        Some(ok) => kb.op(ops::KERNEL_SELECT, &[ok, term, zero], e, none()),
        None => term,
    };
    let sum = kb.bin(ops::KERNEL_ADD, acc, term, e);
    let mut iterators = vec!["parallel"; rank];
    iterators.extend(std::iter::repeat_n("reduction", k));
    let nd = domain.len();
    let summed = kb.finish(
        block,
        &[sum],
        &[x],
        std::slice::from_ref(out),
        &domain,
        &iterators,
        vec![
            zero_map(nd, rank),
            AffineMap::projection(nd as u32, &(0..rank as u32).collect::<Vec<_>>()),
        ],
        &[0.0],
    )[0];
    let identity = AffineMap::identity(rank as u32);
    if name == ops::GRAPH_LP_POOL {
        let mut kb = KernelBuilder::new(m, &[e, e]);
        let s = kb.arg(0);
        let inv = kb.constant(1.0 / p, e);
        let y = kb.bin(ops::KERNEL_POW, s, inv, e);
        return Ok(vec![kb.finish_parallel(
            block,
            y,
            &[summed],
            out,
            vec![identity.clone(), identity],
        )]);
    }
    // Divisors per output position, from the geometry alone.
    let include_pad = int_attr(attrs, "count_include_pad", 0) != 0;
    let per_dim: Vec<Vec<f64>> = (0..k)
        .map(|i| {
            (0..win.output[i])
                .map(|o| {
                    let (lo, hi) = if include_pad {
                        (
                            -(win.pads_begin[i] as i64),
                            (spatial[i] + win.pads_end[i]) as i64,
                        )
                    } else {
                        (0, spatial[i] as i64)
                    };
                    (0..win.kernel[i])
                        .filter(|&kk| {
                            let pos = (o * win.strides[i] + kk * win.dilations[i]) as i64
                                - win.pads_begin[i] as i64;
                            pos >= lo && pos < hi
                        })
                        .count() as f64
                })
                .collect()
        })
        .collect();
    let out_spatial: usize = win.output.iter().product();
    let mut divisors = vec![1.0; out_spatial];
    for (flat, slot) in divisors.iter_mut().enumerate() {
        let mut rem = flat;
        for i in (0..k).rev() {
            *slot *= per_dim[i][rem % win.output[i]];
            rem /= win.output[i];
        }
    }
    let t = Tensor::from_f64s(e, strata_ir::Shape::new(win.output.clone()), &divisors);
    let div = constant_tensor(m, block, t);
    let mut kb = KernelBuilder::new(m, &[e, e, e]);
    let (s, d) = (kb.arg(0), kb.arg(1));
    let y = kb.bin(ops::KERNEL_DIV, s, d, e);
    let dmap = AffineMap {
        num_dims: rank as u32,
        results: (2..rank).map(|i| AffineExpr::dim(i as u32)).collect(),
    };
    Ok(vec![kb.finish_parallel(
        block,
        y,
        &[summed, div],
        out,
        vec![identity.clone(), dmap, identity],
    )])
}

/// Resize, axis by axis as the interpreter does: each resized axis is a kernel summing
/// weighted taps (`kernel.extract` at the tap's source index, from per-axis tables of
/// source indices and weights computed here), in f64; a last kernel rounds to the result
/// type once. Extrapolated positions (`tf_crop_and_resize`) take the extrapolation value.
fn lower_resize(
    m: &mut Module,
    block: strata_ir::module::BlockId,
    x: ValueId,
    ins: &[TensorType],
    attrs: &Attrs,
    out: &TensorType,
) -> Result<Vec<ValueId>, crate::pass::PassError> {
    const F64: ElementType = ElementType::F64;
    let (axes, extrapolation) = strata_ir::graph::resize_plan(ins, attrs)?;
    let mut cur = x;
    let mut dims = ins[0].shape.dims().to_vec();
    let mut elem = ins[0].elem;
    for (axis, plan) in axes.iter().enumerate() {
        let Some((out_len, taps)) = plan else {
            continue;
        };
        let width = taps
            .iter()
            .map(|t| t.as_ref().map_or(1, |v| v.len()))
            .max()
            .unwrap_or(1)
            .max(1);
        let mut idx = vec![0i64; out_len * width];
        let mut w = vec![0f64; out_len * width];
        let mut outside = vec![false; *out_len];
        for (o, tap) in taps.iter().enumerate() {
            match tap {
                Some(list) => {
                    for (t, &(j, wt)) in list.iter().enumerate() {
                        idx[o * width + t] = j as i64;
                        w[o * width + t] = wt;
                    }
                }
                None => outside[o] = true,
            }
        }
        let table_shape = strata_ir::Shape::new(vec![*out_len, width]);
        let idx_t = constant_tensor(m, block, Tensor::from_i64s(I64, table_shape.clone(), &idx));
        let w_t = constant_tensor(m, block, Tensor::from_f64s(F64, table_shape, &w));
        let mut new_dims = dims.clone();
        new_dims[axis] = *out_len;
        let rank = dims.len();
        let mut domain = new_dims.clone();
        domain.push(width);
        let nd = domain.len();
        let result = TensorType::new(new_dims.clone(), F64);
        let mut kb = KernelBuilder::new(m, &[elem, I64, F64, F64]);
        let (j, wt, acc) = (kb.arg(1), kb.arg(2), kb.arg(3));
        let mut coords: Vec<ValueId> = (0..rank).map(|k| kb.index(k)).collect();
        coords[axis] = j;
        let v = kb.extract(0, &coords, elem);
        let v = if elem == F64 {
            v
        } else {
            kb.op(ops::KERNEL_CAST, &[v], F64, none())
        };
        let p = kb.bin(ops::KERNEL_MUL, wt, v, F64);
        let y = kb.bin(ops::KERNEL_ADD, acc, p, F64);
        let table_map = AffineMap {
            num_dims: nd as u32,
            results: vec![AffineExpr::dim(axis as u32), AffineExpr::dim(rank as u32)],
        };
        let mut iterators = vec!["parallel"; rank];
        iterators.push("reduction");
        let mut next = kb.finish(
            block,
            &[y],
            &[cur, idx_t, w_t],
            std::slice::from_ref(&result),
            &domain,
            &iterators,
            vec![
                zero_map(nd, rank),
                table_map.clone(),
                table_map,
                AffineMap::projection(nd as u32, &(0..rank as u32).collect::<Vec<_>>()),
            ],
            &[0.0],
        )[0];
        if outside.contains(&true) {
            let mask = constant_tensor(
                m,
                block,
                Tensor::from_bools(strata_ir::Shape::new(vec![*out_len]), outside),
            );
            let mut kb = KernelBuilder::new(m, &[F64, BOOL, F64]);
            let (y, out_of) = (kb.arg(0), kb.arg(1));
            let fill = kb.constant(extrapolation, F64);
            let z = kb.op(ops::KERNEL_SELECT, &[out_of, fill, y], F64, none());
            let identity = AffineMap::identity(rank as u32);
            let mask_map = AffineMap {
                num_dims: rank as u32,
                results: vec![AffineExpr::dim(axis as u32)],
            };
            next = kb.finish_parallel(
                block,
                z,
                &[next, mask],
                &result,
                vec![identity.clone(), mask_map, identity],
            );
        }
        cur = next;
        dims = new_dims;
        elem = F64;
    }
    if elem == out.elem {
        return Ok(vec![cur]);
    }
    let rank = dims.len() as u32;
    let mut kb = KernelBuilder::new(m, &[elem, out.elem]);
    let v = kb.arg(0);
    let y = kb.op(ops::KERNEL_CAST, &[v], out.elem, none());
    Ok(vec![kb.finish_parallel(
        block,
        y,
        &[cur],
        out,
        vec![AffineMap::identity(rank); 2],
    )])
}

/// For `N x C x ...` tensor `sq`, the sum over a window of `size` channels around each
/// channel (`(size - 1) / 2` before it), channels past either end counting as zero.
pub(super) fn channel_window_sum(
    m: &mut Module,
    block: strata_ir::module::BlockId,
    sq: ValueId,
    x: &TensorType,
    size: usize,
) -> Result<ValueId, crate::pass::PassError> {
    let rank = x.shape.rank();
    let c = x.shape.dims()[1];
    let before = ((size - 1) / 2) as i64;
    let mut domain = x.shape.dims().to_vec();
    domain.push(size);
    let mut kb = KernelBuilder::new(m, &[x.elem, x.elem]);
    let acc = kb.arg(1);
    let (ch, s) = (kb.index(1), kb.index(rank));
    let shift = kb.int(before);
    let cc = kb.bin(ops::KERNEL_ADD, ch, s, I64);
    let cc = kb.bin(ops::KERNEL_SUB, cc, shift, I64);
    let (zero, n) = (kb.int(0), kb.int(c as i64));
    let ge = kb.bin(ops::KERNEL_GREATER_OR_EQUAL, cc, zero, BOOL);
    let lt = kb.bin(ops::KERNEL_LESS, cc, n, BOOL);
    let ok = kb.bin(ops::KERNEL_AND, ge, lt, BOOL);
    let mut coords: Vec<ValueId> = (0..rank).map(|k| kb.index(k)).collect();
    coords[1] = kb.clamp_index(cc, c);
    let v = kb.extract(0, &coords, x.elem);
    let z = kb.constant(0.0, x.elem);
    let term = kb.op(ops::KERNEL_SELECT, &[ok, v, z], x.elem, none());
    let y = kb.bin(ops::KERNEL_ADD, acc, term, x.elem);
    let mut iterators = vec!["parallel"; rank];
    iterators.push("reduction");
    let nd = domain.len();
    Ok(kb.finish(
        block,
        &[y],
        &[sq],
        std::slice::from_ref(x),
        &domain,
        &iterators,
        vec![
            zero_map(nd, rank),
            AffineMap::projection(nd as u32, &(0..rank as u32).collect::<Vec<_>>()),
        ],
        &[0.0],
    )[0])
}

/// ScatterElements and ScatterND. A reduction kernel visits every (output element, update)
/// pair in order and folds the updates that target the element (last one wins for
/// `reduction = none`, as a sequential scatter), noting whether any did; an elementwise
/// kernel then combines the fold with the data where one did. The pair space is the
/// output's size times the updates': meant for the small scatters of cache updates and
/// tests, not bulk data.
fn lower_scatter(
    m: &mut Module,
    block: strata_ir::module::BlockId,
    name: OpName,
    operands: &[ValueId],
    ins: &[TensorType],
    attrs: &Attrs,
    out: &TensorType,
) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let (data, idx, upd) = (&ins[0], &ins[1], &ins[2]);
    let reduction = match attrs.get("reduction") {
        Some(Attribute::String(r)) => r.clone(),
        _ => "none".to_string(),
    };
    let e = out.elem;
    let rank = out.shape.rank();
    let urank = upd.shape.rank();
    let mut domain = out.shape.dims().to_vec();
    domain.extend(upd.shape.dims());
    let nd = domain.len();
    let mut kb = KernelBuilder::new(m, &[idx.elem, e, e, BOOL]);
    let (u, acc, hit) = (kb.arg(1), kb.arg(2), kb.arg(3));
    let out_coords: Vec<ValueId> = (0..rank).map(|k| kb.index(k)).collect();
    let upd_coords: Vec<ValueId> = (0..urank).map(|k| kb.index(rank + k)).collect();
    // Where this update writes.
    let target: Vec<ValueId> = if name == ops::GRAPH_SCATTER_ELEMENTS {
        let axis = normalize_axis(int_attr(attrs, "axis", 0), rank)?;
        let raw = kb.arg(0);
        let t = kb.normalized(raw, idx.elem, data.shape.dims()[axis]);
        let mut coords = upd_coords.clone();
        coords[axis] = t;
        coords
    } else {
        let q = idx.shape.rank();
        let depth = idx.shape.dims()[q - 1];
        let mut coords = Vec::new();
        for j in 0..depth {
            let jj = kb.int(j as i64);
            let mut at = upd_coords[..q - 1].to_vec();
            at.push(jj);
            let raw = kb.extract(0, &at, idx.elem);
            coords.push(kb.normalized(raw, idx.elem, data.shape.dims()[j]));
        }
        coords.extend(&upd_coords[q - 1..]);
        coords
    };
    let mut matches: Option<ValueId> = None;
    for (t, o) in target.iter().zip(&out_coords) {
        let eq = kb.bin(ops::KERNEL_EQUAL, *t, *o, BOOL);
        matches = kb.and_also(matches, eq);
    }
    let matched = matches.ok_or("a scatter into a scalar")?;
    let folded = match reduction.as_str() {
        "add" => kb.bin(ops::KERNEL_ADD, acc, u, e),
        "mul" => kb.bin(ops::KERNEL_MUL, acc, u, e),
        "max" | "min" => {
            let both = kb.bin(kernel_op(&reduction)?, acc, u, e);
            kb.op(ops::KERNEL_SELECT, &[hit, both, u], e, none())
        }
        _ => u,
    };
    let new_acc = kb.op(ops::KERNEL_SELECT, &[matched, folded, acc], e, none());
    let new_hit = kb.bin(ops::KERNEL_OR, hit, matched, BOOL);
    let mut iterators = vec!["parallel"; rank];
    iterators.extend(std::iter::repeat_n("reduction", urank));
    let idx_map = if name == ops::GRAPH_SCATTER_ELEMENTS {
        AffineMap {
            num_dims: nd as u32,
            results: (rank..nd).map(|d| AffineExpr::dim(d as u32)).collect(),
        }
    } else {
        zero_map(nd, idx.shape.rank())
    };
    let upd_map = AffineMap {
        num_dims: nd as u32,
        results: (rank..nd).map(|d| AffineExpr::dim(d as u32)).collect(),
    };
    let out_map = AffineMap::projection(nd as u32, &(0..rank as u32).collect::<Vec<_>>());
    let init = if reduction == "mul" { 1.0 } else { 0.0 };
    let outs = kb.finish(
        block,
        &[new_acc, new_hit],
        &[operands[1], operands[2]],
        &[out.clone(), TensorType::new(out.shape.clone(), BOOL)],
        &domain,
        &iterators,
        vec![idx_map, upd_map, out_map.clone(), out_map],
        &[init, 0.0],
    );
    let mut kb = KernelBuilder::new(m, &[e, e, BOOL, e]);
    let (d, f, h) = (kb.arg(0), kb.arg(1), kb.arg(2));
    let combined = match reduction.as_str() {
        "add" | "mul" | "max" | "min" => kb.bin(kernel_op(&reduction)?, d, f, e),
        _ => f,
    };
    let y = kb.op(ops::KERNEL_SELECT, &[h, combined, d], e, none());
    let identity = AffineMap::identity(rank as u32);
    Ok(vec![kb.finish_parallel(
        block,
        y,
        &[operands[0], outs[0], outs[1]],
        out,
        vec![
            identity.clone(),
            identity.clone(),
            identity.clone(),
            identity,
        ],
    )])
}
