//! The CPU back end's errors.

use strata_ir::{IrError, Module, OpId};

/// Why code generation for the CPU failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodegenError {
    /// The module, or an op of a kernel, cannot be translated as it is: the message,
    /// with the op and its location when one is to blame (an op this back end has no
    /// translation for is reported with [`crate::NO_TRANSLATION`] in its message).
    #[error(transparent)]
    Ir(#[from] IrError),
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
        CodegenError::Ir(IrError::new(message.to_string()).at(m, op))
    }

    /// This error, as one about op `op` of `m` unless it already names an op.
    pub fn at_op(self, m: &Module, op: OpId) -> CodegenError {
        match self {
            CodegenError::Ir(e) => CodegenError::Ir(e.at(m, op)),
            other => CodegenError::at(m, op, other),
        }
    }
}

impl From<String> for CodegenError {
    /// Messages of the IR's helpers (index maps, grids), which name what they found.
    fn from(message: String) -> Self {
        CodegenError::Ir(IrError::new(message))
    }
}

impl From<&str> for CodegenError {
    fn from(message: &str) -> Self {
        CodegenError::Ir(IrError::new(message))
    }
}

impl From<inkwell::builder::BuilderError> for CodegenError {
    fn from(e: inkwell::builder::BuilderError) -> Self {
        CodegenError::Llvm(e.to_string())
    }
}
