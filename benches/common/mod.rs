//! Shared by the benches: medians and the project's models.

use std::time::Duration;

/// The median of `v` (upper median for even lengths).
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Imports model `name` from the set-up's cache, or exits with a hint.
pub fn load_model(name: &str) -> strata::ir::Module {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".cache/models")
        .join(name)
        .join("model.onnx");
    match strata::onnx::import_file(&path, &Default::default()) {
        Ok(m) => m,
        Err(e) => {
            eprintln!(
                "cannot import {}: {e} (run scripts/setup.sh)",
                path.display()
            );
            std::process::exit(1);
        }
    }
}
