//! `channels-last`: convolutions and the kernels around them in NHWC instead of NCHW.
//!
//! Why: a CPU's matrix product wants C's columns dense and long. In NCHW a convolution's
//! columns are output positions, and a 7×7 plane fills 49 of 64 lanes of a register tile;
//! in NHWC they are output channels (64 to 512, whole vectors), the weights are the B
//! operand stored packed at compile time, and the input is A, read in place through its
//! window. Pools, pads, bias, residual adds and activations between convolutions follow,
//! vectorized over channels, so no relayout happens between them.
//!
//! How: a `kernel.generic` reads and writes through indexing maps, so giving a rank-4
//! value the shape `[n, h, w, c]` and permuting the results of every map that touches it
//! (and the indices of every `kernel.extract` from it) is exact, for any kernel. Values
//! change only where every user is a kernel (a value a reshape or the function's return
//! reads keeps NCHW, its producer writes it that way), and only in the producer/consumer
//! components that hold a convolution. The model's input keeps NCHW, and so does what a
//! kernel other than a convolution computes from it (the first pad): the convolution
//! reads it in place either way, where a pad would transpose as it copies. A convolution's own result that
//! something other than a kernel reads (a model's last convolution, returned) is written
//! NHWC all the same, and a copy kernel transposes it back for those readers: a
//! convolution that reads NHWC and writes NCHW would have neither layout's fast path.
//!
//! A kernel whose result changes also has its domain reordered so that the result's map
//! is again in domain order: the back ends vectorize the innermost dimension of the
//! result, now channels. A pad's per-dimension index tables are reordered with it, so it
//! stays the padded copy that back ends fill and copy in bulk.

use std::collections::{HashMap, HashSet};
use strata_ir::kernel::pad::padded_copy;
use strata_ir::kernel::{contraction_kind, Contraction, Generic, IteratorKind};
use strata_ir::module::ValueDef;
use strata_ir::ops;
use strata_ir::{
    AffineExpr, AffineMap, Attribute, ElementType, Module, OpId, OpSpec, Type, ValueId,
};

/// NCHW → NHWC: the new dimension `i` is the old dimension `NHWC[i]`.
const NHWC: [usize; 4] = [0, 2, 3, 1];

/// Runs the pass on every function of `m`; returns the new module and how many values
/// changed layout. Targets whose matrix products are not taken whole (`contract`: CPUs
/// and systolic machines, whose arrays also read channels-last images best) keep NCHW.
pub fn channels_last(
    m: &Module,
    contract: bool,
) -> Result<(Module, usize), crate::pass::PassError> {
    crate::require_valid(m, "channels-last")?;
    let mut out = m.clone();
    if !contract {
        return Ok((out, 0));
    }
    let mut changed = 0;
    let functions: Vec<_> = out.functions().collect();
    for f in functions {
        let block = f.entry_block(&out);
        let before = out.clone();
        transpose_at_boundaries(&mut out, block);
        let relayout = values_to_relayout(&out, &out.block(block).ops.clone());
        if relayout.is_empty() {
            // No convolution to serve: not even the copies.
            out = before;
            continue;
        }
        let generics: Vec<OpId> = out
            .block(block)
            .ops
            .iter()
            .copied()
            .filter(|&op| {
                let d = out.op(op);
                d.name == ops::KERNEL_GENERIC
                    && d.operands
                        .iter()
                        .chain(&d.results)
                        .any(|v| relayout.contains(v))
            })
            .collect();
        for op in generics {
            rewrite(&mut out, op, &relayout)?;
        }
        for &v in &relayout {
            let Type::Tensor(t) = out.value_type(v).clone() else {
                continue;
            };
            let dims = t.shape.dims();
            let shape = NHWC.map(|i| dims[i]);
            out.set_value_type(
                v,
                Type::Tensor(strata_ir::TensorType::new(
                    strata_ir::types::Shape::new(shape),
                    t.elem,
                )),
            );
        }
        changed += relayout.len();
    }
    Ok((out, changed))
}

