//! Loop transformations: tiling and interchange (chosen at the kernel level as a
//! [`Schedule`], materialized by `lower-to-loops`), vectorization and unrolling (on
//! `loop.kernel`s). Every choice follows the target's [`LoopParams`].
//!
//! **Tiling policy** (`tile`), per kernel:
//! 1. *Vector dimension*: the parallel dimension that is the last dimension of the first
//!    result, so stores are contiguous. It becomes the innermost point loop.
//! 2. *Interchange*: the other parallel dimensions outermost (domain order), then the
//!    reductions (domain order), then the vector dimension — for a matmul `i, k, j`: the
//!    B row and the C row are contiguous along `j`, A's element is invariant.
//! 3. *Grid tiles*: parallel dimensions, outermost first (at most 3), are split until the
//!    grid has about `workgroups` workgroups, keeping at least `min_workgroup_points`
//!    points and one full vector per workgroup. Tile sizes divide extents (no remainder
//!    loops); a dimension whose divisors don't fit stays whole.
//! 4. *Cache tile*: the first reduction dimension is split so that one tile of every input
//!    (its footprint over the workgroup's extents) fits half the fast memory.
//!
//! **Vectorization** (`vectorize`): an innermost parallel loop whose trip count
//! the lane count divides (lanes = vector bits / widest element in the body) becomes a
//! loop of vector steps, when every load and store along it is contiguous in the last
//! dimension or invariant (invariant values are broadcast). Anything else — a transposed
//! read, a gather — leaves the loop scalar.
//!
//! **Unrolling** (`unroll{factor=N}`, or the target's factor): innermost loops whose trip count
//! the factor divides repeat their body with the index advanced, in order, so reductions
//! accumulate in the same order.

use std::collections::HashMap;
use strata_ir::kernel::{Generic, IteratorKind, Schedule};
use strata_ir::loops::{apply_map, body_of, ForLoop, LoopKind};
use strata_ir::target::Target;
use strata_ir::{AffineExpr, AffineMap, Attribute, Module, OpId, OpSpec, Type, ValueId};

/// The machine parameters that loop tiling, vectorization, staging and unrolling follow,
/// read off a target description.
#[derive(Clone, Debug, PartialEq)]
pub struct LoopParams {
    /// Vector register width in bits (lanes = bits / element bits).
    pub vector_bits: usize,
    /// Fast memory one workgroup works in: L1 cache on a CPU core or a GPU compute unit,
    /// the unified buffer of an accelerator.
    pub fast_memory_bytes: usize,
    /// How many workgroups keep the machine busy.
    pub workgroups: usize,
    /// Points one workgroup should cover at least (GPU invocations per workgroup), so
    /// tiny workgroups don't waste the machine.
    pub min_workgroup_points: usize,
    /// Innermost-loop unroll factor.
    pub unroll: usize,
    /// Workgroup memory a kernel may stage reused operand tiles in (`stage` pass): GPU
    /// shared memory; 0 where caches do that job (CPUs).
    pub stage_bytes: usize,
}

/// Workgroups per CPU thread: enough that uneven workgroups still balance over threads.
const CPU_WORKGROUPS_PER_THREAD: usize = 8;

impl LoopParams {
    /// The parameters of `target`.
    pub fn for_target(target: &Target) -> LoopParams {
        match target {
            Target::Cpu(c) => LoopParams {
                vector_bits: c.vector_bits as usize,
                fast_memory_bytes: c.l1_bytes as usize,
                workgroups: c.threads as usize * CPU_WORKGROUPS_PER_THREAD,
                min_workgroup_points: 1,
                unroll: 2,
                stage_bytes: 0,
            },
            Target::Vulkan(g) => LoopParams {
                vector_bits: g.vector_bits as usize,
                fast_memory_bytes: g.l1_bytes as usize,
                workgroups: g.resident_workgroups as usize,
                min_workgroup_points: g.workgroup_size as usize,
                unroll: 1,
                stage_bytes: g.shared_memory_bytes as usize,
            },
            Target::Systolic(s) => LoopParams {
                vector_bits: s.vector_lanes as usize * 32,
                fast_memory_bytes: s.buffer_bytes as usize,
                workgroups: 1,
                min_workgroup_points: s.rows as usize * s.cols as usize,
                unroll: 1,
                stage_bytes: 0,
            },
        }
    }
}

fn elem_bytes_of(m: &Module, v: ValueId) -> usize {
    m.tensor_type(v)
        .map(|t| t.elem.size_bytes().max(1))
        .unwrap_or(4)
}

