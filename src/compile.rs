//! Compiling a model for one or more targets: per target, its description set on the
//! module, the pass pipeline down to a host program and loop kernels, the kernels through
//! that target's code generator (LLVM to a shared object for a CPU, SPIR-V for Vulkan),
//! and all of it packaged into one module file the runtime loads
//! (`strata compile --target cpu,vulkan`). Weights the targets share are stored once.

use crate::ir;
use anyhow::{anyhow, bail, Context as _};
use strata_ir::ops;
use strata_passes::host::package::Compiled;
use strata_runtime::format::{ExecutableFormat, ModuleFile};
use strata_runtime::{Target, TargetKind};

pub use strata_llvm::CpuRequest;

/// What to compile for.
#[derive(Clone, Debug)]
pub struct CompileOptions {
    /// The targets, described: one executable and one host program each, in one module
    /// file.
    pub targets: Vec<Target>,
    /// A pass pipeline to use instead of the full one.
    pub pipeline: Option<String>,
    /// Check every generated GPU shader with `spirv-val`.
    pub validate: bool,
    /// Prepended to every CPU kernel's symbol (objects of several models link into one
    /// program).
    pub symbol_prefix: String,
}

impl CompileOptions {
    /// Options for `targets`.
    pub fn new(targets: Vec<Target>) -> CompileOptions {
        CompileOptions {
            targets,
            pipeline: None,
            validate: false,
            symbol_prefix: String::new(),
        }
    }

    /// Options for the target kinds in `kinds`, a comma-separated list (`cpu,vulkan`),
    /// each described for this machine (the CPU as `cpu` asks).
    pub fn for_targets(kinds: &str, cpu: &CpuRequest) -> anyhow::Result<CompileOptions> {
        Ok(CompileOptions::new(describe_targets(kinds, cpu)?))
    }

    /// Options for this machine's CPU.
    pub fn host_cpu() -> anyhow::Result<CompileOptions> {
        CompileOptions::for_targets("cpu", &CpuRequest::default())
    }
}

/// The description of a target of `kind` for this machine: for a CPU, the one `cpu`
/// asks for (by default this machine's, with its extensions, caches and cores); for
/// Vulkan, the baseline every Vulkan 1.1 GPU meets.
pub fn describe_target(kind: TargetKind, cpu: &CpuRequest) -> anyhow::Result<Target> {
    Ok(match kind {
        TargetKind::Cpu => Target::Cpu(strata_llvm::describe_cpu(cpu)?),
        TargetKind::Vulkan | TargetKind::Systolic => Target::generic(kind),
    })
}

/// The description one `--target` entry names: a kind (`cpu`, `vulkan`, `systolic`),
/// and for `systolic` optionally its machine after a colon, a preset
/// (`systolic:edge-16`) or a machine file (`systolic:machine.toml`, see
/// [`strata_abi::SystolicTarget::from_machine_file`]).
pub fn describe_target_spec(spec: &str, cpu: &CpuRequest) -> anyhow::Result<Target> {
    let (name, machine) = match spec.split_once(':') {
        Some((n, m)) => (n.trim(), Some(m.trim())),
        None => (spec.trim(), None),
    };
    let kind = TargetKind::from_name(name)?;
    let Some(machine) = machine else {
        return describe_target(kind, cpu);
    };
    if kind != TargetKind::Systolic {
        bail!("only a systolic target takes a machine after ':' (systolic:PRESET or systolic:FILE.toml), not '{spec}'");
    }
    let is_file = machine.ends_with(".toml") || std::path::Path::new(machine).is_file();
    let s = if is_file {
        let text = std::fs::read_to_string(machine)
            .map_err(|e| anyhow!("cannot read machine file '{machine}': {e}"))?;
        strata_abi::SystolicTarget::from_machine_file(&text)
            .map_err(|e| anyhow!("{machine}: {e}"))?
    } else {
        strata_abi::SystolicTarget::preset(machine)?
    };
    let t = Target::Systolic(s);
    t.check()?;
    Ok(t)
}

