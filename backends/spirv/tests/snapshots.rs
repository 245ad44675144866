//! Snapshots of the SPIR-V this back end generates, as `spirv-dis` prints it, for the
//! kernels of `backends/snapshots/*.mlir` lowered for the Vulkan baseline GPU: a change in
//! translation shows up as a readable diff against `tests/snapshots/*.spvasm`. After an
//! intended change, `STRATA_BLESS=1 cargo test -p strata-spirv --test snapshots` rewrites
//! them.

use std::path::Path;

#[test]
fn spirv_matches_the_snapshots() {
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
        let pipeline = format!("target{{kind=vulkan}},{}", strata_passes::pipeline::FULL);
        let (host, _) = strata_passes::pipeline::run_pipeline(&m, &pipeline, None, false).unwrap();
        let shader = strata_spirv::translate(&host).unwrap();
        strata_spirv::validate(&shader.bytes()).unwrap();
        let text = strata_spirv::disassemble(&shader.bytes()).unwrap();
        let out = outputs
            .join(file.file_stem().unwrap())
            .with_extension("spvasm");
        if bless {
            std::fs::write(&out, &text).unwrap();
        } else if std::fs::read_to_string(&out).ok().as_deref() != Some(text.as_str()) {
            differ.push(format!("{}:\n{text}", out.display()));
        }
    }
    assert!(
        differ.is_empty(),
        "SPIR-V changed (STRATA_BLESS=1 to accept):\n{}",
        differ.join("\n")
    );
}
