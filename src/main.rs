//! The `strata` command-line tool.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use strata::ir::{self, interp, npy};
use strata::onnx::ImportOptions;

#[derive(Parser)]
#[command(name = "strata", version, about = "Strata tensor compiler")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What the systolic device reports about a run (`--device systolic`).
#[derive(clap::Args, Clone, Debug, Default)]
struct SystolicReports {
    /// With --device systolic: print the simulated run's cycles per kernel (array
    /// utilization, stalls, what bounds it).
    #[arg(long)]
    report: bool,
    /// With --device systolic: write that report as JSON.
    #[arg(long, value_name = "FILE")]
    report_json: Option<PathBuf>,
    /// With --device systolic: draw the array's, vector unit's and DMA's activity over
    /// the run as SVG.
    #[arg(long, value_name = "FILE.svg")]
    timeline: Option<PathBuf>,
}

impl SystolicReports {
    fn any(&self) -> bool {
        self.report || self.report_json.is_some() || self.timeline.is_some()
    }

    /// The systolic device behind `device`, readied for one run to report on.
    fn start<'d>(
        &self,
        device: &'d dyn strata::runtime::Device,
    ) -> Result<Option<&'d strata::runtime::SystolicDevice>> {
        let systolic = device
            .as_any()
            .downcast_ref::<strata::runtime::SystolicDevice>();
        match systolic {
            None if self.any() => anyhow::bail!(
                "--report, --report-json and --timeline report a simulated run: use --device systolic"
            ),
            None => Ok(None),
            Some(d) => {
                d.reset();
                d.set_tracing(self.timeline.is_some());
                Ok(Some(d))
            }
        }
    }

    /// Reports the run since [`SystolicReports::start`].
    fn finish(&self, device: &strata::runtime::SystolicDevice, title: &str) -> Result<()> {
        let report = device.report().context("the systolic device ran nothing")?;
        if self.report {
            print!("{}", report.table());
        }
        if let Some(path) = &self.report_json {
            std::fs::write(path, serde_json::to_string_pretty(&report)?)
                .with_context(|| format!("cannot write '{}'", path.display()))?;
        }
        if let Some(path) = &self.timeline {
            let svg = strata::runtime::systolic::timeline_svg(
                &device.spans(),
                &format!(
                    "{title} on {}: {} cycles",
                    report.machine, report.total_cycles
                ),
            );
            std::fs::write(path, svg)
                .with_context(|| format!("cannot write '{}'", path.display()))?;
        }
        Ok(())
    }
}

