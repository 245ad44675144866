//! Compiling a model for a target: the pass pipeline down to a host program and loop
//! kernels, the kernels through LLVM to a shared object, and both into a module file the
//! runtime loads (`strata compile`).

use crate::ir;
use anyhow::{anyhow, bail, Context as _};
use std::collections::HashMap;
use strata_runtime::format::{
    BufferRef, Command, EntryPoint, ExecutableDef, FunctionDef, Manifest, Memory, ModuleFile,
    TensorSpec, ALIGN,
};
use strata_runtime::DType;

/// What to compile for.
#[derive(Clone, Debug)]
pub struct CompileOptions {
    /// The device kind: `cpu` (the only one with a code generator so far).
    pub target: String,
    /// Machine options for the CPU code generator (triple, CPU, symbol prefix).
    pub llvm: strata_llvm::TargetOptions,
    /// A pass pipeline to use instead of the target's full one.
    pub pipeline: Option<String>,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            target: "cpu".into(),
            llvm: Default::default(),
            pipeline: None,
        }
    }
}

/// Whether `m` is already a host program with loop kernels (the pipeline's end).
fn is_lowered(m: &ir::Module) -> bool {
    m.block(m.body())
        .ops
        .iter()
        .any(|&op| m.op(op).name == "loop.kernel")
}

/// Lowers a graph-level module through the target's pipeline to a host program with loop
/// kernels (a module that is one already is returned as it is).
pub fn lower_to_host(m: &ir::Module, options: &CompileOptions) -> anyhow::Result<ir::Module> {
    if is_lowered(m) {
        return Ok(m.clone());
    }
    if options.target != "cpu" {
        bail!(
            "no code generator for target '{}' yet (available: cpu)",
            options.target
        );
    }
    let text = options
        .pipeline
        .clone()
        .unwrap_or_else(|| strata_passes::pipeline::full_pipeline(&options.target));
    let passes = strata_passes::pipeline::parse_pipeline(&text).map_err(|e| anyhow!(e))?;
    let (host, _) =
        strata_passes::pipeline::run_pipeline(m, &passes, false).map_err(|e| anyhow!(e))?;
    Ok(host)
}

/// The runtime's name for an IR element type.
pub fn runtime_dtype(e: ir::ElementType) -> DType {
    use ir::ElementType as E;
    match e {
        E::F32 => DType::F32,
        E::F16 => DType::F16,
        E::BF16 => DType::BF16,
        E::F64 => DType::F64,
        E::I8 => DType::I8,
        E::I16 => DType::I16,
        E::I32 => DType::I32,
        E::I64 => DType::I64,
        E::U8 => DType::U8,
        E::Bool => DType::Bool,
    }
}

/// The IR element type of a runtime type.
pub fn ir_element_type(d: DType) -> ir::ElementType {
    use ir::ElementType as E;
    match d {
        DType::F32 => E::F32,
        DType::F16 => E::F16,
        DType::BF16 => E::BF16,
        DType::F64 => E::F64,
        DType::I8 => E::I8,
        DType::I16 => E::I16,
        DType::I32 => E::I32,
        DType::I64 => E::I64,
        DType::U8 => E::U8,
        DType::Bool => E::Bool,
    }
}

/// An IR tensor as a runtime tensor (same bytes).
pub fn to_runtime_tensor(t: &ir::Tensor) -> strata_runtime::Tensor {
    strata_runtime::Tensor::new(runtime_dtype(t.elem()), t.dims(), t.to_le_bytes())
        .expect("an IR tensor's bytes fit its type")
}

/// A runtime tensor as an IR tensor (same bytes).
pub fn from_runtime_tensor(t: &strata_runtime::Tensor) -> anyhow::Result<ir::Tensor> {
    ir::Tensor::from_le_bytes(
        ir_element_type(t.dtype()),
        ir::Shape::new(t.shape().to_vec()),
        t.bytes(),
    )
    .map_err(|e| anyhow!(e))
}

fn memref_of(m: &ir::Module, v: ir::ValueId) -> anyhow::Result<&ir::TensorType> {
    m.value_type(v)
        .as_memref()
        .ok_or_else(|| anyhow!("expected a buffer, found {}", m.value_type(v)))
}

fn bytes_of(t: &ir::TensorType) -> usize {
    t.shape.numel() * t.elem.size_bytes()
}

