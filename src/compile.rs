//! Compiling a model for one or more targets: per target, the pass pipeline down to a
//! host program and loop kernels, and the kernels through that target's code generator
//! (LLVM to a shared object for `cpu`, SPIR-V for `vulkan`); all of it into one module
//! file the runtime loads (`strata compile --target cpu,vulkan`). Weights the targets
//! share are stored once.

use crate::ir;
use anyhow::{anyhow, bail, Context as _};
use std::collections::HashMap;
use strata_runtime::format::{
    BufferRef, Command, EntryPoint, ExecutableDef, FunctionDef, Manifest, Memory, ModuleFile,
    Program, TensorSpec, ALIGN,
};
use strata_runtime::DType;

/// The device kinds with a code generator.
pub const TARGETS: &[&str] = &["cpu", "vulkan"];

/// What to compile for.
#[derive(Clone, Debug)]
pub struct CompileOptions {
    /// The device kinds to compile for (`cpu`, `vulkan`): one executable and one host
    /// program each, in one module file.
    pub targets: Vec<String>,
    /// Machine options for the CPU code generator (triple, CPU, symbol prefix).
    pub llvm: strata_llvm::TargetOptions,
    /// A pass pipeline to use instead of each target's full one.
    pub pipeline: Option<String>,
    /// Check every generated GPU shader with `spirv-val`.
    pub validate: bool,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            targets: vec!["cpu".into()],
            llvm: Default::default(),
            pipeline: None,
            validate: false,
        }
    }
}

impl CompileOptions {
    /// Options for the device kinds in `targets`, a comma-separated list.
    pub fn for_targets(targets: &str) -> anyhow::Result<CompileOptions> {
        let targets: Vec<String> = targets.split(',').map(|t| t.trim().to_string()).collect();
        for t in &targets {
            pass_target(t)?;
        }
        Ok(CompileOptions {
            targets,
            ..Default::default()
        })
    }
}

/// The pass pipeline's target (cost model and loop parameters) for a device kind.
pub fn pass_target(kind: &str) -> anyhow::Result<&'static str> {
    match kind {
        "cpu" => Ok("cpu"),
        "vulkan" => Ok("gpu"),
        other => bail!(
            "no code generator for target '{other}' (available: {})",
            TARGETS.join(", ")
        ),
    }
}

/// Whether `m` is already a host program with loop kernels (the pipeline's end).
fn is_lowered(m: &ir::Module) -> bool {
    m.block(m.body())
        .ops
        .iter()
        .any(|&op| m.op(op).name == "loop.kernel")
}

