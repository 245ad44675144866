//! The project's models (scripts/models.py, written by the set-up) through `strata run`,
//! compared with onnxruntime's outputs; and their IR through a text round trip and
//! MLIR's own parser.

use std::path::{Path, PathBuf};
use std::process::Command;
use strata::ir::{npy, parse_module, print_module, Tensor};

mod common;
use common::{load, max_abs_diff, strata};

fn models_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/models");
    assert!(
        dir.join("mlp/model.onnx").exists(),
        "no test models in {}: run scripts/setup.sh",
        dir.display()
    );
    dir
}

fn manifest(model: &Path) -> (Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(model.join("manifest.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let list = |k: &str| {
        v[k].as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    (list("inputs"), list("outputs"))
}

/// `strata run <model> [extra] --output-dir <out>` on the model's test inputs; returns
/// each output with onnxruntime's expected value.
fn strata_run(
    dir: &Path,
    model: &Path,
    extra: &[&str],
    out: &Path,
) -> Vec<(String, Tensor, Tensor)> {
    let (inputs, outputs) = manifest(dir);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
    cmd.arg("run")
        .arg(model)
        .args(extra)
        .arg("--output-dir")
        .arg(out);
    for i in &inputs {
        cmd.arg("--input").arg(format!(
            "{i}={}",
            dir.join("inputs").join(format!("{i}.npy")).display()
        ));
    }
    let status = cmd.output().unwrap();
    assert!(
        status.status.success(),
        "strata run {} failed: {}",
        model.display(),
        String::from_utf8_lossy(&status.stderr)
    );
    outputs
        .into_iter()
        .map(|o| {
            let expected = load(&dir.join("expected").join(format!("{o}.npy")));
            let actual = load(&out.join(format!("{}.npy", strata::sanitize_file_name(&o))));
            (o, actual, expected)
        })
        .collect()
}

fn check_model(name: &str) {
    let dir = models_dir().join(name);
    for (o, actual, expected) in strata_run(&dir, &dir.join("model.onnx"), &[], &tempdir(name)) {
        let diff = max_abs_diff(&actual, &expected);
        println!("{name}/{o}: max abs diff vs onnxruntime {diff:.3e}");
        assert!(diff <= 1e-4, "{name}/{o}: max abs diff {diff} > 1e-4");
    }
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("strata-test-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn mlp_matches_onnxruntime() {
    check_model("mlp");
}

#[test]
fn resnet_matches_onnxruntime() {
    check_model("resnet");
}

#[test]
fn bert_layer_matches_onnxruntime() {
    check_model("bert");
}

#[test]
fn moe_layer_matches_onnxruntime() {
    check_model("moe");
}

const MLIR_OPT: &str = "/usr/lib/llvm-22/bin/mlir-opt";

/// Runs MLIR's own parser and verifier (unknown dialects allowed) on our text.
fn assert_mlir_opt_accepts(name: &str, text: &str) {
    assert!(
        Path::new(MLIR_OPT).exists(),
        "{MLIR_OPT} is missing: run scripts/setup.sh (package mlir-22-tools)"
    );
    let file = tempdir(name).join(format!("{name}.mlir"));
    std::fs::write(&file, text).unwrap();
    let out = Command::new(MLIR_OPT)
        .arg("--allow-unregistered-dialect")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "mlir-opt rejected {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn imported_models_round_trip_and_parse_in_mlir_opt() {
    for name in ["mlp", "resnet", "bert", "moe"] {
        let module = strata::onnx::import_file(
            models_dir().join(name).join("model.onnx"),
            &Default::default(),
        )
        .unwrap();
        let text = print_module(&module);
        assert_eq!(
            print_module(&parse_module(&text).unwrap()),
            text,
            "{name}: print -> parse -> print changed the text"
        );
        assert_mlir_opt_accepts(name, &text);
    }
}

#[test]
fn mlir_opt_reads_every_attribute_kind_we_print() {
    // A function with attributes of every kind, NaNs and infinities, hex and literal
    // dense forms, escaped strings and names that need quoting.
    let text = r#""builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<2x3xf16>):
    %0 = "graph.constant"() {value = dense<[[0x7E00, 1.5, -0.0], [0xFC00, 65504.0, 6.0e-8]]> : tensor<2x3xf16>} : () -> tensor<2x3xf16>
    %1:2 = "test.many"(%arg0, %0) {"a b" = "quote\" backslash\\ newline\n", b = array<i64>, c = array<f32: 1.0, 0x7FC00000>, d = [1 : i64, true, bf16, tensor<0x3xui8>], e = {x = 2.5e-5 : f32}, f = dense<"0x0102030405060708090A0B0C0D0E0F1011"> : tensor<17xi8>, g = dense<[true, false]> : tensor<2xi1>, h = (tensor<f64>) -> (tensor<i1>, tensor<4xbf16>), i = [affine_map<(d0, d1, d2) -> (d0, d2 * 2 + d1 - 1, 0)>, affine_map<() -> ()>, affine_map<(d0) -> (d0 * -3 + 4)>]} : (tensor<2x3xf16>, tensor<2x3xf16>) -> (tensor<2x3xf16>, tensor<i64>) loc("node/with:odd chars")
    "func.return"(%1#0) : (tensor<2x3xf16>) -> ()
  }) {function_type = (tensor<2x3xf16>) -> tensor<2x3xf16>, sym_name = "main"} : () -> ()
}) : () -> ()
"#;
    let printed = print_module(&parse_module(text).unwrap());
    assert_eq!(print_module(&parse_module(&printed).unwrap()), printed);
    assert_mlir_opt_accepts("attrs", &printed);
}

