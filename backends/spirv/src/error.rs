//! The GPU back end's errors.

use strata_ir::{Module, OpId};

/// Why a shader could not be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShaderError {
    /// An op of a kernel could not be translated (an op this back end has no translation
    /// for is reported with [`crate::NO_TRANSLATION`] in its message).
    #[error("{location}: '{op}': {message}")]
    Op {
        op: String,
        location: String,
        message: String,
    },
    /// The module cannot be translated as it is (no GPU target, a bad kernel).
    #[error("{0}")]
    Module(String),
    /// `spirv-val` rejected the shader, or could not run.
    #[error("{0}")]
    Validation(String),
}

impl ShaderError {
    /// An error about op `op` of `m`.
    pub fn at(m: &Module, op: OpId, message: impl std::fmt::Display) -> ShaderError {
        ShaderError::Op {
            op: m.op(op).name.to_string(),
            location: strata_ir::verify::op_location(m, op),
            message: message.to_string(),
        }
    }
}

impl ShaderError {
    /// This error, as one about op `op` of `m` unless it already names an op.
    pub fn at_op(self, m: &Module, op: OpId) -> ShaderError {
        match self {
            e @ ShaderError::Op { .. } => e,
            other => ShaderError::at(m, op, other),
        }
    }
}

impl From<String> for ShaderError {
    /// Messages of the IR's helpers and the builder, which name what they found.
    fn from(message: String) -> Self {
        ShaderError::Module(message)
    }
}

impl From<&str> for ShaderError {
    fn from(message: &str) -> Self {
        ShaderError::Module(message.into())
    }
}

impl From<strata_ir::IrError> for ShaderError {
    fn from(e: strata_ir::IrError) -> Self {
        match (e.op, e.location) {
            (Some(op), Some(location)) => ShaderError::Op {
                op,
                location,
                message: e.message,
            },
            _ => ShaderError::Module(e.message),
        }
    }
}

impl From<rspirv::dr::Error> for ShaderError {
    fn from(e: rspirv::dr::Error) -> Self {
        ShaderError::Module(format!("SPIR-V builder: {e:?}"))
    }
}
