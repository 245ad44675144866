//! Layout rules: cancel and merge transposes and reshapes, canonicalize shape-only ops to
//! reshape, drop no-op movement, and sink transposes and reshapes through elementwise ops
//! so that they meet and cancel.

use super::*;
use egg::rewrite;
use strata_ir::ops;
use strata_ir::types::normalize_axis;
use strata_ir::OpName;

fn perm_of(eg: &GraphEGraph, s: &Subst, attrs: &str, x: &str) -> Option<Vec<usize>> {
    let rank = ty_of(eg, s, x)?.shape.rank();
    match ints_attr(eg, s, attrs, "perm") {
        Some(p) if !p.is_empty() => p.iter().map(|&v| normalize_axis(v, rank).ok()).collect(),
        _ => Some((0..rank).rev().collect()),
    }
}

fn random_perm(b: &mut SampleBuilder, rank: usize) -> Vec<i64> {
    let mut p: Vec<i64> = (0..rank as i64).collect();
    for i in (1..rank).rev() {
        let j = b.below(i + 1);
        p.swap(i, j);
    }
    p
}

fn transposed_input(b: &mut SampleBuilder) -> Result<ValueId, crate::pass::PassError> {
    let x = float_input(b, 4);
    let p = random_perm(b, b.type_of(x).shape.rank());
    b.op(
        ops::GRAPH_TRANSPOSE,
        &[x],
        &[("perm", Attribute::I64Array(p))],
    )
}

/// Squeeze, Unsqueeze and Flatten only reshape: the reshape of `?x` to the result's shape.
fn reshape_to_result(eg: &mut GraphEGraph, root: Id, s: &Subst) -> Option<Id> {
    let dims = eg[root].data.ty()?.shape.dims().to_vec();
    Some(reshape_to(eg, s[var("?x")], &dims))
}

/// Unary elementwise ops without attributes: a transpose or reshape commutes with them.
const SINKABLE_UNARY: &[OpName] = &[
    ops::GRAPH_RELU,
    ops::GRAPH_NEG,
    ops::GRAPH_EXP,
    ops::GRAPH_TANH,
    ops::GRAPH_SIGMOID,
    ops::GRAPH_ERF,
    ops::GRAPH_ABS,
    ops::GRAPH_SQRT,
    ops::GRAPH_GELU,
];
/// Binary elementwise ops: a transpose of both operands commutes with them.
const SINKABLE_BINARY: &[OpName] = &[
    ops::GRAPH_ADD,
    ops::GRAPH_SUB,
    ops::GRAPH_MUL,
    ops::GRAPH_DIV,
];

