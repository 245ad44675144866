//! Graph optimization by equality saturation.
//!
//! A function goes into an e-graph ([`convert`]), named rewrite rules ([`rules`]) saturate
//! it under node, iteration and time limits with a backoff scheduler that keeps explosive
//! rules in check, and the cheapest equivalent program for a target's cost model
//! ([`cost`]) is extracted counting shared subexpressions once ([`extract`]). A function
//! the e-graph cannot represent is returned unchanged with a note in its stats.

pub mod analysis;
pub mod convert;
pub mod cost;
pub mod extract;
pub mod lang;
pub mod rules;

use analysis::{operands_and_attrs, GraphAnalysis, GraphEGraph};
use egg::{Id, Runner, StopReason};
use lang::{split_op_name, GraphNode};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use strata_ir::Module;

pub use cost::CostModel;
pub use rules::{all_rules, Rule};

/// Limits and target of one optimization.
#[derive(Clone, Debug)]
pub struct OptimizeOptions {
    /// The cost model extraction minimizes.
    pub cost: CostModel,
    pub node_limit: usize,
    pub iter_limit: usize,
    pub time_limit: Duration,
}

impl OptimizeOptions {
    /// The default limits, with the cost model of `target`.
    pub fn for_target(target: &strata_ir::target::Target) -> Self {
        OptimizeOptions {
            cost: CostModel::for_target(target),
            node_limit: 50_000,
            iter_limit: 30,
            time_limit: Duration::from_secs(10),
        }
    }
}

/// What one function's optimization did.
#[derive(Clone, Debug, Default)]
pub struct OptimizeStats {
    pub function: String,
    pub enodes: usize,
    pub eclasses: usize,
    pub iterations: usize,
    /// Why saturation stopped: `saturated`, or the limit that was hit.
    pub stop_reason: String,
    pub saturate_time: Duration,
    pub extract_time: Duration,
    /// Estimated run time on the target before and after, seconds.
    pub cost_before: f64,
    pub cost_after: f64,
    /// Times each rule fired.
    pub rules_fired: BTreeMap<String, usize>,
    pub notes: Vec<String>,
}

impl std::fmt::Display for OptimizeStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "function @{}:", self.function)?;
        writeln!(
            f,
            "  e-graph: {} e-nodes, {} e-classes after {} iterations ({})",
            self.enodes, self.eclasses, self.iterations, self.stop_reason
        )?;
        writeln!(
            f,
            "  time: saturate {:.1} ms, extract {:.1} ms",
            self.saturate_time.as_secs_f64() * 1e3,
            self.extract_time.as_secs_f64() * 1e3
        )?;
        writeln!(
            f,
            "  estimated cost: {:.3} us -> {:.3} us",
            self.cost_before * 1e6,
            self.cost_after * 1e6
        )?;
        for (rule, n) in &self.rules_fired {
            writeln!(f, "  fired {n:>5} x {rule}")?;
        }
        for n in &self.notes {
            writeln!(f, "  note: {n}")?;
        }
        Ok(())
    }
}

/// The cost of one e-node under `target`: op nodes by the cost model (infinite when the
/// node does not type-check), everything else free.
pub fn node_cost(target: &CostModel, egraph: &GraphEGraph, class: Id, node: &GraphNode) -> f64 {
    let GraphNode::Op(sym, children) = node else {
        return cost::FREE;
    };
    let (op, results) = split_op_name(sym.as_str());
    let (operands, attrs) = operands_and_attrs(egraph, children);
    let inputs: Option<Vec<_>> = operands
        .iter()
        .map(|&c| egraph[c].data.ty().cloned())
        .collect();
    let Some(inputs) = inputs else {
        return f64::INFINITY;
    };
    let attr_map = attrs
        .as_ref()
        .map(|a| a.attrs().clone())
        .unwrap_or_default();
    match analysis::infer_types(op, &inputs, &attr_map, results) {
        Ok(outputs) if outputs.as_slice() == egraph[class].data.types.as_slice() => cost::op_cost(
            target,
            strata_ir::OpName::from(op),
            &inputs,
            &outputs,
            attrs.as_ref().map(|a| a.attrs()),
        ),
        _ => f64::INFINITY,
    }
}

/// The estimated cost of a function as written.
pub fn function_cost(m: &Module, f: strata_ir::Function, target: &CostModel) -> f64 {
    m.block(f.entry_block(m))
        .ops
        .iter()
        .map(|&op| {
            let d = m.op(op);
            if !d.name.starts_with("graph.") {
                return 0.0;
            }
            let inputs: Vec<_> = d
                .operands
                .iter()
                .filter_map(|&v| m.tensor_type(v).ok().cloned())
                .collect();
            let outputs: Vec<_> = d
                .results
                .iter()
                .filter_map(|&v| m.tensor_type(v).ok().cloned())
                .collect();
            cost::op_cost(target, d.name, &inputs, &outputs, Some(&d.attrs))
        })
        .sum()
}

