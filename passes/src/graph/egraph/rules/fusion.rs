//! Fusion and recognition: fold BatchNormalization into the convolution before it, turn
//! MatMul + Add into Gemm, merge MatMuls that share an input into one wider MatMul plus a
//! split (TASO/TENSAT's signature rewrite, a multi-pattern rule), and recognize GELU,
//! LayerNormalization, Softmax and Sigmoid written out as elementary ops.

use super::*;
use egg::{rewrite, Applier, MultiPattern, PatternAst, Symbol};
use std::collections::BTreeMap;
use strata_ir::ops;
use strata_ir::{ElementType, Shape};

fn scalar_near(v: &'static str, target: f64) -> impl Fn(&mut GraphEGraph, Id, &Subst) -> bool {
    move |eg, _, s| {
        constant_of(eg, s, v).is_some_and(|t| {
            // The constant as rounded to its own type: 16-bit floats hold sqrt(2) to ~1e-3.
            let tol = match t.elem() {
                ElementType::F16 | ElementType::BF16 => 8e-3,
                _ => 1e-6,
            };
            t.numel() == 1 && (t.to_f64s()[0] - target).abs() <= tol * target.abs().max(1.0)
        })
    }
}

/// The GELU forms exporters write, with x / sqrt(2) or x * (1 / sqrt(2)).
fn gelu_sample(b: &mut SampleBuilder, form: usize) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let x = float_input(b, 3);
    let one = scalar_like(b, x, 1.0);
    let half = scalar_like(b, x, 0.5);
    let scaled = if form == 2 {
        let c = scalar_like(b, x, std::f64::consts::FRAC_1_SQRT_2);
        b.op(ops::GRAPH_MUL, &[x, c], &[])?
    } else {
        let c = scalar_like(b, x, std::f64::consts::SQRT_2);
        b.op(ops::GRAPH_DIV, &[x, c], &[])?
    };
    let e = b.op(ops::GRAPH_ERF, &[scaled], &[])?;
    let p = b.op(ops::GRAPH_ADD, &[e, one], &[])?;
    Ok(vec![match form {
        0 => {
            let xp = b.op(ops::GRAPH_MUL, &[x, p], &[])?;
            b.op(ops::GRAPH_MUL, &[xp, half], &[])?
        }
        _ => {
            let xh = b.op(ops::GRAPH_MUL, &[x, half], &[])?;
            b.op(ops::GRAPH_MUL, &[xh, p], &[])?
        }
    }])
}

/// Conv (optionally with bias) then BatchNormalization, with epsilon set or left default.
fn conv_bn_sample(
    b: &mut SampleBuilder,
    with_bias: bool,
    with_epsilon: bool,
) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let (c, m, k) = (1 + b.below(3), 1 + b.below(3), 1 + b.below(3));
    let (h, w) = (k + b.below(3), k + b.below(3));
    let x = b.input(TensorType::new(vec![1, c, h, w], ElementType::F32));
    let wt = b.random_constant(&TensorType::new(vec![m, c, k, k], ElementType::F32));
    let attrs = [(
        "kernel_shape",
        Attribute::I64Array(vec![k as i64, k as i64]),
    )];
    let conv = if with_bias {
        let bias = b.random_constant(&TensorType::new(vec![m], ElementType::F32));
        b.op(ops::GRAPH_CONV, &[x, wt, bias], &attrs)?
    } else {
        b.op(ops::GRAPH_CONV, &[x, wt], &attrs)?
    };
    let ch = TensorType::new(vec![m], ElementType::F32);
    let (s, bb, mean) = (
        b.random_constant(&ch),
        b.random_constant(&ch),
        b.random_constant(&ch),
    );
    let var = b.constant(Tensor::from_f64s(
        ElementType::F32,
        Shape::new([m]),
        &(0..m).map(|i| 0.5 + i as f64).collect::<Vec<_>>(),
    ));
    let epsilon = [("epsilon", Attribute::Float(1e-3, ElementType::F32))];
    let attrs: &[(&str, Attribute)] = if with_epsilon { &epsilon } else { &[] };
    Ok(vec![b.op(
        ops::GRAPH_BATCH_NORMALIZATION,
        &[conv, s, bb, mean, var],
        attrs,
    )?])
}