/// The models optimized for every target still match onnxruntime through the interpreter.
#[test]
fn optimized_models_match_onnxruntime() {
    use strata::passes::egraph::{optimize_module, OptimizeOptions};
    use strata::runtime::TargetKind;
    for name in [
        "mlp",
        "moe",
        "bert",
        "resnet",
        "if_sample_rate",
        "loop_decode",
    ] {
        let dir = models_dir().join(name);
        let (inputs, outputs) = manifest(&dir);
        let module =
            strata::onnx::import_file(dir.join("model.onnx"), &Default::default()).unwrap();
        let args: Vec<Tensor> = inputs
            .iter()
            .map(|i| load(&dir.join("inputs").join(format!("{i}.npy"))))
            .collect();
        for kind in TargetKind::ALL {
            let target = strata::compile::describe_target(kind, &Default::default()).unwrap();
            let (optimized, stats) =
                optimize_module(&module, &OptimizeOptions::for_target(&target)).unwrap();
            // Control flow is opaque to the e-graph, not a reason to skip a function.
            for s in &stats {
                assert!(
                    s.notes.iter().all(|n| !n.contains("left unchanged")),
                    "{name}/{}: {:?}",
                    s.function,
                    s.notes
                );
            }
            assert!(
                stats[0].cost_after <= stats[0].cost_before * 1.0001,
                "{name}/{}: cost went up",
                kind
            );
            let got = strata::ir::interp::run(&optimized, "main", &args).unwrap();
            for (o, actual) in outputs.iter().zip(&got) {
                let expected = load(&dir.join("expected").join(format!("{o}.npy")));
                let diff = max_abs_diff(actual, &expected);
                println!("{name}/{o} optimized for {}: max abs diff {diff:.3e}", kind);
                assert!(
                    diff <= 1e-4,
                    "{name}/{o} optimized for {}: max abs diff {diff}",
                    kind
                );
            }
        }
    }
}

/// The MLP and MoE layer lowered to the kernel dialect and fused still match onnxruntime. (The
/// kernel interpreter evaluates scalar bodies one point at a time: the larger models are
/// checked through the node tests instead.)
#[test]
fn models_lowered_to_kernels_match_onnxruntime() {
    for name in ["mlp", "moe"] {
        let dir = models_dir().join(name);
        let (inputs, outputs) = manifest(&dir);
        let module =
            strata::onnx::import_file(dir.join("model.onnx"), &Default::default()).unwrap();
        let mut lowered = strata::passes::conversion::lower_graph_to_kernel(&module).unwrap();
        let fused = strata::passes::kernel::fuse_elementwise_producers(&mut lowered).unwrap();
        assert!(fused > 0, "{name}: nothing fused");
        let text = print_module(&lowered);
        assert!(
            text.contains("\"kernel.generic\""),
            "{name}: nothing was lowered"
        );
        assert_eq!(
            print_module(&parse_module(&text).unwrap()),
            text,
            "{name}: kernel IR does not round-trip"
        );
        let args: Vec<Tensor> = inputs
            .iter()
            .map(|i| load(&dir.join("inputs").join(format!("{i}.npy"))))
            .collect();
        let got = strata::ir::interp::run(&lowered, "main", &args).unwrap();
        for (o, actual) in outputs.iter().zip(&got) {
            let expected = load(&dir.join("expected").join(format!("{o}.npy")));
            let diff = max_abs_diff(actual, &expected);
            println!("{name}/{o} lowered to kernels: max abs diff {diff:.3e}");
            assert!(diff <= 1e-4, "{name}/{o} lowered: max abs diff {diff}");
        }
    }
}

