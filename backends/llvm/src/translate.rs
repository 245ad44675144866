//! Loop kernels to LLVM IR: one function per `loop.kernel` with the kernel ABI of
//! `strata-abi` (`i32 @k(ptr bindings, i64 wg_x, i64 wg_y, i64 wg_z)`).

mod contract;
mod scalar;

pub use contract::{define_library, Addressing, Blocking, GemmVariant};

use crate::CodegenError;
use inkwell::builder::Builder;
use inkwell::context::Context;
use inkwell::intrinsics::Intrinsic;
use inkwell::module::Module as LlModule;
use inkwell::types::{BasicType, BasicTypeEnum};
use inkwell::values::{BasicValue, BasicValueEnum, FunctionValue, IntValue, PointerValue};
use inkwell::{AddressSpace, FloatPredicate, IntPredicate};
use std::collections::HashMap;
use strata_ir::loops::{apply_map, Contract, ForLoop};
use strata_ir::module::BlockId;
use strata_ir::ops;
use strata_ir::{Attribute, ElementType, Module, OpId, OpName, Type, ValueId};

fn err(m: &Module, op: OpId, msg: impl std::fmt::Display) -> CodegenError {
    CodegenError::at(m, op, msg)
}

type R<T> = Result<T, CodegenError>;

/// A buffer in a kernel: base pointer, dimensions and element strides, element type.
#[derive(Clone)]
struct Buffer<'ctx> {
    base: PointerValue<'ctx>,
    dims: Vec<u64>,
    strides: Vec<u64>,
    elem: ElementType,
}

impl<'ctx> Buffer<'ctx> {
    fn new(base: PointerValue<'ctx>, t: &strata_ir::TensorType) -> Self {
        Buffer {
            base,
            dims: t.shape.dims().iter().map(|&d| d as u64).collect(),
            strides: t.shape.strides().iter().map(|&s| s as u64).collect(),
            elem: t.elem,
        }
    }
}

/// Translates IR of one module.
struct Translator<'ctx, 'm> {
    ctx: &'ctx Context,
    module: &'m LlModule<'ctx>,
    b: Builder<'ctx>,
    ir: &'m Module,
    values: HashMap<ValueId, BasicValueEnum<'ctx>>,
    buffers: HashMap<ValueId, Buffer<'ctx>>,
    function: FunctionValue<'ctx>,
    workgroup: [IntValue<'ctx>; 3],
    /// Index values computed from data (`loop.index_cast` and index math on it).
    data_dependent: std::collections::HashSet<ValueId>,
    /// The block returning [`STATUS_OUT_OF_BOUNDS`], made on first use.
    out_of_bounds: Option<inkwell::basic_block::BasicBlock<'ctx>>,
    /// The CPU compiled for (what `loop.contract`'s blocking follows).
    cpu: Option<strata_abi::CpuTarget>,
    /// Where the matrix-product routines live: `None`, defined in this module; else
    /// declared, exported from another object under this prefix, and listed in `gemms`.
    library: Option<String>,
    gemms: Vec<contract::GemmVariant>,
}

fn elem_type<'ctx>(ctx: &'ctx Context, e: ElementType) -> R<BasicTypeEnum<'ctx>> {
    Ok(match e {
        ElementType::F32 => ctx.f32_type().into(),
        ElementType::F64 => ctx.f64_type().into(),
        ElementType::I64 | ElementType::U64 => ctx.i64_type().into(),
        ElementType::I32 | ElementType::U32 => ctx.i32_type().into(),
        ElementType::I16 | ElementType::U16 => ctx.i16_type().into(),
        ElementType::I8 | ElementType::U8 | ElementType::Bool => ctx.i8_type().into(),
        // Storage types are their raw byte everywhere in compiled code.
        strata_abi::storage_types!() => ctx.i8_type().into(),
        // 16-bit floats are stored as such and computed in f32 registers, rounded after
        // every op (the interpreter's rule); bf16 is converted by integer code.
        ElementType::F16 => ctx.f16_type().into(),
        ElementType::BF16 => ctx.i16_type().into(),
    })
}

/// The element type a value of `e` has in registers.
fn reg_elem(e: ElementType) -> ElementType {
    match e {
        ElementType::F16 | ElementType::BF16 => ElementType::F32,
        e => e,
    }
}

fn is_float16(t: &Type) -> Option<ElementType> {
    match t {
        Type::Scalar(e) | Type::Vector(_, e)
            if matches!(e, ElementType::F16 | ElementType::BF16) =>
        {
            Some(*e)
        }
        _ => None,
    }
}

