//! `If` and `Loop`: a branch whose condition is known at import is inlined; otherwise the
//! branches (or the loop body) are outlined into functions of the module and called by a
//! `graph.if` or `graph.loop`, which the host program runs (see `strata_ir::control`).

use crate::import::{Importer, NodeCtx};
use crate::proto::{GraphProto, ValueInfoProto};
use crate::ImportError;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use strata_ir::control::{BODY_ATTR, ELSE_ATTR, THEN_ATTR};
use strata_ir::ops as names;
use strata_ir::{Attribute, ElementType, Shape, Tensor, TensorType};

/// `If`: folded when the condition is known at import, run-time branching otherwise.
pub(crate) fn if_op(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let cond = imp.required(node, 0)?;
    if imp.values[cond].known.is_some() {
        return if_folded(imp, node);
    }
    let ty = imp.values[cond].ty.clone();
    if ty.elem != ElementType::Bool || ty.shape.numel() != 1 {
        return Err(node.error(format!("the condition must be one boolean, found {ty}")));
    }
    let then_g = subgraph(node, THEN_ATTR)?;
    let else_g = subgraph(node, ELSE_ATTR)?;
    let captured = imp.captures(&[then_g, else_g]);
    let base = imp.outlined_name("if");
    let mut results: Vec<Vec<TensorType>> = Vec::new();
    let mut attrs = BTreeMap::new();
    for (attr, g) in [(THEN_ATTR, then_g), (ELSE_ATTR, else_g)] {
        let what = format!("{}'s {attr}", node.name);
        if !g.input.is_empty() {
            return Err(node.error(format!(
                "the {attr} declares inputs; an If branch reads its scope's values by name"
            )));
        }
        let fname = format!("{base}_{}", &attr[..4]);
        let types = imp.outline_subgraph(g, node.opset, &fname, &[], &captured, &what)?;
        if types.len() != node.proto.output.len() {
            return Err(node.error(format!(
                "the {attr} has {} outputs, the node {}",
                types.len(),
                node.proto.output.len()
            )));
        }
        attrs.insert(attr.to_string(), Attribute::String(fname));
        results.push(types);
    }
    for (i, (t, e)) in results[0].iter().zip(&results[1]).enumerate() {
        if t != e {
            return Err(node.unsupported(format!(
                "output {i} ('{}') is {t} in the then_branch but {e} in the else_branch; branches run at run time must agree on their result types (static shapes)",
                node.proto.output[i]
            )));
        }
    }
    let mut operands = vec![cond];
    operands.extend(captured.iter().filter_map(|c| imp.lookup(c)));
    let types = results.swap_remove(0);
    Ok(imp.emit_typed(node, names::GRAPH_IF, &operands, attrs, types))
}

fn subgraph<'n>(node: &NodeCtx<'n>, name: &str) -> Result<&'n GraphProto, ImportError> {
    let proto = node.proto;
    proto
        .attribute
        .iter()
        .find(|a| a.name == name)
        .and_then(|a| a.g.as_ref())
        .ok_or_else(|| node.error(format!("missing the graph attribute '{name}'")))
}

/// The declared type of a loop body's counter or condition: one element of `elem`, of the
/// declared rank-0 or rank-1 shape (rank 0 when the body does not say).
fn single_type(vi: &ValueInfoProto, elem: ElementType) -> TensorType {
    let dims = vi
        .r#type
        .as_ref()
        .and_then(|t| t.tensor_type.as_ref())
        .and_then(|t| t.shape.as_ref())
        .map(|s| s.dim.len());
    match dims {
        Some(1) => TensorType::new(vec![1], elem),
        _ => TensorType::new(Shape::scalar(), elem),
    }
}

