//! A module's kernels as the systolic machine runs them: each kernel cut into phases, its
//! matrix products on the array (schedules, [`crate::kernel`]) and the rest on the vector
//! unit, in program order.
//!
//! A kernel's top-level operations are taken in order: a product (`loop.contract`, or a
//! loop nest of nothing but products) joins an array phase; anything else joins a vector
//! phase. Index arithmetic and constants at the top (`loop.apply`, `kernel.constant`,
//! `loop.alloca`) belong to no phase: every vector phase gets its own copy. A vector
//! phase becomes a loop kernel of its own, `<kernel>_v<i>`, over the same arguments: the
//! vector unit's code, which the caller compiles for the host that simulates the machine
//! (its values are the vector unit's: f32 operations in program order, no
//! reassociation), and whose cost ([`VectorCost`]) is counted here from its loops.

use crate::kernel::contracts_schedule;
use crate::ScheduleError;
use std::collections::{BTreeSet, HashMap};
use strata_abi::systolic::{KernelProgram, Phase, VectorCost};
use strata_abi::SystolicTarget;
use strata_ir::loops::{body_of, kernel_argument_bytes, kernels, nested_ops, ForLoop};
use strata_ir::ops::OpName;
use strata_ir::{ops, Attribute, Module, OpId, OpSpec, Type};

/// A module's kernels cut into phases.
pub struct Partition {
    /// The vector phases as loop kernels, and nothing else: the module to compile for
    /// the host (it keeps the original's attributes; set its target first).
    pub vector_kernels: Module,
    /// The vector kernels' names, in entry-point order ([`Phase::Vector`]'s `entry`).
    pub vector_names: Vec<String>,
    /// Per kernel of the module (sorted by name, as the module file's entry points are),
    /// its phases; symbols are `symbol_prefix` and the kernel's name.
    pub kernels: Vec<KernelProgram>,
}

/// Operations that compute nothing the machine's units spend cycles on: index
/// arithmetic and constants (the scalar unit's), local scratch.
fn is_shared(name: OpName) -> bool {
    name == ops::LOOP_APPLY || name == ops::KERNEL_CONSTANT || name == ops::LOOP_ALLOCA
}

/// Whether top-level `op` is array work: a product, or loops of nothing but products
/// (and their index arithmetic). A loop mixing products with other work is an error.
fn is_array(m: &Module, op: OpId) -> Result<bool, ScheduleError> {
    let d = m.op(op);
    if d.name == ops::LOOP_CONTRACT {
        return Ok(true);
    }
    let mut nested = Vec::new();
    nested_ops(m, op, &mut nested);
    if !nested.iter().any(|&o| m.op(o).name == ops::LOOP_CONTRACT) {
        return Ok(false);
    }
    let mixed = nested.iter().find(|&&o| {
        let n = m.op(o).name;
        n != ops::LOOP_CONTRACT && n != ops::LOOP_FOR && !is_shared(n)
    });
    match (d.name == ops::LOOP_FOR, mixed) {
        (true, None) => Ok(true),
        (_, Some(&o)) => Err(ScheduleError(format!(
            "{} ('{}'): a loop does matrix products and other work ('{}'); the systolic \
             machine runs them on different units",
            m.op(op).loc,
            m.op(op).name,
            m.op(o).name
        ))),
        (false, None) => Err(ScheduleError(format!(
            "{} ('{}'): holds matrix products in something other than counted loops",
            m.op(op).loc,
            m.op(op).name
        ))),
    }
}