/// Whether `op` is a 2-d convolution with one rank-4 result.
fn is_conv(m: &Module, op: OpId) -> bool {
    m.op(op).name == ops::KERNEL_GENERIC
        && matches!(
            contraction_kind(m, op),
            Some(Contraction::Conv { spatial: 2 })
        )
        && m.op(op).results.len() == 1
        && m.tensor_type(m.op(op).results[0])
            .is_ok_and(|t| t.shape.rank() == 4)
}

/// Ops anywhere under `ops` (nested regions included) except inside kernels, whose
/// bodies only read their own arguments; each with whether it sits at the top level.
fn walk(m: &Module, ops: &[OpId]) -> Vec<(OpId, bool)> {
    let mut out = Vec::new();
    let mut stack: Vec<(OpId, bool)> = ops.iter().rev().map(|&o| (o, true)).collect();
    while let Some((op, top)) = stack.pop() {
        out.push((op, top));
        if m.op(op).name == ops::KERNEL_GENERIC {
            continue;
        }
        for &r in &m.op(op).regions {
            for &b in &m.region(r).blocks {
                stack.extend(m.block(b).ops.iter().rev().map(|&o| (o, false)));
            }
        }
    }
    out
}

/// Gives every f32 convolution result that something other than a top-level kernel reads
/// a copy kernel (`copy = conv`, identity maps) and moves those readers to the copy, so
/// that the convolution's result itself can change layout (the copy then transposes).
fn transpose_at_boundaries(m: &mut Module, block: strata_ir::module::BlockId) {
    let body = m.block(block).ops.clone();
    for (i, &conv) in body.iter().enumerate() {
        if !is_conv(m, conv) {
            continue;
        }
        let v = m.op(conv).results[0];
        let Ok(t) = m.tensor_type(v).cloned() else {
            continue;
        };
        let readers: Vec<OpId> = walk(m, &body)
            .into_iter()
            .filter(|&(op, top)| {
                m.op(op).operands.contains(&v) && !(top && m.op(op).name == ops::KERNEL_GENERIC)
            })
            .map(|(op, _)| op)
            .collect();
        if readers.is_empty() || t.elem != ElementType::F32 {
            continue;
        }
        let region = m.new_region();
        let args = m.append_block(region, &[Type::Scalar(t.elem), Type::Scalar(t.elem)]);
        let x = m.block(args).args[0];
        m.append_op(args, OpSpec::new(ops::KERNEL_YIELD).operands([x]));
        let identity = AffineMap::identity(4);
        let mut spec = OpSpec::new(ops::KERNEL_GENERIC)
            .operands([v])
            .results([Type::Tensor(t.clone())])
            .attr(
                "domain",
                Attribute::I64Array(t.shape.dims().iter().map(|&x| x as i64).collect()),
            )
            .attr(
                "iterators",
                Attribute::Array(vec![Attribute::String("parallel".into()); 4]),
            )
            .attr(
                "indexing_maps",
                Attribute::Array(vec![
                    Attribute::AffineMap(identity.clone()),
                    Attribute::AffineMap(identity),
                ]),
            );
        spec.loc = m.op(conv).loc.clone();
        spec.regions = vec![region];
        let copy = m.create_op(spec);
        match body.get(i + 1) {
            Some(&next) => m.insert_op_before(block, next, copy),
            None => m.push_op(block, copy),
        }
        let copied = m.result(copy);
        for r in readers {
            for o in m.op_mut(r).operands.iter_mut() {
                if *o == v {
                    *o = copied;
                }
            }
        }
    }
}

/// Union-find root of `x`.
fn root(parent: &mut HashMap<OpId, OpId>, x: OpId) -> OpId {
    let p = *parent.get(&x).unwrap_or(&x);
    if p == x {
        return x;
    }
    let r = root(parent, p);
    parent.insert(x, r);
    r
}