/// The MLP, the MoE layer and the control-flow models through the whole pipeline for CPU
/// and GPU parameters — host program, loop kernels, planned arena — still match onnxruntime, and the host module
/// round-trips through text and `mlir-opt`. (BERT and ResNet take minutes in the loop
/// interpreter; their figures come from `cargo bench --bench pipeline`.)
#[test]
fn models_through_host_and_loops_match_onnxruntime() {
    for name in ["mlp", "moe", "if_sample_rate", "loop_decode"] {
        let dir = models_dir().join(name);
        let (inputs, outputs) = manifest(&dir);
        let module =
            strata::onnx::import_file(dir.join("model.onnx"), &Default::default()).unwrap();
        let args: Vec<Tensor> = inputs
            .iter()
            .map(|i| load(&dir.join("inputs").join(format!("{i}.npy"))))
            .collect();
        for target in ["cpu", "gpu"] {
            let description = strata::compile::describe_target(
                strata::runtime::TargetKind::from_name(target).unwrap(),
                &Default::default(),
            )
            .unwrap();
            let (host, _) = strata::passes::pipeline::run_pipeline(
                &module,
                strata::passes::pipeline::FULL,
                Some(&description),
                false,
            )
            .unwrap_or_else(|e| panic!("{name} ({target}): {e}"));
            let text = print_module(&host);
            assert!(text.contains("\"host.dispatch\"") && text.contains("\"loop.kernel\""));
            assert_eq!(
                print_module(&parse_module(&text).unwrap()),
                text,
                "{name}: host IR does not round-trip"
            );
            if target == "cpu" {
                assert_mlir_opt_accepts(&format!("{name}-host"), &text);
            }
            let got = strata::ir::interp::run(&host, "main", &args).unwrap();
            // And with the kernels compiled by LLVM for this CPU.
            let ctx = inkwell::context::Context::create();
            let mut jit = strata_llvm::JitExecutor::new(&ctx, &host)
                .unwrap_or_else(|e| panic!("{name} ({target}): {e}"));
            let f = host.function("main").unwrap();
            let compiled = strata::ir::host::run_host_with(&host, f, &args, &mut jit).unwrap();
            for ((o, actual), native) in outputs.iter().zip(&got).zip(&compiled) {
                let expected = load(&dir.join("expected").join(format!("{o}.npy")));
                let diff = max_abs_diff(actual, &expected);
                println!("{name}/{o} through host+loop ({target}): max abs diff {diff:.3e}");
                assert!(diff <= 1e-4, "{name}/{o} host+loop: max abs diff {diff}");
                let diff = max_abs_diff(native, &expected);
                println!("{name}/{o} compiled by LLVM ({target}): max abs diff {diff:.3e}");
                assert!(diff <= 1e-4, "{name}/{o} compiled: max abs diff {diff}");
            }
        }
    }
}

/// The model `name` compiled with `strata compile --target <targets> [extra]` into a
/// scratch folder tagged `tag`: the model's folder, the scratch folder, the module file.
fn compile_model(
    name: &str,
    targets: &str,
    extra: &[&str],
    tag: &str,
) -> (PathBuf, PathBuf, PathBuf) {
    let dir = models_dir().join(name);
    let work = tempdir(&format!("{name}-{tag}"));
    let module = work.join(format!("{name}.strata"));
    let out = Command::new(env!("CARGO_BIN_EXE_strata"))
        .arg("compile")
        .arg(dir.join("model.onnx"))
        .args(["--target", targets])
        .args(extra)
        .arg("-o")
        .arg(&module)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}: strata compile failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, work, module)
}

/// The largest magnitude of `t`, at least 1: the scale a difference is measured against.
fn scale_of(t: &Tensor) -> f64 {
    t.to_f64s()
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(1.0)
}

