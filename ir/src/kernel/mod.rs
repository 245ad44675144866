//! The `kernel` dialect: structured computations over an iteration space (MLIR's linalg
//! lesson), where fusion and tiling are decided.
//!
//! ```text
//! %r = "kernel.generic"(%a, %b) ({
//! ^bb0(%x: f32, %y: f32, %acc: f32):
//!   %p = "kernel.mul"(%x, %y) : (f32, f32) -> f32
//!   %s = "kernel.add"(%acc, %p) : (f32, f32) -> f32
//!   "kernel.yield"(%s) : (f32) -> ()
//! }) {domain = array<i64: 64, 512, 784>, iterators = ["parallel", "parallel", "reduction"],
//!     indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>,
//!                      affine_map<(d0, d1, d2) -> (d0, d1)>],
//!     inits = [0.0 : f32]} : (tensor<64x784xf32>, tensor<784x512xf32>) -> tensor<64x512xf32>
//! ```
//!
//! An optional second region, the *epilogue*, has the body's arguments and yields and
//! runs once per result element after the reduction has finished (at the points whose
//! reduction coordinates are 0), reading only inputs indexed by parallel dimensions: how a
//! contraction carries its elementwise consumers (bias, activation) in one kernel.
//!
//! Semantics: the body runs once per point of `domain` (row-major order). Its block
//! arguments are the input elements at each input's `indexing_maps` entry, then each
//! result's current value at its map (starting from `inits`, zero by default); it yields
//! each result's new value. Result maps use only parallel dimensions, so every result
//! element is written by exactly the points that differ in reduction dimensions. Scalar
//! ops in the body are the graph dialect's elementwise ops on scalars (`kernel.add`,
//! `kernel.exp`, ...), with the same table and the same per-op rounding.

pub mod approx;
pub mod composite;
pub mod contraction;
pub mod pad;
mod scalar;

use crate::affine::AffineMap;
use crate::attr::Attribute;
use crate::module::{Module, OpId};
use crate::ops;
use crate::tensor::Tensor;
use crate::types::{TensorType, Type};
use crate::verify::{DialectRegistry, OpDefinition};

pub use scalar::{eval_body, scalars_of, tensor_of, BodyContext, CompiledBody, Scalar, ScalarFn};

/// Registers the kernel dialect's ops.
pub fn register(r: &mut DialectRegistry) {
    r.register(OpDefinition {
        name: ops::KERNEL_GENERIC,
        verify: verify_generic,
        infer: None,
    });
    r.register(OpDefinition {
        name: ops::KERNEL_YIELD,
        verify: verify_yield,
        infer: None,
    });
    for name in scalar::scalar_op_names() {
        r.register(OpDefinition {
            name,
            verify: scalar::verify_scalar_op,
            infer: None,
        });
    }
}

/// How a loop dimension is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IteratorKind {
    Parallel,
    Reduction,
}

/// The structure of a `kernel.generic`, read from its attributes.
#[derive(Clone, Debug)]
pub struct Generic {
    pub domain: Vec<usize>,
    pub iterators: Vec<IteratorKind>,
    pub maps: Vec<AffineMap>,
    /// Initial value of each result (as f64; exact for every supported type's range used).
    pub inits: Vec<f64>,
}