/// Instruction class of a vector-unit operation, or `None` for what costs it nothing
/// (index arithmetic, constants, broadcasts, loads and stores, whose bytes count apart).
fn class(name: OpName) -> Option<usize> {
    const TRANSCENDENTAL: &[OpName] = &[
        ops::KERNEL_ACOS,
        ops::KERNEL_ACOSH,
        ops::KERNEL_ASIN,
        ops::KERNEL_ASINH,
        ops::KERNEL_ATAN,
        ops::KERNEL_ATANH,
        ops::KERNEL_CELU,
        ops::KERNEL_COS,
        ops::KERNEL_COSH,
        ops::KERNEL_ELU,
        ops::KERNEL_ERF,
        ops::KERNEL_EXP,
        ops::KERNEL_GELU,
        ops::KERNEL_LOG,
        ops::KERNEL_LOG1P,
        ops::KERNEL_MISH,
        ops::KERNEL_POW,
        ops::KERNEL_SELU,
        ops::KERNEL_SIGMOID,
        ops::KERNEL_SIN,
        ops::KERNEL_SINH,
        ops::KERNEL_SOFTPLUS,
        ops::KERNEL_SWISH,
        ops::KERNEL_TAN,
        ops::KERNEL_TANH,
    ];
    const DIVIDE: &[OpName] = &[
        ops::KERNEL_DIV,
        ops::KERNEL_MOD,
        ops::KERNEL_RECIPROCAL,
        ops::KERNEL_SQRT,
        ops::KERNEL_SOFTSIGN,
    ];
    if TRANSCENDENTAL.contains(&name) {
        Some(1)
    } else if DIVIDE.contains(&name) {
        Some(2)
    } else if name.starts_with("kernel.")
        && name != ops::KERNEL_CONSTANT
        && name != ops::KERNEL_YIELD
        && name != ops::KERNEL_INDEX
    {
        Some(0)
    } else {
        None
    }
}

/// Adds what `op`, run `times` times, costs on a vector unit of `lanes` lanes.
fn count(
    m: &Module,
    op: OpId,
    times: u64,
    lanes: u64,
    cost: &mut VectorCost,
) -> Result<(), ScheduleError> {
    let d = m.op(op);
    if d.name == ops::LOOP_FOR {
        let l = ForLoop::of(m, op).map_err(|e| ScheduleError(e.to_string()))?;
        let span = (l.upper - l.lower).max(0) as u64;
        let trips = span.div_ceil(l.step.max(1) as u64);
        for &inner in &m.block(body_of(m, op)).ops {
            count(m, inner, times.saturating_mul(trips), lanes, cost)?;
        }
        return Ok(());
    }
    for &r in &d.regions {
        for &b in &m.region(r).blocks {
            for &inner in &m.block(b).ops {
                count(m, inner, times, lanes, cost)?;
            }
        }
    }
    let Some(c) = class(d.name) else {
        return Ok(());
    };
    let width = match d.results.first().map(|&r| m.value_type(r)) {
        Some(Type::Vector(w, _)) => *w as u64,
        _ => 1,
    };
    let instrs = times.saturating_mul(width.div_ceil(lanes.max(1)));
    let slot = match c {
        0 => &mut cost.simple,
        1 => &mut cost.transcendental,
        _ => &mut cost.divide,
    };
    *slot = slot.saturating_add(instrs);
    cost.elements = cost.elements.saturating_add(times.saturating_mul(width));
    Ok(())
}

/// What phase `ops` of kernel `kernel` costs on `t`.
fn vector_cost(
    m: &Module,
    kernel: OpId,
    phase: &[OpId],
    t: &SystolicTarget,
) -> Result<VectorCost, ScheduleError> {
    let mut cost = VectorCost::default();
    let args = m.block(body_of(m, kernel)).args.clone();
    let sizes = kernel_argument_bytes(m, kernel).map_err(|e| ScheduleError(e.to_string()))?;
    let (mut read, mut written) = (BTreeSet::new(), BTreeSet::new());
    for &op in phase {
        count(m, op, 1, t.vector_lanes as u64, &mut cost)?;
        let mut all = vec![op];
        nested_ops(m, op, &mut all);
        for o in all {
            let d = m.op(o);
            let (set, at) = if d.name == ops::LOOP_LOAD || d.name == ops::LOOP_VLOAD {
                (&mut read, 0)
            } else if d.name == ops::LOOP_STORE || d.name == ops::LOOP_VSTORE {
                (&mut written, 1)
            } else {
                continue;
            };
            if let Some(i) = d
                .operands
                .get(at)
                .and_then(|v| args.iter().position(|a| a == v))
            {
                set.insert(i);
            }
        }
    }
    cost.bytes_read = read.iter().map(|&i| sizes[i] as u64).sum();
    cost.bytes_written = written.iter().map(|&i| sizes[i] as u64).sum();
    Ok(cost)
}

