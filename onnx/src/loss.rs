//! Training losses as the graph ops of their definitions: NegativeLogLikelihoodLoss picks
//! each target's log-probability (GatherElements along the class axis), weighs it by
//! its class weight and reduces; SoftmaxCrossEntropyLoss is LogSoftmax over the classes
//! followed by that.

use crate::import::{Importer, NodeCtx};
use crate::ops::Builder;
use crate::ImportError;
use strata_ir::ops as names;
use strata_ir::{Attribute, Shape, Tensor};

/// The loss of log-probabilities `x` `[N, C, d...]` against class indices `target`
/// `[N, d...]`, with optional class `weight` `[C]`, by the node's `reduction` and
/// `ignore_index` attributes. Ignored targets contribute nothing, to the sum or to the
/// mean's denominator (the sum of the weights of the targets that count).
fn nll(
    b: &mut Builder,
    x: usize,
    target: usize,
    weight: Option<usize>,
) -> Result<usize, ImportError> {
    let node = b.node;
    let reduction = node.attr_string("reduction", "mean");
    let ignore = node.attr_int("ignore_index");
    let (xd, td) = (b.dims(x), b.dims(target));
    let elem = b.imp.values[x].ty.elem;
    let te = b.imp.values[target].ty.elem;
    if !elem.is_float() {
        return Err(node.error(format!("the input must be a float tensor, found {elem}")));
    }
    if !te.is_int() {
        return Err(node.error(format!("the target must hold class indices, found {te}")));
    }
    let mut expect = xd.clone();
    if xd.len() >= 2 {
        expect.remove(1);
    }
    if xd.len() < 2 || td != expect {
        return Err(node.error(format!(
            "input {xd:?} must be [N, C, d...] and target [N, d...], found target {td:?}"
        )));
    }
    // Ignored targets read class 0 (any valid class), then weigh nothing.
    let (safe, counted) = match ignore {
        Some(ii) => {
            let iiv = b.constant(Tensor::from_i64s(te, Shape::scalar(), &[ii]));
            let is_ignored = b.op(names::GRAPH_EQUAL, &[target, iiv], &[])?;
            let zero = b.constant(Tensor::from_i64s(te, Shape::scalar(), &[0]));
            let safe = b.op(names::GRAPH_WHERE, &[is_ignored, zero, target], &[])?;
            let (one, none) = (b.scalar(elem, 1.0), b.scalar(elem, 0.0));
            let counted = b.op(names::GRAPH_WHERE, &[is_ignored, none, one], &[])?;
            (safe, Some(counted))
        }
        None => (target, None),
    };
    let mut index_dims = td.clone();
    index_dims.insert(1, 1);
    let index = b.reshape(safe, &index_dims)?;
    let picked = b.op(
        names::GRAPH_GATHER_ELEMENTS,
        &[x, index],
        &[("axis", Attribute::Int(1))],
    )?;
    let picked = b.reshape(picked, &td)?;
    let w = match weight {
        Some(w) => {
            let g = b.op(
                names::GRAPH_GATHER,
                &[w, safe],
                &[("axis", Attribute::Int(0))],
            )?;
            Some(match counted {
                Some(c) => b.op(names::GRAPH_MUL, &[g, c], &[])?,
                None => g,
            })
        }
        None => counted,
    };
    let neg = b.op(names::GRAPH_NEG, &[picked], &[])?;
    let loss = match w {
        Some(w) => b.op(names::GRAPH_MUL, &[neg, w], &[])?,
        None => neg,
    };
    let all = [("keepdims", Attribute::Int(0))];
    match reduction.as_str() {
        "none" => Ok(loss),
        "sum" => b.op(names::GRAPH_REDUCE_SUM, &[loss], &all),
        "mean" => match w {
            Some(w) => {
                let total = b.op(names::GRAPH_REDUCE_SUM, &[loss], &all)?;
                let weight = b.op(names::GRAPH_REDUCE_SUM, &[w], &all)?;
                b.op(names::GRAPH_DIV, &[total, weight], &[])
            }
            None => b.op(names::GRAPH_REDUCE_MEAN, &[loss], &all),
        },
        other => Err(node.error(format!("unknown reduction '{other}' (none, sum or mean)"))),
    }
}

pub(crate) fn negative_log_likelihood_loss(
    imp: &mut Importer,
    node: &NodeCtx,
) -> Result<Vec<usize>, ImportError> {
    let (x, t) = (imp.required(node, 0)?, imp.required(node, 1)?);
    let mut b = Builder { imp, node };
    Ok(vec![nll(&mut b, x, t, node.input(2))?])
}

pub(crate) fn softmax_cross_entropy_loss(
    imp: &mut Importer,
    node: &NodeCtx,
) -> Result<Vec<usize>, ImportError> {
    let (x, t) = (imp.required(node, 0)?, imp.required(node, 1)?);
    let mut b = Builder { imp, node };
    let log_prob = b.op(
        names::GRAPH_LOG_SOFTMAX,
        &[x],
        &[("axis", Attribute::Int(1))],
    )?;
    let loss = nll(&mut b, log_prob, t, node.input(2))?;
    Ok(vec![loss, log_prob])
}
