//! One `loop.kernel` as a compute entry point: workgroup phases, invocation bands and
//! barriers, loops, and buffer accesses.

use crate::types::*;
use crate::{err, ShaderError};
use rspirv::dr::{InsertPoint, Instruction, Operand};
use rspirv::spirv::{
    self, ExecutionMode, ExecutionModel, FunctionControl, LoopControl, Op, SelectionControl,
    StorageClass, Word,
};
use std::collections::{HashMap, HashSet};
use strata_abi::kernel::push_constants;
use strata_ir::loops::{apply_map, body_of, is_store, nested_ops, writes, ForLoop, LoopKind};
use strata_ir::module::BlockId;
use strata_ir::ops;
use strata_ir::{ElementType, Module, OpId, Type, ValueId};

/// A buffer argument inside a kernel.
#[derive(Clone)]
pub(crate) struct Buf {
    pub(crate) var: Word,
    pub(crate) store: Store,
    pub(crate) elem: ElementType,
    pub(crate) dims: Vec<i64>,
    pub(crate) strides: Vec<i64>,
    /// Element offset of the argument in its binding (from the push constants' bytes).
    pub(crate) offset: Word,
    /// A `loop.alloca` in workgroup memory: an array of the register type, no offset.
    pub(crate) workgroup: bool,
}

/// The translation of one kernel into an entry point.
pub(crate) struct KernelGen<'g, 'm> {
    pub(crate) g: &'g mut Gen,
    pub(crate) ir: &'m Module,
    pub(crate) values: HashMap<ValueId, Val>,
    pub(crate) bufs: HashMap<ValueId, Buf>,
    /// Index values computed from data (checked against their dimension on use).
    pub(crate) data_dependent: HashSet<ValueId>,
    pub(crate) workgroup: [Word; 3],
    pub(crate) local: Word,
    pub(crate) dispatch: Word,
    pub(crate) status: Word,
    /// The current block's label.
    pub(crate) label: Word,
    /// A memory write at workgroup level since the last barrier.
    pub(crate) pending_write: bool,
    /// The loops the current phase deals out to invocations (outermost first).
    pub(crate) band: Option<Vec<OpId>>,
    /// How many times one invocation runs the code being emitted (the enclosing loops'
    /// trip counts multiplied).
    pub(crate) trips: u64,
    /// Loop iterations one invocation runs so far, all loops together.
    pub(crate) loop_iterations: u64,
}

/// Loop passes per invocation past which an innermost loop is unrolled: llvmpipe ends an
/// invocation's loops after 65535 passes in all, and a long loop's passes are mostly its
/// branch.
const UNROLL_ABOVE_PASSES: u64 = 1 << 12;

/// The most copies of a loop body unrolling makes.
const MAX_UNROLL: i64 = 8;

/// The most ops an unrolled loop's copies hold together (code size stays bounded).
const MAX_UNROLLED_OPS: usize = 1024;

/// How many ops directly in `op`'s body store (themselves or nested).
pub(crate) fn writing_children(m: &Module, op: OpId) -> usize {
    m.block(body_of(m, op))
        .ops
        .iter()
        .filter(|&&o| writes(m, o))
        .count()
}

