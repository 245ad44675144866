//! Bufferization: a function of `loop.dispatch`es over tensors becomes a `host` program
//! over buffers, with intermediates placed in one arena by a liveness-based planner.
//!
//! - Inputs and outputs are the caller's buffers: the host function takes the inputs, then
//!   one buffer per output. A dispatch whose result is returned writes straight into the
//!   output buffer; outputs that are inputs, constants or already-returned values get a
//!   `host.copy`.
//! - Constants (`graph.constant`) become module-level `host.global`s.
//! - Reshapes (`graph.reshape`, `flatten`, `squeeze`, `unsqueeze`, `identity`) become
//!   `host.view`s: contiguous buffers need no data movement to change shape.
//! - Every other intermediate is a `host.alloc` at an arena offset. A buffer is live from
//!   the dispatch that writes it to the last op that reads it or a view of it; the planner
//!   places buffers largest first at the lowest 64-byte-aligned offset that overlaps no
//!   placed buffer with an intersecting lifetime (greedy by size, as TFLite's arena
//!   planner). A dispatch never shares memory between its inputs and its outputs, since
//!   both are live at that dispatch.
//! - `graph.if` becomes `host.if` over the captured values' and the results' buffers;
//!   `graph.loop` becomes copies of the initial condition and state, then `host.loop`,
//!   whose counter, condition and written state are buffers live across the loop and
//!   whose read state is the results' buffers (see `strata_ir::control`).
//!
//! The function records `host.arena_bytes` (the planned peak) and `host.unplanned_bytes`
//! (the sum of all intermediates, what allocating each separately would take).

use std::collections::HashMap;
use strata_ir::host::{ARENA_ATTR, NUM_INPUTS_ATTR, UNPLANNED_ATTR};
use strata_ir::loops::{dispatched_kernel, grid_size};
use strata_ir::ops;
use strata_ir::verify::op_location;
use strata_ir::OpName;
use strata_ir::{Attribute, Function, Module, OpSpec, TensorType, Type, ValueId};

/// Alignment of arena offsets, in bytes (a cache line; enough for any vector load).
pub const ALIGNMENT: usize = 64;

/// Ops that only reinterpret the shape of a contiguous tensor.
pub const VIEW_OPS: &[OpName] = &[
    ops::GRAPH_RESHAPE,
    ops::GRAPH_FLATTEN,
    ops::GRAPH_SQUEEZE,
    ops::GRAPH_UNSQUEEZE,
    ops::GRAPH_IDENTITY,
];

/// What the planner decided for one function.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemoryPlan {
    /// Arena size: the peak of simultaneously live intermediates (with alignment).
    pub peak_bytes: usize,
    /// The sum of every intermediate's size.
    pub unplanned_bytes: usize,
    /// Intermediate buffers placed.
    pub buffers: usize,
}

/// An interval of op positions during which a buffer is live, and its size.
#[derive(Clone, Copy, Debug)]
pub struct Lifetime {
    pub first: usize,
    pub last: usize,
    pub bytes: usize,
}

/// Places buffers (greedy by size); returns each one's offset and the arena size.
pub fn plan_offsets(buffers: &[Lifetime]) -> (Vec<usize>, usize) {
    let mut order: Vec<usize> = (0..buffers.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(buffers[i].bytes), buffers[i].first));
    let mut offsets = vec![0usize; buffers.len()];
    let mut placed: Vec<usize> = Vec::new();
    let mut peak = 0;
    for i in order {
        let b = buffers[i];
        let mut conflicts: Vec<(usize, usize)> = placed
            .iter()
            .filter(|&&j| buffers[j].first <= b.last && b.first <= buffers[j].last)
            .map(|&j| (offsets[j], offsets[j] + buffers[j].bytes))
            .collect();
        conflicts.sort();
        let mut at = 0;
        for (lo, hi) in conflicts {
            if at + b.bytes <= lo {
                break;
            }
            at = at.max(hi.div_ceil(ALIGNMENT) * ALIGNMENT);
        }
        offsets[i] = at;
        peak = peak.max(at + b.bytes);
        placed.push(i);
    }
    (offsets, peak)
}