#[derive(Subcommand)]
enum Command {
    /// Import an ONNX model and print (or write) its graph IR.
    Import {
        model: PathBuf,
        /// Write the IR here instead of printing it.
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        import: ImportArgs,
    },
    /// Compile a model (.onnx or .mlir) for a target into a module file the runtime runs.
    Compile {
        model: PathBuf,
        /// The targets to compile for, comma-separated: cpu, vulkan (one module file
        /// holds the code for all of them).
        #[arg(long, default_value = "cpu")]
        target: String,
        /// Print each target's description (to stderr).
        #[arg(long)]
        print_target: bool,
        /// Check every GPU shader with spirv-val (SPIRV-Tools) as it is generated.
        #[arg(long)]
        validate: bool,
        /// Where to write the result (default: the model's name with .strata, .o or .so).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// What to write: a module file, or only the kernels as an object file or a
        /// shared object (for linking by hand).
        #[arg(long, default_value = "module", value_parser = ["module", "object", "shared"])]
        emit: String,
        /// The CPU to generate code for (default: this machine's; `generic` for the
        /// triple's baseline).
        #[arg(long)]
        cpu: Option<String>,
        /// CPU extensions to add or remove, LLVM style: +avx2,-avx512f.
        #[arg(long)]
        cpu_features: Option<String>,
        /// An LLVM target triple to cross-compile for (e.g. aarch64-unknown-linux-gnu).
        #[arg(long)]
        target_triple: Option<String>,
        /// Sign the module file with this secret key (from `strata keygen`): runtimes
        /// given its public key (`--trusted-key`) load it, and refuse it once changed.
        #[arg(long, value_name = "KEY_FILE")]
        sign: Option<PathBuf>,
        #[command(flatten)]
        import: ImportArgs,
    },
    /// Make a key pair for signing module files: PREFIX.key (secret; keep it so) and
    /// PREFIX.pub (give it to the runtimes that should trust what the key signs).
    Keygen {
        /// Where to write the keys: PREFIX.key and PREFIX.pub.
        #[arg(long, value_name = "PREFIX")]
        out: PathBuf,
    },
    /// Measure a model's latency on the runtime: a compiled module file, or a model
    /// compiled first. Warm-up runs, then the median, minimum and 90th percentile.
    Bench {
        model: PathBuf,
        /// The device to run on: cpu, vulkan (the preferred GPU), vulkan:N or systolic
        /// (simulated: the latency is the simulator's, the machine's is reported in
        /// cycles).
        #[arg(long, default_value = "cpu")]
        device: String,
        /// Worker threads of the CPU device (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
        /// Timed runs.
        #[arg(long, default_value_t = 50)]
        iterations: usize,
        /// Untimed runs first.
        #[arg(long, default_value_t = 5)]
        warmup: usize,
        /// The function to run.
        #[arg(long, default_value = "main")]
        function: String,
        /// An input tensor: NAME=path.npy (repeatable); others get fixed pseudo-random data.
        #[arg(short, long = "input", value_name = "NAME=FILE")]
        inputs: Vec<String>,
        /// Print the result as one JSON object.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        import: ImportArgs,
        /// Also time every kernel (each dispatch waited for) and print them, slowest first.
        #[arg(long)]
        profile: bool,
        /// For module files: load only a module signed by this public key (from `strata
        /// keygen`; repeatable: any of them). Without it any whole module file loads:
        /// an unsigned module file is trusted native code.
        #[arg(long = "trusted-key", value_name = "PUB_FILE")]
        trusted_keys: Vec<PathBuf>,
        #[command(flatten)]
        reports: SystolicReports,
    },
    /// Run a model on .npy inputs: a module file (.strata) on the runtime, any other model
    /// (.onnx, .mlir) with the reference interpreter.
    Run {
        model: PathBuf,
        /// An input tensor: NAME=path.npy (repeatable).
        #[arg(short, long = "input", value_name = "NAME=FILE")]
        inputs: Vec<String>,
        /// Where to write one .npy file per output.
        #[arg(long, default_value = ".")]
        output_dir: PathBuf,
        /// The function to run.
        #[arg(long, default_value = "main")]
        function: String,
        #[command(flatten)]
        import: ImportArgs,
        /// For host programs (after `bufferize`): run the kernels compiled by LLVM for this
        /// CPU instead of the loop interpreter.
        #[arg(long)]
        jit: bool,
        /// For module files: worker threads of the CPU device (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
        /// For module files: the device to run on: cpu, vulkan (the preferred GPU),
        /// vulkan:N (see `strata devices`) or systolic (the simulated machine the module
        /// was compiled for).
        #[arg(long, default_value = "cpu")]
        device: String,
        /// For module files: load only a module signed by this public key (from `strata
        /// keygen`; repeatable: any of them). Without it any whole module file loads:
        /// an unsigned module file is trusted native code.
        #[arg(long = "trusted-key", value_name = "PUB_FILE")]
        trusted_keys: Vec<PathBuf>,
        #[command(flatten)]
        reports: SystolicReports,
    },
    /// List the devices the runtime can run modules on.
    Devices,
    /// Describe a module file: its functions, its executables and their kernels (a
    /// systolic executable's schedules and vector phases in full with --schedules).
    Inspect {
        module: PathBuf,
        /// Print systolic executables whole: every array schedule's instructions.
        #[arg(long)]
        schedules: bool,
    },
    /// Optimize a model's graph with equality saturation for a target's cost model, or
    /// run a pass pipeline.
    Opt {
        model: PathBuf,
        /// The target: cpu (this machine's), vulkan (or gpu), systolic. Its description
        /// is set on the module before any pass runs.
        #[arg(long, default_value = "cpu")]
        target: String,
        /// Print e-graph size, time, cost before/after and rules fired (to stderr).
        #[arg(long)]
        stats: bool,
        /// Write the optimized IR here instead of printing it.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Stop saturating at this many e-nodes.
        #[arg(long, default_value_t = 50_000)]
        node_limit: usize,
        /// Stop saturating after this many seconds.
        #[arg(long, default_value_t = 10.0)]
        time_limit: f64,
        /// Run these passes instead, e.g. "egraph,lower-to-kernel,fuse".
        #[arg(long)]
        pipeline: Option<String>,
        /// With --pipeline: print the IR after every pass (to stderr).
        #[arg(long)]
        print_ir_after_all: bool,
        /// With --pipeline: print each pass's run time (to stderr).
        #[arg(long)]
        timing: bool,
        #[command(flatten)]
        import: ImportArgs,
    },
    /// Lower a model's graph ops to the kernel dialect (ops without a lowering yet stay).
    Lower {
        model: PathBuf,
        /// Write the IR here instead of printing it.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Print how many ops of each kind remain (to stderr).
        #[arg(long)]
        stats: bool,
        /// Then fuse elementwise kernels into the kernels that read them.
        #[arg(long)]
        fuse: bool,
    },
    /// Parse and verify an IR file.
    Verify { file: PathBuf },
    /// Run the ONNX backend node tests through import and the interpreter.
    Conformance {
        /// The node-test folder (default: the set-up's cache).
        dir: Option<PathBuf>,
        /// Only cases whose name contains this.
        #[arg(long)]
        filter: Option<String>,
        /// Print every case that did not pass, with the reason.
        #[arg(short, long)]
        verbose: bool,
        /// Optimize each model for this target's cost model (cpu, gpu, systolic) before
        /// running it.
        #[arg(long)]
        opt: Option<String>,
        /// Lower graph ops to the kernel dialect before running.
        #[arg(long)]
        kernel: bool,
        /// Run this pass pipeline on each model, for this machine's CPU unless it begins
        /// with target{kind=..}, before running it, e.g. the full
        /// "egraph,lower-to-kernel,fuse,tile,lower-to-loops,stage,vectorize,unroll,bufferize".
        #[arg(long)]
        pipeline: Option<String>,
        /// With --pipeline ending in bufferize: run the kernels compiled by LLVM (JIT for
        /// this CPU) instead of the loop interpreter.
        #[arg(long)]
        jit: bool,
        /// Compile each model for this target (cpu, vulkan) and run it on the runtime.
        #[arg(long)]
        target: Option<String>,
    },
}

