//! `loop.contract` on the CPU: a matrix-product tile as packed operands and a
//! register-blocked micro-kernel, in the manner of Goto's algorithm (and BLIS).
//!
//! For each block of rows (as many `MR`-row panels as 256 KiB hold) and of `KC` reduction
//! steps, A's rows are packed into `KC × MR` panels; then for each block of `NC` columns,
//! B's block is packed into `NR`-wide panels (`KC × NR` each, zero-padded), sized to stay
//! in L2, and for each A panel (in L1 while it lasts) the micro-kernel runs over every B
//! panel: `MR × NV` vector accumulators (`NR = NV` vectors) live in registers across the
//! whole `KC` loop, fed by one broadcast of A and `NV` loads of B per step, and C is read
//! and written once per block (masked at the edges). Each operand is packed about once
//! (A exactly once, B once per row block), none if it was packed at compile time.
//!
//! Both kernels are defined once per LLVM module, per blocking, with internal linkage,
//! and take their sizes at run time: one copy of the code serves every product of a
//! kernel object. The arithmetic is `loop.contract`'s: one `llvm.fma` chain per element
//! in increasing reduction order, starting from C's value (blocking the reduction only
//! cuts the chain where C is stored and reloaded, which rounds nothing).

use crate::CodegenError;
use inkwell::builder::Builder;
use inkwell::context::Context;
use inkwell::intrinsics::Intrinsic;
use inkwell::module::{Linkage, Module as LlModule};
use inkwell::types::{BasicType, BasicTypeEnum, VectorType};
use inkwell::values::{
    BasicValue, BasicValueEnum, FunctionValue, IntValue, PointerValue, VectorValue,
};
use inkwell::{AddressSpace, IntPredicate};
use strata_abi::CpuTarget;

type R<T> = Result<T, CodegenError>;

/// Reduction steps per packed block: an A panel (`KC × MR`) then fills a few KiB of L1.
const KC: u64 = 512;
/// The most stretches of consecutive elements a packed B vector is read as, one masked
/// load each, before it is gathered instead.
const MAX_RUNS: usize = 4;
/// How many reduction steps ahead the micro-kernel prefetches A.
const A_PREFETCH_STEPS: u64 = 64;
/// f32 elements per cache line.
const LINE_F32S: u64 = 16;
/// The most bytes a packed B block takes (it lives on the stack of the calling thread).
const MAX_B_BLOCK_BYTES: u64 = 256 << 10;
/// The most bytes a packed block of A's panels takes (on the stack too).
const MAX_A_BLOCK_BYTES: u64 = 256 << 10;

/// How the micro-kernel blocks a product for one CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Blocking {
    /// f32 lanes per vector register.
    pub lanes: u32,
    /// Vectors per micro-tile row: the tile is `mr × nv·lanes`.
    pub nv: u32,
    /// Rows per micro-tile.
    pub mr: u32,
    /// Reduction steps per block.
    pub kc: u64,
    /// Columns per packed B block (a multiple of `nv·lanes`).
    pub nc: u64,
}

impl Blocking {
    /// The blocking for products with `n` columns on `cpu` (`None`: a baseline CPU), with
    /// register tile `tile` (`[rows, columns]`; `None`: the target's own,
    /// [`strata_abi::target::micro_tile`]). Errors when the tile's columns are not one to
    /// four whole vectors of this CPU.
    pub fn for_target(
        cpu: Option<&CpuTarget>,
        n: usize,
        tile: Option<[usize; 2]>,
    ) -> Result<Blocking, String> {
        let (bits, regs, l2) = cpu
            .map(|c| (c.vector_bits, c.vector_registers(), c.l2_bytes))
            .unwrap_or((128, 16, 512 << 10));
        let lanes = (bits / 32).clamp(4, 16);
        let [mr, nr] = tile.unwrap_or_else(|| strata_abi::target::micro_tile(bits, regs, n));
        let nv = nr / lanes as usize;
        if nv == 0 || nv > 4 || nr % lanes as usize != 0 || mr == 0 || mr > 32 {
            return Err(format!(
                "a {mr}×{nr} register tile does not fit {bits}-bit vectors (1 to 4 of {lanes} lanes per row)"
            ));
        }
        let nr = nr as u64;
        let by_l2 = (l2 / 2) / (KC * 4);
        let by_stack = MAX_B_BLOCK_BYTES / (KC * 4);
        let nc = (by_l2.min(by_stack) / nr).max(1) * nr;
        Ok(Blocking {
            lanes,
            nv: nv as u32,
            mr: mr as u32,
            kc: KC,
            nc,
        })
    }

    /// Rows per packed A block: as many whole panels as fit [`MAX_A_BLOCK_BYTES`].
    fn mc(&self) -> u64 {
        let panels = (MAX_A_BLOCK_BYTES / (self.kc * 4 * self.mr as u64)).max(1);
        panels * self.mr as u64
    }

    fn nr(&self) -> u64 {
        (self.nv * self.lanes) as u64
    }

    fn suffix(&self) -> String {
        format!("{}x{}x{}", self.mr, self.nv, self.lanes)
    }
}

/// A builder over one function, with the loop helper the kernels are written with.
struct Gen<'ctx, 'a> {
    ctx: &'ctx Context,
    module: &'a LlModule<'ctx>,
    b: Builder<'ctx>,
    f: FunctionValue<'ctx>,
}