/// Cuts every kernel of `host` (a host program lowered for `t`) into phases.
pub fn partition(
    host: &Module,
    t: &SystolicTarget,
    symbol_prefix: &str,
) -> Result<Partition, ScheduleError> {
    let mut out = host.clone();
    let mut list: Vec<(OpId, String)> = kernels(host)
        .map_err(|e| ScheduleError(e.to_string()))?
        .into_iter()
        .map(|(op, name)| (op, name.to_string()))
        .collect();
    list.sort_by(|a, b| a.1.cmp(&b.1));
    let mut programs = Vec::new();
    let mut vector_names = Vec::new();
    let mut created = Vec::new();
    for (kernel, name) in list {
        let top = host.block(body_of(host, kernel)).ops.clone();
        let shared: Vec<OpId> = top
            .iter()
            .copied()
            .filter(|&o| is_shared(host.op(o).name))
            .collect();
        // Runs of array work and of vector work, in order.
        let mut runs: Vec<(bool, Vec<OpId>)> = Vec::new();
        for &op in top.iter().filter(|&&o| !is_shared(host.op(o).name)) {
            let array = is_array(host, op)?;
            match runs.last_mut() {
                Some((a, ops)) if *a == array => ops.push(op),
                _ => runs.push((array, vec![op])),
            }
        }
        let mut phases = Vec::new();
        let mut estimate = 0u64;
        for (array, run) in runs {
            if array {
                let mut contracts = Vec::new();
                for &op in &run {
                    if host.op(op).name == ops::LOOP_CONTRACT {
                        contracts.push(op);
                    }
                    let mut nested = Vec::new();
                    nested_ops(host, op, &mut nested);
                    contracts.extend(
                        nested
                            .into_iter()
                            .filter(|&o| host.op(o).name == ops::LOOP_CONTRACT),
                    );
                }
                let (schedule, cycles) = contracts_schedule(host, kernel, &contracts, t)?;
                estimate = estimate.saturating_add(cycles);
                phases.push(Phase::Array(schedule));
                continue;
            }
            let cost = vector_cost(host, kernel, &run, t)?;
            estimate = estimate.saturating_add(cost.cycles(t));
            let vname = format!("{name}_v{}", phases.len());
            // The phase as a kernel of its own, over the same arguments.
            let types: Vec<Type> = host
                .block(body_of(host, kernel))
                .args
                .iter()
                .map(|&a| host.value_type(a).clone())
                .collect();
            let region = out.new_region();
            let block = out.append_block(region, &types);
            let mut map: HashMap<_, _> = host
                .block(body_of(host, kernel))
                .args
                .iter()
                .copied()
                .zip(out.block(block).args.clone())
                .collect();
            for &op in shared.iter().chain(&run) {
                let c = out.clone_op(op, &mut map);
                out.push_op(block, c);
            }
            let d = host.op(kernel);
            let mut spec = OpSpec::new(ops::LOOP_KERNEL).loc(d.loc.clone());
            spec.attrs = d.attrs.clone();
            spec.attrs
                .insert("sym_name".into(), Attribute::String(vname.clone()));
            spec.regions = vec![region];
            created.push(out.create_op(spec));
            phases.push(Phase::Vector {
                entry: vector_names.len() as u32,
                cost,
            });
            vector_names.push(vname);
        }
        programs.push(KernelProgram {
            symbol: format!("{symbol_prefix}{name}"),
            phases,
            estimated_cycles: estimate,
        });
    }
    for op in out.block(out.body()).ops.clone() {
        out.erase_op(op);
    }
    let body = out.body();
    for op in created {
        out.push_op(body, op);
    }
    Ok(Partition {
        vector_kernels: out,
        vector_names,
        kernels: programs,
    })
}