fn split_assignment(s: &str) -> Result<(&str, &str)> {
    s.split_once('=')
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .with_context(|| format!("expected NAME=VALUE, got '{s}'"))
}

/// How a model is imported: sizes for symbolic dimensions, values for inputs that are
/// fixed (the importer specializes the model to them).
#[derive(clap::Args)]
struct ImportArgs {
    /// Size symbolic input dimensions: NAME=1x3x224x224 (repeatable).
    #[arg(long = "input-shape", value_name = "NAME=DIMS")]
    input_shapes: Vec<String>,
    /// Fix an input to a value: NAME=file.npy (repeatable). It is no longer an input of
    /// the compiled model; what depends on it folds at import (an If on it, a shape it
    /// gives, a sample rate).
    #[arg(long = "input-value", value_name = "NAME=FILE")]
    input_values: Vec<String>,
    /// Compile a sequence input at a static length: NAME=2x3,4x3 gives it two elements of
    /// those shapes (an empty value, NAME=, none). Its elements become inputs
    /// NAME[0], NAME[1], ...; sequence outputs likewise become NAME[0], ... (repeatable).
    #[arg(long = "sequence-input", value_name = "NAME=DIMS,DIMS")]
    sequence_inputs: Vec<String>,
}

fn import_options(args: &ImportArgs) -> Result<ImportOptions> {
    let mut options = ImportOptions::default();
    for s in &args.input_values {
        let (name, file) = split_assignment(s)?;
        let bytes = std::fs::read(file).with_context(|| format!("cannot read '{file}'"))?;
        let t = npy::from_npy(&bytes).map_err(|e| anyhow::anyhow!("'{file}': {e}"))?;
        options.constant_inputs.insert(name.to_string(), t);
    }
    for s in &args.input_shapes {
        let (name, dims) = split_assignment(s)?;
        options
            .input_shapes
            .insert(name.to_string(), parse_dims(dims, s)?);
    }
    for s in &args.sequence_inputs {
        let (name, shapes) = s
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .with_context(|| format!("expected NAME=DIMS,DIMS,..., got '{s}'"))?;
        let shapes = shapes
            .split(',')
            .filter(|d| !d.is_empty())
            .map(|d| parse_dims(d, s))
            .collect::<Result<Vec<_>>>()?;
        options.sequence_inputs.insert(name.to_string(), shapes);
    }
    Ok(options)
}

/// `1x3x224x224` as sizes (`s`, the whole argument, names the error). Rank 0 is written
/// `scalar`, since an empty string separates nothing.
fn parse_dims(dims: &str, s: &str) -> Result<Vec<usize>> {
    if dims == "scalar" {
        return Ok(Vec::new());
    }
    dims.split('x')
        .map(|d| {
            d.parse::<usize>()
                .with_context(|| format!("bad dimension '{d}' in '{s}'"))
        })
        .collect()
}