impl<'g, 'm> KernelGen<'g, 'm> {
    /// Emits kernel `op` as entry point `name`.
    pub(crate) fn run(
        g: &'g mut Gen,
        ir: &'m Module,
        op: OpId,
        name: &str,
    ) -> Result<u64, crate::ShaderError> {
        let block = body_of(ir, op);
        let args = ir.block(block).args.clone();
        let max = g.gpu.max_kernel_arguments();
        if args.len() > max {
            return Err(err(
                ir,
                op,
                format!(
                    "{} buffers; a kernel for this GPU takes at most {max}",
                    args.len()
                ),
            ));
        }
        // Module-level variables first: rspirv puts a variable in the current block if any.
        let (wg_var, local_var) = g.builtins();
        g.push_constants();
        let mut arg_types = Vec::new();
        for (i, &a) in args.iter().enumerate() {
            let t = ir
                .value_type(a)
                .as_memref()
                .ok_or_else(|| err(ir, op, "kernel argument is not a buffer"))?
                .clone();
            let var = g.buffer(i, store_of(t.elem));
            arg_types.push((t, var));
        }
        let status = g.buffer(args.len(), Store::I32);
        // Scratch buffers are workgroup memory, shared by the invocations like the buffers
        // they stage, and ordered by the same phases and barriers.
        let mut nested = Vec::new();
        nested_ops(ir, op, &mut nested);
        let mut scratch = Vec::new();
        for o in nested
            .into_iter()
            .filter(|&o| ir.op(o).name == ops::LOOP_ALLOCA)
        {
            let r = ir.op(o).results[0];
            let t = ir
                .value_type(r)
                .as_memref()
                .ok_or_else(|| err(ir, o, "alloca of a non-buffer"))?
                .clone();
            let elem = g.ty(workgroup_reg(t.elem));
            let len = g.uint(t.shape.numel().max(1) as u32);
            let array = g.b.type_array(elem, len);
            let ptr = g.b.type_pointer(None, StorageClass::Workgroup, array);
            let var = g.b.variable(ptr, None, StorageClass::Workgroup, None);
            scratch.push((r, t, var));
        }
        let void = g.b.type_void();
        let fn_ty = g.b.type_function(void, []);
        let function =
            g.b.begin_function(void, None, FunctionControl::NONE, fn_ty)?;
        let entry = g.b.id();
        g.b.begin_block(Some(entry))?;
        let mut k = KernelGen {
            g,
            ir,
            values: HashMap::new(),
            bufs: HashMap::new(),
            data_dependent: HashSet::new(),
            workgroup: [0; 3],
            local: 0,
            dispatch: 0,
            status,
            label: entry,
            pending_write: false,
            band: None,
            trips: 1,
            loop_iterations: 0,
        };
        let i32t = k.g.ty(Reg::I32);
        let u32t = k.g.u32t();
        let v3 = k.g.b.type_vector(u32t, 3);
        let wg = k.emit(Op::Load, v3, &[wg_var])?;
        for axis in 0..3 {
            let c = k.extract(u32t, wg, axis)?;
            k.workgroup[axis as usize] = k.emit(Op::Bitcast, i32t, &[c])?;
        }
        let lid = k.emit(Op::Load, v3, &[local_var])?;
        let x = k.extract(u32t, lid, 0)?;
        k.local = k.emit(Op::Bitcast, i32t, &[x])?;
        k.dispatch = k.push_word(push_constants::DISPATCH_NUMBER as u32)?;
        for (i, (&a, (t, var))) in args.iter().zip(arg_types).enumerate() {
            let store = store_of(t.elem);
            // Push constants hold byte offsets; the shader counts in elements.
            let bytes = k.push_word(push_constants::offset_word(i) as u32)?;
            let shift =
                k.g.int(Reg::I32, Gen::store_bytes(store).trailing_zeros() as i64);
            let offset = k.emit(Op::ShiftRightLogical, i32t, &[bytes, shift])?;
            k.bufs.insert(
                a,
                Buf {
                    var,
                    store,
                    elem: t.elem,
                    dims: t.shape.dims().iter().map(|&d| d as i64).collect(),
                    strides: t.shape.strides().iter().map(|&s| s as i64).collect(),
                    offset,
                    workgroup: false,
                },
            );
        }
        for (r, t, var) in scratch {
            let offset = k.g.int(Reg::I32, 0);
            k.bufs.insert(
                r,
                Buf {
                    var,
                    store: Store::I32,
                    elem: t.elem,
                    dims: t.shape.dims().iter().map(|&d| d as i64).collect(),
                    strides: t.shape.strides().iter().map(|&s| s as i64).collect(),
                    offset,
                    workgroup: true,
                },
            );
        }
        k.workgroup_block(block)?;
        k.g.b.ret()?;
        k.g.b.end_function()?;
        k.g.b.entry_point(
            ExecutionModel::GLCompute,
            function,
            name,
            [wg_var, local_var],
        );
        let size = k.g.gpu.workgroup_size;
        k.g.b
            .execution_mode(function, ExecutionMode::LocalSize, [size, 1, 1]);
        Ok(k.loop_iterations)
    }

    /// Emits a loop of `trips` iterations per invocation with `f`, counting them: some
    /// drivers end a shader's loops after a fixed number of iterations in all. A loop
    /// counts one more than its iterations (the pass that finds it done, as llvmpipe's
    /// count does); loops the driver unrolls count less, so this is an upper bound.
    fn counting(
        &mut self,
        trips: i64,
        f: &mut dyn FnMut(&mut Self) -> Result<(), crate::ShaderError>,
    ) -> Result<(), crate::ShaderError> {
        let trips = trips.max(0) as u64;
        self.loop_iterations = self
            .loop_iterations
            .saturating_add(self.trips.saturating_mul(trips + 1));
        let saved = self.trips;
        self.trips = saved.saturating_mul(trips);
        let r = f(self);
        self.trips = saved;
        r
    }

    /// Appends `%id = op ty args...` (id operands) to the current block.
    pub(crate) fn emit(
        &mut self,
        op: Op,
        ty: Word,
        args: &[Word],
    ) -> Result<Word, crate::ShaderError> {
        let id = self.g.b.id();
        self.emit_to(id, op, ty, args)?;
        Ok(id)
    }

    pub(crate) fn emit_to(
        &mut self,
        id: Word,
        op: Op,
        ty: Word,
        args: &[Word],
    ) -> Result<(), crate::ShaderError> {
        let inst = Instruction::new(
            op,
            Some(ty),
            Some(id),
            args.iter().map(|&a| Operand::IdRef(a)).collect(),
        );
        Ok(self.g.b.insert_into_block(InsertPoint::End, inst)?)
    }

    pub(crate) fn extract(
        &mut self,
        ty: Word,
        composite: Word,
        index: u32,
    ) -> Result<Word, crate::ShaderError> {
        let id = self.g.b.id();
        let inst = Instruction::new(
            Op::CompositeExtract,
            Some(ty),
            Some(id),
            vec![Operand::IdRef(composite), Operand::LiteralBit32(index)],
        );
        self.g.b.insert_into_block(InsertPoint::End, inst)?;
        Ok(id)
    }

    pub(crate) fn begin(&mut self, label: Word) -> Result<(), crate::ShaderError> {
        self.g.b.begin_block(Some(label))?;
        self.label = label;
        Ok(())
    }