impl<'ctx> Gen<'ctx, '_> {
    fn i64(&self, v: u64) -> IntValue<'ctx> {
        self.ctx.i64_type().const_int(v, false)
    }

    fn param(&self, i: u32) -> R<BasicValueEnum<'ctx>> {
        self.f
            .get_nth_param(i)
            .ok_or_else(|| CodegenError::from("missing parameter"))
    }

    fn int_param(&self, i: u32) -> R<IntValue<'ctx>> {
        Ok(self.param(i)?.into_int_value())
    }

    fn ptr_param(&self, i: u32) -> R<PointerValue<'ctx>> {
        Ok(self.param(i)?.into_pointer_value())
    }

    fn min(&self, a: IntValue<'ctx>, b: IntValue<'ctx>) -> R<IntValue<'ctx>> {
        let lt = self.b.build_int_compare(IntPredicate::SLT, a, b, "")?;
        Ok(self.b.build_select(lt, a, b, "")?.into_int_value())
    }

    fn add(&self, a: IntValue<'ctx>, b: IntValue<'ctx>) -> R<IntValue<'ctx>> {
        Ok(self.b.build_int_add(a, b, "")?)
    }

    fn mul(&self, a: IntValue<'ctx>, b: IntValue<'ctx>) -> R<IntValue<'ctx>> {
        Ok(self.b.build_int_mul(a, b, "")?)
    }

    /// `p + i` f32 elements.
    fn at(&self, p: PointerValue<'ctx>, i: IntValue<'ctx>) -> R<PointerValue<'ctx>> {
        // Safety: the callers index within the tile `loop.contract` describes, or within
        // their own packing buffers.
        Ok(unsafe {
            self.b
                .build_in_bounds_gep(self.ctx.f32_type(), p, &[i], "")?
        })
    }

    /// `for (i = lo; i < hi; i += step) body(i)`.
    fn for_loop(
        &self,
        lo: IntValue<'ctx>,
        hi: IntValue<'ctx>,
        step: u64,
        body: impl FnOnce(&Self, IntValue<'ctx>) -> R<()>,
    ) -> R<()> {
        self.for_loop_by(lo, hi, self.i64(step), body)
    }

    /// [`Gen::for_loop`] with a step computed at run time (positive).
    fn for_loop_by(
        &self,
        lo: IntValue<'ctx>,
        hi: IntValue<'ctx>,
        step: IntValue<'ctx>,
        body: impl FnOnce(&Self, IntValue<'ctx>) -> R<()>,
    ) -> R<()> {
        let i64t = self.ctx.i64_type();
        let pre = self.b.get_insert_block().ok_or("no insertion block")?;
        let header = self.ctx.append_basic_block(self.f, "loop");
        let exit = self.ctx.append_basic_block(self.f, "exit");
        let enter = self.b.build_int_compare(IntPredicate::SLT, lo, hi, "")?;
        self.b.build_conditional_branch(enter, header, exit)?;
        self.b.position_at_end(header);
        let phi = self.b.build_phi(i64t, "i")?;
        phi.add_incoming(&[(&lo, pre)]);
        let i = phi.as_basic_value().into_int_value();
        body(self, i)?;
        let next = self.b.build_int_add(i, step, "")?;
        let latch = self.b.get_insert_block().ok_or("no insertion block")?;
        phi.add_incoming(&[(&next, latch)]);
        let again = self.b.build_int_compare(IntPredicate::SLT, next, hi, "")?;
        self.b.build_conditional_branch(again, header, exit)?;
        self.b.position_at_end(exit);
        Ok(())
    }

    fn call_intrinsic(
        &self,
        name: &str,
        types: &[BasicTypeEnum<'ctx>],
        args: &[BasicValueEnum<'ctx>],
    ) -> R<Option<BasicValueEnum<'ctx>>> {
        let f = Intrinsic::find(name)
            .and_then(|i| i.get_declaration(self.module, types))
            .ok_or_else(|| CodegenError::from(format!("no intrinsic {name}")))?;
        let args: Vec<_> = args.iter().map(|&a| a.into()).collect();
        Ok(self
            .b
            .build_call(f, &args, "")?
            .try_as_basic_value()
            .basic())
    }

    fn vtype(&self, lanes: u32) -> VectorType<'ctx> {
        self.ctx.f32_type().vec_type(lanes)
    }

    /// Lanes `0..lanes` below `valid` (an i64 that may be negative or past `lanes`).
    fn mask(&self, lanes: u32, valid: IntValue<'ctx>) -> R<VectorValue<'ctx>> {
        let i32t = self.ctx.i32_type();
        let iota = self.steps(lanes, 1);
        let clamped = self.min(
            self.b
                .build_select(
                    self.b
                        .build_int_compare(IntPredicate::SLT, valid, self.i64(0), "")?,
                    self.i64(0),
                    valid,
                    "",
                )?
                .into_int_value(),
            self.i64(lanes as u64),
        )?;
        let v = self.b.build_int_truncate(clamped, i32t, "")?;
        let splat = self.splat(v, lanes)?;
        Ok(self
            .b
            .build_int_compare(IntPredicate::SLT, iota, splat, "")?)
    }

    /// `p + idx[l]` f32 elements per lane: a vector of pointers with one scalar base and
    /// 32-bit offsets, which x86 gathers take as they are (one `vgatherdps` for 16
    /// lanes, where 64-bit addresses need two).
    fn gep_f32_lanes(&self, p: PointerValue<'ctx>, idx: VectorValue<'ctx>) -> R<VectorValue<'ctx>> {
        use inkwell::llvm_sys::core::LLVMBuildInBoundsGEP2;
        use inkwell::types::AsTypeRef;
        use inkwell::values::AsValueRef;
        let mut indices = [idx.as_value_ref()];
        // Safety: the builder is positioned (inkwell's own calls before this one checked
        // it), the operands belong to this context, and the offsets index within B, as
        // the offset tables promise.
        let v = unsafe {
            LLVMBuildInBoundsGEP2(
                self.b.as_mut_ptr(),
                self.ctx.f32_type().as_type_ref(),
                p.as_value_ref(),
                indices.as_mut_ptr(),
                1,
                c"".as_ptr(),
            )
        };
        if v.is_null() {
            return Err("a vector address could not be built".into());
        }
        // Safety: a GEP with a vector index yields a vector of pointers.
        Ok(unsafe { VectorValue::new(v) })
    }

    /// `p + i` i32 elements.
    fn at_i32(&self, p: PointerValue<'ctx>, i: IntValue<'ctx>) -> R<PointerValue<'ctx>> {
        // Safety: the offset tables have one entry per reduction step and column.
        Ok(unsafe {
            self.b
                .build_in_bounds_gep(self.ctx.i32_type(), p, &[i], "")?
        })
    }

    /// One mask per vector of an `NR`-wide row whose first `valid` lanes are real.
    fn masks(&self, blk: Blocking, valid: IntValue<'ctx>) -> R<Vec<VectorValue<'ctx>>> {
        (0..blk.nv)
            .map(|v| {
                let rem = self
                    .b
                    .build_int_sub(valid, self.i64(v as u64 * blk.lanes as u64), "")?;
                self.mask(blk.lanes, rem)
            })
            .collect()
    }

    fn masked_load_i32(
        &self,
        lanes: u32,
        p: PointerValue<'ctx>,
        mask: VectorValue<'ctx>,
    ) -> R<VectorValue<'ctx>> {
        self.masked_load_of(self.ctx.i32_type().vec_type(lanes), p, mask)
    }

    fn masked_gather(
        &self,
        lanes: u32,
        ptrs: VectorValue<'ctx>,
        mask: VectorValue<'ctx>,
    ) -> R<VectorValue<'ctx>> {
        let vt = self.vtype(lanes);
        let v = self.call_intrinsic(
            "llvm.masked.gather",
            &[vt.into(), ptrs.get_type().into()],
            &[ptrs.into(), mask.into(), vt.const_zero().into()],
        )?;
        Ok(v.ok_or("masked.gather returned nothing")?
            .into_vector_value())
    }

    /// The i32 vector `<0, by, 2·by, ...>` of `lanes` lanes.
    fn steps(&self, lanes: u32, by: u64) -> VectorValue<'ctx> {
        let i32t = self.ctx.i32_type();
        let v: Vec<IntValue> = (0..lanes as u64)
            .map(|l| i32t.const_int(l * by, false))
            .collect();
        VectorType::const_vector(&v)
    }

    /// `v` (an integer, boolean or float) in every one of `lanes` lanes.
    fn splat(&self, v: impl BasicValue<'ctx>, lanes: u32) -> R<VectorValue<'ctx>> {
        let v = v.as_basic_value_enum();
        let vt = match v.get_type() {
            BasicTypeEnum::IntType(t) => t.vec_type(lanes),
            BasicTypeEnum::FloatType(t) => t.vec_type(lanes),
            _ => return Err("a splat of a non-scalar".into()),
        };
        let one = self
            .b
            .build_insert_element(vt.get_undef(), v, self.i64(0), "")?;
        let zeros = self.ctx.i32_type().vec_type(lanes).const_zero();
        Ok(self
            .b
            .build_shuffle_vector(one, vt.get_undef(), zeros, "")?)
    }

    fn masked_load(
        &self,
        lanes: u32,
        p: PointerValue<'ctx>,
        mask: VectorValue<'ctx>,
    ) -> R<VectorValue<'ctx>> {
        self.masked_load_of(self.vtype(lanes), p, mask)
    }

    /// The lanes of a `vt` at `p` that `mask` selects, zero elsewhere (nothing else read).
    fn masked_load_of(
        &self,
        vt: VectorType<'ctx>,
        p: PointerValue<'ctx>,
        mask: VectorValue<'ctx>,
    ) -> R<VectorValue<'ctx>> {
        self.masked_load_into(p, mask, vt.const_zero())
    }

    /// The lanes at `p` that `mask` selects, `into`'s elsewhere (nothing else read).
    fn masked_load_into(
        &self,
        p: PointerValue<'ctx>,
        mask: VectorValue<'ctx>,
        into: VectorValue<'ctx>,
    ) -> R<VectorValue<'ctx>> {
        let ptr = self.ctx.ptr_type(AddressSpace::default());
        let v = self.call_intrinsic(
            "llvm.masked.load",
            &[into.get_type().into(), ptr.into()],
            &[p.into(), mask.into(), into.into()],
        )?;
        Ok(v.ok_or("masked.load returned nothing")?.into_vector_value())
    }

    fn masked_store(
        &self,
        v: VectorValue<'ctx>,
        p: PointerValue<'ctx>,
        mask: VectorValue<'ctx>,
    ) -> R<()> {
        let ptr = self.ctx.ptr_type(AddressSpace::default());
        self.call_intrinsic(
            "llvm.masked.store",
            &[v.get_type().into(), ptr.into()],
            &[v.into(), p.into(), mask.into()],
        )?;
        Ok(())
    }

    fn load_vector(&self, lanes: u32, p: PointerValue<'ctx>, align: u32) -> R<VectorValue<'ctx>> {
        let v = self.b.build_load(self.vtype(lanes), p, "")?;
        if let Some(i) = v.as_instruction_value() {
            let _ = i.set_alignment(align);
        }
        Ok(v.into_vector_value())
    }

    fn store(&self, v: BasicValueEnum<'ctx>, p: PointerValue<'ctx>, align: u32) -> R<()> {
        let st = self.b.build_store(p, v)?;
        let _ = st.set_alignment(align);
        Ok(())
    }
}