/// [`describe_target_spec`] for each entry of a comma-separated list.
pub fn describe_targets(kinds: &str, cpu: &CpuRequest) -> anyhow::Result<Vec<Target>> {
    let mut out: Vec<Target> = Vec::new();
    for spec in kinds.split(',').map(str::trim) {
        let t = describe_target_spec(spec, cpu)?;
        if out.iter().any(|o| o.kind() == t.kind()) {
            bail!("target '{}' is listed twice", t.kind());
        }
        out.push(t);
    }
    Ok(out)
}

/// Whether `m` is already a host program with loop kernels (the pipeline's end).
fn is_lowered(m: &ir::Module) -> bool {
    m.block(m.body())
        .ops
        .iter()
        .any(|&op| m.op(op).name == ops::LOOP_KERNEL)
}

/// Lowers a graph-level module for `target` through the full pipeline (or the options'
/// own) to a host program with loop kernels; the result carries the target description.
/// A module that is a host program already keeps its schedule; it takes `target` unless
/// it names one of its own, which must be of the same kind.
pub fn lower_to_host(
    m: &ir::Module,
    target: &Target,
    options: &CompileOptions,
) -> anyhow::Result<ir::Module> {
    lower_owned(m.clone(), target, options)
}

/// [`lower_to_host`] on a module it may consume: weights no later pass keeps (folded
/// ones, say) are freed as soon as they are replaced.
fn lower_owned(
    mut m: ir::Module,
    target: &Target,
    options: &CompileOptions,
) -> anyhow::Result<ir::Module> {
    if is_lowered(&m) {
        match ir::target::target_of(&m).map_err(|e| anyhow!(e))? {
            Some(t) if t.kind() != target.kind() => bail!(
                "the host program was lowered for '{}', not for '{}'",
                t.kind(),
                target.kind()
            ),
            Some(_) => {}
            None => ir::target::set_target(&mut m, target),
        }
        return Ok(m);
    }
    let text = options
        .pipeline
        .as_deref()
        .unwrap_or(strata_passes::pipeline::FULL);
    let pipeline = strata_passes::pipeline::parse_pipeline(text)?;
    ir::target::set_target(&mut m, target);
    pipeline.run(&mut m, false)?;
    Ok(m)
}

/// An IR tensor as a runtime tensor (same bytes).
pub fn to_runtime_tensor(t: &ir::Tensor) -> strata_runtime::Tensor {
    strata_runtime::Tensor::new(t.elem(), t.dims(), t.to_le_bytes())
        .expect("an IR tensor's bytes fit its type")
}

/// A runtime tensor as an IR tensor (same bytes).
pub fn from_runtime_tensor(t: &strata_runtime::Tensor) -> anyhow::Result<ir::Tensor> {
    ir::Tensor::from_le_bytes(t.dtype(), ir::Shape::new(t.shape().to_vec()), t.bytes())
        .map_err(|e| anyhow!(e))
}

