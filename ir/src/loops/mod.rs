//! The `loop` dialect: explicit loops over buffers, what back ends translate.
//!
//! ```text
//! "loop.kernel"() ({
//! ^bb0(%a: memref<64x32xf32>, %b: memref<64x32xf32>):
//!   "loop.for"() ({
//!   ^bb0(%i: index):
//!     "loop.for"() ({
//!     ^bb0(%j: index):
//!       %x = "loop.vload"(%a, %i, %j) : (memref<64x32xf32>, index, index) -> vector<8xf32>
//!       %y = "kernel.exp"(%x) : (vector<8xf32>) -> vector<8xf32>
//!       "loop.vstore"(%y, %b, %i, %j) : (vector<8xf32>, memref<64x32xf32>, index, index) -> ()
//!     }) {iterator = "parallel", lower = 0, step = 8, upper = 32} : () -> ()
//!   }) {grid = 0, iterator = "parallel", lower = 0, step = 1, upper = 64} : () -> ()
//! }) {sym_name = "k0"} : () -> ()
//! ```
//!
//! - `loop.kernel @name`: a module-level kernel; its block arguments are the buffers it is
//!   dispatched on (inputs, then outputs), its body runs once per dispatch.
//! - `loop.for`: a counted loop with constant bounds; `iterator` says whether iterations
//!   are independent (`parallel`) or accumulate (`reduction`); `grid = k` marks a parallel
//!   loop whose iterations are the workgroups of grid axis k: the host dispatches one
//!   workgroup per iteration, the CPU runtime spreads them over threads, Vulkan runs them
//!   as workgroups.
//! - `loop.apply`: affine index arithmetic (`map` over the index operands).
//! - `loop.load`/`loop.store`: one element at an index; `loop.vload`/`loop.vstore`: as many
//!   consecutive elements of the last dimension as the vector has lanes (a `loop.vload`
//!   with `stride = s` takes every s-th: a strided window's reads; with `dim = d` too,
//!   every s-th along dimension `d` instead: a transpose's reads, a gather on a CPU);
//!   `loop.broadcast`: a scalar in every lane.
//! - `loop.alloca`: kernel-local scratch, one per workgroup and shared by its invocations
//!   (the GPU's workgroup memory; on a CPU a workgroup runs on one thread). The `stage`
//!   pass puts operand tiles there.
//! - `loop.contract`: a tile of a matrix product, `C += A·B` over `m × n × k` elements
//!   at element offsets and strides into three `f32` buffers, or from 8-bit integer
//!   factors (`i8`/`u8`, each widened by its signedness) into an `i32` C, the sums
//!   wrapping ([`Contract`]). Back ends
//!   give it their best code (the CPU's: packed operands and a register-blocked
//!   micro-kernel); the `tile` pass picks it for contractions on targets that have one.
//! - `loop.index_cast`: an `index` as an `i64` scalar or back (for data-dependent indices,
//!   such as a gather's, and for bodies that compute with their coordinates).
//! - `loop.dispatch`: before bufferization, a tensor-level call of a kernel in a function:
//!   `%r = "loop.dispatch"(%a) {kernel = "k0"} : (tensor<..>) -> tensor<..>` runs `k0` on
//!   the operands' buffers and fresh result buffers.
//! - Arithmetic is the scalar op set shared with kernel bodies (`kernel.add`, `kernel.exp`,
//!   ...), which applies lane by lane to vectors — as MLIR's `arith` serves both linalg
//!   bodies and scf loops.
//!
//! Buffers are contiguous and row-major, so an index addresses element
//! `sum(index[k] * stride[k])`.

pub mod interp;

use crate::affine::AffineMap;
use crate::attr::Attribute;
use crate::module::{BlockId, Module, OpId};
use crate::ops;
use crate::types::{TensorType, Type};
use crate::verify::{DialectRegistry, OpDefinition};

