//! The `graph` dialect: tensor operations with value semantics, one per ONNX concept.
//!
//! Ops are named after the ONNX operator in snake case (`graph.batch_normalization` for
//! `BatchNormalization`) and keep ONNX's attribute names and semantics, with one
//! difference: arguments that decide shapes (Reshape's shape, Slice's starts, ReduceSum's
//! axes, TopK's k, ...) are attributes here, not operands. The importer turns ONNX's
//! constant inputs into those attributes, so every result type follows from operand types
//! and attributes alone, and every op's verifier is its type inference.
//!
//! Each op is one row of [`OPS`]: operand and result counts, a type-inference function and
//! a reference-evaluation function. Ops that share a shape (elementwise unary and binary
//! ops, reductions) share both functions and differ only in a row of their own table.

mod einsum;
pub(crate) mod elementwise;
mod movement;
mod nn;
mod reduce;
mod resize;
pub mod shape;

use crate::attr::Attribute;
use crate::module::{Module, OpId};
use crate::tensor::Tensor;
use crate::types::{ElementType, TensorType, Type};
use crate::verify::{DialectRegistry, OpDefinition};
use std::collections::BTreeMap;

pub use einsum::{einsum_labels, EinsumLabels};
pub use elementwise::{BinaryDef, UnaryDef, BINARY_OPS, UNARY_OPS};
pub use movement::{pad_source, permute as permute_tensor};
pub use nn::{conv_transpose_window, window_of};
pub use reduce::REDUCE_OPS;
pub use resize::{resize_plan, AxisTaps, ResizePlan};

/// What an op's inference and evaluation functions see: the op's name, its operand
/// types, its attributes and how many results it was asked for.
pub struct OpArgs<'a> {
    pub name: &'a str,
    pub inputs: &'a [TensorType],
    pub attrs: &'a BTreeMap<String, Attribute>,
    pub num_results: usize,
}

