//! Einsum: Einstein summation over any number of operands, with `...` broadcasting,
//! repeated subscripts (diagonals) and implicit output subscripts.
//!
//! The reference evaluation loops over every combination of subscript values, which is
//! the definition itself; later levels lower common equations to contractions.

use super::shape::broadcast;
use super::OpArgs;
use crate::ops;
use crate::tensor::Tensor;
use crate::types::{Shape, TensorType};
use std::collections::BTreeMap;

/// A parsed equation: per operand and for the output, one label per dimension.
/// Ellipsis dimensions get labels past the letters (`'0'..`), right-aligned.
struct Equation {
    inputs: Vec<Vec<char>>,
    output: Vec<char>,
    sizes: BTreeMap<char, usize>,
}

const ELLIPSIS_LABELS: &str = "0123456789";

fn parse(a: &OpArgs) -> Result<Equation, crate::IrError> {
    let eq: String = a
        .string_or("equation", "")?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let (lhs, rhs) = match eq.split_once("->") {
        Some((l, r)) => (l.to_string(), Some(r.to_string())),
        None => (eq.clone(), None),
    };
    let terms: Vec<&str> = lhs.split(',').collect();
    if terms.len() != a.inputs.len() {
        return Err(format!(
            "equation '{eq}' has {} operands, the op has {}",
            terms.len(),
            a.inputs.len()
        )
        .into());
    }
    let mut ellipsis_rank = 0;
    let mut inputs = Vec::new();
    let mut ellipsis_shapes: Vec<Shape> = Vec::new();
    for (t, ty) in terms.iter().zip(a.inputs) {
        let letters = t.replace("...", "");
        if letters.chars().any(|c| !c.is_ascii_alphabetic()) || t.matches("...").count() > 1 {
            return Err(format!("bad term '{t}' in equation '{eq}'").into());
        }
        let rank = ty.shape.rank();
        let named = letters.chars().count();
        let has_ellipsis = t.contains("...");
        if (!has_ellipsis && named != rank) || named > rank {
            return Err(format!("term '{t}' does not match operand of rank {rank}").into());
        }
        let e = rank - named;
        ellipsis_rank = ellipsis_rank.max(e);
        if e > ELLIPSIS_LABELS.len() {
            return Err("too many ellipsis dimensions".into());
        }
        let pos = t
            .find("...")
            .map(|p| t[..p].chars().count())
            .unwrap_or(named);
        ellipsis_shapes.push(Shape::new(ty.shape.dims()[pos..pos + e].iter().copied()));
        inputs.push((t.to_string(), e));
    }
    let ellipsis = broadcast(&ellipsis_shapes.iter().collect::<Vec<_>>())?;
    let ell: Vec<char> = ELLIPSIS_LABELS.chars().take(ellipsis_rank).collect();
    let expand = |t: &str, e: usize| -> Vec<char> {
        let mut out = Vec::new();
        match t.split_once("...") {
            Some((before, after)) => {
                out.extend(before.chars());
                out.extend(&ell[ellipsis_rank - e..]);
                out.extend(after.chars());
            }
            None => out.extend(t.chars()),
        }
        out
    };
    let labels: Vec<Vec<char>> = inputs.iter().map(|(t, e)| expand(t, *e)).collect();
    let mut sizes: BTreeMap<char, usize> = BTreeMap::new();
    for (i, ell_dim) in ell.iter().enumerate() {
        sizes.insert(*ell_dim, ellipsis.dims()[i]);
    }
    for (l, ty) in labels.iter().zip(a.inputs) {
        for (&c, &d) in l.iter().zip(ty.shape.dims()) {
            if ell.contains(&c) {
                continue;
            }
            match sizes.get(&c) {
                Some(&s) if s != d => {
                    return Err(format!("subscript '{c}' has sizes {s} and {d}").into())
                }
                _ => {
                    sizes.insert(c, d);
                }
            }
        }
    }
    let output = match rhs {
        Some(r) => {
            if r.chars().any(|c| !c.is_ascii_alphabetic() && c != '.') {
                return Err(format!("bad output term '{r}'").into());
            }
            let o = expand(&r, ellipsis_rank);
            if o.iter().any(|c| !sizes.contains_key(c)) {
                return Err(format!("output term '{r}' uses a subscript no operand has").into());
            }
            o
        }
        None => {
            let mut counts: BTreeMap<char, usize> = BTreeMap::new();
            for l in &labels {
                for &c in l.iter().filter(|c| c.is_ascii_alphabetic()) {
                    *counts.entry(c).or_default() += 1;
                }
            }
            let mut o = ell.clone();
            o.extend(counts.into_iter().filter(|&(_, n)| n == 1).map(|(c, _)| c));
            o
        }
    };
    Ok(Equation {
        inputs: labels,
        output,
        sizes,
    })
}

