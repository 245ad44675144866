//! Per-op conversion from ONNX nodes to graph ops.
//!
//! Most ops map one to one: same operands, same attributes ([`direct`]). The rest are
//! here because ONNX changed them across opsets (an attribute became an input, Softmax's
//! axis meaning changed at opset 13) or because their shape arguments must become
//! attributes. Ops that exist only to compute shapes or constants (Shape, Size, Range,
//! ConstantOfShape, Constant) are evaluated during import.

use crate::import::{Importer, NodeCtx};
use crate::tensor::element_type;
use crate::ImportError;
use std::collections::BTreeMap;
use std::rc::Rc;
use strata_ir::ops as names;
use strata_ir::OpName;
use strata_ir::{graph, Attribute, ElementType, Shape, Tensor, TensorType, Type};

/// The ops of other domains than the default one the importer converts.
pub const OTHER_DOMAIN_OPS: &[(&str, &str)] = &[
    ("ai.onnx.preview", "FlexAttention"),
    ("ai.onnx.ml", "Binarizer"),
    ("ai.onnx.ml", "ArrayFeatureExtractor"),
    ("ai.onnx.ml", "TreeEnsemble"),
];

/// The default opset version a model without one is read at (a model of other domains'
/// ops alone).
pub const NEWEST_OPSET: i64 = 25;

/// Ops converted entirely by the importer, with no graph op of their own.
pub const IMPORT_ONLY_OPS: &[&str] = &[
    "Shape",
    "Size",
    "Range",
    "ConstantOfShape",
    "Dropout",
    "CastLike",
    "Scatter",
    "Upsample",
    "Attention",
    "MatMulInteger",
    "ConvInteger",
    "QLinearMatMul",
    "QLinearConv",
    "NegativeLogLikelihoodLoss",
    "SoftmaxCrossEntropyLoss",
    "RNN",
    "GRU",
    "LSTM",
    "HannWindow",
    "HammingWindow",
    "BlackmanWindow",
    "CenterCropPad",
    "ReverseSequence",
    "Compress",
    "DFT",
    "STFT",
    "MelWeightMatrix",
    "RotaryEmbedding",
    "AffineGrid",
    "If",
    "Loop",
    "Scan",
    "SwiGLU",
    "MaxUnpool",
    "TensorScatter",
    "Col2Im",
    "GridSample",
    "Det",
    "RoiAlign",
    "CausalConvWithState",
    "LinearAttention",
    "DeformConv",
    "TfIdfVectorizer",
];

type Attrs = BTreeMap<String, Attribute>;

/// The graph op implementing an ONNX op type.
fn graph_op_name(op_type: &str) -> Option<OpName> {
    graph::all_ops()
        .iter()
        .find(|d| d.onnx == op_type)
        .map(|d| d.name)
}

