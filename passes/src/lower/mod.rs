//! Lowering between dialects.

mod graph_to_kernel;

pub use graph_to_kernel::lower_graph_to_kernel;
