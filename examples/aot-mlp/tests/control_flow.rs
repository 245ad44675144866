//! The control-flow models compiled ahead of time: the If branches and the Loop iterates
//! in the generated Rust code, matching onnxruntime.

include!(concat!(env!("OUT_DIR"), "/if_sample_rate.rs"));
include!(concat!(env!("OUT_DIR"), "/loop_decode.rs"));

use std::path::Path;
use strata_ir::{npy, Tensor};

fn load(model: &str, file: &str) -> Tensor {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../.cache/models")
        .join(model)
        .join(file);
    npy::from_npy(&std::fs::read(&path).unwrap()).unwrap()
}

fn max_diff(got: &[f32], want: &Tensor) -> f64 {
    let want = want.to_f64s();
    assert_eq!(got.len(), want.len());
    got.iter()
        .zip(&want)
        .map(|(&a, b)| (a as f64 - b).abs())
        .fold(0.0, f64::max)
}

#[test]
fn a_run_time_if_compiled_ahead_of_time_takes_the_branch_its_input_chooses() {
    let x: [f32; 256] = load("if_sample_rate", "inputs/x.npy")
        .as_slice::<f32>()
        .unwrap()
        .try_into()
        .unwrap();
    let mut y16 = [0f32; 128];
    if_sample_rate::main(&x, &[16000], &mut y16).unwrap();
    let diff = max_diff(&y16, &load("if_sample_rate", "expected/y.npy"));
    println!("if_sample_rate at 16 kHz: max abs diff vs onnxruntime {diff:.3e}");
    assert!(diff <= 1e-5, "{diff}");
    // The else branch is a tanh: bounded by 1, and not the then branch's relu.
    let mut y8 = [0f32; 128];
    if_sample_rate::main(&x, &[8000], &mut y8).unwrap();
    assert!(y8.iter().all(|v| v.abs() <= 1.0) && y8.iter().any(|&v| v < 0.0));
    assert_ne!(y8, y16);
}

#[test]
fn a_loop_compiled_ahead_of_time_runs_its_input_trip_count() {
    let x: [f32; 16] = load("loop_decode", "inputs/x.npy")
        .as_slice::<f32>()
        .unwrap()
        .try_into()
        .unwrap();
    let (mut h, mut acc) = ([0f32; 16], [0f32; 16]);
    loop_decode::main(&x, &[5], &mut h, &mut acc).unwrap();
    for (name, got) in [("h_final", &h), ("acc_final", &acc)] {
        let diff = max_diff(got, &load("loop_decode", &format!("expected/{name}.npy")));
        println!("loop_decode/{name}, 5 steps: max abs diff vs onnxruntime {diff:.3e}");
        assert!(diff <= 1e-5 * 8.0, "{name}: {diff}");
    }
    loop_decode::main(&x, &[0], &mut h, &mut acc).unwrap();
    assert_eq!(
        (h, acc),
        (x, [0f32; 16]),
        "no iteration leaves the initial state"
    );
}