impl Generic {
    /// Reads and checks the structural attributes of `op`.
    pub fn of(m: &Module, op: OpId) -> Result<Generic, crate::IrError> {
        let d = m.op(op);
        let domain = match d.attrs.get("domain") {
            Some(Attribute::I64Array(v)) if v.iter().all(|&x| x >= 0) => {
                v.iter().map(|&x| x as usize).collect::<Vec<_>>()
            }
            _ => return Err("'domain' must be an array<i64> of sizes".into()),
        };
        let iterators = match d.attrs.get("iterators") {
            Some(Attribute::Array(items)) => items
                .iter()
                .map(|i| match i {
                    Attribute::String(s) if s == "parallel" => Ok(IteratorKind::Parallel),
                    Attribute::String(s) if s == "reduction" => Ok(IteratorKind::Reduction),
                    _ => {
                        Err("'iterators' entries must be \"parallel\" or \"reduction\"".to_string())
                    }
                })
                .collect::<Result<Vec<_>, _>>()?,
            _ => return Err("'iterators' must be an array of strings".into()),
        };
        let maps = match d.attrs.get("indexing_maps") {
            Some(Attribute::Array(items)) => items
                .iter()
                .map(|i| match i {
                    Attribute::AffineMap(m) => Ok(m.clone()),
                    _ => Err("'indexing_maps' entries must be affine maps".to_string()),
                })
                .collect::<Result<Vec<_>, _>>()?,
            _ => return Err("'indexing_maps' must be an array of affine maps".into()),
        };
        let inits = match d.attrs.get("inits") {
            None => vec![0.0; d.results.len()],
            Some(Attribute::Array(items)) => items
                .iter()
                .map(|i| match i {
                    Attribute::Float(v, _) => Ok(*v),
                    Attribute::Int(v) => Ok(*v as f64),
                    Attribute::Bool(b) => Ok(*b as u8 as f64),
                    _ => Err("'inits' entries must be numbers".to_string()),
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => return Err("'inits' must be an array".into()),
        };
        if iterators.len() != domain.len() {
            return Err(format!(
                "{} iterators for a {}-dimensional domain",
                iterators.len(),
                domain.len()
            )
            .into());
        }
        if inits.len() != d.results.len() {
            return Err(format!("{} inits for {} results", inits.len(), d.results.len()).into());
        }
        Ok(Generic {
            domain,
            iterators,
            maps,
            inits,
        })
    }
}

/// Smallest and largest value of `e` over the box `domain`.
fn expr_range(e: &crate::affine::AffineExpr, domain: &[usize]) -> (i64, i64) {
    let (mut lo, mut hi) = (e.constant, e.constant);
    for &(d, c) in &e.terms {
        let n = domain.get(d as usize).copied().unwrap_or(0) as i64;
        let end = c * (n - 1).max(0);
        lo += end.min(0);
        hi += end.max(0);
    }
    (lo, hi)
}

fn verify_generic(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let d = m.op(op);
    let g = Generic::of(m, op)?;
    let n_in = d.operands.len();
    if g.maps.len() != n_in + d.results.len() {
        return Err(format!(
            "{} indexing maps for {} inputs and {} results",
            g.maps.len(),
            n_in,
            d.results.len()
        )
        .into());
    }
    let types: Vec<TensorType> = d
        .operands
        .iter()
        .chain(&d.results)
        .map(|&v| m.tensor_type(v).cloned())
        .collect::<Result<_, _>>()?;
    let empty = g.domain.contains(&0);
    for (i, (map, ty)) in g.maps.iter().zip(&types).enumerate() {
        if map.num_dims as usize != g.domain.len() || map.results.len() != ty.shape.rank() {
            return Err(format!(
                "indexing map #{i} {map} does not fit a {}-d domain and {ty}",
                g.domain.len()
            )
            .into());
        }
        if empty {
            continue;
        }
        for (k, e) in map.results.iter().enumerate() {
            let (lo, hi) = expr_range(e, &g.domain);
            if lo < 0 || hi >= ty.shape.dims()[k] as i64 {
                return Err(format!(
                    "indexing map #{i} reaches [{lo}, {hi}] in dimension {k} of {ty}"
                )
                .into());
            }
        }
    }
    for (r, map) in g.maps[n_in..].iter().enumerate() {
        // Each result dimension is a parallel loop dimension of its size, or constant 0
        // for a kept size-1 dimension; every parallel dimension appears exactly once.
        let dims = types[n_in + r].shape.dims();
        let mut used = vec![false; g.domain.len()];
        let ok = map
            .results
            .iter()
            .zip(dims)
            .all(|(e, &size)| match e.as_dim() {
                Some(x) => {
                    let x = x as usize;
                    let fresh = !used[x];
                    used[x] = true;
                    fresh && g.iterators[x] == IteratorKind::Parallel && g.domain[x] == size
                }
                None => e.terms.is_empty() && e.constant == 0 && size == 1,
            })
            && g.iterators
                .iter()
                .enumerate()
                .all(|(k, it)| *it == IteratorKind::Reduction || used[k]);
        if !ok {
            return Err(format!("result map #{r} must send the parallel dimensions one to one onto the result's dimensions").into());
        }
    }
    if d.regions.is_empty() || d.regions.len() > 2 {
        return Err("kernel.generic has a body and at most an epilogue".into());
    }
    let expected: Vec<Type> = types.iter().map(|t| Type::Scalar(t.elem)).collect();
    let mut blocks = Vec::new();
    for (which, &region) in ["body", "epilogue"].iter().zip(&d.regions) {
        let [block] = m.region(region).blocks.as_slice() else {
            return Err(format!("the {which} has one block").into());
        };
        let args = &m.block(*block).args;
        let got: Vec<Type> = args.iter().map(|&a| m.value_type(a).clone()).collect();
        if got != expected {
            return Err(format!("{which} arguments must be one scalar per input, then one per result, of their element types").into());
        }
        let Some(&last) = m.block(*block).ops.last() else {
            return Err(format!("the {which} must end with kernel.yield").into());
        };
        let yielded: Vec<Type> = m
            .op(last)
            .operands
            .iter()
            .map(|&v| m.value_type(v).clone())
            .collect();
        if m.op(last).name != ops::KERNEL_YIELD || yielded != expected[n_in..] {
            return Err(
                format!("the {which} must end with kernel.yield of one scalar per result").into(),
            );
        }
        blocks.push(*block);
    }
    if let Some(&epilogue) = blocks.get(1) {
        // The epilogue runs once per result element, after the reduction: it may read
        // only inputs indexed by parallel dimensions.
        let args = &m.block(epilogue).args;
        for (i, map) in g.maps[..n_in].iter().enumerate() {
            let reads_reduction = map.results.iter().any(|e| {
                e.terms
                    .iter()
                    .any(|&(x, _)| g.iterators[x as usize] == IteratorKind::Reduction)
            });
            let used = m
                .block(epilogue)
                .ops
                .iter()
                .any(|&o| m.op(o).operands.contains(&args[i]));
            if reads_reduction && used {
                return Err(format!(
                    "the epilogue reads input #{i}, whose map {map} uses reduction dimensions"
                )
                .into());
            }
        }
        if m.block(epilogue)
            .ops
            .iter()
            .any(|&o| matches!(m.op(o).name, ops::KERNEL_INDEX | ops::KERNEL_EXTRACT))
        {
            return Err("the epilogue computes on values, not coordinates or gathers".into());
        }
    }
    let block = &blocks[0];
    for &bop in &m.block(*block).ops {
        let bd = m.op(bop);
        let int = |k: &str| match bd.attrs.get(k) {
            Some(Attribute::Int(v)) if *v >= 0 => Some(*v as usize),
            _ => None,
        };
        match bd.name {
            ops::KERNEL_INDEX if !matches!(int("dim"), Some(x) if x < g.domain.len()) => {
                return Err("kernel.index needs a 'dim' of the domain".into());
            }
            ops::KERNEL_EXTRACT => {
                let Some(k) = int("operand").filter(|&k| k < n_in) else {
                    return Err("kernel.extract needs an input 'operand'".into());
                };
                if bd.operands.len() != types[k].shape.rank()
                    || bd.results.first().map(|&r| m.value_type(r))
                        != Some(&Type::Scalar(types[k].elem))
                {
                    return Err(format!(
                        "kernel.extract of {} takes {} indices and gives {}",
                        types[k],
                        types[k].shape.rank(),
                        types[k].elem
                    )
                    .into());
                }
            }
            _ => {}
        }
    }
    if let Some(s) = Schedule::of(m, op)? {
        s.check(&g)?;
        // Only a contraction's two factors can be stored packed.
        let factors = contraction::contraction(m, op).map(|c| [c.a, c.b]);
        for &x in s.contract.iter().flat_map(|c| &c.prepack) {
            if !factors.is_some_and(|f| f.contains(&x)) {
                return Err(format!(
                    "prepack names input #{x}, which is not a factor of this contraction"
                )
                .into());
            }
        }
    }
    Ok(())
}

/// Whether a kernel's body reads inputs at computed indices (`kernel.extract`).
pub fn body_extracts(m: &Module, op: OpId) -> bool {
    body_uses(m, op, ops::KERNEL_EXTRACT)
}

/// Whether a kernel's body contains an op named `name`.
pub fn body_uses(m: &Module, op: OpId, name: crate::ops::OpName) -> bool {
    m.op(op).regions.iter().any(|&r| {
        m.region(r)
            .blocks
            .iter()
            .any(|&b| m.block(b).ops.iter().any(|&o| m.op(o).name == name))
    })
}

/// How a kernel's loops are laid out when it is lowered to the loop level: chosen by the
/// `tile` pass from the target's parameters and kept as attributes of the kernel
/// (`grid_tiles`, `cache_tiles`, `loop_order`), so the decision is visible in the IR and
/// checked by the verifier.
///
/// The loops, outermost first: one workgroup-grid loop per dimension with a grid tile
/// (count = extent / tile); then, for kernels with reductions, a nest that sets the
/// workgroup's results to their initial values; then one loop per cache-tiled dimension
/// (in `loop_order`); then the point loops in `loop_order`. Any order of parallel
/// dimensions is valid; reduction dimensions keep their relative order and only the first
/// may be cache-tiled, so every result accumulates its terms in the same order as the
/// kernel interpreter's row-major walk — the loop level is bit-for-bit the kernel level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Per dimension: the workgroup tile size, 0 for no grid split.
    pub grid_tiles: Vec<usize>,
    /// Per dimension: the tile size within a workgroup, 0 for none.
    pub cache_tiles: Vec<usize>,
    /// The order of the point loops, outermost first (a permutation of the dimensions).
    pub loop_order: Vec<usize>,
    /// For a contraction ([`contraction::contraction`]) taken whole by a
    /// `loop.contract`: its register tile and the inputs stored packed. The loops over
    /// its rows, columns and reductions are then the back end's, the batch dimensions
    /// stay point loops, and nothing is cache-tiled.
    pub contract: Option<ContractPlan>,
}

/// How a contraction is taken whole by a `loop.contract` (attributes `contract =
/// array<i64: rows, columns>`, the register tile, and `prepack = array<i64: inputs>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractPlan {
    /// The register tile `[rows, columns]` of the back end's micro-kernel.
    pub micro_tile: [usize; 2],
    /// Inputs (operand positions) that are constants stored packed in the tile's panels
    /// (`lower-to-loops` lays them out at compile time): A's rows or B's columns.
    pub prepack: Vec<usize>,
}