/// Registers the loop dialect's ops.
pub fn register(r: &mut DialectRegistry) {
    for (name, verify) in [
        (
            ops::LOOP_KERNEL,
            verify_kernel as fn(&Module, OpId) -> Result<(), crate::IrError>,
        ),
        (ops::LOOP_FOR, verify_for),
        (ops::LOOP_APPLY, verify_apply),
        (ops::LOOP_LOAD, verify_access),
        (ops::LOOP_STORE, verify_access),
        (ops::LOOP_VLOAD, verify_access),
        (ops::LOOP_VSTORE, verify_access),
        (ops::LOOP_BROADCAST, verify_broadcast),
        (ops::LOOP_ALLOCA, verify_alloca),
        (ops::LOOP_DISPATCH, verify_dispatch),
        (ops::LOOP_INDEX_CAST, verify_index_cast),
        (ops::LOOP_CONTRACT, verify_contract),
    ] {
        r.register(OpDefinition {
            name,
            verify,
            infer: None,
        });
    }
}

/// How a loop's iterations relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoopKind {
    Parallel,
    Reduction,
}

/// The bounds and marks of a `loop.for`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForLoop {
    pub lower: i64,
    pub upper: i64,
    pub step: i64,
    pub kind: LoopKind,
    /// The workgroup grid axis this loop is mapped to.
    pub grid: Option<u32>,
}

impl ForLoop {
    /// Reads the loop attributes of `op`.
    pub fn of(m: &Module, op: OpId) -> Result<ForLoop, crate::IrError> {
        let d = m.op(op);
        let int = |k: &str| match d.attrs.get(k) {
            Some(Attribute::Int(v)) => Ok(*v),
            _ => Err(format!("loop.for needs an integer '{k}'")),
        };
        let kind = match d.attrs.get("iterator") {
            Some(Attribute::String(s)) if s == "parallel" => LoopKind::Parallel,
            Some(Attribute::String(s)) if s == "reduction" => LoopKind::Reduction,
            _ => return Err("loop.for needs iterator = \"parallel\" or \"reduction\"".into()),
        };
        let grid = match d.attrs.get("grid") {
            None => None,
            Some(Attribute::Int(g)) if (0..3).contains(g) => Some(*g as u32),
            Some(_) => return Err("'grid' must be a grid axis 0, 1 or 2".into()),
        };
        let l = ForLoop {
            lower: int("lower")?,
            upper: int("upper")?,
            step: int("step")?,
            kind,
            grid,
        };
        if l.step <= 0 || l.lower > l.upper {
            return Err(format!(
                "loop.for needs step > 0 and lower <= upper, got [{}, {}) step {}",
                l.lower, l.upper, l.step
            )
            .into());
        }
        if grid.is_some() && kind != LoopKind::Parallel {
            return Err("only parallel loops map to the workgroup grid".into());
        }
        Ok(l)
    }

    /// The number of iterations.
    pub fn trip_count(&self) -> i64 {
        (self.upper - self.lower + self.step - 1) / self.step
    }

    /// The attributes that spell this loop.
    pub fn attrs(&self) -> Vec<(&'static str, Attribute)> {
        let mut v = vec![
            ("lower", Attribute::Int(self.lower)),
            ("upper", Attribute::Int(self.upper)),
            ("step", Attribute::Int(self.step)),
            (
                "iterator",
                Attribute::String(
                    match self.kind {
                        LoopKind::Parallel => "parallel",
                        LoopKind::Reduction => "reduction",
                    }
                    .into(),
                ),
            ),
        ];
        if let Some(g) = self.grid {
            v.push(("grid", Attribute::Int(g as i64)));
        }
        v
    }
}

fn single_block(m: &Module, op: OpId) -> Result<BlockId, crate::IrError> {
    let d = m.op(op);
    match d.regions.as_slice() {
        [r] => match m.region(*r).blocks.as_slice() {
            [b] => Ok(*b),
            _ => Err(format!("'{}' has one block", d.name).into()),
        },
        _ => Err(format!("'{}' has one region", d.name).into()),
    }
}

