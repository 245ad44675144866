//! Recognizing a constant pad (or crop) in a `kernel.generic`: a kernel that copies its
//! input into a window of its result and fills the rest with one value. The graph
//! lowering writes a pad as a gather through per-dimension index tables (which the
//! interpreter and every back end run as is); a back end that sees this structure can
//! instead fill the border and copy the interior with contiguous loads and stores.

use super::{Generic, IteratorKind};
use crate::attr::Attribute;
use crate::module::{Module, OpId, ValueDef};
use crate::ops;
use crate::ValueId;

/// `result[i] = input[i - offset]` where every coordinate lies in `valid`, `fill`
/// elsewhere.
#[derive(Clone, Debug, PartialEq)]
pub struct PaddedCopy {
    /// Per dimension, how far the input's origin sits inside the result (negative: a crop).
    pub offset: Vec<i64>,
    /// Per dimension, the result coordinates `[begin, end)` that read the input.
    pub valid: Vec<(usize, usize)>,
    /// The value outside `valid` (`kernel.constant`'s attribute); `None` when `valid`
    /// covers the whole result.
    pub fill: Option<Attribute>,
}

/// The padded copy `op` computes, if it is one: input 0 read through a constant index
/// table per dimension (`-1` for fill, else the coordinate minus a fixed offset over one
/// interval), a body that is exactly the table lookup, clamp and select the pad lowering
/// writes, no reductions and no epilogue.
pub fn padded_copy(m: &Module, op: OpId) -> Option<PaddedCopy> {
    let d = m.op(op);
    if d.name != ops::KERNEL_GENERIC || d.results.len() != 1 || d.regions.len() != 1 {
        return None;
    }
    let g = Generic::of(m, op).ok()?;
    let rank = g.domain.len();
    if d.operands.len() != rank + 1 || g.iterators.iter().any(|&k| k != IteratorKind::Parallel) {
        return None;
    }
    let input = m.tensor_type(d.operands[0]).ok()?;
    let result = m.tensor_type(d.results[0]).ok()?;
    if input.elem != result.elem || input.shape.rank() != rank {
        return None;
    }
    if g.maps[0]
        .results
        .iter()
        .any(|e| !e.terms.is_empty() || e.constant != 0)
        || g.maps[rank + 1] != crate::AffineMap::identity(rank as u32)
    {
        return None;
    }
    for (k, map) in g.maps[1..=rank].iter().enumerate() {
        if map.results.len() != 1 || map.results[0].as_dim() != Some(k as u32) {
            return None;
        }
    }

    // The body: yield(select(and(ge(t_k, 0)...), extract(coords), fill)) or yield(extract).
    let block = m.region(d.regions[0]).blocks[0];
    let args = &m.block(block).args;
    let table_of = |v: ValueId| args[1..=rank].iter().position(|&a| a == v);
    let def = |v: ValueId| match m.value(v).def {
        ValueDef::OpResult { op, .. } if m.op(op).regions.is_empty() => Some(m.op(op)),
        _ => None,
    };
    let int_constant = |v: ValueId, want: i64| {
        def(v).is_some_and(|o| {
            o.name == ops::KERNEL_CONSTANT && o.attrs.get("value") == Some(&Attribute::Int(want))
        })
    };
    let yield_ = m.op(*m.block(block).ops.last()?);
    if yield_.name != ops::KERNEL_YIELD || yield_.operands.len() != 1 {
        return None;
    }
    let mut checked = vec![false; rank];
    let (value, fill) = match def(yield_.operands[0]) {
        Some(s) if s.name == ops::KERNEL_SELECT => {
            let [cond, value, fill] = s.operands.as_slice() else {
                return None;
            };
            let f = def(*fill).filter(|o| o.name == ops::KERNEL_CONSTANT)?;
            // The condition: an and-tree of `t_k >= 0`.
            let mut stack = vec![*cond];
            while let Some(c) = stack.pop() {
                let o = def(c)?;
                match o.name {
                    ops::KERNEL_AND => stack.extend(&o.operands),
                    ops::KERNEL_GREATER_OR_EQUAL if int_constant(o.operands[1], 0) => {
                        checked[table_of(o.operands[0])?] = true;
                    }
                    _ => return None,
                }
            }
            (*value, Some(f.attrs.get("value")?.clone()))
        }
        _ => (yield_.operands[0], None),
    };
    let extract = def(value).filter(|o| o.name == ops::KERNEL_EXTRACT)?;
    if extract.attrs.get("operand") != Some(&Attribute::Int(0)) || extract.operands.len() != rank {
        return None;
    }
    for (k, &c) in extract.operands.iter().enumerate() {
        let direct = table_of(c) == Some(k);
        let clamped = def(c).is_some_and(|o| {
            o.name == ops::KERNEL_MAX
                && table_of(o.operands[0]) == Some(k)
                && int_constant(o.operands[1], 0)
        });
        if !direct && !clamped {
            return None;
        }
    }

    // The tables: -1 outside one interval, the coordinate minus a fixed offset inside it.
    let mut offset = Vec::with_capacity(rank);
    let mut valid = Vec::with_capacity(rank);
    for (k, &is_checked) in checked.iter().enumerate() {
        let table = match m.value(d.operands[1 + k]).def {
            ValueDef::OpResult { op: c, .. } if m.op(c).name == ops::GRAPH_CONSTANT => {
                match m.op(c).attrs.get("value") {
                    Some(Attribute::Dense(t)) => t.to_i64s(),
                    _ => return None,
                }
            }
            _ => return None,
        };
        let n = result.shape.dims()[k];
        let have = input.shape.dims()[k] as i64;
        if table.len() != n {
            return None;
        }
        // No valid entry at all: the result is all fill.
        let begin = table.iter().position(|&s| s >= 0).unwrap_or(0);
        let end = begin + table[begin..].iter().take_while(|&&s| s >= 0).count();
        let off = table.get(begin).map_or(0, |&s| begin as i64 - s);
        let inside = table[begin..end]
            .iter()
            .enumerate()
            .all(|(i, &s)| s == (begin + i) as i64 - off && s < have);
        let outside = table[..begin].iter().chain(&table[end..]).all(|&s| s == -1);
        if !inside || !outside || ((begin, end) != (0, n) && (!is_checked || fill.is_none())) {
            return None;
        }
        offset.push(off);
        valid.push((begin, end));
    }
    let fill = fill.filter(|_| {
        valid
            .iter()
            .zip(result.shape.dims())
            .any(|(&v, &n)| v != (0, n))
    });
    Some(PaddedCopy {
        offset,
        valid,
        fill,
    })
}
