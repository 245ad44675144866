//! The ONNX backend node tests, and the project's older-opset cases, through import and
//! the reference interpreter, and down every level: optimized, lowered to kernels, and
//! through the whole pipeline to host programs and loop kernels (CPU and GPU parameters),
//! and compiled for the CPU, for Vulkan (lavapipe) and for systolic machines (the
//! simulated device) and run on the runtime.
//!
//! A custom harness (no libtest) so the per-op table is always printed. Fails when any
//! case of a claimed op fails (unoptimized, or optimized for any target), when fewer node tests pass than the floor below (a guard
//! against the data or the runner silently losing coverage), or when any older-opset case
//! does not pass (every op in them is claimed).

use std::path::Path;
use std::process::ExitCode;
use strata::compile::describe_target;
use strata::conformance::{run_suite_in, Mode, Outcome, Report};
use strata::passes::pipeline::FULL;
use strata::runtime::{Target, TargetKind};

/// Each kind's target as `strata compile` describes it on this machine.
fn target(kind: TargetKind) -> Target {
    describe_target(kind, &Default::default()).expect("this machine's targets describe")
}

/// The fewest passing node-test cases accepted.
const MIN_PASSED: usize = 1801;

fn run(title: &str, dir: &Path, mode: &Mode) -> Option<Report> {
    match run_suite_in(dir, None, mode) {
        Ok(r) if !r.cases.is_empty() => {
            println!("## {title}\n");
            print!("{}", r.table());
            for c in &r.cases {
                if !matches!(c.outcome, Outcome::Passed | Outcome::Skipped(_)) {
                    println!(
                        "{} {} [{}]: {:?}",
                        if matches!(c.outcome, Outcome::Failed(_)) {
                            "FAILED"
                        } else {
                            "unsupported"
                        },
                        c.name,
                        c.op,
                        c.outcome
                    );
                }
            }
            println!("{title}: {}\n", r.summary());
            Some(r)
        }
        Ok(_) | Err(_) => {
            eprintln!("no test cases in '{}': run scripts/setup.sh", dir.display());
            None
        }
    }
}