/// Folds BatchNormalization(Conv(x, w, b)) into Conv(x, w * k, (b - mean) * k + beta) with
/// k = scale / sqrt(var + eps), when the weights and statistics are constants.
fn fold_conv_bn(eg: &mut GraphEGraph, _root: Id, s: &Subst) -> Option<Id> {
    let conv_attrs = attrs_of(eg, s, "?ca")?;
    let w = constant_of(eg, s, "?w")?.clone();
    let get = |n: &str| constant_of(eg, s, n).map(|t| t.to_f64s());
    let (scale, beta, mean, variance) = (get("?s")?, get("?b")?, get("?m")?, get("?v")?);
    let eps = match s
        .get(var_of("?bna"))
        .and_then(|&id| eg[id].data.attrs.clone())
    {
        Some(a) => match a.get("epsilon") {
            Some(Attribute::Float(e, _)) => *e,
            _ => 1e-5,
        },
        None => 1e-5,
    };
    let m = *w.dims().first()?;
    let bias = match s.get(var_of("?cb")) {
        Some(&id) => eg[id].data.constant()?.to_f64s(),
        None => vec![0.0; m],
    };
    if [
        scale.len(),
        beta.len(),
        mean.len(),
        variance.len(),
        bias.len(),
    ]
    .iter()
    .any(|&n| n != m)
    {
        return None;
    }
    let k: Vec<f64> = (0..m)
        .map(|c| scale[c] / (variance[c] + eps).sqrt())
        .collect();
    let per = (w.numel() / m.max(1)).max(1);
    let new_w = w.map_f64(|i, x| x * k[i / per]);
    let new_b: Vec<f64> = (0..m)
        .map(|c| (bias[c] - mean[c]) * k[c] + beta[c])
        .collect();
    let wc = eg.add(GraphNode::Const(super::super::lang::ConstTensor::new(
        new_w,
    )));
    let bc = eg.add(GraphNode::Const(super::super::lang::ConstTensor::new(
        Tensor::from_f64s(w.elem(), Shape::new([m]), &new_b),
    )));
    Some(add_op(
        eg,
        ops::GRAPH_CONV,
        &[s[var("?x")], wc, bc],
        Some(conv_attrs.attrs().clone()),
    ))
}

fn var_of(name: &str) -> egg::Var {
    var(name)
}

/// Builds layer_normalization(x, g, b) when the reductions are over trailing axes.
///
/// Only for f32 and f64: in 16-bit floats the written-out form squares differences that
/// underflow, so its result differs from the fused op's (which keeps the variance) by far
/// more than rounding. The soundness harness found this.
fn build_layer_norm(eg: &mut GraphEGraph, root: Id, s: &Subst) -> Option<Id> {
    let x = ty_of(eg, s, "?x")?;
    if !matches!(x.elem, ElementType::F32 | ElementType::F64) {
        return None;
    }
    let rank = x.shape.rank();
    let axes = ints_attr(eg, s, "?a", "axes")?;
    let keep = match attrs_of(eg, s, "?a")?.get("keepdims") {
        None => 1,
        Some(Attribute::Int(v)) => *v,
        _ => return None,
    };
    let mut norm: Vec<usize> = axes
        .iter()
        .map(|&a| strata_ir::types::normalize_axis(a, rank).ok())
        .collect::<Option<_>>()?;
    norm.sort_unstable();
    let first = *norm.first()?;
    if keep != 1 || norm != (first..rank).collect::<Vec<_>>() {
        return None;
    }
    if let Some(&two) = s.get(var_of("?two")) {
        if eg[two].data.constant().map(|t| t.to_f64s()).as_deref() != Some(&[2.0]) {
            return None;
        }
    }
    let eps = constant_of(eg, s, "?eps")?;
    if eps.numel() != 1 {
        return None;
    }
    let eps = eps.to_f64s()[0];
    let mut attrs = BTreeMap::new();
    attrs.insert("axis".to_string(), Attribute::Int(first as i64));
    attrs.insert(
        "epsilon".to_string(),
        Attribute::Float(eps as f32 as f64, ElementType::F32),
    );
    let id = add_op(
        eg,
        ops::GRAPH_LAYER_NORMALIZATION,
        &[s[var("?x")], s[var("?g")], s[var("?bb")]],
        Some(attrs),
    );
    // Only when it type-checks as the same value (scale and bias fit the normalized axes).
    (eg[id].data.valid && eg[id].data.types.first() == eg[root].data.ty()).then_some(id)
}