/// Lanes of a vector of elements of `bytes` bytes.
fn lanes(params: &LoopParams, bytes: usize) -> usize {
    (params.vector_bits / (8 * bytes.max(1))).clamp(1, 64)
}

/// Chooses the schedule of `kernel.generic` op `op` for `params` (see the module docs).
pub fn choose_schedule(m: &Module, op: OpId, params: &LoopParams) -> Result<Schedule, String> {
    let g = Generic::of(m, op)?;
    let d = m.op(op);
    let n_in = d.operands.len();
    let n = g.domain.len();
    let parallel = |k: usize| g.iterators[k] == IteratorKind::Parallel;
    let vector_dim = g.maps[n_in]
        .results
        .last()
        .and_then(|e| e.as_dim())
        .map(|k| k as usize)
        .filter(|&k| parallel(k));
    let mut loop_order: Vec<usize> = (0..n)
        .filter(|&k| parallel(k) && Some(k) != vector_dim)
        .collect();
    loop_order.extend((0..n).filter(|&k| !parallel(k)));
    loop_order.extend(vector_dim);

    let widest = d
        .operands
        .iter()
        .chain(&d.results)
        .map(|&v| elem_bytes_of(m, v))
        .max()
        .unwrap_or(4);
    let width = lanes(params, widest);
    let mut grid_tiles = vec![0usize; n];
    let points: usize = (0..n)
        .filter(|&k| parallel(k))
        .map(|k| g.domain[k])
        .product();
    let mut workgroups = 1usize;
    let mut grid_dims = 0;
    for k in (0..n).filter(|&k| parallel(k)) {
        if grid_dims == 3 || workgroups >= params.workgroups {
            break;
        }
        let extent = g.domain[k];
        let min_tile = if Some(k) == vector_dim { width } else { 1 };
        // Split so that the grid approaches the target and workgroups stay big enough.
        let max_by_points = (points / workgroups) / params.min_workgroup_points.max(1);
        let want = (params.workgroups / workgroups).min(max_by_points).max(1);
        let count = (1..=want.min(extent))
            .rev()
            .find(|&c| extent % c == 0 && (extent / c) % min_tile == 0)
            .unwrap_or(1);
        if count > 1 {
            grid_tiles[k] = extent / count;
            workgroups *= count;
            grid_dims += 1;
        }
    }

    let mut cache_tiles = vec![0usize; n];
    if let Some(k) = (0..n).find(|&k| !parallel(k)) {
        let extent = g.domain[k];
        let workgroup_extent = |dim: usize| match grid_tiles[dim] {
            0 => g.domain[dim],
            t => t,
        };
        let footprint = |tk: usize| -> usize {
            (0..n_in)
                .map(|i| {
                    let map = &g.maps[i];
                    let used: Vec<usize> = (0..n)
                        .filter(|&dim| {
                            map.results
                                .iter()
                                .any(|e| e.terms.iter().any(|&(x, _)| x as usize == dim))
                        })
                        .collect();
                    let elems: usize = used
                        .iter()
                        .map(|&dim| if dim == k { tk } else { workgroup_extent(dim) })
                        .product();
                    elems * elem_bytes_of(m, d.operands[i])
                })
                .sum()
        };
        let budget = params.fast_memory_bytes / 2;
        if footprint(extent) > budget {
            let tile = (1..=extent)
                .rev()
                .find(|&t| extent % t == 0 && footprint(t) <= budget)
                .unwrap_or(1);
            if tile < extent {
                cache_tiles[k] = tile;
            }
        }
    }
    let s = Schedule {
        grid_tiles,
        cache_tiles,
        loop_order,
    };
    s.check(&g)?;
    Ok(s)
}

/// The `tile` pass: gives every `kernel.generic` its schedule for `params`.
pub fn tile(m: &Module, params: &LoopParams) -> Result<Module, String> {
    crate::require_valid(m, "tile")?;
    let mut out = m.clone();
    let generics: Vec<OpId> = out
        .functions()
        .flat_map(|f| out.block(f.entry_block(&out)).ops.clone())
        .filter(|&op| out.op(op).name == "kernel.generic")
        .collect();
    for op in generics {
        let s = choose_schedule(&out, op, params)?;
        for (k, v) in s.attrs() {
            out.op_mut(op).attrs.insert(k.into(), v);
        }
    }
    Ok(out)
}