fn begin<'ctx, 'a>(
    ctx: &'ctx Context,
    module: &'a LlModule<'ctx>,
    name: &str,
    params: &[inkwell::types::BasicMetadataTypeEnum<'ctx>],
) -> Gen<'ctx, 'a> {
    let fn_type = ctx.void_type().fn_type(params, false);
    let f = module.add_function(name, fn_type, Some(Linkage::Internal));
    let entry = ctx.append_basic_block(f, "entry");
    let b = ctx.create_builder();
    b.position_at_end(entry);
    Gen { ctx, module, b, f }
}

/// `void ukernel(ptr a, ptr b_panel, ptr c, i64 ldc, i64 kc, i64 mr, i64 nr, i64 a_rs,
/// i64 a_ks, i64 load_c)`: `C[0..mr, 0..nr] += A·B̃` (`=` when `load_c` is 0) over
/// `kc ≥ 1` steps of a packed B panel, A's element `(r, l)` at `a + r·a_rs + l·a_ks` (a
/// packed panel, or A's own rows).
///
/// With `windows`, B is not a packed panel but `NV` vectors read where they lie: the
/// parameters after `c` are then `ptr kb, ptr vecs`, vector `v`'s lanes at step `l` are
/// `b[kb[l] + vecs[3v] + lane]` for its first `vecs[3v + 2]` lanes, and it accumulates
/// into `C[r·ldc + vecs[3v + 1] + lane]` (a stretch of output row of a stride-1 window,
/// read with masked loads: no lane past the stretch is touched).
///
/// With `a_tables`, A is read in place through offset tables: `a_rs` and `a_ks` are then
/// pointers `ia` and `ka` (i32), and A's element `(r, l)` is `a[ia[r] + ka[l]]` — a
/// channels-last convolution's input, one table load per step shared by the rows.
///
/// With `prefetch_b` (B packed, not windows), two last parameters `ptr ahead, i64 rate`
/// say what to fetch into L2 as it goes: at step `l`, the cache line
/// `(l·rate) >> 16` of `ahead`, part of the B block the product reads next (see
/// [`prefetch_window`]).
fn define_ukernel<'ctx>(
    ctx: &'ctx Context,
    module: &LlModule<'ctx>,
    blk: Blocking,
    windows: bool,
    a_tables: bool,
    prefetch_b: bool,
) -> R<FunctionValue<'ctx>> {
    let prefetch_b = prefetch_b && !windows;
    let name = format!(
        "strata.ukernel{}{}{}.{}",
        if windows { "_windows" } else { "" },
        if a_tables { "_at" } else { "" },
        if prefetch_b { "_pf" } else { "" },
        blk.suffix()
    );
    if let Some(f) = module.get_function(&name) {
        return Ok(f);
    }
    let ptr = ctx.ptr_type(AddressSpace::default());
    let i64t = ctx.i64_type();
    let i32t = ctx.i32_type();
    let mut params: Vec<inkwell::types::BasicMetadataTypeEnum> =
        vec![ptr.into(), ptr.into(), ptr.into()];
    params.extend([inkwell::types::BasicMetadataTypeEnum::from(i64t); 4]);
    let a_addressing: inkwell::types::BasicMetadataTypeEnum =
        if a_tables { ptr.into() } else { i64t.into() };
    params.extend([a_addressing, a_addressing, i64t.into()]);
    if windows {
        params.extend([inkwell::types::BasicMetadataTypeEnum::from(ptr); 2]);
    }
    if prefetch_b {
        params.extend([
            inkwell::types::BasicMetadataTypeEnum::from(ptr),
            i64t.into(),
        ]);
    }
    let g = begin(ctx, module, &name, &params);
    let ahead = if prefetch_b {
        Some((g.ptr_param(10)?, g.int_param(11)?))
    } else {
        None
    };
    let (ap, bp, c) = (g.ptr_param(0)?, g.ptr_param(1)?, g.ptr_param(2)?);
    // Strides, or (with `a_tables`) the row and step offset tables.
    let a_strides = if a_tables {
        None
    } else {
        Some((g.int_param(7)?, g.int_param(8)?))
    };
    let a_offsets = if a_tables {
        Some((g.ptr_param(7)?, g.ptr_param(8)?))
    } else {
        None
    };
    let zext = |x: IntValue<'ctx>| g.b.build_int_z_extend(x, i64t, "");
    let load_i32 = |p: PointerValue<'ctx>, i: IntValue<'ctx>| -> R<IntValue<'ctx>> {
        let x = g.b.build_load(i32t, g.at_i32(p, i)?, "")?;
        Ok(zext(x.into_int_value())?)
    };
    let load_c =
        g.b.build_int_compare(IntPredicate::NE, g.int_param(9)?, g.i64(0), "")?;
    let (ldc, kc, mr, nr) = (
        g.int_param(3)?,
        g.int_param(4)?,
        g.int_param(5)?,
        g.int_param(6)?,
    );
    let (lanes, nv, rows) = (blk.lanes, blk.nv as usize, blk.mr as usize);
    let nr_total = blk.nr();
    // Windows: each vector's B offset, C offset and length; else the panel's vectors
    // side by side, the last ones cut at `nr`.
    let windows_tables = if windows {
        Some((g.ptr_param(10)?, g.ptr_param(11)?))
    } else {
        None
    };
    let field = |v: usize, f: u64| -> R<IntValue<'ctx>> {
        let (_, vecs) = windows_tables.ok_or("no vector table")?;
        let x =
            g.b.build_load(i32t, g.at_i32(vecs, g.i64(3 * v as u64 + f))?, "")?;
        Ok(g.b.build_int_z_extend(x.into_int_value(), i64t, "")?)
    };
    let mut masks: Vec<VectorValue> = Vec::with_capacity(nv);
    let mut c_cols: Vec<IntValue> = Vec::with_capacity(nv);
    let mut b_vecs: Vec<PointerValue> = Vec::with_capacity(nv);
    for v in 0..nv {
        if windows {
            masks.push(g.mask(lanes, field(v, 2)?)?);
            c_cols.push(field(v, 1)?);
            b_vecs.push(g.at(bp, field(v, 0)?)?);
        } else {
            let rem = g.b.build_int_sub(nr, g.i64(v as u64 * lanes as u64), "")?;
            masks.push(g.mask(lanes, rem)?);
            c_cols.push(g.i64(v as u64 * lanes as u64));
        }
    }
    // Rows past `mr` read the last real row (never stored): no out-of-bounds reads.
    let last = g.b.build_int_sub(mr, g.i64(1), "")?;
    let mut row_ptrs = Vec::with_capacity(rows);
    for r in 0..rows {
        let row = g.min(g.i64(r as u64), last)?;
        row_ptrs.push(g.at(c, g.mul(row, ldc)?)?);
    }
    // A's rows: `a_rs` apart, steps `a_ks` apart (a packed panel: 1 and `rows`; A as it
    // is: its row stride and 1), or where the row table says; rows past `mr` read the
    // last real one.
    let mut a_rows = Vec::with_capacity(rows);
    for r in 0..rows {
        let row = g.min(g.i64(r as u64), last)?;
        let off = match (a_strides, a_offsets) {
            (Some((a_rs, _)), _) => g.mul(row, a_rs)?,
            (_, Some((ia, _))) => load_i32(ia, row)?,
            _ => return Err("a micro-kernel without A's addressing".into()),
        };
        a_rows.push(g.at(ap, off)?);
    }
    // C's running value, or zeros (no lanes read) when the product starts here.
    let loading = g.splat(load_c, lanes)?;
    let mut init = Vec::with_capacity(rows * nv);
    for &row in &row_ptrs {
        for (&mask, &col) in masks.iter().zip(&c_cols) {
            let p = g.at(row, col)?;
            let mask = g.b.build_and(mask, loading, "")?;
            init.push(g.masked_load(lanes, p, mask)?);
        }
    }
    let pre = g.b.get_insert_block().ok_or("no insertion block")?;
    let body = ctx.append_basic_block(g.f, "k");
    let done = ctx.append_basic_block(g.f, "store");
    g.b.build_unconditional_branch(body)?;
    g.b.position_at_end(body);
    let kk = g.b.build_phi(i64t, "kk")?;
    kk.add_incoming(&[(&g.i64(0), pre)]);
    let vt = g.vtype(lanes);
    let mut phis = Vec::with_capacity(init.len());
    for &v in &init {
        let phi = g.b.build_phi(vt, "acc")?;
        phi.add_incoming(&[(&v, pre)]);
        phis.push(phi);
    }
    let kkv = kk.as_basic_value().into_int_value();
    let a_step = match (a_strides, a_offsets) {
        (Some((_, a_ks)), _) => g.mul(kkv, a_ks)?,
        (_, Some((_, ka))) => load_i32(ka, kkv)?,
        _ => return Err("a micro-kernel without A's addressing".into()),
    };
    let bvals: Vec<VectorValue> = match windows_tables {
        Some((kb, _)) => {
            let off = g.b.build_load(i32t, g.at_i32(kb, kkv)?, "")?;
            let off = g.b.build_int_z_extend(off.into_int_value(), i64t, "")?;
            b_vecs
                .iter()
                .zip(&masks)
                .map(|(&p, &mask)| g.masked_load(lanes, g.at(p, off)?, mask))
                .collect::<R<_>>()?
        }
        None => {
            let b_row = g.at(bp, g.mul(kkv, g.i64(nr_total))?)?;
            if let Some((ahead, rate)) = ahead {
                let at =
                    g.b.build_right_shift(g.mul(kkv, rate)?, g.i64(16), false, "")?;
                // Safety: a prefetch never faults, and the address is not dereferenced.
                let line = unsafe {
                    g.b.build_gep(ctx.f32_type(), ahead, &[g.mul(at, g.i64(LINE_F32S))?], "")?
                };
                g.call_intrinsic(
                    "llvm.prefetch",
                    &[ptr.into()],
                    &[
                        line.into(),
                        i32t.const_zero().into(),
                        i32t.const_int(2, false).into(),
                        i32t.const_int(1, false).into(),
                    ],
                )?;
            }
            let align = (lanes * 4).min(64);
            (0..nv)
                .map(|v| g.load_vector(lanes, g.at(b_row, g.i64(v as u64 * lanes as u64))?, align))
                .collect::<R<_>>()?
        }
    };
    // A streams through once per column panel while B's panel sits in cache: fetch it
    // ahead, as the hardware prefetcher loses the stream at each panel's jump (a packed
    // panel is `a_ks = rows` apart per step, so row 0's pointer walks all of it). A read
    // through tables is a window of a few image rows, in cache already.
    if let Some((_, a_ks)) = a_strides {
        let ahead = g.b.build_int_add(kkv, g.i64(A_PREFETCH_STEPS), "")?;
        let ahead = g.mul(ahead, a_ks)?;
        // Safety: a prefetch never faults, and the address is not dereferenced.
        let pf = unsafe { g.b.build_gep(ctx.f32_type(), a_rows[0], &[ahead], "")? };
        g.call_intrinsic(
            "llvm.prefetch",
            &[ptr.into()],
            &[
                pf.into(),
                ctx.i32_type().const_zero().into(),
                ctx.i32_type().const_int(3, false).into(),
                ctx.i32_type().const_int(1, false).into(),
            ],
        )?;
    }
    let mut next = Vec::with_capacity(phis.len());
    for (r, &a_row) in a_rows.iter().enumerate() {
        let a = g.b.build_load(ctx.f32_type(), g.at(a_row, a_step)?, "")?;
        let a = g.splat(a, lanes)?;
        for (v, &bv) in bvals.iter().enumerate() {
            let acc = phis[r * nv + v].as_basic_value();
            let s = g
                .call_intrinsic("llvm.fma", &[vt.into()], &[a.into(), bv.into(), acc])?
                .ok_or("fma returned nothing")?;
            next.push(s);
        }
    }
    let k1 = g.b.build_int_add(kkv, g.i64(1), "")?;
    let latch = g.b.get_insert_block().ok_or("no insertion block")?;
    kk.add_incoming(&[(&k1, latch)]);
    for (phi, v) in phis.iter().zip(&next) {
        phi.add_incoming(&[(v, latch)]);
    }
    let again = g.b.build_int_compare(IntPredicate::SLT, k1, kc, "")?;
    g.b.build_conditional_branch(again, body, done)?;
    g.b.position_at_end(done);
    for (r, &row) in row_ptrs.iter().enumerate() {
        let store_row = |g: &Gen<'ctx, '_>| -> R<()> {
            for (v, (&mask, &col)) in masks.iter().zip(&c_cols).enumerate() {
                let p = g.at(row, col)?;
                g.masked_store(next[r * nv + v].into_vector_value(), p, mask)?;
            }
            Ok(())
        };
        if r == 0 {
            store_row(&g)?;
            continue;
        }
        let yes = ctx.append_basic_block(g.f, "row");
        let after = ctx.append_basic_block(g.f, "next_row");
        let real =
            g.b.build_int_compare(IntPredicate::SLT, g.i64(r as u64), mr, "")?;
        g.b.build_conditional_branch(real, yes, after)?;
        g.b.position_at_end(yes);
        store_row(&g)?;
        g.b.build_unconditional_branch(after)?;
        g.b.position_at_end(after);
    }
    g.b.build_return(None)?;
    Ok(g.f)
}