impl<'ctx> Translator<'ctx, '_> {
    fn value_type(&self, t: &Type) -> R<BasicTypeEnum<'ctx>> {
        Ok(match t {
            Type::Index => self.ctx.i64_type().into(),
            Type::Scalar(ElementType::Bool) => self.ctx.bool_type().into(),
            Type::Scalar(e) => elem_type(self.ctx, reg_elem(*e))?,
            Type::Vector(n, ElementType::Bool) => self.ctx.bool_type().vec_type(*n).into(),
            Type::Vector(n, e) => match elem_type(self.ctx, reg_elem(*e))? {
                BasicTypeEnum::FloatType(f) => f.vec_type(*n).into(),
                BasicTypeEnum::IntType(i) => i.vec_type(*n).into(),
                _ => return Err("vector of a non-scalar".into()),
            },
            other => return Err(format!("no LLVM type for {other}").into()),
        })
    }

    fn get(&self, op: OpId, v: ValueId) -> R<BasicValueEnum<'ctx>> {
        self.values
            .get(&v)
            .copied()
            .ok_or_else(|| err(self.ir, op, format!("%{} has no value", v.0)))
    }

    fn block(&mut self, block: BlockId) -> R<()> {
        let ops = self.ir.block(block).ops.clone();
        for op in ops {
            self.op(op)?;
        }
        Ok(())
    }

    /// Branches to the out-of-bounds exit unless `0 <= i < n`.
    fn check_in_bounds(&mut self, i: IntValue<'ctx>, n: u64) -> R<()> {
        let i64t = self.ctx.i64_type();
        let ok = self
            .b
            .build_int_compare(IntPredicate::ULT, i, i64t.const_int(n, false), "")?;
        let exit = match self.out_of_bounds {
            Some(b) => b,
            None => {
                let here = self.b.get_insert_block().ok_or("no insertion block")?;
                let b = self.ctx.append_basic_block(self.function, "out_of_bounds");
                self.b.position_at_end(b);
                let status = self
                    .ctx
                    .i32_type()
                    .const_int(strata_abi::Status::OUT_OF_BOUNDS as u64, false);
                self.b.build_return(Some(&status))?;
                self.b.position_at_end(here);
                self.out_of_bounds = Some(b);
                b
            }
        };
        let next = self.ctx.append_basic_block(self.function, "in_bounds");
        self.b.build_conditional_branch(ok, next, exit)?;
        self.b.position_at_end(next);
        Ok(())
    }

    fn address(&mut self, op: OpId, buf: ValueId, idx: &[ValueId]) -> R<PointerValue<'ctx>> {
        let Buffer {
            base,
            dims,
            strides,
            elem,
        } = self
            .buffers
            .get(&buf)
            .cloned()
            .ok_or_else(|| err(self.ir, op, "unknown buffer"))?;
        let i64t = self.ctx.i64_type();
        let mut linear = i64t.const_zero();
        for ((&v, &s), &n) in idx.iter().zip(&strides).zip(&dims) {
            let iv = self.get(op, v)?.into_int_value();
            if self.data_dependent.contains(&v) {
                self.check_in_bounds(iv, n)?;
            }
            let scaled = self.b.build_int_mul(iv, i64t.const_int(s, false), "")?;
            linear = self.b.build_int_add(linear, scaled, "")?;
        }
        let ty = elem_type(self.ctx, elem)?;
        // Safety: affine indices stay in bounds by construction of the loop nest (the kernel
        // verifier checks every map's range); data-dependent ones were checked above.
        unsafe { Ok(self.b.build_in_bounds_gep(ty, base, &[linear], "")?) }
    }

    fn intrinsic(
        &self,
        name: &str,
        ty: BasicTypeEnum<'ctx>,
        args: &[BasicValueEnum<'ctx>],
    ) -> R<BasicValueEnum<'ctx>> {
        let f = Intrinsic::find(name)
            .and_then(|i| i.get_declaration(self.module, &[ty]))
            .ok_or_else(|| format!("no intrinsic {name}"))?;
        let args: Vec<_> = args.iter().map(|&a| a.into()).collect();
        Ok(self
            .b
            .build_call(f, &args, "")?
            .try_as_basic_value()
            .basic()
            .ok_or_else(|| format!("{name} returned nothing"))?)
    }

    /// `v` (a scalar) in every lane when `lt` is a vector type.
    fn splat(&self, v: BasicValueEnum<'ctx>, lt: BasicTypeEnum<'ctx>) -> R<BasicValueEnum<'ctx>> {
        match lt {
            BasicTypeEnum::VectorType(vt) => {
                let mut out = vt.get_undef();
                for lane in 0..vt.get_size() {
                    out = self.b.build_insert_element(
                        out,
                        v,
                        self.ctx.i64_type().const_int(lane as u64, false),
                        "",
                    )?;
                }
                Ok(out.into())
            }
            _ => Ok(v),
        }
    }

    /// A float constant of `lt` (scalar or vector of floats).
    fn fconst(&self, lt: BasicTypeEnum<'ctx>, v: f64) -> R<BasicValueEnum<'ctx>> {
        let scalar = match lt {
            BasicTypeEnum::VectorType(vt) => vt.get_element_type().into_float_type().const_float(v),
            BasicTypeEnum::FloatType(f) => f.const_float(v),
            _ => return Err("float constant of a non-float type".into()),
        };
        self.splat(scalar.into(), lt)
    }

    /// `a op b` on floats or float vectors (`op`: + - * /).
    fn fop(
        &self,
        op: char,
        a: BasicValueEnum<'ctx>,
        b: BasicValueEnum<'ctx>,
    ) -> R<BasicValueEnum<'ctx>> {
        let b_ = &self.b;
        macro_rules! go {
            ($x:expr, $y:expr) => {
                match op {
                    '+' => b_.build_float_add($x, $y, ""),
                    '-' => b_.build_float_sub($x, $y, ""),
                    '*' => b_.build_float_mul($x, $y, ""),
                    _ => b_.build_float_div($x, $y, ""),
                }?
                .into()
            };
        }
        let r: BasicValueEnum = match (a, b) {
            (BasicValueEnum::FloatValue(x), BasicValueEnum::FloatValue(y)) => go!(x, y),
            (BasicValueEnum::VectorValue(x), BasicValueEnum::VectorValue(y)) => go!(x, y),
            _ => return Err("float arithmetic on non-floats".into()),
        };
        Ok(r)
    }

    /// A float comparison giving i1 (or a vector of i1).
    fn fcmp(
        &self,
        pred: FloatPredicate,
        a: BasicValueEnum<'ctx>,
        b: BasicValueEnum<'ctx>,
    ) -> R<BasicValueEnum<'ctx>> {
        Ok(match (a, b) {
            (BasicValueEnum::FloatValue(x), BasicValueEnum::FloatValue(y)) => {
                self.b.build_float_compare(pred, x, y, "")?.into()
            }
            (BasicValueEnum::VectorValue(x), BasicValueEnum::VectorValue(y)) => {
                self.b.build_float_compare(pred, x, y, "")?.into()
            }
            _ => return Err("float comparison on non-floats".into()),
        })
    }

    fn select(
        &self,
        c: BasicValueEnum<'ctx>,
        a: BasicValueEnum<'ctx>,
        b: BasicValueEnum<'ctx>,
    ) -> R<BasicValueEnum<'ctx>> {
        match c {
            BasicValueEnum::IntValue(c) => Ok(self.b.build_select(c, a, b, "")?),
            BasicValueEnum::VectorValue(c) => Ok(self.b.build_select(c, a, b, "")?),
            _ => Err("select on a non-boolean".into()),
        }
    }

    /// A unary op parameter (`alpha`, ...) from the op's attributes or its default.
    fn param(&self, op: OpId, name: &str, default: f64) -> f64 {
        match self.ir.op(op).attrs.get(name) {
            Some(Attribute::Float(v, _)) => *v,
            Some(Attribute::Int(v)) => *v as f64,
            _ => default,
        }
    }

    /// Casts between element types with the interpreter's (ONNX Cast) semantics:
    /// float→int saturates (NaN → 0), int→int wraps, anything→bool is `!= 0`.
    fn cast(
        &self,
        v: BasicValueEnum<'ctx>,
        from: ElementType,
        to: ElementType,
        lt: BasicTypeEnum<'ctx>,
    ) -> R<BasicValueEnum<'ctx>> {
        let e = CodegenError::from;
        let b = &self.b;
        if from == to {
            return Ok(v);
        }
        if to == ElementType::Bool {
            let src_lt = match lt {
                BasicTypeEnum::VectorType(vt) => {
                    let n = vt.get_size();
                    match elem_type(self.ctx, from)? {
                        BasicTypeEnum::FloatType(f) => f.vec_type(n).as_basic_type_enum(),
                        BasicTypeEnum::IntType(i) => i.vec_type(n).as_basic_type_enum(),
                        _ => return Err("odd cast".into()),
                    }
                }
                _ => elem_type(self.ctx, from)?,
            };
            let zero = src_lt.const_zero();
            return if from.is_float() {
                self.fcmp(FloatPredicate::UNE, v, zero)
            } else {
                Ok(match (v, zero) {
                    (BasicValueEnum::IntValue(x), BasicValueEnum::IntValue(z)) => b
                        .build_int_compare(IntPredicate::NE, x, z, "")
                        .map_err(e)?
                        .into(),
                    (BasicValueEnum::VectorValue(x), BasicValueEnum::VectorValue(z)) => b
                        .build_int_compare(IntPredicate::NE, x, z, "")
                        .map_err(e)?
                        .into(),
                    _ => return Err("odd cast".into()),
                })
            };
        }
        let unsigned = |t: ElementType| t.is_unsigned() || t == ElementType::Bool;
        let op = match (from.is_float(), to.is_float()) {
            (true, true) => {
                if from.size_bytes() > to.size_bytes() {
                    inkwell::values::InstructionOpcode::FPTrunc
                } else {
                    inkwell::values::InstructionOpcode::FPExt
                }
            }
            (false, true) if unsigned(from) => inkwell::values::InstructionOpcode::UIToFP,
            (false, true) => inkwell::values::InstructionOpcode::SIToFP,
            (true, false) => {
                let name = if unsigned(to) {
                    "llvm.fptoui.sat"
                } else {
                    "llvm.fptosi.sat"
                };
                let f = Intrinsic::find(name)
                    .and_then(|i| i.get_declaration(self.module, &[lt, v.get_type()]))
                    .ok_or_else(|| format!("no intrinsic {name}"))?;
                return Ok(b
                    .build_call(f, &[v.into()], "")
                    .map_err(e)?
                    .try_as_basic_value()
                    .basic()
                    .ok_or_else(|| "cast returned nothing".to_string())?);
            }
            (false, false) => {
                let (fb, tb) = (from.size_bytes(), to.size_bytes());
                if tb < fb {
                    inkwell::values::InstructionOpcode::Trunc
                } else if tb == fb {
                    return Ok(v);
                } else if unsigned(from) {
                    inkwell::values::InstructionOpcode::ZExt
                } else {
                    inkwell::values::InstructionOpcode::SExt
                }
            }
        };
        b.build_cast(op, v, lt, "").map_err(e)
    }

    fn for_loop(&mut self, op: OpId) -> R<()> {
        let l = ForLoop::of(self.ir, op).map_err(|e| err(self.ir, op, e))?;
        let d = self.ir.op(op);
        let body = self.ir.region(d.regions[0]).blocks[0];
        let iv = self.ir.block(body).args[0];
        let i64t = self.ctx.i64_type();
        if let Some(axis) = l.grid {
            // One workgroup per call: the index is this workgroup's.
            let wg = self.workgroup[axis as usize];
            let step = i64t.const_int(l.step as u64, true);
            let scaled = self.b.build_int_mul(wg, step, "")?;
            let v = self
                .b
                .build_int_add(scaled, i64t.const_int(l.lower as u64, true), "wg")?;
            self.values.insert(iv, v.into());
            return self.block(body);
        }
        let pre = self.b.get_insert_block().ok_or("no insertion block")?;
        let header = self.ctx.append_basic_block(self.function, "loop");
        let exit = self.ctx.append_basic_block(self.function, "exit");
        let lower = i64t.const_int(l.lower as u64, true);
        let upper = i64t.const_int(l.upper as u64, true);
        let enter = self
            .b
            .build_int_compare(IntPredicate::SLT, lower, upper, "")?;
        self.b.build_conditional_branch(enter, header, exit)?;
        self.b.position_at_end(header);
        let phi = self.b.build_phi(i64t, "i")?;
        phi.add_incoming(&[(&lower, pre)]);
        self.values.insert(iv, phi.as_basic_value());
        self.block(body)?;
        let next = self.b.build_int_add(
            phi.as_basic_value().into_int_value(),
            i64t.const_int(l.step as u64, true),
            "",
        )?;
        let latch = self.b.get_insert_block().ok_or("no insertion block")?;
        phi.add_incoming(&[(&next, latch)]);
        let again = self
            .b
            .build_int_compare(IntPredicate::SLT, next, upper, "")?;
        self.b.build_conditional_branch(again, header, exit)?;
        self.b.position_at_end(exit);
        Ok(())
    }

    fn op(&mut self, op: OpId) -> R<()> {
        let ir = self.ir;
        let d = ir.op(op);
        let e = |x: inkwell::builder::BuilderError| err(ir, op, x);
        let i64t = self.ctx.i64_type();
        let result = match d.name {
            ops::LOOP_FOR => return self.for_loop(op),
            ops::LOOP_APPLY => {
                if d.operands.iter().any(|v| self.data_dependent.contains(v)) {
                    self.data_dependent.insert(d.results[0]);
                }
                let map = apply_map(ir, op).map_err(|x| err(ir, op, x))?;
                let expr = &map.results[0];
                let mut acc = i64t.const_int(expr.constant as u64, true);
                for &(dim, c) in &expr.terms {
                    let v = self.get(op, d.operands[dim as usize])?.into_int_value();
                    let t = self
                        .b
                        .build_int_mul(v, i64t.const_int(c as u64, true), "")
                        .map_err(e)?;
                    acc = self.b.build_int_add(acc, t, "").map_err(e)?;
                }
                acc.as_basic_value_enum()
            }
            ops::LOOP_INDEX_CAST => {
                self.data_dependent.insert(d.results[0]);
                self.get(op, d.operands[0])?
            }
            ops::LOOP_LOAD | ops::LOOP_VLOAD => {
                let ptr = self.address(op, d.operands[0], &d.operands[1..])?;
                let ty = ir.value_type(d.results[0]);
                let (lt, bool_elem) = match ty {
                    Type::Scalar(ElementType::Bool) => {
                        (self.ctx.i8_type().as_basic_type_enum(), true)
                    }
                    Type::Vector(n, ElementType::Bool) => {
                        (self.ctx.i8_type().vec_type(*n).as_basic_type_enum(), true)
                    }
                    t => match is_float16(t) {
                        Some(e16) => (self.storage_type(t, e16), false),
                        None => (self.value_type(t)?, false),
                    },
                };
                let stride = strata_ir::loops::vector_stride(ir, op);
                let v = if stride > 1 {
                    self.strided_load(lt, ptr, stride)
                        .map_err(|x| err(ir, op, x))?
                } else {
                    let v = self.b.build_load(lt, ptr, "").map_err(e)?;
                    if let Some(inst) = v.as_instruction_value() {
                        let _ = inst.set_alignment(1);
                    }
                    v
                };
                if bool_elem {
                    let zero = lt.const_zero();
                    match v {
                        BasicValueEnum::IntValue(i) => self
                            .b
                            .build_int_compare(IntPredicate::NE, i, zero.into_int_value(), "")
                            .map_err(e)?
                            .into(),
                        BasicValueEnum::VectorValue(vv) => self
                            .b
                            .build_int_compare(IntPredicate::NE, vv, zero.into_vector_value(), "")
                            .map_err(e)?
                            .into(),
                        _ => return Err(err(ir, op, "bad boolean load")),
                    }
                } else if let Some(e16) = is_float16(ty) {
                    let rt = self.value_type(ty)?;
                    self.widen16(v, e16, rt).map_err(|x| err(ir, op, x))?
                } else {
                    v
                }
            }
            ops::LOOP_STORE | ops::LOOP_VSTORE => {
                let ptr = self.address(op, d.operands[1], &d.operands[2..])?;
                let mut v = self.get(op, d.operands[0])?;
                if matches!(
                    ir.value_type(d.operands[0]),
                    Type::Scalar(ElementType::Bool) | Type::Vector(_, ElementType::Bool)
                ) {
                    v = match v {
                        BasicValueEnum::IntValue(i) => self
                            .b
                            .build_int_z_extend(i, self.ctx.i8_type(), "")
                            .map_err(e)?
                            .into(),
                        BasicValueEnum::VectorValue(vv) => {
                            let n = vv.get_type().get_size();
                            self.b
                                .build_int_z_extend(vv, self.ctx.i8_type().vec_type(n), "")
                                .map_err(e)?
                                .into()
                        }
                        other => other,
                    };
                }
                if let Some(e16) = is_float16(ir.value_type(d.operands[0])) {
                    v = self.narrow16(v, e16).map_err(|x| err(ir, op, x))?;
                }
                let st = self.b.build_store(ptr, v).map_err(e)?;
                let _ = st.set_alignment(1);
                return Ok(());
            }
            ops::LOOP_BROADCAST => {
                let v = self.get(op, d.operands[0])?;
                let vt = self.value_type(ir.value_type(d.results[0]))?;
                self.splat(v, vt).map_err(|x| err(ir, op, x))?
            }
            ops::LOOP_CONTRACT => return self.contract(op),
            ops::LOOP_ALLOCA => {
                let t = ir
                    .value_type(d.results[0])
                    .as_memref()
                    .ok_or("alloca of a non-buffer")?;
                let et = elem_type(self.ctx, t.elem)?;
                let n = i64t.const_int(t.shape.numel() as u64, false);
                // In the entry block, so that a scratch buffer inside loops is one
                // buffer, not a new one per iteration.
                let entry = self
                    .function
                    .get_first_basic_block()
                    .ok_or("a kernel without an entry block")?;
                let at = self.ctx.create_builder();
                match entry.get_first_instruction() {
                    Some(first) => at.position_before(&first),
                    None => at.position_at_end(entry),
                }
                let ptr = at.build_array_alloca(et, n, "scratch").map_err(e)?;
                if let Some(i) = ptr.as_instruction() {
                    let _ = i.set_alignment(64);
                }
                self.buffers.insert(d.results[0], Buffer::new(ptr, t));
                return Ok(());
            }
            name => {
                let v = self.scalar(op, name)?;
                match is_float16(ir.value_type(d.results[0])) {
                    Some(e16) => self.round16(v, e16).map_err(|x| err(ir, op, x))?,
                    None => v,
                }
            }
        };
        self.values.insert(d.results[0], result);
        Ok(())
    }

    /// A vector of type `lt` whose lanes are every `stride`-th element from `ptr`: a
    /// gather at constant offsets.
    fn strided_load(
        &self,
        lt: BasicTypeEnum<'ctx>,
        ptr: PointerValue<'ctx>,
        stride: usize,
    ) -> R<BasicValueEnum<'ctx>> {
        let BasicTypeEnum::VectorType(vt) = lt else {
            return Err("a strided load of a scalar".into());
        };
        let n = vt.get_size();
        // Small strides (a pool's or a strided conv's window) read the span once,
        // contiguously, and pick every `stride`-th lane: a gather costs about a cycle
        // per lane. The mask keeps the load inside the `(n - 1) * stride + 1` elements
        // the lanes reach, so nothing past the buffer is touched.
        if stride <= 4 && n as usize * stride <= 64 {
            let lanes = n * stride as u32;
            let wide = match vt.get_element_type() {
                BasicTypeEnum::FloatType(t) => t.vec_type(lanes),
                BasicTypeEnum::IntType(t) => t.vec_type(lanes),
                _ => return Err("a strided load of non-scalar lanes".into()),
            };
            let t = self.ctx.bool_type().const_int(1, false);
            let f = self.ctx.bool_type().const_zero();
            let span = (n as usize - 1) * stride + 1;
            let mask: Vec<IntValue> = (0..n as usize * stride)
                .map(|l| if l < span { t } else { f })
                .collect();
            let mask = inkwell::types::VectorType::const_vector(&mask);
            let ptr_t = self.ctx.ptr_type(AddressSpace::default());
            let load = Intrinsic::find("llvm.masked.load")
                .and_then(|i| i.get_declaration(self.module, &[wide.into(), ptr_t.into()]))
                .ok_or("no intrinsic llvm.masked.load")?;
            let args = [ptr.into(), mask.into(), wide.get_poison().into()];
            let v = self
                .b
                .build_call(load, &args, "")?
                .try_as_basic_value()
                .basic()
                .ok_or("masked.load returned nothing")?
                .into_vector_value();
            let i32t = self.ctx.i32_type();
            let picks: Vec<IntValue> = (0..n as u64)
                .map(|l| i32t.const_int(l * stride as u64, false))
                .collect();
            let picks = inkwell::types::VectorType::const_vector(&picks);
            return Ok(self
                .b
                .build_shuffle_vector(v, wide.get_poison(), picks, "")?
                .as_basic_value_enum());
        }
        let i64t = self.ctx.i64_type();
        let elem_bytes = vt
            .get_element_type()
            .size_of()
            .ok_or("an element without a size")?;
        let base = self.b.build_ptr_to_int(ptr, i64t, "")?;
        let offsets: Vec<IntValue> = (0..n as u64)
            .map(|l| i64t.const_int(l * stride as u64, false))
            .collect();
        let offsets = inkwell::types::VectorType::const_vector(&offsets);
        let size = self.splat(elem_bytes.into(), i64t.vec_type(n).into())?;
        let bytes = self
            .b
            .build_int_mul(offsets, size.into_vector_value(), "")?;
        let splat = self.splat(base.into(), i64t.vec_type(n).into())?;
        let addr = self.b.build_int_add(bytes, splat.into_vector_value(), "")?;
        let ptrs = self.b.build_int_to_ptr(
            addr,
            self.ctx.ptr_type(AddressSpace::default()).vec_type(n),
            "",
        )?;
        let one = self.ctx.bool_type().const_all_ones();
        let all =
            inkwell::types::VectorType::const_vector(&vec![one; n as usize]).as_basic_value_enum();
        let f = Intrinsic::find("llvm.masked.gather")
            .and_then(|i| i.get_declaration(self.module, &[lt, ptrs.get_type().into()]))
            .ok_or("no intrinsic llvm.masked.gather")?;
        let args = [ptrs.into(), all.into(), vt.get_poison().into()];
        Ok(self
            .b
            .build_call(f, &args, "")?
            .try_as_basic_value()
            .basic()
            .ok_or("masked.gather returned nothing")?)
    }

    /// `loop.contract`: a call of the module's matrix-product kernel for this blocking,
    /// with offset tables (module constants) for boxes of several dimensions.
    fn contract(&mut self, op: OpId) -> R<()> {
        let ir = self.ir;
        let d = ir.op(op);
        let c = Contract::of(ir, op).map_err(|x| err(ir, op, x))?;
        let dense_columns = c
            .n_dims
            .iter()
            .rev()
            .try_fold(1usize, |want, dim| {
                (dim[0] == 1 || dim[2] == want).then_some(want * dim[0])
            })
            .is_some();
        if !dense_columns {
            return Err(err(
                ir,
                op,
                "the CPU's matrix product needs C's columns contiguous",
            ));
        }
        let Some(sc_m) = c.c_row_stride() else {
            return Err(err(
                ir,
                op,
                "the CPU's matrix product needs C's rows evenly spaced",
            ));
        };
        let Some(variant) = gemm_variant(ir, op, self.cpu.as_ref()).map_err(|x| err(ir, op, x))?
        else {
            return Ok(());
        };
        let i64t = self.ctx.i64_type();
        let mut bases = Vec::with_capacity(3);
        for x in 0..3 {
            let buf = self
                .buffers
                .get(&d.operands[x])
                .cloned()
                .ok_or_else(|| err(ir, op, "unknown buffer"))?;
            let off = self.get(op, d.operands[3 + x])?.into_int_value();
            // Safety: the tile lies in the buffer: offsets and strides come from the
            // kernel's indexing maps, whose ranges the verifier checked.
            let p = unsafe {
                self.b
                    .build_in_bounds_gep(self.ctx.f32_type(), buf.base, &[off], "")
                    .map_err(|x| err(ir, op, x))?
            };
            bases.push(p);
        }
        let int = |v: usize| i64t.const_int(v as u64, false).into();
        let f = self.gemm(variant)?;
        // Columns, or for windows the vectors that cover them.
        let mut columns = c.n();
        let middle: Vec<inkwell::values::BasicMetadataValueEnum> = match variant.addressing {
            contract::Addressing::Strided => {
                let (Some([sa_m, _]), Some(([sa_k, sb_k], [sb_n, _]))) =
                    (c.row_strides(), c.as_matrix())
                else {
                    return Err(err(
                        ir,
                        op,
                        "a strided product with boxes of several dimensions",
                    ));
                };
                vec![int(sa_m), int(sa_k), bases[1].into(), int(sb_k), int(sb_n)]
            }
            _ => {
                let table = |offsets: Vec<usize>| self.offset_table(op, &offsets);
                let ia = table(Contract::offsets(&c.m_dims, 1))?;
                let ka = table(Contract::offsets(&c.k_dims, 1))?;
                let kb = table(Contract::offsets(&c.k_dims, 2))?;
                let jb = match variant.addressing {
                    contract::Addressing::Windows => {
                        let vectors = window_vectors(&c, variant.blk)
                            .ok_or_else(|| err(ir, op, "a window without its vectors"))?;
                        columns = vectors.len() / 3;
                        table(vectors.into_iter().map(|x| x as usize).collect())?
                    }
                    _ => table(Contract::offsets(&c.n_dims, 1))?,
                };
                vec![ia.into(), ka.into(), bases[1].into(), kb.into(), jb.into()]
            }
        };
        let mut args: Vec<inkwell::values::BasicMetadataValueEnum> = vec![bases[0].into()];
        args.extend(middle);
        args.extend([
            bases[2].into(),
            int(sc_m),
            int(c.m()),
            int(columns),
            int(c.k()),
            int(c.accumulate as usize),
        ]);
        self.b
            .build_call(f, &args, "")
            .map_err(|x| err(ir, op, x))?;
        Ok(())
    }

    /// The matrix-product routine of a variant: defined here, or declared and recorded
    /// for the library object.
    fn gemm(&mut self, v: contract::GemmVariant) -> R<FunctionValue<'ctx>> {
        match &self.library {
            None => contract::gemm_function(self.ctx, self.module, v.blk, v.addressing, v.packed),
            Some(prefix) => {
                if !self.gemms.contains(&v) {
                    self.gemms.push(v);
                }
                Ok(v.declare(self.ctx, self.module, prefix))
            }
        }
    }

    /// A constant table of i32 element offsets in the module.
    fn offset_table(&self, op: OpId, offsets: &[usize]) -> R<PointerValue<'ctx>> {
        let i32t = self.ctx.i32_type();
        let values: Vec<inkwell::values::IntValue> = offsets
            .iter()
            .map(|&o| {
                u32::try_from(o)
                    .ok()
                    .filter(|&o| o <= i32::MAX as u32)
                    .map(|o| i32t.const_int(o as u64, false))
                    .ok_or_else(|| err(self.ir, op, "an operand offset past 2^31 elements"))
            })
            .collect::<R<_>>()?;
        let ty = i32t.array_type(values.len() as u32);
        let global = self.module.add_global(ty, None, "strata.offsets");
        global.set_initializer(&i32t.const_array(&values));
        global.set_constant(true);
        global.set_linkage(inkwell::module::Linkage::Private);
        global.set_unnamed_addr(true);
        Ok(global.as_pointer_value())
    }

    fn scalar(&mut self, op: OpId, name: OpName) -> R<BasicValueEnum<'ctx>> {
        let ir = self.ir;
        let d = ir.op(op);
        let e = |x: inkwell::builder::BuilderError| err(ir, op, x);
        let out_ty = ir.value_type(d.results[0]).clone();
        let lt = self.value_type(&out_ty)?;
        let elem = match out_ty {
            Type::Scalar(e) | Type::Vector(_, e) => e,
            _ => return Err(err(ir, op, "scalar op without a scalar result")),
        };
        let args: Vec<BasicValueEnum<'ctx>> = d
            .operands
            .iter()
            .map(|&v| self.get(op, v))
            .collect::<Result<_, _>>()?;
        let operand_elem = d
            .operands
            .first()
            .map(|&v| match ir.value_type(v) {
                Type::Scalar(e) | Type::Vector(_, e) => *e,
                _ => elem,
            })
            .unwrap_or(elem);
        let float = operand_elem.is_float();
        let b = &self.b;
        let int = |c: char| scalar::int2(b, args[0], args[1], c).map_err(|x| err(ir, op, x));
        let fop = |c: char| self.fop(c, args[0], args[1]).map_err(|x| err(ir, op, x));
        let unsigned = operand_elem.is_unsigned() || operand_elem == ElementType::Bool;
        // A comparison: `fp` on floats, else the signed or the unsigned integer predicate.
        let compare = |fp: FloatPredicate, (signed, uns): (IntPredicate, IntPredicate)| {
            if float {
                self.fcmp(fp, args[0], args[1])
            } else {
                self.icmp(if unsigned { uns } else { signed }, args[0], args[1])
            }
            .map_err(|x| err(ir, op, x))
        };
        Ok(match name {
            ops::KERNEL_CONSTANT => {
                let v = match d.attrs.get("value") {
                    Some(Attribute::Float(v, _)) => *v,
                    Some(Attribute::Int(v)) => *v as f64,
                    Some(Attribute::Bool(b)) => *b as u8 as f64,
                    _ => return Err(err(ir, op, "constant without a value")),
                };
                let scalar: BasicValueEnum = match elem_type(self.ctx, reg_elem(elem))? {
                    _ if elem == ElementType::Bool => self
                        .ctx
                        .bool_type()
                        .const_int((v != 0.0) as u64, false)
                        .into(),
                    BasicTypeEnum::FloatType(f) => f.const_float(v).into(),
                    BasicTypeEnum::IntType(i) => i.const_int(v as i64 as u64, true).into(),
                    _ => return Err(err(ir, op, "constant of an odd type")),
                };
                self.splat(scalar, lt).map_err(|x| err(ir, op, x))?
            }
            ops::KERNEL_ADD if float => fop('+')?,
            ops::KERNEL_SUB if float => fop('-')?,
            ops::KERNEL_MUL if float => fop('*')?,
            ops::KERNEL_DIV if float => fop('/')?,
            ops::KERNEL_ADD => int('+')?,
            ops::KERNEL_SUB => int('-')?,
            ops::KERNEL_MUL => int('*')?,
            ops::KERNEL_MAX if float => self.intrinsic("llvm.maximum", lt, &args)?,
            ops::KERNEL_MIN if float => self.intrinsic("llvm.minimum", lt, &args)?,
            ops::KERNEL_MAX | ops::KERNEL_MIN => {
                let f = match (name == ops::KERNEL_MAX, unsigned) {
                    (true, false) => "llvm.smax",
                    (false, false) => "llvm.smin",
                    (true, true) => "llvm.umax",
                    (false, true) => "llvm.umin",
                };
                self.intrinsic(f, lt, &args)?
            }
            ops::KERNEL_NEG if float => match args[0] {
                BasicValueEnum::FloatValue(x) => b.build_float_neg(x, "").map_err(e)?.into(),
                BasicValueEnum::VectorValue(x) => b.build_float_neg(x, "").map_err(e)?.into(),
                _ => return Err(err(ir, op, "bad operand")),
            },
            ops::KERNEL_ABS if float => self.intrinsic("llvm.fabs", lt, &args)?,
            ops::KERNEL_EXP if float => self.exp(args[0], lt)?,
            ops::KERNEL_LOG if float => self.intrinsic("llvm.log", lt, &args)?,
            ops::KERNEL_SQRT if float => self.intrinsic("llvm.sqrt", lt, &args)?,
            ops::KERNEL_SELECT => self
                .select(args[0], args[1], args[2])
                .map_err(|x| err(ir, op, x))?,
            ops::KERNEL_LESS => compare(FloatPredicate::OLT, (IntPredicate::SLT, IntPredicate::ULT))?,
            ops::KERNEL_LESS_OR_EQUAL => {
                compare(FloatPredicate::OLE, (IntPredicate::SLE, IntPredicate::ULE))?
            }
            ops::KERNEL_GREATER => {
                compare(FloatPredicate::OGT, (IntPredicate::SGT, IntPredicate::UGT))?
            }
            ops::KERNEL_GREATER_OR_EQUAL => {
                compare(FloatPredicate::OGE, (IntPredicate::SGE, IntPredicate::UGE))?
            }
            ops::KERNEL_EQUAL => compare(FloatPredicate::OEQ, (IntPredicate::EQ, IntPredicate::EQ))?,
            ops::KERNEL_CAST => self
                .cast(args[0], reg_elem(operand_elem), reg_elem(elem), lt)
                .map_err(|x| err(ir, op, x))?,
            ops::KERNEL_BITCAST => self
                .bitcast(args[0], operand_elem, elem, lt)
                .map_err(|x| err(ir, op, x))?,
            ops::KERNEL_MOD if float => self.float_mod(op, lt, &args)?,
            _ if float && strata_ir::kernel::composite::find(name).is_some() => {
                return Err(err(
                    ir,
                    op,
                    format!(
                        "{NO_TRANSLATION} a composite op: the expand-composites pass rewrites it into primitives first"
                    ),
                ))
            }
            _ if float => self.float_unary(op, name, lt, &args)?,
            _ if scalar::INTEGER_OPS.contains(&name) => {
                self.integer(op, name, operand_elem, lt, &args)?
            }
            other => {
                return Err(err(
                    ir,
                    op,
                    format!("{NO_TRANSLATION} '{other}' on {operand_elem} yet"),
                ))
            }
        })
    }
}