    pub(crate) fn branch(&mut self, to: Word) -> Result<(), crate::ShaderError> {
        Ok(self.g.b.branch(to)?)
    }

    /// A structured loop `for (i = lower; i < upper; i += step) body(i)` on i32 values.
    pub(crate) fn counted_loop(
        &mut self,
        lower: Word,
        upper: Word,
        step: Word,
        body: &mut dyn FnMut(&mut Self, Word) -> Result<(), crate::ShaderError>,
    ) -> Result<(), crate::ShaderError> {
        let i32t = self.g.ty(Reg::I32);
        let boolt = self.g.ty(Reg::Bool);
        let pre = self.label;
        let [header, first, cont, merge, next] = [(); 5].map(|_| self.g.b.id());
        self.branch(header)?;
        self.begin(header)?;
        let i = self.g.b.phi(i32t, None, [(lower, pre), (next, cont)])?;
        let go = self.emit(Op::SLessThan, boolt, &[i, upper])?;
        self.g.b.loop_merge(merge, cont, LoopControl::NONE, [])?;
        self.g.b.branch_conditional(go, first, merge, [])?;
        self.begin(first)?;
        body(self, i)?;
        self.branch(cont)?;
        self.begin(cont)?;
        self.emit_to(next, Op::IAdd, i32t, &[i, step])?;
        self.branch(header)?;
        self.begin(merge)
    }

    /// `if (cond) then()`.
    pub(crate) fn when(
        &mut self,
        cond: Word,
        then: &mut dyn FnMut(&mut Self) -> Result<(), crate::ShaderError>,
    ) -> Result<(), crate::ShaderError> {
        let [yes, merge] = [(); 2].map(|_| self.g.b.id());
        self.g.b.selection_merge(merge, SelectionControl::NONE)?;
        self.g.b.branch_conditional(cond, yes, merge, [])?;
        self.begin(yes)?;
        then(self)?;
        self.branch(merge)?;
        self.begin(merge)
    }

    pub(crate) fn first_invocation(&mut self) -> Result<Word, crate::ShaderError> {
        let boolt = self.g.ty(Reg::Bool);
        let zero = self.g.int(Reg::I32, 0);
        self.emit(Op::IEqual, boolt, &[self.local, zero])
    }

    pub(crate) fn barrier(&mut self) -> Result<(), crate::ShaderError> {
        let workgroup = self.g.uint(spirv::Scope::Workgroup as u32);
        let semantics = spirv::MemorySemantics::ACQUIRE_RELEASE
            | spirv::MemorySemantics::UNIFORM_MEMORY
            | spirv::MemorySemantics::WORKGROUP_MEMORY;
        let semantics = self.g.uint(semantics.bits());
        self.g.b.control_barrier(workgroup, workgroup, semantics)?;
        self.pending_write = false;
        Ok(())
    }

    /// A block every invocation of the workgroup runs in step (the kernel body, grid loop
    /// bodies): phases, barriers between them, workgroup-level stores by invocation 0.
    pub(crate) fn workgroup_block(&mut self, block: BlockId) -> Result<(), crate::ShaderError> {
        let ir = self.ir;
        for &op in &ir.block(block).ops {
            let d = ir.op(op);
            match d.name {
                ops::LOOP_FOR => {
                    let l = ForLoop::of(ir, op).map_err(|e| ShaderError::from(e.at(ir, op)))?;
                    if let Some(axis) = l.grid {
                        self.grid_index(op, &l, axis)?;
                        self.workgroup_block(body_of(ir, op))?;
                    } else if writes(ir, op) {
                        if self.pending_write {
                            self.barrier()?;
                        }
                        if l.kind == LoopKind::Reduction && writing_children(ir, op) > 1 {
                            self.uniform_loop(op, &l)?;
                        } else {
                            self.phase(op)?;
                            self.pending_write = true;
                        }
                    }
                    // A loop nest without stores has no effect.
                }
                ops::LOOP_STORE | ops::LOOP_VSTORE => {
                    if self.pending_write {
                        self.barrier()?;
                    }
                    let first = self.first_invocation()?;
                    self.when(first, &mut |s| s.op(op))?;
                    self.pending_write = true;
                }
                ops::LOOP_LOAD | ops::LOOP_VLOAD => {
                    if self.pending_write {
                        self.barrier()?;
                    }
                    self.op(op)?;
                }
                _ => self.op(op)?,
            }
        }
        Ok(())
    }

    /// A reduction loop whose body holds several phases (operand tiles staged in workgroup
    /// memory, then the contraction over them): every invocation runs it, its body is a
    /// workgroup block, and a barrier closes each iteration so the next one's copies wait
    /// for this one's readers.
    pub(crate) fn uniform_loop(&mut self, op: OpId, l: &ForLoop) -> Result<(), crate::ShaderError> {
        self.serial_loop(op, l, &mut |s, body| {
            s.workgroup_block(body)?;
            if s.pending_write {
                s.barrier()?;
            }
            Ok(())
        })
    }

