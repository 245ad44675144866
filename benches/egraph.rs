//! E-graph optimizer report for the project's models (scripts/models.py, written by the
//! set-up): e-graph size, time to saturate and extract (medians of several runs), and
//! estimated cost before and after, per target.
//!
//! `cargo bench --bench egraph` prints a Markdown table.

use strata::passes::egraph::{optimize_module, OptimizeOptions};
use strata::runtime::TargetKind;

const RUNS: usize = 5;

mod common;
use common::{load_model, median};

fn main() {
    println!("| model | target | ops | e-nodes | e-classes | iterations | stop | saturate (ms) | extract (ms) | cost before (us) | cost after (us) | ratio |");
    println!("|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|");
    for name in ["mlp", "resnet", "bert", "moe"] {
        let module = load_model(name);
        let ops = module
            .functions()
            .map(|f| module.block(f.entry_block(&module)).ops.len())
            .sum::<usize>();
        for kind in TargetKind::ALL {
            let target = strata::compile::describe_target(kind, &Default::default())
                .expect("this machine's targets describe");
            let options = OptimizeOptions::for_target(&target);
            let mut saturate = Vec::new();
            let mut extract = Vec::new();
            let mut last = None;
            for _ in 0..RUNS {
                let (_, stats) = optimize_module(&module, &options).expect("optimizes");
                saturate.push(stats[0].saturate_time);
                extract.push(stats[0].extract_time);
                last = Some(stats.into_iter().next().expect("one function"));
            }
            let s = last.expect("ran");
            println!(
                "| {name} | {} | {ops} | {} | {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.3} |",
                kind,
                s.enodes,
                s.eclasses,
                s.iterations,
                s.stop_reason,
                median(saturate).as_secs_f64() * 1e3,
                median(extract).as_secs_f64() * 1e3,
                s.cost_before * 1e6,
                s.cost_after * 1e6,
                s.cost_after / s.cost_before
            );
        }
    }
}
