//! Helpers the model tests share (each test file is its own crate and takes what it uses).

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use strata::ir::{npy, Tensor};

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
