//! Strata: a tensor compiler. This crate is the facade over the compiler's crates and
//! hosts the `strata` command-line tool.
//!
//! - [`abi`]: what compiler and runtime agree on: element types, the kernel ABI, target
//!   descriptions, the module file format.
//! - [`ir`]: the IR core, dialects, text format, verifier and reference interpreter.
//! - [`onnx`]: ONNX import.
//! - [`passes`]: the passes by level, the pass API and pipelines, and the rule soundness
//!   harness.
//! - [`aot`]: compile a model in `build.rs` into a statically linked, typed Rust module.
//! - [`compile`]: target descriptions for this machine, and models to module files (and
//!   objects) for them.
//! - [`runtime`]: the runtime that loads module files and runs them on devices.
//! - [`conformance`]: the ONNX backend node-test runner.
//! - [`load_model`]: load a `.onnx` or `.mlir` file into a verified module.

pub mod aot;
pub mod compile;
pub mod conformance;

pub use strata_abi as abi;
pub use strata_ir as ir;
pub use strata_onnx as onnx;
pub use strata_passes as passes;
pub use strata_runtime as runtime;

use std::path::Path;

/// Loads a model from an ONNX file (imported) or IR text (parsed), verified either way.
pub fn load_model(path: &Path, options: &onnx::ImportOptions) -> anyhow::Result<ir::Module> {
    let is_onnx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("onnx"));
    if is_onnx {
        return Ok(onnx::import_file(path, options)?);
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read '{}': {e}", path.display()))?;
    let module = ir::parse_module(&text).map_err(|e| anyhow::anyhow!("{}:{e}", path.display()))?;
    ir::verify_module(&module)?;
    Ok(module)
}

/// Makes a tensor name safe as a file name: characters outside `[A-Za-z0-9._-]` become `_`.
pub fn sanitize_file_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match s.as_str() {
        "" | "." | ".." => format!("_{s}"),
        _ => s,
    }
}