/// A host program in the runtime's terms, whatever packages its kernels (a module file's
/// shared object, a static library).
pub struct HostProgram {
    pub functions: Vec<FunctionDef>,
    /// The constants section the functions read.
    pub constants: Vec<u8>,
    /// The kernels as entry points of executable 0, sorted by kernel name.
    pub entry_points: Vec<EntryPoint>,
    /// The kernels' IR names, in entry-point order.
    pub kernels: Vec<String>,
}

/// Translates `host`'s functions for the runtime, given the argument sizes of its compiled
/// kernels and their symbols' prefix, and checks the result as the runtime would.
pub fn host_program(
    host: &ir::Module,
    sizes: &strata_llvm::KernelSizes,
    symbol_prefix: &str,
) -> anyhow::Result<HostProgram> {
    let mut kernels: Vec<String> = sizes.keys().cloned().collect();
    kernels.sort();
    let entries: HashMap<String, usize> = kernels
        .iter()
        .enumerate()
        .map(|(i, k)| (k.clone(), i))
        .collect();
    let entry_points: Vec<EntryPoint> = kernels
        .iter()
        .map(|k| EntryPoint {
            symbol: format!("{symbol_prefix}{k}"),
            argument_bytes: sizes[k].clone(),
        })
        .collect();
    let (functions, constants) = host_functions(host, &entries)?;
    let program = HostProgram {
        functions,
        constants,
        entry_points,
        kernels,
    };
    // Every binding in range and of its kernel argument's size, before code relies on it.
    program
        .module_file(
            ExecutableDef {
                target: "cpu".into(),
                format: String::new(),
                triple: String::new(),
                section: "exe.0".into(),
                entry_points: program.entry_points.clone(),
            },
            Vec::new(),
        )
        .check()
        .map_err(|e| anyhow!("internal error: {e}"))?;
    Ok(program)
}

impl HostProgram {
    /// A module file of this program with one executable.
    fn module_file(&self, executable: ExecutableDef, bytes: Vec<u8>) -> ModuleFile {
        ModuleFile {
            manifest: Manifest {
                producer: format!("strata {}", env!("CARGO_PKG_VERSION")),
                functions: self.functions.clone(),
                executables: vec![executable],
            },
            constants: self.constants.clone(),
            executables: vec![bytes],
        }
    }
}