/// The phrase for an op this back end does not translate yet.
pub const NO_TRANSLATION: &str = "no LLVM translation for";

impl<'ctx> Translator<'ctx, '_> {
    /// Float ops beyond the arithmetic core, written with LLVM intrinsics and arithmetic.
    fn float_unary(
        &self,
        op: OpId,
        name: OpName,
        lt: BasicTypeEnum<'ctx>,
        args: &[BasicValueEnum<'ctx>],
    ) -> R<BasicValueEnum<'ctx>> {
        let ir = self.ir;
        let x = args[0];
        let wrap = |r: R<BasicValueEnum<'ctx>>| r.map_err(|e| e.at_op(ir, op));
        let c = |v: f64| self.fconst(lt, v);
        wrap((|| -> R<BasicValueEnum<'ctx>> {
            Ok(match name {
                ops::KERNEL_TANH => self.intrinsic("llvm.tanh", lt, &[x])?,
                ops::KERNEL_LOG1P => {
                    // log(w)·u/(w − 1) with w = 1 + u: the quotient cancels w's rounding
                    // (exact where w rounds to 1, and ∞ stays ∞).
                    let w = self.fop('+', c(1.0)?, x)?;
                    let l = self.intrinsic("llvm.log", lt, &[w])?;
                    let wm1 = self.fop('-', w, c(1.0)?)?;
                    let q = self.fop('/', x, wm1)?;
                    let v = self.fop('*', l, q)?;
                    let exact = self.fcmp(FloatPredicate::OEQ, w, c(1.0)?)?;
                    let v = self.select(exact, x, v)?;
                    let inf = self.fcmp(FloatPredicate::OEQ, x, c(f64::INFINITY)?)?;
                    self.select(inf, x, v)?
                }
                ops::KERNEL_SIN => self.intrinsic("llvm.sin", lt, &[x])?,
                ops::KERNEL_COS => self.intrinsic("llvm.cos", lt, &[x])?,
                ops::KERNEL_TAN => self.intrinsic("llvm.tan", lt, &[x])?,
                ops::KERNEL_FLOOR => self.intrinsic("llvm.floor", lt, &[x])?,
                ops::KERNEL_CEIL => self.intrinsic("llvm.ceil", lt, &[x])?,
                ops::KERNEL_ROUND => self.intrinsic("llvm.roundeven", lt, &[x])?,
                ops::KERNEL_POW => {
                    // An integer exponent (Pow's mixed types) is converted to the base's type.
                    let y = if args[1].get_type() == lt {
                        args[1]
                    } else {
                        let signed = !matches!(
                            ir.value_type(ir.op(op).operands[1]),
                            Type::Scalar(e) | Type::Vector(_, e) if e.is_unsigned()
                        );
                        let opc = if signed {
                            inkwell::values::InstructionOpcode::SIToFP
                        } else {
                            inkwell::values::InstructionOpcode::UIToFP
                        };
                        self.b.build_cast(opc, args[1], lt, "")?
                    };
                    self.intrinsic("llvm.pow", lt, &[x, y])?
                }
                ops::KERNEL_SINH | ops::KERNEL_COSH => {
                    let ex = self.intrinsic("llvm.exp", lt, &[x])?;
                    let neg = self.fop('-', c(0.0)?, x)?;
                    let en = self.intrinsic("llvm.exp", lt, &[neg])?;
                    let v = if name == ops::KERNEL_SINH {
                        self.fop('-', ex, en)?
                    } else {
                        self.fop('+', ex, en)?
                    };
                    self.fop('*', v, c(0.5)?)?
                }
                ops::KERNEL_IS_NAN => self.fcmp(FloatPredicate::UNO, x, x)?,
                ops::KERNEL_IS_INF => {
                    let neg = self.param(op, "detect_negative", 1.0) != 0.0;
                    let pos = self.param(op, "detect_positive", 1.0) != 0.0;
                    let xt = x.get_type();
                    let at = |v: f64| self.fcmp(FloatPredicate::OEQ, x, self.fconst(xt, v)?);
                    let f = self.fcmp(FloatPredicate::PredicateFalse, x, x)?;
                    let n = if neg { at(f64::NEG_INFINITY)? } else { f };
                    let p = if pos { at(f64::INFINITY)? } else { f };
                    scalar::int2(&self.b, n, p, '|')?
                }
                ops::KERNEL_ASIN => self.intrinsic("llvm.asin", lt, &[x])?,
                ops::KERNEL_ACOS => self.intrinsic("llvm.acos", lt, &[x])?,
                ops::KERNEL_ATAN => self.intrinsic("llvm.atan", lt, &[x])?,
                ops::KERNEL_ASINH | ops::KERNEL_ACOSH => {
                    // log(x + sqrt(x² ± 1))
                    let x2 = self.fop('*', x, x)?;
                    let sign = if name == ops::KERNEL_ASINH { '+' } else { '-' };
                    let r = self.fop(sign, x2, c(1.0)?)?;
                    let root = self.intrinsic("llvm.sqrt", lt, &[r])?;
                    let sum = self.fop('+', x, root)?;
                    self.intrinsic("llvm.log", lt, &[sum])?
                }
                ops::KERNEL_ATANH => {
                    let num = self.fop('+', c(1.0)?, x)?;
                    let den = self.fop('-', c(1.0)?, x)?;
                    let q = self.fop('/', num, den)?;
                    let l = self.intrinsic("llvm.log", lt, &[q])?;
                    self.fop('*', c(0.5)?, l)?
                }
                ops::KERNEL_ERF => self.erf(x, lt)?,
                other => return Err(format!("{NO_TRANSLATION} '{other}' on floats yet").into()),
            })
        })())
    }
}