/// Converts one node; returns the value index of each of its outputs, in order.
pub fn convert(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    if let Some(r) = crate::sequence::convert(imp, node) {
        return r;
    }
    match node.op_type() {
        "Constant" => constant(imp, node),
        "Identity" => Ok(vec![imp.required(node, 0)?]),
        "Dropout" => dropout(imp, node),
        "Shape" => shape_of(imp, node),
        "Size" => {
            let x = imp.required(node, 0)?;
            let n = imp.values[x].ty.shape.numel() as i64;
            let deps = Rc::default();
            Ok(vec![imp.known(Tensor::scalar(n), deps)])
        }
        "ConstantOfShape" => constant_of_shape(imp, node),
        "Range" => range(imp, node),
        "Cast" | "BitCast" => {
            let to = onnx_type(node, node.attr_int("to").unwrap_or(0))?;
            let mut attrs = Attrs::new();
            attrs.insert("to".into(), Attribute::Type(Type::Scalar(to)));
            if let Some(s) = node.attr_int("saturate") {
                attrs.insert("saturate".into(), Attribute::Int(s));
            }
            let op = if node.op_type() == "Cast" {
                names::GRAPH_CAST
            } else {
                names::GRAPH_BITCAST
            };
            emit1(imp, node, op, &[imp.required(node, 0)?], attrs)
        }
        "CastLike" => {
            let target = imp.required(node, 1)?;
            let mut attrs = Attrs::new();
            attrs.insert(
                "to".into(),
                Attribute::Type(Type::Scalar(imp.values[target].ty.elem)),
            );
            if let Some(s) = node.attr_int("saturate") {
                attrs.insert("saturate".into(), Attribute::Int(s));
            }
            emit1(
                imp,
                node,
                names::GRAPH_CAST,
                &[imp.required(node, 0)?],
                attrs,
            )
        }
        "EyeLike" => {
            let mut attrs = imp.convert_attrs(node, &["dtype"])?;
            if let Some(code) = node.attr_int("dtype") {
                attrs.insert(
                    "dtype".into(),
                    Attribute::Type(Type::Scalar(onnx_type(node, code)?)),
                );
            }
            emit1(
                imp,
                node,
                names::GRAPH_EYE_LIKE,
                &[imp.required(node, 0)?],
                attrs,
            )
        }
        "Softmax" | "LogSoftmax" | "Hardmax" if node.opset < 13 => softmax_legacy(imp, node),
        "Reshape" => reshape(imp, node),
        "Squeeze" | "Unsqueeze" => {
            let mut attrs = imp.convert_attrs(node, &["axes"])?;
            if let Some(axes) = axes_arg(imp, node, 13, 1)? {
                attrs.insert("axes".into(), Attribute::I64Array(axes));
            } else if node.op_type() == "Unsqueeze" {
                return Err(node.error("Unsqueeze needs axes"));
            }
            let op = if node.op_type() == "Squeeze" {
                names::GRAPH_SQUEEZE
            } else {
                names::GRAPH_UNSQUEEZE
            };
            emit1(imp, node, op, &[imp.required(node, 0)?], attrs)
        }
        op if op.starts_with("Reduce") => reduce(imp, node),
        "Split" => {
            let mut attrs = imp.convert_attrs(node, &["split", "num_outputs"])?;
            let split = if node.opset < 13 {
                node.attr_ints("split")
            } else {
                const_ints(imp, node, 1)?
            };
            if let Some(s) = split.filter(|s| !s.is_empty()) {
                attrs.insert("split".into(), Attribute::I64Array(s));
            }
            let n = node.proto.output.len();
            if let Some(k) = node.attr_int("num_outputs") {
                if k as usize != n {
                    return Err(
                        node.error(format!("num_outputs is {k} but the node has {n} outputs"))
                    );
                }
            }
            imp.emit(
                node,
                names::GRAPH_SPLIT,
                &[imp.required(node, 0)?],
                attrs,
                n,
            )
        }
        "Slice" => slice(imp, node),
        "Pad" => pad(imp, node),
        "Clip" => clip(imp, node),
        "TopK" => {
            let mut attrs = imp.convert_attrs(node, &["k"])?;
            let k = if node.opset < 10 {
                node.attr_int("k")
                    .ok_or_else(|| node.error("missing attribute 'k'"))?
            } else {
                scalar_int(imp, node, 1)?
            };
            attrs.insert("k".into(), Attribute::Int(k));
            imp.emit(
                node,
                names::GRAPH_TOP_K,
                &[imp.required(node, 0)?],
                attrs,
                2,
            )
        }
        "OneHot" => {
            let mut attrs = imp.convert_attrs(node, &[])?;
            let depth = imp
                .const_input(node, 1)?
                .ok_or_else(|| node.error("missing depth"))?;
            if depth.numel() != 1 {
                return Err(node.error("depth must hold one value"));
            }
            attrs.insert("depth".into(), Attribute::Int(depth.to_f64s()[0] as i64));
            let (i, v) = (imp.required(node, 0)?, imp.required(node, 2)?);
            emit1(imp, node, names::GRAPH_ONE_HOT, &[i, v], attrs)
        }
        "Expand" => input_to_attr(imp, node, names::GRAPH_EXPAND, "shape"),
        "Tile" => input_to_attr(imp, node, names::GRAPH_TILE, "repeats"),
        "CumSum" | "CumProd" => {
            let mut attrs = imp.convert_attrs(node, &[])?;
            attrs.insert("axis".into(), Attribute::Int(scalar_int(imp, node, 1)?));
            let op = if node.op_type() == "CumSum" {
                names::GRAPH_CUM_SUM
            } else {
                names::GRAPH_CUM_PROD
            };
            emit1(imp, node, op, &[imp.required(node, 0)?], attrs)
        }
        "Resize" | "Upsample" => resize(imp, node),
        "Attention" => attention(imp, node),
        "GroupNormalization" => group_norm(imp, node),
        "ConvTranspose" => {
            let attrs = imp.convert_attrs(node, &[])?;
            let mut operands = vec![imp.required(node, 0)?, imp.required(node, 1)?];
            operands.extend(node.input(2));
            emit1(imp, node, names::GRAPH_CONV_TRANSPOSE, &operands, attrs)
        }
        "Trilu" => {
            let mut attrs = imp.convert_attrs(node, &[])?;
            if node.input(1).is_some() {
                attrs.insert("k".into(), Attribute::Int(scalar_int(imp, node, 1)?));
            }
            emit1(
                imp,
                node,
                names::GRAPH_TRILU,
                &[imp.required(node, 0)?],
                attrs,
            )
        }
        "BatchNormalization" => {
            if node.attr_int("training_mode") == Some(1)
                || node.proto.output.iter().skip(1).any(|o| !o.is_empty())
            {
                return Err(node.unsupported("training mode (running statistics outputs)"));
            }
            if node.attr_int("spatial") == Some(0) {
                return Err(node.unsupported("spatial = 0"));
            }
            let attrs = imp.convert_attrs(
                node,
                &[
                    "momentum",
                    "spatial",
                    "training_mode",
                    "is_test",
                    "consumed_inputs",
                ],
            )?;
            let operands = (0..5)
                .map(|i| imp.required(node, i))
                .collect::<Result<Vec<_>, _>>()?;
            emit1(
                imp,
                node,
                names::GRAPH_BATCH_NORMALIZATION,
                &operands,
                attrs,
            )
        }
        "Gemm" => {
            let attrs = imp.convert_attrs(node, &["broadcast"])?;
            let operands: Vec<usize> = node.inputs.iter().flatten().copied().collect();
            emit1(imp, node, names::GRAPH_GEMM, &operands, attrs)
        }
        "Scatter" => {
            let attrs = imp.convert_attrs(node, &[])?;
            let operands = (0..3)
                .map(|i| imp.required(node, i))
                .collect::<Result<Vec<_>, _>>()?;
            emit1(imp, node, names::GRAPH_SCATTER_ELEMENTS, &operands, attrs)
        }
        "NegativeLogLikelihoodLoss" => crate::loss::negative_log_likelihood_loss(imp, node),
        "SoftmaxCrossEntropyLoss" => crate::loss::softmax_cross_entropy_loss(imp, node),
        "HannWindow" | "HammingWindow" | "BlackmanWindow" => {
            crate::constant_args::window(imp, node)
        }
        "CenterCropPad" => crate::constant_args::center_crop_pad(imp, node),
        "ReverseSequence" => crate::constant_args::reverse_sequence(imp, node),
        "Compress" => crate::constant_args::compress(imp, node),
        "DFT" => crate::spectral::dft(imp, node),
        "STFT" => crate::spectral::stft(imp, node),
        "MelWeightMatrix" => crate::spectral::mel_weight_matrix(imp, node),
        "RotaryEmbedding" => crate::rotary::rotary_embedding(imp, node),
        "AffineGrid" => crate::constant_args::affine_grid(imp, node),
        "If" => crate::control::if_op(imp, node),
        "Loop" => crate::control::loop_op(imp, node),
        "Scan" => crate::control::scan_op(imp, node),
        "SwiGLU" => swiglu(imp, node),
        "MaxUnpool" => max_unpool(imp, node),
        "TensorScatter" => tensor_scatter(imp, node),
        "Col2Im" => col2im(imp, node),
        "GridSample" => crate::grid_sample::grid_sample(imp, node),
        "DeformConv" => crate::grid_sample::deform_conv(imp, node),
        "TfIdfVectorizer" => crate::tfidf::tfidf_vectorizer(imp, node),
        "Det" => det(imp, node),
        "CausalConvWithState" => crate::state_ops::causal_conv_with_state(imp, node),
        "LinearAttention" => crate::state_ops::linear_attention(imp, node),
        "FlexAttention" if node.proto.domain == "ai.onnx.preview" => {
            crate::flex_attention::flex_attention(imp, node)
        }
        "Binarizer" if node.proto.domain == "ai.onnx.ml" => {
            let x = imp.required(node, 0)?;
            let t = node.attr_float("threshold").unwrap_or(0.0) as f64;
            let mut b = Builder { imp, node };
            let elem = b.imp.values[x].ty.elem;
            let t = b.scalar(elem, t);
            let above = b.op(names::GRAPH_GREATER, &[x, t], &[])?;
            Ok(vec![b.cast(above, elem)?])
        }
        "TreeEnsemble" if node.proto.domain == "ai.onnx.ml" => {
            crate::tree_ensemble::tree_ensemble(imp, node)
        }
        "ArrayFeatureExtractor" if node.proto.domain == "ai.onnx.ml" => {
            let (x, i) = (imp.required(node, 0)?, imp.required(node, 1)?);
            let mut b = Builder { imp, node };
            let i = b.cast(i, ElementType::I64)?;
            let picked = b.op(
                names::GRAPH_GATHER,
                &[x, i],
                &[("axis", Attribute::Int(-1))],
            )?;
            // A vector's features come back as one row.
            match b.dims(picked).as_slice() {
                &[k] => Ok(vec![b.reshape(picked, &[1, k])?]),
                _ => Ok(vec![picked]),
            }
        }
        "RoiAlign" => crate::roi_align::roi_align(imp, node),
        "RNN" => crate::recurrent::rnn(imp, node),
        "GRU" => crate::recurrent::gru(imp, node),
        "LSTM" => crate::recurrent::lstm(imp, node),
        "QuantizeLinear" => crate::quant::quantize_linear(imp, node),
        "DequantizeLinear" => crate::quant::dequantize_linear(imp, node),
        "DynamicQuantizeLinear" => crate::quant::dynamic_quantize_linear(imp, node),
        "MatMulInteger" => crate::quant::matmul_integer(imp, node),
        "ConvInteger" => crate::quant::conv_integer(imp, node),
        "QLinearMatMul" => crate::quant::qlinear_matmul(imp, node),
        "QLinearConv" => crate::quant::qlinear_conv(imp, node),
        "Conv" => {
            let attrs = imp.convert_attrs(node, &[])?;
            let mut operands = vec![imp.required(node, 0)?, imp.required(node, 1)?];
            operands.extend(node.input(2));
            emit1(imp, node, names::GRAPH_CONV, &operands, attrs)
        }
        _ => direct(imp, node),
    }
}

/// Same operands and attributes as the ONNX node.
fn direct(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let op = graph_op_name(node.op_type())
        .ok_or_else(|| node.unsupported("no graph op implements it"))?;
    let attrs = imp.convert_attrs(node, &[])?;
    let present: Vec<usize> = node.inputs.iter().flatten().copied().collect();
    if present.len()
        != node
            .inputs
            .iter()
            .rposition(|i| i.is_some())
            .map_or(0, |p| p + 1)
    {
        return Err(node.unsupported("an omitted optional input before a present one"));
    }
    let n = node.num_outputs().max(1);
    imp.emit(node, op, &present, attrs, n)
}

fn emit1(
    imp: &mut Importer,
    node: &NodeCtx,
    op: OpName,
    operands: &[usize],
    attrs: Attrs,
) -> Result<Vec<usize>, ImportError> {
    imp.emit(node, op, operands, attrs, 1)
}

pub(crate) fn onnx_type(node: &NodeCtx, code: i64) -> Result<ElementType, ImportError> {
    element_type(code as i32).ok_or_else(|| {
        ImportError::UnsupportedType(format!(
            "node '{}' ({}) uses element type {}",
            node.name,
            node.op_type(),
            crate::proto::data_type::name(code as i32)
        ))
    })
}

/// A constant integer-list input (`None` when omitted).
pub(crate) fn const_ints(
    imp: &Importer,
    node: &NodeCtx,
    i: usize,
) -> Result<Option<Vec<i64>>, ImportError> {
    let Some(t) = imp.const_input(node, i)? else {
        return Ok(None);
    };
    if !t.elem().is_int() {
        return Err(node.error(format!("input #{i} must hold integers, found {}", t.elem())));
    }
    Ok(Some(t.to_i64s()))
}

