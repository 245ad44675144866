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

    // One flipped byte: the digest catches it.
    let mut bytes = std::fs::read(&module_path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&module_path, &bytes).unwrap();
    let err = failure();
    assert!(err.contains("digest mismatch"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `strata_module_load_trusted` (the example with STRATA_TRUSTED_KEYS): a module signed
/// by a listed key runs; an unsigned one, or one signed by an unlisted key, is refused
/// with STRATA_ERROR_UNTRUSTED (10) and a message naming why; a key list that is not
/// keys is an invalid argument (1).
#[test]
fn the_c_api_loads_only_signed_modules_where_keys_are_trusted() {
    use strata::runtime::SecretKey;
    let dir = scratch("signed");
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/models/mlp");
    let graph = strata::load_model(&model.join("model.onnx"), &Default::default()).unwrap();
    let options = strata::compile::CompileOptions::host_cpu().unwrap();
    let file = strata::compile::compile(graph, &options).unwrap();
    let (key, other) = (SecretKey::from_seed([3; 32]), SecretKey::from_seed([4; 32]));
    let (signed, unsigned) = (dir.join("signed.strata"), dir.join("unsigned.strata"));
    let mut bytes = Vec::new();
    file.write_signed(&mut bytes, &key).unwrap();
    std::fs::write(&signed, &bytes).unwrap();
    std::fs::write(&unsigned, file.to_bytes().unwrap()).unwrap();
    let x = npy::from_npy(&std::fs::read(model.join("inputs/x.npy")).unwrap()).unwrap();
    let input = dir.join("x.bin");
    std::fs::write(&input, x.to_le_bytes()).unwrap();
    let keys = dir.join("trusted.pub");
    let exe = build_example(&dir);
    let run = |module: &Path, trusted: &str| {
        std::fs::write(&keys, trusted).unwrap();
        let out = Command::new(&exe)
            .env("LD_LIBRARY_PATH", library_dir())
            .env("STRATA_TRUSTED_KEYS", &keys)
            .arg(module)
            .arg(&input)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let both = format!("{}{}", other.public().to_text(), key.public().to_text());
    let (ok, err) = run(&signed, &both);
    assert!(ok, "{err}");
    let (ok, err) = run(&signed, &other.public().to_text());
    assert!(
        !ok && err.contains("status 10") && err.contains("not trusted"),
        "{err}"
    );
    let (ok, err) = run(&unsigned, &key.public().to_text());
    assert!(
        !ok && err.contains("status 10") && err.contains("unsigned"),
        "{err}"
    );
    let (ok, err) = run(&signed, "not a key\n");
    assert!(
        !ok && err.contains("status 1") && err.contains("trusted_keys"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