/// Compiles `host`'s kernels with the code generator of its target.
pub fn generate_code(host: &ir::Module, options: &CompileOptions) -> anyhow::Result<Compiled> {
    let target = ir::target::target_of(host)
        .map_err(|e| anyhow!(e))?
        .context("the host program has no target description")?;
    match &target {
        Target::Cpu(cpu) => {
            if cpu.arch() != std::env::consts::ARCH {
                bail!(
                    "a module file for '{}' needs that machine's linker; from this {} \
                     machine, emit the kernels as an object file (`--emit object`) and link it there",
                    cpu.triple,
                    std::env::consts::ARCH
                );
            }
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            let objects = strata_llvm::compile_objects(host, &options.symbol_prefix, threads)?;
            Ok(Compiled {
                format: ExecutableFormat::ElfSharedObject,
                bytes: strata_llvm::link_shared_objects(&objects)?.into(),
                symbol_prefix: options.symbol_prefix.clone(),
                features: Vec::new(),
                loop_iterations: Default::default(),
            })
        }
        Target::Vulkan(_) => {
            let shader = strata_spirv::translate(host).map_err(|e| anyhow!(e))?;
            let bytes = shader.bytes();
            if options.validate && !shader.kernels.is_empty() {
                strata_spirv::validate(&bytes).map_err(|e| anyhow!(e))?;
            }
            Ok(Compiled {
                format: ExecutableFormat::Spirv,
                bytes: bytes.into(),
                symbol_prefix: String::new(),
                features: shader.features.names(),
                loop_iterations: shader
                    .kernels
                    .iter()
                    .cloned()
                    .zip(shader.loop_iterations.iter().copied())
                    .collect(),
            })
        }
        Target::Systolic(machine) => {
            let part = strata_systolic::partition(host, machine, &options.symbol_prefix)
                .map_err(|e| anyhow!(e))?;
            let mut executable = strata_runtime::systolic::Executable {
                host: None,
                kernels: part.kernels,
            };
            if !part.vector_names.is_empty() {
                // The vector unit's code runs on the host that simulates the machine.
                let cpu = Target::Cpu(strata_llvm::describe_cpu(&CpuRequest::default())?);
                let mut vector = part.vector_kernels;
                ir::target::set_target(&mut vector, &cpu);
                let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
                let prefix = &options.symbol_prefix;
                let objects = strata_llvm::compile_objects(&vector, prefix, threads)?;
                let (points, index) = strata_passes::host::package::entry_points(
                    &vector,
                    prefix,
                    &Default::default(),
                )
                .map_err(|e| anyhow!(e))?;
                // Entry points in the partition's order (its phases index them).
                let ordered = part
                    .vector_names
                    .iter()
                    .map(|name| {
                        let i = index.get(name).context("a vector phase was not compiled")?;
                        Ok(points[*i].clone())
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                executable.host = Some(strata_runtime::systolic::HostCode {
                    target: cpu,
                    entry_points: ordered,
                    object: strata_llvm::link_shared_objects(&objects)?,
                });
            }
            Ok(Compiled {
                format: ExecutableFormat::SystolicProgram,
                bytes: executable.encode().into(),
                symbol_prefix: options.symbol_prefix.clone(),
                features: Vec::new(),
                loop_iterations: Default::default(),
            })
        }
    }
}

/// The module file of host programs that carry their target descriptions.
pub fn package(hosts: &[&ir::Module], options: &CompileOptions) -> anyhow::Result<ModuleFile> {
    let mut parts = Vec::new();
    for &host in hosts {
        let kind = ir::target::target_of(host)
            .map_err(|e| anyhow!(e))?
            .map(|t| t.kind().name())
            .unwrap_or("?");
        let compiled = generate_code(host, options)
            .with_context(|| format!("code generation for '{kind}'"))?;
        parts.push((host, compiled));
    }
    strata_passes::host::package::package(&parts, &format!("strata {}", env!("CARGO_PKG_VERSION")))
        .map_err(|e| anyhow!(e))
}

/// Compiles a model (any level) into a module file for every target of `options`. The
/// model is consumed so that its weights can be freed as passes replace them (clone a
/// module to keep it: clones share their weights).
pub fn compile(m: ir::Module, options: &CompileOptions) -> anyhow::Result<ModuleFile> {
    if options.targets.is_empty() {
        bail!("no target to compile for");
    }
    for (i, t) in options.targets.iter().enumerate() {
        if options.targets[..i].iter().any(|u| u.kind() == t.kind()) {
            bail!("target '{}' is listed twice", t.kind());
        }
    }
    let mut hosts = Vec::new();
    let mut model = Some(m);
    for (i, t) in options.targets.iter().enumerate() {
        let m = if i + 1 == options.targets.len() {
            model.take()
        } else {
            model.clone()
        }
        .context("no model")?;
        hosts.push(lower_owned(m, t, options)?);
    }
    package(&hosts.iter().collect::<Vec<_>>(), options)
}