    /// Loop `op` iterating in every invocation that reaches it; `body` emits its body.
    pub(crate) fn serial_loop(
        &mut self,
        op: OpId,
        l: &ForLoop,
        body: &mut dyn FnMut(&mut Self, BlockId) -> Result<(), crate::ShaderError>,
    ) -> Result<(), crate::ShaderError> {
        let lower = self.g.int(Reg::I32, l.lower);
        let upper = self.g.int(Reg::I32, l.upper);
        let block = body_of(self.ir, op);
        let iv = self.ir.block(block).args[0];
        if l.trip_count() == 1 {
            // One iteration: the body, without a loop.
            self.values.insert(
                iv,
                Val {
                    reg: Reg::I32,
                    lanes: vec![lower],
                },
            );
            return body(self, block);
        }
        let u = self.unroll_factor(op, op, l.trip_count());
        let i32t = self.g.ty(Reg::I32);
        let boolt = self.g.ty(Reg::Bool);
        let wide_step = self.g.int(Reg::I32, l.step * u);
        self.counting((l.trip_count() + u - 1) / u, &mut |s| {
            s.counted_loop(lower, upper, wide_step, &mut |s, i| {
                s.copies(i, upper, l.step, u, (i32t, boolt), &mut |s, at| {
                    s.values.insert(
                        iv,
                        Val {
                            reg: Reg::I32,
                            lanes: vec![at],
                        },
                    );
                    body(s, block)
                })
            })
        })
    }

    /// `u` copies of an unrolled loop's body at `first`, `first + stride`, …: the first as
    /// the loop's own pass, each later one only where it is still below `upper`.
    fn copies(
        &mut self,
        first: Word,
        upper: Word,
        stride: i64,
        u: i64,
        (i32t, boolt): (Word, Word),
        body: &mut dyn FnMut(&mut Self, Word) -> Result<(), crate::ShaderError>,
    ) -> Result<(), crate::ShaderError> {
        body(self, first)?;
        for copy in 1..u {
            let offset = self.g.int(Reg::I32, stride * copy);
            let at = self.emit(Op::IAdd, i32t, &[first, offset])?;
            let inside = self.emit(Op::SLessThan, boolt, &[at, upper])?;
            self.when(inside, &mut |s| body(s, at))?;
        }
        Ok(())
    }

    /// Whether `op` is emitted as a loop: a `loop.for` of more than one iteration that is
    /// not the phase's band dealt out at most once to each invocation (a condition).
    fn runs_as_loop(&self, op: OpId) -> bool {
        let trips = |o: OpId| ForLoop::of(self.ir, o).map_or(2, |l| l.trip_count());
        if self.ir.op(op).name != ops::LOOP_FOR || trips(op) <= 1 {
            return false;
        }
        match &self.band {
            Some(band) if band.contains(&op) => {
                band.iter().map(|&o| trips(o)).product::<i64>() > self.g.gpu.workgroup_size as i64
            }
            _ => true,
        }
    }

    /// How many copies of its body one pass of a loop (or a band of loops from `outer` to
    /// `inner`, collapsed) runs, when it runs `per_invocation` iterations in each
    /// invocation: 1 unless its passes would be many (see [`UNROLL_ABOVE_PASSES`]) and no
    /// loop is nested inside, then the fewest copies (a power of two) that bring them under, at most
    /// [`MAX_UNROLL`] and [`MAX_UNROLLED_OPS`] ops in all.
    fn unroll_factor(&self, outer: OpId, inner: OpId, per_invocation: i64) -> i64 {
        let passes = |u: i64| {
            self.trips
                .saturating_mul(((per_invocation.max(0) + u - 1) / u) as u64 + 1)
        };
        if passes(1) <= UNROLL_ABOVE_PASSES {
            return 1;
        }
        let mut inside = Vec::new();
        nested_ops(self.ir, inner, &mut inside);
        if inside.iter().any(|&o| self.runs_as_loop(o)) {
            return 1;
        }
        let mut body = Vec::new();
        nested_ops(self.ir, outer, &mut body);
        let most = (MAX_UNROLLED_OPS / body.len().max(1)).clamp(1, MAX_UNROLL as usize) as i64;
        let mut u = 1;
        while u < most && passes(u) > UNROLL_ABOVE_PASSES {
            u = (u * 2).min(most);
        }
        u
    }

    pub(crate) fn grid_index(
        &mut self,
        op: OpId,
        l: &ForLoop,
        axis: u32,
    ) -> Result<(), crate::ShaderError> {
        let ir = self.ir;
        let iv = ir.block(body_of(ir, op)).args[0];
        let i32t = self.g.ty(Reg::I32);
        let step = self.g.int(Reg::I32, l.step);
        let lower = self.g.int(Reg::I32, l.lower);
        let scaled = self.emit(Op::IMul, i32t, &[self.workgroup[axis as usize], step])?;
        let v = self.emit(Op::IAdd, i32t, &[scaled, lower])?;
        self.values.insert(
            iv,
            Val {
                reg: Reg::I32,
                lanes: vec![v],
            },
        );
        Ok(())
    }

    /// The loops of `phase` enclosing every store in it, outermost first.
    pub(crate) fn store_chain(&self, phase: OpId) -> Vec<OpId> {
        let ir = self.ir;
        let mut chain = vec![phase];
        let mut current = phase;
        loop {
            let ops = &ir.block(body_of(ir, current)).ops;
            if ops.iter().any(|&o| is_store(ir, o)) {
                break;
            }
            let writers: Vec<OpId> = ops
                .iter()
                .copied()
                .filter(|&o| ir.op(o).name == ops::LOOP_FOR && writes(ir, o))
                .collect();
            match writers.as_slice() {
                [one] => {
                    current = *one;
                    chain.push(current);
                }
                _ => break,
            }
        }
        chain
    }

