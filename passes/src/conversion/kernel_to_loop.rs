//! Lowering `kernel.generic` to `loop.kernel`s over buffers, following each kernel's
//! [`Schedule`] (the untiled one when the `tile` pass has not run).
//!
//! Each kernel becomes a module-level `loop.kernel` whose arguments are its inputs' and
//! results' buffers, and the function calls it with `loop.dispatch`. Inside the kernel:
//! grid loops over workgroup tiles; for kernels with reductions, a nest storing the initial
//! values of the workgroup's results; then the cache-tile and point loops, whose body loads
//! each input at its indexing map, loads each result's running value (reductions) or takes
//! its initial value (all-parallel kernels), runs the scalar body and stores what it yields.

use std::collections::HashMap;
use strata_ir::kernel::contraction::{contraction, Contraction};
use strata_ir::kernel::{ContractPlan, Generic, IteratorKind, Schedule};
use strata_ir::loops::{Contract, ForLoop, LoopKind};
use strata_ir::module::BlockId;
use strata_ir::ops;
use strata_ir::{
    AffineExpr, AffineMap, Attribute, ElementType, Module, OpId, OpSpec, Tensor, Type, ValueId,
};

/// Lowers every `kernel.generic` of every function to a `loop.kernel` and a `loop.dispatch`.
pub fn lower_kernels_to_loops(m: &Module) -> Result<Module, crate::pass::PassError> {
    let mut out = m.clone();
    lower_kernels_to_loops_in_place(&mut out)?;
    Ok(out)
}

/// [`lower_kernels_to_loops`] on the module itself: a weight packed for its kernel
/// replaces the original, which is freed at once when nothing else shares it (so packing
/// a model's weights never holds two copies of all of them).
pub fn lower_kernels_to_loops_in_place(out: &mut Module) -> Result<(), crate::pass::PassError> {
    crate::require_valid(out, "lower-to-loops")?;
    let funcs: Vec<_> = out.functions().collect();
    let mut counter = 0usize;
    for f in funcs {
        let block = f.entry_block(out);
        let fname = f.name(out).to_string();
        let generics: Vec<OpId> = out
            .block(block)
            .ops
            .iter()
            .copied()
            .filter(|&op| out.op(op).name == ops::KERNEL_GENERIC)
            .collect();
        for op in generics {
            let name = format!("{fname}_k{counter}");
            counter += 1;
            let packed = build_kernel(out, block, op, &name)
                .map_err(|e| format!("{}: {e}", strata_ir::verify::op_location(out, op)))?;
            let mut d = out.op(op).clone();
            let mut replaced = Vec::new();
            for &(x, v) in &packed {
                replaced.push(d.operands[x]);
                d.operands[x] = v;
            }
            let result_types: Vec<Type> = d
                .results
                .iter()
                .map(|&r| out.value_type(r).clone())
                .collect();
            let call = out.create_op(
                OpSpec::new(ops::LOOP_DISPATCH)
                    .operands(d.operands.iter().copied())
                    .results(result_types)
                    .attr("kernel", Attribute::String(name))
                    .loc(d.loc.clone()),
            );
            out.insert_op_before(block, op, call);
            let new_results = out.results(call).to_vec();
            for (&old, &new) in d.results.iter().zip(&new_results) {
                out.replace_all_uses(old, new);
            }
            out.erase_op(op);
            // Weights now stored packed are dropped when nothing else reads them.
            for v in replaced {
                let used = out
                    .block(block)
                    .ops
                    .iter()
                    .any(|&o| out.op(o).operands.contains(&v));
                if let (false, strata_ir::module::ValueDef::OpResult { op: def, .. }) =
                    (used, out.value(v).def)
                {
                    out.discard_op(def);
                }
            }
        }
    }
    Ok(())
}

/// A loop over `0..upper` in steps of one.
fn simple(upper: usize, kind: LoopKind) -> ForLoop {
    ForLoop {
        lower: 0,
        upper: upper as i64,
        step: 1,
        kind,
        grid: None,
    }
}