pub fn infer_einsum(a: &OpArgs) -> Result<Vec<TensorType>, crate::IrError> {
    let elem = a.input(0).elem;
    if a.inputs.iter().any(|t| t.elem != elem) || elem == crate::types::ElementType::Bool {
        return Err("Einsum needs numeric operands of one element type".into());
    }
    let eq = parse(a)?;
    let dims: Vec<usize> = eq.output.iter().map(|c| eq.sizes[c]).collect();
    Ok(vec![TensorType::new(dims, elem)])
}

pub fn eval_einsum(a: &OpArgs, x: &[&Tensor]) -> Result<Vec<Tensor>, crate::IrError> {
    let eq = parse(a)?;
    let mut all: Vec<char> = eq.output.clone();
    all.extend(eq.sizes.keys().filter(|c| !eq.output.contains(c)));
    let extents: Vec<usize> = all.iter().map(|c| eq.sizes[c]).collect();
    // Each operand's stride per loop variable (0 where it broadcasts or lacks the label).
    let strides: Vec<Vec<usize>> = eq
        .inputs
        .iter()
        .zip(x)
        .map(|(labels, t)| {
            let s = t.shape().strides();
            all.iter()
                .map(|c| {
                    labels
                        .iter()
                        .enumerate()
                        .filter(|&(i, l)| l == c && t.dims()[i] != 1)
                        .map(|(i, _)| s[i])
                        .sum()
                })
                .collect()
        })
        .collect();
    let values: Vec<Vec<f64>> = x.iter().map(|t| t.to_f64s()).collect();
    let out_dims: Vec<usize> = eq.output.iter().map(|c| eq.sizes[c]).collect();
    let out_n: usize = out_dims.iter().product();
    let inner: usize = extents[eq.output.len()..].iter().product();
    let mut out = vec![0.0; out_n];
    let mut idx = vec![0usize; all.len()];
    if out_n > 0 && inner > 0 {
        for slot in out.iter_mut() {
            for _ in 0..inner {
                let mut prod = 1.0;
                for (v, s) in values.iter().zip(&strides) {
                    let off: usize = idx.iter().zip(s).map(|(i, st)| i * st).sum();
                    prod *= v[off];
                }
                *slot += prod;
                for d in (0..all.len()).rev() {
                    idx[d] += 1;
                    if idx[d] < extents[d] {
                        break;
                    }
                    idx[d] = 0;
                }
            }
        }
    }
    Ok(vec![Tensor::from_f64s(
        x[0].elem(),
        Shape::new(out_dims),
        &out,
    )])
}

/// Per operand and for the output, one label per dimension; and each label's size.
pub type EinsumLabels = (Vec<Vec<char>>, Vec<char>, BTreeMap<char, usize>);

/// The labels of an Einsum (op `name` with these operand types and attributes): one per
/// dimension of each operand and of the output, and each label's size.
pub fn einsum_labels(
    inputs: &[TensorType],
    attrs: &BTreeMap<String, crate::attr::Attribute>,
) -> Result<EinsumLabels, crate::IrError> {
    let a = OpArgs {
        name: ops::GRAPH_EINSUM,
        inputs,
        attrs,
        num_results: 1,
    };
    let eq = parse(&a)?;
    Ok((eq.inputs, eq.output, eq.sizes))
}