    /// Chooses the band of parallel loops of `phase` to deal out to invocations, if one
    /// can be: the consecutive parallel loops around all stores with the most iterations,
    /// when no load outside it reads a buffer the phase writes.
    pub(crate) fn choose_band(&self, phase: OpId) -> Option<Vec<OpId>> {
        let ir = self.ir;
        let chain = self.store_chain(phase);
        let parallel = |o: OpId| {
            ForLoop::of(ir, o)
                .map(|l| l.kind == LoopKind::Parallel && l.grid.is_none())
                .unwrap_or(false)
        };
        let trips = |band: &[OpId]| -> i64 {
            band.iter()
                .map(|&o| ForLoop::of(ir, o).map(|l| l.trip_count()).unwrap_or(1))
                .product()
        };
        let mut best: Option<Vec<OpId>> = None;
        let mut run: Vec<OpId> = Vec::new();
        for o in chain.iter().map(Some).chain([None]) {
            if let Some(&o) = o.filter(|&&o| parallel(o)) {
                run.push(o);
                continue;
            }
            if !run.is_empty() && trips(&run) > best.as_deref().map_or(1, trips) {
                best = Some(run.clone());
            }
            run.clear();
        }
        let band = best?;
        // Buffers the phase writes must only be read inside the band.
        let mut all = vec![phase];
        nested_ops(ir, phase, &mut all);
        let written: HashSet<ValueId> = all
            .iter()
            .filter(|&&o| is_store(ir, o))
            .map(|&o| ir.op(o).operands[1])
            .collect();
        let mut inside = vec![band[0]];
        nested_ops(ir, band[0], &mut inside);
        let inside: HashSet<OpId> = inside.into_iter().collect();
        let safe = all.iter().all(|&o| {
            !matches!(ir.op(o).name, ops::LOOP_LOAD | ops::LOOP_VLOAD)
                || !written.contains(&ir.op(o).operands[0])
                || inside.contains(&o)
        });
        safe.then_some(band)
    }

    pub(crate) fn phase(&mut self, op: OpId) -> Result<(), crate::ShaderError> {
        match self.choose_band(op) {
            Some(band) => {
                self.band = Some(band);
                let r = self.op(op);
                self.band = None;
                r
            }
            None => {
                let first = self.first_invocation()?;
                self.when(first, &mut |s| s.op(op))
            }
        }
    }

    pub(crate) fn for_loop(&mut self, op: OpId) -> Result<(), crate::ShaderError> {
        let ir = self.ir;
        let l = ForLoop::of(ir, op).map_err(|e| ShaderError::from(e.at(ir, op)))?;
        if let Some(axis) = l.grid {
            self.grid_index(op, &l, axis)?;
            return self.block(body_of(ir, op));
        }
        if self.band.as_ref().and_then(|b| b.first()) == Some(&op) {
            // Kept for the copies of an unrolled loop around the band.
            let band = self.band.take().unwrap_or_default();
            let r = self.distributed(&band);
            self.band = Some(band);
            return r;
        }
        self.serial_loop(op, &l, &mut |s, body| s.block(body))
    }

    /// The band's iterations, collapsed into one range, round-robin over the invocations.
    pub(crate) fn distributed(&mut self, band: &[OpId]) -> Result<(), crate::ShaderError> {
        let ir = self.ir;
        let loops: Vec<ForLoop> = band
            .iter()
            .map(|&o| ForLoop::of(ir, o).map_err(|e| ShaderError::from(e.at(ir, o))))
            .collect::<Result<_, _>>()?;
        let total: i64 = loops.iter().map(|l| l.trip_count()).product();
        let upper = self.g.int(Reg::I32, total);
        let size = self.g.gpu.workgroup_size as i64;
        let local = self.local;
        let per_invocation = (total.max(0) + size - 1) / size;
        if per_invocation <= 1 {
            // At most one iteration per invocation: a condition, not a loop.
            let boolt = self.g.ty(Reg::Bool);
            let inside = self.emit(Op::SLessThan, boolt, &[local, upper])?;
            return self.when(inside, &mut |s| s.band_iteration(&loops, band, local));
        }
        let u = match (band.first(), band.last()) {
            (Some(&outer), Some(&inner)) => self.unroll_factor(outer, inner, per_invocation),
            _ => 1,
        };
        let i32t = self.g.ty(Reg::I32);
        let boolt = self.g.ty(Reg::Bool);
        let wide_step = self.g.int(Reg::I32, size * u);
        self.counting((per_invocation + u - 1) / u, &mut |s| {
            s.counted_loop(local, upper, wide_step, &mut |s, j| {
                s.copies(j, upper, size, u, (i32t, boolt), &mut |s, at| {
                    s.band_iteration(&loops, band, at)
                })
            })
        })
    }