/// One loop per parallel dimension `keep` accepts, over its workgroup extent, nested in
/// `loop_order` inside `block`; returns the innermost body and the contributions with
/// the new induction variables.
fn parallel_nest(
    m: &mut Module,
    mut block: BlockId,
    g: &Generic,
    schedule: &Schedule,
    contrib: &Contrib,
    keep: impl Fn(usize) -> bool,
) -> (BlockId, Contrib) {
    let mut contrib = contrib.clone();
    for &dim in &schedule.loop_order {
        if g.iterators[dim] == IteratorKind::Parallel && keep(dim) {
            let l = simple(schedule.workgroup_extent(g, dim), LoopKind::Parallel);
            let (_, body, iv) = add_for(m, block, l);
            contrib[dim].push((iv, 1));
            block = body;
        }
    }
    (block, contrib)
}

/// Appends `loop.for` to `block`; returns its body and induction variable.
pub fn add_for(m: &mut Module, block: BlockId, l: ForLoop) -> (OpId, BlockId, ValueId) {
    let region = m.new_region();
    let body = m.append_block(region, &[Type::Index]);
    let mut spec = OpSpec::new(ops::LOOP_FOR);
    for (k, v) in l.attrs() {
        spec = spec.attr(k, v);
    }
    spec.regions = vec![region];
    let op = m.append_op(block, spec);
    let iv = m.block(body).args[0];
    (op, body, iv)
}

/// Each domain dimension as a sum of scaled induction variables.
type Contrib = Vec<Vec<(ValueId, i64)>>;

/// The index value of `e` (over domain dimensions): an induction variable itself when the
/// expression is one, else a `loop.apply`.
fn index_value(m: &mut Module, block: BlockId, e: &AffineExpr, contrib: &Contrib) -> ValueId {
    let mut operands: Vec<ValueId> = Vec::new();
    let mut terms: Vec<(u32, i64)> = Vec::new();
    for &(d, c) in &e.terms {
        for &(iv, scale) in &contrib[d as usize] {
            let k = match operands.iter().position(|&o| o == iv) {
                Some(k) => k,
                None => {
                    operands.push(iv);
                    operands.len() - 1
                }
            };
            terms.push((k as u32, c * scale));
        }
    }
    let expr = AffineExpr::linear(terms, e.constant);
    if expr.constant == 0 && expr.terms.len() == 1 && expr.terms[0].1 == 1 {
        return operands[expr.terms[0].0 as usize];
    }
    let map = AffineMap {
        num_dims: operands.len() as u32,
        results: vec![expr],
    };
    let op = m.append_op(
        block,
        OpSpec::new(ops::LOOP_APPLY)
            .operands(operands)
            .results([Type::Index])
            .attr("map", Attribute::AffineMap(map)),
    );
    m.result(op)
}

fn indices(m: &mut Module, block: BlockId, map: &AffineMap, contrib: &Contrib) -> Vec<ValueId> {
    map.results
        .iter()
        .map(|e| index_value(m, block, e, contrib))
        .collect()
}

fn constant(m: &mut Module, block: BlockId, value: f64, elem: ElementType) -> ValueId {
    let attr = if elem.is_float() {
        Attribute::Float(value, elem)
    } else if elem == ElementType::Bool {
        Attribute::Bool(value != 0.0)
    } else {
        Attribute::Int(value as i64)
    };
    let op = m.append_op(
        block,
        OpSpec::new(ops::KERNEL_CONSTANT)
            .results([Type::Scalar(elem)])
            .attr("value", attr),
    );
    m.result(op)
}

fn cast_index(m: &mut Module, block: BlockId, v: ValueId, to: Type) -> ValueId {
    let op = m.append_op(
        block,
        OpSpec::new(ops::LOOP_INDEX_CAST)
            .operands([v])
            .results([to]),
    );
    m.result(op)
}

fn elem_of(m: &Module, v: ValueId) -> Result<ElementType, crate::pass::PassError> {
    Ok(m.tensor_type(v)?.elem)
}