impl Schedule {
    /// The untiled layout: parallel dimensions outside, reductions inside, domain order.
    pub fn untiled(g: &Generic) -> Schedule {
        let n = g.domain.len();
        let mut loop_order: Vec<usize> = (0..n)
            .filter(|&d| g.iterators[d] == IteratorKind::Parallel)
            .collect();
        loop_order.extend((0..n).filter(|&d| g.iterators[d] == IteratorKind::Reduction));
        Schedule {
            grid_tiles: vec![0; n],
            cache_tiles: vec![0; n],
            loop_order,
            contract: None,
        }
    }

    /// Reads the schedule attributes of `op`, if it has them.
    pub fn of(m: &Module, op: OpId) -> Result<Option<Schedule>, crate::IrError> {
        let attrs = &m.op(op).attrs;
        let get = |k: &str| -> Result<Option<Vec<usize>>, crate::IrError> {
            match attrs.get(k) {
                None => Ok(None),
                Some(Attribute::I64Array(v)) if v.iter().all(|&x| x >= 0) => {
                    Ok(Some(v.iter().map(|&x| x as usize).collect()))
                }
                Some(_) => Err(format!("'{k}' must be an array<i64> of sizes").into()),
            }
        };
        let contract = match get("contract")? {
            None => None,
            Some(t) => match t[..] {
                [mr, nr] if mr > 0 && nr > 0 => Some(ContractPlan {
                    micro_tile: [mr, nr],
                    prepack: get("prepack")?.unwrap_or_default(),
                }),
                _ => {
                    return Err("'contract' is the register tile, array<i64: rows, columns>".into())
                }
            },
        };
        match (get("grid_tiles")?, get("cache_tiles")?, get("loop_order")?) {
            (None, None, None) if contract.is_none() => Ok(None),
            (Some(grid_tiles), Some(cache_tiles), Some(loop_order)) => Ok(Some(Schedule {
                grid_tiles,
                cache_tiles,
                loop_order,
                contract,
            })),
            _ => Err("a schedule needs all of grid_tiles, cache_tiles and loop_order".into()),
        }
    }

