//! Kernel-level passes: fusion of elementwise producers and consumers (`fuse`), the
//! layout of convolutions' tensors (`channels-last`), and the choice of each kernel's
//! schedule (`tile`; on int8 matrix units it first narrows integer products' constant
//! factors, [`narrow`]). (`expand-composites` rewrites composite
//! scalar ops from their definitions in `strata_ir::kernel::composite`.)

mod fuse;
pub mod layout;
pub mod narrow;
pub mod tile;

pub use fuse::{compose, fuse_elementwise_producers};
pub use layout::channels_last;
pub use tile::{choose_schedule, tile};
