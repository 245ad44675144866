//! Strata's passes, one file per pass, in a folder per level:
//!
//! - [`graph`]: the e-graph optimizer ([`egraph`]: rules, cost models, extraction) and
//!   `fold-batchnorm`;
//! - [`kernel`]: `fuse` and `tile`;
//! - [`loops`]: `stage`, `vectorize`, `unroll` and the loop parameters of a target;
//! - [`host`]: `dedupe-kernels`, and packaging host programs into module files;
//! - [`conversion`]: between levels — `lower-to-kernel`, `lower-to-loops`, `bufferize`.
//!
//! [`pass`] is the pass API (the `Pass` trait, a registry, pipelines, `PassError`);
//! [`pipeline`] registers the built-in passes and names the full pipeline. [`soundness`]
//! is the public harness that property-tests rewrite rules, built-in and users' own.

pub mod conversion;
pub mod graph;
pub mod host;
pub mod kernel;
pub mod loops;
pub mod pass;
pub mod pipeline;
pub mod soundness;

/// The e-graph optimizer, at its usual path.
pub use graph::egraph;

/// Passes index regions, operands and attributes the verifier checks: each public pass
/// function verifies its input first, so an unverified module is an error naming the
/// problem, not a panic.
pub(crate) fn require_valid(m: &strata_ir::Module, pass: &str) -> Result<(), String> {
    strata_ir::verify_module(m).map_err(|e| format!("{pass} needs a valid module: {e}"))
}