/// Every model compiled for the CPU and for Vulkan with `strata compile --target cpu,vulkan`
/// into one module file (every shader checked by spirv-val), and run with `strata run` on
/// the CPU device (1 and 2 threads) and on the Vulkan device (lavapipe in CI), matches
/// onnxruntime. The bound, 1e-4 of the output's scale, holds both: f32 sums in another
/// order (tiles, vector lanes) move results by a few ulp of the partial sums, and the GPU's
/// exp/log/tanh are within a few ulp (Vulkan's precision rules); the measured differences
/// are printed and stay one to two orders of magnitude below it.
#[test]
fn models_compiled_for_cpu_and_vulkan_match_onnxruntime() {
    for name in ["mlp", "moe", "bert", "resnet"] {
        let (dir, work, module) = compile_model(name, "cpu,vulkan", &["--validate"], "compiled");
        for (device, threads) in [("cpu", "1"), ("cpu", "2"), ("vulkan", "1")] {
            let results = work.join(format!("out-{device}-{threads}"));
            let args = ["--device", device, "--threads", threads];
            for (o, actual, expected) in strata_run(&dir, &module, &args, &results) {
                let diff = max_abs_diff(&actual, &expected);
                let scale = scale_of(&expected);
                println!("{name}/{o} compiled, on {device} ({threads} thread(s)): max abs diff {diff:.3e} (scale {scale:.2})");
                assert!(
                    diff <= 1e-4 * scale,
                    "{name}/{o} compiled, on {device} ({threads} threads): max abs diff {diff}"
                );
            }
        }
    }
}

/// Every model compiled for all three targets in one module file (`--target
/// cpu,vulkan,systolic`) and run on the simulated systolic machine (`mxu-128`, the
/// default) matches onnxruntime within bf16's precision: the array rounds its inputs to
/// bf16 (8 significant bits) and sums in f32, so a product is good to about 2^-8 of
/// its terms' magnitudes; the bound is 2^-6 of the output's scale, and the measured
/// differences are printed (0.1–0.6% of it). The run's report (`--report-json`) counts
/// every kernel, and for the MLP exactly its products' multiply-accumulates.
#[test]
fn models_compiled_for_every_target_run_on_the_systolic_device() {
    for name in ["mlp", "moe", "bert", "resnet"] {
        let (dir, work, module) = compile_model(name, "cpu,vulkan,systolic", &[], "systolic");
        let report = work.join("report.json");
        let timeline = work.join("timeline.svg");
        let args = [
            "--device",
            "systolic",
            "--report-json",
            report.to_str().unwrap(),
            "--timeline",
            timeline.to_str().unwrap(),
        ];
        for (o, actual, expected) in strata_run(&dir, &module, &args, &work.join("out")) {
            let diff = max_abs_diff(&actual, &expected);
            let scale = scale_of(&expected);
            println!("{name}/{o} on systolic:mxu-128: max abs diff {diff:.3e} (scale {scale:.2}, {:.2}%)", 100.0 * diff / scale);
            assert!(
                diff <= scale / 64.0,
                "{name}/{o} on the systolic device: max abs diff {diff}"
            );
        }
        let r: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        let total = r["total_cycles"].as_u64().unwrap();
        let kernels = r["kernels"].as_array().unwrap();
        assert!(!kernels.is_empty(), "{name}: no kernels reported");
        let mut sum = r["copy_cycles"].as_u64().unwrap();
        let mut macs = 0;
        for k in kernels {
            for field in [
                "name",
                "cycles",
                "compute_cycles",
                "macs",
                "array_utilization",
                "dram_bytes",
                "bound",
            ] {
                assert!(
                    !k[field].is_null(),
                    "{name}: a kernel without '{field}': {k}"
                );
            }
            for cause in ["dma", "weights", "dependency", "vector"] {
                assert!(
                    k["stall_cycles"][cause].is_u64(),
                    "{name}: no {cause} stalls: {k}"
                );
            }
            let u = k["array_utilization"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&u), "{name}: utilization {u}");
            assert!(k["compute_cycles"].as_u64() <= k["cycles"].as_u64());
            sum += k["cycles"].as_u64().unwrap();
            macs += k["macs"].as_u64().unwrap();
        }
        assert_eq!(sum, total, "{name}: kernels' cycles add up to the run's");
        if name == "mlp" {
            // x[8x784] · 784x512, · 512x256, · 256x10.
            assert_eq!(macs, 8 * (784 * 512 + 512 * 256 + 256 * 10));
        }
        let svg = std::fs::read_to_string(&timeline).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains(">array<") && svg.contains(">vector<"));
        println!(
            "{name} on systolic:mxu-128: {total} cycles, array utilization {:.1}%",
            100.0 * r["array_utilization"].as_f64().unwrap()
        );
    }
}

