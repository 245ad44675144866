//! Sequences, resolved at import: a sequence of static length is a list of the scope's
//! tensor values, so `SequenceAt`, `SequenceInsert` and the rest pick and rearrange values
//! and emit no op; `SplitToSequence` and `ConcatFromSequence` become slices and a concat.
//! Positions must be known at import (a constant, or an input fixed with `--input-value`);
//! a sequence whose length would depend on a run-time value is an error that says so.
//!
//! Optionals likewise: whether one holds a value is known at import (an optional graph
//! input is compiled as present), so a present optional is its value, `OptionalHasElement`
//! folds to a constant, and `OptionalGetElement` of an empty one is an error.

use crate::import::{Importer, NodeCtx};
use crate::ops::Builder;
use crate::tensor::element_type;
use crate::ImportError;
use strata_ir::ops as names;
use strata_ir::{Attribute, ElementType};

/// The most elements a sequence may hold: each is a value of the import, and a split
/// into more pieces than this is a malformed model rather than a real one.
const MAX_ELEMENTS: usize = 1 << 16;

/// Converts a sequence op, or returns `None` when `node` is not one.
pub(crate) fn convert(
    imp: &mut Importer,
    node: &NodeCtx,
) -> Option<Result<Vec<usize>, ImportError>> {
    let r = match node.op_type() {
        "SequenceEmpty" => empty(imp, node),
        "SequenceConstruct" => construct(imp, node),
        "SequenceLength" => imp.sequence_input(node, 0).map(|s| {
            let n = strata_ir::Tensor::scalar(s.items.len() as i64);
            vec![imp.known(n, Default::default())]
        }),
        "SequenceAt" => at(imp, node),
        "SequenceInsert" => insert(imp, node),
        "SequenceErase" => erase(imp, node),
        "SplitToSequence" => split(imp, node),
        "ConcatFromSequence" => concat(imp, node),
        "SequenceMap" => map(imp, node),
        "Optional" => Ok(vec![match node.input(0) {
            Some(v) => v,
            None => imp.absent(),
        }]),
        "OptionalHasElement" => {
            let has = node.input(0).is_some_and(|v| !imp.values[v].absent);
            Ok(vec![
                imp.known(strata_ir::Tensor::scalar(has), Default::default())
            ])
        }
        "OptionalGetElement" => match node.input(0) {
            Some(v) if !imp.values[v].absent => Ok(vec![v]),
            _ => Err(node.error("the optional is empty")),
        },
        _ => return None,
    };
    Some(r)
}

/// The sequence ops `convert` handles.
pub(crate) const SEQUENCE_OPS: &[&str] = &[
    "SequenceEmpty",
    "SequenceConstruct",
    "SequenceLength",
    "SequenceAt",
    "SequenceInsert",
    "SequenceErase",
    "SplitToSequence",
    "ConcatFromSequence",
    "SequenceMap",
    "Optional",
    "OptionalHasElement",
    "OptionalGetElement",
];

fn empty(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let code = node.attr_int("dtype").unwrap_or(1);
    let elem = i32::try_from(code)
        .ok()
        .and_then(element_type)
        .ok_or_else(|| node.unsupported(format!("dtype {code}")))?;
    Ok(vec![imp.sequence(elem, Vec::new())])
}

fn construct(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let mut items = Vec::with_capacity(node.inputs.len());
    for i in 0..node.inputs.len() {
        items.push(imp.required(node, i)?);
    }
    let Some(&first) = items.first() else {
        return Err(node.error("SequenceConstruct needs at least one input"));
    };
    let elem = imp.values[first].ty.elem;
    check_elements(imp, node, elem, &items)?;
    Ok(vec![imp.sequence(elem, items)])
}

/// Requires every one of `items` to be of element type `elem`.
fn check_elements(
    imp: &Importer,
    node: &NodeCtx,
    elem: ElementType,
    items: &[usize],
) -> Result<(), ImportError> {
    if let Some(&bad) = items.iter().find(|&&v| imp.values[v].ty.elem != elem) {
        return Err(node.error(format!(
            "a sequence of {elem} cannot hold {}",
            imp.values[bad].ty
        )));
    }
    Ok(())
}