/// How the gemm kernel finds its operands' elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Addressing {
    /// One stride per box: `gemm(ptr A, i64 sa_m, i64 sa_k, ptr B, i64 sb_k, i64 sb_n,
    /// ptr C, i64 sc_m, i64 m, i64 n, i64 k, i64 accumulate)`.
    Strided,
    /// Offset tables (i32) for the row, reduction and column boxes: `gemm(ptr A, ptr ia,
    /// ptr ka, ptr B, ptr kb, ptr jb, ptr C, i64 sc_m, i64 m, i64 n, i64 k, i64
    /// accumulate)`; B's element `(l, j)` is `B[kb[l] + jb[j]]`, A's `(i, l)` is
    /// `A[ia[i] + ka[l]]`, read where it lies (unless stored packed), C's `(i, j)`
    /// `C[i·sc_m + j]`.
    Tables,
    /// [`Addressing::Tables`] with B read where it lies, never packed: `jb` is a table
    /// of vectors (`[B offset, C offset, length]` each, see [`window_vectors`]) and `n`
    /// their count, a multiple of the micro-tile's vectors. For stride-1 windows, whose
    /// output rows are stretches of consecutive input elements.
    Windows,
}

/// B's columns of a stride-1 window cut into vectors of `lanes` for
/// [`Addressing::Windows`]: each a stretch of consecutive columns, consecutive in B
/// (`b_cols`, element offsets) and in C (`c_cols`), as `[b offset, c offset, length]`,
/// padded with empty vectors to a multiple of `nv`. `None` when the stretches are so
/// short that packing B wastes fewer lanes by more than packing costs (a 7-wide output
/// row fills 7 of 16 lanes; `nr`-wide packed panels fill 49 of 64).
pub fn window_vectors(
    b_cols: &[usize],
    c_cols: &[usize],
    lanes: usize,
    nv: usize,
) -> Option<Vec<u32>> {
    let n = b_cols.len();
    if n == 0 || c_cols.len() != n {
        return None;
    }
    let mut out = Vec::new();
    let mut j = 0;
    while j < n {
        let mut len = 1;
        while len < lanes
            && j + len < n
            && b_cols[j + len] == b_cols[j] + len
            && c_cols[j + len] == c_cols[j] + len
        {
            len += 1;
        }
        out.extend([
            u32::try_from(b_cols[j]).ok()?,
            u32::try_from(c_cols[j]).ok()?,
            len as u32,
        ]);
        j += len;
    }
    let vectors = (out.len() / 3).div_ceil(nv) * nv;
    out.resize(3 * vectors, 0);
    let nr = lanes * nv;
    let direct = n as f64 / (vectors * lanes) as f64;
    let packed = n as f64 / (n.div_ceil(nr) * nr) as f64;
    // Packing B costs a tenth to a fifth of a convolution's time, but the measured
    // break-even is near: a 784-column window (87.5% of lanes in rows of 56) packs
    // faster than it reads in place (96% of lanes).
    (direct >= packed * 0.95).then_some(out)
}

