//! The `strata` command line: each command's output, and errors that name the problem
//! and exit non-zero.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use strata::ir::{npy, Tensor};

fn strata(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .output()
        .unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("strata-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const MODULE: &str = r#""builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<3xf32>, %arg1: tensor<3xf32>):
    %0 = "graph.add"(%arg0, %arg1) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
    %1 = "graph.relu"(%0) : (tensor<3xf32>) -> tensor<3xf32>
    "func.return"(%1, %0) : (tensor<3xf32>, tensor<3xf32>) -> ()
  }) {arg_attrs = [{strata.name = "a"}, {strata.name = "b"}], function_type = (tensor<3xf32>, tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>), res_attrs = [{strata.name = "relu/out:0"}, {strata.name = "sum"}], sym_name = "main"} : () -> ()
}) : () -> ()
"#;

/// A scratch folder `name` with [`MODULE`] in it as `m.mlir`: the folder, that model's
/// path and the path of a module file to compile it into.
fn module_source(name: &str) -> (PathBuf, String, String) {
    let dir = scratch(name);
    let model = dir.join("m.mlir");
    std::fs::write(&model, MODULE).unwrap();
    let module = dir.join("m.strata");
    let path = |p: &Path| p.to_str().unwrap().to_string();
    (dir, path(&model), path(&module))
}

/// A 1-d f32 input `name` in `dir`; its path.
fn vector_input(dir: &Path, name: &str, values: &[f32]) -> String {
    write_npy(
        dir,
        name,
        &Tensor::from_vec(vec![values.len()], values.to_vec()).unwrap(),
    )
}

fn write_npy(dir: &Path, name: &str, t: &Tensor) -> String {
    let p = dir.join(name);
    std::fs::write(&p, npy::to_npy(t).unwrap()).unwrap();
    p.display().to_string()
}

