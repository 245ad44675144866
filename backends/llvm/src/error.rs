//! The CPU back end's errors.

use strata_ir::{Module, OpId};

/// Why code generation for the CPU failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodegenError {
    /// An op of a kernel could not be translated (an op this back end has no translation
    /// for is reported with [`crate::NO_TRANSLATION`] in its message).
    #[error("{location}: '{op}': {message}")]
    Op {
        op: String,
        location: String,
        message: String,
    },
    /// The module cannot be compiled as it is (no kernels' target, a bad kernel).
    #[error("{0}")]
    Module(String),
    /// The target description names a machine LLVM cannot generate code for.
    #[error("{0}")]
    Target(String),
    /// LLVM itself failed (building, verifying, optimizing, emitting).
    #[error("LLVM: {0}")]
    Llvm(String),
    /// Linking the kernels into a shared object failed.
    #[error("{0}")]
    Link(String),
    /// A JIT-compiled kernel reported an error while running.
    #[error("kernel '{kernel}': {message}")]
    Kernel { kernel: String, message: String },
}

impl CodegenError {
    /// An error about op `op` of `m`.
    pub fn at(m: &Module, op: OpId, message: impl std::fmt::Display) -> CodegenError {
        CodegenError::Op {
            op: m.op(op).name.to_string(),
            location: strata_ir::verify::op_location(m, op),
            message: message.to_string(),
        }
    }
}

impl CodegenError {
    /// This error, as one about op `op` of `m` unless it already names an op.
    pub fn at_op(self, m: &Module, op: OpId) -> CodegenError {
        match self {
            e @ CodegenError::Op { .. } => e,
            other => CodegenError::at(m, op, other),
        }
    }
}

impl From<inkwell::builder::BuilderError> for CodegenError {
    fn from(e: inkwell::builder::BuilderError) -> Self {
        CodegenError::Llvm(e.to_string())
    }
}

impl From<String> for CodegenError {
    /// Messages of the IR's helpers (index maps, grids), which name what they found.
    fn from(message: String) -> Self {
        CodegenError::Module(message)
    }
}

impl From<strata_ir::IrError> for CodegenError {
    fn from(e: strata_ir::IrError) -> Self {
        match (e.op, e.location) {
            (Some(op), Some(location)) => CodegenError::Op {
                op,
                location,
                message: e.message,
            },
            _ => CodegenError::Module(e.message),
        }
    }
}

impl From<&str> for CodegenError {
    fn from(message: &str) -> Self {
        CodegenError::Module(message.into())
    }
}