/// The operands of one gemm kernel as its parameters.
struct Operands<'ctx> {
    a: PointerValue<'ctx>,
    /// Strided: A's row stride; tables: the row offset table `ia`.
    sa_m: BasicValueEnum<'ctx>,
    b: PointerValue<'ctx>,
    c: PointerValue<'ctx>,
    sc_m: IntValue<'ctx>,
    /// Strided: (sa_k, sb_k, sb_n) as values; tables: (ka, kb, jb) as pointers.
    strided: Option<[IntValue<'ctx>; 3]>,
    tables: Option<[PointerValue<'ctx>; 3]>,
}

/// One matrix-product routine: a blocking, an addressing and which operands come packed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GemmVariant {
    pub blk: Blocking,
    pub addressing: Addressing,
    pub packed: [bool; 2],
}

impl GemmVariant {
    /// The routine's symbol (after the caller's prefix).
    pub fn name(&self) -> String {
        format!(
            "strata.gemm{}{}{}.{}",
            match self.addressing {
                Addressing::Tables => "_tables",
                Addressing::Windows => "_windows",
                Addressing::Strided => "",
            },
            if self.packed[0] { "_pa" } else { "" },
            if self.packed[1] { "_pb" } else { "" },
            self.blk.suffix()
        )
    }

    fn params<'ctx>(&self, ctx: &'ctx Context) -> Vec<inkwell::types::BasicMetadataTypeEnum<'ctx>> {
        let ptr = ctx.ptr_type(AddressSpace::default()).as_basic_type_enum();
        let i64t = ctx.i64_type().as_basic_type_enum();
        let (x, y) = match self.addressing {
            Addressing::Tables | Addressing::Windows => (ptr, ptr),
            Addressing::Strided => (i64t, i64t),
        };
        [ptr, x, x, ptr, y, y, ptr, i64t, i64t, i64t, i64t, i64t]
            .into_iter()
            .map(Into::into)
            .collect()
    }

    /// A declaration of the routine named `prefix` + [`GemmVariant::name`], defined in
    /// another object (see [`define_library`]).
    pub fn declare<'ctx>(
        &self,
        ctx: &'ctx Context,
        module: &LlModule<'ctx>,
        prefix: &str,
    ) -> FunctionValue<'ctx> {
        let name = format!("{prefix}{}", self.name());
        module.get_function(&name).unwrap_or_else(|| {
            let fn_type = ctx.void_type().fn_type(&self.params(ctx), false);
            module.add_function(&name, fn_type, Some(Linkage::External))
        })
    }
}

/// Defines `variants` in `module`, exported as `prefix` + their names: the one copy of
/// the matrix-product code every kernel object of a model calls, compiled once.
pub fn define_library<'ctx>(
    ctx: &'ctx Context,
    module: &LlModule<'ctx>,
    prefix: &str,
    variants: &[GemmVariant],
) -> R<()> {
    for v in variants {
        let f = gemm_function(ctx, module, v.blk, v.addressing, v.packed)?;
        f.set_linkage(Linkage::External);
        f.as_global_value()
            .set_name(&format!("{prefix}{}", v.name()));
    }
    Ok(())
}

/// The gemm kernel for `blk` and `addressing`: `loop.contract` with C's columns
/// contiguous, defined in `module` (with internal linkage) on first use.
pub fn gemm_function<'ctx>(
    ctx: &'ctx Context,
    module: &LlModule<'ctx>,
    blk: Blocking,
    addressing: Addressing,
    packed: [bool; 2],
) -> R<FunctionValue<'ctx>> {
    let variant = GemmVariant {
        blk,
        addressing,
        packed,
    };
    let tables = addressing != Addressing::Strided;
    let windows = addressing == Addressing::Windows;
    if windows && packed[1] {
        return Err("a window's B is read in place, never stored packed".into());
    }
    let name = variant.name();
    if let Some(f) = module.get_function(&name) {
        return Ok(f);
    }
    // A read in place through its tables, unless it comes packed.
    let a_tables = tables && !packed[0];
    let ukernel = define_ukernel(ctx, module, blk, windows, a_tables, packed[1])?;
    let g = begin(ctx, module, &name, &variant.params(ctx));
    let ops = Operands {
        a: g.ptr_param(0)?,
        sa_m: g.param(1)?,
        b: g.ptr_param(3)?,
        c: g.ptr_param(6)?,
        sc_m: g.int_param(7)?,
        strided: if tables {
            None
        } else {
            Some([g.int_param(2)?, g.int_param(4)?, g.int_param(5)?])
        },
        tables: if tables {
            Some([g.ptr_param(2)?, g.ptr_param(4)?, g.ptr_param(5)?])
        } else {
            None
        },
    };
    let (m, n, k) = (g.int_param(8)?, g.int_param(9)?, g.int_param(10)?);
    let accumulate = g.int_param(11)?;
    let rows = blk.mr as u64;
    let nr = blk.nr();
    let f32t = ctx.f32_type();
    let mc = blk.mc();
    // A whose rows are contiguous along the reduction is read as it is (MR rows as
    // MR streams), not packed: packing it only copied what the micro-kernel reads well.
    let direct_a = match ops.strided {
        Some([sa_k, ..]) if !packed[0] => {
            g.b.build_int_compare(IntPredicate::EQ, sa_k, g.i64(1), "")?
        }
        _ => g.ctx.bool_type().const_zero(),
    };
    let b_block =
        g.b.build_array_alloca(f32t, g.i64(blk.kc * blk.nc), "packed_b")?;
    let a_block =
        g.b.build_array_alloca(f32t, g.i64(blk.kc * mc), "packed_a")?;
    for p in [b_block, a_block] {
        if let Some(i) = p.as_instruction() {
            let _ = i.set_alignment(64);
        }
    }
    // Reduction blocks of equal length (784 = 4 × 196, not 3 × 256 + 16): a short last
    // block would pay a whole block's load and store of C for little work.
    let blocks = g.b.build_int_unsigned_div(
        g.b.build_int_add(k, g.i64(blk.kc - 1), "")?,
        g.i64(blk.kc),
        "",
    )?;
    let step = g.b.build_int_unsigned_div(
        g.b.build_int_add(k, g.b.build_int_sub(blocks, g.i64(1), "")?, "")?,
        blocks,
        "",
    )?;
    let a_at = AOperand {
        a: ops.a,
        sa_m: ops.sa_m,
        ka: ops.tables.map(|[ka, ..]| ka),
        packed: packed[0],
        tables: a_tables,
        direct: direct_a,
        block: a_block,
        k,
        rows,
    };
    // Rows in blocks of `mc`: each block's A panels are packed once per reduction block
    // and serve every column block (A is packed once in all); B's block is packed once
    // per row block.
    // A read in place needs no block of its own: one row block, so that each B block
    // is read once (from memory, for weights packed at compile time) for all rows.
    let mc = if a_tables { m } else { g.i64(mc) };
    g.for_loop_by(g.i64(0), m, mc, |g, ic0| {
        let rows_here = g.min(mc, g.b.build_int_sub(m, ic0, "")?)?;
        g.for_loop_by(g.i64(0), k, step, |g, pc| {
            let kc = g.min(step, g.b.build_int_sub(k, pc, "")?)?;
            // C is read unless the product overwrites it and this is its first block.
            let load_c = g.b.build_or(accumulate, pc, "")?;
            if !packed[0] && !a_tables {
                let pack = g.ctx.append_basic_block(g.f, "pack_a");
                let packed_a = g.ctx.append_basic_block(g.f, "packed_a");
                g.b.build_conditional_branch(direct_a, packed_a, pack)?;
                g.b.position_at_end(pack);
                g.for_loop(g.i64(0), rows_here, rows, |g, ir| {
                    let ic = g.add(ic0, ir)?;
                    let mr = g.min(g.i64(rows), g.b.build_int_sub(m, ic, "")?)?;
                    let panel = g.at(a_block, g.mul(ir, kc)?)?;
                    pack_a(g, &ops, panel, rows, ic, pc, mr, kc)
                })?;
                g.b.build_unconditional_branch(packed_a)?;
                g.b.position_at_end(packed_a);
            }
            if windows {
                let [_, kb, vecs] = ops.tables.ok_or("gemm without tables")?;
                let kb_here = g.at_i32(kb, pc)?;
                // Each panel of vectors (stretches of output rows) stays in cache while
                // the row block's A panels stream past it.
                return g.for_loop(g.i64(0), n, blk.nv as u64, |g, p| {
                    let vecs_here = g.at_i32(vecs, g.mul(p, g.i64(3))?)?;
                    g.for_loop(g.i64(0), rows_here, rows, |g, ir| {
                        let ic = g.add(ic0, ir)?;
                        let mr = g.min(g.i64(rows), g.b.build_int_sub(m, ic, "")?)?;
                        let [a_here, a_rs, a_ks] = a_operand(&a_at, g, ic, ir, pc, kc)?;
                        let c_rows = g.at(ops.c, g.mul(ic, ops.sc_m)?)?;
                        let args: Vec<inkwell::values::BasicMetadataValueEnum> = vec![
                            a_here,
                            ops.b.into(),
                            c_rows.into(),
                            ops.sc_m.into(),
                            kc.into(),
                            mr.into(),
                            g.i64(0).into(),
                            a_rs,
                            a_ks,
                            load_c.into(),
                            kb_here.into(),
                            vecs_here.into(),
                        ];
                        g.b.build_call(ukernel, &args, "")?;
                        Ok(())
                    })
                });
            }
            g.for_loop(g.i64(0), n, blk.nc, |g, jc| {
                let nc = g.min(g.i64(blk.nc), g.b.build_int_sub(n, jc, "")?)?;
                let at = BBlock {
                    panels: b_block,
                    jc,
                    pc,
                    nc,
                    kc,
                };
                match (packed[1], ops.strided, ops.tables) {
                    (true, ..) => {}
                    (_, Some([_, sb_k, sb_n]), _) => pack_b(g, blk, ops.b, sb_k, sb_n, &at)?,
                    (_, _, Some([_, kb, jb])) => pack_b_tables(g, blk, ops.b, kb, jb, &at)?,
                    _ => return Err("gemm without addressing".into()),
                }
                g.for_loop(g.i64(0), rows_here, rows, |g, ir| {
                    let ic = g.add(ic0, ir)?;
                    let mr = g.min(g.i64(rows), g.b.build_int_sub(m, ic, "")?)?;
                    let [a_here, a_rs, a_ks] = a_operand(&a_at, g, ic, ir, pc, kc)?;
                    let c_rows = g.at(ops.c, g.add(g.mul(ic, ops.sc_m)?, jc)?)?;
                    g.for_loop(g.i64(0), nc, nr, |g, jr| {
                        let nr_here = g.min(g.i64(nr), g.b.build_int_sub(nc, jr, "")?)?;
                        let panel = if packed[1] {
                            let col = g.add(jc, jr)?;
                            g.at(ops.b, g.add(g.mul(col, k)?, g.mul(pc, g.i64(nr))?)?)?
                        } else {
                            g.at(b_block, g.mul(jr, kc)?)?
                        };
                        let mut args: Vec<inkwell::values::BasicMetadataValueEnum> = vec![
                            a_here,
                            panel.into(),
                            g.at(c_rows, jr)?.into(),
                            ops.sc_m.into(),
                            kc.into(),
                            mr.into(),
                            nr_here.into(),
                            a_rs,
                            a_ks,
                            load_c.into(),
                        ];
                        if packed[1] {
                            let bounds = [k, step, n, rows_here];
                            let (ahead, rate) = prefetch_window(g, &ops, blk, &at, bounds, ir, jr)?;
                            args.push(ahead.into());
                            args.push(rate.into());
                        }
                        g.b.build_call(ukernel, &args, "")?;
                        Ok(())
                    })
                })
            })
        })
    })?;
    g.b.build_return(None)?;
    Ok(g.f)
}