    /// The attributes that spell this schedule.
    pub fn attrs(&self) -> Vec<(&'static str, Attribute)> {
        let arr = |v: &[usize]| Attribute::I64Array(v.iter().map(|&x| x as i64).collect());
        let mut out = vec![
            ("grid_tiles", arr(&self.grid_tiles)),
            ("cache_tiles", arr(&self.cache_tiles)),
            ("loop_order", arr(&self.loop_order)),
        ];
        if let Some(c) = &self.contract {
            out.push(("contract", arr(&c.micro_tile)));
            if !c.prepack.is_empty() {
                out.push(("prepack", arr(&c.prepack)));
            }
        }
        out
    }

    /// The extent of dimension `d` within one workgroup.
    pub fn workgroup_extent(&self, g: &Generic, d: usize) -> usize {
        match self.grid_tiles[d] {
            0 => g.domain[d],
            t => t,
        }
    }

    /// Checks the schedule against the kernel it lays out.
    pub fn check(&self, g: &Generic) -> Result<(), crate::IrError> {
        let n = g.domain.len();
        if self.grid_tiles.len() != n || self.cache_tiles.len() != n || self.loop_order.len() != n {
            return Err(format!("schedule arrays must have {n} entries, one per dimension").into());
        }
        let mut seen = vec![false; n];
        for &d in &self.loop_order {
            if d >= n || std::mem::replace(&mut seen[d], true) {
                return Err(
                    format!("loop_order {:?} is not a permutation", self.loop_order).into(),
                );
            }
        }
        if self.grid_tiles.iter().filter(|&&t| t > 0).count() > 3 {
            return Err("at most 3 dimensions map to the workgroup grid".into());
        }
        for d in 0..n {
            let (gt, ct) = (self.grid_tiles[d], self.cache_tiles[d]);
            if gt > 0
                && (!g.domain[d].is_multiple_of(gt) || g.iterators[d] != IteratorKind::Parallel)
            {
                return Err(format!(
                    "grid tile {gt} of dimension {d} must divide its extent {} and the dimension must be parallel",
                    g.domain[d]
                ).into());
            }
            let inner = self.workgroup_extent(g, d);
            if ct > 0 && !inner.is_multiple_of(ct) {
                return Err(format!(
                    "cache tile {ct} of dimension {d} must divide its workgroup extent {inner}"
                )
                .into());
            }
        }
        let reductions: Vec<usize> = self
            .loop_order
            .iter()
            .copied()
            .filter(|&d| g.iterators[d] == IteratorKind::Reduction)
            .collect();
        if reductions.windows(2).any(|w| w[0] > w[1]) {
            return Err("reduction dimensions must keep their relative order".into());
        }
        if reductions.iter().skip(1).any(|&d| self.cache_tiles[d] > 0) {
            return Err("only the first reduction dimension may be cache-tiled".into());
        }
        if self.contract.is_some() && self.cache_tiles.iter().any(|&t| t > 0) {
            return Err("a contracted kernel has no cache tiles".into());
        }
        Ok(())
    }
}