    /// The band's body for collapsed iteration `j`: each loop's index recovered from it.
    fn band_iteration(
        &mut self,
        loops: &[ForLoop],
        band: &[OpId],
        j: Word,
    ) -> Result<(), crate::ShaderError> {
        let ir = self.ir;
        let i32t = self.g.ty(Reg::I32);
        let mut rest = j;
        for (k, l) in loops.iter().enumerate().rev() {
            let trips = self.g.int(Reg::I32, l.trip_count());
            let index = if k == 0 {
                rest
            } else {
                self.emit(Op::SRem, i32t, &[rest, trips])?
            };
            if k > 0 {
                rest = self.emit(Op::SDiv, i32t, &[rest, trips])?;
            }
            let step = self.g.int(Reg::I32, l.step);
            let lower = self.g.int(Reg::I32, l.lower);
            let scaled = self.emit(Op::IMul, i32t, &[index, step])?;
            let iv = self.emit(Op::IAdd, i32t, &[scaled, lower])?;
            let arg = ir.block(body_of(ir, band[k])).args[0];
            self.values.insert(
                arg,
                Val {
                    reg: Reg::I32,
                    lanes: vec![iv],
                },
            );
        }
        self.band_body(band, 0)
    }

    pub(crate) fn band_body(&mut self, band: &[OpId], k: usize) -> Result<(), crate::ShaderError> {
        let ir = self.ir;
        for &op in &ir.block(body_of(ir, band[k])).ops {
            if band.get(k + 1) == Some(&op) {
                self.band_body(band, k + 1)?;
            } else {
                self.op(op)?;
            }
        }
        Ok(())
    }

    pub(crate) fn block(&mut self, block: BlockId) -> Result<(), crate::ShaderError> {
        for &op in &self.ir.block(block).ops {
            self.op(op)?;
        }
        Ok(())
    }

    pub(crate) fn get(&self, op: OpId, v: ValueId) -> Result<Val, crate::ShaderError> {
        self.values
            .get(&v)
            .cloned()
            .ok_or_else(|| err(self.ir, op, format!("operand %{} is not defined here", v.0)))
    }

    /// The element index of `buffer[indices] + lane 0` in its binding, checking indices
    /// that come from data (an out-of-bounds one reports to the status buffer and reads
    /// the argument's first element instead).
    pub(crate) fn element_index(
        &mut self,
        op: OpId,
        buffer: ValueId,
        indices: &[ValueId],
    ) -> Result<(Buf, Word), crate::ShaderError> {
        let ir = self.ir;
        let buf = self
            .bufs
            .get(&buffer)
            .cloned()
            .ok_or_else(|| err(ir, op, "unknown buffer"))?;
        let i32t = self.g.ty(Reg::I32);
        let boolt = self.g.ty(Reg::Bool);
        let mut flat = buf.offset;
        let mut ok: Option<Word> = None;
        for (k, &v) in indices.iter().enumerate() {
            let i = self.get(op, v)?.lanes[0];
            if self.data_dependent.contains(&v) {
                let zero = self.g.int(Reg::I32, 0);
                let dim = self.g.int(Reg::I32, buf.dims[k]);
                let lo = self.emit(Op::SGreaterThanEqual, boolt, &[i, zero])?;
                let hi = self.emit(Op::SLessThan, boolt, &[i, dim])?;
                let both = self.emit(Op::LogicalAnd, boolt, &[lo, hi])?;
                ok = Some(match ok {
                    Some(o) => self.emit(Op::LogicalAnd, boolt, &[o, both])?,
                    None => both,
                });
            }
            let stride = self.g.int(Reg::I32, buf.strides[k]);
            let t = self.emit(Op::IMul, i32t, &[i, stride])?;
            flat = self.emit(Op::IAdd, i32t, &[flat, t])?;
        }
        if let Some(ok) = ok {
            let bad = self.emit(Op::LogicalNot, boolt, &[ok])?;
            let status = self.status;
            let dispatch = self.dispatch;
            self.when(bad, &mut |s| {
                let (_, elem_ptr) = s.g.storage_types(Store::I32);
                let zero = s.g.int(Reg::I32, 0);
                let p = s.emit(Op::AccessChain, elem_ptr, &[status, zero, zero])?;
                let one = s.g.int(Reg::I32, 1);
                let code = s.emit(Op::IAdd, i32t, &[dispatch, one])?;
                Ok(s.g.b.store(p, code, None, [])?)
            })?;
            flat = self.emit(Op::Select, i32t, &[ok, flat, buf.offset])?;
        }
        Ok((buf, flat))
    }

    pub(crate) fn element_ptr(
        &mut self,
        buf: &Buf,
        index: Word,
    ) -> Result<Word, crate::ShaderError> {
        if buf.workgroup {
            let t = self.g.ty(workgroup_reg(buf.elem));
            let ptr = self.g.b.type_pointer(None, StorageClass::Workgroup, t);
            return self.emit(Op::AccessChain, ptr, &[buf.var, index]);
        }
        let (_, elem_ptr) = self.g.storage_types(buf.store);
        let zero = self.g.int(Reg::I32, 0);
        self.emit(Op::AccessChain, elem_ptr, &[buf.var, zero, index])
    }