fn verify_kernel(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let d = m.op(op);
    if m.block(m.body()).ops.iter().all(|&o| o != op) {
        return Err("loop.kernel must be at the top level of the module".into());
    }
    match d.attrs.get("sym_name") {
        Some(Attribute::String(s)) if !s.is_empty() => {}
        _ => return Err("loop.kernel needs a 'sym_name'".into()),
    }
    if !d.operands.is_empty() || !d.results.is_empty() {
        return Err("loop.kernel takes no operands and has no results".into());
    }
    let block = single_block(m, op)?;
    for &a in &m.block(block).args {
        if m.value_type(a).as_memref().is_none() {
            return Err(format!("kernel arguments are buffers, found {}", m.value_type(a)).into());
        }
    }
    Ok(())
}

fn verify_for(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let d = m.op(op);
    ForLoop::of(m, op)?;
    if !d.operands.is_empty() || !d.results.is_empty() {
        return Err("loop.for takes no operands and has no results".into());
    }
    let block = single_block(m, op)?;
    match m.block(block).args.as_slice() {
        [iv] if *m.value_type(*iv) == Type::Index => Ok(()),
        _ => Err("loop.for's body has one index argument".into()),
    }
}

/// The affine map of a `loop.apply`.
pub fn apply_map(m: &Module, op: OpId) -> Result<&AffineMap, crate::IrError> {
    match m.op(op).attrs.get("map") {
        Some(Attribute::AffineMap(map)) => Ok(map),
        _ => Err("loop.apply needs an affine 'map'".into()),
    }
}

fn verify_apply(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let d = m.op(op);
    let map = apply_map(m, op)?;
    if map.num_dims as usize != d.operands.len() || map.results.len() != 1 {
        return Err(format!(
            "map {map} must take {} dimensions and give one result",
            d.operands.len()
        )
        .into());
    }
    let all_index = d
        .operands
        .iter()
        .chain(&d.results)
        .all(|&v| *m.value_type(v) == Type::Index);
    if !all_index || d.results.len() != 1 {
        return Err("loop.apply maps index operands to one index".into());
    }
    Ok(())
}

/// The parts of a load or store: (value position, buffer position, first index position).
fn access_layout(name: crate::ops::OpName) -> (Option<usize>, usize) {
    match name {
        ops::LOOP_STORE | ops::LOOP_VSTORE => (Some(0), 1),
        _ => (None, 0),
    }
}

/// The buffer type of a load or store.
pub fn access_buffer(m: &Module, op: OpId) -> Result<&TensorType, crate::IrError> {
    let d = m.op(op);
    let (_, b) = access_layout(d.name);
    Ok(d.operands
        .get(b)
        .and_then(|&v| m.value_type(v).as_memref())
        .ok_or_else(|| format!("'{}' needs a buffer operand", d.name))?)
}

fn verify_access(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let d = m.op(op);
    let (value_at, b) = access_layout(d.name);
    let buf = access_buffer(m, op)?;
    let indices = &d.operands[b + 1..];
    if indices.len() != buf.shape.rank() || indices.iter().any(|&i| *m.value_type(i) != Type::Index)
    {
        return Err(format!(
            "'{}' needs {} index operands for {}",
            d.name,
            buf.shape.rank(),
            Type::MemRef(buf.clone())
        )
        .into());
    }
    let value_ty = match value_at {
        Some(i) => {
            if !d.results.is_empty() {
                return Err(format!("'{}' has no results", d.name).into());
            }
            m.value_type(d.operands[i]).clone()
        }
        None => match d.results.as_slice() {
            [r] => m.value_type(*r).clone(),
            _ => return Err(format!("'{}' has one result", d.name).into()),
        },
    };
    let vector = d.name.starts_with("loop.v");
    match (d.name, d.attrs.get("stride")) {
        (_, None) => {}
        (ops::LOOP_VLOAD, Some(Attribute::Int(s))) if *s >= 1 => {}
        _ => return Err("only loop.vload takes a 'stride', an integer of at least 1".into()),
    }
    match (d.name, d.attrs.get("dim")) {
        (_, None) => {}
        (ops::LOOP_VLOAD, Some(Attribute::Int(k)))
            if *k >= 0 && (*k as usize) < buf.shape.rank() => {}
        _ => {
            return Err(format!(
                "only loop.vload takes a 'dim', a dimension of its {}-d buffer",
                buf.shape.rank()
            )
            .into())
        }
    }
    let ok = match value_ty {
        Type::Scalar(e) => !vector && e == buf.elem,
        Type::Vector(n, e) => vector && e == buf.elem && buf.shape.rank() > 0 && n >= 1,
        _ => false,
    };
    if !ok {
        return Err(format!(
            "'{}' moves {} {}s of {}",
            d.name,
            if vector { "vector" } else { "scalar" },
            buf.elem,
            Type::MemRef(buf.clone())
        )
        .into());
    }
    Ok(())
}

