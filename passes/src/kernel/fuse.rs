//! Producer fusion at the kernel level.
//!
//! Policy: an *elementwise* kernel (every iterator parallel, one result, identity result
//! map) is inlined into each kernel that reads its result, and disappears once nothing
//! else reads it. Inlining recomputes the producer's scalar ops inside the consumer's
//! body at the consumer's iteration points, reading the producer's inputs through the
//! composition of the producer's maps with the consumer's map of that operand. So a chain
//! of elementwise ops becomes one kernel, and the elementwise ops feeding a reduction or
//! a contraction (softmax's `exp(x - max)` feeding its sum, a bias feeding a MatMul) run
//! inside it. Reductions and contractions are never inlined into their consumers: that
//! would redo the whole reduction for every consumer element. A producer is inlined only
//! where the consumer reads each of its elements once per point (the operand's map sends
//! every domain dimension to its own result), so nothing is recomputed: an activation
//! feeding a MatMul's left operand stays a kernel of its own (or an epilogue, below).
//!
//! Epilogues: an elementwise kernel that is the only reader of a reduction kernel's
//! result, element for element, becomes the reduction kernel's *epilogue* — MatMul, bias
//! and GELU in one kernel, the activation applied once per result after the reduction.
//!
//! A kernel that only broadcasts one element (a splat) is inlined into every reader, any
//! map: the reader reads the element, and the splat is never materialized. So is one
//! that only widens integers (a quantized product's `i8 → i32`): the reader redoes one
//! cast per read and reads the narrow elements.
//!
//! Kernels whose bodies use their coordinates (`kernel.index`) or read inputs at computed
//! indices (`kernel.extract`) take no part: their bodies are tied to their own domain and
//! operand positions.
//!
//! The inlined body performs the same scalar ops with the same rounding, so results are
//! bit-identical to the unfused program.

use std::collections::HashMap;
use strata_ir::kernel::{Generic, IteratorKind};
use strata_ir::module::BlockId;
use strata_ir::ops;
use strata_ir::{AffineExpr, AffineMap, Attribute, Function, Module, OpId, OpSpec, Type, ValueId};

/// `inner ∘ outer`: substitute `outer`'s results for `inner`'s dimensions.
pub fn compose(inner: &AffineMap, outer: &AffineMap) -> AffineMap {
    let results = inner
        .results
        .iter()
        .map(|e| {
            let mut terms: Vec<(u32, i64)> = Vec::new();
            let mut constant = e.constant;
            for &(d, c) in &e.terms {
                let sub = &outer.results[d as usize];
                terms.extend(sub.terms.iter().map(|&(od, oc)| (od, oc * c)));
                constant += sub.constant * c;
            }
            AffineExpr::linear(terms, constant)
        })
        .collect();
    AffineMap {
        num_dims: outer.num_dims,
        results,
    }
}

/// The op defining `v`, if it is a kernel.generic.
fn producer(m: &Module, v: ValueId) -> Option<OpId> {
    match m.value(v).def {
        strata_ir::module::ValueDef::OpResult { op, .. }
            if m.op(op).name == ops::KERNEL_GENERIC =>
        {
            Some(op)
        }
        _ => None,
    }
}

/// True for kernels the policy inlines: all parallel, one result with an identity map.
fn is_elementwise(m: &Module, op: OpId) -> bool {
    let Ok(g) = Generic::of(m, op) else {
        return false;
    };
    let d = m.op(op);
    d.results.len() == 1
        && !strata_ir::kernel::body_uses(m, op, ops::KERNEL_INDEX)
        && !strata_ir::kernel::body_extracts(m, op)
        && g.iterators.iter().all(|&k| k == IteratorKind::Parallel)
        && g.maps.last() == Some(&AffineMap::identity(g.domain.len() as u32))
}

/// True for a kernel that only broadcasts one element (a splat constant's expansion,
/// `ConstantOfShape`'s fill): inlined anywhere, its readers read that element, so the
/// splat is never materialized and nothing is recomputed, whatever the reader's map.
fn is_splat(m: &Module, op: OpId) -> bool {
    let Ok(g) = Generic::of(m, op) else {
        return false;
    };
    let b = body(m, op);
    let [only] = m.block(b).ops.as_slice() else {
        return false;
    };
    let d = m.op(*only);
    m.op(op).operands.len() == 1
        && g.maps[0].results.iter().all(|e| e.as_dim().is_none())
        && d.name == ops::KERNEL_YIELD
        && d.operands.as_slice() == [m.block(b).args[0]]
}

