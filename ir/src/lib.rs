//! Strata's IR core.
//!
//! One IR serves every level of the compiler, as in MLIR: operations with
//! dialect-qualified names (`graph.conv`), typed SSA values, sorted attributes and
//! regions, stored in arenas and addressed by typed indices ([`module`]). Every level
//! prints and parses in MLIR's generic syntax ([`printer`], [`parser`]), is checked by
//! one verifier framework ([`verify`]) and runs on a reference interpreter ([`interp`]),
//! which is the oracle that passes and back ends are tested against.
//!
//! Dialects today: the builtin `func` ops, [`graph`] (tensor operations with ONNX
//! semantics and static shapes), [`kernel`] (structured computations over an iteration
//! space, with scalar bodies), [`loops`] (the `loop` dialect: explicit loops over buffers)
//! and [`host`] (the program the runtime runs: allocations, dispatches, copies). Each
//! level runs on the interpreter, so any two levels can be compared.
//!
//! ```
//! use strata_ir::{parse_module, verify_module, interp, Tensor};
//! let text = r#"
//! "builtin.module"() ({
//!   "func.func"() ({
//!   ^bb0(%arg0: tensor<3xf32>):
//!     %0 = "graph.relu"(%arg0) : (tensor<3xf32>) -> tensor<3xf32>
//!     "func.return"(%0) : (tensor<3xf32>) -> ()
//!   }) {function_type = (tensor<3xf32>) -> tensor<3xf32>, sym_name = "main"} : () -> ()
//! }) : () -> ()
//! "#;
//! let module = parse_module(text).unwrap();
//! verify_module(&module).unwrap();
//! let x = Tensor::from_vec(vec![3], vec![-1.0f32, 0.5, 2.0]).unwrap();
//! let y = interp::run(&module, "main", &[x]).unwrap();
//! assert_eq!(y[0].as_slice::<f32>().unwrap(), &[0.0, 0.5, 2.0]);
//! ```

pub mod affine;
pub mod attr;
pub mod control;
pub mod error;
pub mod graph;
pub mod host;
pub mod interp;
pub mod kernel;
pub mod loops;
pub mod module;
pub mod npy;
pub mod ops;
pub mod parser;
pub mod printer;
pub mod target;
pub mod tensor;
pub mod types;
pub mod verify;

pub use affine::{AffineExpr, AffineMap};
pub use attr::Attribute;
pub use error::IrError;
pub use module::{Function, Location, Module, OpId, OpSpec, ValueId};
pub use ops::OpName;
pub use parser::{parse_module, ParseError};
pub use printer::print_module;
/// Limits on sizes taken from users' bytes, shared by every crate (see the module).
pub use strata_abi::limits;
pub use tensor::{Element, Tensor, TensorData};
pub use types::{ElementType, FunctionType, Shape, TensorType, Type};
pub use verify::{verify_module, VerifyError};