fn verify_broadcast(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let d = m.op(op);
    match (d.operands.as_slice(), d.results.as_slice()) {
        ([a], [r]) => match (m.value_type(*a), m.value_type(*r)) {
            (Type::Scalar(e), Type::Vector(_, f)) if e == f => Ok(()),
            _ => Err("loop.broadcast takes a scalar to a vector of its type".into()),
        },
        _ => Err("loop.broadcast has one operand and one result".into()),
    }
}

fn verify_index_cast(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let d = m.op(op);
    let i64_ty = Type::Scalar(crate::types::ElementType::I64);
    match (d.operands.as_slice(), d.results.as_slice()) {
        ([a], [r])
            if (*m.value_type(*a) == Type::Index && *m.value_type(*r) == i64_ty)
                || (*m.value_type(*a) == i64_ty && *m.value_type(*r) == Type::Index) =>
        {
            Ok(())
        }
        _ => Err("loop.index_cast converts between index and i64".into()),
    }
}

fn verify_alloca(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let d = m.op(op);
    match (d.operands.as_slice(), d.results.as_slice()) {
        ([], [r]) if m.value_type(*r).as_memref().is_some() => Ok(()),
        _ => Err("loop.alloca takes nothing and gives one buffer".into()),
    }
}

/// The shape of a `loop.contract`: `C[i, j] += sum over l of A[i, l] * B[l, j]` for rows
/// `i` in a box of row dimensions, columns `j` in a box of column dimensions and
/// reductions `l` in a box of reduction dimensions, each box walked in row-major order
/// (outermost first). Element `(i, l)` of A is `a_off + Σ i_d·m_dims[d].a_stride +
/// Σ l_d·k_dims[d].a_stride` of buffer A counted from its start, and so on: `m_dims`
/// holds (extent, A stride, C stride) per row dimension, `k_dims` (extent, A stride,
/// B stride) per reduction dimension, `n_dims` (extent, B stride, C stride) per column
/// dimension. A plain matrix product has one of each; a convolution reads its input
/// through a window — an implicit GEMM, with no patch matrix ever stored. In NCHW its
/// columns are output positions and its reductions input channels and kernel taps; in
/// NHWC its columns are output channels and its rows output positions, whose rows and
/// columns of the image are two row dimensions (A's rows are not evenly spaced where
/// the input is padded wider than the output).
///
/// Each result element is one fused multiply-add chain, in increasing `l`, starting from
/// C's value: `c = fma(a, b, c)` with one rounding per step. Fixing the order and the
/// rounding makes the interpreter and every back end agree to the bit, while leaving a
/// back end free to block rows and columns as it likes.
///
/// With `accumulate = false` C's prior content is not read: the chains start from +0.0
/// (what a zero-initialized C gives, to the bit, without the pass that zeroes it).
///
/// `micro_tile = [mr, nr]` is the register tile the compiler chose (the back end's
/// micro-kernel follows it). An operand stored *packed* (`packed_a`, `packed_b`: weights
/// laid out at compile time the way the micro-kernel reads them) ignores its strides:
/// A's element `(i, l)` is at `a_off + (i / mr)·k·mr + l·mr + i % mr` (panels of `mr`
/// rows, zero-padded), B's `(l, j)` at `b_off + (j / nr)·k·nr + l·nr + j % nr`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contract {
    /// (extent, A stride, C stride) per row dimension, outermost first.
    pub m_dims: Vec<[usize; 3]>,
    /// (extent, A stride, B stride) per reduction dimension, outermost first.
    pub k_dims: Vec<[usize; 3]>,
    /// (extent, B stride, C stride) per column dimension, outermost first.
    pub n_dims: Vec<[usize; 3]>,
    /// The register tile `[rows, columns]`, if the compiler chose one.
    pub micro_tile: Option<[usize; 2]>,
    /// Whether A and B are stored packed in `micro_tile`'s panels.
    pub packed: [bool; 2],
    /// Whether the product adds to C (else it overwrites it).
    pub accumulate: bool,
}

