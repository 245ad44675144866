//! Strata's passes. Today: the e-graph optimizer for the graph dialect ([`egraph`]) and
//! the public soundness harness for rewrite rules ([`soundness`]).

pub mod bufferize;
pub mod egraph;
pub mod kernel;
pub mod loops;
pub mod lower;
pub mod pipeline;
pub mod soundness;