/// Builds `loop.kernel @name` for `kernel.generic` op `op` (in function block `func`)
/// and appends it to the module. Returns the inputs the kernel reads packed, each with
/// the new constant (defined before `op`) the dispatch passes instead.
fn build_kernel(
    m: &mut Module,
    func: BlockId,
    op: OpId,
    name: &str,
) -> Result<Vec<(usize, ValueId)>, crate::pass::PassError> {
    let g = Generic::of(m, op)?;
    let schedule = match Schedule::of(m, op)? {
        Some(s) => s,
        None => Schedule::untiled(&g),
    };
    schedule.check(&g)?;
    let d = m.op(op).clone();
    let n_in = d.operands.len();
    let mut arg_types: Vec<Type> = d
        .operands
        .iter()
        .chain(&d.results)
        .map(|&v| m.tensor_type(v).map(|t| Type::MemRef(t.clone())))
        .collect::<Result<_, _>>()?;
    let mut packed = Vec::new();
    if let Some(plan) = &schedule.contract {
        let c = contraction(m, op)
            .ok_or("the schedule contracts a kernel that is not a contraction")?;
        for &x in &plan.prepack {
            if x != c.a && x != c.b {
                return Err(format!("prepack names input #{x}, not a factor").into());
            }
            let v = pack_constant(m, func, op, &g, &c, plan, x)?;
            arg_types[x] = Type::MemRef(m.tensor_type(v)?.clone());
            packed.push((x, v));
        }
    }
    let region = m.new_region();
    let entry = m.append_block(region, &arg_types);
    let buffers = m.block(entry).args.clone();
    let n = g.domain.len();
    let has_reduction = g.iterators.contains(&IteratorKind::Reduction);

    // Grid loops, x innermost.
    let mut contrib: Contrib = vec![Vec::new(); n];
    let mut block = entry;
    let grid_dims: Vec<usize> = (0..n).filter(|&k| schedule.grid_tiles[k] > 0).collect();
    for (i, &dim) in grid_dims.iter().enumerate() {
        let tile = schedule.grid_tiles[dim];
        let mut l = simple(g.domain[dim] / tile, LoopKind::Parallel);
        l.grid = Some((grid_dims.len() - 1 - i) as u32);
        let (_, body, iv) = add_for(m, block, l);
        contrib[dim].push((iv, tile as i64));
        block = body;
    }

    let (grid_block, grid_contrib) = (block, contrib.clone());
    let results_elems: Vec<ElementType> = d
        .results
        .iter()
        .map(|&r| elem_of(m, r))
        .collect::<Result<_, _>>()?;

    // A contraction starting from zero overwrites C instead: no pass zeroes it first.
    let reduction_length: usize = (0..n)
        .filter(|&d| g.iterators[d] == IteratorKind::Reduction)
        .map(|d| g.domain[d])
        .product();
    let overwrite = schedule.contract.is_some()
        && reduction_length > 0
        && g.inits.iter().all(|&v| v.to_bits() == 0);
    if has_reduction && !overwrite {
        let (b, init_contrib) = parallel_nest(m, block, &g, &schedule, &contrib, |_| true);
        for (r, &elem) in results_elems.iter().enumerate() {
            let c = constant(m, b, g.inits[r], elem);
            let idx = indices(m, b, &g.maps[n_in + r], &init_contrib);
            m.append_op(
                b,
                OpSpec::new(ops::LOOP_STORE)
                    .operands([c, buffers[n_in + r]].into_iter().chain(idx)),
            );
        }
    }

    // A pad moves rows; only one whose workgroups split unpadded dimensions (channels,
    // batch) takes the contiguous path, so each workgroup owns whole rows.
    let padded = strata_ir::kernel::pad::padded_copy(m, op).filter(|p| {
        grid_dims
            .iter()
            .all(|&k| p.offset[k] == 0 && p.valid[k] == (0, g.domain[k]))
    });
    if let Some(plan) = &schedule.contract {
        emit_contract(
            m, block, op, &g, &schedule, plan, &buffers, &contrib, overwrite,
        )?;
    } else if let Some(p) = padded {
        emit_padded_copy(
            m,
            block,
            &g,
            &schedule,
            &p,
            &buffers,
            &contrib,
            results_elems[0],
        );
    } else {
        emit_point_loops(
            m,
            block,
            &d,
            &g,
            &schedule,
            &buffers,
            contrib,
            has_reduction,
        )?;
    }
    // The epilogue: once per result element of the workgroup, after the reduction.
    if let Some(&region) = d.regions.get(1) {
        let (b, epi_contrib) = parallel_nest(m, grid_block, &g, &schedule, &grid_contrib, |_| true);
        let epi_block = m.region(region).blocks[0];
        emit_body(m, b, epi_block, &d, &g, &buffers, &epi_contrib, true)?;
    }
    let body = m.body();
    let mut spec = OpSpec::new(ops::LOOP_KERNEL).attr("sym_name", Attribute::String(name.into()));
    spec.regions = vec![region];
    m.append_op(body, spec);
    Ok(packed)
}

