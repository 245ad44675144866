//! RotaryEmbedding (opset 23) as the graph ops of its definition: the first
//! `rotary_embedding_dim` features of each head turn, pairwise, by the angles whose
//! cosines and sines the caches hold (looked up by position when positions are given);
//! pairs are the two halves, or neighbours when `interleaved`.

use crate::import::{Importer, NodeCtx};
use crate::ops::Builder;
use crate::ImportError;
use strata_ir::ops as names;
use strata_ir::Attribute;

fn slice(
    b: &mut Builder,
    v: usize,
    start: usize,
    end: usize,
    step: usize,
) -> Result<usize, ImportError> {
    let last = b.dims(v).len() as i64 - 1;
    b.op(
        names::GRAPH_SLICE,
        &[v],
        &[
            ("starts", Attribute::I64Array(vec![start as i64])),
            ("ends", Attribute::I64Array(vec![end as i64])),
            ("axes", Attribute::I64Array(vec![last])),
            ("steps", Attribute::I64Array(vec![step as i64])),
        ],
    )
}

fn concat_last(b: &mut Builder, parts: &[usize]) -> Result<usize, ImportError> {
    let last = b.dims(parts[0]).len() as i64 - 1;
    b.op(
        names::GRAPH_CONCAT,
        parts,
        &[("axis", Attribute::Int(last))],
    )
}

pub(crate) fn rotary_embedding(
    imp: &mut Importer,
    node: &NodeCtx,
) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    let (mut cos, mut sin) = (imp.required(node, 1)?, imp.required(node, 2)?);
    let positions = node.input(3);
    let interleaved = node.attr_int("interleaved").unwrap_or(0) != 0;
    let heads = node.attr_int("num_heads").unwrap_or(0);
    let rotary = node.attr_int("rotary_embedding_dim").unwrap_or(0);
    let mut b = Builder { imp, node };
    let dims = b.dims(x);
    // [batch, seq, heads, head_size]
    let x4 = match dims.len() {
        4 => b.transpose(x, &[0, 2, 1, 3])?,
        3 if heads > 0 && dims[2].is_multiple_of(heads as usize) => b.reshape(
            x,
            &[dims[0], dims[1], heads as usize, dims[2] / heads as usize],
        )?,
        3 => {
            return Err(node.error(format!(
                "a 3-D input needs num_heads dividing its hidden size {}, found {heads}",
                dims[2]
            )))
        }
        _ => return Err(node.error(format!("the input must be 3-D or 4-D, found {dims:?}"))),
    };
    let head = b.dims(x4)[3];
    let rd = if rotary > 0 { rotary as usize } else { head };
    if rd > head || rd % 2 != 0 {
        return Err(node.error(format!(
            "rotary_embedding_dim {rd} must be even and at most the head size {head}"
        )));
    }
    let half = rd / 2;
    if let Some(p) = positions {
        for c in [&mut cos, &mut sin] {
            *c = b.op(
                names::GRAPH_GATHER,
                &[*c, p],
                &[("axis", Attribute::Int(0))],
            )?;
        }
    }
    for c in [&mut cos, &mut sin] {
        let mut d = b.dims(*c);
        if d.last() != Some(&half) {
            return Err(node.error(format!(
                "the caches' last dimension must be rotary_embedding_dim / 2 = {half}, found {d:?}"
            )));
        }
        // One angle per (position, pair), shared by the heads.
        d.insert(d.len() - 1, 1);
        *c = b.reshape(*c, &d)?;
    }
    let turned = slice(&mut b, x4, 0, rd, 1)?;
    let (x1, x2) = if interleaved {
        (
            slice(&mut b, turned, 0, rd, 2)?,
            slice(&mut b, turned, 1, rd, 2)?,
        )
    } else {
        (
            slice(&mut b, turned, 0, half, 1)?,
            slice(&mut b, turned, half, rd, 1)?,
        )
    };
    let mul = |b: &mut Builder, p: usize, q: usize| b.op(names::GRAPH_MUL, &[p, q], &[]);
    let (c1, s2) = (mul(&mut b, cos, x1)?, mul(&mut b, sin, x2)?);
    let real = b.op(names::GRAPH_SUB, &[c1, s2], &[])?;
    let (s1, c2) = (mul(&mut b, sin, x1)?, mul(&mut b, cos, x2)?);
    let imag = b.op(names::GRAPH_ADD, &[s1, c2], &[])?;
    let mut out = if interleaved {
        let mut d = b.dims(real);
        d.push(1);
        let (r, i) = (b.reshape(real, &d)?, b.reshape(imag, &d)?);
        let pairs = concat_last(&mut b, &[r, i])?;
        let mut d = b.dims(turned);
        d[3] = rd;
        b.reshape(pairs, &d)?
    } else {
        concat_last(&mut b, &[real, imag])?
    };
    if rd < head {
        let kept = slice(&mut b, x4, rd, head, 1)?;
        out = concat_last(&mut b, &[out, kept])?;
    }
    Ok(vec![if dims.len() == 4 {
        b.transpose(out, &[0, 2, 1, 3])?
    } else {
        b.reshape(out, &dims)?
    }])
}
