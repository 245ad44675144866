//! Passes over the kernel dialect.

mod fuse;

pub use fuse::{compose, fuse_elementwise_producers};