/// Every `loop.for` with no loop inside it, in every kernel.
fn innermost_loops(m: &Module) -> Vec<OpId> {
    let mut found = Vec::new();
    let mut stack: Vec<OpId> = m
        .block(m.body())
        .ops
        .iter()
        .copied()
        .filter(|&op| m.op(op).name == "loop.kernel")
        .collect();
    while let Some(op) = stack.pop() {
        let d = m.op(op);
        let children: Vec<OpId> = d
            .regions
            .iter()
            .flat_map(|&r| m.region(r).blocks.clone())
            .flat_map(|b| m.block(b).ops.clone())
            .filter(|&c| m.op(c).name == "loop.for")
            .collect();
        if d.name == "loop.for" && children.is_empty() {
            found.push(op);
        }
        stack.extend(children);
    }
    found
}

fn set_loop(m: &mut Module, op: OpId, l: ForLoop) {
    for (k, v) in l.attrs() {
        m.op_mut(op).attrs.insert(k.into(), v);
    }
}

fn elem_of_type(t: &Type) -> Option<strata_ir::ElementType> {
    match t {
        Type::Scalar(e) | Type::Vector(_, e) => Some(*e),
        _ => None,
    }
}

/// Vectorizes one innermost loop if it qualifies; returns whether it did.
fn vectorize_loop(m: &mut Module, l: OpId, params: &LoopParams) -> Result<bool, String> {
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
        match d.name.as_str() {
            "loop.apply" => {
                let map = apply_map(m, op)?;
                let k: i64 = map.results[0]
                    .terms
                    .iter()
                    .map(|&(dim, cc)| cc * c(&coef, d.operands[dim as usize]))
                    .sum();
                coef.insert(d.results[0], k);
            }
            "loop.load" => match contiguous(&coef, &d.operands[1..]) {
                Some(v) => {
                    varying.insert(d.results[0], v);
                    plan.push((op, v));
                }
                None => return Ok(false),
            },
            "loop.store" => match contiguous(&coef, &d.operands[2..]) {
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
        let value_operands: Vec<usize> = match d.name.as_str() {
            "loop.load" => vec![],
            "loop.store" => vec![0],
            _ => (0..d.operands.len()).collect(),
        };
        for i in value_operands {
            let v = d.operands[i];
            if !varying.get(&v).copied().unwrap_or(false) {
                let e = elem_of_type(m.value_type(v)).ok_or("broadcast of a non-scalar")?;
                let b = m.create_op(
                    OpSpec::new("loop.broadcast")
                        .operands([v])
                        .results([Type::Vector(w, e)]),
                );
                m.insert_op_before(body, op, b);
                let bv = m.result(b);
                m.op_mut(op).operands[i] = bv;
            }
        }
        match d.name.as_str() {
            "loop.load" => m.op_mut(op).name = "loop.vload".into(),
            "loop.store" => m.op_mut(op).name = "loop.vstore".into(),
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
pub fn vectorize(m: &Module, params: &LoopParams) -> Result<(Module, usize), String> {
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

/// The `unroll` pass: repeats the body of innermost loops `factor` times.
pub fn unroll(m: &Module, factor: usize) -> Result<(Module, usize), String> {
    crate::require_valid(m, "unroll")?;
    let mut out = m.clone();
    let mut count = 0;
    if factor < 2 {
        return Ok((out, 0));
    }
    for l in innermost_loops(&out) {
        let mut info = ForLoop::of(&out, l)?;
        if info.trip_count() % factor as i64 != 0 || info.trip_count() < factor as i64 {
            continue;
        }
        let body = body_of(&out, l);
        let iv = out.block(body).args[0];
        let ops = out.block(body).ops.clone();
        for u in 1..factor {
            let shifted = out.append_op(
                body,
                OpSpec::new("loop.apply")
                    .operands([iv])
                    .results([Type::Index])
                    .attr(
                        "map",
                        Attribute::AffineMap(AffineMap {
                            num_dims: 1,
                            results: vec![AffineExpr::linear([(0, 1)], u as i64 * info.step)],
                        }),
                    ),
            );
            let mut map: HashMap<ValueId, ValueId> = HashMap::from([(iv, out.result(shifted))]);
            for &op in &ops {
                let d = out.op(op).clone();
                let mut spec = OpSpec::new(d.name.clone())
                    .operands(d.operands.iter().map(|v| map.get(v).copied().unwrap_or(*v)))
                    .results(d.results.iter().map(|&r| out.value_type(r).clone()));
                spec.attrs = d.attrs.clone();
                let new = out.append_op(body, spec);
                for (&old, &newv) in d.results.iter().zip(out.results(new).to_vec().iter()) {
                    map.insert(old, newv);
                }
            }
        }
        info.step *= factor as i64;
        set_loop(&mut out, l, info);
        count += 1;
    }
    Ok((out, count))
}
