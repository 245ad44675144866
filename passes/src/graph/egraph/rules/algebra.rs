//! Algebraic identities of elementwise ops and contractions.
//!
//! Rules that are exact in IEEE arithmetic need no caveat. Those that reassociate
//! (distributivity, constant regrouping, matmul associativity) change rounding only; the
//! soundness harness checks them with a tolerance. Identities that are false for NaN or
//! infinity (`x * 0 = 0`, `x - x = 0`) are left out.

use super::*;
use egg::rewrite;
use strata_ir::ops;
use strata_ir::OpName;

macro_rules! rule {
    ($name:literal, $reason:literal, $lhs:literal => $rhs:literal $(if $cond:expr)*, $sample:expr) => {
        Rule::new($name, $reason, rewrite!($name; $lhs => $rhs $(if $cond)*), $sample)
    };
}

/// `op(x, c)` with `c` a constant filled with `value` (broadcasting with `x`).
fn with_filled(
    b: &mut SampleBuilder,
    op: OpName,
    value: f64,
    const_first: bool,
) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let x = float_input(b, 3);
    let c = filled_like(b, x, value);
    let operands = if const_first { [c, x] } else { [x, c] };
    Ok(vec![b.op(op, &operands, &[])?])
}

fn unary_twice(
    b: &mut SampleBuilder,
    outer: OpName,
    inner: OpName,
) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let x = float_input(b, 3);
    let y = b.op(inner, &[x], &[])?;
    Ok(vec![b.op(outer, &[y], &[])?])
}

/// Two float inputs of one type.
fn two_inputs(b: &mut SampleBuilder) -> (ValueId, ValueId) {
    let ty = b.float_type(3);
    (b.input(ty.clone()), b.input(ty))
}