fn layer_norm_sample(
    b: &mut SampleBuilder,
    square_by_mul: bool,
) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let x = float_input(b, 3);
    let t = b.type_of(x);
    let last = *t.shape.dims().last().unwrap_or(&1);
    let axes = [
        ("axes", Attribute::I64Array(vec![-1])),
        ("keepdims", Attribute::Int(1)),
    ];
    let mean = b.op(ops::GRAPH_REDUCE_MEAN, &[x], &axes)?;
    let d = b.op(ops::GRAPH_SUB, &[x, mean], &[])?;
    let sq = if square_by_mul {
        b.op(ops::GRAPH_MUL, &[d, d], &[])?
    } else {
        let two = scalar_like(b, x, 2.0);
        b.op(ops::GRAPH_POW, &[d, two], &[])?
    };
    let var = b.op(ops::GRAPH_REDUCE_MEAN, &[sq], &axes)?;
    let eps = scalar_like(b, x, 1e-5);
    let ve = b.op(ops::GRAPH_ADD, &[var, eps], &[])?;
    let sd = b.op(ops::GRAPH_SQRT, &[ve], &[])?;
    let n = b.op(ops::GRAPH_DIV, &[d, sd], &[])?;
    let g = b.random_constant(&TensorType::new(vec![last], t.elem));
    let bb = b.random_constant(&TensorType::new(vec![last], t.elem));
    let scaled = b.op(ops::GRAPH_MUL, &[n, g], &[])?;
    Ok(vec![b.op(ops::GRAPH_ADD, &[scaled, bb], &[])?])
}

/// Builds softmax(x) when the reduction is over one axis with kept dims.
fn build_softmax(eg: &mut GraphEGraph, root: Id, s: &Subst) -> Option<Id> {
    let rank = ty_of(eg, s, "?x")?.shape.rank();
    let axes = ints_attr(eg, s, "?a", "axes")?;
    let keep = matches!(
        attrs_of(eg, s, "?a")?.get("keepdims"),
        None | Some(Attribute::Int(1))
    );
    let [axis] = axes.as_slice() else { return None };
    if !keep || !ty_of(eg, s, "?x")?.elem.is_float() {
        return None;
    }
    if let Some(&a2) = s.get(var_of("?a2")) {
        if eg[a2].data.attrs != attrs_of(eg, s, "?a") {
            return None;
        }
    }
    let axis = strata_ir::types::normalize_axis(*axis, rank).ok()?;
    let mut attrs = BTreeMap::new();
    attrs.insert("axis".to_string(), Attribute::Int(axis as i64));
    let id = add_op(eg, ops::GRAPH_SOFTMAX, &[s[var("?x")]], Some(attrs));
    (eg[id].data.types.first() == eg[root].data.ty()).then_some(id)
}

fn softmax_sample(
    b: &mut SampleBuilder,
    stable: bool,
) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let x = float_input(b, 3);
    let axes = [
        ("axes", Attribute::I64Array(vec![-1])),
        ("keepdims", Attribute::Int(1)),
    ];
    let shifted = if stable {
        let m = b.op(ops::GRAPH_REDUCE_MAX, &[x], &axes)?;
        b.op(ops::GRAPH_SUB, &[x, m], &[])?
    } else {
        x
    };
    let e = b.op(ops::GRAPH_EXP, &[shifted], &[])?;
    let sum = b.op(ops::GRAPH_REDUCE_SUM, &[e], &axes)?;
    Ok(vec![b.op(ops::GRAPH_DIV, &[e, sum], &[])?])
}

