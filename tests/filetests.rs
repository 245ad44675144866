//! Filetests: IR in, a pipeline, IR out. Each `tests/filetests/<pass>/*.mlir` begins with
//! `// RUN: <pipeline>` (`strata opt --pipeline` syntax) whose last pass is the folder's,
//! then holds the input, a line `// ----- expected`, and the expected output. Every
//! built-in pass has at least one. A change in a pass's behaviour shows up here as a
//! readable diff; after an intended change, `STRATA_BLESS=1 cargo test --test filetests`
//! rewrites the expected parts.

use std::path::Path;
use strata::ir::{parse_module, print_module, verify_module};

const SEPARATOR: &str = "// ----- expected\n";

#[test]
fn filetests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/filetests");
    let bless = std::env::var_os("STRATA_BLESS").is_some();
    let mut failures = Vec::new();
    let mut covered = std::collections::BTreeSet::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for pass_dir in dirs {
        let pass = pass_dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<_> = std::fs::read_dir(&pass_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "mlir"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let (input, expected) = text.split_once(SEPARATOR).unwrap_or((&text, ""));
            let run = input
                .strip_prefix("// RUN: ")
                .and_then(|r| r.lines().next())
                .unwrap_or_else(|| panic!("{}: no '// RUN: <pipeline>' line", file.display()))
                .trim();
            let pipeline = strata::passes::pipeline::parse_pipeline(run)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let spelled = pipeline
                .passes()
                .last()
                .map(|p| p.spelling())
                .unwrap_or_default();
            let last = spelled.split('{').next().unwrap_or_default();
            assert_eq!(
                last,
                pass,
                "{}: the pipeline must end in the folder's pass",
                file.display()
            );
            covered.insert(pass.clone());
            let module = parse_module(input).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            verify_module(&module).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let (out, _) = strata::passes::pipeline::run_pipeline(&module, run, None, false)
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
    let missing: Vec<&str> = strata::passes::pass::Registry::builtin()
        .passes()
        .iter()
        .map(|p| p.name)
        .filter(|p| !covered.contains(*p))
        .collect();
    assert!(missing.is_empty(), "passes without a filetest: {missing:?}");
    assert!(
        failures.is_empty(),
        "{} filetests differ (STRATA_BLESS=1 to accept):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
