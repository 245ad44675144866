//! Whole-pipeline report for the project's models (scripts/models.py, written by the
//! set-up): graph ops, kernels after fusion, dispatches, peak arena bytes against the sum
//! of all intermediates, and pipeline time (median of several runs, with the per-pass
//! split), for the CPU and GPU pipelines.
//!
//! `cargo bench --bench pipeline` prints a Markdown table.

use std::time::Duration;
use strata::ir::Attribute;
use strata::passes::pipeline::{parse_pipeline, run_pipeline, FULL};
use strata::runtime::TargetKind;

const RUNS: usize = 5;

mod common;
use common::{load_model, median};

fn main() {
    println!("| model | target | graph ops | kernels after fusion | dispatches | peak arena (KiB) | unplanned (KiB) | peak / unplanned | pipeline (ms) | slowest passes (ms) |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for name in ["mlp", "bert", "resnet", "moe"] {
        let module = load_model(name);
        let graph_ops: usize = module
            .functions()
            .map(|f| module.block(f.entry_block(&module)).ops.len() - 1)
            .sum();
        for kind in [TargetKind::Cpu, TargetKind::Vulkan] {
            let target = strata::compile::describe_target(kind, &Default::default())
                .expect("this machine's targets describe");
            let passes = parse_pipeline(FULL).expect("pipeline parses");
            let mut totals = Vec::new();
            let mut per_pass: Vec<Vec<Duration>> = vec![Vec::new(); passes.passes().len()];
            let mut last = None;
            for _ in 0..RUNS {
                let (out, report) =
                    run_pipeline(&module, FULL, Some(&target), false).expect("compiles");
                totals.push(report.timings.iter().map(|(_, t)| *t).sum());
                for (slot, (_, t)) in per_pass.iter_mut().zip(&report.timings) {
                    slot.push(*t);
                }
                last = Some(out);
            }
            // Kernels after fusion: run the pipeline up to `fuse` once more.
            let upto = FULL
                .split(",fuse,")
                .next()
                .expect("the pipeline fuses")
                .to_string()
                + ",fuse";
            let (fused, _) = run_pipeline(&module, &upto, Some(&target), false).expect("fuses");
            let count = |m: &strata::ir::Module, op: &str| -> usize {
                m.functions()
                    .map(|f| {
                        m.block(f.entry_block(m))
                            .ops
                            .iter()
                            .filter(|&&o| m.op(o).name == op)
                            .count()
                    })
                    .sum()
            };
            let kernels = count(&fused, "kernel.generic");
            let host = last.expect("ran");
            let dispatches = count(&host, "host.dispatch");
            let attr = |k: &str| -> i64 {
                host.functions()
                    .map(|f| match host.op(f.0).attrs.get(k) {
                        Some(Attribute::Int(v)) => *v,
                        _ => 0,
                    })
                    .sum()
            };
            let (peak, sum) = (attr("host.arena_bytes"), attr("host.unplanned_bytes"));
            let mut slowest: Vec<(String, Duration)> = passes
                .passes()
                .iter()
                .zip(per_pass)
                .map(|(p, v)| (p.spelling(), median(v)))
                .collect();
            slowest.sort_by_key(|s| std::cmp::Reverse(s.1));
            let slow: Vec<String> = slowest
                .iter()
                .take(3)
                .map(|(n, t)| format!("{n} {:.1}", t.as_secs_f64() * 1e3))
                .collect();
            println!(
                "| {name} | {kind} | {graph_ops} | {kernels} | {dispatches} | {:.0} | {:.0} | {:.3} | {:.1} | {} |",
                peak as f64 / 1024.0,
                sum as f64 / 1024.0,
                peak as f64 / sum.max(1) as f64,
                median(totals).as_secs_f64() * 1e3,
                slow.join(", ")
            );
        }
    }
}