/// Compiles model `name` for `targets` and runs it on each `(device, bound)`, holding
/// every output within `bound` times its scale of onnxruntime's; prints the differences.
fn check_on_devices(name: &str, targets: &str, tag: &str, devices: &[(&str, f64)]) {
    let (dir, work, module) = compile_model(name, targets, &[], tag);
    for &(device, bound) in devices {
        let out = work.join(format!("out-{device}"));
        for (o, actual, expected) in strata_run(&dir, &module, &["--device", device], &out) {
            let diff = max_abs_diff(&actual, &expected);
            let scale = scale_of(&expected);
            println!("{name}/{o} on {device}: max abs diff {diff:.3e} (scale {scale:.2})");
            assert!(
                diff <= bound * scale,
                "{name}/{o} on {device}: max abs diff {diff}"
            );
        }
    }
}

/// Models quantized by onnxruntime's own tools (`quantize_dynamic`: DynamicQuantizeLinear,
/// MatMulInteger and ConvInteger; `quantize_static` in QDQ format: QuantizeLinear/DequantizeLinear
/// around float ops) compiled for every target and run on the CPU, Vulkan and the int8
/// systolic machine (`tpu-v1`) match onnxruntime. The integer parts are exact wherever
/// they run (i32 sums of 8-bit products; ONNX's rounding and saturation), so the bound
/// is 1e-5 of the output's scale, for the float arithmetic after them (the MLP's softmax,
/// the CNN's dequantized float ops in another order); measured: 0 on the logits of the
/// MLP and the QDQ CNN, 6e-8 on the MLP's probabilities, 1.4e-6 (of 7.6) on the dynamic
/// CNN's logits.
#[test]
fn quantized_models_match_onnxruntime_on_every_device() {
    let devices = [("cpu", 1e-5), ("vulkan", 1e-5), ("systolic", 1e-5)];
    for name in ["mlp_int8_dynamic", "cnn_int8_dynamic", "cnn_int8_qdq"] {
        check_on_devices(name, "cpu,vulkan,systolic:tpu-v1", "int8", &devices);
    }
}

/// Model `name` compiled for the int8 systolic machine and run on it: its outputs (name,
/// actual, onnxruntime's) and the run's JSON report.
fn run_on_int8_array(name: &str) -> (Vec<(String, Tensor, Tensor)>, serde_json::Value) {
    let (dir, work, module) = compile_model(name, "systolic:tpu-v1", &[], "int8-array");
    let report = work.join("report.json");
    let args = [
        "--device",
        "systolic",
        "--report-json",
        report.to_str().unwrap(),
    ];
    let outputs = strata_run(&dir, &module, &args, &work.join("out"));
    let r = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    (outputs, r)
}

/// On the int8 systolic machine (`tpu-v1`) a dynamically quantized MLP's integer
/// products run on the array, not the vector unit: the report counts exactly the three
/// MatMulIntegers' multiply-accumulates (8-bit activations and weights, i32 sums), and
/// the logits equal onnxruntime's bit for bit. (The zero points are subtracted after the
/// product, as rank-1 terms, so its factors stay 8-bit.)
#[test]
fn quantized_products_run_on_the_int8_array() {
    let (outputs, r) = run_on_int8_array("mlp_int8_dynamic");
    for (o, actual, expected) in outputs {
        let diff = max_abs_diff(&actual, &expected);
        println!("mlp_int8_dynamic/{o} on systolic:tpu-v1: max abs diff {diff:.3e}");
        // The probabilities add a softmax on the vector unit (its exp is not onnxruntime's).
        let bound = if o == "logits" {
            0.0
        } else {
            1e-5 * scale_of(&expected)
        };
        assert!(diff <= bound, "mlp_int8_dynamic/{o}: max abs diff {diff}");
    }
    let kernels = r["kernels"].as_array().unwrap();
    let macs: u64 = kernels.iter().map(|k| k["macs"].as_u64().unwrap()).sum();
    // x[8x784] · 784x512, · 512x256, · 256x10.
    assert_eq!(macs, 8 * (784 * 512 + 512 * 256 + 256 * 10));
    let on_array = kernels
        .iter()
        .filter(|k| k["compute_cycles"].as_u64().unwrap() > 0)
        .count();
    assert_eq!(
        on_array, 3,
        "one array kernel per MatMulInteger: {kernels:?}"
    );
    println!(
        "mlp_int8_dynamic on systolic:tpu-v1: {} cycles, array utilization {:.2}%",
        r["total_cycles"],
        100.0 * r["array_utilization"].as_f64().unwrap()
    );
}

