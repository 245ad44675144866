//! `vectorize`: an innermost parallel loop becomes a loop of vector steps (lanes = vector
//! bits / widest element in the body, halved until they divide the trip count), when
//! every store along it is contiguous in the last dimension and every load contiguous,
//! strided in the last dimension (a window with a stride: a `stride` vload) or invariant
//! (invariant values are broadcast); on targets that gather (`LoopParams::gathers`:
//! CPUs), a load may also move along one outer dimension (a transpose's reads: a `dim`
//! vload). Anything else — a gather through computed indices — leaves the loop scalar. On targets that allow it (`LoopParams::reassociate`), an innermost reduction
//! loop folding one float into an invariant element (a row's sum or maximum) gets a vector
//! accumulator instead (see `vectorize_reduction`).

use super::{innermost_loops, set_loop};
use crate::loops::params::{lanes, LoopParams};
use std::collections::HashMap;
use strata_ir::loops::{apply_map, body_of, ForLoop, LoopKind};
use strata_ir::ops;
use strata_ir::{Module, OpId, OpSpec, Type, ValueId};

fn elem_of_type(t: &Type) -> Option<strata_ir::ElementType> {
    match t {
        Type::Scalar(e) | Type::Vector(_, e) => Some(*e),
        _ => None,
    }
}

/// The widest element in `ops`, in bytes.
fn widest_element(m: &Module, ops: &[OpId]) -> usize {
    ops.iter()
        .flat_map(|&op| {
            let d = m.op(op);
            d.results
                .iter()
                .chain(&d.operands)
                .filter_map(|&v| elem_of_type(m.value_type(v)))
                .collect::<Vec<_>>()
        })
        .map(|e| e.size_bytes().max(1))
        .max()
        .unwrap_or(4)
}

/// The vector width for a loop of `trip` iterations: the widest power of two up to
/// `lanes` that divides it (narrower vectors for a 56-wide row of 16-lane registers),
/// at least 2.
fn fitting_width(lanes: usize, trip: i64) -> Option<usize> {
    let mut w = lanes;
    while w >= 2 {
        if trip % w as i64 == 0 && trip >= w as i64 {
            return Some(w);
        }
        w /= 2;
    }
    None
}

/// Which ops of a loop body vary along the loop (and become vector ops), and the
/// coefficient of the induction variable in each index value.
struct Analysis {
    coef: HashMap<ValueId, i64>,
    plan: Vec<(OpId, bool)>,
    varying: HashMap<ValueId, bool>,
    /// Loads whose lanes are this many elements apart (a strided window's reads).
    strides: HashMap<OpId, i64>,
    /// Loads whose lanes step along an outer dimension: which, and by how much.
    along: HashMap<OpId, (usize, i64)>,
}

/// Analyzes `ops` of a loop body with induction variable `iv`: every load and store must
/// be contiguous in the last dimension or invariant, except `accumulator` (a reduction's
/// load and store of its running value), which is taken as varying. `None` when the
/// body does not vectorize.
fn analyze(
    m: &Module,
    ops: &[OpId],
    iv: ValueId,
    accumulator: Option<(OpId, OpId)>,
    gathers: bool,
) -> Result<Option<Analysis>, crate::pass::PassError> {
    let mut coef: HashMap<ValueId, i64> = HashMap::from([(iv, 1)]);
    let c = |coef: &HashMap<ValueId, i64>, v: ValueId| coef.get(&v).copied().unwrap_or(0);
    // How an access moves along the loop: 0 (invariant), or the step in its last
    // dimension (1: contiguous); `None` when it moves in another dimension.
    let step = |coef: &HashMap<ValueId, i64>, idx: &[ValueId]| -> Option<i64> {
        let cs: Vec<i64> = idx.iter().map(|&v| c(coef, v)).collect();
        match cs.split_last() {
            Some((&last, rest)) if last >= 0 && rest.iter().all(|&x| x == 0) => Some(last),
            None => Some(0),
            _ => None,
        }
    };
    let is_acc = |op: OpId| accumulator.is_some_and(|(l, s)| op == l || op == s);
    let mut varying: HashMap<ValueId, bool> = HashMap::new();
    let mut plan: Vec<(OpId, bool)> = Vec::new();
    let mut strides: HashMap<OpId, i64> = HashMap::new();
    let mut along: HashMap<OpId, (usize, i64)> = HashMap::new();
    // A load that moves along exactly one outer dimension: that one and its step.
    let outer_step = |coef: &HashMap<ValueId, i64>, idx: &[ValueId]| -> Option<(usize, i64)> {
        let cs: Vec<i64> = idx.iter().map(|&v| c(coef, v)).collect();
        let moving: Vec<usize> = (0..cs.len()).filter(|&k| cs[k] != 0).collect();
        match moving.as_slice() {
            [k] if *k + 1 < cs.len() && cs[*k] > 0 => Some((*k, cs[*k])),
            _ => None,
        }
    };
    for &op in ops {
        let d = m.op(op);
        match d.name {
            ops::LOOP_APPLY => {
                let map = apply_map(m, op)?;
                let k: i64 = map.results[0]
                    .terms
                    .iter()
                    .map(|&(dim, cc)| cc * c(&coef, d.operands[dim as usize]))
                    .sum();
                coef.insert(d.results[0], k);
            }
            ops::LOOP_LOAD if is_acc(op) => {
                varying.insert(d.results[0], true);
                plan.push((op, true));
            }
            ops::LOOP_STORE if is_acc(op) => plan.push((op, true)),
            ops::LOOP_LOAD => match step(&coef, &d.operands[1..]) {
                Some(s) => {
                    varying.insert(d.results[0], s > 0);
                    plan.push((op, s > 0));
                    if s > 1 {
                        strides.insert(op, s);
                    }
                }
                None => match outer_step(&coef, &d.operands[1..]).filter(|_| gathers) {
                    Some(a) => {
                        varying.insert(d.results[0], true);
                        plan.push((op, true));
                        along.insert(op, a);
                    }
                    None => return Ok(None),
                },
            },
            ops::LOOP_STORE => match step(&coef, &d.operands[2..]) {
                Some(1) => plan.push((op, true)),
                _ => return Ok(None),
            },
            name if name.starts_with("kernel.") => {
                let v = d
                    .operands
                    .iter()
                    .any(|o| varying.get(o).copied().unwrap_or(false));
                varying.insert(d.results[0], v);
                plan.push((op, v));
            }
            _ => return Ok(None),
        }
    }
    Ok(Some(Analysis {
        coef,
        plan,
        varying,
        strides,
        along,
    }))
}