/// The position input `i` as an index into `0..=len` (`len` only when `end_ok`, an
/// insertion at the back); `None` when omitted.
fn position(
    imp: &Importer,
    node: &NodeCtx,
    i: usize,
    len: usize,
    end_ok: bool,
) -> Result<Option<usize>, ImportError> {
    let Some(t) = imp.const_input(node, i)? else {
        return Ok(None);
    };
    if !matches!(t.elem(), ElementType::I32 | ElementType::I64) || t.numel() != 1 {
        return Err(node.error(format!(
            "the position must be one int32 or int64, found {}",
            t.ty()
        )));
    }
    let p = t.to_i64s()[0];
    let n = len as i64;
    let top = if end_ok { n } else { n - 1 };
    if p < -n || p > top {
        return Err(node.error(format!(
            "position {p} is outside [{}, {top}] for a sequence of {len} tensors",
            -n
        )));
    }
    Ok(Some(if p < 0 { p + n } else { p } as usize))
}

fn at(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let seq = imp.sequence_input(node, 0)?;
    let p = position(imp, node, 1, seq.items.len(), false)?
        .ok_or_else(|| node.error("missing required input #1 (position)"))?;
    Ok(vec![seq.items[p]])
}

fn insert(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let seq = imp.sequence_input(node, 0)?;
    let t = imp.required(node, 1)?;
    check_elements(imp, node, seq.elem, &[t])?;
    if seq.items.len() >= MAX_ELEMENTS {
        return Err(node.unsupported(format!("a sequence of more than {MAX_ELEMENTS} tensors")));
    }
    let p = position(imp, node, 2, seq.items.len(), true)?.unwrap_or(seq.items.len());
    let mut items = seq.items.clone();
    items.insert(p, t);
    Ok(vec![imp.sequence(seq.elem, items)])
}

fn erase(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let seq = imp.sequence_input(node, 0)?;
    if seq.items.is_empty() {
        return Err(node.error("erasing from an empty sequence"));
    }
    let p = position(imp, node, 1, seq.items.len(), false)?.unwrap_or(seq.items.len() - 1);
    let mut items = seq.items.clone();
    items.remove(p);
    Ok(vec![imp.sequence(seq.elem, items)])
}

fn axis_in(node: &NodeCtx, axis: i64, rank: usize) -> Result<usize, ImportError> {
    strata_ir::types::normalize_axis(axis, rank).map_err(|e| node.error(e))
}

fn split(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    let ty = imp.values[x].ty.clone();
    let dims = ty.shape.dims().to_vec();
    let axis = axis_in(node, node.attr_int("axis").unwrap_or(0), dims.len())?;
    let len = dims[axis];
    let keepdims = node.attr_int("keepdims").unwrap_or(1) != 0;
    let split = imp.const_input(node, 1)?;
    // How many pieces, checked before any list of them is made.
    let count = match &split {
        None => len,
        Some(t) if t.ty().shape.rank() == 0 => match t.to_i64s().first() {
            Some(&s) if s > 0 => len.div_ceil(s as usize),
            _ => 0,
        },
        Some(t) => t.numel(),
    };
    if count > MAX_ELEMENTS {
        return Err(node.unsupported(format!(
            "a split into {count} pieces is more than the {MAX_ELEMENTS} a sequence holds"
        )));
    }
    // Piece lengths along the axis; `squeeze` when pieces of one drop the axis.
    let (pieces, squeeze): (Vec<usize>, bool) = match &split {
        None => (vec![1; len], !keepdims),
        Some(t) => {
            let v = t.to_i64s();
            if let Some(&bad) = v.iter().find(|&&s| s < 0) {
                return Err(node.error(format!("split size {bad} is negative")));
            }
            if t.ty().shape.rank() == 0 {
                let s = v[0] as usize;
                if s == 0 {
                    return Err(node.error("split size 0"));
                }
                let mut p = vec![s; len / s];
                if !len.is_multiple_of(s) {
                    p.push(len % s);
                }
                (p, false)
            } else {
                let total = v.iter().try_fold(0i64, |a, &s| a.checked_add(s));
                if total != Some(len as i64) {
                    let total = total.map_or("more than an i64 holds".into(), |t| t.to_string());
                    return Err(node.error(format!(
                        "split sizes {v:?} add up to {total}, the axis has {len}"
                    )));
                }
                (v.iter().map(|&s| s as usize).collect(), false)
            }
        }
    };
    let mut items = Vec::with_capacity(pieces.len());
    let mut start = 0usize;
    let mut b = Builder { imp, node };
    for p in pieces {
        let s = b.op(
            names::GRAPH_SLICE,
            &[x],
            &[
                ("starts", Attribute::I64Array(vec![start as i64])),
                ("ends", Attribute::I64Array(vec![(start + p) as i64])),
                ("axes", Attribute::I64Array(vec![axis as i64])),
            ],
        )?;
        start += p;
        items.push(if squeeze {
            let mut d = dims.clone();
            d.remove(axis);
            b.reshape(s, &d)?
        } else {
            s
        });
    }
    Ok(vec![imp.sequence(ty.elem, items)])
}

