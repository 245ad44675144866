//! The ONNX backend node-test runner: imports each test model, runs it, and compares with
//! the expected outputs.
//!
//! The test data comes from the `onnx` wheel's generators (`scripts/gen_node_tests.py`,
//! run by the set-up). Each case is one folder with `model.onnx`, `meta.json` (tolerances
//! and the op under test) and `test_data_set_0/{input,output}_<i>.pb`.
//!
//! Outcomes: *passed*; *failed* (wrong answer, or an error, for a model whose ops Strata
//! all claims); *unsupported* (an op, element type or feature Strata reports it does not
//! implement); *skipped* (data that is neither a tensor nor a sequence of them: optionals,
//! maps). Strata compiles static shapes, so inputs that decide shapes (Reshape's `shape`
//! fed as a graph input, say) are specialized: the runner passes their test values to the
//! importer as constants. A sequence input is compiled at its test value's length and
//! element shapes, its elements passed as tensors; a sequence output is compared element
//! by element.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use strata_ir::{interp, Tensor};
use strata_onnx::{ImportError, ImportOptions};
use strata_runtime::TargetKind;

/// How one case ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Passed,
    Failed(String),
    Unsupported(String),
    Skipped(String),
}

/// One case's result.
#[derive(Clone, Debug)]
pub struct CaseResult {
    pub name: String,
    /// The ONNX op the case tests.
    pub op: String,
    pub outcome: Outcome,
}

/// All results of a run.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub cases: Vec<CaseResult>,
}

#[derive(Clone, Copy, Default)]
struct Counts {
    passed: usize,
    failed: usize,
    unsupported: usize,
    skipped: usize,
}

impl Report {
    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.cases.iter().filter(|c| f(&c.outcome)).count()
    }

    pub fn passed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Passed))
    }

    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed(_)))
    }

    pub fn unsupported(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Unsupported(_)))
    }

    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Skipped(_)))
    }

    /// The per-op table: claimed ops first, then the rest.
    pub fn table(&self) -> String {
        let claimed: Vec<&str> = strata_onnx::supported_op_types();
        let mut per_op: BTreeMap<(bool, &str), Counts> = BTreeMap::new();
        for c in &self.cases {
            let is_claimed = claimed.contains(&c.op.as_str());
            let e = per_op.entry((!is_claimed, c.op.as_str())).or_default();
            match c.outcome {
                Outcome::Passed => e.passed += 1,
                Outcome::Failed(_) => e.failed += 1,
                Outcome::Unsupported(_) => e.unsupported += 1,
                Outcome::Skipped(_) => e.skipped += 1,
            }
        }
        let mut s = String::new();
        let _ = writeln!(
            s,
            "| op | claimed | passed | failed | unsupported | skipped |"
        );
        let _ = writeln!(s, "|---|---|---:|---:|---:|---:|");
        for ((unclaimed, op), c) in &per_op {
            let _ = writeln!(
                s,
                "| {op} | {} | {} | {} | {} | {} |",
                if *unclaimed { "no" } else { "yes" },
                c.passed,
                c.failed,
                c.unsupported,
                c.skipped
            );
        }
        s
    }

    /// The closing line: `N passed, N failed, ...`.
    pub fn summary(&self) -> String {
        format!(
            "{} passed, {} failed, {} unsupported, {} skipped ({} cases)",
            self.passed(),
            self.failed(),
            self.unsupported(),
            self.skipped(),
            self.cases.len()
        )
    }
}

/// Where the set-up writes the older-opset cases (same layout as the node tests):
/// `$STRATA_ONNX_OPSET_CASES`, else `.cache/onnx-opset-cases` in the repository.
pub fn opset_cases_dir() -> PathBuf {
    std::env::var_os("STRATA_ONNX_OPSET_CASES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/onnx-opset-cases"))
}

/// Where the set-up writes the node tests: `$STRATA_ONNX_NODE_TESTS`, else
/// `.cache/onnx-node-tests` in the repository.
pub fn default_data_dir() -> PathBuf {
    std::env::var_os("STRATA_ONNX_NODE_TESTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/onnx-node-tests"))
}

/// One input or output of a case: a tensor, or a sequence of them.
enum Value {
    Tensor(Tensor),
    Sequence(Vec<Tensor>),
}

impl Value {
    /// The tensors a compiled function takes or returns for this value.
    fn flat(&self) -> &[Tensor] {
        match self {
            Value::Tensor(t) => std::slice::from_ref(t),
            Value::Sequence(items) => items,
        }
    }
}