/// True for a kernel that only widens integers (`i8`/`u8` to `i32`, say): inlined into
/// every reader, any map, it costs one instruction per read, and the reader reads the
/// narrow elements. So a quantized product's factors reach it as 8-bit integers, which
/// an int8 systolic array takes whole ([`strata_ir::kernel::contraction`]).
fn is_widening_cast(m: &Module, op: OpId) -> bool {
    let b = body(m, op);
    let [cast, yield_] = m.block(b).ops.as_slice() else {
        return false;
    };
    let (cast, yield_) = (m.op(*cast), m.op(*yield_));
    let int_bits = |t: &Type| match t {
        Type::Scalar(e) if e.is_int() => Some(e.size_bytes() * 8),
        _ => None,
    };
    let (from, to) = match (cast.operands.as_slice(), cast.results.as_slice()) {
        ([x], [r]) => (int_bits(m.value_type(*x)), int_bits(m.value_type(*r))),
        _ => (None, None),
    };
    m.op(op).operands.len() == 1
        && cast.name == ops::KERNEL_CAST
        && cast.operands.as_slice() == [m.block(b).args[0]]
        && yield_.name == ops::KERNEL_YIELD
        && yield_.operands.as_slice() == cast.results.as_slice()
        && matches!((from, to), (Some(f), Some(t)) if f < t)
}

fn body(m: &Module, op: OpId) -> BlockId {
    m.region(m.op(op).regions[0]).blocks[0]
}

/// Clones the scalar ops of `from` (all but the yield) into `to`, mapping values; returns
/// the yielded values, mapped.
fn clone_body(
    m: &mut Module,
    from: BlockId,
    to: BlockId,
    map: &mut HashMap<ValueId, ValueId>,
) -> Vec<ValueId> {
    let ops = m.block(from).ops.clone();
    for op in ops {
        let d = m.op(op).clone();
        let operands: Vec<ValueId> = d
            .operands
            .iter()
            .map(|v| map.get(v).copied().unwrap_or(*v))
            .collect();
        if d.name == ops::KERNEL_YIELD {
            return operands;
        }
        let created = m.append_op(
            to,
            OpSpec {
                name: d.name,
                operands,
                result_types: d.results.iter().map(|&r| m.value_type(r).clone()).collect(),
                attrs: d.attrs.clone(),
                regions: vec![],
                loc: d.loc.clone(),
            },
        );
        for (&old, &new) in d.results.iter().zip(m.results(created).to_vec().iter()) {
            map.insert(old, new);
        }
    }
    Vec::new()
}

/// Replaces `consumer` (at the end of `block`) by a kernel with `producer` inlined for
/// operand `index`. Returns the new op.
fn inline_producer(
    m: &mut Module,
    block: BlockId,
    consumer: OpId,
    index: usize,
    producer: OpId,
) -> Result<OpId, crate::pass::PassError> {
    let c = Generic::of(m, consumer)?;
    let p = Generic::of(m, producer)?;
    let cd = m.op(consumer).clone();
    let pd = m.op(producer).clone();
    let n_in = cd.operands.len();
    // New inputs: the consumer's, with operand `index` replaced by the producer's inputs.
    let mut inputs: Vec<ValueId> = Vec::new();
    let mut maps: Vec<AffineMap> = Vec::new();
    for i in 0..n_in {
        if i == index {
            for (j, &v) in pd.operands.iter().enumerate() {
                inputs.push(v);
                maps.push(compose(&p.maps[j], &c.maps[index]));
            }
        } else {
            inputs.push(cd.operands[i]);
            maps.push(c.maps[i].clone());
        }
    }
    maps.extend(c.maps[n_in..].iter().cloned());
    // New body: arguments per new input, then the consumer's result arguments.
    let arg_types: Vec<Type> = inputs
        .iter()
        .map(|&v| m.tensor_type(v).map(|t| Type::Scalar(t.elem)))
        .chain(
            cd.results
                .iter()
                .map(|&r| m.tensor_type(r).map(|t| Type::Scalar(t.elem))),
        )
        .collect::<Result<_, _>>()?;
    let region = m.new_region();
    let new_body = m.append_block(region, &arg_types);
    let new_args = m.block(new_body).args.clone();
    let c_args = m.block(body(m, consumer)).args.clone();
    let p_args = m.block(body(m, producer)).args.clone();
    // Producer body first, on its inputs' new arguments.
    let mut pmap: HashMap<ValueId, ValueId> = HashMap::new();
    for j in 0..pd.operands.len() {
        pmap.insert(p_args[j], new_args[index + j]);
    }
    let produced = clone_body(m, body(m, producer), new_body, &mut pmap);
    let [produced] = produced.as_slice() else {
        return Err("an elementwise producer yields one value".into());
    };
    // Then the consumer body, with its argument `index` replaced by the produced value.
    let mut cmap: HashMap<ValueId, ValueId> = HashMap::new();
    let shift = pd.operands.len() as isize - 1;
    for (i, &a) in c_args.iter().enumerate() {
        let target = if i == index {
            *produced
        } else if i < index {
            new_args[i]
        } else {
            new_args[(i as isize + shift) as usize]
        };
        cmap.insert(a, target);
    }
    let yielded = clone_body(m, body(m, consumer), new_body, &mut cmap);
    m.append_op(new_body, OpSpec::new(ops::KERNEL_YIELD).operands(yielded));
    let mut attrs = cd.attrs.clone();
    attrs.insert(
        "indexing_maps".into(),
        Attribute::Array(maps.into_iter().map(Attribute::AffineMap).collect()),
    );
    let created = m.append_op(
        block,
        OpSpec {
            name: ops::KERNEL_GENERIC,
            operands: inputs,
            result_types: cd
                .results
                .iter()
                .map(|&r| m.value_type(r).clone())
                .collect(),
            attrs,
            regions: vec![region],
            loc: cd.loc.clone(),
        },
    );
    for (&old, &new) in cd.results.iter().zip(m.results(created).to_vec().iter()) {
        m.replace_all_uses(old, new);
    }
    m.erase_op(consumer);
    Ok(created)
}