/// Drops extent-1 dimensions of a box and merges neighbours that are one dimension in
/// both operands (the outer stride is the inner extent times the inner stride).
fn merge_box(dims: &[[usize; 3]]) -> Vec<[usize; 3]> {
    let mut out: Vec<[usize; 3]> = Vec::new();
    for &d in dims.iter().filter(|d| d[0] != 1) {
        match out.last_mut() {
            Some(o) if o[1] == d[0] * d[1] && o[2] == d[0] * d[2] => {
                *o = [o[0] * d[0], d[1], d[2]];
            }
            _ => out.push(d),
        }
    }
    if out.is_empty() {
        // An empty box of extent 0 stays; a box of ones is one point.
        let zero = dims.iter().any(|d| d[0] == 0);
        out.push([if zero { 0 } else { 1 }, 0, 0]);
    }
    out
}

impl Contract {
    /// A contraction with its boxes in simplest form (extent-1 dimensions dropped,
    /// mergeable neighbours merged): the same elements in the same order.
    pub fn new(m_dims: &[[usize; 3]], k_dims: &[[usize; 3]], n_dims: &[[usize; 3]]) -> Contract {
        Contract {
            m_dims: merge_box(m_dims),
            k_dims: merge_box(k_dims),
            n_dims: merge_box(n_dims),
            micro_tile: None,
            packed: [false; 2],
            accumulate: true,
        }
    }

    /// The number of rows.
    pub fn m(&self) -> usize {
        self.m_dims.iter().map(|d| d[0]).product()
    }

    /// A's and C's one stride along the rows, when the row box has one dimension.
    pub fn row_strides(&self) -> Option<[usize; 2]> {
        match self.m_dims.as_slice() {
            [m] => Some([m[1], m[2]]),
            _ => None,
        }
    }

    /// C's one stride along the rows, when every row dimension is evenly spaced in C
    /// (each outer stride the inner extent times the inner stride): the CPU's product
    /// writes rows that way and reads A's through a table.
    pub fn c_row_stride(&self) -> Option<usize> {
        let inner = self.m_dims.last()?;
        let mut want = inner[2];
        for d in self.m_dims.iter().rev() {
            if d[0] != 1 && d[2] != want {
                return None;
            }
            want = d[0] * d[2];
        }
        Some(inner[2])
    }

    /// The reduction length.
    pub fn k(&self) -> usize {
        self.k_dims.iter().map(|d| d[0]).product()
    }

    /// The number of columns.
    pub fn n(&self) -> usize {
        self.n_dims.iter().map(|d| d[0]).product()
    }

    /// The element offsets of a box's points in row-major order, for the stride at
    /// position `which` (1 or 2) of its triples.
    pub fn offsets(dims: &[[usize; 3]], which: usize) -> Vec<usize> {
        let mut out = vec![0usize];
        for d in dims {
            out = out
                .iter()
                .flat_map(|&o| (0..d[0]).map(move |x| o + x * d[which]))
                .collect();
        }
        out
    }

    /// The one stride per box of a plain matrix product: (A's and B's along the
    /// reduction, B's and C's along the columns), when both boxes have one dimension.
    pub fn as_matrix(&self) -> Option<([usize; 2], [usize; 2])> {
        match (self.k_dims.as_slice(), self.n_dims.as_slice()) {
            ([k], [n]) => Some(([k[1], k[2]], [n[1], n[2]])),
            _ => None,
        }
    }

