//! Host-level passes: on the program the runtime runs.

pub mod dedupe_kernels;