/// `v` broadcast to `w` lanes by a `loop.broadcast` inserted before `op` in `block`.
fn broadcast_before(
    m: &mut Module,
    block: strata_ir::module::BlockId,
    op: OpId,
    v: ValueId,
    w: u32,
) -> Result<ValueId, crate::pass::PassError> {
    let e = elem_of_type(m.value_type(v)).ok_or("broadcast of a non-scalar")?;
    let b = m.create_op(
        OpSpec::new(ops::LOOP_BROADCAST)
            .operands([v])
            .results([Type::Vector(w, e)]),
    );
    m.insert_op_before(block, op, b);
    Ok(m.result(b))
}

/// Turns the varying ops of `a` into `w`-lane vector ops, broadcasting their invariant
/// scalar operands.
fn apply_plan(
    m: &mut Module,
    body: strata_ir::module::BlockId,
    a: &Analysis,
    w: u32,
) -> Result<(), crate::pass::PassError> {
    for &(op, vary) in &a.plan {
        if !vary {
            continue;
        }
        let d = m.op(op).clone();
        let value_operands: Vec<usize> = match d.name {
            ops::LOOP_LOAD => vec![],
            ops::LOOP_STORE => vec![0],
            _ => (0..d.operands.len()).collect(),
        };
        for i in value_operands {
            let v = d.operands[i];
            if !a.varying.get(&v).copied().unwrap_or(false) {
                let bv = broadcast_before(m, body, op, v, w)?;
                m.op_mut(op).operands[i] = bv;
            }
        }
        match d.name {
            ops::LOOP_LOAD => {
                m.op_mut(op).name = ops::LOOP_VLOAD;
                if let Some(&s) = a.strides.get(&op) {
                    m.op_mut(op)
                        .attrs
                        .insert("stride".into(), strata_ir::Attribute::Int(s));
                }
                if let Some(&(k, s)) = a.along.get(&op) {
                    let attrs = &mut m.op_mut(op).attrs;
                    attrs.insert("stride".into(), strata_ir::Attribute::Int(s));
                    attrs.insert("dim".into(), strata_ir::Attribute::Int(k as i64));
                }
            }
            ops::LOOP_STORE => m.op_mut(op).name = ops::LOOP_VSTORE,
            _ => {}
        }
        for &r in &d.results {
            let e = elem_of_type(m.value_type(r)).ok_or("vector of a non-scalar")?;
            m.set_value_type(r, Type::Vector(w, e));
        }
    }
    Ok(())
}

