//! The AOT-compiled binary runs on the MLP's test input and matches onnxruntime's outputs,
//! and does not link LLVM.

use std::path::Path;
use std::process::Command;
use strata_ir::npy;

#[test]
fn the_aot_binary_matches_onnxruntime() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/models/mlp");
    let x = npy::from_npy(&std::fs::read(dir.join("inputs/x.npy")).unwrap()).unwrap();
    let input = std::env::temp_dir().join(format!("aot-mlp-{}.f32", std::process::id()));
    std::fs::write(&input, x.to_le_bytes()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_aot-mlp"))
        .arg(&input)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    for name in ["logits", "probs"] {
        assert_eq!(lines.next(), Some(name));
        let got: Vec<f64> = (0..8)
            .flat_map(|_| {
                lines
                    .next()
                    .unwrap()
                    .split(' ')
                    .map(|v| v.parse::<f64>().unwrap())
            })
            .collect();
        let want = npy::from_npy(&std::fs::read(dir.join(format!("expected/{name}.npy"))).unwrap())
            .unwrap()
            .to_f64s();
        assert_eq!(got.len(), want.len());
        let diff = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        println!("{name}: max abs diff vs onnxruntime {diff:.3e}");
        assert!(diff <= 1e-4, "{name}: {diff}");
    }
    // Nothing of the compiler at run time: no LLVM among the shared libraries.
    let ldd = Command::new("ldd")
        .arg(env!("CARGO_BIN_EXE_aot-mlp"))
        .output()
        .unwrap();
    let libs = String::from_utf8_lossy(&ldd.stdout);
    assert!(!libs.to_lowercase().contains("llvm"), "links LLVM:\n{libs}");
}

#[test]
fn wrong_input_files_are_errors() {
    let bad = std::env::temp_dir().join(format!("aot-mlp-bad-{}.f32", std::process::id()));
    std::fs::write(&bad, [0u8; 12]).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_aot-mlp"))
        .arg(&bad)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&bad);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("12 bytes"));
}