/// `Loop`: the body outlined and run by a `graph.loop` while the counter is below the
/// trip count and the condition holds. Scan outputs (a value stacked per iteration) have
/// no static shape, so they are an error.
pub(crate) fn loop_op(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let body = subgraph(node, BODY_ATTR)?;
    let n = node.proto.input.len().saturating_sub(2);
    if body.input.len() != 2 + n {
        return Err(node.error(format!(
            "the body takes {} inputs; a Loop with {n} carried values needs {}",
            body.input.len(),
            2 + n
        )));
    }
    let Some(n_scan) = body.output.len().checked_sub(1 + n) else {
        return Err(node.error(format!(
            "the body returns {} values; a Loop with {n} carried values returns its condition and them",
            body.output.len()
        )));
    };
    if n_scan > 0 {
        return Err(node.unsupported(format!(
            "{n_scan} scan output(s) ('{}'): a value stacked per iteration has a length known only at run time; Strata needs static shapes",
            body.output[1 + n].name
        )));
    }
    let none = || Rc::new(BTreeSet::new());
    let trip = match node.input(0) {
        Some(v) => v,
        None => imp.known(Tensor::scalar(i64::MAX), none()),
    };
    let cond = match node.input(1) {
        Some(v) => v,
        None => imp.known(Tensor::scalar(true), none()),
    };
    for (what, v, elem) in [
        ("trip count M", trip, ElementType::I64),
        ("condition", cond, ElementType::Bool),
    ] {
        let ty = &imp.values[v].ty;
        if ty.elem != elem || ty.shape.numel() != 1 {
            return Err(node.error(format!("the {what} must be one {elem}, found {ty}")));
        }
    }
    let mut carried = Vec::with_capacity(n);
    for k in 0..n {
        carried.push(imp.required(node, 2 + k)?);
    }
    let mut leading = vec![
        (
            body.input[0].name.clone(),
            single_type(&body.input[0], ElementType::I64),
        ),
        (
            body.input[1].name.clone(),
            single_type(&body.input[1], ElementType::Bool),
        ),
    ];
    for (k, &v) in carried.iter().enumerate() {
        leading.push((body.input[2 + k].name.clone(), imp.values[v].ty.clone()));
    }
    let captured = imp.captures(&[body]);
    let fname = imp.outlined_name("loop");
    let what = format!("{}'s body", node.name);
    let types = imp.outline_subgraph(body, node.opset, &fname, &leading, &captured, &what)?;
    let c = &types[0];
    if c.elem != ElementType::Bool || c.shape.numel() != 1 {
        return Err(node.error(format!(
            "the body's condition output must be one boolean, found {c}"
        )));
    }
    for (k, (t, &v)) in types[1..].iter().zip(&carried).enumerate() {
        let before = &imp.values[v].ty;
        if t != before {
            return Err(node.unsupported(format!(
                "loop-carried value {k} ('{}') is {before} before the loop but the body makes it {t}; Strata needs static shapes",
                body.input[2 + k].name
            )));
        }
    }
    let mut operands = vec![trip, cond];
    operands.extend(&carried);
    operands.extend(captured.iter().filter_map(|c| imp.lookup(c)));
    let attrs = BTreeMap::from([(BODY_ATTR.to_string(), Attribute::String(fname))]);
    let results = types[1..].to_vec();
    Ok(imp.emit_typed(node, names::GRAPH_LOOP, &operands, attrs, results))
}

/// If with a condition known at import (a constant, a shape computation, or an input
/// bound with `--input-value`): the chosen branch's nodes, inlined. A condition known only
/// at run time is reported as such, naming the inputs it depends on.
fn if_folded(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let cond = imp
        .const_input(node, 0)?
        .ok_or_else(|| node.error("missing the condition"))?;
    let taken = match cond.to_bools().as_slice() {
        [c] => *c,
        other => {
            return Err(node.error(format!(
                "the condition must be one boolean, found {} values",
                other.len()
            )))
        }
    };
    let name = if taken { "then_branch" } else { "else_branch" };
    let branch = node
        .attr(name)
        .and_then(|a| a.g.as_ref())
        .ok_or_else(|| node.error(format!("missing the graph attribute '{name}'")))?;
    let outputs = imp.inline_subgraph(branch, node.opset, &format!("{}'s {name}", node.name))?;
    if outputs.len() != node.proto.output.len() {
        return Err(node.error(format!(
            "the {name} has {} outputs, the node {}",
            outputs.len(),
            node.proto.output.len()
        )));
    }
    Ok(outputs)
}
