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

thread_local! {
    /// Set while a [`pass::Pipeline`] runs a pass: the pipeline verified the module at the
    /// boundary already, so the pass need not again.
    static VERIFIED_BY_PIPELINE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` as a pipeline runs a pass on a module it verified.
pub(crate) fn in_pipeline<T>(f: impl FnOnce() -> T) -> T {
    let before = VERIFIED_BY_PIPELINE.with(|v| v.replace(true));
    let out = f();
    VERIFIED_BY_PIPELINE.with(|v| v.set(before));
    out
}

/// Whether the module a pass runs on was verified by its pipeline.
pub(crate) fn verified_by_pipeline() -> bool {
    VERIFIED_BY_PIPELINE.with(|v| v.get())
}

/// Passes index regions, operands and attributes the verifier checks: each public pass
/// function called on its own verifies its input first, so an unverified module is an
/// error naming the problem, not a panic. In a pipeline, which verifies every boundary
/// once, this is a no-op.
pub(crate) fn require_valid(
    m: &strata_ir::Module,
    pass: &str,
) -> Result<(), crate::pass::PassError> {
    if verified_by_pipeline() {
        return Ok(());
    }
    Ok(strata_ir::verify_module(m).map_err(|e| format!("{pass} needs a valid module: {e}"))?)
}