fn run_model(
    model: &Path,
    inputs: &[String],
    output_dir: &Path,
    function: &str,
    shapes: &ImportArgs,
    jit: bool,
) -> Result<()> {
    let module = strata::load_model(model, &import_options(shapes)?)?;
    let func = module
        .function(function)
        .with_context(|| format!("'{}' has no function '{function}'", model.display()))?;
    let names = func.input_names(&module);
    let mut given: HashMap<String, ir::Tensor> = HashMap::new();
    for s in inputs {
        let (name, file) = split_assignment(s)?;
        if !names.iter().any(|n| n == name) {
            bail!(
                "the model has no input '{name}' (inputs: {})",
                names.join(", ")
            );
        }
        let bytes = std::fs::read(file).with_context(|| format!("cannot read '{file}'"))?;
        let t = npy::from_npy(&bytes).map_err(|e| anyhow::anyhow!("'{file}': {e}"))?;
        given.insert(name.to_string(), t);
    }
    let missing: Vec<&String> = names.iter().filter(|n| !given.contains_key(*n)).collect();
    if !missing.is_empty() {
        bail!(
            "missing inputs: {} (give each with --input NAME=file.npy)",
            missing
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let args: Vec<ir::Tensor> = names
        .iter()
        .map(|n| given.remove(n).expect("checked above"))
        .collect();
    let outputs = if jit {
        if ir::host::num_inputs(&module, func).is_none() {
            bail!("--jit runs host programs: compile with a pipeline ending in 'bufferize'");
        }
        let ctx = inkwell::context::Context::create();
        let mut executor =
            strata_llvm::JitExecutor::new(&ctx, &module).map_err(anyhow::Error::msg)?;
        ir::host::run_host_with(&module, func, &args, &mut executor)?
    } else {
        interp::run_function(&module, func, &args)?
    };
    std::fs::create_dir_all(output_dir)
        .with_context(|| format!("cannot create '{}'", output_dir.display()))?;
    for (name, t) in func.output_names(&module).iter().zip(&outputs) {
        let path = output_dir.join(format!("{}.npy", strata::sanitize_file_name(name)));
        let bytes = npy::to_npy(t).map_err(|e| anyhow::anyhow!("output '{name}': {e}"))?;
        std::fs::write(&path, bytes)
            .with_context(|| format!("cannot write '{}'", path.display()))?;
        println!("{name}: {} -> {}", t.ty(), path.display());
    }
    Ok(())
}

fn is_module_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "strata")
}

/// Reads `NAME=file.npy` inputs for a function with `specs`; inputs not given get fixed
/// pseudo-random data when `fill` is set, else are an error.
fn runtime_inputs(
    specs: &[strata::runtime::TensorSpec],
    given: &[String],
    fill: bool,
) -> Result<Vec<strata::runtime::Tensor>> {
    let mut by_name: HashMap<String, ir::Tensor> = HashMap::new();
    for s in given {
        let (name, file) = split_assignment(s)?;
        if !specs.iter().any(|p| p.name == name) {
            bail!(
                "the model has no input '{name}' (inputs: {})",
                specs
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let bytes = std::fs::read(file).with_context(|| format!("cannot read '{file}'"))?;
        let t = npy::from_npy(&bytes).map_err(|e| anyhow::anyhow!("'{file}': {e}"))?;
        by_name.insert(name.to_string(), t);
    }
    let mut out = Vec::new();
    let mut seed = 0x2545F4914F6CDD1Du64;
    for spec in specs {
        let t = match by_name.remove(&spec.name) {
            Some(t) => strata::compile::to_runtime_tensor(&t),
            None if fill => {
                let n: usize = spec.shape.iter().product();
                let values: Vec<f64> = (0..n)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        (seed % 2000) as f64 / 1000.0 - 1.0
                    })
                    .collect();
                let elem = spec.dtype;
                let values: Vec<f64> = if elem.is_float() {
                    values
                } else {
                    values.iter().map(|v| ((v + 1.0) * 5.0).floor()).collect()
                };
                let t = ir::Tensor::from_f64s(elem, ir::Shape::new(spec.shape.clone()), &values);
                strata::runtime::Tensor::new(spec.dtype, &spec.shape, t.to_le_bytes())?
            }
            None => bail!(
                "missing input '{}' (give it with --input {}=file.npy)",
                spec.name,
                spec.name
            ),
        };
        out.push(t);
    }
    Ok(out)
}

/// The runtime device `spec` names (`cpu`, `vulkan`, `vulkan:N`).
fn open_device(
    spec: &str,
    threads: Option<usize>,
) -> Result<std::sync::Arc<dyn strata::runtime::Device>> {
    let runtime = strata::runtime::Runtime::new();
    Ok(if spec == "cpu" {
        runtime.cpu(threads)?
    } else {
        runtime.device(spec)?
    })
}

/// Writes a secret key readable by its owner only (and never over an existing file).
fn write_secret(path: &Path, text: &str) -> Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(path).with_context(|| {
        format!(
            "cannot create '{}' (a key is never overwritten)",
            path.display()
        )
    })?;
    std::io::Write::write_all(&mut f, text.as_bytes())
        .with_context(|| format!("cannot write '{}'", path.display()))
}

/// The public keys in `paths` (files `strata keygen` wrote).
fn read_keys(paths: &[PathBuf]) -> Result<Vec<strata::runtime::PublicKey>> {
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the public key '{}'", p.display()))?;
            strata::runtime::PublicKey::from_text(&text)
                .with_context(|| format!("'{}'", p.display()))
        })
        .collect()
}

/// The secret key in `path`.
fn read_secret_key(path: &Path) -> Result<strata::runtime::SecretKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the secret key '{}'", path.display()))?;
    strata::runtime::SecretKey::from_text(&text).with_context(|| format!("'{}'", path.display()))
}