/// Reads `<prefix>_0.pb`, `<prefix>_1.pb`, ... as tensors, or as sequences where `meta`
/// lists the file among its `sequences`.
fn read_numbered(
    dir: &Path,
    prefix: &str,
    meta: &serde_json::Value,
) -> Result<Vec<Value>, ImportError> {
    let sequences: Vec<&str> = meta["sequences"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str()).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    loop {
        let stem = format!("{prefix}_{}", out.len());
        let p = dir.join(format!("{stem}.pb"));
        if !p.exists() {
            return Ok(out);
        }
        out.push(if sequences.contains(&stem.as_str()) {
            Value::Sequence(strata_onnx::read_sequence_file(&p)?.1)
        } else {
            Value::Tensor(strata_onnx::read_tensor_file(&p)?.1)
        });
    }
}

/// Compares like `numpy.testing.assert_allclose(actual, expected, rtol, atol)` with
/// NaNs equal, and requires the same shape and element type.
pub fn compare(actual: &Tensor, expected: &Tensor, rtol: f64, atol: f64) -> Result<(), String> {
    if actual.elem() != expected.elem() || actual.dims() != expected.dims() {
        return Err(format!("got {}, expected {}", actual.ty(), expected.ty()));
    }
    if expected.elem().is_storage() {
        // Storage types compare code for code: nearby codes are different roundings.
        let (a, e) = (actual.to_le_bytes(), expected.to_le_bytes());
        if let Some(i) = (0..a.len()).find(|&i| a[i] != e[i]) {
            return Err(format!(
                "element {i}: got code {:#04x}, expected {:#04x}",
                a[i], e[i]
            ));
        }
        return Ok(());
    }
    if !expected.elem().is_float() {
        let (a, e) = (actual.to_i64s(), expected.to_i64s());
        if let Some(i) = (0..a.len()).find(|&i| a[i] != e[i]) {
            return Err(format!("element {i}: got {}, expected {}", a[i], e[i]));
        }
        return Ok(());
    }
    let (a, e) = (actual.to_f64s(), expected.to_f64s());
    let mut worst: Option<(usize, f64)> = None;
    for i in 0..a.len() {
        let ok = (a[i].is_nan() && e[i].is_nan())
            || a[i] == e[i]
            || (a[i] - e[i]).abs() <= atol + rtol * e[i].abs();
        if !ok {
            let d = (a[i] - e[i]).abs();
            if worst.is_none_or(|(_, w)| d > w || d.is_nan()) {
                worst = Some((i, d));
            }
        }
    }
    match worst {
        None => Ok(()),
        Some((i, d)) => Err(format!(
            "element {i}: got {}, expected {} (|diff| {d:e})",
            a[i], e[i]
        )),
    }
}

fn unsupported_or_failed(e: ImportError) -> Outcome {
    if e.is_unsupported() {
        Outcome::Unsupported(e.to_string())
    } else {
        Outcome::Failed(e.to_string())
    }
}

/// The phrase a pass uses for an op it has no lowering for.
pub const NOT_LOWERED: &str = "has no lowering to loops";

/// The phrase the CPU back end uses for an op it does not translate yet.
pub const NOT_TRANSLATED: &str = strata_llvm::NO_TRANSLATION;

/// Whether a compilation error says an op is not translated (by any back end).
fn not_translated(e: &str) -> bool {
    e.contains(NOT_TRANSLATED) || e.contains(strata_spirv::NO_TRANSLATION)
}

/// How the runner executes each model.
#[derive(Clone, Debug, Default)]
pub enum Mode {
    /// Import, then the graph interpreter.
    #[default]
    Interpret,
    /// Import, optimize with every e-graph rule for this target's cost model, then the
    /// interpreter.
    Optimized(strata_runtime::Target),
    /// Import, lower graph ops to kernel ops, fuse elementwise producers, then the
    /// interpreter (both dialects).
    Kernel,
    /// Import, set the target description, run a pass pipeline (`strata opt --pipeline`
    /// syntax), then the interpreter of whatever level it ends at. Cases whose ops have no
    /// lowering along the pipeline are reported unsupported, with the op named.
    Pipeline(String, strata_runtime::Target),
    /// As `Pipeline`, then the host program runs its kernels compiled by LLVM (JIT) for
    /// this machine. Kernels with an op the CPU back end does not translate yet are
    /// reported unsupported, naming the op.
    Compiled(String, strata_runtime::Target),
    /// Compile for this target into a module file, load it on the runtime's device of its
    /// kind and run it there: the deployment path. GPU shaders are checked with
    /// `spirv-val` on the way.
    Target(strata_runtime::Target),
}