/// Optimizes every function of a verified module with `rules`; returns the new module and
/// per-function stats.
pub fn optimize_module_with(
    m: &Module,
    rules: &[Rule],
    options: &OptimizeOptions,
) -> Result<(Module, Vec<OptimizeStats>), crate::pass::PassError> {
    // A module that does not verify (it holds ops no dialect knows, say) is still
    // optimized where it can be; only a verified input must give a verified output.
    let input_verifies = !crate::verified_by_pipeline() && strata_ir::verify_module(m).is_ok();
    let mut out = Module::new();
    *out.attrs_mut() = m.attrs().clone();
    let mut all_stats = Vec::new();
    let rewrites: Vec<_> = rules.iter().map(|r| r.rewrite.clone()).collect();
    for f in m.functions() {
        let mut stats = OptimizeStats {
            function: f.name(m).to_string(),
            ..Default::default()
        };
        let fg = match convert::function_to_egraph(m, f) {
            Ok(fg) => fg,
            Err(why) => {
                stats.notes.push(format!("left unchanged: {why}"));
                stats.cost_before = function_cost(m, f, &options.cost);
                stats.cost_after = stats.cost_before;
                convert::copy_function(m, f, &mut out)?;
                all_stats.push(stats);
                continue;
            }
        };
        let start = Instant::now();
        let runner = Runner::<GraphNode, GraphAnalysis, ()>::new(fg.egraph.analysis.clone())
            .with_egraph(fg.egraph)
            .with_node_limit(options.node_limit)
            .with_iter_limit(options.iter_limit)
            .with_time_limit(options.time_limit)
            .with_scheduler(egg::BackoffScheduler::default().with_initial_match_limit(500))
            .run(&rewrites);
        stats.saturate_time = start.elapsed();
        stats.iterations = runner.iterations.len();
        stats.stop_reason = match &runner.stop_reason {
            Some(StopReason::Saturated) => "saturated".into(),
            Some(StopReason::IterationLimit(n)) => format!("iteration limit {n}"),
            Some(StopReason::NodeLimit(n)) => format!("node limit {n}"),
            Some(StopReason::TimeLimit(t)) => format!("time limit {t:.1}s"),
            Some(StopReason::Other(s)) => s.clone(),
            None => "not run".into(),
        };
        for it in &runner.iterations {
            for (rule, n) in &it.applied {
                *stats.rules_fired.entry(rule.to_string()).or_default() += n;
            }
        }
        let egraph = runner.egraph;
        stats.enodes = egraph.total_number_of_nodes();
        stats.eclasses = egraph.number_of_classes();
        let start = Instant::now();
        let target = options.cost.clone();
        let cost = |eg: &GraphEGraph, c: Id, n: &GraphNode| node_cost(&target, eg, c, n);
        let fg = convert::FunctionGraph { egraph, ..fg };
        let extraction = extract::extract(&fg.egraph, fg.root, &cost);
        // The original program is still in the e-graph; never return something costlier.
        let root = fg.egraph.find(fg.root);
        let original = extract::finish(
            &fg.egraph,
            root,
            convert::original_choices(&fg),
            &cost,
            false,
        );
        stats.extract_time = start.elapsed();
        stats.cost_before = original.cost;
        if extraction.fell_back {
            stats
                .notes
                .push("DAG extraction did not settle; used tree-cost extraction".into());
        }
        let chosen = if extraction.cost <= original.cost {
            extraction
        } else {
            stats
                .notes
                .push("extraction found nothing cheaper than the original program".into());
            original
        };
        stats.cost_after = chosen.cost;
        let choices = chosen.choices;
        convert::egraph_to_function(&fg, &|c| choices[&fg.egraph.find(c)].clone(), &mut out)?;
        all_stats.push(stats);
    }
    if input_verifies {
        strata_ir::verify_module(&out)
            .map_err(|e| format!("optimized module does not verify: {e}"))?;
    }
    Ok((out, all_stats))
}

/// Optimizes with every built-in rule.
pub fn optimize_module(
    m: &Module,
    options: &OptimizeOptions,
) -> Result<(Module, Vec<OptimizeStats>), crate::pass::PassError> {
    optimize_module_with(m, &all_rules(), options)
}
