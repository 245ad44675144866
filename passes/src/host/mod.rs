//! Host-level passes and packaging: identical kernels merged (`dedupe-kernels`), and host
//! programs with their compiled kernels packaged into a module file.

pub mod dedupe_kernels;
pub mod package;