/// On the int8 systolic machine a dynamically quantized CNN's convolutions run on the
/// array: ConvInteger's input zero point is computed (DynamicQuantizeLinear) and its
/// uint8 weights have zero points, so each convolution is the product of the 8-bit
/// values (the input padded with its zero point) plus the window sums the weights' zero
/// point multiplies, both on the array; the zero points' other terms fold or run on the
/// vector unit. The report counts exactly those multiply-accumulates and the Gemm's.
#[test]
fn quantized_convolutions_run_on_the_int8_array() {
    let (outputs, r) = run_on_int8_array("cnn_int8_dynamic");
    for (o, actual, expected) in outputs {
        let diff = max_abs_diff(&actual, &expected);
        println!("cnn_int8_dynamic/{o} on systolic:tpu-v1: max abs diff {diff:.3e}");
        // The integer sums are exact; the scales' float products round as onnxruntime's.
        assert!(
            diff <= 1e-5 * scale_of(&expected),
            "cnn_int8_dynamic/{o}: max abs diff {diff}"
        );
    }
    let kernels = r["kernels"].as_array().unwrap();
    let macs: u64 = kernels.iter().map(|k| k["macs"].as_u64().unwrap()).sum();
    // 3x3 convolutions (input channels, output channels, output pixels), each with one
    // more output channel for its window sums, then the 32x10 Gemm.
    let convs = [
        (3, 16, 32 * 32),
        (16, 16, 16 * 16),
        (16, 16, 16 * 16),
        (16, 32, 8 * 8),
    ];
    let want: u64 = convs
        .iter()
        .map(|&(c, m, px)| (m + 1) * c * 9 * px)
        .sum::<u64>()
        + 32 * 10;
    assert_eq!(macs, want);
    let array_calls: u64 = kernels
        .iter()
        .filter(|k| k["compute_cycles"].as_u64().unwrap() > 0)
        .map(|k| k["calls"].as_u64().unwrap())
        .sum();
    assert_eq!(
        array_calls, 9,
        "two array kernels per ConvInteger, one for the Gemm: {kernels:?}"
    );
    println!(
        "cnn_int8_dynamic on systolic:tpu-v1: {} cycles",
        r["total_cycles"]
    );
}

/// Recurrent models (two stacked bidirectional LSTMs with peepholes, clip, ragged
/// sequence lengths and initial states; a bidirectional GRU with linear_before_reset
/// under a reverse LeakyRelu RNN) compiled for every target match onnxruntime: within
/// 1e-4 of the output's scale on the CPU and Vulkan (measured: 1e-7 to 5e-7), within
/// bf16's 2^-6 on the systolic machine (measured: 1e-3 to 6e-3).
#[test]
fn recurrent_models_match_onnxruntime_on_every_device() {
    let devices = [("cpu", 1e-4), ("vulkan", 1e-4), ("systolic", 1.0 / 64.0)];
    for name in ["lstm_stack", "gru_encoder"] {
        check_on_devices(name, "cpu,vulkan,systolic", "recurrent", &devices);
    }
}

