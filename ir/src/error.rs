//! The IR's error type: what went wrong, and — once known — the op and where it came
//! from. Helpers deep in shape inference or evaluation know only the message; the
//! verifier, the interpreters and the passes attach the op ([`IrError::at`]).

use crate::module::{Module, OpId};
use std::fmt;

/// An error about IR: bad types or attributes, an op that cannot be evaluated, a value
/// out of range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IrError {
    pub message: String,
    /// The op's name (`graph.conv`), when known.
    pub op: Option<String>,
    /// Where the op came from (an ONNX node, a line of IR text), when known.
    pub location: Option<String>,
}

impl IrError {
    /// An error with a message only.
    pub fn new(message: impl Into<String>) -> IrError {
        IrError {
            message: message.into(),
            op: None,
            location: None,
        }
    }

    /// This error about op `op` of `m`, unless it names an op already.
    pub fn at(mut self, m: &Module, op: OpId) -> IrError {
        if self.op.is_none() {
            self.op = Some(m.op(op).name.to_string());
            self.location = Some(crate::verify::op_location(m, op));
        }
        self
    }

    /// The message with `context: ` in front.
    pub fn context(mut self, context: impl fmt::Display) -> IrError {
        self.message = format!("{context}: {}", self.message);
        self
    }
}

impl fmt::Display for IrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(l) = &self.location {
            write!(f, "{l}: ")?;
        }
        if let Some(op) = &self.op {
            write!(f, "'{op}': ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for IrError {}

impl From<String> for IrError {
    fn from(message: String) -> IrError {
        IrError::new(message)
    }
}

impl From<&str> for IrError {
    fn from(message: &str) -> IrError {
        IrError::new(message)
    }
}

impl From<IrError> for String {
    /// For callers at the edge that report text.
    fn from(e: IrError) -> String {
        e.to_string()
    }
}