/// What the micro-kernel working on rows `ir..` (of the row block) and columns `jr..`
/// (of the B block `at`) fetches ahead, and how fast: its share of the same panel of
/// the next B block in loop order (the next columns at this reduction step, or the
/// first columns at the next step). Weights packed at compile time come from memory
/// once per product, and each B block's first row panel would wait on them. Each of the
/// block's row panels takes an equal run of the panel's lines (at most one per step),
/// so that the fetch is spread over the whole block instead of asking memory for all of
/// it at once. Past B's end it fetches nothing useful, harmlessly. `bounds` are the
/// product's `k`, reduction block step, `n` and the row block's rows.
fn prefetch_window<'ctx>(
    g: &Gen<'ctx, '_>,
    ops: &Operands<'ctx>,
    blk: Blocking,
    at: &BBlock<'ctx>,
    bounds: [IntValue<'ctx>; 4],
    ir: IntValue<'ctx>,
    jr: IntValue<'ctx>,
) -> R<(PointerValue<'ctx>, IntValue<'ctx>)> {
    let [k, step, n, rows] = bounds;
    let nr = blk.nr();
    let mr = g.i64(blk.mr as u64);
    let next_jc = g.add(at.jc, g.i64(blk.nc))?;
    let wrap = g.b.build_int_compare(IntPredicate::SGE, next_jc, n, "")?;
    let next_jc =
        g.b.build_select(wrap, g.i64(0), next_jc, "")?
            .into_int_value();
    let next_pc =
        g.b.build_select(wrap, g.add(at.pc, step)?, at.pc, "")?
            .into_int_value();
    let col = g.add(next_jc, jr)?;
    let panel = g.add(g.mul(col, k)?, g.mul(next_pc, g.i64(nr))?)?;
    // The panel's `kc·nr / 16` lines in equal runs over the row panels, a run at most
    // `kc` (one line a step).
    let lines =
        g.b.build_int_unsigned_div(g.mul(at.kc, g.i64(nr))?, g.i64(LINE_F32S), "")?;
    let panels =
        g.b.build_int_unsigned_div(g.add(rows, g.i64(blk.mr as u64 - 1))?, mr, "")?;
    let run = g.b.build_int_unsigned_div(
        g.add(lines, g.b.build_int_sub(panels, g.i64(1), "")?)?,
        panels,
        "",
    )?;
    let run = g.min(run, at.kc)?;
    let first = g.mul(g.b.build_int_unsigned_div(ir, mr, "")?, run)?;
    let offset = g.add(panel, g.mul(first, g.i64(LINE_F32S))?)?;
    let rate =
        g.b.build_int_unsigned_div(g.b.build_left_shift(run, g.i64(16), "")?, at.kc, "")?;
    // Safety: the address is only prefetched.
    let ahead = unsafe { g.b.build_gep(g.ctx.f32_type(), ops.b, &[offset], "")? };
    Ok((ahead, rate))
}

/// Where the micro-kernel finds A: stored packed (panels of `rows` rows over all `k`
/// steps), read in place (`direct`, rows `sa_m` apart; or `tables`, rows at the offsets
/// of table `sa_m`, steps at those of `ka`), or packed at run time into `block`.
struct AOperand<'ctx> {
    a: PointerValue<'ctx>,
    sa_m: BasicValueEnum<'ctx>,
    ka: Option<PointerValue<'ctx>>,
    packed: bool,
    tables: bool,
    direct: IntValue<'ctx>,
    block: PointerValue<'ctx>,
    k: IntValue<'ctx>,
    rows: u64,
}

/// The micro-kernel's A arguments for rows `ic..` (the `ir`-th panel of its row block)
/// at reduction step `pc`: where A is, and its row and step strides (or tables).
fn a_operand<'ctx>(
    at: &AOperand<'ctx>,
    g: &Gen<'ctx, '_>,
    ic: IntValue<'ctx>,
    ir: IntValue<'ctx>,
    pc: IntValue<'ctx>,
    kc: IntValue<'ctx>,
) -> R<[inkwell::values::BasicMetadataValueEnum<'ctx>; 3]> {
    let rows = at.rows;
    if at.packed {
        // Stored packed: the panel of rows ic.. at step pc (ic·k = its start).
        let p = g.at(at.a, g.add(g.mul(ic, at.k)?, g.mul(pc, g.i64(rows))?)?)?;
        return Ok([p.into(), g.i64(1).into(), g.i64(rows).into()]);
    }
    if at.tables {
        let ia = g.at_i32(at.sa_m.into_pointer_value(), ic)?;
        let ka = g.at_i32(at.ka.ok_or("A's tables without ka")?, pc)?;
        return Ok([at.a.into(), ia.into(), ka.into()]);
    }
    let sa_m = at.sa_m.into_int_value();
    let own = g.at(at.a, g.add(g.mul(ic, sa_m)?, pc)?)?;
    let panel = g.at(at.block, g.mul(ir, kc)?)?;
    let pick = |x: IntValue<'ctx>, y: IntValue<'ctx>| -> R<IntValue<'ctx>> {
        Ok(g.b.build_select(at.direct, x, y, "")?.into_int_value())
    };
    Ok([
        g.b.build_select(at.direct, own, panel, "")?.into(),
        pick(sa_m, g.i64(1))?.into(),
        pick(g.i64(1), g.i64(rows))?.into(),
    ])
}

