//! Strata's GPU back end: `loop.kernel`s to SPIR-V compute shaders (through rspirv) that
//! any Vulkan 1.1 device runs.
//!
//! **Shader ABI.** All kernels of a module become entry points of one SPIR-V 1.3 module
//! (GLCompute, logical addressing, GLSL450 memory model), each named as its kernel. Kernel
//! argument `i` (inputs, then outputs) is the storage buffer at descriptor set 0, binding
//! `i`, an array of its element type; binding `n` (one past the arguments) is a status
//! buffer of 32-bit words. One push-constant block of the target's `push_constant_words`
//! carries the dynamic values, laid out as `strata_abi::kernel::push_constants` says: the
//! dispatch's number, then the byte offset of each argument inside its binding (so that
//! the runtime can bind a buffer at an offset its device's alignment allows and pass the
//! rest here). A kernel that reads an index from
//! data (a gather's) checks it and, when it is out of bounds, writes `number + 1` to the
//! status buffer instead of touching memory outside its buffer.
//!
//! **Mapping to the GPU.** Every fact about the device comes from the module's target
//! description (`strata_abi::GpuTarget`). Loops marked `grid = k` are workgroup id `k`.
//! Inside a workgroup of the target's `workgroup_size` invocations, each loop nest at workgroup level (a
//! *phase*: the initialization, accumulation and epilogue of a contraction, say) has its
//! band of perfectly nested parallel loops with the most iterations collapsed and dealt
//! out to the invocations round-robin — the per-invocation tiles; the loops outside and
//! inside the band run in every invocation. A workgroup barrier separates a phase that
//! writes memory from the next that touches it. A phase whose stores no parallel band
//! covers (or that reads back what another invocation may write) runs in invocation 0
//! alone, which is slow but right. A reduction loop at workgroup level that holds several
//! phases (the `stage` pass's copy of an operand tile, then the contraction over it) runs
//! in every invocation with its body treated as a workgroup block, and a barrier ends each
//! iteration so the next copy waits for this one's readers. `loop.alloca`s are workgroup
//! memory (arrays of the register type, so narrow types need no extra capability),
//! shared by the invocations and ordered by the same phases and barriers as any buffer.
//!
//! **Types.** Every element type is stored as itself (8- and 16-bit types through the
//! `StorageBuffer8BitAccess`/`StorageBuffer16BitAccess` capabilities, 64-bit through
//! `Int64`/`Float64`) and computed in 32-bit registers where it is narrower: `f16` and
//! `bf16` in `f32`, rounded after every op as the interpreter rounds; `i8`, `u8`, `i16` in
//! `i32`, wrapped after every op. [`Shader::features`] says which device features the
//! module needs. Vectors of the loop dialect are split into their lanes.
//!
//! **Numerics.** As the CPU back end's: integer division by 0 gives 0, overflow wraps,
//! float→int casts saturate, max/min propagate NaN, `erf` is the approximation of
//! [`strata_ir::kernel::approx`] (at most 1.3e-7 absolute error in exact f32 arithmetic;
//! the device's `exp` adds its own error, a few ulp by the Vulkan spec). Transcendental
//! functions use GLSL.std.450, which defines them for 32-bit floats only; on `f64`, `exp`
//! and `log` (and what is built on them: sigmoid, softplus, erf, elu, …) are the shared
//! approximations of [`strata_ir::kernel::approx`] (within 4 ε of libm), the others an
//! error naming the op ([`NO_TRANSLATION`]).

mod ops;

use rspirv::dr::{Builder, InsertPoint, Instruction, Operand};
use rspirv::spirv::{
    self, AddressingModel, BuiltIn, Capability, Decoration, ExecutionMode, ExecutionModel,
    FunctionControl, LoopControl, MemoryModel, Op, SelectionControl, StorageClass, Word,
};
use std::collections::{HashMap, HashSet};
use strata_abi::kernel::push_constants;
use strata_abi::GpuTarget;
use strata_ir::loops::{apply_map, body_of, is_store, nested_ops, writes, ForLoop, LoopKind};
use strata_ir::module::BlockId;
use strata_ir::target::{target_of, Target};
use strata_ir::{ElementType, Module, OpId, Type, ValueId};

