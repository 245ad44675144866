//! Graph-level passes: the e-graph optimizer (`egraph`) and the in-place BatchNorm fold
//! (`fold-batchnorm`).

pub mod egraph;
pub mod fold_batchnorm;