/// A constant single-integer input (scalar or one-element tensor).
fn scalar_int(imp: &Importer, node: &NodeCtx, i: usize) -> Result<i64, ImportError> {
    let v = const_ints(imp, node, i)?.ok_or_else(|| node.error(format!("missing input #{i}")))?;
    match v.as_slice() {
        [x] => Ok(*x),
        _ => Err(node.error(format!(
            "input #{i} must hold exactly one value, found {}",
            v.len()
        ))),
    }
}

/// Axes given as an attribute before opset `since`, as input `i` from it on.
fn axes_arg(
    imp: &Importer,
    node: &NodeCtx,
    since: i64,
    i: usize,
) -> Result<Option<Vec<i64>>, ImportError> {
    if node.opset < since {
        Ok(node.attr_ints("axes"))
    } else {
        const_ints(imp, node, i)
    }
}

/// Moves constant input #1 into attribute `attr`.
fn input_to_attr(
    imp: &mut Importer,
    node: &NodeCtx,
    op: OpName,
    attr: &str,
) -> Result<Vec<usize>, ImportError> {
    let mut attrs = imp.convert_attrs(node, &[])?;
    let v =
        const_ints(imp, node, 1)?.ok_or_else(|| node.error(format!("missing input '{attr}'")))?;
    attrs.insert(attr.into(), Attribute::I64Array(v));
    emit1(imp, node, op, &[imp.required(node, 0)?], attrs)
}

fn constant(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let a = node
        .proto
        .attribute
        .first()
        .ok_or_else(|| node.error("Constant has no value attribute"))?;
    let t = match a.name.as_str() {
        "value" => {
            let attrs = imp.convert_attrs(node, &[])?;
            match attrs.get("value") {
                Some(Attribute::Dense(t)) => t.clone(),
                _ => return Err(node.error("'value' must be a tensor")),
            }
        }
        "value_float" => Tensor::scalar(a.f),
        "value_floats" => {
            Tensor::from_vec(vec![a.floats.len()], a.floats.clone()).map_err(|e| node.error(e))?
        }
        "value_int" => Tensor::scalar(a.i),
        "value_ints" => {
            Tensor::from_vec(vec![a.ints.len()], a.ints.clone()).map_err(|e| node.error(e))?
        }
        "sparse_value" => return Err(node.unsupported("sparse constants")),
        "value_string" | "value_strings" => {
            return Err(ImportError::UnsupportedType(format!(
                "node '{}' makes a string constant",
                node.name
            )))
        }
        other => return Err(node.error(format!("unknown Constant attribute '{other}'"))),
    };
    Ok(vec![imp.known(t, Rc::default())])
}

fn dropout(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    if node.opset >= 12 {
        if let Some(training) = imp.const_input(node, 2)? {
            if training.to_bools().first().copied().unwrap_or(false) {
                return Err(node.unsupported("training mode (random dropout)"));
            }
        }
    }
    let mut out = vec![x];
    if node.num_outputs() > 1 {
        let ty = imp.values[x].ty.clone();
        if ty.shape.numel() > crate::import::fold_limit() {
            return Err(node.unsupported("the mask output of a very large Dropout"));
        }
        let mask = Tensor::from_bools(ty.shape.clone(), vec![true; ty.shape.numel()]);
        out.push(imp.known(mask, Rc::default()));
    }
    Ok(out)
}

fn shape_of(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    let dims: Vec<i64> = imp.values[x]
        .ty
        .shape
        .dims()
        .iter()
        .map(|&d| d as i64)
        .collect();
    let r = dims.len() as i64;
    let clamp = |v: i64| (if v < 0 { v + r } else { v }).clamp(0, r) as usize;
    let start = clamp(node.attr_int("start").unwrap_or(0));
    let end = clamp(node.attr_int("end").unwrap_or(r));
    let part = if start < end {
        dims[start..end].to_vec()
    } else {
        vec![]
    };
    let t = Tensor::from_vec(vec![part.len()], part).map_err(|e| node.error(e))?;
    Ok(vec![imp.known(t, Rc::default())])
}

fn constant_of_shape(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let dims = const_ints(imp, node, 0)?.ok_or_else(|| node.error("missing shape input"))?;
    if dims.iter().any(|&d| d < 0) {
        return Err(node.error(format!("negative dimension in {dims:?}")));
    }
    let attrs = imp.convert_attrs(node, &[])?;
    let fill = match attrs.get("value") {
        Some(Attribute::Dense(t)) if t.numel() == 1 => t.clone(),
        Some(_) => return Err(node.error("'value' must be a one-element tensor")),
        None => Tensor::scalar(0.0f32),
    };
    let shape = Shape::new(dims.iter().map(|&d| d as usize));
    if shape.numel() > crate::import::fold_limit() {
        // A splat too large to hold as a constant (a CNN's filler weights): one element,
        // broadcast by the kernel that needs it, so the module never stores the tensor.
        let mut b = Builder { imp, node };
        let one = b.constant(
            fill.reshape(Shape::scalar())
                .map_err(|e| node.error(e.to_string()))?,
        );
        return Ok(vec![b.op(
            names::GRAPH_EXPAND,
            &[one],
            &[("shape", Attribute::I64Array(dims))],
        )?]);
    }
    let zeros = vec![0usize; shape.numel()];
    let t = fill.gather_flat(shape, &zeros);
    let deps = imp.values[imp.required(node, 0)?].deps.clone();
    Ok(vec![imp.known(t, deps)])
}

fn range(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let get = |i: usize| -> Result<Rc<Tensor>, ImportError> {
        let t = imp
            .const_input(node, i)?
            .ok_or_else(|| node.error(format!("missing input #{i}")))?;
        if t.numel() != 1 {
            return Err(node.error(format!("input #{i} must be a scalar")));
        }
        Ok(t)
    };
    let (start, limit, delta) = (get(0)?, get(1)?, get(2)?);
    let elem = start.elem();
    if limit.elem() != elem || delta.elem() != elem {
        return Err(node.error("start, limit and delta must share an element type"));
    }
    let t = if elem.is_float() {
        let (s, l, d) = (start.to_f64s()[0], limit.to_f64s()[0], delta.to_f64s()[0]);
        if d == 0.0 {
            return Err(node.error("delta cannot be 0"));
        }
        let n = ((l - s) / d).ceil().max(0.0);
        let n = range_length(node, if n.is_finite() { n } else { f64::MAX })?;
        // ONNX accumulates in the element type: start + i * delta, rounded to it.
        let s = Tensor::from_f64s(elem, Shape::scalar(), &[s]).to_f64s()[0];
        let d = Tensor::from_f64s(elem, Shape::scalar(), &[d]).to_f64s()[0];
        Tensor::from_f64s(
            elem,
            Shape::new([n]),
            &(0..n).map(|i| s + i as f64 * d).collect::<Vec<_>>(),
        )
    } else {
        let (s, l, d) = (start.to_i64s()[0], limit.to_i64s()[0], delta.to_i64s()[0]);
        if d == 0 {
            return Err(node.error("delta cannot be 0"));
        }
        let (span, step) = (l as i128 - s as i128, d as i128);
        let n = if (span > 0) != (step > 0) || span == 0 {
            0
        } else {
            range_length(node, ((span.abs() + step.abs() - 1) / step.abs()) as f64)?
        };
        Tensor::from_i64s(
            elem,
            Shape::new([n]),
            &(0..n as i64).map(|i| s + i * d).collect::<Vec<_>>(),
        )
    };
    Ok(vec![imp.known(t, Rc::default())])
}

/// A folded Range's length `n`, or an error past the `fold_elements` limit.
fn range_length(node: &NodeCtx, n: f64) -> Result<usize, ImportError> {
    if n > crate::import::fold_limit() as f64 {
        return Err(node.unsupported(format!(
            "a Range of {n} elements, past {} (a constant the importer builds)",
            strata_ir::limits::Limit::FoldElements.named()
        )));
    }
    Ok(n as usize)
}

/// Softmax, LogSoftmax and Hardmax before opset 13 treat the input as a 2-D matrix
/// [prod(dims[..axis]), prod(dims[axis..])]; reshape around the modern op.
fn softmax_legacy(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    let dims = imp.values[x].ty.shape.dims().to_vec();
    let axis = node.attr_int("axis").unwrap_or(1);
    let axis =
        strata_ir::types::normalize_axis(axis, dims.len().max(1)).map_err(|e| node.error(e))?;
    let outer: usize = dims[..axis.min(dims.len())].iter().product();
    let inner: usize = dims[axis.min(dims.len())..].iter().product();
    let op = graph_op_name(node.op_type()).ok_or_else(|| node.unsupported("no graph op"))?;
    let reshape = |shape: Vec<usize>| {
        let mut a = Attrs::new();
        a.insert(
            "shape".into(),
            Attribute::I64Array(shape.iter().map(|&d| d as i64).collect()),
        );
        a
    };
    let flat = emit1(
        imp,
        node,
        names::GRAPH_RESHAPE,
        &[x],
        reshape(vec![outer, inner]),
    )?[0];
    let mut attrs = Attrs::new();
    attrs.insert("axis".into(), Attribute::Int(1));
    let y = emit1(imp, node, op, &[flat], attrs)?[0];
    emit1(imp, node, names::GRAPH_RESHAPE, &[y], reshape(dims))
}