pub fn rules() -> Vec<Rule> {
    let mut rules = vec![
        built(
            "transpose-transpose",
            "two transposes are one (or none)",
            "(graph.transpose (graph.transpose ?x ?p1) ?p2)",
            |eg, _, s| {
                let inner = perm_of(eg, s, "?p1", "?x")?;
                let t1 = ty_of(eg, s, "?x")?;
                let mid_rank = t1.shape.rank();
                let outer = match ints_attr(eg, s, "?p2", "perm") {
                    Some(p) if !p.is_empty() => p
                        .iter()
                        .map(|&v| normalize_axis(v, mid_rank).ok())
                        .collect::<Option<Vec<_>>>()?,
                    _ => (0..mid_rank).rev().collect(),
                };
                let composed: Vec<usize> = outer.iter().map(|&o| inner[o]).collect();
                let x = s[var("?x")];
                if composed.iter().enumerate().all(|(i, &p)| i == p) {
                    return Some(x);
                }
                let mut a = std::collections::BTreeMap::new();
                a.insert(
                    "perm".to_string(),
                    Attribute::I64Array(composed.iter().map(|&v| v as i64).collect()),
                );
                Some(add_op(eg, ops::GRAPH_TRANSPOSE, &[x], Some(a)))
            },
            |b| {
                let t = transposed_input(b)?;
                let p = random_perm(b, b.type_of(t).shape.rank());
                Ok(vec![b.op(
                    ops::GRAPH_TRANSPOSE,
                    &[t],
                    &[("perm", Attribute::I64Array(p))],
                )?])
            },
        ),
        built(
            "transpose-identity",
            "a transpose that keeps every axis in place moves nothing",
            "(graph.transpose ?x ?p)",
            |eg, _, s| {
                let p = perm_of(eg, s, "?p", "?x")?;
                p.iter()
                    .enumerate()
                    .all(|(i, &v)| i == v)
                    .then(|| s[var("?x")])
            },
            |b| {
                let x = float_input(b, 4);
                let r = b.type_of(x).shape.rank() as i64;
                Ok(vec![b.op(
                    ops::GRAPH_TRANSPOSE,
                    &[x],
                    &[("perm", Attribute::I64Array((0..r).collect()))],
                )?])
            },
        ),
        Rule::new(
            "reshape-reshape",
            "a reshape of a reshape is one reshape",
            rewrite!("reshape-reshape"; "(graph.reshape (graph.reshape ?x ?s1) ?s2)" => "(graph.reshape ?x ?s2)"),
            |b| {
                let x = float_input(b, 3);
                let n = b.type_of(x).shape.numel();
                let m = b.op(
                    ops::GRAPH_RESHAPE,
                    &[x],
                    &[("shape", Attribute::I64Array(vec![n as i64]))],
                )?;
                Ok(vec![b.op(
                    ops::GRAPH_RESHAPE,
                    &[m],
                    &[("shape", Attribute::I64Array(vec![1, n as i64]))],
                )?])
            },
        ),
        Rule::new(
            "reshape-noop",
            "a reshape to the same shape does nothing",
            rewrite!("reshape-noop"; "(graph.reshape ?x ?s)" => "?x" if keeps_type("?x")),
            |b| {
                let x = float_input(b, 3);
                let d: Vec<i64> = b
                    .type_of(x)
                    .shape
                    .dims()
                    .iter()
                    .map(|&d| d as i64)
                    .collect();
                Ok(vec![b.op(
                    ops::GRAPH_RESHAPE,
                    &[x],
                    &[("shape", Attribute::I64Array(d))],
                )?])
            },
        ),
        built(
            "squeeze-to-reshape",
            "squeeze only reshapes; one canonical op lets reshapes merge",
            "(graph.squeeze ?x ?a)",
            reshape_to_result,
            |b| {
                let s = b.shape(3);
                let mut d = s.dims().to_vec();
                d.insert(b.below(d.len() + 1), 1);
                let x = b.input(TensorType::new(d.clone(), strata_ir::ElementType::F32));
                let ax = d.iter().position(|&v| v == 1).unwrap_or(0) as i64;
                Ok(vec![b.op(
                    ops::GRAPH_SQUEEZE,
                    &[x],
                    &[("axes", Attribute::I64Array(vec![ax]))],
                )?])
            },
        ),
        built(
            "unsqueeze-to-reshape",
            "unsqueeze only reshapes",
            "(graph.unsqueeze ?x ?a)",
            reshape_to_result,
            |b| {
                let x = float_input(b, 3);
                let r = b.type_of(x).shape.rank() as i64;
                let ax = b.below(r as usize + 1) as i64;
                Ok(vec![b.op(
                    ops::GRAPH_UNSQUEEZE,
                    &[x],
                    &[("axes", Attribute::I64Array(vec![ax]))],
                )?])
            },
        ),
        built(
            "flatten-to-reshape",
            "flatten only reshapes",
            "(graph.flatten ?x ?a)",
            reshape_to_result,
            |b| {
                let x = float_input(b, 4);
                let r = b.type_of(x).shape.rank() as i64;
                let ax = b.below(r as usize + 1) as i64;
                Ok(vec![b.op(
                    ops::GRAPH_FLATTEN,
                    &[x],
                    &[("axis", Attribute::Int(ax))],
                )?])
            },
        ),
        Rule::new(
            "expand-noop",
            "an expand that keeps the shape copies nothing",
            rewrite!("expand-noop"; "(graph.expand ?x ?s)" => "?x" if keeps_type("?x")),
            |b| {
                let x = float_input(b, 3);
                let t = b.type_of(x);
                let s = b.broadcastable(&t.shape);
                Ok(vec![b.op(
                    ops::GRAPH_EXPAND,
                    &[x],
                    &[(
                        "shape",
                        Attribute::I64Array(s.dims().iter().map(|&d| d as i64).collect()),
                    )],
                )?])
            },
        ),
        Rule::new(
            "cast-noop",
            "a cast to the same type does nothing",
            rewrite!("cast-noop"; "(graph.cast ?x ?a)" => "?x" if keeps_type("?x")),
            |b| {
                let x = float_input(b, 3);
                let e = b.type_of(x).elem;
                Ok(vec![b.op(
                    ops::GRAPH_CAST,
                    &[x],
                    &[("to", Attribute::Type(strata_ir::Type::Scalar(e)))],
                )?])
            },
        ),
        built(
            "slice-noop",
            "a forward slice over whole axes copies nothing",
            "(graph.slice ?x ?a)",
            |eg, root, s| {
                let forward =
                    ints_attr(eg, s, "?a", "steps").is_none_or(|st| st.iter().all(|&v| v == 1));
                (forward && eg[root].data.ty() == ty_of(eg, s, "?x").as_ref()).then(|| s[var("?x")])
            },
            |b| {
                let x = float_input(b, 3);
                let r = b.type_of(x).shape.rank() as i64;
                Ok(vec![b.op(
                    ops::GRAPH_SLICE,
                    &[x],
                    &[
                        ("starts", Attribute::I64Array(vec![0; r as usize])),
                        ("ends", Attribute::I64Array(vec![i64::MAX; r as usize])),
                    ],
                )?])
            },
        ),
        Rule::new(
            "concat-single",
            "concatenating one tensor copies it",
            rewrite!("concat-single"; "(graph.concat ?x ?a)" => "?x"),
            |b| {
                let x = float_input(b, 3);
                Ok(vec![b.op(
                    ops::GRAPH_CONCAT,
                    &[x],
                    &[("axis", Attribute::Int(0))],
                )?])
            },
        ),
        built(
            "pad-noop",
            "padding by nothing copies",
            "(graph.pad ?x ?a)",
            |eg, _, s| {
                ints_attr(eg, s, "?a", "pads")?
                    .iter()
                    .all(|&p| p == 0)
                    .then(|| s[var("?x")])
            },
            |b| {
                let x = float_input(b, 3);
                let r = b.type_of(x).shape.rank();
                Ok(vec![b.op(
                    ops::GRAPH_PAD,
                    &[x],
                    &[("pads", Attribute::I64Array(vec![0; 2 * r]))],
                )?])
            },
        ),
        built(
            "tile-noop",
            "tiling once copies",
            "(graph.tile ?x ?a)",
            |eg, _, s| {
                ints_attr(eg, s, "?a", "repeats")?
                    .iter()
                    .all(|&p| p == 1)
                    .then(|| s[var("?x")])
            },
            |b| {
                let x = float_input(b, 3);
                let r = b.type_of(x).shape.rank();
                Ok(vec![b.op(
                    ops::GRAPH_TILE,
                    &[x],
                    &[("repeats", Attribute::I64Array(vec![1; r]))],
                )?])
            },
        ),
        built(
            "transpose-matmul",
            "(a·b)ᵀ is bᵀ·aᵀ: moves the transposes to the operands, where constants absorb them",
            "(graph.transpose (graph.matmul ?a ?b) ?p)",
            |eg, _, s| {
                let (ta, tb) = (ty_of(eg, s, "?a")?, ty_of(eg, s, "?b")?);
                if ta.shape.rank() != 2
                    || tb.shape.rank() != 2
                    || ints_attr(eg, s, "?p", "perm").is_some_and(|p| p != [1, 0])
                {
                    return None;
                }
                let mut a = std::collections::BTreeMap::new();
                a.insert("perm".to_string(), Attribute::I64Array(vec![1, 0]));
                let bt = add_op(eg, ops::GRAPH_TRANSPOSE, &[s[var("?b")]], Some(a.clone()));
                let at = add_op(eg, ops::GRAPH_TRANSPOSE, &[s[var("?a")]], Some(a));
                Some(add_op(eg, ops::GRAPH_MATMUL, &[bt, at], None))
            },
            |b| {
                let (m, k, n) = (1 + b.below(4), 1 + b.below(4), 1 + b.below(4));
                let a = b.input(TensorType::new(vec![m, k], strata_ir::ElementType::F32));
                let w =
                    b.random_constant(&TensorType::new(vec![k, n], strata_ir::ElementType::F32));
                let mm = b.op(ops::GRAPH_MATMUL, &[a, w], &[])?;
                Ok(vec![b.op(
                    ops::GRAPH_TRANSPOSE,
                    &[mm],
                    &[("perm", Attribute::I64Array(vec![1, 0]))],
                )?])
            },
        ),
    ];
    for &op in SINKABLE_UNARY {
        rules.push(sink_unary_transpose(op));
        rules.push(sink_unary_reshape(op));
    }
    for &op in SINKABLE_BINARY {
        rules.push(sink_binary_transpose(op));
    }
    rules
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// `u(transpose(x))` is `transpose(u(x))`: transposes move toward each other and cancel.
fn sink_unary_transpose(op: OpName) -> Rule {
    let name = leak(format!("sink-transpose-{}", op.suffix()));
    let lhs: egg::Pattern<GraphNode> = format!("({op} (graph.transpose ?x ?p))")
        .parse()
        .expect("pattern");
    let rhs: egg::Pattern<GraphNode> = format!("(graph.transpose ({op} ?x) ?p)")
        .parse()
        .expect("pattern");
    let sample = sampler(move |b| sink_sample(b, op));
    Rule {
        name,
        reason: "elementwise ops commute with transposes",
        rewrite: Rewrite::new(name, lhs, rhs).expect("rule"),
        sample,
    }
}

fn sink_sample(b: &mut SampleBuilder, op: OpName) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let t = transposed_input(b)?;
    Ok(vec![b.op(op, &[t], &[])?])
}