enum Storage {
    Input,
    Constant(String),
    Buffer(usize),
    View(ValueId),
}

fn bytes_of(t: &TensorType) -> usize {
    t.shape.numel() * t.elem.size_bytes()
}

/// Bufferizes every function; returns the module and each function's plan.
pub fn bufferize(
    m: &Module,
) -> Result<(Module, Vec<(String, MemoryPlan)>), crate::pass::PassError> {
    crate::require_valid(m, "bufferize")?;
    let mut out = m.clone();
    let mut plans = Vec::new();
    let funcs: Vec<Function> = out.functions().collect();
    for f in funcs {
        let plan = bufferize_function(&mut out, f)?;
        plans.push((f.name(&out).to_string(), plan));
        out.discard_op(f.0);
    }
    Ok((out, plans))
}

/// The input and result types of a function, bufferized or not.
fn function_types(
    m: &Module,
    f: Function,
) -> Result<(Vec<TensorType>, Vec<TensorType>), crate::pass::PassError> {
    if let Some(n_in) = strata_ir::host::num_inputs(m, f) {
        let mut types: Vec<TensorType> = f
            .arguments(m)
            .iter()
            .map(|&a| {
                m.value_type(a)
                    .as_memref()
                    .cloned()
                    .ok_or("a host function takes buffers")
            })
            .collect::<Result<_, _>>()?;
        let outs = types.split_off(n_in.min(types.len()));
        return Ok((types, outs));
    }
    let ins = f
        .arguments(m)
        .iter()
        .map(|&a| m.tensor_type(a).cloned())
        .collect::<Result<_, _>>()?;
    let outs = f
        .returned_values(m)
        .iter()
        .map(|&v| m.tensor_type(v).cloned())
        .collect::<Result<_, _>>()?;
    Ok((ins, outs))
}

