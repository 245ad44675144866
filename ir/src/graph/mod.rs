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
pub mod quant;
mod reduce;
mod resize;
pub mod shape;

use crate::attr::Attribute;
use crate::module::{Module, OpId};
use crate::ops;
use crate::ops::OpName;
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
    pub name: OpName,
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
    pub name: OpName,
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
    ($( $name:expr, $onnx:literal, ($imin:expr, $imax:expr), ($rmin:expr, $rmax:expr), $infer:path, $eval:path; )*) => {
        /// Every op of the graph dialect except the table-driven unary, binary and reduction
        /// families, which [`all_ops`] adds from their own tables.
        pub const OPS: &[GraphOpDef] = &[
            $( GraphOpDef { name: $name, onnx: $onnx, operands: ($imin, $imax), results: ($rmin, $rmax), infer: $infer, eval: $eval }, )*
        ];
    };
}

ops! {
    ops::GRAPH_CONSTANT, "Constant", (0, 0), (1, 1), movement::infer_constant, movement::eval_constant;
    ops::GRAPH_CAST, "Cast", (1, 1), (1, 1), elementwise::infer_cast, elementwise::eval_cast;
    ops::GRAPH_BITCAST, "BitCast", (1, 1), (1, 1), elementwise::infer_bitcast, elementwise::eval_bitcast;
    ops::GRAPH_WHERE, "Where", (3, 3), (1, 1), elementwise::infer_where, elementwise::eval_where;
    ops::GRAPH_CLIP, "Clip", (1, 1), (1, 1), elementwise::infer_same, elementwise::eval_clip;
    ops::GRAPH_MAX, "Max", (1, MANY), (1, 1), elementwise::infer_variadic, elementwise::eval_variadic;
    ops::GRAPH_MIN, "Min", (1, MANY), (1, 1), elementwise::infer_variadic, elementwise::eval_variadic;
    ops::GRAPH_SUM, "Sum", (1, MANY), (1, 1), elementwise::infer_variadic, elementwise::eval_variadic;
    ops::GRAPH_MEAN, "Mean", (1, MANY), (1, 1), elementwise::infer_variadic, elementwise::eval_variadic;
    ops::GRAPH_GELU, "Gelu", (1, 1), (1, 1), elementwise::infer_float_same, elementwise::eval_gelu;
    ops::GRAPH_MOD, "Mod", (2, 2), (1, 1), elementwise::infer_binary_same, elementwise::eval_mod;
    ops::GRAPH_BIT_SHIFT, "BitShift", (2, 2), (1, 1), elementwise::infer_binary_same, elementwise::eval_bit_shift;
    ops::GRAPH_MATMUL, "MatMul", (2, 2), (1, 1), nn::infer_matmul, nn::eval_matmul;
    ops::GRAPH_GEMM, "Gemm", (2, 3), (1, 1), nn::infer_gemm, nn::eval_gemm;
    ops::GRAPH_CONV, "Conv", (2, 3), (1, 1), nn::infer_conv, nn::eval_conv;
    ops::GRAPH_MAX_POOL, "MaxPool", (1, 1), (1, 2), nn::infer_pool, nn::eval_max_pool;
    ops::GRAPH_AVERAGE_POOL, "AveragePool", (1, 1), (1, 1), nn::infer_pool, nn::eval_average_pool;
    ops::GRAPH_GLOBAL_AVERAGE_POOL, "GlobalAveragePool", (1, 1), (1, 1), nn::infer_global_pool, nn::eval_global_pool;
    ops::GRAPH_GLOBAL_MAX_POOL, "GlobalMaxPool", (1, 1), (1, 1), nn::infer_global_pool, nn::eval_global_pool;
    ops::GRAPH_BATCH_NORMALIZATION, "BatchNormalization", (5, 5), (1, 1), nn::infer_batch_norm, nn::eval_batch_norm;
    ops::GRAPH_INSTANCE_NORMALIZATION, "InstanceNormalization", (3, 3), (1, 1), nn::infer_instance_norm, nn::eval_instance_norm;
    ops::GRAPH_LAYER_NORMALIZATION, "LayerNormalization", (2, 3), (1, 3), nn::infer_layer_norm, nn::eval_layer_norm;
    ops::GRAPH_LRN, "LRN", (1, 1), (1, 1), elementwise::infer_float_same, nn::eval_lrn;
    ops::GRAPH_SOFTMAX, "Softmax", (1, 1), (1, 1), reduce::infer_softmax, reduce::eval_softmax;
    ops::GRAPH_LOG_SOFTMAX, "LogSoftmax", (1, 1), (1, 1), reduce::infer_softmax, reduce::eval_softmax;
    ops::GRAPH_HARDMAX, "Hardmax", (1, 1), (1, 1), reduce::infer_softmax, reduce::eval_softmax;
    ops::GRAPH_ARG_MAX, "ArgMax", (1, 1), (1, 1), reduce::infer_arg, reduce::eval_arg;
    ops::GRAPH_ARG_MIN, "ArgMin", (1, 1), (1, 1), reduce::infer_arg, reduce::eval_arg;
    ops::GRAPH_CUM_SUM, "CumSum", (1, 1), (1, 1), reduce::infer_scan, reduce::eval_cum_sum;
    ops::GRAPH_TOP_K, "TopK", (1, 1), (2, 2), reduce::infer_top_k, reduce::eval_top_k;
    ops::GRAPH_RESHAPE, "Reshape", (1, 1), (1, 1), movement::infer_reshape, movement::eval_reshape;
    ops::GRAPH_FLATTEN, "Flatten", (1, 1), (1, 1), movement::infer_flatten, movement::eval_reshape;
    ops::GRAPH_SQUEEZE, "Squeeze", (1, 1), (1, 1), movement::infer_squeeze, movement::eval_reshape;
    ops::GRAPH_UNSQUEEZE, "Unsqueeze", (1, 1), (1, 1), movement::infer_unsqueeze, movement::eval_reshape;
    ops::GRAPH_IDENTITY, "Identity", (1, 1), (1, 1), elementwise::infer_same, movement::eval_reshape;
    ops::GRAPH_TRANSPOSE, "Transpose", (1, 1), (1, 1), movement::infer_transpose, movement::eval_transpose;
    ops::GRAPH_EXPAND, "Expand", (1, 1), (1, 1), movement::infer_expand, movement::eval_expand;
    ops::GRAPH_CONCAT, "Concat", (1, MANY), (1, 1), movement::infer_concat, movement::eval_concat;
    ops::GRAPH_SPLIT, "Split", (1, 1), (1, MANY), movement::infer_split, movement::eval_split;
    ops::GRAPH_SLICE, "Slice", (1, 1), (1, 1), movement::infer_slice, movement::eval_slice;
    ops::GRAPH_GATHER, "Gather", (2, 2), (1, 1), movement::infer_gather, movement::eval_gather;
    ops::GRAPH_GATHER_ELEMENTS, "GatherElements", (2, 2), (1, 1), movement::infer_gather_elements, movement::eval_gather_elements;
    ops::GRAPH_GATHER_ND, "GatherND", (2, 2), (1, 1), movement::infer_gather_nd, movement::eval_gather_nd;
    ops::GRAPH_SCATTER_ELEMENTS, "ScatterElements", (3, 3), (1, 1), movement::infer_scatter, movement::eval_scatter_elements;
    ops::GRAPH_SCATTER_ND, "ScatterND", (3, 3), (1, 1), movement::infer_scatter, movement::eval_scatter_nd;
    ops::GRAPH_TILE, "Tile", (1, 1), (1, 1), movement::infer_tile, movement::eval_tile;
    ops::GRAPH_PAD, "Pad", (1, 1), (1, 1), movement::infer_pad, movement::eval_pad;
    ops::GRAPH_ONE_HOT, "OneHot", (2, 2), (1, 1), movement::infer_one_hot, movement::eval_one_hot;
    ops::GRAPH_DEPTH_TO_SPACE, "DepthToSpace", (1, 1), (1, 1), movement::infer_depth_to_space, movement::eval_depth_to_space;
    ops::GRAPH_SPACE_TO_DEPTH, "SpaceToDepth", (1, 1), (1, 1), movement::infer_space_to_depth, movement::eval_space_to_depth;
    ops::GRAPH_TRILU, "Trilu", (1, 1), (1, 1), elementwise::infer_same, movement::eval_trilu;
    ops::GRAPH_EYE_LIKE, "EyeLike", (1, 1), (1, 1), movement::infer_eye_like, movement::eval_eye_like;
    ops::GRAPH_CONV_TRANSPOSE, "ConvTranspose", (2, 3), (1, 1), nn::infer_conv_transpose, nn::eval_conv_transpose;
    ops::GRAPH_LP_POOL, "LpPool", (1, 1), (1, 1), nn::infer_pool, nn::eval_lp_pool;
    ops::GRAPH_RMS_NORMALIZATION, "RMSNormalization", (2, 2), (1, 1), nn::infer_rms_norm, nn::eval_rms_norm;
    ops::GRAPH_MEAN_VARIANCE_NORMALIZATION, "MeanVarianceNormalization", (1, 1), (1, 1), elementwise::infer_float_same, nn::eval_mean_variance_norm;
    ops::GRAPH_GROUP_NORMALIZATION, "GroupNormalization", (3, 3), (1, 1), nn::infer_group_norm, nn::eval_group_norm;
    ops::GRAPH_LP_NORMALIZATION, "LpNormalization", (1, 1), (1, 1), elementwise::infer_float_same, reduce::eval_lp_normalization;
    ops::GRAPH_CUM_PROD, "CumProd", (1, 1), (1, 1), reduce::infer_scan, reduce::eval_cum_sum;
    ops::GRAPH_RESIZE, "Resize", (1, 1), (1, 1), resize::infer_resize, resize::eval_resize;
    ops::GRAPH_EINSUM, "Einsum", (1, MANY), (1, 1), einsum::infer_einsum, einsum::eval_einsum;
    ops::GRAPH_QUANTIZE_LINEAR, "QuantizeLinear", (3, 3), (1, 1), quant::infer_quantize, quant::eval_quantize;
    ops::GRAPH_DEQUANTIZE_LINEAR, "DequantizeLinear", (3, 3), (1, 1), quant::infer_dequantize, quant::eval_dequantize;
    ops::GRAPH_DYNAMIC_QUANTIZE_LINEAR, "DynamicQuantizeLinear", (1, 1), (3, 3), quant::infer_dynamic_quantize, quant::eval_dynamic_quantize;
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
pub fn op_def(name: impl Into<OpName>) -> Option<GraphOpDef> {
    static BY_NAME: std::sync::OnceLock<std::collections::HashMap<OpName, GraphOpDef>> =
        std::sync::OnceLock::new();
    BY_NAME
        .get_or_init(|| all_ops().into_iter().map(|d| (d.name, d)).collect())
        .get(&name.into())
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
    let def = op_def(data.name).ok_or_else(|| format!("unknown graph op '{}'", data.name))?;
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
    name: OpName,
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
    name: impl Into<OpName>,
    inputs: &[TensorType],
    attrs: &BTreeMap<String, Attribute>,
    num_results: usize,
) -> Result<Vec<TensorType>, crate::IrError> {
    let name = name.into();
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
    if !STORAGE_OPS.contains(&name) {
        if let Some(t) = inputs.iter().chain(&types).find(|t| t.elem.is_storage()) {
            return Err(format!(
                "{} is a storage type: it is converted (cast, bitcast, quantize/dequantize) and moved, not computed with by '{name}'",
                t.elem
            )
            .into());
        }
    }
    Ok(types)
}

/// The ops that take or give storage types ([`ElementType::is_storage`]): conversions and
/// pure data movement, which copy bytes.
const STORAGE_OPS: &[OpName] = &[
    ops::GRAPH_CONSTANT,
    ops::GRAPH_CAST,
    ops::GRAPH_BITCAST,
    ops::GRAPH_QUANTIZE_LINEAR,
    ops::GRAPH_DEQUANTIZE_LINEAR,
    ops::GRAPH_RESHAPE,
    ops::GRAPH_FLATTEN,
    ops::GRAPH_SQUEEZE,
    ops::GRAPH_UNSQUEEZE,
    ops::GRAPH_IDENTITY,
    ops::GRAPH_TRANSPOSE,
    ops::GRAPH_EXPAND,
    ops::GRAPH_CONCAT,
    ops::GRAPH_SPLIT,
    ops::GRAPH_SLICE,
    ops::GRAPH_GATHER,
    ops::GRAPH_TILE,
];

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
