//! `stage`: copies the operand tiles a workgroup reuses into workgroup memory
//! (`loop.alloca`), for targets whose workgroups share a fast memory the program manages
//! ([`LoopParams::stage_bytes`]: GPU shared memory; 0 on CPUs, whose caches do this).
//!
//! Per kernel, per loop nest at workgroup level (inside the grid loops), the *scope* is
//! the body of the nest's outer loop when that loop is a reduction (the cache tile that
//! `tile` chose so one tile of every operand fits the fast memory), else the nest itself.
//! A load in the scope is staged when
//! - it reads a kernel argument the kernel never writes,
//! - its indices are affine in induction variables, so what it reads during one pass of
//!   the scope is a box whose corner moves with the enclosing loops only,
//! - it is reused: a parallel loop of more than one iteration around it inside the scope
//!   is absent from its indices (several invocations read each element), and the scope
//!   reads each element of the box [`MIN_REUSE`] times or more on average, over a box of
//!   at least [`MIN_ELEMENTS`] (smaller ones stay in any cache; the copy would cost a
//!   barrier for nothing), and
//! - the kernel's staged boxes still fit [`LoopParams::stage_bytes`].
//!
//! A staged operand gets a `loop.alloca` of the box's shape at the kernel's top (one per
//! workgroup), a nest of parallel loops at the start of the scope that copies the box, and
//! its loads read the box at their index minus the corner. Equal boxes (same buffer, same
//! affine indices) share one copy. Back ends see plain loops: the GPU back end deals the
//! copy nest out to the invocations and puts barriers around it as around any phase.

use crate::conversion::add_for;
use crate::loops::LoopParams;
use std::collections::{BTreeMap, HashMap, HashSet};
use strata_ir::loops::{apply_map, body_of, is_store, nested_ops, writes, ForLoop, LoopKind};
use strata_ir::module::BlockId;
use strata_ir::ops;
use strata_ir::{
    AffineExpr, AffineMap, Attribute, Module, OpId, OpSpec, TensorType, Type, ValueId,
};

/// The fewest reads per staged element worth a copy and a barrier.
pub const MIN_REUSE: usize = 4;

/// The smallest box worth staging.
pub const MIN_ELEMENTS: usize = 32;

/// `constant + Σ coefficient · iv`, terms in a fixed order without zeros.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Linear {
    terms: BTreeMap<ValueId, i64>,
    constant: i64,
}

impl Linear {
    fn coefficient(&self, iv: ValueId) -> i64 {
        self.terms.get(&iv).copied().unwrap_or(0)
    }
}

/// Where copies go and which loops run inside it.
struct Scope {
    block: BlockId,
    /// The op the copies are inserted before.
    before: OpId,
    /// The ops whose loads may be staged.
    ops: Vec<OpId>,
    /// The induction variables of the loops inside (the others are fixed during one pass).
    varying: HashSet<ValueId>,
}

/// One staged box: its buffer and per-dimension affine index, what it spans, and the loads
/// that read it.
struct Staged {
    buffer: ValueId,
    indices: Vec<Linear>,
    /// Per dimension: the corner's offset from the enclosing terms, and the extent.
    lows: Vec<i64>,
    extents: Vec<usize>,
    loads: Vec<OpId>,
}

impl Scope {
    fn new(m: &Module, block: BlockId, before: OpId, ops: Vec<OpId>) -> Scope {
        let mut all = Vec::new();
        for &op in &ops {
            all.push(op);
            nested_ops(m, op, &mut all);
        }
        let varying = all
            .into_iter()
            .filter(|&o| m.op(o).name == ops::LOOP_FOR)
            .map(|o| m.block(body_of(m, o)).args[0])
            .collect();
        Scope {
            block,
            before,
            ops,
            varying,
        }
    }

    /// The terms of `e` over the scope's loops, or over the fixed ones.
    fn terms(&self, e: &Linear, varying: bool) -> Vec<(ValueId, i64)> {
        e.terms
            .iter()
            .filter(|(iv, _)| self.varying.contains(iv) == varying)
            .map(|(&iv, &c)| (iv, c))
            .collect()
    }
}

fn is_load(m: &Module, op: OpId) -> bool {
    matches!(m.op(op).name, ops::LOOP_LOAD | ops::LOOP_VLOAD)
}

/// The induction variable of every loop in the kernel, with its loop.
fn loops_by_iv(m: &Module, kernel: OpId) -> HashMap<ValueId, ForLoop> {
    let mut all = Vec::new();
    nested_ops(m, kernel, &mut all);
    all.into_iter()
        .filter(|&o| m.op(o).name == ops::LOOP_FOR)
        .filter_map(|o| Some((m.block(body_of(m, o)).args[0], ForLoop::of(m, o).ok()?)))
        .collect()
}