fn concat(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let seq = imp.sequence_input(node, 0)?;
    let axis = node
        .attr_int("axis")
        .ok_or_else(|| node.error("missing attribute 'axis'"))?;
    let new_axis = node.attr_int("new_axis").unwrap_or(0) != 0;
    let Some(&first) = seq.items.first() else {
        return Err(node.error("concatenating an empty sequence (its result's shape is unknown)"));
    };
    let mut b = Builder { imp, node };
    let dims = b.dims(first);
    let rank = dims.len() + usize::from(new_axis);
    let a = axis_in(node, axis, rank)?;
    let mut parts = Vec::with_capacity(seq.items.len());
    for &v in &seq.items {
        parts.push(if new_axis {
            let d = b.dims(v);
            let mut d2 = d.clone();
            d2.insert(a, 1);
            b.reshape(v, &d2)?
        } else {
            v
        });
    }
    if parts.len() == 1 {
        return Ok(parts);
    }
    let out = b.op(
        names::GRAPH_CONCAT,
        &parts,
        &[("axis", Attribute::Int(a as i64))],
    )?;
    Ok(vec![out])
}

/// `SequenceMap`: the body inlined once per element, over the elements of every sequence
/// input (all of one length) and the tensor inputs as they are.
fn map(imp: &mut Importer, node: &NodeCtx) -> Result<Vec<usize>, ImportError> {
    let body = node
        .attr("body")
        .and_then(|a| a.g.as_ref())
        .ok_or_else(|| node.error("missing the graph attribute 'body'"))?;
    let n_in = node.inputs.len();
    if body.input.len() != n_in {
        return Err(node.error(format!(
            "the body takes {} inputs for the node's {n_in}",
            body.input.len()
        )));
    }
    let mut inputs = Vec::with_capacity(n_in);
    for i in 0..n_in {
        inputs.push(imp.required(node, i)?);
    }
    let first = imp.sequence_input(node, 0)?;
    let len = first.items.len();
    for (i, &v) in inputs.iter().enumerate() {
        if let Some(s) = &imp.values[v].seq {
            if s.items.len() != len {
                return Err(node.error(format!(
                    "input '{}' holds {} tensors, input '{}' {len}",
                    node.proto.input[i],
                    s.items.len(),
                    node.proto.input[0]
                )));
            }
        }
    }
    let n_out = body.output.len();
    let mut outs: Vec<Vec<usize>> = vec![Vec::with_capacity(len); n_out];
    for k in 0..len {
        let bound: Vec<usize> = inputs
            .iter()
            .map(|&v| match &imp.values[v].seq {
                Some(s) => s.items[k],
                None => v,
            })
            .collect();
        let what = format!("{}'s body (element {k})", node.name);
        let results = imp.inline_bound(body, node.opset, &bound, &what)?;
        for (j, &r) in results.iter().enumerate() {
            if imp.values[r].seq.is_some() {
                return Err(node.unsupported(format!(
                    "the body's output '{}' is a sequence (a sequence of sequences)",
                    body.output[j].name
                )));
            }
            outs[j].push(r);
        }
    }
    let mut results = Vec::with_capacity(n_out);
    for (j, items) in outs.into_iter().enumerate() {
        let elem = match items.first() {
            Some(&v) => imp.values[v].ty.elem,
            None => declared_elem(&body.output[j]).unwrap_or(ElementType::F32),
        };
        results.push(imp.sequence(elem, items));
    }
    Ok(results)
}

/// The element type a body output declares, where it declares one.
fn declared_elem(vi: &crate::proto::ValueInfoProto) -> Option<ElementType> {
    let t = vi.r#type.as_ref()?;
    let tt = match &t.tensor_type {
        Some(tt) => tt,
        None => t
            .sequence_type
            .as_ref()?
            .elem_type
            .as_ref()?
            .tensor_type
            .as_ref()?,
    };
    element_type(tt.elem_type)
}
