//! The ONNX backend node tests through import and the reference interpreter.
//!
//! A custom harness (no libtest) so the per-op table is always printed. Fails when any
//! case of a claimed op fails, or when fewer cases pass than the floor below (a guard
//! against the data or the runner silently losing coverage).

use std::process::ExitCode;

/// The fewest passing cases accepted.
const MIN_PASSED: usize = 1150;

fn main() -> ExitCode {
    let dir = strata::conformance::default_data_dir();
    let report = match strata::conformance::run_suite(&dir, None) {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "cannot read the ONNX node tests in '{}': {e}; run scripts/setup.sh",
                dir.display()
            );
            return ExitCode::FAILURE;
        }
    };
    print!("{}", report.table());
    for c in &report.cases {
        if let strata::conformance::Outcome::Failed(why) = &c.outcome {
            println!("FAILED {} [{}]: {why}", c.name, c.op);
        }
    }
    println!("conformance: {}", report.summary());
    if report.failed() > 0 || report.passed() < MIN_PASSED {
        eprintln!(
            "conformance failed: {} failures, {} passed (at least {MIN_PASSED} required)",
            report.failed(),
            report.passed()
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