/// Vectorizes one innermost loop if it qualifies; returns whether it did.
fn vectorize_loop(
    m: &mut Module,
    l: OpId,
    params: &LoopParams,
) -> Result<bool, crate::pass::PassError> {
    let mut info = ForLoop::of(m, l)?;
    if info.kind == LoopKind::Reduction && params.reassociate {
        return vectorize_reduction(m, l, params);
    }
    if info.kind != LoopKind::Parallel || info.step != 1 {
        return Ok(false);
    }
    let body = body_of(m, l);
    let iv = m.block(body).args[0];
    let ops = m.block(body).ops.clone();
    let Some(width) = fitting_width(lanes(params, widest_element(m, &ops)), info.trip_count())
    else {
        return Ok(false);
    };
    let Some(a) = analyze(m, &ops, iv, None, params.gathers)? else {
        return Ok(false);
    };
    apply_plan(m, body, &a, width as u32)?;
    info.step = width as i64;
    set_loop(m, l, info);
    Ok(true)
}

/// The identity of a reassociable float reduction op, if `name` is one.
fn reduction_identity(name: strata_ir::OpName) -> Option<f64> {
    match name {
        ops::KERNEL_ADD => Some(0.0),
        ops::KERNEL_MUL => Some(1.0),
        ops::KERNEL_MAX => Some(f64::NEG_INFINITY),
        ops::KERNEL_MIN => Some(f64::INFINITY),
        _ => None,
    }
}

