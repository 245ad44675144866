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
    let a = write_npy(
        &dir,
        "a.npy",
        &Tensor::from_vec(vec![3], vec![1.0f32, -5.0, 2.0]).unwrap(),
    );
    let b = write_npy(
        &dir,
        "b.npy",
        &Tensor::from_vec(vec![3], vec![1.0f32, 1.0, 1.0]).unwrap(),
    );
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
    let good = write_npy(
        &dir,
        "good.npy",
        &Tensor::from_vec(vec![3], vec![0.0f32; 3]).unwrap(),
    );
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
        "egraph{target=systolic},lower-to-kernel,fuse",
        "--print-ir-after-all",
        "--timing",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    for pass in ["egraph{target=systolic}", "lower-to-kernel", "fuse"] {
        assert!(err.contains(&format!("// ----- IR after {pass}")), "{err}");
        assert!(err.contains(&format!(" ms  {pass}")), "{err}");
    }
    // The sum is also returned, so its kernel stays, and the Relu kernel recomputes the
    // add inline (reading both inputs) instead of reading the sum.
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(out.matches("\"kernel.generic\"").count(), 2, "{out}");
    assert_eq!(out.matches("\"kernel.add\"").count(), 2, "{out}");
    let o = strata(&["opt", m, "--pipeline", "egraph{target=cpu},lower"]);
    assert!(
        !o.status.success() && stderr(&o).contains("unknown pass 'lower'"),
        "{}",
        stderr(&o)
    );
}