    /// Loads one element as its register value.
    pub(crate) fn load_element(
        &mut self,
        buf: &Buf,
        index: Word,
    ) -> Result<Word, crate::ShaderError> {
        let p = self.element_ptr(buf, index)?;
        if buf.workgroup {
            let t = self.g.ty(workgroup_reg(buf.elem));
            let v = self.emit(Op::Load, t, &[p])?;
            if buf.elem != ElementType::Bool {
                return Ok(v);
            }
            let zero = self.g.int(Reg::I32, 0);
            let boolt = self.g.ty(Reg::Bool);
            return self.emit(Op::INotEqual, boolt, &[v, zero]);
        }
        let st = self.g.store_ty(buf.store);
        let raw = self.emit(Op::Load, st, &[p])?;
        let r = reg_of(buf.elem);
        let rt = self.g.ty(r);
        let i32t = self.g.ty(Reg::I32);
        let u32t = self.g.u32t();
        Ok(match buf.elem {
            ElementType::F32
            | ElementType::F64
            | ElementType::I32
            | ElementType::I64
            | ElementType::U32
            | ElementType::U64 => raw,
            ElementType::F16 => self.emit(Op::FConvert, rt, &[raw])?,
            ElementType::BF16 => {
                let w = self.emit(Op::UConvert, u32t, &[raw])?;
                let sixteen = self.g.uint(16);
                let bits = self.emit(Op::ShiftLeftLogical, u32t, &[w, sixteen])?;
                self.emit(Op::Bitcast, rt, &[bits])?
            }
            ElementType::I8 | ElementType::I16 => self.emit(Op::SConvert, i32t, &[raw])?,
            ElementType::U8 | ElementType::U16 | strata_abi::storage_types!() => {
                let w = self.emit(Op::UConvert, u32t, &[raw])?;
                self.emit(Op::Bitcast, i32t, &[w])?
            }
            ElementType::Bool => {
                let w = self.emit(Op::UConvert, u32t, &[raw])?;
                let zero = self.g.uint(0);
                let boolt = self.g.ty(Reg::Bool);
                self.emit(Op::INotEqual, boolt, &[w, zero])?
            }
        })
    }

    pub(crate) fn store_element(
        &mut self,
        buf: &Buf,
        index: Word,
        v: Word,
    ) -> Result<(), crate::ShaderError> {
        if buf.workgroup {
            let v = if buf.elem == ElementType::Bool {
                let i32t = self.g.ty(Reg::I32);
                let one = self.g.int(Reg::I32, 1);
                let zero = self.g.int(Reg::I32, 0);
                self.emit(Op::Select, i32t, &[v, one, zero])?
            } else {
                v
            };
            let p = self.element_ptr(buf, index)?;
            return Ok(self.g.b.store(p, v, None, [])?);
        }
        let st = self.g.store_ty(buf.store);
        let raw = match buf.elem {
            ElementType::F32
            | ElementType::F64
            | ElementType::I32
            | ElementType::I64
            | ElementType::U32
            | ElementType::U64 => v,
            ElementType::F16 => self.emit(Op::FConvert, st, &[v])?,
            ElementType::BF16 => {
                let bits = self.bf16_bits(v)?;
                let u32t = self.g.u32t();
                let sixteen = self.g.uint(16);
                let hi = self.emit(Op::ShiftRightLogical, u32t, &[bits, sixteen])?;
                self.emit(Op::UConvert, st, &[hi])?
            }
            ElementType::I8
            | ElementType::I16
            | ElementType::U8
            | ElementType::U16
            | strata_abi::storage_types!() => self.emit(Op::UConvert, st, &[v])?,
            ElementType::Bool => {
                let i32t = self.g.ty(Reg::I32);
                let one = self.g.int(Reg::I32, 1);
                let zero = self.g.int(Reg::I32, 0);
                let w = self.emit(Op::Select, i32t, &[v, one, zero])?;
                self.emit(Op::UConvert, st, &[w])?
            }
        };
        let p = self.element_ptr(buf, index)?;
        Ok(self.g.b.store(p, raw, None, [])?)
    }

    /// The bits of f32 `v` rounded to bf16 (nearest, ties to even; NaN stays a quiet
    /// NaN), as a u32 whose low half is zero.
    pub(crate) fn bf16_bits(&mut self, v: Word) -> Result<Word, crate::ShaderError> {
        let u32t = self.g.u32t();
        let boolt = self.g.ty(Reg::Bool);
        let bits = self.emit(Op::Bitcast, u32t, &[v])?;
        let sixteen = self.g.uint(16);
        let one = self.g.uint(1);
        let half = self.g.uint(0x7FFF);
        let mask = self.g.uint(0xFFFF_0000);
        let quiet = self.g.uint(0x0040_0000);
        let shifted = self.emit(Op::ShiftRightLogical, u32t, &[bits, sixteen])?;
        let lsb = self.emit(Op::BitwiseAnd, u32t, &[shifted, one])?;
        let up = self.emit(Op::IAdd, u32t, &[bits, half])?;
        let up = self.emit(Op::IAdd, u32t, &[up, lsb])?;
        let rounded = self.emit(Op::BitwiseAnd, u32t, &[up, mask])?;
        let q = self.emit(Op::BitwiseOr, u32t, &[bits, quiet])?;
        let q = self.emit(Op::BitwiseAnd, u32t, &[q, mask])?;
        let nan = self.emit(Op::IsNan, boolt, &[v])?;
        self.emit(Op::Select, u32t, &[nan, q, rounded])
    }