/// `v` as a linear form over induction variables, if it is one.
fn linear(m: &Module, v: ValueId, ivs: &HashMap<ValueId, ForLoop>) -> Option<Linear> {
    if ivs.contains_key(&v) {
        return Some(Linear {
            terms: BTreeMap::from([(v, 1)]),
            constant: 0,
        });
    }
    let op = match m.value(v).def {
        strata_ir::module::ValueDef::OpResult { op, .. } => op,
        _ => return None,
    };
    if m.op(op).name != ops::LOOP_APPLY {
        return None;
    }
    let e = &apply_map(m, op).ok()?.results[0];
    let mut out = Linear {
        terms: BTreeMap::new(),
        constant: e.constant,
    };
    for &(dim, c) in &e.terms {
        let inner = linear(m, m.op(op).operands[dim as usize], ivs)?;
        out.constant += c * inner.constant;
        for (iv, k) in inner.terms {
            *out.terms.entry(iv).or_insert(0) += c * k;
        }
    }
    out.terms.retain(|_, k| *k != 0);
    Some(out)
}

/// The scopes of the nests at workgroup level of the block `block` (recursing into grid
/// loops).
fn scopes(m: &Module, block: BlockId, out: &mut Vec<Scope>) {
    for &op in &m.block(block).ops {
        if m.op(op).name != ops::LOOP_FOR {
            continue;
        }
        let Ok(l) = ForLoop::of(m, op) else { continue };
        if l.grid.is_some() {
            scopes(m, body_of(m, op), out);
        } else if writes(m, op) {
            let body = body_of(m, op);
            let first = m.block(body).ops.first().copied();
            match (l.kind, first) {
                (LoopKind::Reduction, Some(first)) => {
                    out.push(Scope::new(m, body, first, m.block(body).ops.clone()))
                }
                _ => out.push(Scope::new(m, block, op, vec![op])),
            }
        }
    }
}

/// The loads under `op` with the loops around them inside the scope (outermost first).
fn loads_under(m: &Module, op: OpId, around: &mut Vec<OpId>, out: &mut Vec<(OpId, Vec<OpId>)>) {
    if is_load(m, op) {
        out.push((op, around.clone()));
    }
    if m.op(op).name == ops::LOOP_FOR {
        around.push(op);
        for &o in &m.block(body_of(m, op)).ops {
            loads_under(m, o, around, out);
        }
        around.pop();
    }
}

/// Stages the reused operands of `kernel`; returns how many boxes it staged.
fn stage_kernel(
    m: &mut Module,
    kernel: OpId,
    budget: usize,
) -> Result<usize, crate::pass::PassError> {
    let top = body_of(m, kernel);
    let args: HashSet<ValueId> = m.block(top).args.iter().copied().collect();
    let mut all = Vec::new();
    nested_ops(m, kernel, &mut all);
    let written: HashSet<ValueId> = all
        .iter()
        .filter(|&&o| is_store(m, o))
        .map(|&o| m.op(o).operands[1])
        .collect();
    let ivs = loops_by_iv(m, kernel);
    let mut found = Vec::new();
    scopes(m, top, &mut found);
    let mut used = 0usize;
    let mut staged_count = 0;
    for scope in found {
        let mut boxes: Vec<Staged> = Vec::new();
        let mut loads = Vec::new();
        for &op in &scope.ops {
            loads_under(m, op, &mut Vec::new(), &mut loads);
        }
        for (load, around) in loads {
            let d = m.op(load);
            let buffer = d.operands[0];
            if !args.contains(&buffer) || written.contains(&buffer) || d.operands.len() < 2 {
                continue;
            }
            let Some(indices) = d.operands[1..]
                .iter()
                .map(|&v| linear(m, v, &ivs))
                .collect::<Option<Vec<Linear>>>()
            else {
                continue;
            };
            let reused = around.iter().any(|&l| {
                let info = ForLoop::of(m, l).ok();
                let iv = m.block(body_of(m, l)).args[0];
                info.is_some_and(|i| i.kind == LoopKind::Parallel && i.trip_count() > 1)
                    && indices.iter().all(|e| e.coefficient(iv) == 0)
            });
            if !reused {
                continue;
            }
            if let Some(b) = boxes
                .iter_mut()
                .find(|b| b.buffer == buffer && b.indices == indices)
            {
                b.loads.push(load);
                continue;
            }
            let lanes = match m.value_type(d.results[0]) {
                Type::Vector(n, _) => *n as i64,
                _ => 1,
            };
            let t = m
                .value_type(buffer)
                .as_memref()
                .ok_or("a load from a non-buffer")?
                .clone();
            let (mut lows, mut extents) = (Vec::new(), Vec::new());
            for (k, e) in indices.iter().enumerate() {
                let (mut low, mut span) = (0i64, 0i64);
                for (iv, c) in scope.terms(e, true) {
                    let l = ivs[&iv];
                    let last = l.lower + (l.trip_count() - 1) * l.step;
                    low += if c > 0 { c * l.lower } else { c * last };
                    span += c.abs() * (last - l.lower);
                }
                if k + 1 == indices.len() {
                    span += lanes - 1;
                }
                lows.push(low);
                extents.push(span as usize + 1);
            }
            let elems: usize = extents.iter().product();
            let reads: i64 = around
                .iter()
                .filter_map(|&l| ForLoop::of(m, l).ok())
                .map(|l| l.trip_count())
                .product::<i64>()
                * lanes;
            if elems < MIN_ELEMENTS || (reads as usize) < MIN_REUSE * elems {
                continue;
            }
            // Narrow types live widened (32-bit) in the GPU's workgroup memory.
            let bytes = elems * t.elem.size_bytes().max(4);
            if t.shape.dims().iter().zip(&extents).any(|(&d, &e)| e > d) || used + bytes > budget {
                continue;
            }
            used += bytes;
            boxes.push(Staged {
                buffer,
                indices,
                lows,
                extents,
                loads: vec![load],
            });
        }
        for b in boxes {
            rewrite(m, kernel, &scope, &b)?;
            staged_count += 1;
        }
    }
    Ok(staged_count)
}

