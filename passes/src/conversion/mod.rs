//! Conversions between levels: graph ops to `kernel.generic`s (`lower-to-kernel`), kernels
//! to `loop.kernel`s (`lower-to-loops`), and tensors to buffers with a host program
//! (`bufferize`).

pub mod bufferize;
mod composite;
mod graph_to_kernel;
mod indexed;
mod kernel_to_loop;
mod storage;

pub use bufferize::bufferize;
pub use graph_to_kernel::lower_graph_to_kernel;
pub use kernel_to_loop::{add_for, lower_kernels_to_loops, lower_kernels_to_loops_in_place};