/// The Vulkan environment the shaders target (for `spirv-val --target-env`).
pub const TARGET_ENV: &str = "vulkan1.1";
/// The phrase for an op this back end does not translate.
pub const NO_TRANSLATION: &str = "no SPIR-V translation for";

fn err(m: &Module, op: OpId, msg: impl std::fmt::Display) -> String {
    format!(
        "{}: '{}': {msg}",
        strata_ir::verify::op_location(m, op),
        m.op(op).name
    )
}

/// Optional device features a shader module uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Features {
    pub int64: bool,
    pub float64: bool,
    pub storage8: bool,
    pub storage16: bool,
}

impl Features {
    /// The Vulkan feature names (`VkPhysicalDeviceFeatures` and friends) it needs.
    pub fn names(&self) -> Vec<String> {
        [
            (self.int64, "shaderInt64"),
            (self.float64, "shaderFloat64"),
            (self.storage8, "storageBuffer8BitAccess"),
            (self.storage16, "storageBuffer16BitAccess"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| n.to_string())
        .collect()
    }
}

/// A SPIR-V module with one entry point per kernel.
#[derive(Clone, Debug)]
pub struct Shader {
    pub words: Vec<u32>,
    /// The kernels' names (their entry points'), in module order.
    pub kernels: Vec<String>,
    pub features: Features,
}

impl Shader {
    /// The module as bytes (little-endian words), as Vulkan and files take it.
    pub fn bytes(&self) -> Vec<u8> {
        self.words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }
}

/// Checks SPIR-V bytes with the reference validator (`spirv-val` of SPIRV-Tools, which
/// must be on the path) for [`TARGET_ENV`].
pub fn validate(bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut child = std::process::Command::new("spirv-val")
        .args(["--target-env", TARGET_ENV, "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run spirv-val (package spirv-tools): {e}"))?;
    child
        .stdin
        .take()
        .ok_or("no stdin for spirv-val")?
        .write_all(bytes)
        .map_err(|e| format!("spirv-val: {e}"))?;
    let out = child
        .wait_with_output()
        .map_err(|e| format!("spirv-val: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "spirv-val rejected the shader: {}{}",
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The GPU description of a module to translate: its target's.
pub fn module_gpu(m: &Module) -> Result<GpuTarget, String> {
    match target_of(m)? {
        Some(Target::Vulkan(g)) => Ok(g),
        Some(other) => Err(format!(
            "the module is compiled for '{}', not for a Vulkan GPU",
            other.kind()
        )),
        None => {
            Err("the module has no target description (compile it with --target vulkan)".into())
        }
    }
}

/// Translates every `loop.kernel` of `m` into one shader module, for the GPU of the
/// module's target description.
pub fn translate(m: &Module) -> Result<Shader, String> {
    let mut g = Gen::new(module_gpu(m)?);
    let mut kernels = Vec::new();
    for (op, name) in strata_ir::loops::kernels(m)? {
        KernelGen::run(&mut g, m, op, name)?;
        kernels.push(name.to_string());
    }
    let features = g.features;
    if kernels.is_empty() {
        // Nothing to run: an empty module (no entry point) is not valid SPIR-V for Vulkan.
        return Ok(Shader {
            words: Vec::new(),
            kernels,
            features,
        });
    }
    for (on, cap) in [
        (features.int64, Capability::Int64),
        (features.float64, Capability::Float64),
        (features.storage8, Capability::StorageBuffer8BitAccess),
        (features.storage16, Capability::StorageBuffer16BitAccess),
    ] {
        if on {
            g.b.capability(cap);
        }
    }
    if features.storage8 {
        g.b.extension("SPV_KHR_8bit_storage");
    }
    if features.storage16 {
        g.b.extension("SPV_KHR_16bit_storage");
    }
    use rspirv::binary::Assemble;
    Ok(Shader {
        words: g.b.module().assemble(),
        kernels,
        features,
    })
}

/// A register type: what values compute in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Reg {
    F32,
    F64,
    I32,
    I64,
    Bool,
}

/// The register type an element lives in within workgroup memory (booleans as 0/1).
fn workgroup_reg(e: ElementType) -> Reg {
    match reg_of(e) {
        Reg::Bool => Reg::I32,
        r => r,
    }
}

fn reg_of(e: ElementType) -> Reg {
    match e {
        ElementType::F32 | ElementType::F16 | ElementType::BF16 => Reg::F32,
        ElementType::F64 => Reg::F64,
        ElementType::I8 | ElementType::I16 | ElementType::I32 | ElementType::U8 => Reg::I32,
        ElementType::I64 => Reg::I64,
        ElementType::Bool => Reg::Bool,
    }
}

/// A storage type: what buffers hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Store {
    F32,
    F64,
    F16,
    U16,
    U8,
    I32,
    I64,
}

fn store_of(e: ElementType) -> Store {
    match e {
        ElementType::F32 => Store::F32,
        ElementType::F64 => Store::F64,
        ElementType::F16 => Store::F16,
        ElementType::BF16 | ElementType::I16 => Store::U16,
        ElementType::I8 | ElementType::U8 | ElementType::Bool => Store::U8,
        ElementType::I32 => Store::I32,
        ElementType::I64 => Store::I64,
    }
}

/// A value: one id per lane.
#[derive(Clone, Debug)]
struct Val {
    reg: Reg,
    lanes: Vec<Word>,
}

/// Module-wide state: the builder and what kernels share (types, constants, variables).
struct Gen {
    b: Builder,
    /// The device the shaders are for.
    gpu: GpuTarget,
    glsl: Word,
    features: Features,
    consts: HashMap<(Word, u64), Word>,
    bools: [Option<Word>; 2],
    storage: HashMap<Store, (Word, Word)>,
    buffers: HashMap<(usize, Store), Word>,
    push: Option<Word>,
    builtins: Option<(Word, Word)>,
}

impl Gen {
    fn new(gpu: GpuTarget) -> Gen {
        let mut b = Builder::new();
        b.set_version(1, 3);
        b.capability(Capability::Shader);
        let glsl = b.ext_inst_import("GLSL.std.450");
        b.memory_model(AddressingModel::Logical, MemoryModel::GLSL450);
        Gen {
            b,
            gpu,
            glsl,
            features: Features::default(),
            consts: HashMap::new(),
            bools: [None, None],
            storage: HashMap::new(),
            buffers: HashMap::new(),
            push: None,
            builtins: None,
        }
    }

    fn ty(&mut self, r: Reg) -> Word {
        match r {
            Reg::F32 => self.b.type_float(32, None),
            Reg::F64 => {
                self.features.float64 = true;
                self.b.type_float(64, None)
            }
            Reg::I32 => self.b.type_int(32, 1),
            Reg::I64 => {
                self.features.int64 = true;
                self.b.type_int(64, 1)
            }
            Reg::Bool => self.b.type_bool(),
        }
    }

    fn u32t(&mut self) -> Word {
        self.b.type_int(32, 0)
    }

    fn store_ty(&mut self, s: Store) -> Word {
        match s {
            Store::F32 => self.ty(Reg::F32),
            Store::F64 => self.ty(Reg::F64),
            Store::I32 => self.ty(Reg::I32),
            Store::I64 => self.ty(Reg::I64),
            Store::F16 => {
                self.features.storage16 = true;
                self.b.type_float(16, None)
            }
            Store::U16 => {
                self.features.storage16 = true;
                self.b.type_int(16, 0)
            }
            Store::U8 => {
                self.features.storage8 = true;
                self.b.type_int(8, 0)
            }
        }
    }

    fn store_bytes(s: Store) -> u32 {
        match s {
            Store::F64 | Store::I64 => 8,
            Store::F32 | Store::I32 => 4,
            Store::F16 | Store::U16 => 2,
            Store::U8 => 1,
        }
    }

    /// (pointer to the buffer block, pointer to one element) for storage type `s`.
    fn storage_types(&mut self, s: Store) -> (Word, Word) {
        if let Some(&t) = self.storage.get(&s) {
            return t;
        }
        let elem = self.store_ty(s);
        let array = self.b.type_runtime_array(elem);
        self.b.decorate(
            array,
            Decoration::ArrayStride,
            [Operand::LiteralBit32(Gen::store_bytes(s))],
        );
        let block = self.b.type_struct([array]);
        self.b.decorate(block, Decoration::Block, []);
        self.b
            .member_decorate(block, 0, Decoration::Offset, [Operand::LiteralBit32(0)]);
        let block_ptr = self
            .b
            .type_pointer(None, StorageClass::StorageBuffer, block);
        let elem_ptr = self.b.type_pointer(None, StorageClass::StorageBuffer, elem);
        self.storage.insert(s, (block_ptr, elem_ptr));
        (block_ptr, elem_ptr)
    }

    /// The variable of binding `binding` seen as an array of `s` (shared by entry points).
    fn buffer(&mut self, binding: usize, s: Store) -> Word {
        if let Some(&v) = self.buffers.get(&(binding, s)) {
            return v;
        }
        let (block_ptr, _) = self.storage_types(s);
        let v = self
            .b
            .variable(block_ptr, None, StorageClass::StorageBuffer, None);
        self.b
            .decorate(v, Decoration::DescriptorSet, [Operand::LiteralBit32(0)]);
        self.b.decorate(
            v,
            Decoration::Binding,
            [Operand::LiteralBit32(binding as u32)],
        );
        self.buffers.insert((binding, s), v);
        v
    }

    fn push_constants(&mut self) -> Word {
        if let Some(v) = self.push {
            return v;
        }
        let u32t = self.u32t();
        let n = self.int(Reg::I32, self.gpu.push_constant_words as i64);
        let array = self.b.type_array(u32t, n);
        self.b
            .decorate(array, Decoration::ArrayStride, [Operand::LiteralBit32(4)]);
        let block = self.b.type_struct([array]);
        self.b.decorate(block, Decoration::Block, []);
        self.b
            .member_decorate(block, 0, Decoration::Offset, [Operand::LiteralBit32(0)]);
        let ptr = self.b.type_pointer(None, StorageClass::PushConstant, block);
        let v = self.b.variable(ptr, None, StorageClass::PushConstant, None);
        self.push = Some(v);
        v
    }

    /// The `WorkgroupId` and `LocalInvocationId` input variables.
    fn builtins(&mut self) -> (Word, Word) {
        if let Some(v) = self.builtins {
            return v;
        }
        let u32t = self.u32t();
        let v3 = self.b.type_vector(u32t, 3);
        let ptr = self.b.type_pointer(None, StorageClass::Input, v3);
        let mut make = |b: BuiltIn| {
            let v = self.b.variable(ptr, None, StorageClass::Input, None);
            self.b
                .decorate(v, Decoration::BuiltIn, [Operand::BuiltIn(b)]);
            v
        };
        let pair = (make(BuiltIn::WorkgroupId), make(BuiltIn::LocalInvocationId));
        self.builtins = Some(pair);
        pair
    }

    fn constant(&mut self, ty: Word, bits: u64, wide: bool) -> Word {
        if let Some(&c) = self.consts.get(&(ty, bits)) {
            return c;
        }
        let c = if wide {
            self.b.constant_bit64(ty, bits)
        } else {
            self.b.constant_bit32(ty, bits as u32)
        };
        self.consts.insert((ty, bits), c);
        c
    }

    /// An integer constant of register type `r` (`Bool`: `v != 0`).
    fn int(&mut self, r: Reg, v: i64) -> Word {
        match r {
            Reg::Bool => self.boolean(v != 0),
            Reg::F32 | Reg::F64 => self.float(r, v as f64),
            Reg::I32 => {
                let t = self.ty(r);
                self.constant(t, v as i32 as u32 as u64, false)
            }
            Reg::I64 => {
                let t = self.ty(r);
                self.constant(t, v as u64, true)
            }
        }
    }

    fn uint(&mut self, v: u32) -> Word {
        let t = self.u32t();
        self.constant(t, v as u64, false)
    }

    /// A float constant of register type `r`.
    fn float(&mut self, r: Reg, v: f64) -> Word {
        match r {
            Reg::F64 => {
                let t = self.ty(r);
                self.constant(t, v.to_bits(), true)
            }
            Reg::F32 => {
                let t = self.ty(r);
                self.constant(t, (v as f32).to_bits() as u64, false)
            }
            other => self.int(other, v as i64),
        }
    }

    fn boolean(&mut self, v: bool) -> Word {
        if let Some(c) = self.bools[v as usize] {
            return c;
        }
        let t = self.b.type_bool();
        let c = if v {
            self.b.constant_true(t)
        } else {
            self.b.constant_false(t)
        };
        self.bools[v as usize] = Some(c);
        c
    }
}

/// A buffer argument inside a kernel.
#[derive(Clone)]
struct Buf {
    var: Word,
    store: Store,
    elem: ElementType,
    dims: Vec<i64>,
    strides: Vec<i64>,
    /// Element offset of the argument in its binding (from the push constants' bytes).
    offset: Word,
    /// A `loop.alloca` in workgroup memory: an array of the register type, no offset.
    workgroup: bool,
}

/// The translation of one kernel into an entry point.
struct KernelGen<'g, 'm> {
    g: &'g mut Gen,
    ir: &'m Module,
    values: HashMap<ValueId, Val>,
    bufs: HashMap<ValueId, Buf>,
    /// Index values computed from data (checked against their dimension on use).
    data_dependent: HashSet<ValueId>,
    workgroup: [Word; 3],
    local: Word,
    dispatch: Word,
    status: Word,
    /// The current block's label.
    label: Word,
    /// A memory write at workgroup level since the last barrier.
    pending_write: bool,
    /// The loops the current phase deals out to invocations (outermost first).
    band: Option<Vec<OpId>>,
}

/// How many ops directly in `op`'s body store (themselves or nested).
fn writing_children(m: &Module, op: OpId) -> usize {
    m.block(body_of(m, op))
        .ops
        .iter()
        .filter(|&&o| writes(m, o))
        .count()
}

impl<'g, 'm> KernelGen<'g, 'm> {
    /// Emits kernel `op` as entry point `name`.
    fn run(g: &'g mut Gen, ir: &'m Module, op: OpId, name: &str) -> Result<(), String> {
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
            .filter(|&o| ir.op(o).name == "loop.alloca")
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
            g.b.begin_function(void, None, FunctionControl::NONE, fn_ty)
                .map_err(|e| format!("{e:?}"))?;
        let entry = g.b.id();
        g.b.begin_block(Some(entry)).map_err(|e| format!("{e:?}"))?;
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
        k.g.b.ret().map_err(|e| format!("{e:?}"))?;
        k.g.b.end_function().map_err(|e| format!("{e:?}"))?;
        k.g.b.entry_point(
            ExecutionModel::GLCompute,
            function,
            name,
            [wg_var, local_var],
        );
        let size = k.g.gpu.workgroup_size;
        k.g.b
            .execution_mode(function, ExecutionMode::LocalSize, [size, 1, 1]);
        Ok(())
    }

    /// Appends `%id = op ty args...` (id operands) to the current block.
    fn emit(&mut self, op: Op, ty: Word, args: &[Word]) -> Result<Word, String> {
        let id = self.g.b.id();
        self.emit_to(id, op, ty, args)?;
        Ok(id)
    }

    fn emit_to(&mut self, id: Word, op: Op, ty: Word, args: &[Word]) -> Result<(), String> {
        let inst = Instruction::new(
            op,
            Some(ty),
            Some(id),
            args.iter().map(|&a| Operand::IdRef(a)).collect(),
        );
        self.g
            .b
            .insert_into_block(InsertPoint::End, inst)
            .map_err(|e| format!("{e:?}"))
    }

    fn extract(&mut self, ty: Word, composite: Word, index: u32) -> Result<Word, String> {
        let id = self.g.b.id();
        let inst = Instruction::new(
            Op::CompositeExtract,
            Some(ty),
            Some(id),
            vec![Operand::IdRef(composite), Operand::LiteralBit32(index)],
        );
        self.g
            .b
            .insert_into_block(InsertPoint::End, inst)
            .map_err(|e| format!("{e:?}"))?;
        Ok(id)
    }

    /// Push-constant word `k` as an i32.
    fn push_word(&mut self, k: u32) -> Result<Word, String> {
        let var = self.g.push_constants();
        let u32t = self.g.u32t();
        let i32t = self.g.ty(Reg::I32);
        let ptr = self
            .g
            .b
            .type_pointer(None, StorageClass::PushConstant, u32t);
        let zero = self.g.int(Reg::I32, 0);
        let index = self.g.int(Reg::I32, k as i64);
        let p = self.emit(Op::AccessChain, ptr, &[var, zero, index])?;
        let v = self.emit(Op::Load, u32t, &[p])?;
        self.emit(Op::Bitcast, i32t, &[v])
    }

    fn begin(&mut self, label: Word) -> Result<(), String> {
        self.g
            .b
            .begin_block(Some(label))
            .map_err(|e| format!("{e:?}"))?;
        self.label = label;
        Ok(())
    }

    fn branch(&mut self, to: Word) -> Result<(), String> {
        self.g.b.branch(to).map_err(|e| format!("{e:?}"))
    }

    /// A structured loop `for (i = lower; i < upper; i += step) body(i)` on i32 values.
    fn counted_loop(
        &mut self,
        lower: Word,
        upper: Word,
        step: Word,
        body: &mut dyn FnMut(&mut Self, Word) -> Result<(), String>,
    ) -> Result<(), String> {
        let i32t = self.g.ty(Reg::I32);
        let boolt = self.g.ty(Reg::Bool);
        let pre = self.label;
        let [header, first, cont, merge, next] = [(); 5].map(|_| self.g.b.id());
        self.branch(header)?;
        self.begin(header)?;
        let i = self
            .g
            .b
            .phi(i32t, None, [(lower, pre), (next, cont)])
            .map_err(|e| format!("{e:?}"))?;
        let go = self.emit(Op::SLessThan, boolt, &[i, upper])?;
        self.g
            .b
            .loop_merge(merge, cont, LoopControl::NONE, [])
            .map_err(|e| format!("{e:?}"))?;
        self.g
            .b
            .branch_conditional(go, first, merge, [])
            .map_err(|e| format!("{e:?}"))?;
        self.begin(first)?;
        body(self, i)?;
        self.branch(cont)?;
        self.begin(cont)?;
        self.emit_to(next, Op::IAdd, i32t, &[i, step])?;
        self.branch(header)?;
        self.begin(merge)
    }

    /// `if (cond) then()`.
    fn when(
        &mut self,
        cond: Word,
        then: &mut dyn FnMut(&mut Self) -> Result<(), String>,
    ) -> Result<(), String> {
        let [yes, merge] = [(); 2].map(|_| self.g.b.id());
        self.g
            .b
            .selection_merge(merge, SelectionControl::NONE)
            .map_err(|e| format!("{e:?}"))?;
        self.g
            .b
            .branch_conditional(cond, yes, merge, [])
            .map_err(|e| format!("{e:?}"))?;
        self.begin(yes)?;
        then(self)?;
        self.branch(merge)?;
        self.begin(merge)
    }

    fn first_invocation(&mut self) -> Result<Word, String> {
        let boolt = self.g.ty(Reg::Bool);
        let zero = self.g.int(Reg::I32, 0);
        self.emit(Op::IEqual, boolt, &[self.local, zero])
    }

    fn barrier(&mut self) -> Result<(), String> {
        let workgroup = self.g.uint(spirv::Scope::Workgroup as u32);
        let semantics = spirv::MemorySemantics::ACQUIRE_RELEASE
            | spirv::MemorySemantics::UNIFORM_MEMORY
            | spirv::MemorySemantics::WORKGROUP_MEMORY;
        let semantics = self.g.uint(semantics.bits());
        self.g
            .b
            .control_barrier(workgroup, workgroup, semantics)
            .map_err(|e| format!("{e:?}"))?;
        self.pending_write = false;
        Ok(())
    }

    /// A block every invocation of the workgroup runs in step (the kernel body, grid loop
    /// bodies): phases, barriers between them, workgroup-level stores by invocation 0.
    fn workgroup_block(&mut self, block: BlockId) -> Result<(), String> {
        let ir = self.ir;
        for &op in &ir.block(block).ops {
            let d = ir.op(op);
            match d.name.as_str() {
                "loop.for" => {
                    let l = ForLoop::of(ir, op).map_err(|e| err(ir, op, e))?;
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
                "loop.store" | "loop.vstore" => {
                    if self.pending_write {
                        self.barrier()?;
                    }
                    let first = self.first_invocation()?;
                    self.when(first, &mut |s| s.op(op))?;
                    self.pending_write = true;
                }
                "loop.load" | "loop.vload" => {
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
    fn uniform_loop(&mut self, op: OpId, l: &ForLoop) -> Result<(), String> {
        self.serial_loop(op, l, &mut |s, body| {
            s.workgroup_block(body)?;
            if s.pending_write {
                s.barrier()?;
            }
            Ok(())
        })
    }

    /// Loop `op` iterating in every invocation that reaches it; `body` emits its body.
    fn serial_loop(
        &mut self,
        op: OpId,
        l: &ForLoop,
        body: &mut dyn FnMut(&mut Self, BlockId) -> Result<(), String>,
    ) -> Result<(), String> {
        let lower = self.g.int(Reg::I32, l.lower);
        let upper = self.g.int(Reg::I32, l.upper);
        let step = self.g.int(Reg::I32, l.step);
        let block = body_of(self.ir, op);
        let iv = self.ir.block(block).args[0];
        self.counted_loop(lower, upper, step, &mut |s, i| {
            s.values.insert(
                iv,
                Val {
                    reg: Reg::I32,
                    lanes: vec![i],
                },
            );
            body(s, block)
        })
    }

    fn grid_index(&mut self, op: OpId, l: &ForLoop, axis: u32) -> Result<(), String> {
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
    fn store_chain(&self, phase: OpId) -> Vec<OpId> {
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
                .filter(|&o| ir.op(o).name == "loop.for" && writes(ir, o))
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
    fn choose_band(&self, phase: OpId) -> Option<Vec<OpId>> {
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
            !matches!(ir.op(o).name.as_str(), "loop.load" | "loop.vload")
                || !written.contains(&ir.op(o).operands[0])
                || inside.contains(&o)
        });
        safe.then_some(band)
    }

    fn phase(&mut self, op: OpId) -> Result<(), String> {
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

    fn for_loop(&mut self, op: OpId) -> Result<(), String> {
        let ir = self.ir;
        let l = ForLoop::of(ir, op).map_err(|e| err(ir, op, e))?;
        if let Some(axis) = l.grid {
            self.grid_index(op, &l, axis)?;
            return self.block(body_of(ir, op));
        }
        if self.band.as_ref().and_then(|b| b.first()) == Some(&op) {
            let band = self.band.take().unwrap_or_default();
            return self.distributed(&band);
        }
        self.serial_loop(op, &l, &mut |s, body| s.block(body))
    }

    /// The band's iterations, collapsed into one range, round-robin over the invocations.
    fn distributed(&mut self, band: &[OpId]) -> Result<(), String> {
        let ir = self.ir;
        let loops: Vec<ForLoop> = band
            .iter()
            .map(|&o| ForLoop::of(ir, o).map_err(|e| err(ir, o, e)))
            .collect::<Result<_, _>>()?;
        let total: i64 = loops.iter().map(|l| l.trip_count()).product();
        let upper = self.g.int(Reg::I32, total);
        let step = self.g.int(Reg::I32, self.g.gpu.workgroup_size as i64);
        let local = self.local;
        self.counted_loop(local, upper, step, &mut |s, j| {
            let i32t = s.g.ty(Reg::I32);
            let mut rest = j;
            for (k, l) in loops.iter().enumerate().rev() {
                let trips = s.g.int(Reg::I32, l.trip_count());
                let index = if k == 0 {
                    rest
                } else {
                    s.emit(Op::SRem, i32t, &[rest, trips])?
                };
                if k > 0 {
                    rest = s.emit(Op::SDiv, i32t, &[rest, trips])?;
                }
                let step = s.g.int(Reg::I32, l.step);
                let lower = s.g.int(Reg::I32, l.lower);
                let scaled = s.emit(Op::IMul, i32t, &[index, step])?;
                let iv = s.emit(Op::IAdd, i32t, &[scaled, lower])?;
                let arg = ir.block(body_of(ir, band[k])).args[0];
                s.values.insert(
                    arg,
                    Val {
                        reg: Reg::I32,
                        lanes: vec![iv],
                    },
                );
            }
            s.band_body(band, 0)
        })
    }

    fn band_body(&mut self, band: &[OpId], k: usize) -> Result<(), String> {
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

    fn block(&mut self, block: BlockId) -> Result<(), String> {
        for &op in &self.ir.block(block).ops {
            self.op(op)?;
        }
        Ok(())
    }

    fn get(&self, op: OpId, v: ValueId) -> Result<Val, String> {
        self.values
            .get(&v)
            .cloned()
            .ok_or_else(|| err(self.ir, op, format!("operand %{} is not defined here", v.0)))
    }

    /// The element index of `buffer[indices] + lane 0` in its binding, checking indices
    /// that come from data (an out-of-bounds one reports to the status buffer and reads
    /// the argument's first element instead).
    fn element_index(
        &mut self,
        op: OpId,
        buffer: ValueId,
        indices: &[ValueId],
    ) -> Result<(Buf, Word), String> {
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
                s.g.b.store(p, code, None, []).map_err(|e| format!("{e:?}"))
            })?;
            flat = self.emit(Op::Select, i32t, &[ok, flat, buf.offset])?;
        }
        Ok((buf, flat))
    }

    fn element_ptr(&mut self, buf: &Buf, index: Word) -> Result<Word, String> {
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
    fn load_element(&mut self, buf: &Buf, index: Word) -> Result<Word, String> {
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
            ElementType::F32 | ElementType::F64 | ElementType::I32 | ElementType::I64 => raw,
            ElementType::F16 => self.emit(Op::FConvert, rt, &[raw])?,
            ElementType::BF16 => {
                let w = self.emit(Op::UConvert, u32t, &[raw])?;
                let sixteen = self.g.uint(16);
                let bits = self.emit(Op::ShiftLeftLogical, u32t, &[w, sixteen])?;
                self.emit(Op::Bitcast, rt, &[bits])?
            }
            ElementType::I8 | ElementType::I16 => self.emit(Op::SConvert, i32t, &[raw])?,
            ElementType::U8 => {
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

    fn store_element(&mut self, buf: &Buf, index: Word, v: Word) -> Result<(), String> {
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
            return self.g.b.store(p, v, None, []).map_err(|e| format!("{e:?}"));
        }
        let st = self.g.store_ty(buf.store);
        let raw = match buf.elem {
            ElementType::F32 | ElementType::F64 | ElementType::I32 | ElementType::I64 => v,
            ElementType::F16 => self.emit(Op::FConvert, st, &[v])?,
            ElementType::BF16 => {
                let bits = self.bf16_bits(v)?;
                let u32t = self.g.u32t();
                let sixteen = self.g.uint(16);
                let hi = self.emit(Op::ShiftRightLogical, u32t, &[bits, sixteen])?;
                self.emit(Op::UConvert, st, &[hi])?
            }
            ElementType::I8 | ElementType::I16 | ElementType::U8 => {
                self.emit(Op::UConvert, st, &[v])?
            }
            ElementType::Bool => {
                let i32t = self.g.ty(Reg::I32);
                let one = self.g.int(Reg::I32, 1);
                let zero = self.g.int(Reg::I32, 0);
                let w = self.emit(Op::Select, i32t, &[v, one, zero])?;
                self.emit(Op::UConvert, st, &[w])?
            }
        };
        let p = self.element_ptr(buf, index)?;
        self.g
            .b
            .store(p, raw, None, [])
            .map_err(|e| format!("{e:?}"))
    }

    /// The bits of f32 `v` rounded to bf16 (nearest, ties to even; NaN stays a quiet
    /// NaN), as a u32 whose low half is zero.
    fn bf16_bits(&mut self, v: Word) -> Result<Word, String> {
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
    pub(crate) fn widen_index(&mut self, i: Word) -> Result<Word, String> {
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

    fn op(&mut self, op: OpId) -> Result<(), String> {
        let ir = self.ir;
        let d = ir.op(op);
        let i32t = self.g.ty(Reg::I32);
        let result = match d.name.as_str() {
            "loop.for" => return self.for_loop(op),
            "loop.apply" => {
                if d.operands.iter().any(|v| self.data_dependent.contains(v)) {
                    self.data_dependent.insert(d.results[0]);
                }
                let map = apply_map(ir, op).map_err(|x| err(ir, op, x))?;
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
            "loop.index_cast" => {
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
            "loop.load" | "loop.vload" => {
                let (buf, index) = self.element_index(op, d.operands[0], &d.operands[1..])?;
                let n = match ir.value_type(d.results[0]) {
                    Type::Vector(n, _) => *n as i64,
                    _ => 1,
                };
                let mut lanes = Vec::new();
                for l in 0..n {
                    let at = if l == 0 {
                        index
                    } else {
                        let c = self.g.int(Reg::I32, l);
                        self.emit(Op::IAdd, i32t, &[index, c])?
                    };
                    lanes.push(self.load_element(&buf, at)?);
                }
                Val {
                    reg: reg_of(buf.elem),
                    lanes,
                }
            }
            "loop.store" | "loop.vstore" => {
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
            "loop.broadcast" => {
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
            "loop.alloca" => return Ok(()),
            _ => self.scalar(op)?,
        };
        self.values.insert(d.results[0], result);
        Ok(())
    }
}
