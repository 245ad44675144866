//! Compiles the project's MLP (written by scripts/setup.sh) into this crate: the kernels
//! become a static library, the weights and a typed entry point a generated Rust module.

use std::path::Path;

fn main() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/models/mlp/model.onnx");
    if !model.exists() {
        panic!(
            "{} is missing: run scripts/setup.sh, which writes the project's models",
            model.display()
        );
    }
    if let Err(e) = strata::aot::build_script(&model, "mlp") {
        panic!("compiling {}: {e:#}", model.display());
    }
}