/// `u(reshape(x))` is `reshape(u(x))`.
fn sink_unary_reshape(op: OpName) -> Rule {
    let name = leak(format!("sink-reshape-{}", op.suffix()));
    let lhs: egg::Pattern<GraphNode> = format!("({op} (graph.reshape ?x ?s))")
        .parse()
        .expect("pattern");
    let rhs: egg::Pattern<GraphNode> = format!("(graph.reshape ({op} ?x) ?s)")
        .parse()
        .expect("pattern");
    Rule {
        name,
        reason: "elementwise ops commute with reshapes",
        rewrite: Rewrite::new(name, lhs, rhs).expect("rule"),
        sample: sampler(move |b| {
            let x = float_input(b, 3);
            let n = b.type_of(x).shape.numel() as i64;
            let r = b.op(
                ops::GRAPH_RESHAPE,
                &[x],
                &[("shape", Attribute::I64Array(vec![n]))],
            )?;
            Ok(vec![b.op(op, &[r], &[])?])
        }),
    }
}

/// `b(transpose(x, p), transpose(y, p))` is `transpose(b(x, y), p)`.
fn sink_binary_transpose(op: OpName) -> Rule {
    let name = leak(format!("sink-transpose-{}", op.suffix()));
    let lhs: egg::Pattern<GraphNode> =
        format!("({op} (graph.transpose ?x ?p) (graph.transpose ?y ?p))")
            .parse()
            .expect("pattern");
    let rhs: egg::Pattern<GraphNode> = format!("(graph.transpose ({op} ?x ?y) ?p)")
        .parse()
        .expect("pattern");
    Rule {
        name,
        reason: "elementwise ops commute with a transpose of all operands",
        rewrite: Rewrite::new(name, lhs, rhs).expect("rule"),
        sample: sampler(move |b| {
            let ty = b.float_type(4);
            let (x, y) = (b.input(ty.clone()), b.input(ty.clone()));
            let p = Attribute::I64Array(random_perm(b, ty.shape.rank()));
            let tx = b.op(ops::GRAPH_TRANSPOSE, &[x], &[("perm", p.clone())])?;
            let tyy = b.op(ops::GRAPH_TRANSPOSE, &[y], &[("perm", p)])?;
            Ok(vec![b.op(op, &[tx, tyy], &[])?])
        }),
    }
}