/// Runs one case folder.
pub fn run_case(dir: &Path) -> CaseResult {
    run_case_in(dir, &Mode::Interpret)
}

/// Runs one case folder in `mode`.
pub fn run_case_in(dir: &Path, mode: &Mode) -> CaseResult {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let meta: serde_json::Value = std::fs::read_to_string(dir.join("meta.json"))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(serde_json::Value::Null);
    let op = meta["op"].as_str().unwrap_or("?").to_string();
    let outcome = if let Some(reason) = meta["skip"].as_str() {
        Outcome::Skipped(reason.to_string())
    } else {
        let rtol = meta["rtol"].as_f64().unwrap_or(1e-3);
        let atol = meta["atol"].as_f64().unwrap_or(1e-7);
        match std::panic::catch_unwind(|| run_case_inner(dir, &meta, rtol, atol, mode)) {
            Ok(o) => o,
            Err(p) => Outcome::Failed(format!("panicked: {}", panic_message(p.as_ref()))),
        }
    };
    CaseResult { name, op, outcome }
}

fn run_case_inner(
    dir: &Path,
    meta: &serde_json::Value,
    rtol: f64,
    atol: f64,
    mode: &Mode,
) -> Outcome {
    let data = dir.join("test_data_set_0");
    let inputs = match read_numbered(&data, "input", meta) {
        Ok(v) => v,
        Err(e) => return unsupported_or_failed(e),
    };
    let expected: Vec<Tensor> = match read_numbered(&data, "output", meta) {
        Ok(v) => v.iter().flat_map(|v| v.flat().iter().cloned()).collect(),
        Err(e) => return unsupported_or_failed(e),
    };
    let bytes = match std::fs::read(dir.join("model.onnx")) {
        Ok(b) => b,
        Err(e) => return Outcome::Failed(format!("cannot read model: {e}")),
    };
    let input_names: Vec<String> = match strata_onnx::proto::decode_model(&bytes) {
        Ok(m) => {
            let g = m.graph.unwrap_or_default();
            let inits: Vec<&str> = g.initializer.iter().map(|t| t.name.as_str()).collect();
            g.input
                .iter()
                .filter(|i| !inits.contains(&i.name.as_str()))
                .map(|i| i.name.clone())
                .collect()
        }
        Err(e) => return Outcome::Failed(format!("cannot decode model: {e}")),
    };
    let mut options = ImportOptions::default();
    let mut by_name: HashMap<&str, &Tensor> = HashMap::new();
    for (name, value) in input_names.iter().zip(&inputs) {
        match value {
            Value::Tensor(t) => {
                by_name.insert(name, t);
                // Symbolic dimensions take the test value's sizes.
                options.input_shapes.insert(name.clone(), t.dims().to_vec());
            }
            Value::Sequence(items) => {
                let shapes = items.iter().map(|t| t.dims().to_vec()).collect();
                options.sequence_inputs.insert(name.clone(), shapes);
            }
        }
    }
    // Specialize shape-deciding inputs to their test values, as many rounds as needed.
    let module = loop {
        match strata_onnx::import_model(&bytes, Some(dir), &options) {
            Ok(m) => break m,
            Err(ImportError::NotConstant { graph_inputs, .. })
                if !graph_inputs.is_empty()
                    && graph_inputs.iter().all(|g| {
                        by_name.contains_key(g.as_str()) && !options.constant_inputs.contains_key(g)
                    }) =>
            {
                for g in graph_inputs {
                    options
                        .constant_inputs
                        .insert(g.clone(), by_name[g.as_str()].clone());
                }
            }
            Err(e) => return unsupported_or_failed(e),
        }
    };
    let module = match mode {
        Mode::Interpret => module,
        Mode::Optimized(target) => {
            let options = strata_passes::egraph::OptimizeOptions::for_target(target);
            match strata_passes::egraph::optimize_module(&module, &options) {
                Ok((m, _)) => m,
                Err(e) => return Outcome::Failed(format!("optimization failed: {e}")),
            }
        }
        Mode::Kernel => match strata_passes::conversion::lower_graph_to_kernel(&module) {
            Ok(mut m) => match strata_passes::kernel::fuse_elementwise_producers(&mut m) {
                Ok(_) => m,
                Err(e) => return Outcome::Failed(format!("fusion failed: {e}")),
            },
            Err(e) => return Outcome::Failed(format!("lowering failed: {e}")),
        },
        Mode::Target(target) => {
            let options = crate::compile::CompileOptions::new(vec![target.clone()]);
            match crate::compile::lower_to_host(&module, target, &options) {
                Ok(m) => m,
                Err(e) if e.to_string().contains(NOT_LOWERED) => {
                    return Outcome::Unsupported(e.to_string())
                }
                Err(e) => return Outcome::Failed(format!("{e:#}")),
            }
        }
        Mode::Pipeline(text, target) | Mode::Compiled(text, target) => {
            match strata_passes::pipeline::run_pipeline(&module, text, Some(target), false) {
                Ok((m, _)) => m,
                Err(e) if e.to_string().contains(NOT_LOWERED) => {
                    return Outcome::Unsupported(e.to_string())
                }
                Err(e) => return Outcome::Failed(e.to_string()),
            }
        }
    };
    let args: Vec<Tensor> = input_names
        .iter()
        .zip(&inputs)
        .filter(|(n, _)| !options.constant_inputs.contains_key(*n))
        .flat_map(|(_, v)| v.flat().iter().cloned())
        .collect();
    let outputs = if let Mode::Target(target) = mode {
        // A bf16 systolic array's products are as exact as their inputs rounded to bf16;
        // an int8 array's are exact (compared as every other integer result).
        let bf16_array = target
            .as_systolic()
            .is_some_and(|s| s.input_type == strata_abi::ArrayInput::Bf16);
        let (rtol, atol) = if bf16_array && has_products(&module) {
            bf16_tolerance(rtol, atol, &expected)
        } else {
            (rtol, atol)
        };
        return match run_on_runtime(&module, target, &args) {
            Ok(outputs) => compare_all(&outputs, &expected, rtol, atol),
            Err(e) if not_translated(&e) => Outcome::Unsupported(e),
            Err(e) => Outcome::Failed(e),
        };
    } else if let Mode::Compiled(..) = mode {
        let ctx = inkwell::context::Context::create();
        let mut executor = match strata_llvm::JitExecutor::new(&ctx, &module) {
            Ok(e) => e,
            Err(e) if e.to_string().contains(NOT_TRANSLATED) => {
                return Outcome::Unsupported(e.to_string())
            }
            Err(e) => return Outcome::Failed(format!("LLVM compilation failed: {e}")),
        };
        let Some(f) = module.function("main") else {
            return Outcome::Failed("no function 'main'".into());
        };
        strata_ir::host::run_host_with(&module, f, &args, &mut executor)
    } else {
        interp::run(&module, "main", &args)
    };
    let outputs = match outputs {
        Ok(o) => o,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    compare_all(&outputs, &expected, rtol, atol)
}

/// The device cases of `kind` run on: a CPU device with one worker thread (the runner
/// already uses every core), or the one Vulkan device all cases share (opening one per
/// case would dominate the run).
fn device_for(kind: TargetKind) -> Result<std::sync::Arc<dyn strata_runtime::Device>, String> {
    static VULKAN: std::sync::OnceLock<Result<std::sync::Arc<dyn strata_runtime::Device>, String>> =
        std::sync::OnceLock::new();
    let runtime = strata_runtime::Runtime::new();
    match kind {
        TargetKind::Vulkan => VULKAN
            .get_or_init(|| runtime.device("vulkan").map_err(|e| e.to_string()))
            .clone(),
        TargetKind::Cpu => runtime.cpu(Some(1)).map_err(|e| e.to_string()),
        TargetKind::Systolic => runtime.device("systolic").map_err(|e| e.to_string()),
    }
}

/// Compiles a host program (lowered for its target) into a module file and runs it on
/// the runtime.
fn run_on_runtime(
    host: &strata_ir::Module,
    target: &strata_runtime::Target,
    args: &[Tensor],
) -> Result<Vec<Tensor>, String> {
    let options = crate::compile::CompileOptions {
        validate: true,
        ..crate::compile::CompileOptions::new(vec![target.clone()])
    };
    let file = crate::compile::package(&[host], &options).map_err(|e| format!("{e:#}"))?;
    // Through the bytes, as a file on disk would go.
    let bytes = file.to_bytes().map_err(|e| e.to_string())?;
    let device = device_for(target.kind())?;
    let module = strata_runtime::Module::from_bytes(&device, &bytes).map_err(|e| e.to_string())?;
    let f = module.function("main").map_err(|e| e.to_string())?;
    let inputs: Vec<_> = args.iter().map(crate::compile::to_runtime_tensor).collect();
    let outputs = f.call(&inputs).map_err(|e| e.to_string())?;
    outputs
        .iter()
        .map(|t| crate::compile::from_runtime_tensor(t).map_err(|e| e.to_string()))
        .collect()
}

/// Whether host program `m` has matrix products a systolic array takes.
fn has_products(m: &strata_ir::Module) -> bool {
    strata_ir::loops::kernels(m).is_ok_and(|ks| {
        ks.iter().any(|&(k, _)| {
            let mut nested = Vec::new();
            strata_ir::loops::nested_ops(m, k, &mut nested);
            nested
                .iter()
                .any(|&o| m.op(o).name == strata_ir::ops::LOOP_CONTRACT)
        })
    })
}

/// The tolerance for results that went through a bf16 systolic array: inputs rounded to
/// 8 significant bits (relative error up to 2^-9 each, 2^-8 a product) and summed in
/// f32. A sum's error is bounded by 2^-8 of the sum of its terms' magnitudes, which can
/// exceed the result itself where terms cancel: relative `2^-6`, and absolute `2^-6` of
/// the output's largest magnitude.
pub fn bf16_tolerance(rtol: f64, atol: f64, expected: &[Tensor]) -> (f64, f64) {
    let largest = expected
        .iter()
        .filter(|e| e.elem().is_float())
        .flat_map(|e| e.to_f64s())
        .filter(|x| x.is_finite())
        .fold(0.0f64, |m, x| m.max(x.abs()));
    (
        rtol.max(BF16_ARRAY_RTOL),
        atol.max(BF16_ARRAY_RTOL * largest),
    )
}

/// See [`bf16_tolerance`].
pub const BF16_ARRAY_RTOL: f64 = 1.0 / 64.0;

fn compare_all(outputs: &[Tensor], expected: &[Tensor], rtol: f64, atol: f64) -> Outcome {
    if outputs.len() != expected.len() {
        return Outcome::Failed(format!(
            "{} outputs, expected {}",
            outputs.len(),
            expected.len()
        ));
    }
    for (i, (a, e)) in outputs.iter().zip(expected).enumerate() {
        // The expected values of 16-bit float cases come from reference code computing in
        // wider precision; allow two units in the last place of the output type.
        let rtol = match e.elem() {
            strata_ir::ElementType::F16 => rtol.max(2.0 * 2f64.powi(-10)),
            strata_ir::ElementType::BF16 => rtol.max(2.0 * 2f64.powi(-7)),
            _ => rtol,
        };
        // An element that is a sum cancelling to (near) zero carries the rounding noise
        // of its terms, which are as large as the output's largest element: one unit in
        // the last place of that, in the output's type, is noise whichever side made it
        // (the DFT reference's float32 FFT leaves 2e-7 where the exact value is 0).
        let epsilon = match e.elem() {
            strata_ir::ElementType::F32 => f32::EPSILON as f64,
            strata_ir::ElementType::F64 => f64::EPSILON,
            _ => 0.0,
        };
        let largest = e
            .to_f64s()
            .into_iter()
            .filter(|x| x.is_finite())
            .fold(0.0f64, |m, x| m.max(x.abs()));
        let atol = atol.max(epsilon * largest);
        if let Err(msg) = compare(a, e, rtol, atol) {
            return Outcome::Failed(format!("output {i}: {msg}"));
        }
    }
    Outcome::Passed
}

/// Runs every case under `root` whose name contains `filter`, on all cores.
pub fn run_suite(root: &Path, filter: Option<&str>) -> std::io::Result<Report> {
    run_suite_in(root, filter, &Mode::Interpret)
}

/// [`run_suite`] in `mode`.
pub fn run_suite_in(root: &Path, filter: Option<&str>, mode: &Mode) -> std::io::Result<Report> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("model.onnx").exists())
        .filter(|p| {
            filter.is_none_or(|f| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().contains(f))
            })
        })
        .collect();
    dirs.sort();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut cases: Vec<CaseResult> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(d) = dirs.get(i) else { break };
                        mine.push(run_case_in(d, mode));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Report { cases })
}

/// The message a caught panic carries (`panic!` with a literal or a formatted string),
/// or an empty string.
pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}