fn reshape(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    let target = const_ints(imp, node, 1)?.ok_or_else(|| node.error("missing shape input"))?;
    let in_dims = imp.values[x].ty.shape.dims().to_vec();
    let allow_zero = node.attr_int("allowzero").unwrap_or(0) != 0;
    let mut dims: Vec<i64> = Vec::with_capacity(target.len());
    for (i, &d) in target.iter().enumerate() {
        dims.push(match d {
            0 if !allow_zero => *in_dims.get(i).ok_or_else(|| {
                node.error(format!(
                    "shape {target:?} copies dimension {i}, which the input lacks"
                ))
            })? as i64,
            d if d < -1 => {
                return Err(node.error(format!("invalid dimension {d} in shape {target:?}")))
            }
            d => d,
        });
    }
    let wildcard: Vec<usize> = (0..dims.len()).filter(|&i| dims[i] == -1).collect();
    if wildcard.len() > 1 {
        return Err(node.error(format!("shape {target:?} has more than one -1")));
    }
    if let [w] = wildcard.as_slice() {
        let known: i64 = dims.iter().filter(|&&d| d != -1).product();
        let total: i64 = in_dims.iter().map(|&d| d as i64).product();
        if known == 0 || total % known != 0 {
            return Err(node.error(format!("cannot reshape {in_dims:?} to {target:?}")));
        }
        dims[*w] = total / known;
    }
    let mut attrs = Attrs::new();
    attrs.insert("shape".into(), Attribute::I64Array(dims));
    emit1(imp, node, names::GRAPH_RESHAPE, &[x], attrs)
}

fn reduce(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let op = graph_op_name(node.op_type()).ok_or_else(|| node.unsupported("no graph op"))?;
    let since = if node.op_type() == "ReduceSum" {
        13
    } else {
        18
    };
    let axes = axes_arg(imp, node, since, 1)?.unwrap_or_default();
    let x = imp.required(node, 0)?;
    if axes.is_empty() && node.attr_int("noop_with_empty_axes").unwrap_or(0) != 0 {
        return Ok(vec![x]);
    }
    let mut attrs = imp.convert_attrs(node, &["axes", "noop_with_empty_axes"])?;
    if !axes.is_empty() {
        attrs.insert("axes".into(), Attribute::I64Array(axes));
    }
    emit1(imp, node, op, &[x], attrs)
}

fn slice(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    let mut attrs = Attrs::new();
    if node.opset < 10 {
        for name in ["starts", "ends", "axes"] {
            if let Some(v) = node.attr_ints(name) {
                attrs.insert(name.into(), Attribute::I64Array(v));
            }
        }
    } else {
        for (i, name) in [(1, "starts"), (2, "ends"), (3, "axes"), (4, "steps")] {
            if let Some(v) = const_ints(imp, node, i)? {
                attrs.insert(name.into(), Attribute::I64Array(v));
            }
        }
    }
    emit1(imp, node, names::GRAPH_SLICE, &[x], attrs)
}

fn pad(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    let ty = imp.values[x].ty.clone();
    let rank = ty.shape.rank();
    let mut attrs = imp.convert_attrs(node, &["pads", "value", "paddings"])?;
    let (pads, value) = if node.opset < 11 {
        let pads = node
            .attr_ints("pads")
            .or_else(|| node.attr_ints("paddings"))
            .unwrap_or_default();
        let value = node.attr_float("value").unwrap_or(0.0) as f64;
        (pads, Tensor::from_f64s(ty.elem, Shape::scalar(), &[value]))
    } else {
        let pads = const_ints(imp, node, 1)?.ok_or_else(|| node.error("missing pads input"))?;
        let value = match imp.const_input(node, 2)? {
            Some(v) if v.numel() == 1 => v
                .cast(ty.elem)
                .reshape(Shape::scalar())
                .map_err(|e| node.error(e))?,
            Some(_) => return Err(node.error("constant_value must be a scalar")),
            None => Tensor::from_f64s(ty.elem, Shape::scalar(), &[0.0]),
        };
        let pads = match const_ints(imp, node, 3)? {
            None => pads,
            Some(axes) => {
                if pads.len() != 2 * axes.len() {
                    return Err(node.error(format!(
                        "pads {pads:?} must have two values per axis in {axes:?}"
                    )));
                }
                let mut full = vec![0i64; 2 * rank];
                for (j, &ax) in axes.iter().enumerate() {
                    let a =
                        strata_ir::types::normalize_axis(ax, rank).map_err(|e| node.error(e))?;
                    full[a] = pads[j];
                    full[rank + a] = pads[axes.len() + j];
                }
                full
            }
        };
        (pads, value)
    };
    attrs.insert("pads".into(), Attribute::I64Array(pads));
    attrs.insert("value".into(), Attribute::Dense(value));
    emit1(imp, node, names::GRAPH_PAD, &[x], attrs)
}

fn clip(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    let elem = imp.values[x].ty.elem;
    let mut attrs = Attrs::new();
    for (i, name) in [(1, "min"), (2, "max")] {
        let bound = if node.opset < 11 {
            node.attr_float(name)
                .map(|v| Tensor::from_f64s(elem, Shape::scalar(), &[v as f64]))
        } else {
            match imp.const_input(node, i)? {
                Some(t) if t.numel() == 1 => Some(
                    t.cast(elem)
                        .reshape(Shape::scalar())
                        .map_err(|e| node.error(e))?,
                ),
                Some(_) => return Err(node.error(format!("'{name}' must be a scalar"))),
                None => None,
            }
        };
        if let Some(b) = bound {
            attrs.insert(name.into(), Attribute::Dense(b));
        }
    }
    emit1(imp, node, names::GRAPH_CLIP, &[x], attrs)
}

fn f64_list(values: &[f64]) -> Attribute {
    Attribute::Array(
        values
            .iter()
            .map(|&v| Attribute::Float(v, ElementType::F64))
            .collect(),
    )
}

