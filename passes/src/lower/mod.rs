//! Lowering between dialects.

mod composite;
mod graph_to_kernel;
mod indexed;
mod kernel_to_loop;

pub use graph_to_kernel::lower_graph_to_kernel;
pub use kernel_to_loop::{add_for, lower_kernels_to_loops};
