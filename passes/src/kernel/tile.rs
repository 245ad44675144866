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
//!    loops); a dimension whose divisors don't fit stays whole, and so do a pad's padded
//!    dimensions (it copies whole rows of them).
//! 4. *Cache tile*: the first reduction dimension is split so that one tile of every input
//!    (its footprint over the workgroup's extents) fits half the fast memory.
//!
//! **Matrix products** on targets that take them whole (`LoopParams::contracts`: f32 ones
//! on CPUs and bf16 systolic machines, 8-bit integer ones on int8 systolic machines, whose
//! i32 constant factors [`crate::kernel::narrow`] first stores as 8-bit again) get a
//! `contract` schedule instead: the product's rows, columns and reduction are left to the
//! back end's `loop.contract` (which packs and blocks them for the registers and caches),
//! and the grid splits batch dimensions, then columns, then rows, into a few large
//! workgroups per thread.

use crate::loops::params::{lanes, LoopParams};
use strata_ir::kernel::contraction::{contraction, Contraction};
use strata_ir::kernel::{ContractPlan, Generic, IteratorKind, Schedule};
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
    if let Some(c) = contraction(m, op).filter(|c| params.contracts(c.elem)) {
        let s = contract_schedule(m, op, &g, &c, params);
        s.check(&g)?;
        return Ok(s);
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
    // The other parallel dimensions from the largest smallest stride in: in domain
    // order when every operand is laid out alike, and with a transpose's read-side
    // inner dimension inside (rows of an NHWC image, then channels, then the vector of
    // NCHW columns: each row's pixels stay in cache while every channel is written out).
    let smallest_stride: Vec<usize> = {
        let mut out = vec![usize::MAX; n];
        for (i, &v) in d.operands.iter().chain(&d.results).enumerate() {
            let Ok(t) = m.tensor_type(v) else { continue };
            if let Some(st) = strata_ir::kernel::contraction::element_strides(&g.maps[i], t, n) {
                for k in 0..n {
                    if st[k] > 0 {
                        out[k] = out[k].min(st[k]);
                    }
                }
            }
        }
        out
    };
    let mut outer: Vec<usize> = (0..n)
        .filter(|&k| parallel(k) && Some(k) != vector_dim)
        .collect();
    outer.sort_by_key(|&k| std::cmp::Reverse(smallest_stride[k]));
    let mut loop_order = outer.clone();
    loop_order.extend((0..n).filter(|&k| !parallel(k)));
    loop_order.extend(vector_dim);

    let widest = d
        .operands
        .iter()
        .chain(&d.results)
        .map(|&v| elem_bytes_of(m, v))
        .max()
        .unwrap_or(4);
    // A pad's index tables are read once per row, not as vectors: its vectors are of
    // its elements.
    let pad = strata_ir::kernel::pad::padded_copy(m, op);
    let width = match pad {
        Some(_) => lanes(params, elem_bytes_of(m, d.results[0])),
        None => lanes(params, widest),
    };
    let mut grid_tiles = vec![0usize; n];
    let points: usize = (0..n)
        .filter(|&k| parallel(k))
        .map(|k| g.domain[k])
        .product();
    let mut workgroups = 1usize;
    let mut grid_dims = 0;
    // A pad copies whole rows of its padded dimensions: its grid splits only the others
    // (channels, batch), so that it keeps its contiguous path.
    let splittable = |k: usize| {
        parallel(k)
            && pad
                .as_ref()
                .is_none_or(|p| p.offset[k] == 0 && p.valid[k] == (0, g.domain[k]))
    };
    // Split outer loops first, so that a workgroup's share is what its loops sweep.
    let grid_order: Vec<usize> = outer.iter().copied().chain(vector_dim).collect();
    for k in grid_order.into_iter().filter(|&k| splittable(k)) {
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
    // Tiling the reduction bounds what a workgroup stages in its own memory (a GPU's
    // shared memory); where caches do that job, it only made every reduction tile sweep
    // the workgroup's results again (a max-pool's window rows: three passes over the
    // output).
    let staged = params.stage_bytes > 0;
    if let Some(k) = (0..n).find(|&k| !parallel(k) && staged) {
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
const CONTRACT_WORKGROUPS_PER_THREAD: usize = 2;

/// Rows and columns a contraction workgroup keeps at least (a few micro-tiles' worth).
const CONTRACT_MIN_ROWS: usize = 16;
const CONTRACT_MIN_COLUMNS: usize = 64;

/// Whether `v` is a `graph.constant`'s result (weights that can be laid out now).
fn is_constant(m: &Module, v: ValueId) -> bool {
    m.constant_value(v).is_some()
}

/// The schedule of a contraction taken whole by `loop.contract`.
///
/// - *Register tile*: the target's ([`LoopParams::micro_tile`]) for the product's width,
///   one row shorter where a workgroup's rows fill those tiles poorly.
/// - *Packing*: a constant A (a convolution's weights) is stored in panels of the tile's
///   rows, a constant B (a layer's weights, one column dimension) in panels of its
///   columns, so the micro-kernel reads them as they are, with no packing at run time.
///   Where the target wants weights row-major (`LoopParams::weights_row_major`), B is
///   one panel as wide as its columns: `[k][n]`, whatever the model's layout.
/// - *Grid*: batch dimensions first, then the outermost column dimension (splitting an
///   inner one would leave a workgroup's columns strided in C), then the outermost row
///   dimension (likewise for its rows); a few
///   workgroups per thread. Columns before rows: every workgroup packs the B columns it
///   reads, so splitting rows packs the same columns again in each, while A's rows are
///   packed once per column block anyway. A packed operand's split is a whole number of
///   its panels.
fn contract_schedule(
    m: &Module,
    op: OpId,
    g: &Generic,
    c: &Contraction,
    params: &LoopParams,
) -> Schedule {
    let n = g.domain.len();
    let last_col = *c.cols.last().unwrap_or(&c.rows[0]);
    let mut loop_order: Vec<usize> = (0..n)
        .filter(|&k| g.iterators[k] == IteratorKind::Parallel && k != last_col)
        .collect();
    loop_order.extend((0..n).filter(|&k| g.iterators[k] == IteratorKind::Reduction));
    loop_order.push(last_col);
    let columns: usize = c.cols.iter().map(|&d| g.domain[d]).product();
    let operands = &m.op(op).operands;
    let pack_a = params.prepack && is_constant(m, operands[c.a]);
    let mut micro_tile = params.micro_tile(columns);
    if pack_a {
        // Packed rows come in panels; a power-of-two panel lets the grid split rows of
        // the usual (power-of-two) channel counts on panel boundaries.
        micro_tile[0] = 1 << micro_tile[0].ilog2();
    }
    let mut pack_b = params.prepack && is_constant(m, operands[c.b]) && c.cols.len() == 1;
    if params.weights_row_major && is_constant(m, operands[c.b]) && c.cols.len() == 1 {
        // One panel as wide as the columns: the packed layout is then `[k][n]`.
        micro_tile[1] = columns;
        pack_b = true;
    }
    let work: usize = g.domain.iter().product();
    let threads = params.threads.max(1);
    let target = if work < CONTRACT_MIN_SPLIT {
        1
    } else {
        // At most the target's workgroups (a systolic machine's one array: one).
        (threads * CONTRACT_WORKGROUPS_PER_THREAD).min(params.workgroups.max(1))
    };
    let mut grid_tiles = vec![0usize; n];
    let mut workgroups = 1usize;
    let mut dims = 0;
    let outer_col = c.cols[0];
    let inner_cols: usize = c.cols[1..].iter().map(|&d| g.domain[d]).product();
    let outer_row = c.rows[0];
    let inner_rows: usize = c.rows[1..].iter().map(|&d| g.domain[d]).product();
    let order: Vec<usize> = (0..n)
        .filter(|&k| {
            g.iterators[k] == IteratorKind::Parallel && !c.rows.contains(&k) && !c.cols.contains(&k)
        })
        .chain([outer_col, outer_row])
        .collect();
    for k in order {
        if dims == 3 || workgroups >= target {
            break;
        }
        let extent = g.domain[k];
        let fits = |tile: usize| match k {
            _ if k == outer_row => {
                tile * inner_rows >= CONTRACT_MIN_ROWS
                    && (!pack_a || tile.is_multiple_of(micro_tile[0]))
            }
            _ if k == outer_col => {
                tile * inner_cols >= CONTRACT_MIN_COLUMNS
                    && (!pack_b || tile.is_multiple_of(micro_tile[1]))
            }
            _ => true,
        };
        let want = (target / workgroups).min(extent);
        let count = (2..=want)
            .rev()
            .find(|&c| extent.is_multiple_of(c) && fits(extent / c))
            .unwrap_or(1);
        if count > 1 {
            grid_tiles[k] = extent / count;
            workgroups *= count;
            dims += 1;
        }
    }
    if !pack_a {
        let rows: usize = c
            .rows
            .iter()
            .map(|&d| match grid_tiles[d] {
                0 => g.domain[d],
                t => t,
            })
            .product();
        micro_tile[0] = rows_per_tile(rows, micro_tile[0]);
    }
    let prepack = [(pack_a, c.a), (pack_b, c.b)]
        .into_iter()
        .filter_map(|(p, x)| p.then_some(x))
        .collect();
    Schedule {
        grid_tiles,
        cache_tiles: vec![0; n],
        loop_order,
        contract: Some(ContractPlan {
            micro_tile,
            prepack,
        }),
    }
}

/// Rows per register tile for a workgroup of `rows` rows, at most `widest`: one fewer
/// when that leaves clearly fewer padding rows in the last tile (49 rows of a 7×7 image:
/// ten tiles of 5 rows compute 50, nine of 6 compute 54), which measured faster than the
/// taller tile's better ratio of arithmetic to loads.
fn rows_per_tile(rows: usize, widest: usize) -> usize {
    let computed = |mr: usize| rows.div_ceil(mr) * mr;
    if widest > 2 && computed(widest - 1) * 100 < computed(widest) * 95 {
        widest - 1
    } else {
        widest
    }
}

/// The `tile` pass: gives every `kernel.generic` its schedule for `params`.
pub fn tile(m: &Module, params: &LoopParams) -> Result<Module, crate::pass::PassError> {
    crate::require_valid(m, "tile")?;
    let mut out = m.clone();
    let generics: Vec<(strata_ir::module::BlockId, OpId)> = out
        .functions()
        .flat_map(|f| {
            let block = f.entry_block(&out);
            out.block(block)
                .ops
                .iter()
                .map(move |&op| (block, op))
                .collect::<Vec<_>>()
        })
        .filter(|&(_, op)| out.op(op).name == ops::KERNEL_GENERIC)
        .collect();
    for (func, op) in generics {
        if params.contract_int8 {
            // The matrix unit takes 8-bit factors: constant weights folded to i32 at
            // import are stored as 8-bit integers again.
            crate::kernel::narrow::narrow_constant_factors(&mut out, func, op);
        }
        let s = choose_schedule(&out, op, params)?;
        for (k, v) in s.attrs() {
            out.op_mut(op).attrs.insert(k.into(), v);
        }
    }
    Ok(out)
}
