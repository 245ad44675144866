//! Loop kernels onto the array: every `loop.contract` of a kernel (a matrix product the
//! pipeline took whole) becomes a [`gemm_layouts`](crate::gemm_layouts) schedule over
//! the kernel's arguments, one per iteration of the loops around it, run one after
//! another. The rest of a kernel (an
//! epilogue, any other kernel) is the vector unit's.

use crate::{gemm_layouts, Layout, Matrix, ScheduleError};
use std::collections::HashMap;
use strata_abi::systolic::Dim;
use strata_abi::systolic::Schedule;
use strata_abi::{ArrayInput, SystolicTarget};
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

/// The stride (in elements) between consecutive points of box `dims` in operand `at`
/// (1: A or B, 2: C), if the box is evenly spaced there: each dimension's stride is the
/// extent times the stride of the one inside it.
fn evenly_spaced(dims: &[[usize; 3]], at: usize) -> Option<usize> {
    let mut inner: Option<(usize, usize)> = None;
    for d in dims.iter().rev().filter(|d| d[0] != 1) {
        match inner {
            None => inner = Some((d[0], d[at])),
            Some((ext, stride)) if d[at] == ext * stride => inner = Some((ext * d[0], stride)),
            Some(_) => return None,
        }
    }
    Some(inner.map_or(1, |(_, s)| s))
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
/// arguments, by position), or `None` when it has none. A and B may lie in any layout
/// (a convolution's windows and a transposed operand are gathered; constant weights are
/// stored `[k][n]` at compile time); C's rows must be evenly spaced and its columns
/// contiguous, and the product overwrites it (the pipeline's `accumulate = false`).
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
    contracts_schedule(m, kernel, &contracts, t).map(|(s, _)| Some(s))
}

/// The schedule of products `contracts` of kernel `kernel` on `t`, in order (see
/// [`kernel_schedule`]), and its cycles as the analytic model ([`crate::gemm_cycles`])
/// estimates them, product by product.
pub fn contracts_schedule(
    m: &Module,
    kernel: OpId,
    contracts: &[OpId],
    t: &SystolicTarget,
) -> Result<(Schedule, u64), ScheduleError> {
    let args = m.block(body_of(m, kernel)).args.clone();
    let mut out = Schedule::default();
    let mut estimate = 0u64;
    for &op in contracts {
        let c = Contract::of(m, op).map_err(|e| ScheduleError(e.to_string()))?;
        if c.accumulate || c.packed[0] {
            return fail(
                m,
                op,
                "the systolic array overwrites C from operands as stored",
            );
        }
        // Bytes of an element of A and B off-chip (f32, or int8), and of C (f32 or i32).
        let e = match t.input_type {
            ArrayInput::Bf16 => 4u64,
            ArrayInput::Int8 => 1,
        };
        let elem = [e, e, 4];
        let dims = |ds: &[[usize; 3]], at: usize| -> Vec<Dim> {
            ds.iter()
                .map(|d| Dim {
                    extent: d[0] as u64,
                    stride: d[at] as u64 * e,
                })
                .collect()
        };
        // A's rows are the row box, its columns the reduction box: a convolution's rows
        // of windows, gathered (the array sees im2col's matrix).
        let a_rows = dims(&c.m_dims, 1);
        let a_cols = dims(&c.k_dims, 1);
        // B stored row-major at compile time (one packed panel as wide as the
        // columns) reads like a plain `[k][n]` matrix.
        let row_major_b = c.packed[1] && c.micro_tile.is_some_and(|[_, nr]| nr >= c.n());
        let (b_rows, b_cols) = if row_major_b {
            let nr = c.micro_tile.map_or(c.n(), |[_, nr]| nr) as u64;
            (
                vec![Dim {
                    extent: c.k() as u64,
                    stride: nr * e,
                }],
                vec![Dim {
                    extent: c.n() as u64,
                    stride: e,
                }],
            )
        } else if c.packed[1] {
            return fail(m, op, "the systolic array reads B as stored, not in panels");
        } else {
            (dims(&c.k_dims, 2), dims(&c.n_dims, 1))
        };
        // C's rows must be evenly spaced and its columns contiguous: the drain writes
        // rows.
        let sc_m = evenly_spaced(&c.m_dims, 2);
        let sc_n = evenly_spaced(&c.n_dims, 2);
        let Some(sc_m) = sc_m.filter(|_| sc_n == Some(1) || c.n() == 1) else {
            return fail(
                m,
                op,
                "the systolic array writes C as rows of contiguous columns; this product's C is strided",
            );
        };
        let d = m.op(op);
        let mut buffer = [0u32; 3];
        let mut unsigned = [false; 2];
        for (x, slot) in buffer.iter_mut().enumerate() {
            let v = d.operands[x];
            let Some(i) = args.iter().position(|&a| a == v) else {
                return fail(m, op, "reads a buffer that is not the kernel's argument");
            };
            // What the array multiplies and accumulates in: f32 operands rounded to
            // bf16 into f32 sums, or 8-bit integer operands (signed or not) into i32 sums.
            let takes = |e: ElementType| match (t.input_type, x) {
                (ArrayInput::Bf16, _) => e == ElementType::F32,
                (ArrayInput::Int8, 2) => e == ElementType::I32,
                (ArrayInput::Int8, _) => matches!(e, ElementType::I8 | ElementType::U8),
            };
            match m.value_type(v) {
                Type::MemRef(mt) if takes(mt.elem) => {
                    if x < 2 {
                        unsigned[x] = mt.elem == ElementType::U8;
                    }
                }
                other => {
                    let machine = match t.input_type {
                        ArrayInput::Bf16 => "a bf16 array takes f32 operands and results (rounded to bf16, summed in f32)",
                        ArrayInput::Int8 => "an int8 array takes 8-bit integer operands (i8 or u8) and i32 results (a quantized model's integer products)",
                    };
                    return fail(
                        m,
                        op,
                        format!(
                            "{machine}; this product's {} is {other}",
                            ["A", "B", "C"][x]
                        ),
                    );
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
                    Some(v) if v >= 0 => *o = v as u64 * elem[x],
                    _ => return fail(m, op, "has an operand offset it cannot compute ahead"),
                }
            }
            let layout = |x: usize, rows: &[Dim], cols: &[Dim]| Layout {
                buffer: buffer[x],
                offset: offset[x],
                rows: rows.to_vec(),
                cols: cols.to_vec(),
                unsigned: unsigned.get(x).copied().unwrap_or(false),
            };
            let dims = (c.m() as u64, c.k() as u64, c.n() as u64);
            let result = Matrix {
                buffer: buffer[2],
                offset: offset[2],
                row_bytes: sc_m as u64 * 4,
            };
            let s = gemm_layouts(
                t,
                dims,
                &layout(0, &a_rows, &a_cols),
                &layout(1, &b_rows, &b_cols),
                result,
            )?;
            estimate = estimate.saturating_add(crate::gemm_cycles(t, dims.0, dims.1, dims.2)?);
            // One product after another: the next starts when the last has written out.
            let after = out.instrs.len().checked_sub(1).map(|i| i as u32);
            let base = out.instrs.len() as u32;
            for ins in s.instrs {
                let waits = ins.waits.iter().map(|w| w + base).chain(after);
                out.push(ins.op, waits);
            }
        }
    }
    Ok((out, estimate))
}