/// Packs A's rows `ic..ic + mr` at reduction steps `pc..pc + kc` into one panel of
/// `kc × rows` (zero past `mr`; rows past it read the last real one, never out of
/// bounds).
#[allow(clippy::too_many_arguments)]
fn pack_a<'ctx>(
    g: &Gen<'ctx, '_>,
    ops: &Operands<'ctx>,
    a_panel: PointerValue<'ctx>,
    rows: u64,
    ic: IntValue<'ctx>,
    pc: IntValue<'ctx>,
    mr: IntValue<'ctx>,
    kc: IntValue<'ctx>,
) -> R<()> {
    let f32t = g.ctx.f32_type();
    let last = g.b.build_int_sub(mr, g.i64(1), "")?;
    let [sa_k, ..] = ops
        .strided
        .ok_or("A is packed at run time only when strided")?;
    let sa_m = ops.sa_m.into_int_value();
    let srcs: Vec<PointerValue> = (0..rows)
        .map(|r| {
            let row = g.add(ic, g.min(g.i64(r), last)?)?;
            g.at(ops.a, g.mul(row, sa_m)?)
        })
        .collect::<R<_>>()?;
    g.for_loop(g.i64(0), kc, 1, |g, kk| {
        let l = g.add(pc, kk)?;
        let off = g.mul(l, sa_k)?;
        for (r, &src) in srcs.iter().enumerate() {
            let x = g.b.build_load(f32t, g.at(src, off)?, "")?;
            let real =
                g.b.build_int_compare(IntPredicate::SLT, g.i64(r as u64), mr, "")?;
            let x =
                g.b.build_select(real, x.into_float_value(), f32t.const_zero(), "")?;
            let dst = g.at(a_panel, g.add(g.mul(kk, g.i64(rows))?, g.i64(r as u64))?)?;
            g.store(x, dst, 4)?;
        }
        Ok(())
    })
}

/// Where a B block goes: into `panels`, the `kc × nc` elements from reduction step `pc`
/// and column `jc`.
#[derive(Clone, Copy)]
struct BBlock<'ctx> {
    panels: PointerValue<'ctx>,
    jc: IntValue<'ctx>,
    pc: IntValue<'ctx>,
    nc: IntValue<'ctx>,
    kc: IntValue<'ctx>,
}

/// Runs `body(jr, valid, panel, masks)` for each `NR`-wide panel of a B block: its first
/// column within the block, how many of its columns are real, where it is packed, and
/// the lane masks of those columns.
fn for_each_panel<'ctx>(
    g: &Gen<'ctx, '_>,
    blk: Blocking,
    at: &BBlock<'ctx>,
    body: impl FnOnce(
        &Gen<'ctx, '_>,
        IntValue<'ctx>,
        IntValue<'ctx>,
        PointerValue<'ctx>,
        &[VectorValue<'ctx>],
    ) -> R<()>,
) -> R<()> {
    g.for_loop(g.i64(0), at.nc, blk.nr(), |g, jr| {
        let valid = g.b.build_int_sub(at.nc, jr, "")?;
        let panel = g.at(at.panels, g.mul(jr, at.kc)?)?;
        let masks = g.masks(blk, valid)?;
        body(g, jr, valid, panel, &masks)
    })
}

/// Packs B's block at (reduction `pc`, column `jc`), `kc × nc`, into `NR`-wide panels of
/// `kc × NR` (zero past `nc`): contiguous vector loads where B's columns are, one element
/// at a time where they are strided (a transposed B).
fn pack_b<'ctx>(
    g: &Gen<'ctx, '_>,
    blk: Blocking,
    bm: PointerValue<'ctx>,
    sb_k: IntValue<'ctx>,
    sb_n: IntValue<'ctx>,
    at: &BBlock<'ctx>,
) -> R<()> {
    let BBlock { jc, pc, kc, .. } = *at;
    let (lanes, nr) = (blk.lanes, blk.nr());
    let f32t = g.ctx.f32_type();
    let unit_columns =
        g.b.build_int_compare(IntPredicate::EQ, sb_n, g.i64(1), "")?;
    let vector = g.ctx.append_basic_block(g.f, "pack_vector");
    let scalar = g.ctx.append_basic_block(g.f, "pack_scalar");
    let joined = g.ctx.append_basic_block(g.f, "packed");
    g.b.build_conditional_branch(unit_columns, vector, scalar)?;
    for (block, contiguous) in [(vector, true), (scalar, false)] {
        g.b.position_at_end(block);
        for_each_panel(g, blk, at, |g, jr, valid, panel, masks| {
            let col0 = g.add(jc, jr)?;
            let last = g.b.build_int_sub(g.min(valid, g.i64(nr))?, g.i64(1), "")?;
            g.for_loop(g.i64(0), kc, 1, |g, kk| {
                let row = g.mul(g.add(pc, kk)?, sb_k)?;
                let dst = g.at(panel, g.mul(kk, g.i64(nr))?)?;
                if contiguous {
                    let src = g.at(bm, g.add(row, col0)?)?;
                    for (v, &mask) in masks.iter().enumerate() {
                        let off = g.i64(v as u64 * lanes as u64);
                        let x = g.masked_load(lanes, g.at(src, off)?, mask)?;
                        g.store(x.into(), g.at(dst, off)?, (lanes * 4).min(64))?;
                    }
                } else {
                    // A loop, not unrolled code: the rare transposed B is not worth
                    // the compile time of 64 copies.
                    g.for_loop(g.i64(0), g.i64(nr), 1, |g, jj| {
                        let col = g.add(col0, g.min(jj, last)?)?;
                        let x =
                            g.b.build_load(f32t, g.at(bm, g.add(row, g.mul(col, sb_n)?)?)?, "")?;
                        let real = g.b.build_int_compare(IntPredicate::SLT, jj, valid, "")?;
                        let x =
                            g.b.build_select(real, x.into_float_value(), f32t.const_zero(), "")?;
                        g.store(x, g.at(dst, jj)?, 4)
                    })?;
                }
                Ok(())
            })
        })?;
        g.b.build_unconditional_branch(joined)?;
    }
    g.b.position_at_end(joined);
    Ok(())
}

/// How one vector of a packed panel row is read at every reduction step, decided once per
/// panel from its columns' offsets. The ways are tried in order; the last is a gather.
struct VectorReads<'ctx> {
    /// Its first column's offset (lane 0 reads there, plus the step's row offset).
    first: IntValue<'ctx>,
    /// Offsets one apart (a stretch of an output row): one load.
    consecutive: IntValue<'ctx>,
    /// Offsets exactly two apart (a stride-2 window's row): the span's masked load and a
    /// shuffle keeping its even lanes.
    every_other: IntValue<'ctx>,
    /// Up to [`MAX_RUNS`] stretches of consecutive offsets (across the end of an output
    /// row, or several short rows): one masked load per stretch, each its lanes and where
    /// lane 0 would sit for it.
    in_stretches: IntValue<'ctx>,
    stretches: Vec<(VectorValue<'ctx>, IntValue<'ctx>)>,
}