/// Where a contraction operand stored packed keeps its elements: per domain dimension,
/// the element stride of the packed buffer (its batch dimensions, then panels along the
/// row or column dimension, a step per reduction, a lane per row or column), and the
/// buffer's size.
struct PackedLayout {
    /// The operand's role: 0 for A (panels of rows), 1 for B (panels of columns).
    role: usize,
    /// The operand's batch dimensions (domain order) and their extents.
    batch: Vec<usize>,
    /// The dimension cut into panels, its extent padded to whole panels, the panel width.
    panel_dim: usize,
    padded: usize,
    width: usize,
    /// The reduction length.
    k: usize,
}

impl PackedLayout {
    fn new(g: &Generic, c: &Contraction, plan: &ContractPlan, x: usize) -> PackedLayout {
        let role = if x == c.a { 0 } else { 1 };
        let strides = &c.strides[role];
        // A constant A has one row dimension (`contraction` takes no outer rows then).
        let panel_dim = if role == 0 { c.rows[0] } else { c.cols[0] };
        let width = plan.micro_tile[role];
        let batch = (0..g.domain.len())
            .filter(|&d| {
                g.iterators[d] == IteratorKind::Parallel
                    && !c.rows.contains(&d)
                    && !c.cols.contains(&d)
                    && strides[d] > 0
            })
            .collect();
        PackedLayout {
            role,
            batch,
            panel_dim,
            padded: g.domain[panel_dim].div_ceil(width) * width,
            width,
            k: c.reductions.iter().map(|&l| g.domain[l]).product(),
        }
    }

    /// The packed buffer's element stride along each domain dimension (0 where it does
    /// not move): what the kernel's offset is made of. Along the panel dimension it is
    /// `k`: tiles start on panel boundaries, where `(i / w)·k·w = i·k`.
    fn strides(&self, g: &Generic) -> Vec<usize> {
        let mut out = vec![0; g.domain.len()];
        let mut inner = self.padded * self.k;
        for &d in self.batch.iter().rev() {
            out[d] = inner;
            inner *= g.domain[d];
        }
        out[self.panel_dim] = self.k;
        out
    }

    fn numel(&self, g: &Generic) -> usize {
        self.batch.iter().map(|&d| g.domain[d]).product::<usize>() * self.padded * self.k
    }
}

/// Lays out constant input `x` of contraction `op` in its micro-kernel panels
/// ([`PackedLayout`]) as a new constant before `op`, zero-padded to whole panels.
fn pack_constant(
    m: &mut Module,
    func: BlockId,
    op: OpId,
    g: &Generic,
    c: &Contraction,
    plan: &ContractPlan,
    x: usize,
) -> Result<ValueId, crate::pass::PassError> {
    // A clone shares the constant's elements (they are reference-counted), so the
    // module can change while they are read.
    let source_tensor = m
        .constant_value(m.op(op).operands[x])
        .cloned()
        .ok_or("a prepacked operand must be a constant")?;
    let layout = PackedLayout::new(g, c, plan, x);
    let numel = layout.numel(g);
    // The factors a contraction takes: f32, or 8-bit integers.
    let t = if let Some(data) = source_tensor.as_slice::<f32>() {
        Tensor::from_vec(vec![numel], pack_elements(g, c, &layout, data)?)?
    } else if let Some(data) = source_tensor.as_slice::<i8>() {
        Tensor::from_vec(vec![numel], pack_elements(g, c, &layout, data)?)?
    } else if let Some(data) = source_tensor.as_slice::<u8>() {
        Tensor::from_vec(vec![numel], pack_elements(g, c, &layout, data)?)?
    } else {
        return Err("a prepacked operand must be f32, i8 or u8".into());
    };
    Ok(m.constant_before(func, op, t))
}