    /// Reads the attributes of `loop.contract` op `op`.
    pub fn of(m: &Module, op: OpId) -> Result<Contract, crate::IrError> {
        let d = m.op(op);
        let ints = |key: &str| match d.attrs.get(key) {
            Some(Attribute::I64Array(v)) if v.iter().all(|&x| x >= 0) => {
                Ok(v.iter().map(|&x| x as usize).collect::<Vec<_>>())
            }
            _ => Err(format!(
                "loop.contract needs '{key}' = array<i64: ...> of sizes"
            )),
        };
        let triples = |key: &str| -> Result<Vec<[usize; 3]>, crate::IrError> {
            let v = ints(key)?;
            if v.is_empty() || v.len() % 3 != 0 {
                return Err(format!(
                    "loop.contract's '{key}' lists (extent, stride, stride) per dimension"
                )
                .into());
            }
            Ok(v.chunks(3).map(|c| [c[0], c[1], c[2]]).collect())
        };
        let micro_tile = match d.attrs.get("micro_tile") {
            None => None,
            Some(Attribute::I64Array(v)) if v.len() == 2 && v.iter().all(|&x| x > 0) => {
                Some([v[0] as usize, v[1] as usize])
            }
            Some(_) => {
                return Err("loop.contract's 'micro_tile' is array<i64: rows, columns>".into())
            }
        };
        let flag = |key: &str| match d.attrs.get(key) {
            None => Ok(false),
            Some(Attribute::Bool(b)) => Ok(*b),
            Some(_) => Err(format!("loop.contract's '{key}' is true or false")),
        };
        let packed = [flag("packed_a")?, flag("packed_b")?];
        let accumulate = match d.attrs.get("accumulate") {
            None => true,
            Some(Attribute::Bool(b)) => *b,
            Some(_) => return Err("loop.contract's 'accumulate' is true or false".into()),
        };
        if packed.contains(&true) && micro_tile.is_none() {
            return Err("a packed operand needs the 'micro_tile' it is packed in".into());
        }
        let c = Contract {
            m_dims: triples("m_dims")?,
            k_dims: triples("k_dims")?,
            n_dims: triples("n_dims")?,
            micro_tile,
            packed,
            accumulate,
        };
        // Sizes are bounded so that offsets computed from them cannot overflow.
        for x in 0..3 {
            if c.m() > 0 && c.k() > 0 && c.n() > 0 && c.reach(x).is_none() {
                return Err("loop.contract's tile reaches past any buffer".into());
            }
        }
        Ok(c)
    }

    /// The attributes that spell this contraction.
    pub fn attrs(&self) -> Vec<(&'static str, Attribute)> {
        let flat =
            |v: &[[usize; 3]]| Attribute::I64Array(v.iter().flatten().map(|&x| x as i64).collect());
        let mut out = vec![
            ("m_dims", flat(&self.m_dims)),
            ("k_dims", flat(&self.k_dims)),
            ("n_dims", flat(&self.n_dims)),
        ];
        if let Some([mr, nr]) = self.micro_tile {
            out.push((
                "micro_tile",
                Attribute::I64Array(vec![mr as i64, nr as i64]),
            ));
        }
        for (key, p) in ["packed_a", "packed_b"].into_iter().zip(self.packed) {
            if p {
                out.push((key, Attribute::Bool(true)));
            }
        }
        if !self.accumulate {
            out.push(("accumulate", Attribute::Bool(false)));
        }
        out
    }

    /// The element offset of A's `(i, l)` (`x = 0`) or B's `(l, j)` (`x = 1`) from the
    /// operand's base in its packed layout: panel, then step, then lane.
    pub fn packed_offset(&self, x: usize, row_or_col: usize, l: usize) -> usize {
        let t = self.micro_tile.unwrap_or([1, 1])[x];
        (row_or_col / t) * self.k() * t + l * t + row_or_col % t
    }

    /// The largest element offset past its base that operand `x` (0: A, 1: B, 2: C)
    /// reaches, or `None` when that overflows; 0 for an empty tile.
    pub fn reach(&self, x: usize) -> Option<usize> {
        if self.m() == 0 || self.n() == 0 || self.k() == 0 {
            return Some(0);
        }
        let span = |dims: &[[usize; 3]], which: usize| -> Option<usize> {
            dims.iter().try_fold(0usize, |acc, d| {
                acc.checked_add((d[0] - 1).checked_mul(d[which])?)
            })
        };
        if x < 2 && self.packed[x] {
            let t = self.micro_tile.unwrap_or([1, 1])[x];
            let extent = if x == 0 { self.m() } else { self.n() };
            return extent
                .div_ceil(t)
                .checked_mul(t)?
                .checked_mul(self.k())?
                .checked_sub(1);
        }
        match x {
            0 => span(&self.m_dims, 1)?.checked_add(span(&self.k_dims, 1)?),
            1 => span(&self.k_dims, 2)?.checked_add(span(&self.n_dims, 1)?),
            _ => span(&self.m_dims, 2)?.checked_add(span(&self.n_dims, 2)?),
        }
    }
}