/// True when the class holds a concatenation: a weight a merge rule built.
fn is_merged(eg: &GraphEGraph, id: Id) -> bool {
    eg[id]
        .nodes
        .iter()
        .any(|n| matches!(n, GraphNode::Op(op, _) if op.as_str() == ops::GRAPH_CONCAT.as_str()))
}

/// Splits `wide` along `axis` into two parts of `sizes` and unions them with `r1` and `r2`.
fn union_halves(
    eg: &mut GraphEGraph,
    wide: Id,
    axis: i64,
    sizes: [usize; 2],
    r1: Id,
    r2: Id,
) -> Vec<Id> {
    let mut split = BTreeMap::new();
    split.insert("axis".to_string(), Attribute::Int(axis));
    split.insert(
        "split".to_string(),
        Attribute::I64Array(sizes.iter().map(|&n| n as i64).collect()),
    );
    let mut children: smallvec::SmallVec<[Id; 4]> = smallvec::smallvec![wide];
    children.push(eg.add(GraphNode::Attrs(super::super::lang::AttrSet::new(split))));
    let parts = eg.add(GraphNode::Op(
        super::super::lang::op_symbol(ops::GRAPH_SPLIT, 2),
        children,
    ));
    let halves = [
        eg.add(GraphNode::Proj(0, [parts])),
        eg.add(GraphNode::Proj(1, [parts])),
    ];
    halves
        .into_iter()
        .zip([r1, r2])
        .filter(|&(h, r)| eg.union(h, r))
        .map(|(h, _)| h)
        .collect()
}

/// Merges two MatMuls of one input by constant weights: x·w1, x·w2 become the two halves
/// of x·[w1 w2], so one wider contraction replaces two.
struct MergeMatmuls;

impl Applier<GraphNode, GraphAnalysis> for MergeMatmuls {
    fn apply_one(
        &self,
        eg: &mut GraphEGraph,
        _eclass: Id,
        s: &Subst,
        _ast: Option<&PatternAst<GraphNode>>,
        _rule: Symbol,
    ) -> Vec<Id> {
        let (r1, r2) = (eg.find(s[var("?r1")]), eg.find(s[var("?r2")]));
        // Each pair once, and only original weights: merging merged MatMuls again would
        // grow without bound (and fold ever wider weight constants).
        if r1 >= r2 || is_merged(eg, s[var("?w1")]) || is_merged(eg, s[var("?w2")]) {
            return vec![];
        }
        let (Some(w1), Some(w2)) = (
            constant_of(eg, s, "?w1").cloned(),
            constant_of(eg, s, "?w2").cloned(),
        ) else {
            return vec![];
        };
        if w1.shape().rank() != 2
            || w2.shape().rank() != 2
            || w1.dims()[0] != w2.dims()[0]
            || w1.elem() != w2.elem()
        {
            return vec![];
        }
        let (n1, n2) = (w1.dims()[1], w2.dims()[1]);
        let (c1, c2) = (s[var("?w1")], s[var("?w2")]);
        let mut cat = BTreeMap::new();
        cat.insert("axis".to_string(), Attribute::Int(1));
        let wide = add_op(eg, ops::GRAPH_CONCAT, &[c1, c2], Some(cat));
        let mm = add_op(eg, ops::GRAPH_MATMUL, &[s[var("?x")], wide], None);
        union_halves(eg, mm, -1, [n1, n2], r1, r2)
    }
}

/// Merges two convolutions of one input with the same attributes and constant weights
/// (and biases): their output channels become one convolution's, split afterwards.
struct MergeConvs {
    with_bias: bool,
}