/// The matrix-product routine `loop.contract` op `op` calls on `cpu` (`None`: a baseline
/// CPU), or `None` when the product is empty and calls nothing.
pub fn gemm_variant(
    m: &Module,
    op: OpId,
    cpu: Option<&strata_abi::CpuTarget>,
) -> Result<Option<contract::GemmVariant>, String> {
    let c = Contract::of(m, op).map_err(|e| e.to_string())?;
    let f32_buffers = m.op(op).operands.iter().take(3).all(|&b| {
        m.value_type(b)
            .as_memref()
            .is_some_and(|t| t.elem == strata_ir::ElementType::F32)
    });
    if !f32_buffers {
        // The tile pass gives CPUs integer products as loops, never as loop.contract.
        return Err("the CPU's matrix product works on f32 buffers".into());
    }
    if c.m() == 0 || c.n() == 0 || c.k() == 0 {
        return Ok(None);
    }
    let blk = Blocking::for_target(cpu, c.n(), c.micro_tile)?;
    let addressing = match c.as_matrix() {
        Some(_) if c.row_strides().is_some() => contract::Addressing::Strided,
        _ if !c.packed[1] && window_vectors(&c, blk).is_some() => contract::Addressing::Windows,
        _ => contract::Addressing::Tables,
    };
    Ok(Some(contract::GemmVariant {
        blk,
        addressing,
        packed: c.packed,
    }))
}

