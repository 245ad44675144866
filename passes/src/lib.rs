//! Strata's passes. Today: the e-graph optimizer for the graph dialect ([`egraph`]) and
//! the public soundness harness for rewrite rules ([`soundness`]).

pub mod bufferize;
pub mod egraph;
pub mod graph;
pub mod host;
pub mod kernel;
pub mod loops;
pub mod lower;
pub mod package;
pub mod pass;
pub mod pipeline;
pub mod soundness;
pub mod stage;

/// Passes index regions, operands and attributes the verifier checks: each public pass
/// verifies its input first, so an unverified module is an error naming the problem, not
/// a panic.
pub(crate) fn require_valid(m: &strata_ir::Module, pass: &str) -> Result<(), String> {
    strata_ir::verify_module(m).map_err(|e| format!("{pass} needs a valid module: {e}"))
}
