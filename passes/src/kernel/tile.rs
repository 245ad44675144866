//! `tile`: chooses each kernel's schedule (a [`Schedule`] on the `kernel.generic`,
//! materialized by `lower-to-loops`) from the target's [`LoopParams`].
//!
//! **Tiling policy**, per kernel:
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
//! **Matrix products** on targets that take them whole (`LoopParams::contract`: CPUs) get a
//! `contract` schedule instead: the product's rows, columns and reduction are left to the
//! back end's `loop.contract` (which packs and blocks them for the registers and caches),
//! and the grid splits batch dimensions, then rows, then columns, into a few large
//! workgroups per thread, each a whole number of micro-tiles where the extents allow.

use crate::loops::params::{lanes, LoopParams};
use strata_ir::kernel::contraction::{contraction, Contraction};
use strata_ir::kernel::{Generic, IteratorKind, Schedule};
use strata_ir::ops;
use strata_ir::{Module, OpId, ValueId};

fn elem_bytes_of(m: &Module, v: ValueId) -> usize {
    m.tensor_type(v)
        .map(|t| t.elem.size_bytes().max(1))
        .unwrap_or(4)
}

/// Chooses the schedule of `kernel.generic` op `op` for `params` (see the module docs).
pub fn choose_schedule(
    m: &Module,
    op: OpId,
    params: &LoopParams,
) -> Result<Schedule, crate::pass::PassError> {
    let g = Generic::of(m, op)?;
    if params.contract {
        if let Some(c) = contraction(m, op) {
            let s = contract_schedule(&g, &c, params);
            s.check(&g)?;
            return Ok(s);
        }
    }
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
        contract: None,
    };
    s.check(&g)?;
    Ok(s)
}

/// Products smaller than this many multiply-adds run as one workgroup: splitting them
/// costs more in dispatch and packing than the threads give back.
const CONTRACT_MIN_SPLIT: usize = 1 << 18;

/// Workgroups per thread for a contraction: few, so that each packs its operands once
/// for much work, but more than one, so uneven shares still balance.
const CONTRACT_WORKGROUPS_PER_THREAD: usize = 4;

/// Rows and columns a contraction workgroup keeps at least (a few micro-tiles' worth).
const CONTRACT_MIN_ROWS: usize = 16;
const CONTRACT_MIN_COLUMNS: usize = 64;

/// The schedule of a contraction taken whole by `loop.contract`.
fn contract_schedule(g: &Generic, c: &Contraction, params: &LoopParams) -> Schedule {
    let n = g.domain.len();
    let [i, j, _] = c.dims;
    let mut loop_order: Vec<usize> = (0..n)
        .filter(|&k| g.iterators[k] == IteratorKind::Parallel && k != j)
        .collect();
    loop_order.extend((0..n).filter(|&k| g.iterators[k] == IteratorKind::Reduction));
    loop_order.push(j);
    let work: usize = g.domain.iter().product();
    let threads = params.threads.max(1);
    let target = if work < CONTRACT_MIN_SPLIT {
        1
    } else {
        threads * CONTRACT_WORKGROUPS_PER_THREAD
    };
    let mut grid_tiles = vec![0usize; n];
    let mut workgroups = 1usize;
    let mut dims = 0;
    // Batch dimensions first (outermost), then rows, then columns.
    let order: Vec<usize> = (0..n)
        .filter(|&k| g.iterators[k] == IteratorKind::Parallel && k != i && k != j)
        .chain([i, j])
        .collect();
    for k in order {
        if dims == 3 || workgroups >= target {
            break;
        }
        let extent = g.domain[k];
        let min_tile = match k {
            _ if k == i => CONTRACT_MIN_ROWS,
            _ if k == j => CONTRACT_MIN_COLUMNS,
            _ => 1,
        };
        let want = (target / workgroups).min(extent);
        let count = (2..=want)
            .rev()
            .find(|&c| extent.is_multiple_of(c) && extent / c >= min_tile)
            .unwrap_or(1);
        if count > 1 {
            grid_tiles[k] = extent / count;
            workgroups *= count;
            dims += 1;
        }
    }
    Schedule {
        grid_tiles,
        cache_tiles: vec![0; n],
        loop_order,
        contract: Some(c.dims),
    }
}

/// The `tile` pass: gives every `kernel.generic` its schedule for `params`.
pub fn tile(m: &Module, params: &LoopParams) -> Result<Module, crate::pass::PassError> {
    crate::require_valid(m, "tile")?;
    let mut out = m.clone();
    let generics: Vec<OpId> = out
        .functions()
        .flat_map(|f| out.block(f.entry_block(&out)).ops.clone())
        .filter(|&op| out.op(op).name == ops::KERNEL_GENERIC)
        .collect();
    for op in generics {
        let s = choose_schedule(&out, op, params)?;
        for (k, v) in s.attrs() {
            out.op_mut(op).attrs.insert(k.into(), v);
        }
    }
    Ok(out)
}