/// `data` (a constant factor's elements) in `layout`'s panels.
fn pack_elements<T: Copy + Default>(
    g: &Generic,
    c: &Contraction,
    layout: &PackedLayout,
    data: &[T],
) -> Result<Vec<T>, crate::pass::PassError> {
    let strides = &c.strides[layout.role];
    let reductions: Vec<[usize; 3]> = c
        .reductions
        .iter()
        .map(|&l| [g.domain[l], strides[l], 0])
        .collect();
    let k_offsets = Contract::offsets(&reductions, 1);
    let numel = layout.numel(g);
    let mut packed = vec![T::default(); numel];
    let batch_extents: Vec<usize> = layout.batch.iter().map(|&d| g.domain[d]).collect();
    let batches: usize = batch_extents.iter().product();
    let extent = g.domain[layout.panel_dim];
    let (w, k) = (layout.width, layout.k);
    for b in 0..batches {
        // The batch's source offset: its multi-index against the operand's strides.
        let mut rest = b;
        let mut src_batch = 0;
        for (i, &d) in layout.batch.iter().enumerate().rev() {
            src_batch += (rest % batch_extents[i]) * strides[d];
            rest /= batch_extents[i];
        }
        let dst_batch = b * layout.padded * k;
        let stride = strides[layout.panel_dim];
        // Every element read is checked once here, so the loops below index freely.
        let last =
            src_batch + extent.saturating_sub(1) * stride + k_offsets.iter().max().unwrap_or(&0);
        if extent > 0 && last >= data.len() {
            return Err("a packed element outside its constant".into());
        }
        if stride == 1 {
            // Columns adjacent in the constant (a weight matrix's rows): walk them in
            // order for each step, reading and writing consecutive elements.
            for (l, &ko) in k_offsets.iter().enumerate() {
                let src = &data[src_batch + ko..src_batch + ko + extent];
                for (panel, chunk) in src.chunks(w).enumerate() {
                    let dst = dst_batch + panel * k * w + l * w;
                    packed[dst..dst + chunk.len()].copy_from_slice(chunk);
                }
            }
        } else {
            for r in 0..extent {
                let src_row = src_batch + r * stride;
                let dst_row = dst_batch + (r / w) * k * w + r % w;
                for (l, &ko) in k_offsets.iter().enumerate() {
                    packed[dst_row + l * w] = data[src_row + ko];
                }
            }
        }
    }
    Ok(packed)
}