/// Resolves Resize's (and Upsample's) scales, sizes, axes and aspect-ratio policy into
/// the output shape and the per-axis scale its coordinate transformation uses.
fn resize(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    let in_dims = imp.values[x].ty.shape.dims().to_vec();
    let rank = in_dims.len();
    let legacy = node.op_type() == "Upsample" || node.opset < 11;
    let floats = |t: Option<Rc<Tensor>>| t.filter(|t| t.numel() > 0).map(|t| t.to_f64s());
    let (roi, scales, sizes) = if legacy {
        // Upsample and Resize-10: Resize(X, scales), or Upsample-7's scales attribute.
        let scales = match node.attr("scales") {
            Some(a) if node.op_type() == "Upsample" && node.opset < 9 => {
                Some(a.floats.iter().map(|&v| v as f64).collect())
            }
            _ => floats(imp.const_input(node, 1)?),
        };
        (None, scales, None)
    } else {
        let roi = floats(imp.const_input(node, 1)?);
        let scales = floats(imp.const_input(node, 2)?);
        let sizes = const_ints(imp, node, 3)?.filter(|s| !s.is_empty());
        (roi, scales, sizes)
    };
    let axes: Vec<usize> = match node.attr_ints("axes") {
        Some(a) if !a.is_empty() => a
            .iter()
            .map(|&ax| strata_ir::types::normalize_axis(ax, rank).map_err(|e| node.error(e)))
            .collect::<Result<_, _>>()?,
        _ => (0..rank).collect(),
    };
    let spread = |values: &[f64], fill: f64| -> Result<Vec<f64>, ImportError> {
        if values.len() != axes.len() {
            return Err(node.error(format!(
                "expected {} values (one per axis), found {}",
                axes.len(),
                values.len()
            )));
        }
        let mut full = vec![fill; rank];
        for (&ax, &v) in axes.iter().zip(values) {
            full[ax] = v;
        }
        Ok(full)
    };
    let (out, scale): (Vec<usize>, Vec<f64>) = match (&scales, &sizes) {
        (Some(sc), None) => {
            let sc = spread(sc, 1.0)?;
            if sc.iter().any(|&v| v.is_nan() || v <= 0.0) {
                return Err(node.error(format!("scales {sc:?} must be positive")));
            }
            (
                (0..rank)
                    .map(|i| (in_dims[i] as f64 * sc[i]).floor() as usize)
                    .collect(),
                sc,
            )
        }
        (None, Some(sz)) => {
            let sz = spread(&sz.iter().map(|&v| v as f64).collect::<Vec<_>>(), 0.0)?;
            let mut sc: Vec<f64> = (0..rank)
                .map(|i| {
                    if axes.contains(&i) {
                        sz[i] / in_dims[i] as f64
                    } else {
                        1.0
                    }
                })
                .collect();
            let policy = node.attr_string("keep_aspect_ratio_policy", "stretch");
            let out = match policy.as_str() {
                "stretch" => (0..rank)
                    .map(|i| {
                        if axes.contains(&i) {
                            sz[i] as usize
                        } else {
                            in_dims[i]
                        }
                    })
                    .collect(),
                "not_larger" | "not_smaller" => {
                    let picked = axes.iter().map(|&i| sc[i]);
                    let s = if policy == "not_larger" {
                        picked.fold(f64::INFINITY, f64::min)
                    } else {
                        picked.fold(0.0, f64::max)
                    };
                    for &i in &axes {
                        sc[i] = s;
                    }
                    (0..rank)
                        .map(|i| {
                            if axes.contains(&i) {
                                (s * in_dims[i] as f64 + 0.5) as usize
                            } else {
                                in_dims[i]
                            }
                        })
                        .collect()
                }
                other => {
                    return Err(node.error(format!("unknown keep_aspect_ratio_policy '{other}'")))
                }
            };
            (out, sc)
        }
        (Some(_), Some(_)) => return Err(node.error("give either scales or sizes, not both")),
        (None, None) => return Err(node.error("needs scales or sizes")),
    };
    let mut attrs = imp.convert_attrs(node, &["scales", "axes", "keep_aspect_ratio_policy"])?;
    if legacy {
        attrs.insert(
            "coordinate_transformation_mode".into(),
            Attribute::String("asymmetric".into()),
        );
        attrs.insert("nearest_mode".into(), Attribute::String("floor".into()));
    }
    attrs.insert(
        "sizes".into(),
        Attribute::I64Array(out.iter().map(|&d| d as i64).collect()),
    );
    attrs.insert("scales".into(), f64_list(&scale));
    let tf_crop = matches!(attrs.get("coordinate_transformation_mode"), Some(Attribute::String(m)) if m == "tf_crop_and_resize");
    if tf_crop {
        let roi = roi.ok_or_else(|| node.error("tf_crop_and_resize needs roi"))?;
        if roi.len() != 2 * axes.len() {
            return Err(node.error(format!("roi must have {} values", 2 * axes.len())));
        }
        let mut full: Vec<f64> = vec![0.0; rank].into_iter().chain(vec![1.0; rank]).collect();
        for (j, &ax) in axes.iter().enumerate() {
            full[ax] = roi[j];
            full[rank + ax] = roi[axes.len() + j];
        }
        attrs.insert("roi".into(), f64_list(&full));
    }
    emit1(imp, node, names::GRAPH_RESIZE, &[x], attrs)
}

/// GroupNormalization's scale and bias were per group before opset 21 and per channel
/// from it on; the graph op is per channel, so repeat per-group values over their channels.
fn group_norm(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let attrs = imp.convert_attrs(node, &[])?;
    let x = imp.required(node, 0)?;
    let (mut scale, mut bias) = (imp.required(node, 1)?, imp.required(node, 2)?);
    let channels = *imp.values[x]
        .ty
        .shape
        .dims()
        .get(1)
        .ok_or_else(|| node.error("input needs a channel dimension"))?;
    let groups = node
        .attr_int("num_groups")
        .ok_or_else(|| node.error("missing attribute 'num_groups'"))?;
    if node.opset < 21 && groups > 0 && channels % groups as usize == 0 {
        let per_group = channels / groups as usize;
        for v in [&mut scale, &mut bias] {
            let mut a = Attrs::new();
            a.insert("shape".into(), Attribute::I64Array(vec![groups, 1]));
            let col = emit1(imp, node, names::GRAPH_RESHAPE, &[*v], a)?[0];
            let mut a = Attrs::new();
            a.insert(
                "shape".into(),
                Attribute::I64Array(vec![groups, per_group as i64]),
            );
            let wide = emit1(imp, node, names::GRAPH_EXPAND, &[col], a)?[0];
            let mut a = Attrs::new();
            a.insert("shape".into(), Attribute::I64Array(vec![channels as i64]));
            *v = emit1(imp, node, names::GRAPH_RESHAPE, &[wide], a)?[0];
        }
    }
    emit1(
        imp,
        node,
        names::GRAPH_GROUP_NORMALIZATION,
        &[x, scale, bias],
        attrs,
    )
}

/// TensorScatter (a KV-cache update): `update` written into `past_cache` along the
/// sequence axis from each batch row's write index (wrapping around the cache in
/// `circular` mode) — a ScatterElements whose indices are the write index plus the
/// position in the update.
fn tensor_scatter(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let (past, update) = (imp.required(node, 0)?, imp.required(node, 1)?);
    let mut b = Builder { imp, node };
    let (pd, ud) = (b.dims(past), b.dims(update));
    let rank = pd.len();
    let axis = node.attr_int("axis").unwrap_or(-2);
    let axis = if axis < 0 { axis + rank as i64 } else { axis };
    if rank < 2 || axis < 1 || axis >= rank as i64 || ud.len() != rank {
        return Err(node.error(format!(
            "past_cache {pd:?} and update {ud:?} need one rank of at least 2 and a sequence axis after the batch axis (axis {axis})"
        )));
    }
    let axis = axis as usize;
    let (max_seq, seq) = (pd[axis], ud[axis]);
    if ud
        .iter()
        .zip(&pd)
        .enumerate()
        .any(|(i, (u, p))| i != axis && u != p)
        || seq > max_seq
    {
        return Err(node.error(format!(
            "update {ud:?} must match past_cache {pd:?} but along axis {axis}, where it is at most as long"
        )));
    }
    let mode = node.attr_string("mode", "linear");
    if mode != "linear" && mode != "circular" {
        return Err(node.error(format!("mode '{mode}' is neither linear nor circular")));
    }
    // Position in the update along the axis, broadcast over the rest.
    let mut shape = vec![1usize; rank];
    shape[axis] = seq;
    let positions = b.constant(
        Tensor::from_vec(Shape::new(shape), (0..seq as i64).collect::<Vec<_>>())
            .map_err(|e| node.error(e.to_string()))?,
    );
    let index = match node.input(2) {
        Some(w) => {
            let mut wd = vec![1usize; rank];
            wd[0] = pd[0];
            if b.dims(w) != [pd[0]] || b.imp.values[w].ty.elem != ElementType::I64 {
                return Err(node.error(format!(
                    "write_indices must be int64 of shape [{}], found {}",
                    pd[0], b.imp.values[w].ty
                )));
            }
            let w = b.reshape(w, &wd)?;
            b.op(names::GRAPH_ADD, &[w, positions], &[])?
        }
        None => positions,
    };
    let index = if mode == "circular" {
        let m = b.constant(Tensor::scalar(max_seq as i64));
        b.op(names::GRAPH_MOD, &[index, m], &[])?
    } else {
        index
    };
    let full: Vec<i64> = ud.iter().map(|&d| d as i64).collect();
    let index = b.op(
        names::GRAPH_EXPAND,
        &[index],
        &[("shape", Attribute::I64Array(full))],
    )?;
    Ok(vec![b.op(
        names::GRAPH_SCATTER_ELEMENTS,
        &[past, index, update],
        &[("axis", Attribute::Int(axis as i64))],
    )?])
}