fn verify_yield(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let d = m.op(op);
    let parent = d
        .parent
        .and_then(|b| m.block(b).parent)
        .and_then(|r| m.region(r).parent);
    match parent {
        Some(p) if m.op(p).name == ops::KERNEL_GENERIC => Ok(()),
        _ => Err("kernel.yield must end a kernel.generic body".into()),
    }
}

/// Evaluates a `kernel.generic` on its operand values.
pub fn eval_generic(
    m: &Module,
    op: OpId,
    inputs: &[&Tensor],
) -> Result<Vec<Tensor>, crate::IrError> {
    // The evaluation indexes maps, regions and bounds the verifier checks; check them here
    // too, so a module that skipped the verifier gets an error, not a panic.
    verify_generic(m, op)?;
    let d = m.op(op);
    let g = Generic::of(m, op)?;
    let n_in = inputs.len();
    let out_types: Vec<TensorType> = d
        .results
        .iter()
        .map(|&r| m.tensor_type(r).cloned())
        .collect::<Result<_, _>>()?;
    let in_values: Vec<Vec<Scalar>> = inputs.iter().map(|t| scalar::scalars_of(t)).collect();
    let mut outs: Vec<Vec<Scalar>> = out_types
        .iter()
        .zip(&g.inits)
        .map(|(t, &init)| vec![Scalar::from_f64(init, t.elem); t.shape.numel()])
        .collect();
    let in_strides: Vec<Vec<usize>> = inputs
        .iter()
        .map(|t| t.shape().strides().to_vec())
        .collect();
    let out_strides: Vec<Vec<usize>> = out_types
        .iter()
        .map(|t| t.shape.strides().to_vec())
        .collect();
    let body = scalar::CompiledBody::compile(m, m.region(d.regions[0]).blocks[0])?;
    let whole: Vec<(Vec<Scalar>, Vec<usize>, Vec<usize>)> = if body_extracts(m, op) {
        inputs
            .iter()
            .zip(&in_values)
            .zip(&in_strides)
            .map(|((t, v), s)| (v.clone(), t.dims().to_vec(), s.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let (mut regs, mut yielded) = (Vec::new(), Vec::new());
    let total: usize = g.domain.iter().product();
    let mut point = vec![0i64; g.domain.len()];
    let mut args: Vec<Scalar> = Vec::with_capacity(n_in + outs.len());
    let mut out_offsets: Vec<usize> = Vec::with_capacity(outs.len());
    let offset = |map: &AffineMap, strides: &[usize], point: &[i64]| -> usize {
        map.results
            .iter()
            .zip(strides)
            .map(|(e, &s)| e.eval(point) as usize * s)
            .sum()
    };
    for _ in 0..total {
        args.clear();
        for (i, values) in in_values.iter().enumerate() {
            args.push(values[offset(&g.maps[i], &in_strides[i], &point)]);
        }
        out_offsets.clear();
        out_offsets
            .extend((0..outs.len()).map(|r| offset(&g.maps[n_in + r], &out_strides[r], &point)));
        for (r, &o) in out_offsets.iter().enumerate() {
            args.push(outs[r][o]);
        }
        let ctx = scalar::BodyContext {
            point: &point,
            inputs: &whole,
        };
        body.run(&ctx, &args, &mut regs, &mut yielded)?;
        for (r, &o) in out_offsets.iter().enumerate() {
            outs[r][o] = yielded[r];
        }
        for k in (0..point.len()).rev() {
            point[k] += 1;
            if (point[k] as usize) < g.domain[k] {
                break;
            }
            point[k] = 0;
        }
    }
    if let Some(&region) = d.regions.get(1) {
        // Once per result element: the points whose reduction coordinates are all 0.
        let epilogue = scalar::CompiledBody::compile(m, m.region(region).blocks[0])?;
        let extents: Vec<usize> = g
            .domain
            .iter()
            .zip(&g.iterators)
            .map(|(&n, &k)| if k == IteratorKind::Parallel { n } else { 1 })
            .collect();
        let count: usize = if total == 0 {
            0
        } else {
            extents.iter().product()
        };
        let mut point = vec![0i64; g.domain.len()];
        for _ in 0..count {
            args.clear();
            for (i, values) in in_values.iter().enumerate() {
                args.push(values[offset(&g.maps[i], &in_strides[i], &point)]);
            }
            out_offsets.clear();
            out_offsets.extend(
                (0..outs.len()).map(|r| offset(&g.maps[n_in + r], &out_strides[r], &point)),
            );
            for (r, &o) in out_offsets.iter().enumerate() {
                args.push(outs[r][o]);
            }
            epilogue.run(&scalar::BodyContext::EMPTY, &args, &mut regs, &mut yielded)?;
            for (r, &o) in out_offsets.iter().enumerate() {
                outs[r][o] = yielded[r];
            }
            for k in (0..point.len()).rev() {
                point[k] += 1;
                if (point[k] as usize) < extents[k] {
                    break;
                }
                point[k] = 0;
            }
        }
    }
    Ok(outs
        .into_iter()
        .zip(&out_types)
        .map(|(v, t)| scalar::tensor_of(&v, t))
        .collect())
}

/// A named contraction a target can give special code (a GEMM micro-kernel, an implicit-GEMM
/// convolution, a systolic-array schedule), recognized from a kernel's maps and body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contraction {
    /// `C[b.., m, n] += A[b.., m, k] * B[b.., k, n]` (or `B[b.., n, k]`), with `batch`
    /// leading dimensions (operands may broadcast them).
    MatMul { batch: usize, b_transposed: bool },
    /// A sliding-window contraction: the input read at `stride * output + dilation * tap`
    /// in `spatial` dimensions, summed over channels and taps.
    Conv { spatial: usize },
}

impl std::fmt::Display for Contraction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Contraction::MatMul {
                batch,
                b_transposed,
            } => {
                match batch {
                    0 => write!(f, "matmul")?,
                    n => write!(f, "batch matmul ({n} batch dims)")?,
                }
                if *b_transposed {
                    write!(f, ", B transposed")?;
                }
                Ok(())
            }
            Contraction::Conv { spatial } => write!(f, "conv {spatial}-D"),
        }
    }
}