/// Lowers a graph-level module through device kind `target`'s pipeline to a host program
/// with loop kernels (a module that is one already is returned as it is).
pub fn lower_to_host(
    m: &ir::Module,
    target: &str,
    options: &CompileOptions,
) -> anyhow::Result<ir::Module> {
    let pass_target = pass_target(target)?;
    if is_lowered(m) {
        return Ok(m.clone());
    }
    let text = options
        .pipeline
        .clone()
        .unwrap_or_else(|| strata_passes::pipeline::full_pipeline(pass_target));
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

/// Translates `host`'s functions for the runtime (programs for device kind `target`),
/// given the argument sizes of its compiled kernels and their symbols' prefix, and checks
/// the result as the runtime would.
pub fn host_program(
    host: &ir::Module,
    target: &str,
    sizes: &strata_llvm::KernelSizes,
    symbol_prefix: &str,
) -> anyhow::Result<HostProgram> {
    let (kernels, entry_points, entries) = entry_points(sizes, symbol_prefix);
    let mut constants = Constants::default();
    let functions = host_functions(host, target, &entries, &mut constants)?;
    let program = HostProgram {
        functions,
        constants: constants.bytes,
        entry_points,
        kernels,
    };
    // Every binding in range and of its kernel argument's size, before code relies on it.
    program
        .module_file(
            ExecutableDef {
                target: target.into(),
                format: String::new(),
                triple: String::new(),
                section: "exe.0".into(),
                entry_points: program.entry_points.clone(),
                features: Vec::new(),
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

/// The kernels sorted by name, their entry points, and each one's entry-point index.
fn entry_points(
    sizes: &strata_llvm::KernelSizes,
    symbol_prefix: &str,
) -> (Vec<String>, Vec<EntryPoint>, HashMap<String, usize>) {
    let mut kernels: Vec<String> = sizes.keys().cloned().collect();
    kernels.sort();
    let entries = kernels
        .iter()
        .enumerate()
        .map(|(i, k)| (k.clone(), i))
        .collect();
    let points = kernels
        .iter()
        .map(|k| EntryPoint {
            symbol: format!("{symbol_prefix}{k}"),
            argument_bytes: sizes[k].clone(),
        })
        .collect();
    (kernels, points, entries)
}

/// A constants section under construction: each distinct tensor stored once, at a
/// multiple of [`ALIGN`] (targets often keep the same weights).
#[derive(Default)]
struct Constants {
    bytes: Vec<u8>,
    by_hash: HashMap<u64, Vec<usize>>,
}

impl Constants {
    /// The offset of `data` in the section, adding it if it is not there yet.
    fn place(&mut self, data: &[u8]) -> usize {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        data.hash(&mut h);
        let key = h.finish();
        // Equal bytes at an offset serve whatever tensor first put them there.
        for &o in self.by_hash.get(&key).into_iter().flatten() {
            if self.bytes.get(o..o + data.len()) == Some(data) {
                return o;
            }
        }
        let o = self.bytes.len().div_ceil(ALIGN) * ALIGN;
        self.bytes.resize(o, 0);
        self.bytes.extend_from_slice(data);
        self.by_hash.entry(key).or_default().push(o);
        o
    }
}

/// The runtime's form of `host`'s functions (each with one program, for `target`, over
/// executable 0, given the entry-point index of each kernel by name), placing the
/// constants they read in `constants`.
fn host_functions(
    host: &ir::Module,
    target: &str,
    entries: &HashMap<String, usize>,
    constants: &mut Constants,
) -> anyhow::Result<Vec<FunctionDef>> {
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
                            let o = constants.place(&t.to_le_bytes());
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
            programs: vec![Program {
                target: target.into(),
                arena_bytes,
                commands: program,
            }],
        });
    }
    Ok(functions)
}

/// One target's compiled kernels: the executable's definition (section and index still
/// to be set), its bytes, and each kernel's argument sizes.
struct Compiled {
    def: ExecutableDef,
    bytes: Vec<u8>,
    sizes: strata_llvm::KernelSizes,
    symbol_prefix: String,
}

/// The CPU's executable: kernels compiled by LLVM, linked into a shared object.
fn compile_cpu(host: &ir::Module, options: &CompileOptions) -> anyhow::Result<Compiled> {
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
    Ok(Compiled {
        def: ExecutableDef {
            target: "cpu".into(),
            format: "elf-shared-object".into(),
            triple,
            section: String::new(),
            entry_points: Vec::new(),
            features: Vec::new(),
        },
        bytes: shared,
        sizes,
        symbol_prefix: options.llvm.symbol_prefix.clone(),
    })
}

/// Vulkan's executable: one SPIR-V module, an entry point per kernel.
fn compile_vulkan(host: &ir::Module, options: &CompileOptions) -> anyhow::Result<Compiled> {
    let shader = strata_spirv::translate(host).map_err(|e| anyhow!(e))?;
    let bytes = shader.bytes();
    if options.validate && !shader.kernels.is_empty() {
        strata_spirv::validate(&bytes).map_err(|e| anyhow!(e))?;
    }
    Ok(Compiled {
        def: ExecutableDef {
            target: "vulkan".into(),
            format: "spirv".into(),
            triple: String::new(),
            section: String::new(),
            entry_points: Vec::new(),
            features: shader.features.names(),
        },
        bytes,
        sizes: shader
            .kernels
            .into_iter()
            .map(|k| (k.name, k.argument_bytes))
            .collect(),
        symbol_prefix: String::new(),
    })
}

/// A host program and its kernels as a module file for device kind `target`.
pub fn module_file_from_host(
    host: &ir::Module,
    target: &str,
    options: &CompileOptions,
) -> anyhow::Result<ModuleFile> {
    build_module_file(&[(target, host)], options)
}

/// A module file from each target's host program: an executable per target, the
/// functions with a program per target, the constants of all of them, stored once.
fn build_module_file(
    hosts: &[(&str, &ir::Module)],
    options: &CompileOptions,
) -> anyhow::Result<ModuleFile> {
    let mut constants = Constants::default();
    let mut functions: Vec<FunctionDef> = Vec::new();
    let mut executables = Vec::new();
    let mut bytes = Vec::new();
    for &(target, host) in hosts {
        let compiled = match target {
            "cpu" => compile_cpu(host, options),
            "vulkan" => compile_vulkan(host, options),
            other => Err(anyhow!("no code generator for target '{other}'")),
        }
        .with_context(|| format!("code generation for '{target}'"))?;
        let (_, points, entries) = entry_points(&compiled.sizes, &compiled.symbol_prefix);
        // A target whose programs dispatch nothing (only copies) needs no executable.
        let index = executables.len();
        for mut f in host_functions(host, target, &entries, &mut constants)? {
            for p in &mut f.programs {
                for c in &mut p.commands {
                    if let Command::Dispatch { executable, .. } = c {
                        *executable = index;
                    }
                }
            }
            match functions.iter_mut().find(|g| g.name == f.name) {
                Some(g) if g.inputs == f.inputs && g.outputs == f.outputs => {
                    g.programs.append(&mut f.programs)
                }
                Some(_) => bail!(
                    "function '{}' has a different signature for '{target}'",
                    f.name
                ),
                None => functions.push(f),
            }
        }
        if !points.is_empty() {
            executables.push(ExecutableDef {
                section: format!("exe.{index}"),
                entry_points: points,
                ..compiled.def
            });
            bytes.push(compiled.bytes);
        }
    }
    let file = ModuleFile {
        manifest: Manifest {
            producer: format!("strata {}", env!("CARGO_PKG_VERSION")),
            functions,
            executables,
        },
        constants: constants.bytes,
        executables: bytes,
    };
    file.check().map_err(|e| anyhow!("internal error: {e}"))?;
    Ok(file)
}

/// Compiles a model (any level) into a module file for every target of `options`.
pub fn compile(m: &ir::Module, options: &CompileOptions) -> anyhow::Result<ModuleFile> {
    if options.targets.is_empty() {
        bail!("no target to compile for");
    }
    let mut lowered: Vec<(&str, ir::Module)> = Vec::new();
    for t in &options.targets {
        if lowered.iter().any(|(u, _)| u == t) {
            bail!("target '{t}' is listed twice");
        }
        lowered.push((t, lower_to_host(m, t, options)?));
    }
    let hosts: Vec<(&str, &ir::Module)> = lowered.iter().map(|(t, h)| (*t, h)).collect();
    build_module_file(&hosts, options)
}
