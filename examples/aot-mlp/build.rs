//! Compiles the project's MLP (written by scripts/setup.sh) into this crate: the kernels
//! become a static library, the weights and a typed entry point a generated Rust module.
//! The control-flow models (a run-time If, a Loop with a run-time trip count) are compiled
//! the same way, for `tests/control_flow.rs`.

use std::path::Path;

fn main() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/models");
    for name in ["mlp", "if_sample_rate", "loop_decode"] {
        let model = models.join(name).join("model.onnx");
        if !model.exists() {
            panic!(
                "{} is missing: run scripts/setup.sh, which writes the project's models",
                model.display()
            );
        }
        if let Err(e) = strata::aot::build_script(&model, name) {
            panic!("compiling {}: {e:#}", model.display());
        }
    }
}