/// Whether the body of `op` is `acc + a * b` over its first two inputs.
fn is_multiply_accumulate(m: &Module, op: OpId) -> bool {
    contraction::multiply_accumulate(m, op) == Some((0, 1))
}

/// The named contraction `kernel.generic` op `op` computes, if it is one.
pub fn contraction_kind(m: &Module, op: OpId) -> Option<Contraction> {
    let g = Generic::of(m, op).ok()?;
    if !is_multiply_accumulate(m, op) {
        return None;
    }
    let n_in = m.op(op).operands.len();
    let (a, b, c) = (&g.maps[0], &g.maps[1], &g.maps[n_in]);
    let reduction = |d: u32| g.iterators[d as usize] == IteratorKind::Reduction;
    // Convolution: some input index is stride * output + dilation * tap.
    let windowed = a
        .results
        .iter()
        .filter(|e| {
            e.terms.len() == 2
                && e.terms.iter().any(|&(d, _)| reduction(d))
                && e.terms.iter().any(|&(d, _)| !reduction(d))
        })
        .count();
    if windowed > 0 {
        return Some(Contraction::Conv { spatial: windowed });
    }
    let reductions: Vec<u32> = (0..g.domain.len() as u32)
        .filter(|&d| reduction(d))
        .collect();
    let [k] = reductions.as_slice() else {
        return None;
    };
    let (ar, br, cr) = (a.results.len(), b.results.len(), c.results.len());
    if ar < 2 || br < 2 || cr < 2 {
        return None;
    }
    let dim = |e: &crate::affine::AffineExpr| e.as_dim();
    let (row, col) = (dim(&c.results[cr - 2]), dim(&c.results[cr - 1]));
    let a_ok =
        dim(&a.results[ar - 1]) == Some(*k) && row.is_some() && dim(&a.results[ar - 2]) == row;
    let b_plain =
        dim(&b.results[br - 2]) == Some(*k) && col.is_some() && dim(&b.results[br - 1]) == col;
    let b_transposed =
        dim(&b.results[br - 1]) == Some(*k) && col.is_some() && dim(&b.results[br - 2]) == col;
    (a_ok && (b_plain || b_transposed)).then_some(Contraction::MatMul {
        batch: cr - 2,
        b_transposed: !b_plain,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_generic(text: &str) -> (Module, OpId) {
        let m = crate::parse_module(text).unwrap();
        let f = m.functions().next().unwrap();
        let op = m.block(f.entry_block(&m)).ops[0];
        (m, op)
    }

    fn kernel(maps: &str, domain: &str, iterators: &str, ins: &str, out: &str) -> String {
        format!(
            r#""builtin.module"() ({{
  "func.func"() ({{
  ^bb0(%a: {a}, %b: {b}):
    %0 = "kernel.generic"(%a, %b) ({{
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = "kernel.mul"(%x, %y) : (f32, f32) -> f32
      %s = "kernel.add"(%acc, %p) : (f32, f32) -> f32
      "kernel.yield"(%s) : (f32) -> ()
    }}) {{domain = array<i64: {domain}>, indexing_maps = [{maps}], iterators = [{iterators}]}} : ({a}, {b}) -> {out}
    "func.return"(%0) : ({out}) -> ()
  }}) {{function_type = ({a}, {b}) -> {out}, sym_name = "main"}} : () -> ()
}}) : () -> ()"#,
            a = ins.split(';').next().unwrap(),
            b = ins.split(';').nth(1).unwrap(),
        )
    }

    #[test]
    fn a_schedule_packing_what_is_not_a_factor_fails_verification() {
        let text = kernel(
            "affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>",
            "4, 5, 3",
            r#""parallel", "parallel", "reduction""#,
            "tensor<4x3xf32>;tensor<3x5xf32>",
            "tensor<4x5xf32>",
        );
        let schedule = |prepack: &str| {
            text.replace(
                "iterators = [",
                &format!("grid_tiles = array<i64: 0, 0, 0>, cache_tiles = array<i64: 0, 0, 0>, loop_order = array<i64: 0, 2, 1>, contract = array<i64: 6, 16>, prepack = array<i64: {prepack}>, iterators = ["),
            )
        };
        let ok = crate::parse_module(&schedule("1")).unwrap();
        crate::verify_module(&ok).unwrap();
        let bad = crate::parse_module(&schedule("7")).unwrap();
        let e = crate::verify_module(&bad).unwrap_err().to_string();
        assert!(e.contains("prepack names input #7"), "{e}");
    }

    #[test]
    fn contractions_are_recognized_from_maps_and_body() {
        let (m, op) = first_generic(&kernel(
            "affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>",
            "4, 5, 3",
            r#""parallel", "parallel", "reduction""#,
            "tensor<4x3xf32>;tensor<3x5xf32>",
            "tensor<4x5xf32>",
        ));
        crate::verify_module(&m).unwrap();
        assert_eq!(
            contraction_kind(&m, op),
            Some(Contraction::MatMul {
                batch: 0,
                b_transposed: false
            })
        );
        // B read as (n, k): a GEMM with B transposed.
        let (m, op) = first_generic(&kernel(
            "affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>",
            "4, 5, 3",
            r#""parallel", "parallel", "reduction""#,
            "tensor<4x3xf32>;tensor<5x3xf32>",
            "tensor<4x5xf32>",
        ));
        assert_eq!(
            contraction_kind(&m, op),
            Some(Contraction::MatMul {
                batch: 0,
                b_transposed: true
            })
        );
        // A 1-D convolution: x[o * 2 + k] * w[k].
        let (m, op) = first_generic(&kernel(
            "affine_map<(d0, d1) -> (d0 * 2 + d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0)>",
            "3, 3",
            r#""parallel", "reduction""#,
            "tensor<7xf32>;tensor<3xf32>",
            "tensor<3xf32>",
        ));
        crate::verify_module(&m).unwrap();
        assert_eq!(
            contraction_kind(&m, op),
            Some(Contraction::Conv { spatial: 1 })
        );
        // A reduction that is not a product of two inputs is no contraction.
        let text = kernel(
            "affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>",
            "2, 3",
            r#""parallel", "reduction""#,
            "tensor<2x3xf32>;tensor<2x3xf32>",
            "tensor<2xf32>",
        )
        .replace("kernel.mul", "kernel.sub");
        let (m, op) = first_generic(&text);
        assert_eq!(contraction_kind(&m, op), None);
    }
}