/// A stride-1 window's columns as the vectors [`contract::Addressing::Windows`] reads
/// (see [`contract::window_vectors`]), if that beats packing them.
fn window_vectors(c: &Contract, blk: Blocking) -> Option<Vec<u32>> {
    contract::window_vectors(
        &Contract::offsets(&c.n_dims, 1),
        &Contract::offsets(&c.n_dims, 2),
        blk.lanes as usize,
        blk.nv as usize,
    )
}

/// Every matrix-product routine the kernels of `m` call, each once, in first-use order:
/// known before any kernel is translated, so that the library object compiles beside them.
pub fn gemm_variants(m: &Module) -> R<Vec<contract::GemmVariant>> {
    let cpu = strata_ir::target::target_of(m)?.and_then(|t| t.as_cpu().cloned());
    let mut out = Vec::new();
    for (kernel, _) in strata_ir::loops::kernels(m)? {
        let mut nested = Vec::new();
        strata_ir::loops::nested_ops(m, kernel, &mut nested);
        for op in nested {
            if m.op(op).name != ops::LOOP_CONTRACT {
                continue;
            }
            if let Some(v) = gemm_variant(m, op, cpu.as_ref()).map_err(|e| err(m, op, e))? {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
    }
    Ok(out)
}

/// Translates every `loop.kernel` of `m` into `llvm` (one function each, the kernel ABI),
/// naming each kernel's function `prefix` + its name (so that objects of several models
/// link into one program). Returns the kernels' names.
pub fn translate<'ctx>(
    ctx: &'ctx Context,
    m: &Module,
    llvm: &LlModule<'ctx>,
    prefix: &str,
) -> R<Vec<String>> {
    let all: Vec<OpId> = strata_ir::loops::kernels(m)?
        .into_iter()
        .map(|(op, _)| op)
        .collect();
    translate_kernels(ctx, m, llvm, prefix, &all)
}

/// [`translate`] for the kernels `kernels` of `m` only (a share of the module's kernels,
/// for compiling shares in parallel).
pub fn translate_kernels<'ctx>(
    ctx: &'ctx Context,
    m: &Module,
    llvm: &LlModule<'ctx>,
    prefix: &str,
    kernels: &[OpId],
) -> R<Vec<String>> {
    Ok(translate_linking(ctx, m, llvm, prefix, kernels, false)?.0)
}