#[test]
fn run_writes_one_npy_per_output_with_safe_names() {
    let dir = scratch("run");
    let model = dir.join("m.mlir");
    std::fs::write(&model, MODULE).unwrap();
    let a = vector_input(&dir, "a.npy", &[1.0, -5.0, 2.0]);
    let b = vector_input(&dir, "b.npy", &[1.0, 1.0, 1.0]);
    let out = dir.join("out");
    let o = strata(&[
        "run",
        model.to_str().unwrap(),
        "--input",
        &format!("a={a}"),
        "--input",
        &format!("b={b}"),
        "--output-dir",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let relu = npy::from_npy(&std::fs::read(out.join("relu_out_0.npy")).unwrap()).unwrap();
    assert_eq!(relu.as_slice::<f32>().unwrap(), &[2.0, 0.0, 3.0]);
    let sum = npy::from_npy(&std::fs::read(out.join("sum.npy")).unwrap()).unwrap();
    assert_eq!(sum.as_slice::<f32>().unwrap(), &[2.0, -4.0, 3.0]);
}

#[test]
fn run_rejects_wrong_and_missing_inputs() {
    let dir = scratch("bad-inputs");
    let model = dir.join("m.mlir");
    std::fs::write(&model, MODULE).unwrap();
    let m = model.to_str().unwrap();
    let good = vector_input(&dir, "good.npy", &[0.0; 3]);
    let wrong_dtype = write_npy(
        &dir,
        "i.npy",
        &Tensor::from_vec(vec![3], vec![1i32, 2, 3]).unwrap(),
    );
    let wrong_shape = write_npy(
        &dir,
        "s.npy",
        &Tensor::from_vec(vec![2], vec![0.0f32; 2]).unwrap(),
    );

    let o = strata(&["run", m, "--input", &format!("a={good}")]);
    assert!(
        !o.status.success() && stderr(&o).contains("missing inputs: b"),
        "{}",
        stderr(&o)
    );
    let o = strata(&[
        "run",
        m,
        "--input",
        &format!("a={good}"),
        "--input",
        &format!("b={wrong_dtype}"),
    ]);
    assert!(
        !o.status.success()
            && stderr(&o).contains("input 'b' must be tensor<3xf32>, got tensor<3xi32>"),
        "{}",
        stderr(&o)
    );
    let o = strata(&[
        "run",
        m,
        "--input",
        &format!("a={wrong_shape}"),
        "--input",
        &format!("b={good}"),
    ]);
    assert!(
        !o.status.success()
            && stderr(&o).contains("input 'a' must be tensor<3xf32>, got tensor<2xf32>"),
        "{}",
        stderr(&o)
    );
    let o = strata(&["run", m, "--input", &format!("zzz={good}")]);
    assert!(
        !o.status.success() && stderr(&o).contains("no input 'zzz'"),
        "{}",
        stderr(&o)
    );
    let garbage = dir.join("garbage.npy");
    std::fs::write(&garbage, b"not numpy").unwrap();
    let o = strata(&[
        "run",
        m,
        "--input",
        &format!("a={}", garbage.display()),
        "--input",
        &format!("b={good}"),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("bad magic"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn verify_reports_ok_and_errors_with_locations() {
    let dir = scratch("verify");
    let good = dir.join("good.mlir");
    std::fs::write(&good, MODULE).unwrap();
    let o = strata(&["verify", good.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("ok (1 functions, 3 ops)"));

    let bad = dir.join("bad.mlir");
    std::fs::write(
        &bad,
        MODULE.replace("\"graph.relu\"(%0)", "\"graph.reduce_sum\"(%0)"),
    )
    .unwrap();
    let o = strata(&["verify", bad.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("line 5:5: 'graph.reduce_sum': result #0 is declared tensor<3xf32> but the operands give tensor<1xf32>"), "{}", stderr(&o));

    let broken = dir.join("broken.mlir");
    std::fs::write(&broken, MODULE.replace("%arg1)", "%arg7)")).unwrap();
    let o = strata(&["verify", broken.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("broken.mlir:4:") && stderr(&o).contains("undefined value '%arg7'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn import_prints_or_writes_the_graph_ir() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/models/mlp/model.onnx");
    assert!(model.exists(), "run scripts/setup.sh first");
    let o = strata(&["import", model.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("\"graph.gemm\"") && text.contains("strata.name = \"probs\""));
    let out = scratch("import").join("mlp.mlir");
    let o = strata(&[
        "import",
        model.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
    let o = strata(&["import", "/nonexistent/model.onnx"]);
    assert!(!o.status.success() && stderr(&o).contains("cannot read '/nonexistent/model.onnx'"));
}

#[test]
fn opt_runs_pipelines_and_shows_ir_after_each_pass() {
    let dir = scratch("pipeline");
    let model = dir.join("m.mlir");
    std::fs::write(&model, MODULE).unwrap();
    let m = model.to_str().unwrap();
    let o = strata(&[
        "opt",
        m,
        "--pipeline",
        "egraph,lower-to-kernel,fuse",
        "--target",
        "systolic",
        "--print-ir-after-all",
        "--timing",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    for pass in ["egraph", "lower-to-kernel", "fuse"] {
        assert!(err.contains(&format!("// ----- IR after {pass}")), "{err}");
        assert!(err.contains(&format!(" ms  {pass}")), "{err}");
    }
    // The sum is also returned, so its kernel stays, and the Relu kernel recomputes the
    // add inline (reading both inputs) instead of reading the sum.
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(out.matches("\"kernel.generic\"").count(), 2, "{out}");
    assert_eq!(out.matches("\"kernel.add\"").count(), 2, "{out}");
    // The module says what it was optimized for.
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("strata.target = {") && out.contains("kind = \"systolic\""),
        "{out}"
    );
    let o = strata(&["opt", m, "--pipeline", "egraph,lower"]);
    assert!(
        !o.status.success() && stderr(&o).contains("unknown pass 'lower'"),
        "{}",
        stderr(&o)
    );
    // The target is named once, not per pass.
    let o = strata(&["opt", m, "--pipeline", "lower-to-kernel,tile{target=gpu}"]);
    assert!(
        !o.status.success() && stderr(&o).contains("the target is set once"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn compile_run_and_bench_module_files() {
    let (dir, m, s) = module_source("compile");
    let (m, s) = (m.as_str(), s.as_str());
    let out = strata(&["compile", m, "-o", s]);
    assert!(out.status.success(), "{}", stderr(&out));
    let a = Tensor::from_vec(vec![3], vec![1.0f32, -5.0, 2.0]).unwrap();
    let b = Tensor::from_vec(vec![3], vec![0.5f32, 1.0, -4.0]).unwrap();
    let a = format!("a={}", write_npy(&dir, "a.npy", &a));
    let b = format!("b={}", write_npy(&dir, "b.npy", &b));
    let results = dir.join("out");
    let r = results.to_str().unwrap();
    let out = strata(&[
        "run",
        s,
        "--input",
        &a,
        "--input",
        &b,
        "--output-dir",
        r,
        "--threads",
        "2",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let got = npy::from_npy(&std::fs::read(results.join("relu_out_0.npy")).unwrap()).unwrap();
    assert_eq!(got.to_f64s(), vec![1.5, 0.0, 0.0]);
    let sum = npy::from_npy(&std::fs::read(results.join("sum.npy")).unwrap()).unwrap();
    assert_eq!(sum.to_f64s(), vec![1.5, -4.0, -2.0]);

    // A missing input and a wrong one are errors naming them.
    let out = strata(&["run", s, "--input", &a]);
    assert!(!out.status.success() && stderr(&out).contains("missing input 'b'"));
    let wrong = format!(
        "b={}",
        write_npy(
            &dir,
            "w.npy",
            &Tensor::from_vec(vec![2], vec![1.0f32, 2.0]).unwrap()
        )
    );
    let out = strata(&["run", s, "--input", &a, "--input", &wrong]);
    assert!(
        !out.status.success() && stderr(&out).contains("input 'b'"),
        "{}",
        stderr(&out)
    );

    // bench: warm-up, then median/min/p90, as text or JSON.
    let out = strata(&["bench", s, "--iterations", "5", "--warmup", "1", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["runs"], 5);
    assert!(v["min_ms"].as_f64().unwrap() <= v["median_ms"].as_f64().unwrap());
    assert!(v["median_ms"].as_f64().unwrap() <= v["p90_ms"].as_f64().unwrap());
    let out = strata(&["bench", m, "--iterations", "3", "--threads", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("median") && text.contains("p90") && text.contains("compiled in"),
        "{text}"
    );

    // A damaged file, a file of another version: errors, not crashes.
    let mut bytes = std::fs::read(s).unwrap();
    let n = bytes.len();
    bytes[n - 1] ^= 0xff;
    std::fs::write(s, &bytes).unwrap();
    let out = strata(&["run", s, "--input", &a, "--input", &b]);
    assert!(
        !out.status.success() && stderr(&out).contains("digest mismatch"),
        "{}",
        stderr(&out)
    );
    bytes[n - 1] ^= 0xff;
    bytes[8] = 7;
    std::fs::write(s, &bytes).unwrap();
    let out = strata(&["run", s, "--input", &a, "--input", &b]);
    assert!(
        !out.status.success() && stderr(&out).contains("version 7"),
        "{}",
        stderr(&out)
    );

    // Cross-compiling: an aarch64 object (ELF machine 183); a module file would need its linker.
    let obj = dir.join("m.o");
    let out = strata(&[
        "compile",
        m,
        "--target-triple",
        "aarch64-unknown-linux-gnu",
        "--emit",
        "object",
        "-o",
        obj.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let elf = std::fs::read(&obj).unwrap();
    assert_eq!(&elf[..4], b"\x7fELF");
    assert_eq!(u16::from_le_bytes([elf[18], elf[19]]), 183);
    let out = strata(&[
        "compile",
        m,
        "--target-triple",
        "aarch64-unknown-linux-gnu",
        "-o",
        s,
    ]);
    assert!(
        !out.status.success() && stderr(&out).contains("--emit object"),
        "{}",
        stderr(&out)
    );
    let out = strata(&["compile", m, "--target", "tpu", "-o", s]);
    assert!(!out.status.success() && stderr(&out).contains("unknown target 'tpu'"));
    // A systolic machine has a code generator: its module file runs on the device.
    let out = strata(&["compile", m, "--target", "systolic", "-o", s]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = strata(&["inspect", s]);
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("SystolicProgram"),
        "{}",
        stderr(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The GPU path from the command line: `strata devices`, one module for the CPU and
/// Vulkan, `run`/`bench --device vulkan`, and errors for what cannot be done.
#[test]
fn devices_and_modules_for_vulkan() {
    let out = strata(&["devices"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("cpu") && text.contains("vulkan:0"), "{text}");

    let (dir, m, s) = module_source("vulkan");
    let (m, s) = (m.as_str(), s.as_str());
    let out = strata(&[
        "compile",
        m,
        "--target",
        "cpu,vulkan",
        "--validate",
        "-o",
        s,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let a = Tensor::from_vec(vec![3], vec![1.0f32, -5.0, 2.0]).unwrap();
    let b = Tensor::from_vec(vec![3], vec![0.5f32, 1.0, -4.0]).unwrap();
    let a = format!("a={}", write_npy(&dir, "a.npy", &a));
    let b = format!("b={}", write_npy(&dir, "b.npy", &b));
    for device in ["cpu", "vulkan", "vulkan:0"] {
        let results = dir.join(format!("out-{device}"));
        let r = results.to_str().unwrap();
        let out = strata(&[
            "run",
            s,
            "--device",
            device,
            "--input",
            &a,
            "--input",
            &b,
            "--output-dir",
            r,
        ]);
        assert!(out.status.success(), "{device}: {}", stderr(&out));
        let got = npy::from_npy(&std::fs::read(results.join("relu_out_0.npy")).unwrap()).unwrap();
        assert_eq!(got.to_f64s(), vec![1.5, 0.0, 0.0], "{device}");
        let sum = npy::from_npy(&std::fs::read(results.join("sum.npy")).unwrap()).unwrap();
        assert_eq!(sum.to_f64s(), vec![1.5, -4.0, -2.0], "{device}");
    }
    let out = strata(&[
        "bench",
        s,
        "--device",
        "vulkan",
        "--iterations",
        "3",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["runs"], 3);
    assert!(v["device"].as_str().unwrap().starts_with("vulkan:0"), "{v}");
    // Compiling first, for the device's kind.
    let out = strata(&["bench", m, "--device", "vulkan", "--iterations", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));

    // A module compiled for the CPU only cannot run on Vulkan: the error says what to do.
    let cpu_only = dir.join("cpu.strata");
    let out = strata(&["compile", m, "-o", cpu_only.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = strata(&[
        "run",
        cpu_only.to_str().unwrap(),
        "--device",
        "vulkan",
        "--input",
        &a,
        "--input",
        &b,
    ]);
    assert!(
        !out.status.success() && stderr(&out).contains("--target vulkan"),
        "{}",
        stderr(&out)
    );
    for (args, want) in [
        (
            vec!["compile", m, "--target", "tpu"],
            "unknown target 'tpu'",
        ),
        (
            vec!["compile", m, "--target", "vulkan", "--emit", "object"],
            "--target cpu",
        ),
        (vec!["compile", m, "--target", "cpu,cpu"], "listed twice"),
        (
            vec!["run", s, "--device", "npu", "--input", &a],
            "no device 'npu'",
        ),
        (
            vec!["bench", s, "--device", "vulkan:7"],
            "no Vulkan device 7",
        ),
    ] {
        let out = strata(&args);
        assert!(
            !out.status.success() && stderr(&out).contains(want),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

/// A module file records the CPU extensions its code was compiled for; the runtime refuses
/// to run it on a machine without one, naming it, instead of dying on an illegal
/// instruction.
#[test]
fn module_files_for_extensions_this_machine_lacks_are_refused() {
    let host = strata::abi::target::cpu_features::host();
    let lacking = strata::abi::target::cpu_features::checkable(std::env::consts::ARCH)
        .iter()
        .find(|f| !host.contains(f))
        .expect("this machine lacks a checkable extension");
    let (dir, m, s) = module_source("features");
    let (m, s) = (m.as_str(), s.as_str());
    let a = Tensor::from_vec(vec![3], vec![1.0f32, -5.0, 2.0]).unwrap();
    let b = Tensor::from_vec(vec![3], vec![0.5f32, 1.0, -4.0]).unwrap();
    let a = format!("a={}", write_npy(&dir, "a.npy", &a));
    let b = format!("b={}", write_npy(&dir, "b.npy", &b));
    let out_dir = dir.join("out");
    let o = out_dir.to_str().unwrap();

    // For this machine: the description lists what it has, and the module runs.
    let out = strata(&["compile", m, "-o", s, "--print-target"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let described = stderr(&out);
    for f in host.iter().take(5) {
        assert!(described.contains(&format!("\"{f}\"")), "{f}: {described}");
    }
    assert!(
        !described.contains(&format!("\"{lacking}\"")),
        "{described}"
    );
    let out = strata(&["run", s, "--input", &a, "--input", &b, "--output-dir", o]);
    assert!(out.status.success(), "{}", stderr(&out));

    // Compiled for an extension this machine lacks: refused at load, by name.
    let out = strata(&[
        "compile",
        m,
        "-o",
        s,
        "--cpu-features",
        &format!("+{lacking}"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest = strata::runtime::ModuleFile::from_bytes(&std::fs::read(s).unwrap())
        .unwrap()
        .manifest;
    let cpu = manifest.executables[0].target.as_cpu().unwrap().clone();
    assert!(
        cpu.features.iter().any(|f| f == lacking),
        "{:?}",
        cpu.features
    );
    let out = strata(&["run", s, "--input", &a, "--input", &b, "--output-dir", o]);
    let err = stderr(&out);
    assert!(
        !out.status.success() && err.contains("lacks") && err.contains(lacking),
        "{err}"
    );
    let out = strata(&["bench", s, "--iterations", "1"]);
    assert!(
        !out.status.success() && stderr(&out).contains(lacking),
        "{}",
        stderr(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// With `STRATA_KEEP_OBJECTS` set, the CPU device leaves the shared object it loaded in
/// that folder (for `perf report`), with the kernels' symbols in it; unset, nothing of it
/// is left behind.
#[test]
fn the_cpu_device_keeps_its_objects_for_profilers_when_asked() {
    let (dir, m, s) = module_source("keep");
    let (m, s) = (m.as_str(), s.as_str());
    let out = strata(&["compile", m, "-o", s]);
    assert!(out.status.success(), "{}", stderr(&out));
    let a = Tensor::from_vec(vec![3], vec![1.0f32, -5.0, 2.0]).unwrap();
    let a = format!("a={}", write_npy(&dir, "a.npy", &a));
    let b = a.replacen("a=", "b=", 1);
    let kept = dir.join("objects");
    std::fs::create_dir_all(&kept).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args([
            "bench",
            s,
            "--input",
            &a,
            "--input",
            &b,
            "--iterations",
            "2",
        ])
        .env("STRATA_KEEP_OBJECTS", &kept)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let objects: Vec<PathBuf> = std::fs::read_dir(&kept)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(objects.len(), 1, "{objects:?}");
    let bytes = std::fs::read(&objects[0]).unwrap();
    assert_eq!(&bytes[..4], b"\x7fELF");
    assert!(
        bytes.windows(7).any(|w| w == b"main_k0"),
        "no kernel symbol in {}",
        objects[0].display()
    );
    // Unset: the process's object (named by its pid) is gone once it has loaded it.
    let child = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args([
            "bench",
            s,
            "--input",
            &a,
            "--input",
            &b,
            "--iterations",
            "2",
        ])
        .env_remove("STRATA_KEEP_OBJECTS")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let prefix = format!("strata-{}-", child.id());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let left: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&prefix))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--target systolic:PRESET` and `systolic:FILE.toml` describe the machine the module is
/// compiled for; `strata devices` lists the presets; a bad machine is an error naming it.
#[test]
fn systolic_machines_from_presets_and_files() {
    let o = strata(&["devices"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for preset in ["systolic:mxu-128", "systolic:tpu-v1", "systolic:edge-16"] {
        assert!(out.contains(preset), "{out}");
    }
    let (dir, model, _) = module_source("systolic-machines");
    let opt = |spec: &str| {
        strata(&[
            "opt",
            &model,
            "--pipeline",
            "lower-to-kernel",
            "--target",
            spec,
        ])
    };
    let target_of = |spec: &str| {
        let o = opt(spec);
        assert!(o.status.success(), "{spec}: {}", stderr(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let edge = target_of("systolic:edge-16");
    assert!(
        edge.contains("dataflow = \"os\"") && edge.contains("rows = 16 : i64"),
        "{edge}"
    );
    let v1 = target_of("systolic:tpu-v1");
    assert!(
        v1.contains("input_type = \"int8\"") && v1.contains("cols = 256 : i64"),
        "{v1}"
    );
    let file = dir.join("machine.toml");
    std::fs::write(
        &file,
        "preset = \"mxu-128\"\nrows = 32\ncols = 32\ndataflow = \"os\"\n",
    )
    .unwrap();
    let custom = target_of(&format!("systolic:{}", file.display()));
    assert!(
        custom.contains("rows = 32 : i64")
            && custom.contains("dataflow = \"os\"")
            && custom.contains("input_type = \"bf16\""),
        "{custom}"
    );
    std::fs::write(&file, "preset = \"mxu-128\"\nrowz = 32\n").unwrap();
    let bad_file = format!("systolic:{}", file.display());
    for (spec, needle) in [
        ("systolic:tpu-v9", "unknown systolic preset 'tpu-v9'"),
        ("cpu:edge-16", "only a systolic target takes a machine"),
        ("systolic:/no/such/machine.toml", "cannot read machine file"),
        (bad_file.as_str(), "no field 'rowz'"),
    ] {
        let o = opt(spec);
        assert!(
            !o.status.success() && stderr(&o).contains(needle),
            "{spec}: {}",
            stderr(&o)
        );
    }
}

/// `strata compile --target cpu,systolic:edge-16` and `strata run --device systolic
/// --report`: the
/// simulated machine's results (exact here: additions run on the vector unit), a table per
/// kernel, `strata inspect` listing the kernels' phases, and errors for a report asked of
/// another device or a module without a systolic program.
#[test]
fn systolic_modules_run_and_report_on_the_simulated_device() {
    let (dir, model, module) = module_source("systolic-run");
    let o = strata(&[
        "compile",
        &model,
        "--target",
        "cpu,systolic:edge-16",
        "-o",
        &module,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let a = vector_input(&dir, "a.npy", &[1.0, -5.0, 2.0]);
    let b = vector_input(&dir, "b.npy", &[0.5, 1.0, -4.0]);
    let out = dir.join("out");
    let json = dir.join("report.json");
    let o = strata(&[
        "run",
        &module,
        "--device",
        "systolic",
        "-i",
        &format!("a={a}"),
        "-i",
        &format!("b={b}"),
        "--output-dir",
        out.to_str().unwrap(),
        "--report",
        "--report-json",
        json.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("16x16 bf16 output-stationary") && text.contains("bound"),
        "{text}"
    );
    let sum = npy::from_npy(&std::fs::read(out.join("sum.npy")).unwrap()).unwrap();
    assert_eq!(sum.to_f64s(), vec![1.5, -4.0, -2.0]);
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(r["total_cycles"].as_u64().unwrap() > 0, "{r}");
    assert!(
        r["kernels"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["bound"] == "vector" || k["bound"] == "memory"),
        "{r}"
    );
    let o = strata(&["inspect", &module]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("SystolicProgram") && text.contains(": vector ("),
        "{text}"
    );

    let cpu_module = dir.join("cpu.strata");
    let o = strata(&[
        "compile",
        &model,
        "--target",
        "cpu",
        "-o",
        cpu_module.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let inputs = [format!("a={a}"), format!("b={b}")];
    for (path, device, needle) in [
        (module.as_str(), "cpu", "use --device systolic"),
        (cpu_module.to_str().unwrap(), "systolic", "systolic"),
    ] {
        let o = strata(&[
            "run",
            path,
            "--device",
            device,
            "-i",
            &inputs[0],
            "-i",
            &inputs[1],
            "--output-dir",
            out.to_str().unwrap(),
            "--report",
        ]);
        assert!(
            !o.status.success() && stderr(&o).contains(needle),
            "{device}: {}",
            stderr(&o)
        );
    }
}

/// `strata keygen` makes a key pair (the secret readable by its owner only, never
/// overwritten); `compile --sign` signs; `run --trusted-key` runs the signed module and
/// refuses an unsigned one or one signed by another key; `inspect` names the signer.
#[test]
fn keygen_sign_and_trusted_keys() {
    let (dir, model, module) = module_source("signing");
    let prefix = |p: &str| dir.join(p).display().to_string();
    for k in ["mine", "theirs"] {
        let out = strata(&["keygen", "--out", &prefix(k)]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("mine.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = strata(&["keygen", "--out", &prefix("mine")]);
    assert!(!again.status.success() && stderr(&again).contains("never overwritten"));
    let unsigned = prefix("unsigned.strata");
    for (out, sign) in [(&module, Some("mine.key")), (&unsigned, None)] {
        let mut args = vec!["compile", &model, "-o", out];
        let key = sign.map(prefix);
        if let Some(k) = &key {
            args.extend(["--sign", k]);
        }
        let o = strata(&args);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let info = String::from_utf8_lossy(&strata(&["inspect", &module]).stdout).into_owned();
    assert!(info.contains("signed by key"), "{info}");
    let (a, b) = (
        vector_input(&dir, "a.npy", &[1., -2., 3.]),
        vector_input(&dir, "b.npy", &[1., 1., 1.]),
    );
    let run = |m: &str, key: &str| {
        let out_dir = prefix("out");
        strata(&[
            "run",
            m,
            "-i",
            &format!("a={a}"),
            "-i",
            &format!("b={b}"),
            "--output-dir",
            &out_dir,
            "--trusted-key",
            &prefix(key),
        ])
    };
    let ok = run(&module, "mine.pub");
    assert!(ok.status.success(), "{}", stderr(&ok));
    let other = run(&module, "theirs.pub");
    assert!(
        !other.status.success() && stderr(&other).contains("not trusted"),
        "{}",
        stderr(&other)
    );
    let plain = run(&unsigned, "mine.pub");
    assert!(
        !plain.status.success() && stderr(&plain).contains("unsigned"),
        "{}",
        stderr(&plain)
    );
    let wrong = run(&module, "mine.key");
    assert!(
        !wrong.status.success() && stderr(&wrong).contains("not a public key"),
        "{}",
        stderr(&wrong)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