/// An If on an input scalar (a sample rate), both ways. Bound with `--input-value`, the
/// branch folds at import: the compiled model (CPU and Vulkan) takes only the features.
/// Left unbound, the If runs at run time (the host program branches on the device's
/// condition): compiled for every target it takes the rate too. Both match onnxruntime for
/// 16 kHz (then-branch) and the reference interpreter for 8 kHz (else-branch); within 1e-5
/// on the CPU and Vulkan, within bf16's 2^-6 of the scale on the systolic machine.
#[test]
fn if_on_an_input_folds_when_bound_and_branches_at_run_time_otherwise() {
    let dir = models_dir().join("if_sample_rate");
    let work = tempdir("if-sample-rate");
    let model = dir.join("model.onnx");
    let x = dir.join("inputs").join("x.npy");
    let low = work.join("rate8k.npy");
    std::fs::write(&low, npy::to_npy(&Tensor::scalar(8000i64)).unwrap()).unwrap();
    let unbound = work.join("unbound.strata");
    let (ok, err) = strata(&[
        "compile".as_ref(),
        model.as_os_str(),
        "--target".as_ref(),
        "cpu,vulkan,systolic".as_ref(),
        "-o".as_ref(),
        unbound.as_os_str(),
    ]);
    assert!(ok, "an If on an unbound input did not compile: {err}");
    // `strata run MODEL EXTRA... -i x=... --output-dir OUT`
    let run_on_x = |model: &Path, extra: &[&str], out: &Path| {
        let input = format!("x={}", x.display());
        let mut args: Vec<&std::ffi::OsStr> = vec!["run".as_ref(), model.as_os_str()];
        args.extend(extra.iter().map(std::ffi::OsStr::new));
        args.extend([
            "-i".as_ref(),
            input.as_ref(),
            "--output-dir".as_ref(),
            out.as_os_str(),
        ]);
        strata(&args)
    };
    for (rate, tag) in [
        (dir.join("inputs").join("sample_rate.npy"), "16k"),
        (low, "8k"),
    ] {
        let module = work.join(format!("{tag}.strata"));
        let bind = format!("sample_rate={}", rate.display());
        let (ok, err) = strata(&[
            "compile".as_ref(),
            model.as_os_str(),
            "--target".as_ref(),
            "cpu,vulkan".as_ref(),
            "--input-value".as_ref(),
            bind.as_ref(),
            "-o".as_ref(),
            module.as_os_str(),
        ]);
        assert!(ok, "compile with sample_rate bound ({tag}) failed: {err}");
        let expected = if tag == "16k" {
            load(&dir.join("expected").join("y.npy"))
        } else {
            let out = work.join("reference");
            let (ok, err) = run_on_x(&model, &["--input-value", &bind], &out);
            assert!(ok, "the interpreter run failed: {err}");
            load(&out.join("y.npy"))
        };
        let runs = [
            (&module, "cpu", vec![], 1e-5),
            (&module, "vulkan", vec![], 1e-5),
            (&unbound, "cpu", vec!["-i", &bind], 1e-5),
            (&unbound, "vulkan", vec!["-i", &bind], 1e-5),
            (&unbound, "systolic", vec!["-i", &bind], 1.0 / 64.0),
        ];
        for (m, device, extra, bound) in runs {
            let how = if m == &unbound { "run-time" } else { "folded" };
            let out = work.join(format!("{tag}-{device}-{how}"));
            let mut args = vec!["--device", device];
            args.extend(extra);
            let (ok, err) = run_on_x(m, &args, &out);
            assert!(ok, "{how} If at {tag} on {device} failed: {err}");
            let diff = max_abs_diff(&load(&out.join("y.npy")), &expected);
            println!("if_sample_rate ({how}) at {tag} on {device}: max abs diff {diff:.3e}");
            assert!(
                diff <= bound * scale_of(&expected),
                "{how} at {tag} on {device}: max abs diff {diff}"
            );
        }
    }
}

/// A Loop whose trip count is an input (a decoder stepping a tanh state, reading an
/// outer-scope input and the iteration number) compiled for every target: 5 steps match
/// onnxruntime (within 1e-5 of the scale on the CPU and Vulkan, bf16's 2^-6 on the
/// systolic machine); 0 steps return the initial state exactly; 3 steps match the
/// reference interpreter.
#[test]
fn a_loop_with_a_run_time_trip_count_matches_onnxruntime() {
    let devices = [("cpu", 1e-5), ("vulkan", 1e-5), ("systolic", 1.0 / 64.0)];
    check_on_devices("loop_decode", "cpu,vulkan,systolic", "control", &devices);
    let (dir, work, module) = compile_model("loop_decode", "cpu,vulkan", &[], "steps");
    let x = dir.join("inputs").join("x.npy");
    for steps in [0i64, 3] {
        let path = work.join(format!("steps{steps}.npy"));
        std::fs::write(&path, npy::to_npy(&Tensor::scalar(steps)).unwrap()).unwrap();
        let run = |model: &Path, extra: &[&str], out: &Path| {
            let (xi, si) = (
                format!("x={}", x.display()),
                format!("steps={}", path.display()),
            );
            let mut args: Vec<&std::ffi::OsStr> = vec!["run".as_ref(), model.as_os_str()];
            args.extend(extra.iter().map(std::ffi::OsStr::new));
            for i in [&xi, &si] {
                args.extend([std::ffi::OsStr::new("-i"), std::ffi::OsStr::new(i)]);
            }
            args.extend(["--output-dir".as_ref(), out.as_os_str()]);
            let (ok, err) = strata(&args);
            assert!(ok, "{steps} steps: {err}");
        };
        let reference = work.join(format!("reference-{steps}"));
        run(&dir.join("model.onnx"), &[], &reference);
        for device in ["cpu", "vulkan"] {
            let out = work.join(format!("{steps}-{device}"));
            run(&module, &["--device", device], &out);
            for o in ["h_final", "acc_final"] {
                let got = load(&out.join(format!("{o}.npy")));
                let expected = load(&reference.join(format!("{o}.npy")));
                let diff = max_abs_diff(&got, &expected);
                println!("loop_decode/{o}, {steps} steps on {device}: max abs diff {diff:.3e}");
                if steps == 0 {
                    let initial = if o == "h_final" {
                        load(&x)
                    } else {
                        Tensor::zeros(&expected.ty())
                    };
                    assert_eq!(
                        got, initial,
                        "{o}: no iteration must leave the initial state"
                    );
                }
                assert!(
                    diff <= 1e-5 * scale_of(&expected),
                    "{o}, {steps} steps on {device}: {diff}"
                );
            }
        }
    }
}

