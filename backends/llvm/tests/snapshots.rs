//! Snapshots of the LLVM IR this back end generates (before LLVM optimizes it) for the
//! kernels of `backends/snapshots/*.mlir`, lowered for a generic CPU with 256-bit vectors:
//! a change in translation shows up as a readable diff against `tests/snapshots/*.ll`.
//! After an intended change, `STRATA_BLESS=1 cargo test -p strata-llvm --test snapshots`
//! rewrites them.

use std::path::Path;

#[test]
fn llvm_ir_matches_the_snapshots() {
    let inputs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../snapshots");
    let outputs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let bless = std::env::var_os("STRATA_BLESS").is_some();
    let mut files: Vec<_> = std::fs::read_dir(&inputs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mlir"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 3,
        "no snapshot inputs in {}",
        inputs.display()
    );
    let mut differ = Vec::new();
    for file in files {
        let m = strata_ir::parse_module(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let pipeline = format!(
            "target{{kind=cpu,vector-bits=256,threads=2}},{}",
            strata_passes::pipeline::FULL
        );
        let (host, _) = strata_passes::pipeline::run_pipeline(&m, &pipeline, None, false).unwrap();
        let text = strata_llvm::translate_to_text(&host, "").unwrap();
        // The module header names this machine's triple nowhere; keep only functions.
        let text: String = text
            .lines()
            .skip_while(|l| !l.starts_with("define"))
            .map(|l| format!("{l}\n"))
            .collect();
        let out = outputs.join(file.file_stem().unwrap()).with_extension("ll");
        if bless {
            std::fs::write(&out, &text).unwrap();
        } else if std::fs::read_to_string(&out).ok().as_deref() != Some(text.as_str()) {
            differ.push(format!("{}:\n{text}", out.display()));
        }
    }
    assert!(
        differ.is_empty(),
        "LLVM IR changed (STRATA_BLESS=1 to accept):\n{}",
        differ.join("\n")
    );
}