/// A constant pad as contiguous moves: the interior copied from the input at its
/// offset, then the border filled one slab per padded side (dimensions before the slab's
/// own over their interior, those after it whole), so each element is written once and
/// the innermost loops load and store consecutive elements (vectorized later).
#[allow(clippy::too_many_arguments)]
fn emit_padded_copy(
    m: &mut Module,
    block: BlockId,
    g: &Generic,
    schedule: &Schedule,
    p: &strata_ir::kernel::pad::PaddedCopy,
    buffers: &[ValueId],
    contrib: &Contrib,
    elem: ElementType,
) {
    let n = g.domain.len();
    let (input, output) = (buffers[0], buffers[n + 1]);
    let gridded = |k: usize| schedule.grid_tiles[k] > 0;
    // Ranges are workgroup-local along grid dimensions (which the filter keeps unpadded).
    let whole = |k: usize| (0, schedule.workgroup_extent(g, k));
    let interior = |k: usize| if gridded(k) { whole(k) } else { p.valid[k] };
    let nest = |m: &mut Module, ranges: &[(usize, usize)]| -> (BlockId, Contrib) {
        let mut contrib = contrib.clone();
        let mut b = block;
        for &k in &schedule.loop_order {
            let l = ForLoop {
                lower: ranges[k].0 as i64,
                upper: ranges[k].1 as i64,
                step: 1,
                kind: LoopKind::Parallel,
                grid: None,
            };
            let (_, body, iv) = add_for(m, b, l);
            contrib[k].push((iv, 1));
            b = body;
        }
        (b, contrib)
    };
    let identity = AffineMap::identity(n as u32);
    let ranges: Vec<(usize, usize)> = (0..n).map(interior).collect();
    if ranges.iter().all(|&(a, b)| a < b) {
        let (b, c) = nest(m, &ranges);
        let source = AffineMap {
            num_dims: n as u32,
            results: (0..n)
                .map(|k| AffineExpr::linear([(k as u32, 1)], -p.offset[k]))
                .collect(),
        };
        let at = indices(m, b, &source, &c);
        let load = m.append_op(
            b,
            OpSpec::new(ops::LOOP_LOAD)
                .operands(std::iter::once(input).chain(at))
                .results([Type::Scalar(elem)]),
        );
        let v = m.result(load);
        let to = indices(m, b, &identity, &c);
        m.append_op(
            b,
            OpSpec::new(ops::LOOP_STORE).operands([v, output].into_iter().chain(to)),
        );
    }
    let Some(fill) = &p.fill else {
        return;
    };
    for k in 0..n {
        let (begin, end) = p.valid[k];
        for side in [(0, begin), (end, g.domain[k])] {
            if side.0 >= side.1 {
                continue;
            }
            let ranges: Vec<(usize, usize)> = (0..n)
                .map(|e| match e.cmp(&k) {
                    std::cmp::Ordering::Less => interior(e),
                    std::cmp::Ordering::Equal => side,
                    std::cmp::Ordering::Greater => whole(e),
                })
                .collect();
            if ranges.iter().any(|&(a, b)| a >= b) {
                continue;
            }
            let (b, c) = nest(m, &ranges);
            let value = m.append_op(
                b,
                OpSpec::new(ops::KERNEL_CONSTANT)
                    .results([Type::Scalar(elem)])
                    .attr("value", fill.clone()),
            );
            let v = m.result(value);
            let to = indices(m, b, &identity, &c);
            m.append_op(
                b,
                OpSpec::new(ops::LOOP_STORE).operands([v, output].into_iter().chain(to)),
            );
        }
    }
}

/// The cache-tile and point loops of a kernel, with its body inside.
#[allow(clippy::too_many_arguments)]
fn emit_point_loops(
    m: &mut Module,
    mut block: BlockId,
    d: &strata_ir::module::OpData,
    g: &Generic,
    schedule: &Schedule,
    buffers: &[ValueId],
    mut contrib: Contrib,
    has_reduction: bool,
) -> Result<(), crate::pass::PassError> {
    let kind = |dim: usize| match g.iterators[dim] {
        IteratorKind::Parallel => LoopKind::Parallel,
        IteratorKind::Reduction => LoopKind::Reduction,
    };
    // Cache-tile loops, then point loops.
    for &dim in &schedule.loop_order {
        let tile = schedule.cache_tiles[dim];
        if let Some(count) = schedule.workgroup_extent(g, dim).checked_div(tile) {
            let (_, body, iv) = add_for(m, block, simple(count, kind(dim)));
            contrib[dim].push((iv, tile as i64));
            block = body;
        }
    }
    for &dim in &schedule.loop_order {
        let extent = match schedule.cache_tiles[dim] {
            0 => schedule.workgroup_extent(g, dim),
            t => t,
        };
        let (_, body, iv) = add_for(m, block, simple(extent, kind(dim)));
        contrib[dim].push((iv, 1));
        block = body;
    }

    // The body: loads, scalar ops, stores.
    let src_block = m.region(d.regions[0]).blocks[0];
    emit_body(m, block, src_block, d, g, buffers, &contrib, has_reduction)
}

