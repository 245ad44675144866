//! Loop kernels onto the array: every `loop.contract` of a kernel (a matrix product the
//! pipeline took whole) becomes a [`gemm`] schedule over the kernel's arguments, one per
//! iteration of the loops around it, run one after another. The rest of a kernel (an
//! epilogue, any other kernel) is the vector unit's.

use crate::{gemm, Matrix, ScheduleError};
use std::collections::HashMap;
use strata_abi::systolic::Schedule;
use strata_abi::SystolicTarget;
use strata_ir::loops::{apply_map, body_of, nested_ops, Contract, ForLoop};
use strata_ir::module::ValueDef;
use strata_ir::{ops, ElementType, Module, OpId, Type, ValueId};

fn fail<T>(m: &Module, op: OpId, msg: impl std::fmt::Display) -> Result<T, ScheduleError> {
    Err(ScheduleError(format!(
        "{} ('{}'): {msg}",
        m.op(op).loc,
        m.op(op).name
    )))
}

/// The value of index `v` with the loop variables in `env`: a loop variable or a
/// `loop.apply` of such values.
fn index_value(m: &Module, v: ValueId, env: &HashMap<ValueId, i64>) -> Option<i64> {
    if let Some(&x) = env.get(&v) {
        return Some(x);
    }
    let ValueDef::OpResult { op, .. } = m.value(v).def else {
        return None;
    };
    if m.op(op).name != ops::LOOP_APPLY {
        return None;
    }
    let map = apply_map(m, op).ok()?;
    let point: Vec<i64> = m
        .op(op)
        .operands
        .iter()
        .map(|&x| index_value(m, x, env))
        .collect::<Option<_>>()?;
    map.results.first().map(|e| e.eval(&point))
}

/// The loops around `op` inside `kernel`, outermost first, with their variables.
fn enclosing_loops(
    m: &Module,
    kernel: OpId,
    op: OpId,
) -> Result<Vec<(ForLoop, ValueId)>, ScheduleError> {
    let mut out = Vec::new();
    let mut at = op;
    loop {
        let Some(block) = m.op(at).parent else {
            return fail(m, op, "is not inside its kernel");
        };
        let Some(region) = m.block(block).parent else {
            return fail(m, op, "is not inside its kernel");
        };
        let Some(parent) = m.region(region).parent else {
            return fail(m, op, "is not inside its kernel");
        };
        if parent == kernel {
            break;
        }
        if m.op(parent).name != ops::LOOP_FOR {
            return fail(m, op, "sits in something other than counted loops");
        }
        let l = ForLoop::of(m, parent).map_err(|e| ScheduleError(e.to_string()))?;
        let iv = m.block(body_of(m, parent)).args[0];
        out.insert(0, (l, iv));
        at = parent;
    }
    Ok(out)
}

/// The schedule of kernel `kernel`'s matrix products on `t` (its buffers: the kernel's
/// arguments, by position), or `None` when it has none. Products must be plain: rows
/// of A and B contiguous (constant weights are, stored `[k][n]` at compile time), C's
/// columns contiguous, overwriting C (the pipeline's `accumulate = false`).
pub fn kernel_schedule(
    m: &Module,
    kernel: OpId,
    t: &SystolicTarget,
) -> Result<Option<Schedule>, ScheduleError> {
    let mut nested = Vec::new();
    nested_ops(m, kernel, &mut nested);
    let contracts: Vec<OpId> = nested
        .into_iter()
        .filter(|&o| m.op(o).name == ops::LOOP_CONTRACT)
        .collect();
    if contracts.is_empty() {
        return Ok(None);
    }
    contracts_schedule(m, kernel, &contracts, t).map(Some)
}

/// The schedule of products `contracts` of kernel `kernel` on `t`, in order (see
/// [`kernel_schedule`]).
pub fn contracts_schedule(
    m: &Module,
    kernel: OpId,
    contracts: &[OpId],
    t: &SystolicTarget,
) -> Result<Schedule, ScheduleError> {
    let args = m.block(body_of(m, kernel)).args.clone();
    let mut out = Schedule::default();
    for &op in contracts {
        let c = Contract::of(m, op).map_err(|e| ScheduleError(e.to_string()))?;
        // B stored row-major at compile time (one packed panel as wide as the
        // columns) reads like a plain `[k][n]` matrix.
        let row_major_b = c.packed[1] && c.micro_tile.is_some_and(|[_, nr]| nr >= c.n());
        let plain = match (c.row_strides(), c.as_matrix()) {
            (Some([sa_m, sc_m]), Some(([1, _], [_, 1]))) if row_major_b => {
                let nr = c.micro_tile.map_or(c.n(), |[_, nr]| nr);
                Some((sa_m, nr, sc_m))
            }
            (Some([sa_m, sc_m]), Some(([1, sb_k], [1, 1]))) => Some((sa_m, sb_k, sc_m)),
            _ => None,
        };
        let Some((sa_m, sb_k, sc_m)) = plain else {
            return fail(
                m,
                op,
                "the systolic array takes plain matrix products (rows of A and B contiguous) for now; this one is strided or windowed",
            );
        };
        if c.accumulate || c.packed[0] || (c.packed[1] && !row_major_b) {
            return fail(
                m,
                op,
                "the systolic array overwrites C from operands as stored",
            );
        }
        let d = m.op(op);
        let mut buffer = [0u32; 3];
        for (x, slot) in buffer.iter_mut().enumerate() {
            let v = d.operands[x];
            let Some(i) = args.iter().position(|&a| a == v) else {
                return fail(m, op, "reads a buffer that is not the kernel's argument");
            };
            match m.value_type(v) {
                Type::MemRef(mt) if mt.elem == ElementType::F32 => {}
                _ => {
                    return fail(
                        m,
                        op,
                        "the systolic array takes f32 operands (rounded to bf16)",
                    )
                }
            }
            *slot = i as u32;
        }
        let loops = enclosing_loops(m, kernel, op)?;
        // Every iteration of the loops around it, in order.
        let mut points: Vec<Vec<i64>> = vec![Vec::new()];
        for (l, _) in &loops {
            let values: Vec<i64> = (l.lower..l.upper).step_by(l.step as usize).collect();
            points = points
                .into_iter()
                .flat_map(|p| {
                    values.iter().map(move |&v| {
                        let mut q = p.clone();
                        q.push(v);
                        q
                    })
                })
                .collect();
        }
        for point in points {
            let env: HashMap<ValueId, i64> = loops.iter().map(|(_, iv)| *iv).zip(point).collect();
            let mut offset = [0u64; 3];
            for (x, o) in offset.iter_mut().enumerate() {
                match index_value(m, d.operands[3 + x], &env) {
                    Some(v) if v >= 0 => *o = v as u64 * 4,
                    _ => return fail(m, op, "has an operand offset it cannot compute ahead"),
                }
            }
            let mat = |x: usize, row: usize| Matrix {
                buffer: buffer[x],
                offset: offset[x],
                row_bytes: row as u64 * 4,
            };
            let dims = (c.m() as u64, c.k() as u64, c.n() as u64);
            let s = gemm(t, dims, mat(0, sa_m), mat(1, sb_k), mat(2, sc_m))?;
            // One product after another: the next starts when the last has written out.
            let after = out.instrs.len().checked_sub(1).map(|i| i as u32);
            let base = out.instrs.len() as u32;
            for ins in s.instrs {
                let waits = ins.waits.iter().map(|w| w + base).chain(after);
                out.push(ins.op, waits);
            }
        }
    }
    Ok(out)
}
