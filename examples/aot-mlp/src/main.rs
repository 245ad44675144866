//! Runs the MLP compiled ahead of time by `build.rs`: no compiler, no LLVM and no model
//! file are needed at run time — the kernels are linked in and the weights embedded.
//!
//! Usage: `aot-mlp [input.f32]` where the file holds the 8×784 input as little-endian
//! f32 (default: a fixed pattern). Prints both outputs, one row per line.

include!(concat!(env!("OUT_DIR"), "/mlp.rs"));

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut x = [0f32; 8 * 784];
    match std::env::args().nth(1) {
        Some(path) => {
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("cannot read '{path}': {e}");
                    return ExitCode::FAILURE;
                }
            };
            if bytes.len() != x.len() * 4 {
                eprintln!(
                    "'{path}' has {} bytes; the input is 8x784 f32 ({} bytes)",
                    bytes.len(),
                    x.len() * 4
                );
                return ExitCode::FAILURE;
            }
            for (v, c) in x.iter_mut().zip(bytes.chunks_exact(4)) {
                *v = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            }
        }
        None => {
            for (i, v) in x.iter_mut().enumerate() {
                *v = ((i % 17) as f32 - 8.0) / 8.0;
            }
        }
    }
    let mut logits = [0f32; 80];
    let mut probs = [0f32; 80];
    if let Err(e) = mlp::main(&x, &mut logits, &mut probs) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    for (name, t) in [("logits", &logits), ("probs", &probs)] {
        println!("{name}");
        for row in t.chunks(10) {
            let cells: Vec<String> = row.iter().map(|v| format!("{v:.7e}")).collect();
            println!("{}", cells.join(" "));
        }
    }
    ExitCode::SUCCESS
}
