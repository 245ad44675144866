//! The C example (examples/c/run_model.c) built against the runtime's C API and run on the
//! project's MLP compiled into a module file: its outputs match onnxruntime's, and a
//! damaged module file is an error message, not a crash.

use std::path::{Path, PathBuf};
use std::process::Command;
use strata::ir::npy;

/// Where Cargo put `libstrata_runtime_c.so` (a dev-dependency of this crate): next to
/// this test binary in `target/<profile>/deps`, or in `target/<profile>` after a
/// `cargo build --workspace`.
fn library_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    let found = [deps, deps.parent().unwrap()]
        .into_iter()
        .find(|d| d.join("libstrata_runtime_c.so").exists())
        .unwrap_or_else(|| panic!("no libstrata_runtime_c.so near {}", deps.display()))
        .to_path_buf();
    found
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("strata-capi-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn build_example(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = library_dir();
    let exe = dir.join("run_model");
    let out = Command::new("cc")
        .arg(root.join("examples/c/run_model.c"))
        .arg("-Wall")
        .arg("-Werror")
        .arg("-I")
        .arg(root.join("runtime/capi/include"))
        .arg("-L")
        .arg(&lib)
        .arg("-lstrata_runtime_c")
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("cc runs");
    assert!(
        out.status.success(),
        "building the C example failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

#[test]
fn the_c_example_runs_the_mlp() {
    let dir = scratch("mlp");
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/models/mlp");
    assert!(model.exists(), "run scripts/setup.sh first");
    let graph = strata::load_model(&model.join("model.onnx"), &Default::default()).unwrap();
    let options = strata::compile::CompileOptions::host_cpu().unwrap();
    let file = strata::compile::compile(graph, &options).unwrap();
    let module_path = dir.join("mlp.strata");
    std::fs::write(&module_path, file.to_bytes().unwrap()).unwrap();
    let x = npy::from_npy(&std::fs::read(model.join("inputs/x.npy")).unwrap()).unwrap();
    let input = dir.join("x.bin");
    std::fs::write(&input, x.to_le_bytes()).unwrap();

    let exe = build_example(&dir);
    let out = Command::new(&exe)
        // The library found above, not an older one earlier on Cargo's LD_LIBRARY_PATH.
        .env("LD_LIBRARY_PATH", library_dir())
        .arg(&module_path)
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    for name in ["logits", "probs"] {
        assert_eq!(lines.next(), Some(format!("{name} f32 8x10").as_str()));
        let got: Vec<f64> = (0..80)
            .map(|_| lines.next().unwrap().parse().unwrap())
            .collect();
        let want =
            npy::from_npy(&std::fs::read(model.join(format!("expected/{name}.npy"))).unwrap())
                .unwrap()
                .to_f64s();
        let diff = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        println!("C API {name}: max abs diff vs onnxruntime {diff:.3e}");
        assert!(diff <= 1e-4, "{name}: {diff}");
    }

    // Runs the example expecting it to fail; returns its message.
    let failure = || {
        let out = Command::new(&exe)
            // The library found above, not an older one earlier on Cargo's LD_LIBRARY_PATH.
            .env("LD_LIBRARY_PATH", library_dir())
            .arg(&module_path)
            .arg(&input)
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };

    // A wrong input size is an error naming the input.
    std::fs::write(&input, [0u8; 8]).unwrap();
    let err = failure();
    assert!(
        err.contains("input 'x'") && err.contains("25088 bytes"),
        "{err}"
    );

    // One flipped byte: the checksum catches it.
    let mut bytes = std::fs::read(&module_path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&module_path, &bytes).unwrap();
    let err = failure();
    assert!(err.contains("checksum"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