/// Col2Im: each column's block of values added into the (padded) image at the block's
/// place — a ScatterElements with `add` whose indices follow from the static shapes —
/// then the padding cut off.
fn col2im(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    let image = const_ints(imp, node, 1)?.ok_or_else(|| node.error("missing image_shape"))?;
    let block = const_ints(imp, node, 2)?.ok_or_else(|| node.error("missing block_shape"))?;
    let d = image.len();
    let list = |name: &str, len: usize, default: i64| -> Result<Vec<i64>, ImportError> {
        let v = node.attr_ints(name).unwrap_or_else(|| vec![default; len]);
        if v.len() != len {
            return Err(node.error(format!("'{name}' has {} entries, {len} expected", v.len())));
        }
        Ok(v)
    };
    let (dil, strides, pads) = (
        list("dilations", d, 1)?,
        list("strides", d, 1)?,
        list("pads", 2 * d, 0)?,
    );
    let mut b = Builder { imp, node };
    let xd = b.dims(x);
    let k: i64 = block.iter().product();
    if block.len() != d
        || xd.len() != 3
        || k <= 0
        || xd[1] as i64 % k != 0
        || image
            .iter()
            .chain(&block)
            .chain(&dil)
            .chain(&strides)
            .any(|&v| v <= 0)
        || pads.iter().any(|&p| p < 0)
    {
        return Err(node.error(format!(
            "input {xd:?}, image_shape {image:?} and block_shape {block:?} do not fit (positive sizes, [N, C*prod(block), L])"
        )));
    }
    let (n, c, l) = (xd[0], xd[1] / k as usize, xd[2]);
    let padded: Vec<i64> = (0..d).map(|i| image[i] + pads[i] + pads[d + i]).collect();
    let blocks: Vec<i64> = (0..d)
        .map(|i| (padded[i] - (dil[i] * (block[i] - 1) + 1)) / strides[i] + 1)
        .collect();
    if blocks.iter().any(|&v| v <= 0) || blocks.iter().product::<i64>() != l as i64 {
        return Err(node.error(format!(
            "{l} columns, but the image gives {blocks:?} block positions"
        )));
    }
    let unravel = |mut i: i64, dims: &[i64]| -> Vec<i64> {
        let mut out = vec![0; dims.len()];
        for j in (0..dims.len()).rev() {
            out[j] = i % dims[j];
            i /= dims[j];
        }
        out
    };
    let size = node.fold_size("the column index table", &[k as usize, l])?;
    let mut index = Vec::with_capacity(size);
    for kk in 0..k {
        let ko = unravel(kk, &block);
        for ll in 0..l as i64 {
            let bo = unravel(ll, &blocks);
            let mut flat = 0;
            for i in 0..d {
                flat = flat * padded[i] + bo[i] * strides[i] + ko[i] * dil[i];
            }
            index.push(flat);
        }
    }
    let total: i64 = padded.iter().product();
    let kl = k as usize * l;
    let index = b.constant(
        Tensor::from_vec(Shape::new([1, 1, kl]), index).map_err(|e| node.error(e.to_string()))?,
    );
    let index = b.op(
        names::GRAPH_EXPAND,
        &[index],
        &[(
            "shape",
            Attribute::I64Array(vec![n as i64, c as i64, kl as i64]),
        )],
    )?;
    let elem = b.imp.values[x].ty.elem;
    // The image starts as zeros broadcast by a kernel, not a constant of its size.
    let zero = b.scalar(elem, 0.0);
    let zeros = b.op(
        names::GRAPH_EXPAND,
        &[zero],
        &[(
            "shape",
            Attribute::I64Array(vec![n as i64, c as i64, total]),
        )],
    )?;
    let cols = b.reshape(x, &[n, c, kl])?;
    let sums = b.op(
        names::GRAPH_SCATTER_ELEMENTS,
        &[zeros, index, cols],
        &[
            ("axis", Attribute::Int(2)),
            ("reduction", Attribute::String("add".into())),
        ],
    )?;
    let mut shape = vec![n, c];
    shape.extend(padded.iter().map(|&p| p as usize));
    let y = b.reshape(sums, &shape)?;
    if pads.iter().all(|&p| p == 0) {
        return Ok(vec![y]);
    }
    Ok(vec![b.op(
        names::GRAPH_SLICE,
        &[y],
        &[
            ("starts", Attribute::I64Array(pads[..d].to_vec())),
            (
                "ends",
                Attribute::I64Array((0..d).map(|i| pads[i] + image[i]).collect()),
            ),
            ("axes", Attribute::I64Array((2..2 + d as i64).collect())),
        ],
    )?])
}

/// The largest matrix Det expands (Leibniz's formula: 4! = 24 products of 4 entries).
const DET_MAX: usize = 4;