pub fn rules() -> Vec<Rule> {
    vec![
        rule!("add-zero", "x + 0 is x", "(graph.add ?x ?z)" => "?x" if const_all("?z", |v| v == 0.0) if keeps_type("?x"),
            |b| with_filled(b, ops::GRAPH_ADD, 0.0, false)),
        rule!("zero-add", "0 + x is x", "(graph.add ?z ?x)" => "?x" if const_all("?z", |v| v == 0.0) if keeps_type("?x"),
            |b| with_filled(b, ops::GRAPH_ADD, 0.0, true)),
        rule!("sub-zero", "x - 0 is x", "(graph.sub ?x ?z)" => "?x" if const_all("?z", |v| v == 0.0) if keeps_type("?x"),
            |b| with_filled(b, ops::GRAPH_SUB, 0.0, false)),
        rule!("mul-one", "x * 1 is x", "(graph.mul ?x ?o)" => "?x" if const_all("?o", |v| v == 1.0) if keeps_type("?x"),
            |b| with_filled(b, ops::GRAPH_MUL, 1.0, false)),
        rule!("one-mul", "1 * x is x", "(graph.mul ?o ?x)" => "?x" if const_all("?o", |v| v == 1.0) if keeps_type("?x"),
            |b| with_filled(b, ops::GRAPH_MUL, 1.0, true)),
        rule!("div-one", "x / 1 is x", "(graph.div ?x ?o)" => "?x" if const_all("?o", |v| v == 1.0) if keeps_type("?x"),
            |b| with_filled(b, ops::GRAPH_DIV, 1.0, false)),
        rule!("pow-one", "x ^ 1 is x", "(graph.pow ?x ?o)" => "?x" if const_all("?o", |v| v == 1.0) if keeps_type("?x"),
            |b| with_filled(b, ops::GRAPH_POW, 1.0, false)),
        rule!("pow-two", "x ^ 2 is one multiply, not a pow", "(graph.pow ?x ?t)" => "(graph.mul ?x ?x)"
            if const_all("?t", |v| v == 2.0) if keeps_type("?x"),
            |b| { let x = float_input(b, 3); let t = scalar_like(b, x, 2.0); Ok(vec![b.op(ops::GRAPH_POW, &[x, t], &[])?]) }),
        rule!("pow-half", "x ^ 0.5 is a square root", "(graph.pow ?x ?h)" => "(graph.sqrt ?x)"
            if const_all("?h", |v| v == 0.5) if keeps_type("?x"),
            |b| { let x = float_input(b, 3); let a = b.op(ops::GRAPH_ABS, &[x], &[])?; let h = scalar_like(b, x, 0.5); Ok(vec![b.op(ops::GRAPH_POW, &[a, h], &[])?]) }),
        rule!("double-neg", "negation is its own inverse", "(graph.neg (graph.neg ?x))" => "?x",
            |b| unary_twice(b, ops::GRAPH_NEG, ops::GRAPH_NEG)),
        rule!("neg-sub", "-(a - b) is b - a, exactly", "(graph.neg (graph.sub ?a ?b))" => "(graph.sub ?b ?a)",
            |b| { let (x, y) = two_inputs(b); let d = b.op(ops::GRAPH_SUB, &[x, y], &[])?; Ok(vec![b.op(ops::GRAPH_NEG, &[d], &[])?]) }),
        rule!("add-neg", "a + (-b) is a - b: one op fewer", "(graph.add ?a (graph.neg ?b))" => "(graph.sub ?a ?b)",
            |b| { let (x, y) = two_inputs(b); let n = b.op(ops::GRAPH_NEG, &[y], &[])?; Ok(vec![b.op(ops::GRAPH_ADD, &[x, n], &[])?]) }),
        rule!("sub-neg", "a - (-b) is a + b: one op fewer", "(graph.sub ?a (graph.neg ?b))" => "(graph.add ?a ?b)",
            |b| { let (x, y) = two_inputs(b); let n = b.op(ops::GRAPH_NEG, &[y], &[])?; Ok(vec![b.op(ops::GRAPH_SUB, &[x, n], &[])?]) }),
        rule!("neg-mul-neg", "(-a) * (-b) is a * b", "(graph.mul (graph.neg ?a) (graph.neg ?b))" => "(graph.mul ?a ?b)",
            |b| { let (x, y) = two_inputs(b); let nx = b.op(ops::GRAPH_NEG, &[x], &[])?; let ny = b.op(ops::GRAPH_NEG, &[y], &[])?; Ok(vec![b.op(ops::GRAPH_MUL, &[nx, ny], &[])?]) }),
        rule!("relu-idempotent", "relu(relu(x)) is relu(x)", "(graph.relu (graph.relu ?x))" => "(graph.relu ?x)",
            |b| unary_twice(b, ops::GRAPH_RELU, ops::GRAPH_RELU)),
        rule!("abs-idempotent", "abs(abs(x)) is abs(x)", "(graph.abs (graph.abs ?x))" => "(graph.abs ?x)",
            |b| unary_twice(b, ops::GRAPH_ABS, ops::GRAPH_ABS)),
        rule!("abs-neg", "abs(-x) is abs(x)", "(graph.abs (graph.neg ?x))" => "(graph.abs ?x)",
            |b| unary_twice(b, ops::GRAPH_ABS, ops::GRAPH_NEG)),
        rule!("relu-abs", "relu(abs(x)) is abs(x)", "(graph.relu (graph.abs ?x))" => "(graph.abs ?x)",
            |b| unary_twice(b, ops::GRAPH_RELU, ops::GRAPH_ABS)),
        rule!("not-not", "boolean negation is its own inverse", "(graph.not (graph.not ?x))" => "?x",
            |b| { let s = b.shape(3); let x = b.input(TensorType::new(s, strata_ir::ElementType::Bool)); let n = b.op(ops::GRAPH_NOT, &[x], &[])?; Ok(vec![b.op(ops::GRAPH_NOT, &[n], &[])?]) }),
        rule!("max-self", "max(x, x) is x", "(graph.max ?x ?x)" => "?x",
            |b| { let x = float_input(b, 3); Ok(vec![b.op(ops::GRAPH_MAX, &[x, x], &[])?]) }),
        rule!("min-self", "min(x, x) is x", "(graph.min ?x ?x)" => "?x",
            |b| { let x = float_input(b, 3); Ok(vec![b.op(ops::GRAPH_MIN, &[x, x], &[])?]) }),
        rule!("mul-consts", "(x * c1) * c2 is x * (c1 * c2), whose constant folds", "(graph.mul (graph.mul ?x ?c1) ?c2)" => "(graph.mul ?x (graph.mul ?c1 ?c2))"
            if const_all("?c1", |_| true) if const_all("?c2", |_| true) if not_the_match("?x"),
            |b| { let x = float_input(b, 3); let c1 = random_like(b, x); let c2 = random_like(b, x); let m = b.op(ops::GRAPH_MUL, &[x, c1], &[])?; Ok(vec![b.op(ops::GRAPH_MUL, &[m, c2], &[])?]) }),
        rule!("add-consts", "(x + c1) + c2 is x + (c1 + c2), whose constant folds", "(graph.add (graph.add ?x ?c1) ?c2)" => "(graph.add ?x (graph.add ?c1 ?c2))"
            if const_all("?c1", |_| true) if const_all("?c2", |_| true) if not_the_match("?x"),
            |b| { let x = float_input(b, 3); let c1 = random_like(b, x); let c2 = random_like(b, x); let m = b.op(ops::GRAPH_ADD, &[x, c1], &[])?; Ok(vec![b.op(ops::GRAPH_ADD, &[m, c2], &[])?]) }),
        rule!("div-by-const", "x / c is x * (1/c): a multiply, and the reciprocal folds", "(graph.div ?x ?c)" => "(graph.mul ?x (graph.reciprocal ?c))"
            if const_all("?c", |v| v != 0.0 && v.is_finite()) if is_float("?c"),
            |b| { let x = float_input(b, 3); let t = b.type_of(x); let s = b.broadcastable(&t.shape); let n = s.numel(); let vals: Vec<f64> = (0..n).map(|i| [0.5, -2.0, 4.0, 1.5][i % 4]).collect(); let c = b.constant(Tensor::from_f64s(t.elem, s, &vals)); Ok(vec![b.op(ops::GRAPH_DIV, &[x, c], &[])?]) }),
        rule!("distribute-mul", "a*b + a*c is a*(b + c): one multiply fewer", "(graph.add (graph.mul ?a ?b) (graph.mul ?a ?c))" => "(graph.mul ?a (graph.add ?b ?c))"
            if same_type("?b", "?c") if distinct("?b", "?c"),
            |b| { let ty = b.float_type(3); let a = b.input(ty.clone()); let x = b.input(ty.clone()); let y = b.input(ty); let p = b.op(ops::GRAPH_MUL, &[a, x], &[])?; let q = b.op(ops::GRAPH_MUL, &[a, y], &[])?; Ok(vec![b.op(ops::GRAPH_ADD, &[p, q], &[])?]) }),
        rule!("matmul-factor-left", "a·b + a·c is a·(b + c): one contraction fewer", "(graph.add (graph.matmul ?a ?b) (graph.matmul ?a ?c))" => "(graph.matmul ?a (graph.add ?b ?c))"
            if same_type("?b", "?c") if distinct("?b", "?c"),
            |b| { let (m, k, n) = (1 + b.below(4), 1 + b.below(4), 1 + b.below(4)); let e = b.float_elem(); let a = b.input(TensorType::new(vec![m, k], e)); let x = b.input(TensorType::new(vec![k, n], e)); let y = b.input(TensorType::new(vec![k, n], e)); let p = b.op(ops::GRAPH_MATMUL, &[a, x], &[])?; let q = b.op(ops::GRAPH_MATMUL, &[a, y], &[])?; Ok(vec![b.op(ops::GRAPH_ADD, &[p, q], &[])?]) }),
        rule!("matmul-factor-right", "a·c + b·c is (a + b)·c: one contraction fewer", "(graph.add (graph.matmul ?a ?c) (graph.matmul ?b ?c))" => "(graph.matmul (graph.add ?a ?b) ?c)"
            if same_type("?a", "?b") if distinct("?a", "?b"),
            |b| { let (m, k, n) = (1 + b.below(4), 1 + b.below(4), 1 + b.below(4)); let e = b.float_elem(); let x = b.input(TensorType::new(vec![m, k], e)); let y = b.input(TensorType::new(vec![m, k], e)); let c = b.input(TensorType::new(vec![k, n], e)); let p = b.op(ops::GRAPH_MATMUL, &[x, c], &[])?; let q = b.op(ops::GRAPH_MATMUL, &[y, c], &[])?; Ok(vec![b.op(ops::GRAPH_ADD, &[p, q], &[])?]) }),
        rule!("matmul-assoc-right", "(a·b)·c is a·(b·c); the cheaper order depends on the shapes", "(graph.matmul (graph.matmul ?a ?b) ?c)" => "(graph.matmul ?a (graph.matmul ?b ?c))"
            if has_rank("?a", 2) if has_rank("?b", 2) if has_rank("?c", 2),
            |b| matmul_chain(b, false)),
        rule!("matmul-assoc-left", "a·(b·c) is (a·b)·c; the cheaper order depends on the shapes", "(graph.matmul ?a (graph.matmul ?b ?c))" => "(graph.matmul (graph.matmul ?a ?b) ?c)"
            if has_rank("?a", 2) if has_rank("?b", 2) if has_rank("?c", 2),
            |b| matmul_chain(b, true)),
        rule!("reciprocal-div", "1 / x is reciprocal(x)", "(graph.div ?o ?x)" => "(graph.reciprocal ?x)"
            if const_all("?o", |v| v == 1.0) if keeps_type("?x") if is_float("?x"),
            |b| with_filled(b, ops::GRAPH_DIV, 1.0, true)),
        rule!("identity", "identity copies nothing", "(graph.identity ?x)" => "?x",
            |b| { let x = float_input(b, 3); Ok(vec![b.op(ops::GRAPH_IDENTITY, &[x], &[])?]) }),
    ]
}

/// A chain of two rank-2 matmuls, grouped left (`(a·b)·c`) or right.
fn matmul_chain(
    b: &mut SampleBuilder,
    right: bool,
) -> Result<Vec<ValueId>, crate::pass::PassError> {
    let dims: Vec<usize> = (0..4).map(|_| 1 + b.below(5)).collect();
    let e = b.float_elem();
    let a = b.input(TensorType::new(vec![dims[0], dims[1]], e));
    let x = b.input(TensorType::new(vec![dims[1], dims[2]], e));
    let y = b.input(TensorType::new(vec![dims[2], dims[3]], e));
    if right {
        let bc = b.op(ops::GRAPH_MATMUL, &[x, y], &[])?;
        Ok(vec![b.op(ops::GRAPH_MATMUL, &[a, bc], &[])?])
    } else {
        let ab = b.op(ops::GRAPH_MATMUL, &[a, x], &[])?;
        Ok(vec![b.op(ops::GRAPH_MATMUL, &[ab, y], &[])?])
    }
}