    /// An i32 index as an i64, sign-extended by building the two halves: lavapipe (Mesa
    /// 22.3) was seen to miscompile comparisons of `OpSConvert` results with constants.
    /// A 32-bit register value as a u32 in a 64-bit register (the high word zero).
    pub(crate) fn zero_extend(&mut self, i: Word) -> Result<Word, crate::ShaderError> {
        let i64t = self.g.ty(Reg::I64);
        let u32t = self.g.u32t();
        let v2 = self.g.b.type_vector(u32t, 2);
        let lo = self.emit(Op::Bitcast, u32t, &[i])?;
        let hi = self.g.uint(0);
        let pair = self.emit(Op::CompositeConstruct, v2, &[lo, hi])?;
        self.emit(Op::Bitcast, i64t, &[pair])
    }

    pub(crate) fn widen_index(&mut self, i: Word) -> Result<Word, crate::ShaderError> {
        let i32t = self.g.ty(Reg::I32);
        let i64t = self.g.ty(Reg::I64);
        let u32t = self.g.u32t();
        let v2 = self.g.b.type_vector(u32t, 2);
        let sign = self.g.int(Reg::I32, 31);
        let hi = self.emit(Op::ShiftRightArithmetic, i32t, &[i, sign])?;
        let lo = self.emit(Op::Bitcast, u32t, &[i])?;
        let hi = self.emit(Op::Bitcast, u32t, &[hi])?;
        let pair = self.emit(Op::CompositeConstruct, v2, &[lo, hi])?;
        self.emit(Op::Bitcast, i64t, &[pair])
    }

    pub(crate) fn op(&mut self, op: OpId) -> Result<(), crate::ShaderError> {
        let ir = self.ir;
        let d = ir.op(op);
        let i32t = self.g.ty(Reg::I32);
        let result = match d.name {
            ops::LOOP_FOR => return self.for_loop(op),
            ops::LOOP_APPLY => {
                if d.operands.iter().any(|v| self.data_dependent.contains(v)) {
                    self.data_dependent.insert(d.results[0]);
                }
                let map = apply_map(ir, op).map_err(|e| ShaderError::from(e.at(ir, op)))?;
                let expr = &map.results[0];
                let mut acc = self.g.int(Reg::I32, expr.constant);
                for &(dim, c) in &expr.terms {
                    let v = self.get(op, d.operands[dim as usize])?.lanes[0];
                    let c = self.g.int(Reg::I32, c);
                    let t = self.emit(Op::IMul, i32t, &[v, c])?;
                    acc = self.emit(Op::IAdd, i32t, &[acc, t])?;
                }
                Val {
                    reg: Reg::I32,
                    lanes: vec![acc],
                }
            }
            ops::LOOP_INDEX_CAST => {
                let v = self.get(op, d.operands[0])?;
                if *ir.value_type(d.results[0]) == Type::Index {
                    // i64 → index: a value outside i32 becomes -1, which no check passes.
                    self.data_dependent.insert(d.results[0]);
                    // It fits when narrowing and widening again gives it back (64-bit
                    // range compares against constants were seen to misbehave on
                    // lavapipe).
                    let boolt = self.g.ty(Reg::Bool);
                    let x = v.lanes[0];
                    let narrow = self.emit(Op::SConvert, i32t, &[x])?;
                    let back = self.widen_index(narrow)?;
                    let fits = self.emit(Op::IEqual, boolt, &[back, x])?;
                    let minus_one = self.g.int(Reg::I32, -1);
                    Val {
                        reg: Reg::I32,
                        lanes: vec![self.emit(Op::Select, i32t, &[fits, narrow, minus_one])?],
                    }
                } else {
                    Val {
                        reg: Reg::I64,
                        lanes: vec![self.widen_index(v.lanes[0])?],
                    }
                }
            }
            ops::LOOP_LOAD | ops::LOOP_VLOAD => {
                let (buf, index) = self.element_index(op, d.operands[0], &d.operands[1..])?;
                let n = match ir.value_type(d.results[0]) {
                    Type::Vector(n, _) => *n as i64,
                    _ => 1,
                };
                let stride = strata_ir::loops::vector_stride(ir, op) as i64;
                let mut lanes = Vec::new();
                for l in 0..n {
                    let at = if l == 0 {
                        index
                    } else {
                        let c = self.g.int(Reg::I32, l * stride);
                        self.emit(Op::IAdd, i32t, &[index, c])?
                    };
                    lanes.push(self.load_element(&buf, at)?);
                }
                Val {
                    reg: reg_of(buf.elem),
                    lanes,
                }
            }
            ops::LOOP_STORE | ops::LOOP_VSTORE => {
                let v = self.get(op, d.operands[0])?;
                let (buf, index) = self.element_index(op, d.operands[1], &d.operands[2..])?;
                for (l, &x) in v.lanes.iter().enumerate() {
                    let at = if l == 0 {
                        index
                    } else {
                        let c = self.g.int(Reg::I32, l as i64);
                        self.emit(Op::IAdd, i32t, &[index, c])?
                    };
                    self.store_element(&buf, at, x)?;
                }
                return Ok(());
            }
            ops::LOOP_BROADCAST => {
                let v = self.get(op, d.operands[0])?;
                let n = match ir.value_type(d.results[0]) {
                    Type::Vector(n, _) => *n as usize,
                    _ => 1,
                };
                Val {
                    reg: v.reg,
                    lanes: vec![v.lanes[0]; n],
                }
            }
            // Declared as workgroup variables up front.
            ops::LOOP_ALLOCA => return Ok(()),
            _ => self.scalar(op)?,
        };
        self.values.insert(d.results[0], result);
        Ok(())
    }
}