/// Det of `[..., M, M]` for M up to [`DET_MAX`]: the sum over permutations σ of
/// sign(σ)·Π x[i, σ(i)], each entry a slice of the batch of matrices.
fn det(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    let mut b = Builder { imp, node };
    let dims = b.dims(x);
    let r = dims.len();
    if r < 2 || dims[r - 1] != dims[r - 2] || !b.imp.values[x].ty.elem.is_float() {
        return Err(node.error(format!(
            "X must be float square matrices [..., M, M], found {}",
            b.imp.values[x].ty
        )));
    }
    let m = dims[r - 1];
    if m > DET_MAX || m == 0 {
        return Err(node.unsupported(format!(
            "determinants of {m}x{m} matrices (Strata expands them up to {DET_MAX}x{DET_MAX})"
        )));
    }
    let batch = dims[..r - 2].to_vec();
    let mut entry = vec![vec![0usize; m]; m];
    for (i, row) in entry.iter_mut().enumerate() {
        for (j, e) in row.iter_mut().enumerate() {
            let s = b.op(
                names::GRAPH_SLICE,
                &[x],
                &[
                    ("starts", Attribute::I64Array(vec![i as i64, j as i64])),
                    (
                        "ends",
                        Attribute::I64Array(vec![i as i64 + 1, j as i64 + 1]),
                    ),
                    (
                        "axes",
                        Attribute::I64Array(vec![r as i64 - 2, r as i64 - 1]),
                    ),
                ],
            )?;
            *e = b.reshape(s, &batch)?;
        }
    }
    // Permutations in lexicographic order with their signs (by counting inversions).
    let mut perms: Vec<Vec<usize>> = vec![vec![]];
    for _ in 0..m {
        perms = perms
            .into_iter()
            .flat_map(|p| {
                (0..m)
                    .filter(|j| !p.contains(j))
                    .map(|j| {
                        let mut q = p.clone();
                        q.push(j);
                        q
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
    }
    let mut sum: Option<usize> = None;
    for p in perms {
        let inversions = (0..m)
            .flat_map(|i| (i + 1..m).map(move |j| (i, j)))
            .filter(|&(i, j)| p[i] > p[j])
            .count();
        let mut term = entry[0][p[0]];
        for (i, &j) in p.iter().enumerate().skip(1) {
            term = b.op(names::GRAPH_MUL, &[term, entry[i][j]], &[])?;
        }
        let op = if inversions % 2 == 0 {
            names::GRAPH_ADD
        } else {
            names::GRAPH_SUB
        };
        sum = Some(match sum {
            Some(s) => b.op(op, &[s, term], &[])?,
            None if op == names::GRAPH_SUB => b.op(names::GRAPH_NEG, &[term], &[])?,
            None => term,
        });
    }
    Ok(vec![sum.expect("one permutation at least")])
}

/// SwiGLU: `a · sigmoid(alpha · a) · b`, A and B of one shape.
fn swiglu(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let (a, bv) = (imp.required(node, 0)?, imp.required(node, 1)?);
    let alpha = node.attr("alpha").map_or(1.0, |x| x.f as f64);
    let mut b = Builder { imp, node };
    let (ta, tb) = (&b.imp.values[a].ty, &b.imp.values[bv].ty);
    if ta != tb || !ta.elem.is_float() {
        return Err(node.error(format!(
            "A and B must be float tensors of one type, found {ta} and {tb}"
        )));
    }
    let elem = ta.elem;
    let scaled = if alpha == 1.0 {
        a
    } else {
        let k = b.scalar(elem, alpha);
        b.op(names::GRAPH_MUL, &[a, k], &[])?
    };
    let gate = b.op(names::GRAPH_SIGMOID, &[scaled], &[])?;
    let swish = b.op(names::GRAPH_MUL, &[a, gate], &[])?;
    Ok(vec![b.op(names::GRAPH_MUL, &[swish, bv], &[])?])
}

/// MaxUnpool: the values scattered to their flat indices (MaxPool's) in a zero tensor of
/// the inferred size, placed at the start of `output_shape` when one is given.
fn max_unpool(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let (x, index) = (imp.required(node, 0)?, imp.required(node, 1)?);
    let output_shape = const_ints(imp, node, 2)?;
    let kernel = node
        .attr_ints("kernel_shape")
        .ok_or_else(|| node.error("missing attribute 'kernel_shape'"))?;
    let mut b = Builder { imp, node };
    let dims = b.dims(x);
    let k = kernel.len();
    if dims.len() != k + 2 || b.dims(index) != dims {
        return Err(node.error(format!(
            "X must be [N, C, {k} spatial sizes] and the indices of its shape, found {dims:?} and {:?}",
            b.dims(index)
        )));
    }
    let strides = node.attr_ints("strides").unwrap_or_else(|| vec![1; k]);
    let pads = node.attr_ints("pads").unwrap_or_else(|| vec![0; 2 * k]);
    if strides.len() != k || pads.len() != 2 * k {
        return Err(node.error("strides and pads must match kernel_shape"));
    }
    let mut inferred = dims[..2].to_vec();
    for d in 0..k {
        let size = (dims[d + 2] as i64 - 1) * strides[d] - (pads[d] + pads[k + d]) + kernel[d];
        if size <= 0 {
            return Err(node.error(format!("the output's dimension {} would be {size}", d + 2)));
        }
        inferred.push(size as usize);
    }
    let total = node.fold_size("the output's zeros", &inferred)?;
    let elem = b.imp.values[x].ty.elem;
    let zeros = b.constant(Tensor::from_f64s(
        elem,
        Shape::new([total]),
        &vec![0.0; total],
    ));
    let n: usize = dims.iter().product();
    let flat_x = b.reshape(x, &[n])?;
    let flat_i = b.reshape(index, &[n])?;
    let y = b.op(
        names::GRAPH_SCATTER_ELEMENTS,
        &[zeros, flat_i, flat_x],
        &[("axis", Attribute::Int(0))],
    )?;
    let y = b.reshape(y, &inferred)?;
    let Some(shape) = output_shape else {
        return Ok(vec![y]);
    };
    if shape.len() != inferred.len() || shape.iter().zip(&inferred).any(|(&s, &i)| s < i as i64) {
        return Err(node.error(format!(
            "output_shape {shape:?} must have the input's rank and hold the inferred {inferred:?}"
        )));
    }
    let mut pad = vec![0i64; 2 * inferred.len()];
    for (d, (&s, &i)) in shape.iter().zip(&inferred).enumerate() {
        pad[inferred.len() + d] = s - i as i64;
    }
    let zero = Tensor::from_f64s(elem, Shape::scalar(), &[0.0]);
    Ok(vec![b.pad(y, pad, zero)?])
}

/// Builds graph ops for one node, folding constants as it goes.
pub(crate) struct Builder<'i, 'a, 'n> {
    pub(crate) imp: &'i mut Importer<'a>,
    pub(crate) node: &'i NodeCtx<'n>,
}

impl Builder<'_, '_, '_> {
    pub(crate) fn op(
        &mut self,
        op: OpName,
        operands: &[usize],
        attrs: &[(&str, Attribute)],
    ) -> Result<usize, ImportError> {
        let attrs: Attrs = attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        Ok(self.imp.emit(self.node, op, operands, attrs, 1)?[0])
    }

    pub(crate) fn constant(&mut self, t: Tensor) -> usize {
        self.imp.known(t, Rc::default())
    }

    /// A tensor of zeros: a constant when it is small enough to hold (the fold limit),
    /// else one zero broadcast to `dims`, so a huge declared size never allocates here.
    pub(crate) fn zeros(
        &mut self,
        dims: &[usize],
        elem: ElementType,
    ) -> Result<usize, ImportError> {
        let n = dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        if n.is_some_and(|n| n <= crate::import::fold_limit()) {
            return Ok(self.constant(Tensor::zeros(&TensorType::new(dims.to_vec(), elem))));
        }
        let shape = dims
            .iter()
            .map(|&d| i64::try_from(d))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| self.node.error(format!("a shape of {dims:?} is too large")))?;
        let zero = self.scalar(elem, 0.0);
        self.op(
            names::GRAPH_EXPAND,
            &[zero],
            &[("shape", Attribute::I64Array(shape))],
        )
    }

    /// `x` [B, H, S, D] with each head repeated `group` times in a row: [B, H·group, S, D]
    /// (grouped-query attention's KV heads, one per query head).
    pub(crate) fn repeat_heads(&mut self, x: usize, group: usize) -> Result<usize, ImportError> {
        if group == 1 {
            return Ok(x);
        }
        let d = self.dims(x);
        let u = self.reshape(x, &[d[0], d[1], 1, d[2], d[3]])?;
        let shape = [d[0], d[1], group, d[2], d[3]].map(|v| v as i64).to_vec();
        let e = self.op(
            names::GRAPH_EXPAND,
            &[u],
            &[("shape", Attribute::I64Array(shape))],
        )?;
        self.reshape(e, &[d[0], d[1] * group, d[2], d[3]])
    }

    pub(crate) fn scalar(&mut self, elem: ElementType, v: f64) -> usize {
        self.constant(Tensor::from_f64s(elem, Shape::scalar(), &[v]))
    }

    /// `v` as element type `to` (itself when it is one already).
    pub(crate) fn cast(&mut self, v: usize, to: ElementType) -> Result<usize, ImportError> {
        if self.imp.values[v].ty.elem == to {
            return Ok(v);
        }
        self.op(
            names::GRAPH_CAST,
            &[v],
            &[("to", Attribute::Type(Type::Scalar(to)))],
        )
    }

    pub(crate) fn dims(&self, v: usize) -> Vec<usize> {
        self.imp.values[v].ty.shape.dims().to_vec()
    }

    pub(crate) fn reshape(&mut self, v: usize, dims: &[usize]) -> Result<usize, ImportError> {
        self.op(
            names::GRAPH_RESHAPE,
            &[v],
            &[(
                "shape",
                Attribute::I64Array(dims.iter().map(|&d| d as i64).collect()),
            )],
        )
    }

    /// GatherElements of `v` along `axis` at a constant index whose size-1 axes
    /// broadcast over `v`'s shape (one index row serves every other position).
    pub(crate) fn gather_at(
        &mut self,
        v: usize,
        index: Tensor,
        axis: usize,
    ) -> Result<usize, ImportError> {
        let index = self.constant(index);
        let shape: Vec<i64> = self.dims(v).iter().map(|&d| d as i64).collect();
        let index = self.op(
            names::GRAPH_EXPAND,
            &[index],
            &[("shape", Attribute::I64Array(shape))],
        )?;
        self.op(
            names::GRAPH_GATHER_ELEMENTS,
            &[v, index],
            &[("axis", Attribute::Int(axis as i64))],
        )
    }

    /// A constant pad of `v`: `pads` as ONNX orders them (all begins, then all ends).
    pub(crate) fn pad(
        &mut self,
        v: usize,
        pads: Vec<i64>,
        value: Tensor,
    ) -> Result<usize, ImportError> {
        self.op(
            names::GRAPH_PAD,
            &[v],
            &[
                ("pads", Attribute::I64Array(pads)),
                ("value", Attribute::Dense(value)),
            ],
        )
    }

    pub(crate) fn transpose(&mut self, v: usize, perm: &[i64]) -> Result<usize, ImportError> {
        self.op(
            names::GRAPH_TRANSPOSE,
            &[v],
            &[("perm", Attribute::I64Array(perm.to_vec()))],
        )
    }
}

/// Attention (opset 23+) as the graph ops of its definition: per-head reshapes, scaled
/// Q·Kᵀ, soft-capping, an additive bias from the mask, causal and sliding-window limits
/// and KV padding, softmax (rows with nothing to attend give zeros), then ·V. The
/// limits depend only on shapes and constants, so they fold into one constant bias.
fn attention(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let (q, k, v) = (
        imp.required(node, 0)?,
        imp.required(node, 1)?,
        imp.required(node, 2)?,
    );
    let mask = node.input(3);
    let (past_k, past_v) = (node.input(4), node.input(5));
    let nonpad = match node.input(6) {
        Some(_) => Some(const_ints(imp, node, 6)?.unwrap_or_default()),
        None => None,
    };
    let attr_f = |name: &str| node.attr(name).map(|a| a.f as f64);
    let attr_i = |name: &str| node.attr_int(name);
    let mut b = Builder { imp, node };
    let elem = b.imp.values[q].ty.elem;
    if !elem.is_float() {
        return Err(node.error(format!("Q must be a float tensor, found {elem}")));
    }
    let rank = b.dims(q).len();
    if rank != 3 && rank != 4 || b.dims(k).len() != rank || b.dims(v).len() != rank {
        return Err(node.error("Q, K and V must all be 3-D or all 4-D"));
    }
    if past_k.is_some() != past_v.is_some() {
        return Err(node.error("past_key and past_value must be given together"));
    }
    if nonpad.is_some() && past_k.is_some() {
        return Err(node.error("nonpad_kv_seqlen cannot be combined with a past cache"));
    }
    // To [batch, heads, seq, head_size].
    let split_heads =
        |b: &mut Builder, x: usize, heads: Option<i64>| -> Result<usize, ImportError> {
            if rank == 4 {
                return Ok(x);
            }
            let d = b.dims(x);
            let h = heads
                .filter(|&h| h > 0 && d[2].is_multiple_of(h as usize))
                .ok_or_else(|| {
                    node.error(format!(
                        "3-D inputs need q_num_heads and kv_num_heads dividing the hidden size {}",
                        d[2]
                    ))
                })? as usize;
            let r = b.reshape(x, &[d[0], d[1], h, d[2] / h])?;
            b.transpose(r, &[0, 2, 1, 3])
        };
    let q = split_heads(&mut b, q, attr_i("q_num_heads"))?;
    let k = split_heads(&mut b, k, attr_i("kv_num_heads"))?;
    let v = split_heads(&mut b, v, attr_i("kv_num_heads"))?;
    let (qd, kd) = (b.dims(q), b.dims(k));
    if qd[3] != kd[3] || qd[0] != kd[0] {
        return Err(node.error(format!(
            "Q {qd:?} and K {kd:?} differ in batch or head size"
        )));
    }
    let scale = attr_f("scale").unwrap_or(1.0 / (qd[3] as f64).sqrt());
    let sqrt_scale = b.scalar(elem, scale.sqrt());
    let (k, v) = match (past_k, past_v) {
        (Some(pk), Some(pv)) => (
            b.op(
                names::GRAPH_CONCAT,
                &[pk, k],
                &[("axis", Attribute::Int(2))],
            )?,
            b.op(
                names::GRAPH_CONCAT,
                &[pv, v],
                &[("axis", Attribute::Int(2))],
            )?,
        ),
        _ => (k, v),
    };
    let (present_k, present_v) = (k, v);
    let (batch, q_len, kv_len) = (qd[0], qd[2], b.dims(k)[2]);
    let past_len = past_k.map_or(0, |pk| b.dims(pk)[2]);

    // The constant part of the bias: causal and window limits, KV padding; [q, kv] or,
    // with per-batch lengths, [batch, 1, q, kv].
    let causal = attr_i("is_causal").unwrap_or(0) != 0;
    let (left, right) = (
        attr_i("left_window_size").unwrap_or(-1),
        attr_i("right_window_size").unwrap_or(-1),
    );
    let offsets: Vec<i64> = match &nonpad {
        Some(n) if n.len() == batch => n.iter().map(|&l| l - q_len as i64).collect(),
        Some(n) => {
            return Err(node.error(format!(
                "nonpad_kv_seqlen has {} values for batch {batch}",
                n.len()
            )))
        }
        None => vec![past_len as i64],
    };
    let per_batch = nonpad.is_some();
    let entries = offsets
        .len()
        .checked_mul(q_len)
        .and_then(|n| n.checked_mul(kv_len))
        .filter(|&n| n <= crate::import::fold_limit())
        .ok_or_else(|| {
            node.unsupported(format!(
                "an attention bias of {} x {q_len} x {kv_len} entries, past {} (a constant the importer builds)",
                offsets.len(),
                strata_ir::limits::Limit::FoldElements.named()
            ))
        })?;
    let mut limits = Vec::with_capacity(entries);
    for (bi, &off) in offsets.iter().enumerate() {
        for i in 0..q_len as i64 {
            for j in 0..kv_len as i64 {
                let diff = i + off - j;
                let mut allowed = !causal || diff >= 0;
                allowed &= left < 0 || diff <= left;
                allowed &= right < 0 || -diff <= right;
                if let Some(n) = &nonpad {
                    allowed &= j < n[bi];
                }
                limits.push(if allowed { 0.0 } else { f64::NEG_INFINITY });
            }
        }
    }
    let limit_shape = if per_batch {
        Shape::new([batch, 1, q_len, kv_len])
    } else {
        Shape::new([q_len, kv_len])
    };
    let mut bias = b.constant(Tensor::from_f64s(elem, limit_shape, &limits));
    if let Some(m) = mask {
        let mut m = m;
        let md = b.dims(m);
        let is_bool = b.imp.values[m].ty.elem == ElementType::Bool;
        let last = *md
            .last()
            .ok_or_else(|| node.error("attn_mask must have rank at least 1"))?;
        if last < kv_len {
            // A shorter mask leaves the newest keys out: pad them as masked.
            let mut pads = vec![0i64; 2 * md.len()];
            pads[2 * md.len() - 1] = (kv_len - last) as i64;
            let fill = if is_bool {
                Tensor::from_bools(Shape::scalar(), vec![false])
            } else {
                Tensor::from_f64s(elem, Shape::scalar(), &[f64::NEG_INFINITY])
            };
            m = b.pad(m, pads, fill)?;
        }
        if is_bool {
            let (zero, ninf) = (b.scalar(elem, 0.0), b.scalar(elem, f64::NEG_INFINITY));
            m = b.op(names::GRAPH_WHERE, &[m, zero, ninf], &[])?;
        }
        bias = b.op(names::GRAPH_ADD, &[m, bias], &[])?;
    }

    // Grouped-query attention: repeat each K/V head for its group of query heads.
    let (qh, kh) = (qd[1], b.dims(k)[1]);
    let (k, v) = if qh != kh && kh > 0 && qh % kh == 0 {
        (b.repeat_heads(k, qh / kh)?, b.repeat_heads(v, qh / kh)?)
    } else {
        (k, v)
    };
    let qs = b.op(names::GRAPH_MUL, &[q, sqrt_scale], &[])?;
    let ks = b.op(names::GRAPH_MUL, &[k, sqrt_scale], &[])?;
    let kt = b.transpose(ks, &[0, 1, 3, 2])?;
    let mut qk = b.op(names::GRAPH_MATMUL, &[qs, kt], &[])?;
    if let Some(cap) = attr_f("softcap").filter(|&c| c > 0.0) {
        let c = b.scalar(elem, cap);
        let t = b.op(names::GRAPH_DIV, &[qk, c], &[])?;
        let t = b.op(names::GRAPH_TANH, &[t], &[])?;
        qk = b.op(names::GRAPH_MUL, &[t, c], &[])?;
    }
    let with_bias = b.op(names::GRAPH_ADD, &[qk, bias], &[])?;
    let precision = match attr_i("softmax_precision") {
        Some(code) => onnx_type(node, code)?,
        None => elem,
    };
    let logits = b.cast(with_bias, precision)?;
    let probs = b.op(
        names::GRAPH_SOFTMAX,
        &[logits],
        &[("axis", Attribute::Int(-1))],
    )?;
    // Rows whose bias masks every key attend to nothing: zeros, not NaN.
    let row_max = b.op(
        names::GRAPH_REDUCE_MAX,
        &[bias],
        &[
            ("axes", Attribute::I64Array(vec![-1])),
            ("keepdims", Attribute::Int(1)),
        ],
    )?;
    let all_masked = b.op(
        names::GRAPH_IS_INF,
        &[row_max],
        &[("detect_positive", Attribute::Int(0))],
    )?;
    let zero = b.scalar(precision, 0.0);
    let probs = b.op(names::GRAPH_WHERE, &[all_masked, zero, probs], &[])?;
    let probs = if precision != elem {
        b.op(
            names::GRAPH_CAST,
            &[probs],
            &[("to", Attribute::Type(Type::Scalar(elem)))],
        )?
    } else {
        probs
    };
    let mut y = b.op(names::GRAPH_MATMUL, &[probs, v], &[])?;
    if rank == 3 {
        let t = b.transpose(y, &[0, 2, 1, 3])?;
        let d = b.dims(t);
        y = b.reshape(t, &[d[0], d[1], d[2] * d[3]])?;
    }
    let qk_output = match attr_i("qk_matmul_output_mode").unwrap_or(0) {
        0 | 1 => qk,
        2 => with_bias,
        3 => probs,
        other => return Err(node.error(format!("unknown qk_matmul_output_mode {other}"))),
    };
    Ok(vec![y, present_k, present_v, qk_output])
}