/// Scalar ops in a kernel's body.
fn body_size(m: &Module, op: OpId) -> usize {
    m.op(op)
        .regions
        .iter()
        .flat_map(|&r| m.region(r).blocks.iter())
        .map(|&b| m.block(b).ops.len())
        .sum()
}

/// The most scalar ops a producer read by several kernels may have and still be
/// recomputed in each: beyond it, it stays a kernel of its own.
const MAX_SHARED_BODY: usize = 16;
/// The most scalar ops a fused body grows to.
const MAX_FUSED_BODY: usize = 512;
/// The most buffers a fused kernel reads: each is a binding on a GPU (Vulkan devices
/// guarantee few per stage) and a pointer argument on the CPU.
const MAX_FUSED_INPUTS: usize = 24;

/// Whether inlining producer `p` into a consumer of `consumer_size` scalar ops is worth
/// its cost. A producer with one reader moves; one with several is copied into each, so
/// only a small one is: copying a large shared producer redoes its work per reader, and
/// along a recurrence (an LSTM's cell state read by the next step and by its own output)
/// copies of copies grow the bodies exponentially with the sequence length.
fn affordable(
    m: &Module,
    block: BlockId,
    later: &[OpId],
    p: OpId,
    consumer: OpId,
    consumer_size: usize,
) -> bool {
    let size = body_size(m, p);
    let inputs = m.op(consumer).operands.len() - 1 + m.op(p).operands.len();
    if size + consumer_size > MAX_FUSED_BODY || inputs > MAX_FUSED_INPUTS {
        return false;
    }
    let result = m.op(p).results[0];
    let readers = uses(m, &m.block(block).ops, result) + uses(m, later, result);
    readers <= 1 || size <= MAX_SHARED_BODY
}

/// Number of ops among `ops` that read `v`.
fn uses(m: &Module, ops: &[OpId], v: ValueId) -> usize {
    ops.iter()
        .filter(|&&op| m.op(op).operands.contains(&v))
        .count()
}

