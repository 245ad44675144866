//! Kernel-level passes: fusion of elementwise producers and consumers (`fuse`), and the
//! choice of each kernel's schedule (`tile`). (`expand-composites` rewrites composite
//! scalar ops from their definitions in `strata_ir::kernel::composite`.)

mod fuse;
pub mod tile;

pub use fuse::{compose, fuse_elementwise_producers};
pub use tile::{choose_schedule, tile};
