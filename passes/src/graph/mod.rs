//! Graph-level passes besides the e-graph optimizer.

pub mod fold_batchnorm;