fn verify_contract(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let d = m.op(op);
    Contract::of(m, op)?;
    if d.operands.len() != 6 || !d.results.is_empty() {
        return Err(
            "loop.contract takes buffers A, B, C and their three offsets, and has no results"
                .into(),
        );
    }
    use crate::types::ElementType as E;
    let elems: Vec<Option<E>> = d.operands[..3]
        .iter()
        .map(|&b| m.value_type(b).as_memref().map(|t| t.elem))
        .collect();
    let ok = match elems.as_slice() {
        [Some(E::F32), Some(E::F32), Some(E::F32)] => true,
        [Some(a), Some(b), Some(E::I32)] => {
            matches!(a, E::I8 | E::U8) && matches!(b, E::I8 | E::U8)
        }
        _ => false,
    };
    if !ok {
        return Err(format!(
            "loop.contract works on f32 buffers, or 8-bit integer factors into an i32 C; found {}, {} and {}",
            m.value_type(d.operands[0]),
            m.value_type(d.operands[1]),
            m.value_type(d.operands[2])
        )
        .into());
    }
    if d.operands[3..]
        .iter()
        .any(|&v| *m.value_type(v) != Type::Index)
    {
        return Err("loop.contract's offsets are index values".into());
    }
    Ok(())
}

/// How many elements apart a `loop.vload`'s lanes are in its buffer, row-major (1 unless
/// it has a `stride`; along `dim`, the stride times the size of the dimensions inside).
pub fn vector_stride(m: &Module, op: OpId) -> usize {
    let stride = match m.op(op).attrs.get("stride") {
        Some(Attribute::Int(s)) if *s >= 1 => *s as usize,
        _ => 1,
    };
    // Along an outer dimension, a lane is the inner dimensions' size further on.
    let inner = match (vector_dim(m, op), m.op(op).operands.first()) {
        (Some(k), Some(&buf)) => m
            .value_type(buf)
            .as_memref()
            .map_or(1, |t| t.shape.dims()[k + 1..].iter().product::<usize>()),
        _ => 1,
    };
    stride * inner
}

/// The dimension a `loop.vload`'s lanes step along, when not the last (`dim`).
pub fn vector_dim(m: &Module, op: OpId) -> Option<usize> {
    let rank = m
        .op(op)
        .operands
        .first()
        .and_then(|&b| m.value_type(b).as_memref().map(|t| t.shape.rank()))?;
    match m.op(op).attrs.get("dim") {
        Some(Attribute::Int(k)) if *k >= 0 && (*k as usize) + 1 < rank => Some(*k as usize),
        _ => None,
    }
}

/// The body of a single-region op (`loop.for`, `loop.kernel`) of a verified module.
pub fn body_of(m: &Module, op: OpId) -> BlockId {
    m.region(m.op(op).regions[0]).blocks[0]
}

/// Whether `op` writes a buffer itself: a `loop.store`, `loop.vstore` or `loop.contract`.
pub fn is_store(m: &Module, op: OpId) -> bool {
    matches!(
        m.op(op).name,
        ops::LOOP_STORE | ops::LOOP_VSTORE | ops::LOOP_CONTRACT
    )
}

/// Every op nested in `op` (not `op` itself), appended to `out` outer first.
pub fn nested_ops(m: &Module, op: OpId, out: &mut Vec<OpId>) {
    for &r in &m.op(op).regions {
        for &b in &m.region(r).blocks {
            for &o in &m.block(b).ops {
                out.push(o);
                nested_ops(m, o, out);
            }
        }
    }
}