fn bufferize_function(m: &mut Module, f: Function) -> Result<MemoryPlan, crate::pass::PassError> {
    let fname = f.name(m).to_string();
    let ops = m.block(f.entry_block(m)).ops.clone();
    let mut storage: HashMap<ValueId, Storage> = HashMap::new();
    for &a in f.arguments(m) {
        storage.insert(a, Storage::Input);
    }
    let root = |storage: &HashMap<ValueId, Storage>, mut v: ValueId| -> ValueId {
        while let Some(Storage::View(src)) = storage.get(&v) {
            v = *src;
        }
        v
    };
    // Pass 1: storage of every value and buffer lifetimes.
    let mut lifetimes: Vec<Lifetime> = Vec::new();
    let mut buffer_types: Vec<TensorType> = Vec::new();
    let mut globals = 0usize;
    let mut returned: Vec<ValueId> = Vec::new();
    let mut loop_scratch: HashMap<strata_ir::OpId, Vec<usize>> = HashMap::new();
    for (t, &op) in ops.iter().enumerate() {
        let d = m.op(op).clone();
        for &v in &d.operands {
            if let Some(Storage::Buffer(b)) = storage.get(&root(&storage, v)) {
                lifetimes[*b].last = lifetimes[*b].last.max(t);
            }
        }
        match d.name {
            ops::FUNC_RETURN => returned = d.operands.to_vec(),
            ops::GRAPH_CONSTANT => {
                storage.insert(
                    d.results[0],
                    Storage::Constant(format!("{fname}_c{globals}")),
                );
                globals += 1;
            }
            ops::LOOP_DISPATCH | ops::GRAPH_IF | ops::GRAPH_LOOP => {
                // A buffer written by op `t`, live from there.
                let mut new_buffer = |ty: TensorType| {
                    lifetimes.push(Lifetime {
                        first: t,
                        last: t,
                        bytes: bytes_of(&ty),
                    });
                    buffer_types.push(ty);
                    lifetimes.len() - 1
                };
                if d.name == ops::GRAPH_LOOP {
                    // The counter, the condition read and the condition and state
                    // written, live only during the loop; the state read is the results'.
                    let body = strata_ir::control::callee(m, op, strata_ir::control::BODY_ATTR)?;
                    let (ins, outs) = function_types(m, body)?;
                    let scratch = [&ins[0], &ins[1]]
                        .into_iter()
                        .chain(&outs)
                        .map(|ty| new_buffer(ty.clone()))
                        .collect();
                    loop_scratch.insert(op, scratch);
                }
                for &r in &d.results {
                    let b = new_buffer(m.tensor_type(r)?.clone());
                    storage.insert(r, Storage::Buffer(b));
                }
            }
            name if VIEW_OPS.contains(&name) => {
                storage.insert(d.results[0], Storage::View(d.operands[0]));
            }
            name => {
                return Err(format!(
                    "{}: '{name}' has no lowering to loops (nor to kernels), so it cannot run in a host program",
                    op_location(m, op)
                ).into())
            }
        }
    }
    // Returned buffers are written in place into the caller's output buffers.
    let mut destined: HashMap<usize, usize> = HashMap::new();
    let mut needs_copy = vec![false; returned.len()];
    for (j, &v) in returned.iter().enumerate() {
        match storage.get(&root(&storage, v)) {
            Some(Storage::Buffer(b)) if !destined.contains_key(b) => {
                destined.insert(*b, j);
            }
            _ => needs_copy[j] = true,
        }
    }
    let end = ops.len();
    for (j, &v) in returned.iter().enumerate() {
        if let Some(Storage::Buffer(b)) = storage.get(&root(&storage, v)) {
            if needs_copy[j] {
                lifetimes[*b].last = end;
            }
        }
    }
    let planned: Vec<usize> = (0..lifetimes.len())
        .filter(|b| !destined.contains_key(b))
        .collect();
    let (offsets, peak) = plan_offsets(&planned.iter().map(|&b| lifetimes[b]).collect::<Vec<_>>());
    let offset_of: HashMap<usize, usize> = planned.iter().copied().zip(offsets).collect();
    let plan = MemoryPlan {
        peak_bytes: peak,
        unplanned_bytes: planned.iter().map(|&b| lifetimes[b].bytes).sum(),
        buffers: planned.len(),
    };

    // Pass 2: emit the host function.
    let input_names = f.input_names(m);
    let output_names = f.output_names(m);
    let mut args: Vec<(String, Type)> = Vec::new();
    for (n, &a) in input_names.iter().zip(f.arguments(m)) {
        args.push((n.clone(), Type::MemRef(m.tensor_type(a)?.clone())));
    }
    for (n, &v) in output_names.iter().zip(&returned) {
        args.push((n.clone(), Type::MemRef(m.tensor_type(v)?.clone())));
    }
    let (hf, block) = m.add_function_of_types(&fname, &args);
    let hargs = hf.arguments(m).to_vec();
    let n_in = input_names.len();
    let mut mapped: HashMap<ValueId, ValueId> = HashMap::new();
    for (i, &a) in f.arguments(m).to_vec().iter().enumerate() {
        mapped.insert(a, hargs[i]);
    }
    let view = |m: &mut Module, src: ValueId, ty: &TensorType| -> ValueId {
        if m.value_type(src).as_memref() == Some(ty) {
            return src;
        }
        let op = m.append_op(
            block,
            OpSpec::new(ops::HOST_VIEW)
                .operands([src])
                .results([Type::MemRef(ty.clone())]),
        );
        m.result(op)
    };
    // The buffer of planned intermediate `b`: the caller's output it is returned as, or
    // its place in the arena.
    let buffer = |m: &mut Module, b: usize| -> ValueId {
        let ty = buffer_types[b].clone();
        match destined.get(&b) {
            Some(&j) => view(m, hargs[n_in + j], &ty),
            None => {
                let a = m.append_op(
                    block,
                    OpSpec::new(ops::HOST_ALLOC)
                        .results([Type::MemRef(ty)])
                        .attr("offset", Attribute::Int(offset_of[&b] as i64)),
                );
                m.result(a)
            }
        }
    };
    let mut globals_out = Vec::new();
    for &op in &ops {
        let d = m.op(op).clone();
        let get = |v: &ValueId| {
            mapped
                .get(v)
                .copied()
                .ok_or_else(|| format!("'{}' uses a value with no buffer", d.name))
        };
        match d.name {
            ops::FUNC_RETURN => {}
            ops::GRAPH_CONSTANT => {
                let Some(Storage::Constant(name)) = storage.get(&d.results[0]) else {
                    continue;
                };
                let value = d
                    .attrs
                    .get("value")
                    .cloned()
                    .ok_or("graph.constant without a value")?;
                let ty = m.tensor_type(d.results[0])?.clone();
                globals_out.push((name.clone(), value));
                let c = m.append_op(
                    block,
                    OpSpec::new(ops::HOST_CONSTANT)
                        .results([Type::MemRef(ty)])
                        .attr("global", Attribute::String(name.clone()))
                        .loc(d.loc.clone()),
                );
                mapped.insert(d.results[0], m.result(c));
            }
            ops::GRAPH_IF | ops::GRAPH_LOOP => {
                let operands = d.operands.iter().map(get).collect::<Result<Vec<_>, _>>()?;
                let mut results = Vec::new();
                for &r in &d.results {
                    let Some(&Storage::Buffer(b)) = storage.get(&r) else {
                        return Err(format!("'{}' result without a buffer", d.name).into());
                    };
                    let buf = buffer(m, b);
                    mapped.insert(r, buf);
                    results.push(buf);
                }
                let mut spec = if d.name == ops::GRAPH_IF {
                    OpSpec::new(ops::HOST_IF)
                        .operands(operands.iter().copied().chain(results.iter().copied()))
                } else {
                    let n = results.len();
                    let scratch: Vec<ValueId> =
                        loop_scratch[&op].iter().map(|&b| buffer(m, b)).collect();
                    let (counter, cond_in, written) = (scratch[0], scratch[1], &scratch[2..]);
                    // The condition and the state the first iteration reads.
                    let cond_ty = buffer_types[loop_scratch[&op][1]].clone();
                    let cond = view(m, operands[1], &cond_ty);
                    m.append_op(block, OpSpec::new(ops::HOST_COPY).operands([cond, cond_in]));
                    for (&init, &state) in operands[2..2 + n].iter().zip(&results) {
                        m.append_op(block, OpSpec::new(ops::HOST_COPY).operands([init, state]));
                    }
                    let mut bound = vec![operands[0], counter, cond_in];
                    bound.extend(&results);
                    bound.extend(&operands[2 + n..]);
                    bound.extend(written);
                    OpSpec::new(ops::HOST_LOOP).operands(bound)
                }
                .loc(d.loc.clone());
                for attr in [
                    strata_ir::control::THEN_ATTR,
                    strata_ir::control::ELSE_ATTR,
                    strata_ir::control::BODY_ATTR,
                ] {
                    if let Some(a) = d.attrs.get(attr) {
                        spec.attrs.insert(attr.into(), a.clone());
                    }
                }
                m.append_op(block, spec);
            }
            ops::LOOP_DISPATCH => {
                let mut bound = d.operands.iter().map(get).collect::<Result<Vec<_>, _>>()?;
                for &r in &d.results {
                    let Some(&Storage::Buffer(b)) = storage.get(&r) else {
                        return Err("dispatch result without a buffer".into());
                    };
                    let buf = buffer(m, b);
                    mapped.insert(r, buf);
                    bound.push(buf);
                }
                let kernel = dispatched_kernel(m, op)?;
                let grid = grid_size(m, kernel)?;
                let mut spec = OpSpec::new(ops::HOST_DISPATCH)
                    .operands(bound)
                    .attr("workgroups", Attribute::I64Array(grid.to_vec()))
                    .loc(d.loc.clone());
                spec.attrs.insert(
                    "kernel".into(),
                    d.attrs
                        .get("kernel")
                        .cloned()
                        .ok_or("dispatch without kernel")?,
                );
                m.append_op(block, spec);
            }
            _ => {
                // A view op: its result aliases its operand.
                let src = get(&d.operands[0])?;
                let ty = m.tensor_type(d.results[0])?.clone();
                let v = view(m, src, &ty);
                mapped.insert(d.results[0], v);
            }
        }
    }
    for (j, &v) in returned.iter().enumerate() {
        if needs_copy[j] {
            let ty = m.tensor_type(v)?.clone();
            let src = mapped[&v];
            let src = view(m, src, &ty);
            m.append_op(
                block,
                OpSpec::new(ops::HOST_COPY).operands([src, hargs[n_in + j]]),
            );
        }
    }
    m.set_return(hf, &[]);
    let attrs = &mut m.op_mut(hf.0).attrs;
    attrs.insert(NUM_INPUTS_ATTR.into(), Attribute::Int(n_in as i64));
    attrs.insert(ARENA_ATTR.into(), Attribute::Int(plan.peak_bytes as i64));
    attrs.insert(
        UNPLANNED_ATTR.into(),
        Attribute::Int(plan.unplanned_bytes as i64),
    );
    let body = m.body();
    for (name, value) in globals_out {
        m.append_op(
            body,
            OpSpec::new(ops::HOST_GLOBAL)
                .attr("sym_name", Attribute::String(name))
                .attr("value", value),
        );
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Buffers live at the same time never share bytes; offsets are aligned; the arena
        /// holds every buffer and is no larger than allocating each separately (aligned).
        #[test]
        fn planned_buffers_never_overlap_while_live(
            spans in proptest::collection::vec((0usize..20, 0usize..8, 1usize..5000), 0..40)
        ) {
            let buffers: Vec<Lifetime> = spans
                .iter()
                .map(|&(first, len, bytes)| Lifetime { first, last: first + len, bytes })
                .collect();
            let (offsets, peak) = plan_offsets(&buffers);
            let aligned_sum: usize = buffers.iter().map(|b| b.bytes.div_ceil(ALIGNMENT) * ALIGNMENT).sum();
            prop_assert!(peak <= aligned_sum.max(1));
            for (i, a) in buffers.iter().enumerate() {
                prop_assert_eq!(offsets[i] % ALIGNMENT, 0);
                prop_assert!(offsets[i] + a.bytes <= peak);
                for (j, b) in buffers.iter().enumerate().skip(i + 1) {
                    let live_together = a.first <= b.last && b.first <= a.last;
                    let disjoint = offsets[i] + a.bytes <= offsets[j] || offsets[j] + b.bytes <= offsets[i];
                    prop_assert!(!live_together || disjoint, "buffers {i} and {j} overlap");
                }
            }
        }
    }

    #[test]
    fn buffers_with_disjoint_lifetimes_share_memory() {
        let b = |first, last, bytes| Lifetime { first, last, bytes };
        let (offsets, peak) = plan_offsets(&[b(0, 1, 1000), b(1, 2, 1000), b(2, 3, 1000)]);
        // The first and third are never live together: they share, the middle one does not.
        assert_eq!(offsets[0], offsets[2]);
        assert_ne!(offsets[0], offsets[1]);
        assert_eq!(peak, 1024 + 1000);
    }
}