/// Sequences as exporters write per-head loops (SplitToSequence, a Loop over
/// SequenceLength with SequenceAt and SequenceInsert, SequenceErase, SequenceConstruct,
/// ConcatFromSequence concatenating and stacking) resolve at import into slices, per-head
/// MatMuls and concats: compiled for every target they match onnxruntime within 1e-5 of
/// the scale on the CPU and Vulkan, bf16's 2^-6 on the systolic machine.
#[test]
fn sequences_resolved_at_import_match_onnxruntime() {
    let devices = [("cpu", 1e-5), ("vulkan", 1e-5), ("systolic", 1.0 / 64.0)];
    check_on_devices("seq_heads", "cpu,vulkan,systolic", "sequences", &devices);
}

/// A sequence input compiles at the length `--sequence-input` gives: its elements are the
/// module's inputs `NAME[i]` and a sequence output's elements its outputs `NAME[i]`
/// (ONNX's `SequenceInsert` node test: [1..4], [5..7], [8, 9] and a tensor at the back).
#[test]
fn sequence_inputs_compile_at_the_length_given() {
    let case = strata::conformance::default_data_dir().join("test_sequence_insert_at_back");
    let work = std::env::temp_dir().join(format!("strata-seq-input-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let module = work.join("insert.strata");
    let model = case.join("model.onnx");
    let (ok, err) = strata(&[
        "compile".as_ref(),
        model.as_os_str(),
        "--sequence-input".as_ref(),
        "sequence=4,3,2".as_ref(),
        "-o".as_ref(),
        module.as_os_str(),
    ]);
    assert!(ok, "{err}");
    let parts: [&[i64]; 4] = [&[1, 2, 3, 4], &[5, 6, 7], &[8, 9], &[10, 11, 12]];
    let names = ["sequence[0]", "sequence[1]", "sequence[2]", "tensor"];
    let mut args: Vec<std::ffi::OsString> = vec!["run".into(), module.clone().into()];
    for (name, v) in names.iter().zip(parts) {
        let path = work.join(format!("{name}.npy"));
        let t = Tensor::from_vec(vec![v.len()], v.to_vec()).unwrap();
        std::fs::write(&path, npy::to_npy(&t).unwrap()).unwrap();
        args.push("-i".into());
        args.push(format!("{name}={}", path.display()).into());
    }
    let out = work.join("out");
    args.extend(["--output-dir".into(), out.clone().into_os_string()]);
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    let (ok, err) = strata(&refs);
    assert!(ok, "{err}");
    for (i, v) in parts.iter().enumerate() {
        // Output files get safe names: `output_sequence[0]` is written to `output_sequence_0_.npy`.
        let got = load(&out.join(format!("output_sequence_{i}_.npy")));
        assert_eq!(got.to_i64s(), *v, "element {i}");
    }
    assert!(!out.join("output_sequence_4_.npy").exists());
    let (ok, err) = strata(&[
        "compile".as_ref(),
        model.as_os_str(),
        "-o".as_ref(),
        module.as_os_str(),
    ]);
    assert!(!ok && err.contains("is a sequence"), "{err}");
}