/// The runtime's form of `host`'s functions and the constants section they read, given
/// the entry-point index of each kernel (by name) in executable 0.
fn host_functions(
    host: &ir::Module,
    entries: &HashMap<String, usize>,
) -> anyhow::Result<(Vec<FunctionDef>, Vec<u8>)> {
    let mut constants: Vec<u8> = Vec::new();
    let mut placed_globals: HashMap<String, usize> = HashMap::new();
    let mut functions = Vec::new();
    for f in host.functions() {
        let name = f.name(host).to_string();
        let Some(n_in) = ir::host::num_inputs(host, f) else {
            bail!("function '{name}' is not a host program (run the pipeline to 'bufferize')");
        };
        let args = f.arguments(host);
        if n_in > args.len() {
            bail!(
                "function '{name}' declares {n_in} inputs but has {} arguments",
                args.len()
            );
        }
        let spec = |v: ir::ValueId, name: String| -> anyhow::Result<TensorSpec> {
            let t = memref_of(host, v)?;
            Ok(TensorSpec {
                name,
                dtype: runtime_dtype(t.elem),
                shape: t.shape.dims().to_vec(),
            })
        };
        let inputs = args[..n_in]
            .iter()
            .zip(f.input_names(host))
            .map(|(&a, n)| spec(a, n))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let outputs = args[n_in..]
            .iter()
            .zip(f.output_names(host))
            .map(|(&a, n)| spec(a, n))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut place: HashMap<ir::ValueId, (Memory, usize)> = HashMap::new();
        for (i, &a) in args.iter().enumerate() {
            let memory = if i < n_in {
                Memory::Input(i)
            } else {
                Memory::Output(i - n_in)
            };
            place.insert(a, (memory, 0));
        }
        let arena_bytes = match host.op(f.0).attrs.get(ir::host::ARENA_ATTR) {
            Some(ir::Attribute::Int(n)) if *n >= 0 => *n as usize,
            _ => 0,
        };
        let mut program = Vec::new();
        for &op in &host.block(f.entry_block(host)).ops {
            let d = host.op(op);
            let at = |v: &ir::ValueId| -> anyhow::Result<BufferRef> {
                let (memory, offset) = *place
                    .get(v)
                    .ok_or_else(|| anyhow!("%{} has no buffer", v.0))?;
                Ok(BufferRef {
                    memory,
                    offset,
                    bytes: bytes_of(memref_of(host, *v)?),
                })
            };
            let location = || ir::verify::op_location(host, op);
            match d.name.as_str() {
                "host.constant" => {
                    let global = match d.attrs.get("global") {
                        Some(ir::Attribute::String(s)) => s.clone(),
                        _ => bail!("{}: host.constant without a global", location()),
                    };
                    let offset = match placed_globals.get(&global) {
                        Some(&o) => o,
                        None => {
                            let t = ir::host::find_global(host, &global)
                                .ok_or_else(|| anyhow!("{}: no global '{global}'", location()))?;
                            let o = constants.len().div_ceil(ALIGN) * ALIGN;
                            constants.resize(o, 0);
                            constants.extend_from_slice(&t.to_le_bytes());
                            placed_globals.insert(global, o);
                            o
                        }
                    };
                    place.insert(d.results[0], (Memory::Constants, offset));
                }
                "host.alloc" => {
                    let offset = ir::host::alloc_offset(host, op).map_err(|e| anyhow!(e))?;
                    place.insert(d.results[0], (Memory::Arena, offset));
                }
                "host.view" => {
                    let p = *place
                        .get(&d.operands[0])
                        .ok_or_else(|| anyhow!("{}: a view of an unknown buffer", location()))?;
                    place.insert(d.results[0], p);
                }
                "host.copy" => program.push(Command::Copy {
                    src: at(&d.operands[0])?,
                    dst: at(&d.operands[1])?,
                }),
                "host.dispatch" => {
                    let kernel = match d.attrs.get("kernel") {
                        Some(ir::Attribute::String(s)) => s.clone(),
                        _ => bail!("{}: host.dispatch without a kernel", location()),
                    };
                    let entry = *entries
                        .get(&kernel)
                        .ok_or_else(|| anyhow!("{}: no compiled kernel '{kernel}'", location()))?;
                    let w = ir::host::workgroups(host, op).map_err(|e| anyhow!(e))?;
                    program.push(Command::Dispatch {
                        executable: 0,
                        entry,
                        bindings: d.operands.iter().map(at).collect::<anyhow::Result<_>>()?,
                        workgroups: w.map(|x| x as u32),
                    });
                }
                "func.return" => break,
                other => bail!("{}: '{other}' cannot run in a host program", location()),
            }
        }
        functions.push(FunctionDef {
            name,
            inputs,
            outputs,
            arena_bytes,
            program,
        });
    }
    Ok((functions, constants))
}

/// A host program and its kernels as a module file: kernels compiled by LLVM and linked
/// into a shared object (executable 0), constants laid out for memory-mapping.
pub fn module_file_from_host(
    host: &ir::Module,
    options: &CompileOptions,
) -> anyhow::Result<ModuleFile> {
    let (object, sizes) =
        strata_llvm::compile_object_with_sizes(host, &options.llvm).map_err(|e| anyhow!(e))?;
    let triple = strata_llvm::target_triple(&options.llvm).map_err(|e| anyhow!(e))?;
    let host_arch = std::env::consts::ARCH;
    if triple.split('-').next() != Some(host_arch) {
        bail!(
            "a module file for '{triple}' needs that machine's linker; from this {host_arch} \
             machine, emit the kernels as an object file (`--emit object`) and link it there"
        );
    }
    let shared = strata_llvm::link_shared_object(&object).map_err(|e| anyhow!(e))?;
    let program = host_program(host, &sizes, &options.llvm.symbol_prefix)?;
    let executable = ExecutableDef {
        target: "cpu".into(),
        format: "elf-shared-object".into(),
        triple,
        section: "exe.0".into(),
        entry_points: program.entry_points.clone(),
    };
    Ok(program.module_file(executable, shared))
}

/// Compiles a model (any level) into a module file for `options.target`.
pub fn compile(m: &ir::Module, options: &CompileOptions) -> anyhow::Result<ModuleFile> {
    let host = lower_to_host(m, options)?;
    module_file_from_host(&host, options).context("code generation")
}
