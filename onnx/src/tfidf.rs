//! `TfIdfVectorizer` over integer tokens, as comparisons and sums: the count of pool
//! n-gram `g` (of `k` tokens) in a row is, over every skip distance `s` it is counted at,
//! the number of positions `p` with `x[p + t·s] = g[t]` for every `t < k`. Unigrams are
//! counted at distance 1 only (as the spec's reference counts them once); longer n-grams
//! at every distance from 1 to `max_skip_count + 1`.

use crate::import::{Importer, NodeCtx};
use crate::ops::Builder;
use crate::ImportError;
use strata_ir::ops as names;
use strata_ir::{Attribute, ElementType, Shape, Tensor};

/// The most token comparisons the counts may take (n-grams × distances × length).
const MAX_COMPARISONS: usize = 1 << 16;

pub(crate) fn tfidf_vectorizer(
    imp: &mut Importer,
    node: &NodeCtx,
) -> Result<Vec<usize>, ImportError> {
    let x = imp.required(node, 0)?;
    if node
        .attr("pool_strings")
        .is_some_and(|a| !a.strings.is_empty())
    {
        return Err(node.unsupported("a pool of strings (string tensors)"));
    }
    let int = |name: &str| -> Result<i64, ImportError> {
        node.attr_int(name)
            .ok_or_else(|| node.error(format!("missing attribute '{name}'")))
    };
    let (min_len, max_len, max_skip) = (
        int("min_gram_length")?,
        int("max_gram_length")?,
        int("max_skip_count")?,
    );
    let mode = node.attr_string("mode", "");
    let counts = node.attr_ints("ngram_counts").unwrap_or_default();
    let indexes = node.attr_ints("ngram_indexes").unwrap_or_default();
    let pool = node.attr_ints("pool_int64s").unwrap_or_default();
    let weights: Vec<f64> = node
        .attr("weights")
        .map(|a| a.floats.iter().map(|&w| w as f64).collect())
        .unwrap_or_default();
    if !matches!(mode.as_str(), "TF" | "IDF" | "TFIDF") {
        return Err(node.error(format!("mode '{mode}' is not TF, IDF or TFIDF")));
    }
    if min_len < 1 || max_len < min_len || max_skip < 0 || indexes.iter().any(|&i| i < 0) {
        return Err(node.error(format!(
            "gram lengths {min_len}..{max_len}, max_skip_count {max_skip} and ngram_indexes {indexes:?} are not valid"
        )));
    }
    let out_size = indexes.iter().max().map_or(0, |&m| m as usize + 1);
    if out_size > MAX_COMPARISONS {
        return Err(node.unsupported(format!(
            "{out_size} output columns, past the {MAX_COMPARISONS} Strata builds"
        )));
    }
    if !weights.is_empty() && weights.len() != out_size {
        return Err(node.error(format!("{} weights for {out_size} outputs", weights.len())));
    }
    // The pool's n-grams: size k for section k - 1 of `ngram_counts`, numbered in order.
    let mut grams: Vec<(usize, Vec<i64>)> = Vec::new(); // (output index, tokens)
    let mut id = 0usize;
    for (i, &start) in counts.iter().enumerate() {
        let k = i + 1;
        let end = counts.get(i + 1).map_or(pool.len() as i64, |&e| e);
        if start < 0 || end < start || end as usize > pool.len() {
            return Err(node.error(format!("ngram_counts {counts:?} do not fit the pool")));
        }
        let section = &pool[start as usize..end as usize];
        for g in section.chunks_exact(k) {
            let Some(&out) = indexes.get(id) else {
                return Err(node.error(format!(
                    "the pool has more n-grams than ngram_indexes' {}",
                    indexes.len()
                )));
            };
            if (min_len..=max_len).contains(&(k as i64)) {
                grams.push((out as usize, g.to_vec()));
            }
            id += 1;
        }
    }
    let mut b = Builder { imp, node };
    let xd = b.dims(x);
    let x_elem = b.imp.values[x].ty.elem;
    if xd.len() > 2 || !matches!(x_elem, ElementType::I32 | ElementType::I64) {
        return Err(node.error(format!(
            "X must be int32 or int64 tokens of rank 1 or 2, found {}",
            b.imp.values[x].ty
        )));
    }
    let len = *xd.last().unwrap_or(&1);
    let rows = if xd.len() == 2 { xd[0] } else { 1 };
    let xs = b.reshape(x, &[rows, len])?;
    // No n-gram spans the row at a distance of `len` or more: counting stops there (a
    // skip count of 2^63 once wrapped the comparison count to 0).
    let max_skip = max_skip.min(len as i64);
    let comparisons: usize = grams
        .iter()
        .map(|(_, g)| {
            g.len()
                * if g.len() == 1 {
                    1
                } else {
                    max_skip as usize + 1
                }
        })
        .sum();
    if comparisons > MAX_COMPARISONS {
        return Err(node.unsupported(format!(
            "{comparisons} token comparisons, past the {MAX_COMPARISONS} Strata builds"
        )));
    }
    let f32 = ElementType::F32;
    // Each output column: its n-grams' counts, [rows, 1].
    let mut columns: Vec<Option<usize>> = vec![None; out_size];
    for (out, g) in &grams {
        let k = g.len();
        let distances = if k == 1 { 1 } else { max_skip as usize + 1 };
        for s in 1..=distances {
            let span = (k - 1) * s;
            if span >= len {
                break;
            }
            let positions = len - span;
            let mut all: Option<usize> = None;
            for (t, &token) in g.iter().enumerate() {
                let from = (t * s) as i64;
                let slice = b.op(
                    names::GRAPH_SLICE,
                    &[xs],
                    &[
                        ("starts", Attribute::I64Array(vec![from])),
                        ("ends", Attribute::I64Array(vec![from + positions as i64])),
                        ("axes", Attribute::I64Array(vec![1])),
                    ],
                )?;
                let token = b.constant(Tensor::from_f64s(x_elem, Shape::scalar(), &[token as f64]));
                let hit = b.op(names::GRAPH_EQUAL, &[slice, token], &[])?;
                all = Some(match all {
                    Some(a) => b.op(names::GRAPH_AND, &[a, hit], &[])?,
                    None => hit,
                });
            }
            let hits = b.cast(all.expect("n-grams have a token"), f32)?;
            let count = b.op(
                names::GRAPH_REDUCE_SUM,
                &[hits],
                &[
                    ("axes", Attribute::I64Array(vec![1])),
                    ("keepdims", Attribute::Int(1)),
                ],
            )?;
            columns[*out] = Some(match columns[*out] {
                Some(c) => b.op(names::GRAPH_ADD, &[c, count], &[])?,
                None => count,
            });
        }
    }
    let mut parts = Vec::with_capacity(out_size);
    for (i, column) in columns.into_iter().enumerate() {
        let tf = match column {
            Some(c) => c,
            None => b.zeros(&[rows, 1], f32)?,
        };
        let w = weights.get(i).copied();
        parts.push(match (mode.as_str(), w) {
            ("TF", _) | ("TFIDF", None) => tf,
            ("TFIDF", Some(w)) => {
                let w = b.scalar(f32, w);
                b.op(names::GRAPH_MUL, &[tf, w], &[])?
            }
            // IDF: the weight (or 1) where the n-gram occurs.
            _ => {
                let zero = b.scalar(f32, 0.0);
                let seen = b.op(names::GRAPH_GREATER, &[tf, zero], &[])?;
                let seen = b.cast(seen, f32)?;
                match w {
                    Some(w) => {
                        let w = b.scalar(f32, w);
                        b.op(names::GRAPH_MUL, &[seen, w], &[])?
                    }
                    None => seen,
                }
            }
        });
    }
    if parts.is_empty() {
        return Err(node.error("ngram_indexes is empty: the output has no columns"));
    }
    let y = if parts.len() == 1 {
        parts[0]
    } else {
        b.op(names::GRAPH_CONCAT, &parts, &[("axis", Attribute::Int(1))])?
    };
    let dims = if xd.len() == 2 {
        vec![rows, out_size]
    } else {
        vec![out_size]
    };
    Ok(vec![b.reshape(y, &dims)?])
}
