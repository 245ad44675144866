//! Helpers the model tests share (each test file is its own crate and takes what it uses).

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use strata::ir::{npy, Tensor};
use strata::runtime::Module;

/// A `.npy` file's tensor.
pub fn load(path: &Path) -> Tensor {
    npy::from_npy(&std::fs::read(path).unwrap()).unwrap()
}

/// The largest elementwise difference of two tensors of one type.
pub fn max_abs_diff(a: &Tensor, b: &Tensor) -> f64 {
    assert_eq!(a.ty(), b.ty());
    a.to_f64s()
        .iter()
        .zip(b.to_f64s())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Runs `strata` with `args`, returning (success, stderr).
pub fn strata(args: &[&std::ffi::OsStr]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A function of one op over f32 inputs of the given shapes, as graph IR text.
pub fn one_op(op: &str, attrs: &str, inputs: &[&str], output: &str) -> String {
    let args: Vec<String> = inputs
        .iter()
        .enumerate()
        .map(|(i, t)| format!("%a{i}: tensor<{t}xf32>"))
        .collect();
    let names: Vec<String> = (0..inputs.len()).map(|i| format!("%a{i}")).collect();
    let types: Vec<String> = inputs.iter().map(|t| format!("tensor<{t}xf32>")).collect();
    format!(
        r#""builtin.module"() ({{
  "func.func"() ({{
  ^bb0({args}):
    %y = "graph.{op}"({names}) {attrs} : ({types}) -> tensor<{output}xf32>
    "func.return"(%y) : (tensor<{output}xf32>) -> ()
  }}) {{function_type = ({types}) -> tensor<{output}xf32>, sym_name = "main"}} : () -> ()
}}) : () -> ()
"#,
        args = args.join(", "),
        names = names.join(", "),
        types = types.join(", "),
    )
}

/// The dimensions `[2, 3, 4]` as IR type text writes them: `2x3x4`.
pub fn dims_text(dims: &[usize]) -> String {
    dims.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("x")
}

/// `module`'s `main` called on `tensors` (f32, passed as the runtime's tensors): its first
/// output.
pub fn call_f32(module: &Module, tensors: &[Tensor]) -> Vec<f32> {
    let args: Vec<strata::runtime::Tensor> = tensors
        .iter()
        .map(|t| {
            let v: Vec<f32> = t.to_f64s().iter().map(|&x| x as f32).collect();
            strata::runtime::Tensor::from_slice(t.dims(), &v).unwrap()
        })
        .collect();
    module.function("main").unwrap().call(&args).unwrap()[0]
        .to_vec::<f32>()
        .unwrap()
}

/// The largest elementwise difference of `got` from the reference `want`.
pub fn max_diff_to(got: &[f32], want: &[f64]) -> f64 {
    got.iter()
        .zip(want)
        .map(|(&g, &w)| (g as f64 - w).abs())
        .fold(0.0, f64::max)
}