/// Applies the fusion policy to every function of a (kernel-level) module, in place.
/// Returns how many producers were inlined.
pub fn fuse_elementwise_producers(m: &mut Module) -> Result<usize, crate::pass::PassError> {
    crate::require_valid(m, "fusion")?;
    let mut fused = 0;
    let functions: Vec<Function> = m.functions().collect();
    for f in functions {
        let block = f.entry_block(m);
        // Rebuild the op order as we go: fused kernels are appended at the end, so move
        // every op to the end in program order, fusing as each consumer arrives.
        let order = m.block(block).ops.clone();
        for &op in &order {
            m.erase_op(op);
        }
        for (i, &op) in order.iter().enumerate() {
            m.push_op(block, op);
            // A widening cast stays itself, to be inlined into its readers (which then
            // read the narrow values), not take its producer in.
            if m.op(op).name != ops::KERNEL_GENERIC || is_widening_cast(m, op) {
                continue;
            }
            let mut current = op;
            loop {
                // Bodies that read inputs at computed indices address operands by
                // position, which inlining would shift.
                if strata_ir::kernel::body_extracts(m, current) {
                    break;
                }
                let operands = m.op(current).operands.clone();
                let Ok(cg) = Generic::of(m, current) else {
                    break;
                };
                let size = body_size(m, current);
                let candidate = operands.iter().enumerate().find_map(|(k, &v)| {
                    producer(m, v)
                        .filter(|&p| {
                            is_elementwise(m, p)
                                && (reads_each_once(&cg.maps[k], cg.domain.len())
                                    || is_splat(m, p)
                                    || is_widening_cast(m, p))
                                && affordable(m, block, &order[i + 1..], p, current, size)
                        })
                        .map(|p| (k, p))
                });
                let Some((index, p)) = candidate else { break };
                current = inline_producer(m, block, current, index, p)?;
                fused += 1;
                // Readers: the ops placed so far and those still to come.
                let result = m.op(p).results[0];
                let mut readers: Vec<OpId> = m.block(block).ops.clone();
                readers.extend_from_slice(&order[i + 1..]);
                if uses(m, &readers, result) == 0 {
                    m.erase_op(p);
                }
            }
        }
    }
    for f in m.functions().collect::<Vec<_>>() {
        fused += fuse_epilogues(m, f)?;
    }
    if !crate::verified_by_pipeline() {
        strata_ir::verify_module(m)
            .map_err(|e| format!("fusion produced an invalid module: {e}"))?;
    }
    Ok(fused)
}

/// Whether an operand read through `map` in a `num_dims`-dimensional domain is read once
/// per point at distinct elements: the map sends every domain dimension to its own result.
/// Only then does inlining its producer compute each produced element once.
fn reads_each_once(map: &AffineMap, num_dims: usize) -> bool {
    let mut seen = vec![false; num_dims];
    map.results.len() == num_dims
        && map.results.iter().all(|e| match e.as_dim() {
            Some(d) => !std::mem::replace(&mut seen[d as usize], true),
            None => false,
        })
}

/// Epilogue fusion: an elementwise kernel that is the only reader of a reduction kernel's
/// single result, reading it element for element, becomes that kernel's epilogue (see
/// `strata_ir::kernel`): a MatMul with its bias and activation is one kernel. Returns how
/// many kernels were absorbed.
fn fuse_epilogues(m: &mut Module, f: Function) -> Result<usize, crate::pass::PassError> {
    let block = f.entry_block(m);
    let mut fused = 0;
    loop {
        let ops = m.block(block).ops.clone();
        let candidate = ops.iter().find_map(|&c| {
            if m.op(c).name != ops::KERNEL_GENERIC
                || !is_elementwise(m, c)
                || m.op(c).regions.len() != 1
            {
                return None;
            }
            let cg = Generic::of(m, c).ok()?;
            m.op(c).operands.iter().enumerate().find_map(|(i, &v)| {
                let p = producer(m, v)?;
                let pg = Generic::of(m, p).ok()?;
                let ok = m.op(p).results.len() == 1
                    && pg.iterators.contains(&IteratorKind::Reduction)
                    && !strata_ir::kernel::body_uses(m, p, ops::KERNEL_INDEX)
                    && !strata_ir::kernel::body_extracts(m, p)
                    && uses(m, &ops, v) == 1
                    && m.op(c).operands.iter().filter(|&&o| o == v).count() == 1
                    && m.value_type(v) == m.value_type(m.op(c).results[0])
                    && cg.maps[i] == AffineMap::identity(cg.domain.len() as u32);
                ok.then_some((c, i, p))
            })
        });
        let Some((c, index, p)) = candidate else {
            return Ok(fused);
        };
        absorb_epilogue(m, block, c, index, p)?;
        fused += 1;
    }
}

