//! `FlexAttention` (domain `ai.onnx.preview`): scaled dot-product attention whose scores
//! and probabilities pass through user subgraphs (`score_mod`, `prob_mod`), inlined at
//! import on the tensors they modify.

use crate::import::{Importer, NodeCtx};
use crate::ops::{onnx_type, Builder};
use crate::ImportError;
use strata_ir::ops as names;
use strata_ir::{Attribute, ElementType};

/// `softmax(score_mod((Q·√s)(K·√s)ᵀ)) → prob_mod → · V`, GQA's KV heads shared by
/// contiguous groups of query heads. The product is in the inputs' type (as the reference
/// scales both factors by √scale in it); the softmax and the product with V in
/// `softmax_precision` (f32 for narrower types), the result in V's type.
pub(crate) fn flex_attention(
    imp: &mut Importer,
    node: &NodeCtx,
) -> Result<Vec<usize>, ImportError> {
    let (q, k, v) = (
        imp.required(node, 0)?,
        imp.required(node, 1)?,
        imp.required(node, 2)?,
    );
    let mut b = Builder { imp, node };
    let (qd, kd, vd) = (b.dims(q), b.dims(k), b.dims(v));
    let elem = b.imp.values[q].ty.elem;
    let v_elem = b.imp.values[v].ty.elem;
    let fits = qd.len() == 4
        && kd.len() == 4
        && vd.len() == 4
        && kd[0] == qd[0]
        && vd[0] == qd[0]
        && kd[3] == qd[3]
        && vd[1] == kd[1]
        && vd[2] == kd[2]
        && kd[1] > 0
        && qd[1] % kd[1] == 0
        && elem.is_float();
    if !fits {
        return Err(node.error(format!(
            "Q {qd:?}, K {kd:?} and V {vd:?} must be float [batch, heads, length, size] tensors with Q's heads a multiple of K's and V's"
        )));
    }
    let group = qd[1] / kd[1];
    // Each KV head repeated for its group of query heads.
    let (k, v) = (b.repeat_heads(k, group)?, b.repeat_heads(v, group)?);
    let scale = match node.attr("scale") {
        Some(a) => a.f as f64,
        None => 1.0 / (qd[3] as f64).sqrt(),
    };
    // √scale rounded to f32, then to the inputs' type, as the reference has it.
    let root = (scale as f32).sqrt() as f64;
    let root = b.scalar(elem, root);
    let qs = b.op(names::GRAPH_MUL, &[q, root], &[])?;
    let ks = b.op(names::GRAPH_MUL, &[k, root], &[])?;
    let kt = b.op(
        names::GRAPH_TRANSPOSE,
        &[ks],
        &[("perm", Attribute::I64Array(vec![0, 1, 3, 2]))],
    )?;
    let scores = b.op(names::GRAPH_MATMUL, &[qs, kt], &[])?;
    let precision = match node.attr_int("softmax_precision") {
        Some(code) => onnx_type(node, code)?,
        None if elem == ElementType::F64 => elem,
        None => ElementType::F32,
    };
    let mut scores = b.cast(scores, precision)?;
    if let Some(g) = node.attr("score_mod").and_then(|a| a.g.as_ref()) {
        scores = modifier(&mut b, g, scores, "score_mod")?;
    }
    let mut probs = b.op(
        names::GRAPH_SOFTMAX,
        &[scores],
        &[("axis", Attribute::Int(-1))],
    )?;
    if let Some(g) = node.attr("prob_mod").and_then(|a| a.g.as_ref()) {
        probs = modifier(&mut b, g, probs, "prob_mod")?;
    }
    let vp = b.cast(v, precision)?;
    let out = b.op(names::GRAPH_MATMUL, &[probs, vp], &[])?;
    Ok(vec![b.cast(out, v_elem)?])
}

/// Modifier subgraph `g` inlined on `x`: one input, one output of `x`'s type.
fn modifier(
    b: &mut Builder,
    g: &crate::proto::GraphProto,
    x: usize,
    what: &str,
) -> Result<usize, ImportError> {
    let node = b.node;
    if g.input.len() != 1 || g.output.len() != 1 {
        return Err(node.error(format!(
            "'{what}' takes {} inputs and returns {} outputs; a modifier takes one and returns one",
            g.input.len(),
            g.output.len()
        )));
    }
    let label = format!("{}'s {what}", node.name);
    let out = b.imp.inline_bound(g, node.opset, &[x], &label)?[0];
    let (before, after) = (&b.imp.values[x].ty, &b.imp.values[out].ty);
    if before != after {
        return Err(node.error(format!(
            "'{what}' turns {before} into {after}; a modifier keeps the shape and type"
        )));
    }
    Ok(out)
}
