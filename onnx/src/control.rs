//! `If` and `Loop`: a branch whose condition is known at import is inlined; otherwise the
//! branches (or the loop body) are outlined into functions of the module and called by a
//! `graph.if` or `graph.loop`, which the host program runs (see `strata_ir::control`).

use crate::import::{Importer, NodeCtx, Port};
use crate::ops::Builder;
use crate::proto::{GraphProto, ValueInfoProto};
use crate::ImportError;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use strata_ir::control::{BODY_ATTR, ELSE_ATTR, THEN_ATTR};
use strata_ir::ops as names;
use strata_ir::{Attribute, ElementType, Shape, Tensor, TensorType};

/// The most body nodes a Scan may unroll into (its iterations times its body's nodes).
const SCAN_UNROLL_LIMIT: usize = 1 << 20;

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
    let mut results: Vec<Vec<Port>> = Vec::new();
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
    let ports = results.swap_remove(0);
    let types = ports.iter().flat_map(Port::flat).collect();
    let flat = imp.emit_typed(node, names::GRAPH_IF, &operands, attrs, types);
    // Sequence results come back as their elements: regroup them.
    let mut flat = flat.into_iter();
    Ok(ports
        .iter()
        .map(|p| match p {
            Port::Tensor(_) => flat.next().expect("one result per tensor port"),
            Port::Sequence(elem, items) => {
                let items = flat.by_ref().take(items.len()).collect();
                imp.sequence(*elem, items)
            }
        })
        .collect())
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
    // Scan outputs, and sequences or optionals the body reads, are resolved at import: the
    // loop is unrolled, so its trip count and condition must be known then (a NotConstant
    // error names the graph inputs they come from, for `--input-value`).
    let reads_sequence = (2..node.inputs.len())
        .filter_map(|i| node.input(i))
        .chain(imp.captures(&[body]).iter().filter_map(|c| imp.lookup(c)))
        .any(|v| imp.values[v].seq.is_some() || imp.values[v].absent);
    if reads_sequence || n_scan > 0 {
        if let Some(outputs) = loop_unrolled(imp, node, body, n, n_scan)? {
            return Ok(outputs);
        }
        for i in [0, 1] {
            imp.const_input(node, i)?;
        }
        return Err(node.unsupported(if reads_sequence {
            "a loop over a sequence whose condition is known only at run time: a sequence's length must be static".to_string()
        } else {
            format!(
                "{n_scan} scan output(s) ('{}') of a loop that runs no iteration or whose body's condition is known only at run time: a value stacked per iteration then has no static length",
                body.output[1 + n].name
            )
        }));
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
    let ports = imp.outline_subgraph(body, node.opset, &fname, &leading, &captured, &what)?;
    let mut types = Vec::with_capacity(ports.len());
    for (i, p) in ports.into_iter().enumerate() {
        match p {
            Port::Tensor(t) => types.push(t),
            p => {
                return Err(node.unsupported(format!(
                    "the body's output '{}' is {p}; a loop run at run time carries tensors",
                    body.output[i].name
                )))
            }
        }
    }
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

fn axis_in(node: &NodeCtx, axis: i64, rank: usize, what: &str) -> Result<usize, ImportError> {
    let a = if axis < 0 { axis + rank as i64 } else { axis };
    if a < 0 || a >= rank as i64 {
        return Err(node.error(format!("{what} {axis} is outside rank {rank}")));
    }
    Ok(a as usize)
}

/// `Scan` (opset 9 on): unrolled at import over its scan inputs' static length — each
/// iteration the body's nodes on the state and one slice of every scan input, the scan
/// outputs' slices stacked at the end.
pub(crate) fn scan_op(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let body = subgraph(node, BODY_ATTR)?;
    if node.opset < 9 {
        return scan8(imp, node, body);
    }
    let m = node
        .attr_int("num_scan_inputs")
        .ok_or_else(|| node.error("missing attribute 'num_scan_inputs'"))? as usize;
    let total = node.proto.input.len();
    let n = total
        .checked_sub(m)
        .ok_or_else(|| node.error(format!("{m} scan inputs but {total} inputs")))?;
    let k = body
        .output
        .len()
        .checked_sub(n)
        .ok_or_else(|| node.error("the body returns fewer values than there are states"))?;
    let list = |name: &str, len: usize| -> Result<Vec<i64>, ImportError> {
        let v = node.attr_ints(name).unwrap_or_else(|| vec![0; len]);
        if v.len() != len {
            return Err(node.error(format!("'{name}' has {} entries for {len} values", v.len())));
        }
        Ok(v)
    };
    let (axes_in, dirs_in) = (
        list("scan_input_axes", m)?,
        list("scan_input_directions", m)?,
    );
    let (axes_out, dirs_out) = (
        list("scan_output_axes", k)?,
        list("scan_output_directions", k)?,
    );
    let mut states = Vec::with_capacity(n);
    for i in 0..n {
        states.push(imp.required(node, i)?);
    }
    let mut inputs = Vec::with_capacity(m);
    for j in 0..m {
        inputs.push(imp.required(node, n + j)?);
    }
    let axes: Vec<ScanAxis> = axes_out
        .iter()
        .zip(&dirs_out)
        .map(|(&a, &d)| (a, d))
        .collect();
    let ins: Vec<(usize, ScanAxis)> = inputs
        .into_iter()
        .zip(axes_in.iter().zip(&dirs_in).map(|(&a, &d)| (a, d)))
        .collect();
    unrolled(imp, node, body, states, &ins, &axes)
}

/// An axis of a scan input or output and its direction (1: reverse).
type ScanAxis = (i64, i64);

/// The Scan body unrolled over `scans` (each a value and its scan axis) from `states`;
/// returns the final states, then each scan output stacked along its axis.
fn unrolled(
    imp: &mut Importer,
    node: &NodeCtx,
    body: &GraphProto,
    mut states: Vec<usize>,
    scan_inputs: &[(usize, ScanAxis)],
    outputs: &[ScanAxis],
) -> Result<Vec<usize>, ImportError> {
    let (n, k) = (states.len(), outputs.len());
    if body.output.len() != n + k {
        return Err(node.error(format!(
            "the body returns {} values for {n} states and {k} scan outputs",
            body.output.len()
        )));
    }
    let dirs_in: Vec<i64> = scan_inputs.iter().map(|(_, (_, d))| *d).collect();
    let axes_out: Vec<i64> = outputs.iter().map(|(a, _)| *a).collect();
    let dirs_out: Vec<i64> = outputs.iter().map(|(_, d)| *d).collect();
    let mut scans = Vec::with_capacity(scan_inputs.len());
    let mut length = None;
    for &(v, (a, _)) in scan_inputs {
        let dims = imp.values[v].ty.shape.dims().to_vec();
        let axis = axis_in(node, a, dims.len(), "scan input axis")?;
        match length {
            Some(t) if t != dims[axis] => {
                return Err(node.error(format!(
                    "scan inputs of lengths {t} and {} along their axes",
                    dims[axis]
                )))
            }
            _ => length = Some(dims[axis]),
        }
        scans.push((v, axis, dims));
    }
    let t_len = length.ok_or_else(|| node.error("a Scan needs at least one scan input"))?;
    if t_len == 0 {
        return Err(node.unsupported("a scan of length 0 (its outputs' shapes are unknown)"));
    }
    if t_len.saturating_mul(body.node.len().max(1)) > SCAN_UNROLL_LIMIT {
        return Err(node.unsupported(format!(
            "{t_len} iterations of a {}-node body is more than the {SCAN_UNROLL_LIMIT} nodes Strata unrolls",
            body.node.len()
        )));
    }
    let initial: Vec<TensorType> = states.iter().map(|&v| imp.values[v].ty.clone()).collect();
    let mut produced: Vec<Vec<usize>> = vec![Vec::with_capacity(t_len); k];
    for t in 0..t_len {
        let mut bound = states.clone();
        let mut b = Builder { imp, node };
        for (j, (v, axis, dims)) in scans.iter().enumerate() {
            let at = if dirs_in[j] == 1 { t_len - 1 - t } else { t };
            let s = b.op(
                names::GRAPH_SLICE,
                &[*v],
                &[
                    ("starts", Attribute::I64Array(vec![at as i64])),
                    ("ends", Attribute::I64Array(vec![at as i64 + 1])),
                    ("axes", Attribute::I64Array(vec![*axis as i64])),
                ],
            )?;
            let mut d = dims.clone();
            d.remove(*axis);
            bound.push(b.reshape(s, &d)?);
        }
        let what = format!("{}'s body (iteration {t})", node.name);
        let outs = imp.inline_bound(body, node.opset, &bound, &what)?;
        for (i, (&v, ty)) in outs.iter().zip(&initial).enumerate() {
            if &imp.values[v].ty != ty {
                return Err(node.unsupported(format!(
                    "state {i} ('{}') is {ty} before the scan but {} after iteration {t}; Strata needs static shapes",
                    body.input[i].name,
                    imp.values[v].ty
                )));
            }
        }
        states = outs[..n].to_vec();
        for (kk, &v) in outs[n..].iter().enumerate() {
            produced[kk].push(v);
        }
    }
    let mut results = states;
    let mut b = Builder { imp, node };
    for (kk, mut slices) in produced.into_iter().enumerate() {
        if dirs_out[kk] == 1 {
            slices.reverse();
        }
        let dims = b.dims(slices[0]);
        let axis = axis_in(node, axes_out[kk], dims.len() + 1, "scan output axis")?;
        let mut d = dims.clone();
        d.insert(axis, 1);
        let mut parts = Vec::with_capacity(slices.len());
        for s in slices {
            parts.push(b.reshape(s, &d)?);
        }
        results.push(if parts.len() == 1 {
            parts[0]
        } else {
            b.op(
                names::GRAPH_CONCAT,
                &parts,
                &[("axis", Attribute::Int(axis as i64))],
            )?
        });
    }
    Ok(results)
}

/// `Scan` of opset 8: states `[batch, ...]` and scan inputs `[batch, sequence, ...]`, each
/// batch row scanned on its own (`sequence_lens`, when given, must be the full length).
fn scan8(imp: &mut Importer, node: &NodeCtx, body: &GraphProto) -> Result<Vec<usize>, ImportError> {
    let m = node
        .attr_int("num_scan_inputs")
        .ok_or_else(|| node.error("missing attribute 'num_scan_inputs'"))? as usize;
    let total = node.proto.input.len();
    let n = total
        .checked_sub(1 + m)
        .ok_or_else(|| node.error(format!("{m} scan inputs but {total} inputs")))?;
    let k = body.output.len().saturating_sub(n);
    let dirs = node.attr_ints("directions").unwrap_or_else(|| vec![0; m]);
    if dirs.len() != m {
        return Err(node.error("'directions' needs one entry per scan input"));
    }
    if m == 0 {
        return Err(node.error("a Scan needs at least one scan input"));
    }
    let values: Vec<usize> = (1..total)
        .map(|i| imp.required(node, i))
        .collect::<Result<_, _>>()?;
    let batch = imp.values[values[0]]
        .ty
        .shape
        .dims()
        .first()
        .copied()
        .unwrap_or(0);
    if let Some(lens) = imp.const_input(node, 0)? {
        let seq = imp.values[values[n]]
            .ty
            .shape
            .dims()
            .get(1)
            .copied()
            .unwrap_or(0);
        if lens.to_f64s().iter().any(|&l| l as usize != seq) {
            return Err(node.unsupported("sequence_lens shorter than the sequence"));
        }
    }
    if batch == 0 {
        return Err(node.unsupported("a Scan over an empty batch"));
    }
    let mut rows: Vec<Vec<usize>> = Vec::with_capacity(batch);
    for row in 0..batch {
        let mut b = Builder { imp, node };
        let mut picked = Vec::with_capacity(values.len());
        for &v in &values {
            let mut d = b.dims(v);
            if d.first() != Some(&batch) {
                return Err(node.error(format!(
                    "every input needs the batch axis of {batch}, found {d:?}"
                )));
            }
            let s = b.op(
                names::GRAPH_SLICE,
                &[v],
                &[
                    ("starts", Attribute::I64Array(vec![row as i64])),
                    ("ends", Attribute::I64Array(vec![row as i64 + 1])),
                    ("axes", Attribute::I64Array(vec![0])),
                ],
            )?;
            d.remove(0);
            picked.push(b.reshape(s, &d)?);
        }
        let scans: Vec<(usize, ScanAxis)> = picked[n..]
            .iter()
            .zip(&dirs)
            .map(|(&v, &d)| (v, (0, d)))
            .collect();
        rows.push(unrolled(
            imp,
            node,
            body,
            picked[..n].to_vec(),
            &scans,
            &vec![(0, 0); k],
        )?);
    }
    // Each result gets its batch axis back.
    let mut b = Builder { imp, node };
    let mut out = Vec::new();
    for i in 0..n + k {
        let mut parts = Vec::with_capacity(batch);
        for r in &rows {
            let mut d = b.dims(r[i]);
            d.insert(0, 1);
            parts.push(b.reshape(r[i], &d)?);
        }
        out.push(if parts.len() == 1 {
            parts[0]
        } else {
            b.op(names::GRAPH_CONCAT, &parts, &[("axis", Attribute::Int(0))])?
        });
    }
    Ok(out)
}

/// A Loop with scan outputs whose trip count is known at import, unrolled: each
/// iteration the body's nodes, its condition folded at import (else `None`: the number of
/// iterations, hence the scan outputs' length, is known only at run time).
fn loop_unrolled(
    imp: &mut Importer,
    node: &NodeCtx,
    body: &GraphProto,
    n: usize,
    n_scan: usize,
) -> Result<Option<Vec<usize>>, ImportError> {
    let known = |imp: &Importer, i: usize| -> Option<Rc<Tensor>> {
        node.input(i).and_then(|v| imp.values[v].known.clone())
    };
    let trip = match node.input(0) {
        None => None,
        Some(_) => match known(imp, 0) {
            Some(t) => Some(strata_ir::control::count(&t)),
            None => return Ok(None),
        },
    };
    let mut cond = match node.input(1) {
        None => true,
        Some(_) => match known(imp, 1) {
            Some(t) => strata_ir::control::condition(&t),
            None => return Ok(None),
        },
    };
    let mut state = Vec::with_capacity(n);
    for k in 0..n {
        state.push(imp.required(node, 2 + k)?);
    }
    let counter_ty = single_type(&body.input[0], ElementType::I64);
    let cond_ty = single_type(&body.input[1], ElementType::Bool);
    let none = || Rc::new(BTreeSet::new());
    let mut stacked: Vec<Vec<usize>> = vec![Vec::new(); n_scan];
    let mut i = 0i64;
    while cond && trip.is_none_or(|t| i < t) {
        if (i as usize).saturating_mul(body.node.len().max(1)) > SCAN_UNROLL_LIMIT {
            return Err(node.unsupported(format!(
                "more than {SCAN_UNROLL_LIMIT} body nodes to unroll for the scan outputs"
            )));
        }
        let counter = strata_ir::control::counter(&counter_ty, i).map_err(|e| node.error(e))?;
        let c = Tensor::from_le_bytes(ElementType::Bool, cond_ty.shape.clone(), &[1])
            .map_err(|e| node.error(e))?;
        let mut bound = vec![imp.known(counter, none()), imp.known(c, none())];
        bound.extend(&state);
        let what = format!("{}'s body (iteration {i})", node.name);
        let outs = imp.inline_bound(body, node.opset, &bound, &what)?;
        cond = match &imp.values[outs[0]].known {
            Some(t) => strata_ir::control::condition(t),
            None => return Ok(None),
        };
        state = outs[1..1 + n].to_vec();
        for (k, &v) in outs[1 + n..].iter().enumerate() {
            stacked[k].push(v);
        }
        i += 1;
    }
    if i == 0 && n_scan > 0 {
        return Ok(None);
    }
    let mut b = Builder { imp, node };
    let mut results = state;
    for slices in stacked {
        let mut d = b.dims(slices[0]);
        d.insert(0, 1);
        let mut parts = Vec::with_capacity(slices.len());
        for s in slices {
            if b.dims(s) != d[1..] {
                return Err(node.unsupported("scan output slices of different shapes"));
            }
            parts.push(b.reshape(s, &d)?);
        }
        results.push(if parts.len() == 1 {
            parts[0]
        } else {
            b.op(names::GRAPH_CONCAT, &parts, &[("axis", Attribute::Int(0))])?
        });
    }
    Ok(Some(results))
}