/// Infers result types from operand types and attributes.
pub type InferFn = fn(&OpArgs) -> Result<Vec<TensorType>, crate::IrError>;
/// Computes results from operand values, with exact ONNX semantics.
pub type EvalFn = fn(&OpArgs, &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError>;

/// One operation of the graph dialect.
#[derive(Clone, Copy)]
pub struct GraphOpDef {
    /// Qualified name, `graph.<snake_case>`.
    pub name: &'static str,
    /// The ONNX operator it implements.
    pub onnx: &'static str,
    /// Inclusive range of operand counts.
    pub operands: (usize, usize),
    /// Inclusive range of result counts.
    pub results: (usize, usize),
    pub infer: InferFn,
    pub eval: EvalFn,
}

const MANY: usize = usize::MAX;

macro_rules! ops {
    ($( $name:literal, $onnx:literal, ($imin:expr, $imax:expr), ($rmin:expr, $rmax:expr), $infer:path, $eval:path; )*) => {
        /// Every op of the graph dialect except the table-driven unary, binary and reduction
        /// families, which [`all_ops`] adds from their own tables.
        pub const OPS: &[GraphOpDef] = &[
            $( GraphOpDef { name: $name, onnx: $onnx, operands: ($imin, $imax), results: ($rmin, $rmax), infer: $infer, eval: $eval }, )*
        ];
    };
}

ops! {
    "graph.constant", "Constant", (0, 0), (1, 1), movement::infer_constant, movement::eval_constant;
    "graph.cast", "Cast", (1, 1), (1, 1), elementwise::infer_cast, elementwise::eval_cast;
    "graph.where", "Where", (3, 3), (1, 1), elementwise::infer_where, elementwise::eval_where;
    "graph.clip", "Clip", (1, 1), (1, 1), elementwise::infer_same, elementwise::eval_clip;
    "graph.max", "Max", (1, MANY), (1, 1), elementwise::infer_variadic, elementwise::eval_variadic;
    "graph.min", "Min", (1, MANY), (1, 1), elementwise::infer_variadic, elementwise::eval_variadic;
    "graph.sum", "Sum", (1, MANY), (1, 1), elementwise::infer_variadic, elementwise::eval_variadic;
    "graph.mean", "Mean", (1, MANY), (1, 1), elementwise::infer_variadic, elementwise::eval_variadic;
    "graph.gelu", "Gelu", (1, 1), (1, 1), elementwise::infer_float_same, elementwise::eval_gelu;
    "graph.mod", "Mod", (2, 2), (1, 1), elementwise::infer_binary_same, elementwise::eval_mod;
    "graph.bit_shift", "BitShift", (2, 2), (1, 1), elementwise::infer_binary_same, elementwise::eval_bit_shift;
    "graph.matmul", "MatMul", (2, 2), (1, 1), nn::infer_matmul, nn::eval_matmul;
    "graph.gemm", "Gemm", (2, 3), (1, 1), nn::infer_gemm, nn::eval_gemm;
    "graph.conv", "Conv", (2, 3), (1, 1), nn::infer_conv, nn::eval_conv;
    "graph.max_pool", "MaxPool", (1, 1), (1, 2), nn::infer_pool, nn::eval_max_pool;
    "graph.average_pool", "AveragePool", (1, 1), (1, 1), nn::infer_pool, nn::eval_average_pool;
    "graph.global_average_pool", "GlobalAveragePool", (1, 1), (1, 1), nn::infer_global_pool, nn::eval_global_pool;
    "graph.global_max_pool", "GlobalMaxPool", (1, 1), (1, 1), nn::infer_global_pool, nn::eval_global_pool;
    "graph.batch_normalization", "BatchNormalization", (5, 5), (1, 1), nn::infer_batch_norm, nn::eval_batch_norm;
    "graph.instance_normalization", "InstanceNormalization", (3, 3), (1, 1), nn::infer_instance_norm, nn::eval_instance_norm;
    "graph.layer_normalization", "LayerNormalization", (2, 3), (1, 3), nn::infer_layer_norm, nn::eval_layer_norm;
    "graph.lrn", "LRN", (1, 1), (1, 1), elementwise::infer_float_same, nn::eval_lrn;
    "graph.softmax", "Softmax", (1, 1), (1, 1), reduce::infer_softmax, reduce::eval_softmax;
    "graph.log_softmax", "LogSoftmax", (1, 1), (1, 1), reduce::infer_softmax, reduce::eval_softmax;
    "graph.hardmax", "Hardmax", (1, 1), (1, 1), reduce::infer_softmax, reduce::eval_softmax;
    "graph.arg_max", "ArgMax", (1, 1), (1, 1), reduce::infer_arg, reduce::eval_arg;
    "graph.arg_min", "ArgMin", (1, 1), (1, 1), reduce::infer_arg, reduce::eval_arg;
    "graph.cum_sum", "CumSum", (1, 1), (1, 1), reduce::infer_scan, reduce::eval_cum_sum;
    "graph.top_k", "TopK", (1, 1), (2, 2), reduce::infer_top_k, reduce::eval_top_k;
    "graph.reshape", "Reshape", (1, 1), (1, 1), movement::infer_reshape, movement::eval_reshape;
    "graph.flatten", "Flatten", (1, 1), (1, 1), movement::infer_flatten, movement::eval_reshape;
    "graph.squeeze", "Squeeze", (1, 1), (1, 1), movement::infer_squeeze, movement::eval_reshape;
    "graph.unsqueeze", "Unsqueeze", (1, 1), (1, 1), movement::infer_unsqueeze, movement::eval_reshape;
    "graph.identity", "Identity", (1, 1), (1, 1), elementwise::infer_same, movement::eval_reshape;
    "graph.transpose", "Transpose", (1, 1), (1, 1), movement::infer_transpose, movement::eval_transpose;
    "graph.expand", "Expand", (1, 1), (1, 1), movement::infer_expand, movement::eval_expand;
    "graph.concat", "Concat", (1, MANY), (1, 1), movement::infer_concat, movement::eval_concat;
    "graph.split", "Split", (1, 1), (1, MANY), movement::infer_split, movement::eval_split;
    "graph.slice", "Slice", (1, 1), (1, 1), movement::infer_slice, movement::eval_slice;
    "graph.gather", "Gather", (2, 2), (1, 1), movement::infer_gather, movement::eval_gather;
    "graph.gather_elements", "GatherElements", (2, 2), (1, 1), movement::infer_gather_elements, movement::eval_gather_elements;
    "graph.gather_nd", "GatherND", (2, 2), (1, 1), movement::infer_gather_nd, movement::eval_gather_nd;
    "graph.scatter_elements", "ScatterElements", (3, 3), (1, 1), movement::infer_scatter, movement::eval_scatter_elements;
    "graph.scatter_nd", "ScatterND", (3, 3), (1, 1), movement::infer_scatter, movement::eval_scatter_nd;
    "graph.tile", "Tile", (1, 1), (1, 1), movement::infer_tile, movement::eval_tile;
    "graph.pad", "Pad", (1, 1), (1, 1), movement::infer_pad, movement::eval_pad;
    "graph.one_hot", "OneHot", (2, 2), (1, 1), movement::infer_one_hot, movement::eval_one_hot;
    "graph.depth_to_space", "DepthToSpace", (1, 1), (1, 1), movement::infer_depth_to_space, movement::eval_depth_to_space;
    "graph.space_to_depth", "SpaceToDepth", (1, 1), (1, 1), movement::infer_space_to_depth, movement::eval_space_to_depth;
    "graph.trilu", "Trilu", (1, 1), (1, 1), elementwise::infer_same, movement::eval_trilu;
    "graph.eye_like", "EyeLike", (1, 1), (1, 1), movement::infer_eye_like, movement::eval_eye_like;
    "graph.conv_transpose", "ConvTranspose", (2, 3), (1, 1), nn::infer_conv_transpose, nn::eval_conv_transpose;
    "graph.lp_pool", "LpPool", (1, 1), (1, 1), nn::infer_pool, nn::eval_lp_pool;
    "graph.rms_normalization", "RMSNormalization", (2, 2), (1, 1), nn::infer_rms_norm, nn::eval_rms_norm;
    "graph.mean_variance_normalization", "MeanVarianceNormalization", (1, 1), (1, 1), elementwise::infer_float_same, nn::eval_mean_variance_norm;
    "graph.group_normalization", "GroupNormalization", (3, 3), (1, 1), nn::infer_group_norm, nn::eval_group_norm;
    "graph.lp_normalization", "LpNormalization", (1, 1), (1, 1), elementwise::infer_float_same, reduce::eval_lp_normalization;
    "graph.cum_prod", "CumProd", (1, 1), (1, 1), reduce::infer_scan, reduce::eval_cum_sum;
    "graph.resize", "Resize", (1, 1), (1, 1), resize::infer_resize, resize::eval_resize;
    "graph.einsum", "Einsum", (1, MANY), (1, 1), einsum::infer_einsum, einsum::eval_einsum;
}

/// Every op of the dialect, the table-driven families included.
pub fn all_ops() -> Vec<GraphOpDef> {
    let mut all: Vec<GraphOpDef> = OPS.to_vec();
    all.extend(UNARY_OPS.iter().map(|u| GraphOpDef {
        name: u.name,
        onnx: u.onnx,
        operands: (1, 1),
        results: (1, 1),
        infer: elementwise::infer_unary,
        eval: elementwise::eval_unary,
    }));
    all.extend(BINARY_OPS.iter().map(|b| GraphOpDef {
        name: b.name,
        onnx: b.onnx,
        operands: (2, 2),
        results: (1, 1),
        infer: elementwise::infer_binary,
        eval: elementwise::eval_binary,
    }));
    all.extend(REDUCE_OPS.iter().map(|r| GraphOpDef {
        name: r.name,
        onnx: r.onnx,
        operands: (1, 1),
        results: (1, 1),
        infer: reduce::infer_reduce,
        eval: reduce::eval_reduce,
    }));
    all
}

/// Looks up a graph op by qualified name.
pub fn op_def(name: &str) -> Option<GraphOpDef> {
    static BY_NAME: std::sync::OnceLock<std::collections::HashMap<&'static str, GraphOpDef>> =
        std::sync::OnceLock::new();
    BY_NAME
        .get_or_init(|| all_ops().into_iter().map(|d| (d.name, d)).collect())
        .get(name)
        .copied()
}

/// Registers every graph op with the verifier.
pub fn register(registry: &mut DialectRegistry) {
    for def in all_ops() {
        registry.register(OpDefinition {
            name: def.name,
            verify: verify_graph_op,
            infer: Some(infer_generic),
        });
    }
}

fn count_range(what: &str, (lo, hi): (usize, usize), n: usize) -> Result<(), crate::IrError> {
    if n < lo || n > hi {
        let expected = if lo == hi {
            format!("{lo}")
        } else if hi == MANY {
            format!("at least {lo}")
        } else {
            format!("{lo} to {hi}")
        };
        return Err(format!("expected {expected} {what}, found {n}").into());
    }
    Ok(())
}

/// Checks operand and result counts, then that the declared result types are the ones
/// inference gives.
fn verify_graph_op(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let data = m.op(op);
    let def = op_def(&data.name).ok_or_else(|| format!("unknown graph op '{}'", data.name))?;
    if !data.regions.is_empty() {
        return Err("graph ops have no regions".into());
    }
    count_range("operands", def.operands, data.operands.len())?;
    count_range("results", def.results, data.results.len())?;
    let inputs = data
        .operands
        .iter()
        .map(|&v| m.tensor_type(v).cloned())
        .collect::<Result<Vec<_>, _>>()?;
    let args = OpArgs {
        name: def.name,
        inputs: &inputs,
        attrs: &data.attrs,
        num_results: data.results.len(),
    };
    let inferred = (def.infer)(&args)?;
    for (i, (&r, expected)) in data.results.iter().zip(&inferred).enumerate() {
        let declared = m.value_type(r);
        if declared != &Type::Tensor(expected.clone()) {
            return Err(format!(
                "result #{i} is declared {declared} but the operands give {expected}"
            )
            .into());
        }
    }
    Ok(())
}

/// [`infer_types`] over generic [`Type`]s, as the dialect registry calls it.
fn infer_generic(
    name: &str,
    operands: &[Type],
    attrs: &BTreeMap<String, Attribute>,
    num_results: usize,
) -> Result<Vec<Type>, crate::IrError> {
    let inputs = operands
        .iter()
        .enumerate()
        .map(|(i, t)| {
            t.as_tensor()
                .cloned()
                .ok_or_else(|| format!("operand #{i} is {t}, not a tensor"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(infer_types(name, &inputs, attrs, num_results)?
        .into_iter()
        .map(Type::Tensor)
        .collect())
}

/// Infers the result types of a graph op, checking counts as the verifier does.
pub fn infer_types(
    name: &str,
    inputs: &[TensorType],
    attrs: &BTreeMap<String, Attribute>,
    num_results: usize,
) -> Result<Vec<TensorType>, crate::IrError> {
    let def = op_def(name).ok_or_else(|| format!("unknown graph op '{name}'"))?;
    count_range("operands", def.operands, inputs.len())?;
    count_range("results", def.results, num_results)?;
    let args = OpArgs {
        name,
        inputs,
        attrs,
        num_results,
    };
    let mut types = (def.infer)(&args)?;
    types.truncate(num_results);
    Ok(types)
}

/// Attribute accessors with ONNX-style defaults and typed errors.
impl OpArgs<'_> {
    fn get(&self, name: &str) -> Option<&Attribute> {
        self.attrs.get(name)
    }

    fn wrong(&self, name: &str, expected: &str) -> String {
        let found = self.get(name).map_or("nothing", |a| a.kind());
        format!("attribute '{name}' must be {expected}, found {found}")
    }

    pub fn int_opt(&self, name: &str) -> Result<Option<i64>, crate::IrError> {
        match self.get(name) {
            None => Ok(None),
            Some(Attribute::Int(v)) => Ok(Some(*v)),
            Some(Attribute::Bool(b)) => Ok(Some(*b as i64)),
            Some(_) => Err(self.wrong(name, "an integer").into()),
        }
    }

    pub fn int(&self, name: &str) -> Result<i64, crate::IrError> {
        Ok(self
            .int_opt(name)?
            .ok_or_else(|| format!("missing integer attribute '{name}'"))?)
    }

    pub fn int_or(&self, name: &str, default: i64) -> Result<i64, crate::IrError> {
        Ok(self.int_opt(name)?.unwrap_or(default))
    }

    pub fn float_or(&self, name: &str, default: f64) -> Result<f64, crate::IrError> {
        match self.get(name) {
            None => Ok(default),
            Some(Attribute::Float(v, _)) => Ok(*v),
            Some(Attribute::Int(v)) => Ok(*v as f64),
            Some(_) => Err(self.wrong(name, "a float").into()),
        }
    }

    pub fn ints_opt(&self, name: &str) -> Result<Option<Vec<i64>>, crate::IrError> {
        match self.get(name) {
            None => Ok(None),
            Some(Attribute::I64Array(v)) => Ok(Some(v.clone())),
            Some(Attribute::Array(items)) if items.is_empty() => Ok(Some(vec![])),
            Some(_) => Err(self.wrong(name, "an array<i64>").into()),
        }
    }

    pub fn ints(&self, name: &str) -> Result<Vec<i64>, crate::IrError> {
        Ok(self
            .ints_opt(name)?
            .ok_or_else(|| format!("missing array<i64> attribute '{name}'"))?)
    }

    pub fn string_or<'s>(
        &'s self,
        name: &str,
        default: &'s str,
    ) -> Result<&'s str, crate::IrError> {
        match self.get(name) {
            None => Ok(default),
            Some(Attribute::String(s)) => Ok(s),
            Some(_) => Err(self.wrong(name, "a string").into()),
        }
    }

    pub fn elem_type(&self, name: &str) -> Result<ElementType, crate::IrError> {
        match self.get(name) {
            Some(Attribute::Type(Type::Scalar(e))) => Ok(*e),
            _ => Err(self.wrong(name, "an element type").into()),
        }
    }

    pub fn dense_opt(&self, name: &str) -> Result<Option<&Tensor>, crate::IrError> {
        match self.get(name) {
            None => Ok(None),
            Some(Attribute::Dense(t)) => Ok(Some(t)),
            Some(_) => Err(self.wrong(name, "a dense tensor").into()),
        }
    }

    /// The operand type at `i`.
    pub fn input(&self, i: usize) -> &TensorType {
        &self.inputs[i]
    }
}

/// The ONNX operator types the graph dialect implements, sorted.
pub fn onnx_op_types() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = all_ops().iter().map(|d| d.onnx).collect();
    v.sort_unstable();
    v.dedup();
    v
}