/// The values of a function body (its ops `body`) that change to NHWC: rank-4 f32 results
/// of kernels whose every use is a kernel's operand, in components (kernels joined by
/// such values) that hold a convolution.
fn values_to_relayout(m: &Module, body: &[OpId]) -> HashSet<ValueId> {
    let mut users: HashMap<ValueId, Vec<OpId>> = HashMap::new();
    let mut foreign: HashSet<ValueId> = HashSet::new();
    // Uses anywhere, nested regions included: only a top-level kernel's operand is a use
    // the pass can rewrite.
    for (op, top) in walk(m, body) {
        let d = m.op(op);
        for &v in &d.operands {
            if top && d.name == ops::KERNEL_GENERIC {
                users.entry(v).or_default().push(op);
            } else {
                foreign.insert(v);
            }
        }
    }
    let image = |v: ValueId| {
        m.tensor_type(v)
            .is_ok_and(|t| t.shape.rank() == 4 && t.elem == ElementType::F32)
    };
    let generic_result = |v: ValueId| match m.value(v).def {
        ValueDef::OpResult { op, .. } => m.op(op).name == ops::KERNEL_GENERIC && body.contains(&op),
        _ => false,
    };
    let candidate = |v: ValueId| -> Option<OpId> {
        let ValueDef::OpResult { op, .. } = m.value(v).def else {
            return None;
        };
        // A kernel that reads an image in NCHW from outside (the model's input, say) and
        // is no convolution keeps writing NCHW: else it would transpose as it goes (a
        // pad of three channels, one at a time); the convolution after it reads either.
        let reads_nchw = !is_conv(m, op)
            && m.op(op)
                .operands
                .iter()
                .any(|&x| image(x) && !generic_result(x));
        let ok = m.op(op).name == ops::KERNEL_GENERIC
            && body.contains(&op)
            && image(v)
            && !reads_nchw
            && !foreign.contains(&v)
            && users.contains_key(&v);
        ok.then_some(op)
    };
    let mut parent: HashMap<OpId, OpId> = HashMap::new();
    let mut candidates = Vec::new();
    for &op in body {
        for &v in &m.op(op).results {
            let Some(def) = candidate(v) else {
                continue;
            };
            candidates.push((v, def));
            for &u in &users[&v] {
                let (a, b) = (root(&mut parent, def), root(&mut parent, u));
                if a != b {
                    parent.insert(a, b);
                }
            }
        }
    }
    // Components where a convolution's result changes layout (else its input changing
    // alone would only make it slower).
    let convs: HashSet<OpId> = body
        .iter()
        .copied()
        .filter(|&op| is_conv(m, op) && candidate(m.op(op).results[0]).is_some())
        .map(|op| root(&mut parent, op))
        .collect();
    candidates
        .into_iter()
        .filter(|&(_, def)| convs.contains(&root(&mut parent, def)))
        .map(|(v, _)| v)
        .collect()
}

/// A map whose results, for a value now in NHWC, are in the new dimension order.
fn permuted(map: &AffineMap) -> AffineMap {
    AffineMap {
        num_dims: map.num_dims,
        results: NHWC.iter().map(|&i| map.results[i].clone()).collect(),
    }
}

/// `map` with domain dimension `d` renamed `rename[d]`.
fn renamed(map: &AffineMap, rename: &[usize]) -> AffineMap {
    AffineMap {
        num_dims: map.num_dims,
        results: map
            .results
            .iter()
            .map(|e| {
                AffineExpr::linear(
                    e.terms.iter().map(|&(d, c)| (rename[d as usize] as u32, c)),
                    e.constant,
                )
            })
            .collect(),
    }
}