fn run_module_file(
    path: &Path,
    inputs: &[String],
    output_dir: &Path,
    function: &str,
    device: std::sync::Arc<dyn strata::runtime::Device>,
    trusted_keys: &[PathBuf],
    reports: &SystolicReports,
) -> Result<()> {
    let module = strata::runtime::Module::load_trusted(&device, path, &read_keys(trusted_keys)?)?;
    let f = module.function(function)?;
    let args = runtime_inputs(f.inputs(), inputs, false)?;
    let systolic = reports.start(device.as_ref())?;
    let outputs = f.call(&args)?;
    if let Some(d) = systolic {
        reports.finish(d, &path.display().to_string())?;
    }
    std::fs::create_dir_all(output_dir)
        .with_context(|| format!("cannot create '{}'", output_dir.display()))?;
    for (spec, t) in f.outputs().iter().zip(outputs) {
        let t = strata::compile::from_runtime_tensor(&t)?;
        let path = output_dir.join(format!("{}.npy", strata::sanitize_file_name(&spec.name)));
        let bytes = npy::to_npy(&t).map_err(|e| anyhow::anyhow!("output '{}': {e}", spec.name))?;
        std::fs::write(&path, bytes)
            .with_context(|| format!("cannot write '{}'", path.display()))?;
        println!("{}: {} -> {}", spec.name, t.ty(), path.display());
    }
    Ok(())
}

