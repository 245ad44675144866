//! Filetests: IR in, a pass, IR out. Each `tests/filetests/<pass>/*.mlir` holds the input,
//! a line `// ----- expected`, and the expected output of the pass named by its folder —
//! or, when its first line is `// RUN: <pipeline>`, of that pass pipeline
//! (`strata opt --pipeline` syntax; `tests/filetests/pipeline/` holds one per pass).
//! A change in a pass's behaviour shows up here as a readable diff. After an intended
//! change, `STRATA_BLESS=1 cargo test --test filetests` rewrites the expected parts.

use std::path::Path;
use strata::ir::{parse_module, print_module, verify_module, Module};

const SEPARATOR: &str = "// ----- expected\n";

fn run_pass(pass: &str, m: &Module) -> Result<Module, String> {
    match pass {
        "lower-to-kernel" => strata::passes::conversion::lower_graph_to_kernel(m),
        "lower-fuse" => {
            let mut lowered = strata::passes::conversion::lower_graph_to_kernel(m)?;
            strata::passes::kernel::fuse_elementwise_producers(&mut lowered)?;
            Ok(lowered)
        }
        "egraph-cpu" => {
            let mut cpu = strata::runtime::Target::generic(strata::runtime::TargetKind::Cpu);
            // The machine the expected output was chosen for: 256-bit vectors, two threads.
            cpu.set("vector-bits", "256").map_err(|e| e.to_string())?;
            cpu.set("threads", "2").map_err(|e| e.to_string())?;
            let options = strata::passes::egraph::OptimizeOptions::for_target(&cpu);
            strata::passes::egraph::optimize_module(m, &options).map(|(m, _)| m)
        }
        other => Err(format!("unknown pass '{other}'")),
    }
}

#[test]
fn filetests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/filetests");
    let bless = std::env::var_os("STRATA_BLESS").is_some();
    let mut failures = Vec::new();
    let mut count = 0;
    for pass_dir in std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
    {
        let pass = pass_dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<_> = std::fs::read_dir(&pass_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "mlir"))
            .collect();
        files.sort();
        for file in files {
            count += 1;
            let text = std::fs::read_to_string(&file).unwrap();
            let (input, expected) = text.split_once(SEPARATOR).unwrap_or((&text, ""));
            let module = parse_module(input).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            verify_module(&module).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let out = match input.strip_prefix("// RUN: ") {
                Some(rest) => {
                    let line = rest.lines().next().unwrap_or_default();
                    strata::passes::pipeline::run_pipeline(&module, line.trim(), None, false)
                        .map(|(m, _)| m)
                        .map_err(|e| e.to_string())
                }
                None => run_pass(&pass, &module),
            }
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let actual = print_module(&out);
            if bless {
                std::fs::write(&file, format!("{input}{SEPARATOR}{actual}")).unwrap();
            } else if actual != expected {
                failures.push(format!(
                    "{} ({pass}):\n--- expected\n{expected}\n--- actual\n{actual}",
                    file.display()
                ));
            }
        }
    }
    assert!(count > 0, "no filetests found");
    assert!(
        failures.is_empty(),
        "{} filetests differ (STRATA_BLESS=1 to accept):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
