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

#[derive(Subcommand)]
enum Command {
    /// Import an ONNX model and print (or write) its graph IR.
    Import {
        model: PathBuf,
        /// Write the IR here instead of printing it.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Size symbolic input dimensions: NAME=1x3x224x224 (repeatable).
        #[arg(long = "input-shape", value_name = "NAME=DIMS")]
        input_shapes: Vec<String>,
    },
    /// Run a model (.onnx or .mlir) on .npy inputs with the reference interpreter.
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
        /// Size symbolic input dimensions: NAME=1x3x224x224 (repeatable).
        #[arg(long = "input-shape", value_name = "NAME=DIMS")]
        input_shapes: Vec<String>,
        /// For host programs (after `bufferize`): run the kernels compiled by LLVM for this
        /// CPU instead of the loop interpreter.
        #[arg(long)]
        jit: bool,
    },
    /// Optimize a model's graph with equality saturation for a target's cost model.
    Opt {
        model: PathBuf,
        /// The cost model: cpu, gpu or systolic.
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
        /// Run these passes instead, e.g. "egraph{target=cpu},lower-to-kernel,fuse".
        #[arg(long)]
        pipeline: Option<String>,
        /// With --pipeline: print the IR after every pass (to stderr).
        #[arg(long)]
        print_ir_after_all: bool,
        /// With --pipeline: print each pass's run time (to stderr).
        #[arg(long)]
        timing: bool,
        /// Size symbolic input dimensions: NAME=1x3x224x224 (repeatable).
        #[arg(long = "input-shape", value_name = "NAME=DIMS")]
        input_shapes: Vec<String>,
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
        /// Optimize each model for this target (cpu, gpu, systolic) before running it.
        #[arg(long)]
        opt: Option<String>,
        /// Lower graph ops to the kernel dialect before running.
        #[arg(long)]
        kernel: bool,
        /// Run this pass pipeline on each model before running it, e.g. the full
        /// "lower-to-kernel,fuse,tile{target=cpu},lower-to-loops,vectorize{target=cpu},bufferize".
        #[arg(long)]
        pipeline: Option<String>,
        /// With --pipeline ending in bufferize: run the kernels compiled by LLVM (JIT for
        /// this CPU) instead of the loop interpreter.
        #[arg(long)]
        jit: bool,
    },
}

fn split_assignment(s: &str) -> Result<(&str, &str)> {
    s.split_once('=')
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .with_context(|| format!("expected NAME=VALUE, got '{s}'"))
}

fn import_options(shapes: &[String]) -> Result<ImportOptions> {
    let mut options = ImportOptions::default();
    for s in shapes {
        let (name, dims) = split_assignment(s)?;
        let dims = dims
            .split('x')
            .map(|d| {
                d.parse::<usize>()
                    .with_context(|| format!("bad dimension '{d}' in '{s}'"))
            })
            .collect::<Result<Vec<_>>>()?;
        options.input_shapes.insert(name.to_string(), dims);
    }
    Ok(options)
}

fn run_model(
    model: &Path,
    inputs: &[String],
    output_dir: &Path,
    function: &str,
    shapes: &[String],
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

fn main_inner(cli: Cli) -> Result<bool> {
    match cli.command {
        Command::Import {
            model,
            output,
            input_shapes,
        } => {
            let module = strata::onnx::import_file(&model, &import_options(&input_shapes)?)?;
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
            input_shapes,
            jit,
        } => {
            run_model(&model, &inputs, &output_dir, &function, &input_shapes, jit)?;
        }
        Command::Opt {
            model,
            target,
            stats,
            output,
            node_limit,
            time_limit,
            input_shapes,
            pipeline,
            print_ir_after_all,
            timing,
        } => {
            let module = strata::load_model(&model, &import_options(&input_shapes)?)?;
            if let Some(text) = pipeline {
                let passes =
                    strata::passes::pipeline::parse_pipeline(&text).map_err(anyhow::Error::msg)?;
                let (out, report) =
                    strata::passes::pipeline::run_pipeline(&module, &passes, print_ir_after_all)
                        .map_err(anyhow::Error::msg)?;
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
            let mut options = strata::passes::egraph::OptimizeOptions::for_target(
                strata::passes::egraph::Target::by_name(&target).map_err(anyhow::Error::msg)?,
            );
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
            let mut lowered = strata::passes::lower::lower_graph_to_kernel(&module)
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
                        *counts.entry(lowered.op(op).name.clone()).or_default() += 1;
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
        } => {
            let dir = dir.unwrap_or_else(strata::conformance::default_data_dir);
            let mode = match opt {
                _ if pipeline.is_some() && jit => {
                    strata::conformance::Mode::Compiled(pipeline.unwrap_or_default())
                }
                _ if pipeline.is_some() => {
                    strata::conformance::Mode::Pipeline(pipeline.unwrap_or_default())
                }
                Some(t) => strata::conformance::Mode::Optimized(
                    strata::passes::egraph::Target::by_name(&t).map_err(anyhow::Error::msg)?,
                ),
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