/// [`translate_kernels`], with the matrix-product routines only declared when `library`
/// is set (exported as `prefix` + their names from one object of their own, made by
/// [`contract::define_library`]); returns the kernels' names and the routines they call.
pub fn translate_linking<'ctx>(
    ctx: &'ctx Context,
    m: &Module,
    llvm: &LlModule<'ctx>,
    prefix: &str,
    kernels: &[OpId],
    library: bool,
) -> R<(Vec<String>, Vec<contract::GemmVariant>)> {
    let mut gemms = Vec::new();
    let ptr = ctx.ptr_type(AddressSpace::default());
    let i64t = ctx.i64_type();
    let mut names = Vec::new();
    let mut params: Vec<inkwell::types::BasicMetadataTypeEnum> = vec![ptr.into()];
    params.extend(
        [inkwell::types::BasicMetadataTypeEnum::from(i64t); strata_abi::kernel::WORKGROUP_ID_ARGS],
    );
    let fn_type = ctx.i32_type().fn_type(&params, false);
    let cpu = strata_ir::target::target_of(m)?.and_then(|t| t.as_cpu().cloned());
    for (op, name) in strata_ir::loops::kernels(m)?
        .into_iter()
        .filter(|(op, _)| kernels.contains(op))
    {
        let d = m.op(op);
        let function = llvm.add_function(&format!("{prefix}{name}"), fn_type, None);
        let entry = ctx.append_basic_block(function, "entry");
        let b = ctx.create_builder();
        b.position_at_end(entry);
        let bindings = function
            .get_nth_param(0)
            .ok_or("no bindings")?
            .into_pointer_value();
        let workgroup = [1, 2, 3].map(|i| {
            function
                .get_nth_param(i)
                .map(|p| p.into_int_value())
                .unwrap_or(i64t.const_zero())
        });
        let body = *d
            .regions
            .first()
            .and_then(|&r| m.region(r).blocks.first())
            .ok_or_else(|| err(m, op, "a kernel without a body"))?;
        let mut buffers = HashMap::new();
        for (i, &arg) in m.block(body).args.iter().enumerate() {
            let t = m
                .value_type(arg)
                .as_memref()
                .ok_or_else(|| err(m, op, "a kernel argument is not a buffer"))?;
            // Safety: the caller passes one pointer per kernel argument.
            let slot = unsafe {
                b.build_in_bounds_gep(ptr, bindings, &[i64t.const_int(i as u64, false)], "")?
            };
            let base = b.build_load(ptr, slot, "buf")?;
            buffers.insert(arg, Buffer::new(base.into_pointer_value(), t));
        }
        let mut t = Translator {
            ctx,
            module: llvm,
            b,
            ir: m,
            values: HashMap::new(),
            buffers,
            function,
            workgroup,
            data_dependent: Default::default(),
            out_of_bounds: None,
            cpu: cpu.clone(),
            library: library.then(|| prefix.to_string()),
            gemms: std::mem::take(&mut gemms),
        };
        t.block(body)?;
        let ok = ctx
            .i32_type()
            .const_int(strata_abi::Status::OK as u64, false);
        t.b.build_return(Some(&ok))?;
        gemms = std::mem::take(&mut t.gemms);
        if !function.verify(false) {
            return Err(CodegenError::Llvm(format!("LLVM rejected kernel '{name}'")));
        }
        names.push(name.to_string());
    }
    Ok((names, gemms))
}