fn main() -> ExitCode {
    let Some(nodes) = run(
        "ONNX node tests",
        &strata::conformance::default_data_dir(),
        &Mode::Interpret,
    ) else {
        return ExitCode::FAILURE;
    };
    let Some(opsets) = run(
        "older-opset cases",
        &strata::conformance::opset_cases_dir(),
        &Mode::Interpret,
    ) else {
        return ExitCode::FAILURE;
    };
    let mut ok = true;
    // Every case must still pass after e-graph optimization, for every target's cost model.
    for kind in TargetKind::ALL {
        let title = format!("ONNX node tests optimized for {kind}");
        let Some(optimized) = run(
            &title,
            &strata::conformance::default_data_dir(),
            &Mode::Optimized(target(kind)),
        ) else {
            return ExitCode::FAILURE;
        };
        if optimized.failed() > 0 || optimized.passed() != nodes.passed() {
            eprintln!(
                "{title}: {} failures, {} passed (unoptimized: {})",
                optimized.failed(),
                optimized.passed(),
                nodes.passed()
            );
            ok = false;
        }
    }
    // And after lowering graph ops to the kernel dialect (kernel interpreter).
    let Some(lowered) = run(
        "ONNX node tests lowered to kernels",
        &strata::conformance::default_data_dir(),
        &Mode::Kernel,
    ) else {
        return ExitCode::FAILURE;
    };
    if lowered.failed() > 0 || lowered.passed() != nodes.passed() {
        eprintln!(
            "lowered to kernels: {} failures, {} passed (graph: {})",
            lowered.failed(),
            lowered.passed(),
            nodes.passed()
        );
        ok = false;
    }
    // And down the whole pipeline to host programs and loop kernels, for CPU and GPU
    // parameters: every case that passes in the graph interpreter passes there.
    for kind in [TargetKind::Cpu, TargetKind::Vulkan] {
        let title = format!("ONNX node tests through host+loop ({kind})");
        let Some(host) = run(
            &title,
            &strata::conformance::default_data_dir(),
            &Mode::Pipeline(FULL.into(), target(kind)),
        ) else {
            return ExitCode::FAILURE;
        };
        let mut not_lowered: std::collections::BTreeMap<String, usize> = Default::default();
        for c in &host.cases {
            if let Outcome::Unsupported(msg) = &c.outcome {
                // "...: 'graph.concat' has no lowering to loops ..."
                if let Some((before, _)) = msg.split_once(strata::conformance::NOT_LOWERED) {
                    let op = before.rsplit('\'').nth(1).unwrap_or("?");
                    *not_lowered.entry(op.to_string()).or_default() += 1;
                }
            }
        }
        if host.failed() > 0 || host.passed() != nodes.passed() || !not_lowered.is_empty() {
            eprintln!(
                "{title}: {} failures, {} passed (graph: {}); ops without a loop lowering: {not_lowered:?}",
                host.failed(),
                host.passed(),
                nodes.passed()
            );
            ok = false;
        }
    }
    // Compiled for the CPU into a module file and run on the runtime (the deployment
    // path): every case that passes in the graph interpreter passes there.
    let Some(compiled) = run(
        "ONNX node tests compiled for the CPU, run on the runtime",
        &strata::conformance::default_data_dir(),
        &Mode::Target(target(TargetKind::Cpu)),
    ) else {
        return ExitCode::FAILURE;
    };
    if compiled.failed() > 0 || compiled.passed() != nodes.passed() {
        eprintln!(
            "compiled for the CPU: {} failures, {} passed (graph: {})",
            compiled.failed(),
            compiled.passed(),
            nodes.passed()
        );
        ok = false;
    }
    // Compiled for Vulkan (every shader checked by spirv-val) and run on lavapipe: every
    // case that passes in the graph interpreter passes there too.
    let Some(gpu) = run(
        "ONNX node tests compiled for Vulkan, run on the runtime",
        &strata::conformance::default_data_dir(),
        &Mode::Target(target(TargetKind::Vulkan)),
    ) else {
        return ExitCode::FAILURE;
    };
    if gpu.failed() > 0 || gpu.passed() != nodes.passed() {
        eprintln!(
            "compiled for Vulkan: {} failures, {} passed (graph: {})",
            gpu.failed(),
            gpu.passed(),
            nodes.passed()
        );
        ok = false;
    }
    // Compiled for systolic machines and run on the simulated device (products on the
    // array in bf16, the rest on its vector unit): a weight-stationary 128x128 array and
    // an output-stationary 16x16 one. Every case that passes in the graph interpreter
    // passes there, within bf16's tolerance where the array multiplied.
    for preset in ["mxu-128", "edge-16"] {
        let machine = strata::runtime::SystolicTarget::preset(preset).expect("a preset");
        let title =
            format!("ONNX node tests compiled for systolic:{preset}, run on the simulated device");
        let Some(systolic) = run(
            &title,
            &strata::conformance::default_data_dir(),
            &Mode::Target(Target::Systolic(machine)),
        ) else {
            return ExitCode::FAILURE;
        };
        if systolic.failed() > 0 || systolic.passed() != nodes.passed() {
            eprintln!(
                "{title}: {} failures, {} passed (graph: {})",
                systolic.failed(),
                systolic.passed(),
                nodes.passed()
            );
            ok = false;
        }
    }
    let Some(opsets_host) = run(
        "older-opset cases through host+loop (cpu)",
        &strata::conformance::opset_cases_dir(),
        &Mode::Pipeline(FULL.into(), target(TargetKind::Cpu)),
    ) else {
        return ExitCode::FAILURE;
    };
    if opsets_host.passed() != opsets_host.cases.len() {
        eprintln!(
            "older-opset cases through host+loop: {} of {} passed",
            opsets_host.passed(),
            opsets_host.cases.len()
        );
        ok = false;
    }
    if nodes.failed() > 0 || nodes.passed() < MIN_PASSED {
        eprintln!(
            "node tests: {} failures, {} passed (at least {MIN_PASSED} required)",
            nodes.failed(),
            nodes.passed()
        );
        ok = false;
    }
    if opsets.passed() != opsets.cases.len() {
        eprintln!(
            "older-opset cases: {} of {} passed",
            opsets.passed(),
            opsets.cases.len()
        );
        ok = false;
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