/// A reduction loop whose body accumulates one float element (`r = r op t`, `op` one of
/// add, mul, max, min, `r` at indices invariant along the loop) becomes a loop of vector
/// steps into a vector accumulator in kernel scratch (`loop.alloca`) started at `op`'s
/// identity, combined lane by lane into `r` after the loop. The terms are reassociated:
/// sums round differently than in order (what every vectorizing compiler does with
/// fast-math reductions), maxima and minima are exact.
fn vectorize_reduction(
    m: &mut Module,
    l: OpId,
    params: &LoopParams,
) -> Result<bool, crate::pass::PassError> {
    let mut info = ForLoop::of(m, l)?;
    if info.step != 1 {
        return Ok(false);
    }
    let body = body_of(m, l);
    let iv = m.block(body).args[0];
    let ops = m.block(body).ops.clone();
    let stores: Vec<OpId> = ops
        .iter()
        .copied()
        .filter(|&o| m.op(o).name == ops::LOOP_STORE)
        .collect();
    let [store] = stores[..] else {
        return Ok(false);
    };
    let sd = m.op(store).clone();
    let (value, buffer, indices) = (sd.operands[0], sd.operands[1], sd.operands[2..].to_vec());
    let Some(elem) = elem_of_type(m.value_type(value)).filter(|e| e.is_float()) else {
        return Ok(false);
    };
    let Some(width) = fitting_width(lanes(params, widest_element(m, &ops)), info.trip_count())
    else {
        return Ok(false);
    };
    // The running value's load, and the combining op `r op t`.
    let loads: Vec<OpId> = ops
        .iter()
        .copied()
        .filter(|&o| {
            let d = m.op(o);
            d.name == ops::LOOP_LOAD && d.operands[0] == buffer
        })
        .collect();
    let [load] = loads[..] else {
        return Ok(false);
    };
    if m.op(load).operands[1..] != indices[..] {
        return Ok(false);
    }
    let acc = m.op(load).results[0];
    let combine = ops
        .iter()
        .copied()
        .find(|&o| m.op(o).results.first() == Some(&value));
    let Some(combine) = combine else {
        return Ok(false);
    };
    let cd = m.op(combine).clone();
    let Some(identity) = reduction_identity(cd.name).filter(|_| cd.attrs.is_empty()) else {
        return Ok(false);
    };
    let uses_of_acc = ops
        .iter()
        .filter(|&&o| m.op(o).operands.contains(&acc))
        .count();
    if !cd.operands.contains(&acc) || uses_of_acc != 1 || cd.operands.len() != 2 {
        return Ok(false);
    }
    let Some(a) = analyze(m, &ops, iv, Some((load, store)), params.gathers)? else {
        return Ok(false);
    };
    // The running value's indices must not move along the loop, and must be computable
    // after it: loop.apply ops of values defined outside (cloned after the loop).
    if indices
        .iter()
        .any(|v| a.coef.get(v).copied().unwrap_or(0) != 0)
    {
        return Ok(false);
    }
    let parent = m.op(l).parent.ok_or("a loop outside any block")?;
    let defined_here = |m: &Module, v: ValueId| ops.iter().any(|&o| m.op(o).results.contains(&v));
    for &v in &indices {
        if defined_here(m, v) {
            let def = ops.iter().copied().find(|&o| m.op(o).results.contains(&v));
            let ok = def.is_some_and(|o| {
                m.op(o).name == ops::LOOP_APPLY
                    && m.op(o).operands.iter().all(|&x| !defined_here(m, x))
            });
            if !ok {
                return Ok(false);
            }
        }
    }
    let w = width as u32;
    let index = |m: &mut Module, at: OpId, before: bool, k: i64| -> ValueId {
        let op = m.create_op(OpSpec::new(ops::LOOP_APPLY).results([Type::Index]).attr(
            "map",
            strata_ir::Attribute::AffineMap(strata_ir::AffineMap {
                num_dims: 0,
                results: vec![strata_ir::AffineExpr::linear([], k)],
            }),
        ));
        if before {
            m.insert_op_before(parent, at, op);
        } else {
            insert_after(m, parent, at, op);
        }
        m.result(op)
    };
    // Before the loop: the accumulator, at the identity.
    let scratch_ty = Type::MemRef(strata_ir::TensorType::new(vec![width], elem));
    let alloca = m.create_op(OpSpec::new(ops::LOOP_ALLOCA).results([scratch_ty]));
    m.insert_op_before(parent, l, alloca);
    let scratch = m.result(alloca);
    let zero = index(m, l, true, 0);
    let id = m.create_op(
        OpSpec::new(ops::KERNEL_CONSTANT)
            .results([Type::Scalar(elem)])
            .attr("value", strata_ir::Attribute::Float(identity, elem)),
    );
    m.insert_op_before(parent, l, id);
    let idv = m.result(id);
    let splat_v = broadcast_before(m, parent, l, idv, w)?;
    let init = m.create_op(OpSpec::new(ops::LOOP_VSTORE).operands([splat_v, scratch, zero]));
    m.insert_op_before(parent, l, init);
    // The loop: vector steps into the accumulator.
    apply_plan(m, body, &a, w)?;
    m.op_mut(load).operands = [scratch, zero].into_iter().collect();
    let stored = m.op(store).operands[0];
    m.op_mut(store).operands = [stored, scratch, zero].into_iter().collect();
    info.step = width as i64;
    set_loop(m, l, info);
    // After it: r = r op lane 0 op lane 1 ...; the indices recomputed outside.
    let mut last = l;
    let mut outside: HashMap<ValueId, ValueId> = HashMap::new();
    for &v in &indices {
        let Some(def) = ops.iter().copied().find(|&o| m.op(o).results.contains(&v)) else {
            continue;
        };
        let dd = m.op(def).clone();
        let mut spec = OpSpec::new(dd.name)
            .operands(dd.operands.iter().copied())
            .results([Type::Index]);
        spec.attrs = dd.attrs.clone();
        let op = m.create_op(spec);
        insert_after(m, parent, last, op);
        last = op;
        outside.insert(v, m.result(op));
    }
    let out_idx: Vec<ValueId> = indices
        .iter()
        .map(|v| outside.get(v).copied().unwrap_or(*v))
        .collect();
    let mut emit = |m: &mut Module, spec: OpSpec| -> OpId {
        let op = m.create_op(spec);
        insert_after(m, parent, last, op);
        last = op;
        op
    };
    let r0 = emit(
        m,
        OpSpec::new(ops::LOOP_LOAD)
            .operands([buffer].into_iter().chain(out_idx.iter().copied()))
            .results([Type::Scalar(elem)]),
    );
    let mut r = m.result(r0);
    for lane in 0..width as i64 {
        let li = emit(
            m,
            OpSpec::new(ops::LOOP_APPLY).results([Type::Index]).attr(
                "map",
                strata_ir::Attribute::AffineMap(strata_ir::AffineMap {
                    num_dims: 0,
                    results: vec![strata_ir::AffineExpr::linear([], lane)],
                }),
            ),
        );
        let liv = m.result(li);
        let x = emit(
            m,
            OpSpec::new(ops::LOOP_LOAD)
                .operands([scratch, liv])
                .results([Type::Scalar(elem)]),
        );
        let xv = m.result(x);
        let c = emit(
            m,
            OpSpec::new(cd.name)
                .operands([r, xv])
                .results([Type::Scalar(elem)]),
        );
        r = m.result(c);
    }
    emit(
        m,
        OpSpec::new(ops::LOOP_STORE).operands([r, buffer].into_iter().chain(out_idx)),
    );
    Ok(true)
}

/// Inserts `op` into `block` right after `after`.
fn insert_after(m: &mut Module, block: strata_ir::module::BlockId, after: OpId, op: OpId) {
    let ops = &m.block(block).ops;
    let pos = ops.iter().position(|&o| o == after).map(|p| p + 1);
    match pos.and_then(|p| ops.get(p).copied()) {
        Some(next) => m.insert_op_before(block, next, op),
        None => m.push_op(block, op),
    }
}

/// The `vectorize` pass: returns the module and how many loops it vectorized.
pub fn vectorize(
    m: &Module,
    params: &LoopParams,
) -> Result<(Module, usize), crate::pass::PassError> {
    crate::require_valid(m, "vectorize")?;
    let mut out = m.clone();
    let mut count = 0;
    for l in innermost_loops(&out) {
        if vectorize_loop(&mut out, l, params)? {
            count += 1;
        }
    }
    Ok((out, count))
}