/// Per-kernel times over `runs` runs, slowest first (to stderr).
fn print_profile(
    f: &strata::runtime::Function,
    args: &[strata::runtime::Tensor],
    runs: usize,
) -> Result<()> {
    let mut times = f.profile(args, runs)?;
    times.sort_by_key(|t| std::cmp::Reverse(t.total));
    let total: f64 = times.iter().map(|t| t.total.as_secs_f64()).sum();
    eprintln!("| kernel | grid | calls/run | ms/run | share |");
    eprintln!("|---|---|---:|---:|---:|");
    for t in &times {
        let ms = t.total.as_secs_f64() * 1e3 / runs as f64;
        eprintln!(
            "| {} | {}x{}x{} | {} | {ms:.3} | {:.1}% |",
            t.kernel,
            t.workgroups[0],
            t.workgroups[1],
            t.workgroups[2],
            t.calls / runs.max(1),
            100.0 * t.total.as_secs_f64() / total.max(1e-12)
        );
    }
    eprintln!("total {:.3} ms/run in kernels", total * 1e3 / runs as f64);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn bench(
    model: &Path,
    device: &str,
    threads: Option<usize>,
    iterations: usize,
    warmup: usize,
    function: &str,
    inputs: &[String],
    json: bool,
    shapes: &ImportArgs,
    profile: bool,
    trusted_keys: &[PathBuf],
    reports: &SystolicReports,
) -> Result<()> {
    let device = open_device(device, threads)?;
    let mut compile_seconds = None;
    let module = if is_module_file(model) {
        strata::runtime::Module::load_trusted(&device, model, &read_keys(trusted_keys)?)?
    } else {
        let start = std::time::Instant::now();
        let m = strata::load_model(model, &import_options(shapes)?)?;
        let options = strata::compile::CompileOptions::for_targets(
            device.kind().name(),
            &Default::default(),
        )?;
        let file = strata::compile::compile(m, &options)?;
        compile_seconds = Some(start.elapsed().as_secs_f64());
        strata::runtime::Module::from_file(&device, file)?
    };
    let f = module.function(function)?;
    let args = runtime_inputs(f.inputs(), inputs, true)?;
    for _ in 0..warmup {
        f.call(&args)?;
    }
    let iterations = iterations.max(1);
    let bar = indicatif::ProgressBar::new(iterations as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {elapsed} elapsed")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    // Only long runs show progress (and never in JSON mode).
    let start = std::time::Instant::now();
    let mut times = Vec::with_capacity(iterations);
    for i in 0..iterations {
        let t = std::time::Instant::now();
        f.call(&args)?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
        if !json && i == 0 && start.elapsed().as_secs_f64() * iterations as f64 > 2.0 {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        if !json {
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    // The machine's own time, from one more run the simulator counts.
    let mut simulated = None;
    if let Some(d) = reports.start(device.as_ref())? {
        f.call(&args)?;
        simulated = d.report();
        reports.finish(d, &model.display().to_string())?;
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let (median, min, p90) = (at(0.5), times[0], at(0.9));
    if json {
        println!(
            "{}",
            serde_json::json!({
                "model": model.display().to_string(),
                "device": device.description(),
                "runs": times.len(),
                "median_ms": median,
                "min_ms": min,
                "p90_ms": p90,
                "compile_s": compile_seconds,
                "simulated_cycles": simulated.as_ref().map(|r| r.total_cycles),
                "simulated_ms": simulated.as_ref().map(|r| r.total_cycles as f64 / r.clock_hz as f64 * 1e3),
            })
        );
    } else {
        println!("{}: {}", model.display(), device.description());
        if let Some(s) = compile_seconds {
            println!("compiled in {s:.2} s");
        }
        println!(
            "latency over {} runs: median {median:.3} ms, min {min:.3} ms, p90 {p90:.3} ms",
            times.len()
        );
        if let Some(r) = &simulated {
            println!(
                "on the machine: {} cycles, {:.3} ms, array utilization {:.1}%",
                r.total_cycles,
                r.total_cycles as f64 / r.clock_hz as f64 * 1e3,
                r.array_utilization * 100.0
            );
        }
    }
    if profile {
        print_profile(&f, &args, iterations)?;
    }
    Ok(())
}

fn main_inner(cli: Cli) -> Result<bool> {
    match cli.command {
        Command::Import {
            model,
            output,
            import,
        } => {
            let module = strata::onnx::import_file(&model, &import_options(&import)?)?;
            let text = ir::print_module(&module);
            match output {
                Some(p) => std::fs::write(&p, text)
                    .with_context(|| format!("cannot write '{}'", p.display()))?,
                None => print!("{text}"),
            }
        }
        Command::Run {
            model,
            inputs,
            output_dir,
            function,
            import,
            jit,
            threads,
            device,
            trusted_keys,
            reports,
        } => {
            if is_module_file(&model) {
                run_module_file(
                    &model,
                    &inputs,
                    &output_dir,
                    &function,
                    open_device(&device, threads)?,
                    &trusted_keys,
                    &reports,
                )?;
            } else {
                if reports.any() {
                    anyhow::bail!("--report, --report-json and --timeline report a module file's run on --device systolic; compile the model first (`strata compile --target systolic`)");
                }
                run_model(&model, &inputs, &output_dir, &function, &import, jit)?;
            }
        }
        Command::Compile {
            model,
            target,
            print_target,
            validate,
            output,
            emit,
            cpu,
            cpu_features,
            target_triple,
            sign,
            import,
        } => {
            // Read first: a bad key should not cost a compilation.
            let key = sign.as_deref().map(read_secret_key).transpose()?;
            let module = strata::load_model(&model, &import_options(&import)?)?;
            let request = strata::compile::CpuRequest {
                triple: target_triple,
                cpu,
                features: cpu_features,
            };
            let options = strata::compile::CompileOptions {
                validate,
                ..strata::compile::CompileOptions::for_targets(&target, &request)?
            };
            if print_target {
                for t in &options.targets {
                    eprintln!("{}", serde_json::to_string_pretty(&t.to_json())?);
                }
            }
            let cpu_only = options.targets.len() == 1
                && options.targets[0].kind() == strata::runtime::TargetKind::Cpu;
            if emit != "module" && !cpu_only {
                anyhow::bail!("--emit {emit} writes CPU code: use --target cpu");
            }
            if emit != "module" && key.is_some() {
                anyhow::bail!("--sign signs module files; --emit {emit} writes no module file");
            }
            let start = std::time::Instant::now();
            let extension = match emit.as_str() {
                "object" => "o",
                "shared" => "so",
                _ => "strata",
            };
            let output = output.unwrap_or_else(|| model.with_extension(extension));
            let cannot_write = || format!("cannot write '{}'", output.display());
            let written = match emit.as_str() {
                "module" => {
                    // Streamed: the weights are written from where the compiler holds them.
                    let file = strata::compile::compile(module, &options)?;
                    let mut out = std::io::BufWriter::new(
                        std::fs::File::create(&output).with_context(cannot_write)?,
                    );
                    match &key {
                        Some(k) => file.write_signed(&mut out, k)?,
                        None => file.write_to(&mut out)?,
                    }
                    std::io::Write::flush(&mut out).with_context(cannot_write)?;
                    drop(out);
                    std::fs::metadata(&output).with_context(cannot_write)?.len() as usize
                }
                _ => {
                    let host =
                        strata::compile::lower_to_host(&module, &options.targets[0], &options)?;
                    let object = strata_llvm::compile_object(&host, &options.symbol_prefix)?;
                    let bytes = if emit == "shared" {
                        strata_llvm::link_shared_object(&object)?
                    } else {
                        object
                    };
                    std::fs::write(&output, &bytes).with_context(cannot_write)?;
                    bytes.len()
                }
            };
            eprintln!(
                "{} -> {} ({written} bytes, {:.2} s)",
                model.display(),
                output.display(),
                start.elapsed().as_secs_f64()
            );
        }
        Command::Bench {
            model,
            device,
            threads,
            iterations,
            warmup,
            function,
            inputs,
            json,
            import,
            profile,
            trusted_keys,
            reports,
        } => {
            bench(
                &model,
                &device,
                threads,
                iterations,
                warmup,
                &function,
                &inputs,
                json,
                &import,
                profile,
                &trusted_keys,
                &reports,
            )?;
        }
        Command::Opt {
            model,
            target,
            stats,
            output,
            node_limit,
            time_limit,
            import,
            pipeline,
            print_ir_after_all,
            timing,
        } => {
            let module = strata::load_model(&model, &import_options(&import)?)?;
            let target = strata::compile::describe_target_spec(&target, &Default::default())?;
            if let Some(text) = pipeline {
                let (out, report) = strata::passes::pipeline::run_pipeline(
                    &module,
                    &text,
                    Some(&target),
                    print_ir_after_all,
                )?;
                for (pass, ir) in &report.ir_after {
                    eprintln!("// ----- IR after {pass}\n{ir}");
                }
                if timing {
                    for (pass, t) in &report.timings {
                        eprintln!("{:>10.3} ms  {pass}", t.as_secs_f64() * 1e3);
                    }
                }
                let text = ir::print_module(&out);
                match output {
                    Some(p) => std::fs::write(&p, text)
                        .with_context(|| format!("cannot write '{}'", p.display()))?,
                    None => print!("{text}"),
                }
                return Ok(true);
            }
            let mut options = strata::passes::egraph::OptimizeOptions::for_target(&target);
            options.node_limit = node_limit;
            options.time_limit = std::time::Duration::from_secs_f64(time_limit.max(0.0));
            let (optimized, all_stats) = strata::passes::egraph::optimize_module(&module, &options)
                .map_err(anyhow::Error::msg)?;
            if stats {
                for s in &all_stats {
                    eprint!("{s}");
                }
            }
            let text = ir::print_module(&optimized);
            match output {
                Some(p) => std::fs::write(&p, text)
                    .with_context(|| format!("cannot write '{}'", p.display()))?,
                None => print!("{text}"),
            }
        }
        Command::Lower {
            model,
            output,
            stats,
            fuse,
        } => {
            let module = strata::load_model(&model, &ImportOptions::default())?;
            let mut lowered = strata::passes::conversion::lower_graph_to_kernel(&module)
                .map_err(anyhow::Error::msg)?;
            if fuse {
                let n = strata::passes::kernel::fuse_elementwise_producers(&mut lowered)
                    .map_err(anyhow::Error::msg)?;
                if stats {
                    eprintln!("fused {n} producers");
                }
            }
            if stats {
                let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
                for f in lowered.functions() {
                    for &op in &lowered.block(f.entry_block(&lowered)).ops {
                        *counts.entry(lowered.op(op).name.to_string()).or_default() += 1;
                    }
                }
                for (name, n) in counts {
                    eprintln!("{n:>6} {name}");
                }
                // Named contractions, as a target's code generator would see them.
                let mut kinds: std::collections::BTreeMap<String, usize> = Default::default();
                for f in lowered.functions() {
                    for &op in &lowered.block(f.entry_block(&lowered)).ops {
                        if let Some(k) = ir::kernel::contraction_kind(&lowered, op) {
                            *kinds.entry(k.to_string()).or_default() += 1;
                        }
                    }
                }
                for (kind, n) in kinds {
                    eprintln!("{n:>6} contraction: {kind}");
                }
            }
            let text = ir::print_module(&lowered);
            match output {
                Some(p) => std::fs::write(&p, text)
                    .with_context(|| format!("cannot write '{}'", p.display()))?,
                None => print!("{text}"),
            }
        }
        Command::Inspect { module, schedules } => {
            let bytes = std::fs::read(&module)
                .with_context(|| format!("cannot read '{}'", module.display()))?;
            let file = strata::runtime::ModuleFile::from_bytes(&bytes)?;
            let m = &file.manifest;
            println!("{}: written by {}", module.display(), m.producer);
            match strata::runtime::format::signer(&bytes) {
                Some(id) => {
                    println!("signed by key {id} (verified only where a runtime trusts it)")
                }
                None => println!("unsigned"),
            }
            for f in &m.functions {
                let sig = |ts: &[strata::runtime::TensorSpec]| {
                    ts.iter()
                        .map(|t| format!("{}: {:?}{:?}", t.name, t.dtype, t.shape))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                println!(
                    "function {} ({}) -> ({})",
                    f.name,
                    sig(&f.inputs),
                    sig(&f.outputs)
                );
                for p in &f.programs {
                    let mut all = Vec::new();
                    for c in &p.commands {
                        c.walk(&mut all);
                    }
                    let control = all
                        .iter()
                        .filter(|c| {
                            matches!(
                                c,
                                strata::abi::format::Command::If { .. }
                                    | strata::abi::format::Command::Loop { .. }
                            )
                        })
                        .count();
                    let nested = if control > 0 {
                        format!(" ({control} of them branches or loops)")
                    } else {
                        String::new()
                    };
                    println!(
                        "  for {}: {} commands{nested}, {} arena bytes",
                        p.target,
                        all.len(),
                        p.arena_bytes
                    );
                }
            }
            for (i, (e, code)) in m.executables.iter().zip(&file.executables).enumerate() {
                println!(
                    "executable {i}: {} ({:?}, {} bytes, {} entry points): {}",
                    e.kind(),
                    e.format,
                    code.len(),
                    e.entry_points.len(),
                    e.target
                );
                if e.format == strata::runtime::format::ExecutableFormat::SystolicProgram {
                    let exe = strata::runtime::systolic::Executable::decode(code)?;
                    if schedules {
                        print!("{exe}");
                    } else {
                        for k in &exe.kernels {
                            let phases: Vec<String> = k
                                .phases
                                .iter()
                                .map(|p| match p {
                                    strata::runtime::systolic::Phase::Array(s) => {
                                        format!("array ({} instructions)", s.instrs.len())
                                    }
                                    strata::runtime::systolic::Phase::Vector { cost, .. } => {
                                        format!(
                                            "vector ({} instructions, {} elements)",
                                            cost.simple + cost.transcendental + cost.divide,
                                            cost.elements
                                        )
                                    }
                                })
                                .collect();
                            println!("  {}: {}", k.symbol, phases.join(", "));
                        }
                    }
                }
            }
        }
        Command::Keygen { out } => {
            let key = strata::runtime::SecretKey::generate()?;
            let with = |ext: &str| {
                let mut p = out.clone().into_os_string();
                p.push(ext);
                PathBuf::from(p)
            };
            let (secret, public) = (with(".key"), with(".pub"));
            write_secret(&secret, &key.to_text())?;
            std::fs::write(&public, key.public().to_text())
                .with_context(|| format!("cannot write '{}'", public.display()))?;
            println!(
                "key {}: secret {}, public {}",
                key.public().id(),
                secret.display(),
                public.display()
            );
        }
        Command::Devices => {
            let cpu = strata::runtime::Runtime::new().cpu(None)?;
            println!("cpu        {}", cpu.description());
            for name in strata::runtime::SystolicTarget::PRESETS {
                let t = strata::runtime::Target::Systolic(strata::runtime::SystolicTarget::preset(
                    name,
                )?);
                println!("systolic:{name:<8} preset machine: {t}");
            }
            match strata::runtime::vulkan::devices() {
                Ok(list) if list.is_empty() => println!("vulkan     no Vulkan device"),
                Ok(list) => {
                    for d in list {
                        println!(
                            "vulkan:{:<3} {} ({}, Vulkan {}; {})",
                            d.index,
                            d.name,
                            d.kind,
                            d.api_version,
                            d.features.join(", ")
                        );
                    }
                }
                Err(e) => println!("vulkan     unavailable: {e}"),
            }
        }
        Command::Verify { file } => {
            let module = strata::load_model(&file, &ImportOptions::default())?;
            let ops = module
                .functions()
                .map(|f| module.block(f.entry_block(&module)).ops.len())
                .sum::<usize>();
            println!(
                "{}: ok ({} functions, {ops} ops)",
                file.display(),
                module.functions().count()
            );
        }
        Command::Conformance {
            dir,
            filter,
            verbose,
            opt,
            kernel,
            pipeline,
            jit,
            target,
        } => {
            let dir = dir.unwrap_or_else(strata::conformance::default_data_dir);
            let describe = |spec: &str| -> Result<strata::runtime::Target> {
                strata::compile::describe_target_spec(spec, &Default::default())
            };
            let mode = match opt {
                _ if target.is_some() => {
                    strata::conformance::Mode::Target(describe(&target.unwrap_or_default())?)
                }
                _ if pipeline.is_some() && jit => strata::conformance::Mode::Compiled(
                    pipeline.unwrap_or_default(),
                    describe("cpu")?,
                ),
                _ if pipeline.is_some() => strata::conformance::Mode::Pipeline(
                    pipeline.unwrap_or_default(),
                    describe("cpu")?,
                ),
                Some(t) => strata::conformance::Mode::Optimized(describe(&t)?),
                None if kernel => strata::conformance::Mode::Kernel,
                None => strata::conformance::Mode::Interpret,
            };
            let report = strata::conformance::run_suite_in(&dir, filter.as_deref(), &mode)
                .with_context(|| {
                    format!(
                        "cannot read node tests in '{}' (run scripts/setup.sh)",
                        dir.display()
                    )
                })?;
            print!("{}", report.table());
            if verbose {
                for c in &report.cases {
                    match &c.outcome {
                        strata::conformance::Outcome::Passed => {}
                        o => println!("{} [{}]: {o:?}", c.name, c.op),
                    }
                }
            }
            println!("{}", report.summary());
            return Ok(report.failed() == 0);
        }
    }
    Ok(true)
}

fn main() -> ExitCode {
    match main_inner(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
