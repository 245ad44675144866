//! What Strata's compiler and its runtime must agree on, in a crate that depends on
//! neither: element types ([`ElementType`]), the kernel calling convention and status
//! codes ([`kernel`]), target descriptions ([`target`]) and the module file format
//! ([`format`]). The compiler writes what this crate defines and the runtime reads it,
//! so each fact of the protocol is written once.

pub mod dtype;
pub mod format;
pub mod kernel;
pub mod limits;
pub mod signing;
pub mod storage;
pub mod systolic;
pub mod target;

pub use dtype::{tensor_bytes, DType, ElementType};
pub use kernel::{KernelFn, Status};
pub use target::{
    ArrayInput, CpuTarget, Dataflow, GpuTarget, SystolicTarget, Target, TargetError, TargetKind,
};