/// A contraction's batch loops and its `loop.contract`: the rows, columns and
/// reductions become the op's tile, at offsets from the workgroup's grid position and the
/// batch indices. `overwrite`: the product replaces C (no init nest zeroed it).
#[allow(clippy::too_many_arguments)]
fn emit_contract(
    m: &mut Module,
    block: BlockId,
    op: OpId,
    g: &Generic,
    schedule: &Schedule,
    plan: &ContractPlan,
    buffers: &[ValueId],
    contrib: &Contrib,
    overwrite: bool,
) -> Result<(), crate::pass::PassError> {
    let c =
        contraction(m, op).ok_or("the schedule contracts a kernel that is not a contraction")?;
    if c.cols[1..].iter().any(|&d| schedule.grid_tiles[d] > 0) {
        return Err("a contraction's grid may split only its outermost column dimension".into());
    }
    if c.rows[1..].iter().any(|&d| schedule.grid_tiles[d] > 0) {
        return Err("a contraction's grid may split only its outermost row dimension".into());
    }
    let (block, contrib) = parallel_nest(m, block, g, schedule, contrib, |dim| {
        !c.rows.contains(&dim) && !c.cols.contains(&dim)
    });
    // Each operand's element offset: its strides (a packed one's, for those stored
    // packed) applied to the batch indices and the tile's first row and column.
    let mut offsets = Vec::new();
    let mut packed = [false; 2];
    for (role, strides) in c.strides.iter().enumerate() {
        let x = [c.a, c.b].get(role).copied();
        let packed_strides = x.filter(|x| plan.prepack.contains(x)).map(|x| {
            packed[role] = true;
            PackedLayout::new(g, &c, plan, x).strides(g)
        });
        let strides = packed_strides.as_ref().unwrap_or(strides);
        let e = AffineExpr::linear(
            strides
                .iter()
                .enumerate()
                .map(|(dim, &s)| (dim as u32, s as i64)),
            0,
        );
        offsets.push(index_value_or_zero(m, block, &e, &contrib));
    }
    let [sa, sb, sc] = &c.strides;
    let k_dims: Vec<[usize; 3]> = c
        .reductions
        .iter()
        .map(|&l| [g.domain[l], sa[l], sb[l]])
        .collect();
    let n_dims: Vec<[usize; 3]> = c
        .cols
        .iter()
        .map(|&j| [schedule.workgroup_extent(g, j), sb[j], sc[j]])
        .collect();
    let m_dims: Vec<[usize; 3]> = c
        .rows
        .iter()
        .map(|&i| [schedule.workgroup_extent(g, i), sa[i], sc[i]])
        .collect();
    let mut shape = Contract::new(&m_dims, &k_dims, &n_dims);
    shape.micro_tile = Some(plan.micro_tile);
    shape.packed = packed;
    shape.accumulate = !overwrite;
    let n_in = buffers.len() - 1;
    let mut spec = OpSpec::new(ops::LOOP_CONTRACT).operands(
        [buffers[c.a], buffers[c.b], buffers[n_in]]
            .into_iter()
            .chain(offsets),
    );
    for (k, v) in shape.attrs() {
        spec = spec.attr(k, v);
    }
    m.append_op(block, spec);
    Ok(())
}

/// [`index_value`], or a constant 0 index for an expression without terms.
fn index_value_or_zero(
    m: &mut Module,
    block: BlockId,
    e: &AffineExpr,
    contrib: &Contrib,
) -> ValueId {
    let has_terms = e
        .terms
        .iter()
        .any(|&(d, _)| !contrib[d as usize].is_empty());
    if has_terms {
        return index_value(m, block, e, contrib);
    }
    let op = m.append_op(
        block,
        OpSpec::new(ops::LOOP_APPLY).results([Type::Index]).attr(
            "map",
            Attribute::AffineMap(AffineMap {
                num_dims: 0,
                results: vec![AffineExpr::linear([], e.constant)],
            }),
        ),
    );
    m.result(op)
}