/// A `loop.apply` of `constant + Σ terms` inserted before `before` in `block`, or the
/// variable itself for `1 · iv`.
fn index_value(
    m: &mut Module,
    block: BlockId,
    before: OpId,
    terms: &[(ValueId, i64)],
    constant: i64,
) -> ValueId {
    if let ([(iv, 1)], 0) = (terms, constant) {
        return *iv;
    }
    let map = AffineMap {
        num_dims: terms.len() as u32,
        results: vec![AffineExpr::linear(
            terms.iter().enumerate().map(|(k, &(_, c))| (k as u32, c)),
            constant,
        )],
    };
    let op = m.create_op(
        OpSpec::new(ops::LOOP_APPLY)
            .operands(terms.iter().map(|&(v, _)| v))
            .results([Type::Index])
            .attr("map", Attribute::AffineMap(map)),
    );
    m.insert_op_before(block, before, op);
    m.result(op)
}

fn rewrite(
    m: &mut Module,
    kernel: OpId,
    scope: &Scope,
    b: &Staged,
) -> Result<(), crate::pass::PassError> {
    let elem = m
        .value_type(b.buffer)
        .as_memref()
        .ok_or("a load from a non-buffer")?
        .elem;
    let top = body_of(m, kernel);
    let first = m.block(top).ops[0];
    let alloca = m.create_op(
        OpSpec::new(ops::LOOP_ALLOCA)
            .results([Type::MemRef(TensorType::new(b.extents.clone(), elem))]),
    );
    m.insert_op_before(top, first, alloca);
    let tile = m.result(alloca);

    // The copy: for t in box { tile[t] = buffer[corner + t] }.
    let region = m.new_region();
    let outer_body = m.append_block(region, &[Type::Index]);
    let mut spec = OpSpec::new(ops::LOOP_FOR);
    let whole = |e: usize| ForLoop {
        lower: 0,
        upper: e as i64,
        step: 1,
        kind: LoopKind::Parallel,
        grid: None,
    };
    for (k, v) in whole(b.extents[0]).attrs() {
        spec = spec.attr(k, v);
    }
    spec.regions = vec![region];
    let outer = m.create_op(spec);
    m.insert_op_before(scope.block, scope.before, outer);
    let mut body = outer_body;
    let mut copy_ivs = vec![m.block(outer_body).args[0]];
    for &e in &b.extents[1..] {
        let (_, inner_body, iv) = add_for(m, body, whole(e));
        body = inner_body;
        copy_ivs.push(iv);
    }
    let load = m.append_op(
        body,
        OpSpec::new(ops::LOOP_LOAD)
            .operands([b.buffer])
            .results([Type::Scalar(elem)]),
    );
    for (k, (e, &low)) in b.indices.iter().zip(&b.lows).enumerate() {
        let mut terms = scope.terms(e, false);
        terms.push((copy_ivs[k], 1));
        let v = index_value(m, body, load, &terms, e.constant + low);
        m.op_mut(load).operands.push(v);
    }
    let value = m.result(load);
    m.append_op(
        body,
        OpSpec::new(ops::LOOP_STORE)
            .operands([value, tile].into_iter().chain(copy_ivs.iter().copied())),
    );

    // The loads read the tile at their index minus the corner.
    for &l in &b.loads {
        let parent = m.op(l).parent.ok_or("a load outside any block")?;
        let mut new_indices = Vec::new();
        for (e, &low) in b.indices.iter().zip(&b.lows) {
            let varying = scope.terms(e, true);
            new_indices.push(index_value(m, parent, l, &varying, -low));
        }
        let d = m.op_mut(l);
        d.operands.truncate(1);
        d.operands[0] = tile;
        d.operands.extend(new_indices);
    }
    Ok(())
}

/// The `stage` pass: returns the module and how many operand boxes it staged.
pub fn stage(m: &Module, params: &LoopParams) -> Result<(Module, usize), crate::pass::PassError> {
    crate::require_valid(m, "stage")?;
    let mut out = m.clone();
    if params.stage_bytes == 0 {
        return Ok((out, 0));
    }
    let kernels: Vec<OpId> = out
        .block(out.body())
        .ops
        .iter()
        .copied()
        .filter(|&op| out.op(op).name == ops::LOOP_KERNEL)
        .collect();
    let mut count = 0;
    for k in kernels {
        count += stage_kernel(&mut out, k, params.stage_bytes)?;
    }
    Ok((out, count))
}