impl Applier<GraphNode, GraphAnalysis> for MergeConvs {
    fn apply_one(
        &self,
        eg: &mut GraphEGraph,
        _eclass: Id,
        s: &Subst,
        _ast: Option<&PatternAst<GraphNode>>,
        _rule: Symbol,
    ) -> Vec<Id> {
        let (r1, r2) = (eg.find(s[var("?r1")]), eg.find(s[var("?r2")]));
        if r1 >= r2 || is_merged(eg, s[var("?w1")]) || is_merged(eg, s[var("?w2")]) {
            return vec![];
        }
        let Some(attrs) = attrs_of(eg, s, "?a") else {
            return vec![];
        };
        if !matches!(attrs.get("group"), None | Some(Attribute::Int(1))) {
            return vec![];
        }
        let (Some(w1), Some(w2)) = (
            constant_of(eg, s, "?w1").cloned(),
            constant_of(eg, s, "?w2").cloned(),
        ) else {
            return vec![];
        };
        if w1.dims()[1..] != w2.dims()[1..] || w1.elem() != w2.elem() {
            return vec![];
        }
        if self.with_bias
            && (constant_of(eg, s, "?b1").is_none() || constant_of(eg, s, "?b2").is_none())
        {
            return vec![];
        }
        let (m1, m2) = (w1.dims()[0], w2.dims()[0]);
        let axis0 = || {
            let mut a = BTreeMap::new();
            a.insert("axis".to_string(), Attribute::Int(0));
            Some(a)
        };
        let wide_w = add_op(
            eg,
            ops::GRAPH_CONCAT,
            &[s[var("?w1")], s[var("?w2")]],
            axis0(),
        );
        let mut operands = vec![s[var("?x")], wide_w];
        if self.with_bias {
            operands.push(add_op(
                eg,
                ops::GRAPH_CONCAT,
                &[s[var("?b1")], s[var("?b2")]],
                axis0(),
            ));
        }
        let conv = add_op(eg, ops::GRAPH_CONV, &operands, Some(attrs.attrs().clone()));
        union_halves(eg, conv, 1, [m1, m2], r1, r2)
    }
}

fn parallel_convs_sample(
    b: &mut SampleBuilder,
    with_bias: bool,
) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let (c, k) = (1 + b.below(3), 1 + b.below(3));
    let (h, w) = (k + b.below(3), k + b.below(3));
    let x = b.input(TensorType::new(vec![1, c, h, w], ElementType::F32));
    let attrs = [(
        "kernel_shape",
        Attribute::I64Array(vec![k as i64, k as i64]),
    )];
    let mut outs = Vec::new();
    for _ in 0..2 {
        let m = 1 + b.below(3);
        let w = b.random_constant(&TensorType::new(vec![m, c, k, k], ElementType::F32));
        let conv = if with_bias {
            let bias = b.random_constant(&TensorType::new(vec![m], ElementType::F32));
            b.op(ops::GRAPH_CONV, &[x, w, bias], &attrs)?
        } else {
            b.op(ops::GRAPH_CONV, &[x, w], &attrs)?
        };
        outs.push(conv);
    }
    Ok(outs)
}

