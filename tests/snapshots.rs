//! Snapshots of what each back end generates for the kernels of `tests/snapshots/*.mlir`:
//! the LLVM IR before LLVM optimizes it (for a generic CPU with 256-bit vectors) in
//! `tests/snapshots/llvm/*.ll`, and the SPIR-V as `spirv-dis` prints it (for the Vulkan
//! baseline GPU) in `tests/snapshots/spirv/*.spvasm`. A change in translation shows up as a
//! readable diff; after an intended change, `STRATA_BLESS=1 cargo test --test snapshots`
//! rewrites them.

use std::path::Path;
use strata::ir::Module;
use strata::passes::pipeline::{run_pipeline, FULL};

/// Lowers every input with `target` (a `target{..}` pass) and the full pipeline, renders
/// the host module with `render`, and compares with `tests/snapshots/<dir>/<name>.<ext>`.
fn check(target: &str, dir: &str, ext: &str, render: impl Fn(&Module) -> String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let bless = std::env::var_os("STRATA_BLESS").is_some();
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mlir"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "no snapshot inputs in {}", root.display());
    let mut differ = Vec::new();
    for file in files {
        let m = strata::ir::parse_module(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let (host, _) = run_pipeline(&m, &format!("{target},{FULL}"), None, false).unwrap();
        let text = render(&host);
        let out = root
            .join(dir)
            .join(file.file_stem().unwrap())
            .with_extension(ext);
        if bless {
            std::fs::write(&out, &text).unwrap();
        } else if std::fs::read_to_string(&out).ok().as_deref() != Some(text.as_str()) {
            differ.push(format!("{}:\n{text}", out.display()));
        }
    }
    assert!(
        differ.is_empty(),
        "{dir} output changed (STRATA_BLESS=1 to accept):\n{}",
        differ.join("\n")
    );
}

#[test]
fn llvm_ir_matches_the_snapshots() {
    check(
        "target{kind=cpu,vector-bits=256,threads=2}",
        "llvm",
        "ll",
        |host| {
            let text = strata_llvm::translate_to_text(host, "").unwrap();
            // The module header names this machine's triple; keep only the functions.
            text.lines()
                .skip_while(|l| !l.starts_with("define"))
                .map(|l| format!("{l}\n"))
                .collect()
        },
    );
}

#[test]
fn spirv_matches_the_snapshots() {
    check("target{kind=vulkan}", "spirv", "spvasm", |host| {
        let shader = strata_spirv::translate(host).unwrap();
        strata_spirv::validate(&shader.bytes()).unwrap();
        strata_spirv::disassemble(&shader.bytes()).unwrap()
    });
}