fn absorb_epilogue(
    m: &mut Module,
    block: BlockId,
    consumer: OpId,
    index: usize,
    producer: OpId,
) -> Result<(), crate::pass::PassError> {
    let c = Generic::of(m, consumer)?;
    let p = Generic::of(m, producer)?;
    let cd = m.op(consumer).clone();
    let pd = m.op(producer).clone();
    let n_p = pd.operands.len();
    let result_map = p.maps[n_p].clone();
    let mut operands: Vec<ValueId> = pd.operands.to_vec();
    let mut maps: Vec<AffineMap> = p.maps[..n_p].to_vec();
    let mut extra: Vec<usize> = Vec::new();
    for (j, &v) in cd.operands.iter().enumerate() {
        if j != index {
            operands.push(v);
            maps.push(compose(&c.maps[j], &result_map));
            extra.push(j);
        }
    }
    maps.push(result_map);
    let arg_types: Vec<Type> = operands
        .iter()
        .chain(&pd.results)
        .map(|&v| m.tensor_type(v).map(|t| Type::Scalar(t.elem)))
        .collect::<Result<_, _>>()?;
    let n_new = operands.len();
    let old_body = |m: &Module, k: usize| m.region(pd.regions[k]).blocks[0];
    // The main body, with (unused) arguments for the new inputs.
    let body_region = m.new_region();
    let body = m.append_block(body_region, &arg_types);
    let new_args = m.block(body).args.clone();
    // The producer's arguments in a new block: its inputs first, its results last.
    let remap = |m: &Module, old: BlockId, new: &[ValueId]| -> HashMap<ValueId, ValueId> {
        let args = &m.block(old).args;
        args.iter()
            .enumerate()
            .map(|(k, &a)| {
                (
                    a,
                    if k < n_p {
                        new[k]
                    } else {
                        new[n_new + k - n_p]
                    },
                )
            })
            .collect()
    };
    let mut map = remap(m, old_body(m, 0), &new_args);
    let yielded = clone_body(m, old_body(m, 0), body, &mut map);
    m.append_op(body, OpSpec::new(ops::KERNEL_YIELD).operands(yielded));
    // The epilogue: the producer's own, if any, then the consumer's body.
    let epi_region = m.new_region();
    let epi = m.append_block(epi_region, &arg_types);
    let epi_args = m.block(epi).args.clone();
    let mut value = epi_args[n_new];
    if pd.regions.len() > 1 {
        let mut emap = remap(m, old_body(m, 1), &epi_args);
        value = clone_body(m, old_body(m, 1), epi, &mut emap)[0];
    }
    let c_body = m.region(cd.regions[0]).blocks[0];
    let c_args = m.block(c_body).args.clone();
    let mut cmap: HashMap<ValueId, ValueId> = HashMap::new();
    cmap.insert(c_args[index], value);
    for (slot, &j) in extra.iter().enumerate() {
        cmap.insert(c_args[j], epi_args[n_p + slot]);
    }
    let init = c.inits[0];
    let elem = m.tensor_type(cd.results[0])?.elem;
    let init_attr = if elem.is_float() {
        Attribute::Float(init, elem)
    } else if elem == strata_ir::ElementType::Bool {
        Attribute::Bool(init != 0.0)
    } else {
        Attribute::Int(init as i64)
    };
    let init_op = m.append_op(
        epi,
        OpSpec::new(ops::KERNEL_CONSTANT)
            .results([Type::Scalar(elem)])
            .attr("value", init_attr),
    );
    cmap.insert(c_args[cd.operands.len()], m.result(init_op));
    let out = clone_body(m, c_body, epi, &mut cmap);
    m.append_op(epi, OpSpec::new(ops::KERNEL_YIELD).operands(out));
    let mut attrs = pd.attrs.clone();
    attrs.insert(
        "indexing_maps".into(),
        Attribute::Array(maps.into_iter().map(Attribute::AffineMap).collect()),
    );
    let fused = m.create_op(OpSpec {
        name: ops::KERNEL_GENERIC,
        operands,
        result_types: cd
            .results
            .iter()
            .map(|&r| m.value_type(r).clone())
            .collect(),
        attrs,
        regions: vec![body_region, epi_region],
        loc: pd.loc.clone(),
    });
    m.insert_op_before(block, consumer, fused);
    let new_result = m.results(fused)[0];
    m.replace_all_uses(cd.results[0], new_result);
    m.erase_op(consumer);
    m.erase_op(producer);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composition_substitutes_dimensions() {
        // Producer reads (p0, p1) -> (p1 * 2 + 1); consumer reads the producer at (c1, 0).
        let inner = AffineMap {
            num_dims: 2,
            results: vec![AffineExpr::linear([(1, 2)], 1)],
        };
        let outer = AffineMap {
            num_dims: 3,
            results: vec![AffineExpr::dim(1), AffineExpr::constant(0)],
        };
        assert_eq!(
            compose(&inner, &outer).to_string(),
            "affine_map<(d0, d1, d2) -> (1)>"
        );
        let outer = AffineMap {
            num_dims: 3,
            results: vec![AffineExpr::dim(2), AffineExpr::linear([(0, 3)], -1)],
        };
        assert_eq!(
            compose(&inner, &outer).to_string(),
            "affine_map<(d0, d1, d2) -> (d0 * 6 - 1)>"
        );
    }
}