pub fn rules() -> Vec<Rule> {
    let mut rules = vec![
        Rule::new("matmul-add-to-gemm", "a MatMul followed by a bias Add is one Gemm kernel",
            rewrite!("matmul-add-to-gemm"; "(graph.add (graph.matmul ?a ?b) ?c)" => "(graph.gemm ?a ?b ?c)"
                if has_rank("?a", 2) if has_rank("?b", 2) if is_float("?a")
                if |eg: &mut GraphEGraph, root: Id, s: &Subst| {
                    let (Some(c), Some(r)) = (ty_of(eg, s, "?c"), eg[root].data.ty().cloned()) else { return false };
                    c.elem == r.elem && strata_ir::graph::shape::broadcast(&[&c.shape, &r.shape]).is_ok_and(|b| b == r.shape)
                }),
            |b| { let (m, k, n) = (1 + b.below(4), 1 + b.below(4), 1 + b.below(4)); let a = b.input(TensorType::new(vec![m, k], ElementType::F32)); let w = b.random_constant(&TensorType::new(vec![k, n], ElementType::F32)); let mm = b.op(ops::GRAPH_MATMUL, &[a, w], &[])?; let bias = b.random_constant(&TensorType::new(vec![n], ElementType::F32)); Ok(vec![b.op(ops::GRAPH_ADD, &[mm, bias], &[])?]) }),
        Rule::new("sigmoid", "1 / (1 + exp(-x)) is one Sigmoid",
            rewrite!("sigmoid"; "(graph.div ?one (graph.add ?one2 (graph.exp (graph.neg ?x))))" => "(graph.sigmoid ?x)"
                if scalar_near("?one", 1.0) if scalar_near("?one2", 1.0) if keeps_type("?x")),
            |b| { let x = float_input(b, 3); let n = b.op(ops::GRAPH_NEG, &[x], &[])?; let e = b.op(ops::GRAPH_EXP, &[n], &[])?; let one = scalar_like(b, x, 1.0); let d = b.op(ops::GRAPH_ADD, &[one, e], &[])?; Ok(vec![b.op(ops::GRAPH_DIV, &[one, d], &[])?]) }),
        Rule::new("swish", "x * sigmoid(x) is one Swish (SiLU)",
            rewrite!("swish"; "(graph.mul ?x (graph.sigmoid ?x))" => "(graph.swish ?x)"),
            |b| { let x = float_input(b, 3); let s = b.op(ops::GRAPH_SIGMOID, &[x], &[])?; Ok(vec![b.op(ops::GRAPH_MUL, &[x, s], &[])?]) }),
        Rule::new("gelu-erf", "x * (1 + erf(x / sqrt 2)) * 0.5 is one GELU",
            rewrite!("gelu-erf"; "(graph.mul (graph.mul ?x (graph.add (graph.erf (graph.div ?x ?r2)) ?one)) ?half)" => "(graph.gelu ?x)"
                if scalar_near("?r2", std::f64::consts::SQRT_2) if scalar_near("?one", 1.0) if scalar_near("?half", 0.5) if keeps_type("?x")),
            |b| gelu_sample(b, 0)),
        Rule::new("gelu-erf-half-first", "(x * 0.5) * (1 + erf(x / sqrt 2)) is one GELU",
            rewrite!("gelu-erf-half-first"; "(graph.mul (graph.mul ?x ?half) (graph.add (graph.erf (graph.div ?x ?r2)) ?one))" => "(graph.gelu ?x)"
                if scalar_near("?r2", std::f64::consts::SQRT_2) if scalar_near("?one", 1.0) if scalar_near("?half", 0.5) if keeps_type("?x")),
            |b| gelu_sample(b, 1)),
        Rule::new("gelu-erf-mul", "(x * 0.5) * (1 + erf(x * (1 / sqrt 2))) is one GELU",
            rewrite!("gelu-erf-mul"; "(graph.mul (graph.mul ?x ?half) (graph.add (graph.erf (graph.mul ?x ?r2)) ?one))" => "(graph.gelu ?x)"
                if scalar_near("?r2", std::f64::consts::FRAC_1_SQRT_2) if scalar_near("?one", 1.0) if scalar_near("?half", 0.5) if keeps_type("?x")),
            |b| gelu_sample(b, 2)),
        built("softmax-stable", "exp(x - max x) / sum exp(x - max x) is one Softmax",
            "(graph.div (graph.exp (graph.sub ?x (graph.reduce_max ?x ?a))) (graph.reduce_sum (graph.exp (graph.sub ?x (graph.reduce_max ?x ?a))) ?a2))",
            build_softmax, |b| softmax_sample(b, true)),
        built("softmax-naive", "exp(x) / sum exp(x) is one Softmax (and a stabler one)",
            "(graph.div (graph.exp ?x) (graph.reduce_sum (graph.exp ?x) ?a))", build_softmax, |b| softmax_sample(b, false)),
        built("layer-norm-pow", "the written-out LayerNormalization (variance by Pow) is one op",
            "(graph.add (graph.mul (graph.div (graph.sub ?x (graph.reduce_mean ?x ?a)) (graph.sqrt (graph.add (graph.reduce_mean (graph.pow (graph.sub ?x (graph.reduce_mean ?x ?a)) ?two) ?a) ?eps))) ?g) ?bb)",
            build_layer_norm, |b| layer_norm_sample(b, false)),
        built("layer-norm-mul", "the written-out LayerNormalization (variance by d * d) is one op",
            "(graph.add (graph.mul (graph.div (graph.sub ?x (graph.reduce_mean ?x ?a)) (graph.sqrt (graph.add (graph.reduce_mean (graph.mul (graph.sub ?x (graph.reduce_mean ?x ?a)) (graph.sub ?x (graph.reduce_mean ?x ?a))) ?a) ?eps))) ?g) ?bb)",
            build_layer_norm, |b| layer_norm_sample(b, true)),
    ];
    for (name, bias, bn_attrs) in [
        ("conv-bn-fold", false, true),
        ("conv-bias-bn-fold", true, true),
        ("conv-bn-fold-default-eps", false, false),
        ("conv-bias-bn-fold-default-eps", true, false),
    ] {
        let conv = if bias {
            "(graph.conv ?x ?w ?cb ?ca)"
        } else {
            "(graph.conv ?x ?w ?ca)"
        };
        let lhs = format!(
            "(graph.batch_normalization {conv} ?s ?b ?m ?v{})",
            if bn_attrs { " ?bna" } else { "" }
        );
        rules.push(built(
            name,
            "BatchNormalization after a convolution folds into its weights and bias",
            &lhs,
            fold_conv_bn,
            move |b| conv_bn_sample(b, bias, bn_attrs),
        ));
    }
    let merge: MultiPattern<GraphNode> = "?r1 = (graph.matmul ?x ?w1), ?r2 = (graph.matmul ?x ?w2)"
        .parse()
        .expect("multi-pattern");
    rules.push(Rule {
        name: "merge-parallel-matmuls",
        reason: "MatMuls of one input by constant weights are one wider MatMul and a split",
        rewrite: Rewrite::new("merge-parallel-matmuls", merge, MergeMatmuls).expect("rule"),
        sample: sampler(|b| {
            let (m, k, n1, n2) = (
                1 + b.below(4),
                1 + b.below(4),
                1 + b.below(4),
                1 + b.below(4),
            );
            let x = b.input(TensorType::new(vec![m, k], ElementType::F32));
            let w1 = b.random_constant(&TensorType::new(vec![k, n1], ElementType::F32));
            let w2 = b.random_constant(&TensorType::new(vec![k, n2], ElementType::F32));
            Ok(vec![
                b.op(ops::GRAPH_MATMUL, &[x, w1], &[])?,
                b.op(ops::GRAPH_MATMUL, &[x, w2], &[])?,
            ])
        }),
    });
    for (name, with_bias, pattern) in [
        (
            "merge-parallel-convs",
            false,
            "?r1 = (graph.conv ?x ?w1 ?a), ?r2 = (graph.conv ?x ?w2 ?a)",
        ),
        (
            "merge-parallel-convs-bias",
            true,
            "?r1 = (graph.conv ?x ?w1 ?b1 ?a), ?r2 = (graph.conv ?x ?w2 ?b2 ?a)",
        ),
    ] {
        let searcher: MultiPattern<GraphNode> = pattern.parse().expect("multi-pattern");
        rules.push(Rule {
            name,
            reason: "convolutions of one input with equal attributes are one convolution with more output channels, split",
            rewrite: Rewrite::new(name, searcher, MergeConvs { with_bias }).expect("rule"),
            sample: sampler(move |b| parallel_convs_sample(b, with_bias)),
        });
    }
    rules
}
