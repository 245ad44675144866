//! The GPU back end's errors.

use strata_ir::{IrError, Module, OpId};

/// Why a shader could not be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShaderError {
    /// The module, or an op of a kernel, cannot be translated as it is: the message,
    /// with the op and its location when one is to blame (an op this back end has no
    /// translation for is reported with [`crate::NO_TRANSLATION`] in its message).
    #[error(transparent)]
    Ir(#[from] IrError),
    /// `spirv-val` rejected the shader, or could not run.
    #[error("{0}")]
    Validation(String),
}

impl ShaderError {
    /// An error about op `op` of `m`.
    pub fn at(m: &Module, op: OpId, message: impl std::fmt::Display) -> ShaderError {
        ShaderError::Ir(IrError::new(message.to_string()).at(m, op))
    }

    /// This error, as one about op `op` of `m` unless it already names an op.
    pub fn at_op(self, m: &Module, op: OpId) -> ShaderError {
        match self {
            ShaderError::Ir(e) => ShaderError::Ir(e.at(m, op)),
            other => ShaderError::at(m, op, other),
        }
    }
}

impl From<String> for ShaderError {
    /// Messages of the IR's helpers (index maps, grids), which name what they found.
    fn from(message: String) -> Self {
        ShaderError::Ir(IrError::new(message))
    }
}

impl From<&str> for ShaderError {
    fn from(message: &str) -> Self {
        ShaderError::Ir(IrError::new(message))
    }
}

impl From<rspirv::dr::Error> for ShaderError {
    fn from(e: rspirv::dr::Error) -> Self {
        ShaderError::Ir(IrError::new(format!("SPIR-V builder: {e:?}")))
    }
}