/// Rewrites kernel `op` for the values in `relayout` (its operands and results read and
/// written in NHWC), then reorders its domain to follow its first result.
fn rewrite(
    m: &mut Module,
    op: OpId,
    relayout: &HashSet<ValueId>,
) -> Result<(), crate::pass::PassError> {
    let was_pad = padded_copy(m, op).is_some();
    let mut g = Generic::of(m, op)?;
    let d = m.op(op).clone();
    let n_in = d.operands.len();
    for (i, v) in d.operands.iter().chain(&d.results).enumerate() {
        if relayout.contains(v) {
            g.maps[i] = permuted(&g.maps[i]);
        }
    }
    // Gathers index their operand in its own layout.
    let body_ops: Vec<OpId> = d
        .regions
        .iter()
        .flat_map(|&r| m.region(r).blocks.clone())
        .flat_map(|b| m.block(b).ops.clone())
        .collect();
    for &bop in &body_ops {
        let bd = m.op(bop);
        if bd.name != ops::KERNEL_EXTRACT {
            continue;
        }
        let k = match bd.attrs.get("operand") {
            Some(Attribute::Int(k)) if (*k as usize) < n_in => *k as usize,
            _ => return Err("kernel.extract without its operand".into()),
        };
        if relayout.contains(&d.operands[k]) && bd.operands.len() == 4 {
            let old = bd.operands.clone();
            m.op_mut(bop).operands = NHWC.iter().map(|&i| old[i]).collect();
        }
    }

    // The new domain order: the first result's dimensions, in its (new) order, take the
    // places those dimensions had; the rest stay.
    let n = g.domain.len();
    let mut order: Vec<usize> = (0..n).collect();
    let result_changed = d.results.first().is_some_and(|v| relayout.contains(v));
    let result_dims: Option<Vec<usize>> = g.maps[n_in]
        .results
        .iter()
        .map(|e| match e.terms.as_slice() {
            [(dim, 1)] if e.constant == 0 => Some(*dim as usize),
            _ => None,
        })
        .collect();
    if let Some(dims) = result_dims.filter(|_| result_changed) {
        let mut places = dims.clone();
        places.sort_unstable();
        places.dedup();
        if places.len() == dims.len() {
            for (&place, &dim) in places.iter().zip(&dims) {
                order[place] = dim;
            }
        }
    }
    if order.iter().enumerate().any(|(i, &o)| i != o) {
        let mut rename = vec![0; n];
        for (new, &old) in order.iter().enumerate() {
            rename[old] = new;
        }
        g.maps = g.maps.iter().map(|map| renamed(map, &rename)).collect();
        g.domain = order.iter().map(|&o| g.domain[o]).collect();
        g.iterators = order.iter().map(|&o| g.iterators[o]).collect();
        for &bop in &body_ops {
            if m.op(bop).name == ops::KERNEL_INDEX {
                if let Some(Attribute::Int(dim)) = m.op(bop).attrs.get("dim").cloned() {
                    let new = rename
                        .get(dim as usize)
                        .ok_or("kernel.index outside its domain")?;
                    m.op_mut(bop)
                        .attrs
                        .insert("dim".into(), Attribute::Int(*new as i64));
                }
            }
        }
        // A pad's index tables, one per domain dimension in domain order, follow.
        if was_pad && n_in == n + 1 {
            let mut operand_order: Vec<usize> = vec![0];
            operand_order.extend(order.iter().map(|&o| 1 + o));
            let operands = operand_order.iter().map(|&i| d.operands[i]).collect();
            m.op_mut(op).operands = operands;
            let maps = g.maps.clone();
            for (i, &from) in operand_order.iter().enumerate() {
                g.maps[i] = maps[from].clone();
            }
            let mut arg_order = operand_order.clone();
            arg_order.extend(n_in..n_in + d.results.len());
            for &r in &d.regions {
                for b in m.region(r).blocks.clone() {
                    m.permute_block_args(b, &arg_order);
                }
            }
        }
    }
    let attrs = &mut m.op_mut(op).attrs;
    attrs.insert(
        "domain".into(),
        Attribute::I64Array(g.domain.iter().map(|&x| x as i64).collect()),
    );
    attrs.insert(
        "iterators".into(),
        Attribute::Array(
            g.iterators
                .iter()
                .map(|k| {
                    Attribute::String(
                        match k {
                            IteratorKind::Parallel => "parallel",
                            IteratorKind::Reduction => "reduction",
                        }
                        .into(),
                    )
                })
                .collect(),
        ),
    );
    attrs.insert(
        "indexing_maps".into(),
        Attribute::Array(g.maps.into_iter().map(Attribute::AffineMap).collect()),
    );
    Ok(())
}