/// Emits a kernel body (or epilogue) `src_block` into `block`: loads of the inputs it
/// uses, each result's running value (a load when `load_results`, else its initial
/// value), the scalar ops, and stores of what it yields.
#[allow(clippy::too_many_arguments)]
fn emit_body(
    m: &mut Module,
    block: BlockId,
    src_block: BlockId,
    d: &strata_ir::module::OpData,
    g: &Generic,
    buffers: &[ValueId],
    contrib: &Contrib,
    load_results: bool,
) -> Result<(), crate::pass::PassError> {
    let n_in = d.operands.len();
    let mut map: HashMap<ValueId, ValueId> = HashMap::new();
    let src_args = m.block(src_block).args.clone();
    let src_ops = m.block(src_block).ops.clone();
    let used = |m: &Module, v: ValueId| src_ops.iter().any(|&o| m.op(o).operands.contains(&v));
    for i in 0..n_in {
        if !used(m, src_args[i]) {
            continue;
        }
        let idx = indices(m, block, &g.maps[i], contrib);
        let elem = elem_of(m, d.operands[i])?;
        let load = m.append_op(
            block,
            OpSpec::new(ops::LOOP_LOAD)
                .operands([buffers[i]].into_iter().chain(idx))
                .results([Type::Scalar(elem)]),
        );
        map.insert(src_args[i], m.result(load));
    }
    let mut out_indices = Vec::new();
    for (r, &res) in d.results.iter().enumerate() {
        let elem = elem_of(m, res)?;
        let idx = indices(m, block, &g.maps[n_in + r], contrib);
        let current = if load_results {
            let load = m.append_op(
                block,
                OpSpec::new(ops::LOOP_LOAD)
                    .operands([buffers[n_in + r]].into_iter().chain(idx.iter().copied()))
                    .results([Type::Scalar(elem)]),
            );
            m.result(load)
        } else {
            constant(m, block, g.inits[r], elem)
        };
        map.insert(src_args[n_in + r], current);
        out_indices.push(idx);
    }
    let body_ops = m.block(src_block).ops.clone();
    for bop in body_ops {
        let bd = m.op(bop).clone();
        let operands = bd
            .operands
            .iter()
            .map(|v| {
                map.get(v)
                    .copied()
                    .ok_or_else(|| format!("'{}' in the body uses an outside value", bd.name))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if bd.name == ops::KERNEL_INDEX || bd.name == ops::KERNEL_EXTRACT {
            let v = match (bd.name, bd.attrs.get("dim"), bd.attrs.get("operand")) {
                (ops::KERNEL_INDEX, Some(Attribute::Int(dim)), _) => {
                    let i = index_value(m, block, &AffineExpr::dim(*dim as u32), contrib);
                    cast_index(m, block, i, Type::Scalar(ElementType::I64))
                }
                (ops::KERNEL_EXTRACT, _, Some(Attribute::Int(k))) => {
                    let idx: Vec<ValueId> = operands
                        .iter()
                        .map(|&v| cast_index(m, block, v, Type::Index))
                        .collect();
                    let load = m.append_op(
                        block,
                        OpSpec::new(ops::LOOP_LOAD)
                            .operands([buffers[*k as usize]].into_iter().chain(idx))
                            .results([m.value_type(bd.results[0]).clone()]),
                    );
                    m.result(load)
                }
                _ => return Err(format!("'{}' without its attribute", bd.name).into()),
            };
            map.insert(bd.results[0], v);
            continue;
        }
        if bd.name == ops::KERNEL_YIELD {
            for (r, (&v, idx)) in operands.iter().zip(&out_indices).enumerate() {
                m.append_op(
                    block,
                    OpSpec::new(ops::LOOP_STORE).operands(
                        [v, buffers[n_in + r]]
                            .into_iter()
                            .chain(idx.iter().copied()),
                    ),
                );
            }
            break;
        }
        let mut spec = OpSpec::new(bd.name)
            .operands(operands)
            .results(bd.results.iter().map(|&r| m.value_type(r).clone()));
        spec.attrs = bd.attrs.clone();
        let new = m.append_op(block, spec);
        for (&old, &newv) in bd.results.iter().zip(m.results(new).to_vec().iter()) {
            map.insert(old, newv);
        }
    }
    Ok(())
}