/// Whether `op` stores to a buffer, itself or in an op nested in it.
pub fn writes(m: &Module, op: OpId) -> bool {
    let mut all = vec![op];
    nested_ops(m, op, &mut all);
    all.into_iter().any(|o| is_store(m, o))
}

/// The `loop.kernel` named `name`.
pub fn find_kernel(m: &Module, name: &str) -> Option<OpId> {
    m.block(m.body()).ops.iter().copied().find(|&op| {
        let d = m.op(op);
        d.name == ops::LOOP_KERNEL
            && matches!(d.attrs.get("sym_name"), Some(Attribute::String(s)) if s == name)
    })
}

/// The workgroup count along each grid axis: the trip counts of the loops marked `grid`.
pub fn grid_size(m: &Module, kernel: OpId) -> Result<[i64; 3], crate::IrError> {
    let mut grid = [1i64; 3];
    let mut stack = vec![kernel];
    while let Some(op) = stack.pop() {
        let d = m.op(op);
        if d.name == ops::LOOP_FOR {
            let l = ForLoop::of(m, op)?;
            if let Some(g) = l.grid {
                grid[g as usize] *= l.trip_count();
            }
        }
        for &r in &d.regions {
            for &b in &m.region(r).blocks {
                stack.extend(m.block(b).ops.iter().copied());
            }
        }
    }
    Ok(grid)
}

/// The kernel a `loop.dispatch` or `host.dispatch` calls.
pub fn dispatched_kernel(m: &Module, op: OpId) -> Result<OpId, crate::IrError> {
    match m.op(op).attrs.get("kernel") {
        Some(Attribute::String(name)) => {
            Ok(find_kernel(m, name).ok_or_else(|| format!("no loop.kernel named '{name}'"))?)
        }
        _ => Err(format!("'{}' needs a string 'kernel'", m.op(op).name).into()),
    }
}

/// The buffer types of a kernel's arguments.
pub fn kernel_argument_types(m: &Module, kernel: OpId) -> Vec<Type> {
    let d = m.op(kernel);
    d.regions
        .first()
        .and_then(|&r| m.region(r).blocks.first())
        .map(|&b| {
            m.block(b)
                .args
                .iter()
                .map(|&a| m.value_type(a).clone())
                .collect()
        })
        .unwrap_or_default()
}

/// The byte size of each of a kernel's argument buffers (inputs, then results): what the
/// runtime must bind, the one computation every back end and the packager share.
pub fn kernel_argument_bytes(m: &Module, kernel: OpId) -> Result<Vec<usize>, crate::IrError> {
    kernel_argument_types(m, kernel)
        .iter()
        .map(|t| {
            let b = t
                .as_memref()
                .ok_or_else(|| format!("a kernel argument of type {t} is not a buffer"))?;
            strata_abi::tensor_bytes(b.elem, b.shape.dims())
                .ok_or_else(|| format!("a kernel argument of type {t} is too large").into())
        })
        .collect()
}

/// Every `loop.kernel` at the top of `m`, with its name, in module order.
pub fn kernels(m: &Module) -> Result<Vec<(OpId, &str)>, crate::IrError> {
    let mut out = Vec::new();
    for &op in &m.block(m.body()).ops {
        if m.op(op).name != ops::LOOP_KERNEL {
            continue;
        }
        match m.op(op).attrs.get("sym_name") {
            Some(Attribute::String(s)) => out.push((op, s.as_str())),
            _ => {
                return Err(format!(
                    "{}: a loop.kernel without a name",
                    crate::verify::op_location(m, op)
                )
                .into())
            }
        }
    }
    Ok(out)
}

fn verify_dispatch(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let d = m.op(op);
    let kernel = dispatched_kernel(m, op)?;
    let mut expected = Vec::new();
    for &v in d.operands.iter().chain(&d.results) {
        match m.value_type(v) {
            Type::Tensor(t) => expected.push(Type::MemRef(t.clone())),
            other => return Err(format!("loop.dispatch works on tensors, found {other}").into()),
        }
    }
    if kernel_argument_types(m, kernel) != expected {
        return Err("the kernel's buffers do not match the operand and result types".into());
    }
    Ok(())
}