/// [`VectorReads`] of the vector whose column offsets are `cols` (`mask`: its real lanes;
/// the others hold 0, so only a full vector passes the tests that look at every lane).
fn vector_reads<'ctx>(
    g: &Gen<'ctx, '_>,
    lanes: u32,
    cols: VectorValue<'ctx>,
    mask: VectorValue<'ctx>,
) -> R<VectorReads<'ctx>> {
    let i32t = g.ctx.i32_type();
    let i64t = g.ctx.i64_type();
    let first =
        g.b.build_extract_element(cols, g.i64(0), "")?
            .into_int_value();
    // The offsets rise strictly, so a span of `lanes - 1` means consecutive.
    let last =
        g.b.build_extract_element(cols, g.i64(lanes as u64 - 1), "")?
            .into_int_value();
    let span = g.b.build_int_sub(last, first, "")?;
    let consecutive = g.b.build_int_compare(
        IntPredicate::EQ,
        span,
        i32t.const_int(lanes as u64 - 1, false),
        "",
    )?;
    let want =
        g.b.build_int_add(g.splat(first, lanes)?, g.steps(lanes, 2), "")?;
    let same = g.b.build_int_compare(IntPredicate::EQ, cols, want, "")?;
    let every_other = g
        .call_intrinsic(
            "llvm.vector.reduce.and",
            &[same.get_type().into()],
            &[same.into()],
        )?
        .ok_or("vector.reduce.and returned nothing")?
        .into_int_value();
    // Lane l > 0 starts a stretch where its offset is not its left neighbour's + 1.
    let left = g.b.build_shuffle_vector(
        cols,
        cols.get_type().get_poison(),
        VectorType::const_vector(
            &(0..lanes as u64)
                .map(|l| i32t.const_int(l.saturating_sub(1), false))
                .collect::<Vec<_>>(),
        ),
        "",
    )?;
    let next =
        g.b.build_int_add(left, g.splat(i32t.const_int(1, false), lanes)?, "")?;
    let breaks = g.b.build_int_compare(IntPredicate::NE, cols, next, "")?;
    let int_t = g
        .ctx
        .custom_width_int_type(std::num::NonZeroU32::new(lanes).ok_or("no lanes")?)?;
    let bits = g.b.build_bit_cast(breaks, int_t, "")?.into_int_value();
    // Lane 0 always "breaks" (its left is itself); drop it.
    let mut rest = g.b.build_and(bits, int_t.const_int(!1u64, false), "")?;
    let full = g.b.build_int_compare(
        IntPredicate::EQ,
        g.b.build_bit_cast(mask, int_t, "")?.into_int_value(),
        int_t.const_all_ones(),
        "",
    )?;
    let count = g
        .call_intrinsic("llvm.ctpop", &[int_t.into()], &[rest.into()])?
        .ok_or("ctpop returned nothing")?
        .into_int_value();
    let few = g.b.build_int_compare(
        IntPredicate::ULT,
        count,
        int_t.const_int(MAX_RUNS as u64, false),
        "",
    )?;
    let in_stretches = g.b.build_and(full, few, "")?;
    let mut starts = vec![i32t.const_zero()];
    for _ in 1..=MAX_RUNS {
        // The next stretch's first lane (`lanes` when none is left).
        let tz = g
            .call_intrinsic(
                "llvm.cttz",
                &[int_t.into()],
                &[rest.into(), g.ctx.bool_type().const_zero().into()],
            )?
            .ok_or("cttz returned nothing")?
            .into_int_value();
        starts.push(g.b.build_int_z_extend(tz, i32t, "")?);
        let minus = g.b.build_int_sub(rest, int_t.const_int(1, false), "")?;
        rest = g.b.build_and(rest, minus, "")?;
    }
    let iota = g.steps(lanes, 1);
    let mut stretches = Vec::with_capacity(MAX_RUNS);
    for r in 0..MAX_RUNS {
        let (s0, s1) = (starts[r], starts[r + 1]);
        let lo =
            g.b.build_int_compare(IntPredicate::UGE, iota, g.splat(s0, lanes)?, "")?;
        let hi =
            g.b.build_int_compare(IntPredicate::ULT, iota, g.splat(s1, lanes)?, "")?;
        // Where lane 0 of this stretch would be: its first offset minus its lane (lane
        // `lanes` is past the vector: the stretch is empty, any base does).
        let at = g.min(
            g.b.build_int_z_extend(s0, i64t, "")?,
            g.i64(lanes as u64 - 1),
        )?;
        let first = g.b.build_extract_element(cols, at, "")?.into_int_value();
        let base =
            g.b.build_int_sub(first, g.b.build_int_truncate(at, i32t, "")?, "")?;
        stretches.push((g.b.build_and(lo, hi, "")?, base));
    }
    Ok(VectorReads {
        first,
        consecutive,
        every_other,
        in_stretches,
        stretches,
    })
}

/// [`pack_b`] through offset tables: each vector of a panel row is `B[kb[l] + jb[j..]]`
/// (a convolution's input through its window), read the cheapest way its offsets allow
/// ([`VectorReads`]).
fn pack_b_tables<'ctx>(
    g: &Gen<'ctx, '_>,
    blk: Blocking,
    bm: PointerValue<'ctx>,
    kb: PointerValue<'ctx>,
    jb: PointerValue<'ctx>,
    at: &BBlock<'ctx>,
) -> R<()> {
    let BBlock { jc, pc, kc, .. } = *at;
    let (lanes, nr) = (blk.lanes, blk.nr());
    let i32t = g.ctx.i32_type();
    let i64t = g.ctx.i64_type();
    for_each_panel(g, blk, at, |g, jr, _valid, panel, masks| {
        // The columns' offsets and how to read each vector, once per panel.
        let cols = g.at_i32(jb, g.add(jc, jr)?)?;
        let col_offsets: Vec<VectorValue> = masks
            .iter()
            .enumerate()
            .map(|(v, &mask)| {
                let p = g.at_i32(cols, g.i64(v as u64 * lanes as u64))?;
                g.masked_load_i32(lanes, p, mask)
            })
            .collect::<R<_>>()?;
        let reads: Vec<VectorReads> = col_offsets
            .iter()
            .zip(masks)
            .map(|(&cols, &mask)| vector_reads(g, lanes, cols, mask))
            .collect::<R<_>>()?;
        let span_mask = g.mask(2 * lanes, g.i64(2 * lanes as u64 - 1))?;
        g.for_loop(g.i64(0), kc, 1, |g, kk| {
            let row =
                g.b.build_load(i32t, g.at_i32(kb, g.add(pc, kk)?)?, "")?
                    .into_int_value();
            let dst = g.at(panel, g.mul(kk, g.i64(nr))?)?;
            for (v, ((&mask, &cols), r)) in masks.iter().zip(&col_offsets).zip(&reads).enumerate() {
                let start = g.b.build_int_add(r.first, row, "")?;
                let start = g.at(bm, g.b.build_int_z_extend(start, i64t, "")?)?;
                let packed = g.ctx.append_basic_block(g.f, "packed_vector");
                let mut incoming = Vec::with_capacity(4);
                let ways = [r.consecutive, r.every_other, r.in_stretches];
                for (way, &cond) in ways.iter().enumerate() {
                    let this = g.ctx.append_basic_block(g.f, "read");
                    let other = g.ctx.append_basic_block(g.f, "other");
                    g.b.build_conditional_branch(cond, this, other)?;
                    g.b.position_at_end(this);
                    let x = match way {
                        0 => g.load_vector(lanes, start, 4)?,
                        1 => {
                            let wide = g.vtype(2 * lanes);
                            let span = g.masked_load_of(wide, start, span_mask)?;
                            let even = g.steps(lanes, 2);
                            g.b.build_shuffle_vector(span, wide.get_poison(), even, "")?
                        }
                        _ => {
                            let mut x = g.vtype(lanes).const_zero();
                            for &(lanes_of, base) in &r.stretches {
                                let at = g.b.build_int_add(base, row, "")?;
                                // Lanes before the stretch sit before its first element:
                                // a plain GEP addresses them (masked off, never read).
                                let at = g.b.build_int_s_extend(at, i64t, "")?;
                                // Safety: masked lanes are not accessed; the others lie in B.
                                let p = unsafe { g.b.build_gep(g.ctx.f32_type(), bm, &[at], "")? };
                                x = g.masked_load_into(p, lanes_of, x)?;
                            }
                            x
                        }
                    };
                    incoming.push((x, g.b.get_insert_block().ok_or("no insertion block")?));
                    g.b.build_unconditional_branch(packed)?;
                    g.b.position_at_end(other);
                }
                let idx = g.b.build_int_add(cols, g.splat(row, lanes)?, "")?;
                let x = g.masked_gather(lanes, g.gep_f32_lanes(bm, idx)?, mask)?;
                incoming.push((x, g.b.get_insert_block().ok_or("no insertion block")?));
                g.b.build_unconditional_branch(packed)?;
                g.b.position_at_end(packed);
                let x = g.b.build_phi(g.vtype(lanes), "")?;
                for (value, block) in &incoming {
                    x.add_incoming(&[(value, *block)]);
                }
                let off = g.i64(v as u64 * lanes as u64);
                g.store(x.as_basic_value(), g.at(dst, off)?, (lanes * 4).min(64))?;
            }
            Ok(())
        })
    })
}
