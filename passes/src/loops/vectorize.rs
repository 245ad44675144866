//! `vectorize`: an innermost parallel loop whose trip count the lane count divides (lanes
//! = vector bits / widest element in the body) becomes a loop of vector steps, when every
//! load and store along it is contiguous in the last dimension or invariant (invariant
//! values are broadcast). Anything else — a transposed read, a gather — leaves the loop
//! scalar.

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

/// Vectorizes one innermost loop if it qualifies; returns whether it did.
fn vectorize_loop(
    m: &mut Module,
    l: OpId,
    params: &LoopParams,
) -> Result<bool, crate::pass::PassError> {
    let mut info = ForLoop::of(m, l)?;
    if info.kind != LoopKind::Parallel || info.step != 1 {
        return Ok(false);
    }
    let body = body_of(m, l);
    let iv = m.block(body).args[0];
    let ops = m.block(body).ops.clone();
    let widest = ops
        .iter()
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
        .unwrap_or(4);
    let width = lanes(params, widest);
    if width < 2 || info.trip_count() % width as i64 != 0 {
        return Ok(false);
    }
    // The coefficient of the induction variable in each index value defined here.
    let mut coef: HashMap<ValueId, i64> = HashMap::from([(iv, 1)]);
    let c = |coef: &HashMap<ValueId, i64>, v: ValueId| coef.get(&v).copied().unwrap_or(0);
    let contiguous = |coef: &HashMap<ValueId, i64>, idx: &[ValueId]| -> Option<bool> {
        let cs: Vec<i64> = idx.iter().map(|&v| c(coef, v)).collect();
        if cs.iter().all(|&x| x == 0) {
            Some(false)
        } else if cs.last() == Some(&1) && cs[..cs.len() - 1].iter().all(|&x| x == 0) {
            Some(true)
        } else {
            None
        }
    };
    let mut varying: HashMap<ValueId, bool> = HashMap::new();
    let mut plan: Vec<(OpId, bool)> = Vec::new();
    for &op in &ops {
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
            ops::LOOP_LOAD => match contiguous(&coef, &d.operands[1..]) {
                Some(v) => {
                    varying.insert(d.results[0], v);
                    plan.push((op, v));
                }
                None => return Ok(false),
            },
            ops::LOOP_STORE => match contiguous(&coef, &d.operands[2..]) {
                Some(true) => plan.push((op, true)),
                _ => return Ok(false),
            },
            name if name.starts_with("kernel.") => {
                let v = d
                    .operands
                    .iter()
                    .any(|o| varying.get(o).copied().unwrap_or(false));
                varying.insert(d.results[0], v);
                plan.push((op, v));
            }
            _ => return Ok(false),
        }
    }
    let w = width as u32;
    for (op, vary) in plan {
        if !vary {
            continue;
        }
        let d = m.op(op).clone();
        // Broadcast scalar operands of vector ops.
        let value_operands: Vec<usize> = match d.name {
            ops::LOOP_LOAD => vec![],
            ops::LOOP_STORE => vec![0],
            _ => (0..d.operands.len()).collect(),
        };
        for i in value_operands {
            let v = d.operands[i];
            if !varying.get(&v).copied().unwrap_or(false) {
                let e = elem_of_type(m.value_type(v)).ok_or("broadcast of a non-scalar")?;
                let b = m.create_op(
                    OpSpec::new(ops::LOOP_BROADCAST)
                        .operands([v])
                        .results([Type::Vector(w, e)]),
                );
                m.insert_op_before(body, op, b);
                let bv = m.result(b);
                m.op_mut(op).operands[i] = bv;
            }
        }
        match d.name {
            ops::LOOP_LOAD => m.op_mut(op).name = ops::LOOP_VLOAD,
            ops::LOOP_STORE => m.op_mut(op).name = ops::LOOP_VSTORE,
            _ => {}
        }
        for &r in &d.results {
            let e = elem_of_type(m.value_type(r)).ok_or("vector of a non-scalar")?;
            m.set_value_type(r, Type::Vector(w, e));
        }
    }
    info.step = width as i64;
    set_loop(m, l, info);
    Ok(true)
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
