//! Structured control flow: `graph.if` and `graph.loop` over tensors, `host.if` and
//! `host.loop` over buffers.
//!
//! A branch or a loop body is an outlined function of the same module, named by a string
//! attribute, as with `func.call`: every pass already walks every function, so each region
//! is optimized, fused, tiled and bufferized like any other program, and the ops that call
//! them stay opaque to the passes in between. Packaging inlines the callees' host programs
//! into their caller as nested commands over one arena.
//!
//! ```text
//! %y = "graph.if"(%c, %x) {then_branch = "main_if0_then", else_branch = "main_if0_else"}
//!        : (tensor<i1>, tensor<4xf32>) -> tensor<4xf32>
//! %s = "graph.loop"(%trip, %c0, %s0, %w) {body = "main_loop0_body"}
//!        : (tensor<i64>, tensor<i1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
//! ```
//!
//! - `graph.if(cond, captured...)`: both branches take the captured values and return the
//!   results (same types: static shapes stay the rule).
//! - `graph.loop(trip_count, cond, carried..., captured...)`: while `i < trip_count` and
//!   `cond`, the body maps `(i, cond, carried..., captured...)` to `(cond, carried...)`;
//!   the results are the last carried values (ONNX `Loop` without scan outputs).
//! - `host.if(cond, args...)`: runs one branch's host function on `args` (its inputs,
//!   then its output buffers).
//! - `host.loop(trip_count, args...)`: `args` are the body's buffers — the iteration
//!   counter, the condition and carried state it reads, the captured values, then the
//!   condition and state it writes. Before each iteration the counter is written; after
//!   it, the written condition and state are copied over the read ones. The caller
//!   initializes the read condition and state before the loop and reads the state after.

use crate::attr::Attribute;
use crate::module::{Function, Module, OpId};
use crate::ops;
use crate::types::{ElementType, TensorType, Type};
use crate::verify::{DialectRegistry, OpDefinition};
use crate::IrError;
use std::collections::BTreeSet;

/// The `graph.if`/`host.if` attribute naming the function run when the condition holds.
pub const THEN_ATTR: &str = "then_branch";
/// The `graph.if`/`host.if` attribute naming the function run otherwise.
pub const ELSE_ATTR: &str = "else_branch";
/// The `graph.loop`/`host.loop` attribute naming the body function.
pub const BODY_ATTR: &str = "body";

/// Registers the four control-flow ops.
pub fn register(r: &mut DialectRegistry) {
    for (name, verify) in [
        (
            ops::GRAPH_IF,
            verify_graph_if as fn(&Module, OpId) -> Result<(), IrError>,
        ),
        (ops::GRAPH_LOOP, verify_graph_loop),
        (ops::HOST_IF, verify_host_if),
        (ops::HOST_LOOP, verify_host_loop),
    ] {
        r.register(OpDefinition {
            name,
            verify,
            infer: None,
        });
    }
}

/// Whether `op` is one of the control-flow ops.
pub fn is_control_flow(m: &Module, op: OpId) -> bool {
    matches!(
        m.op(op).name,
        ops::GRAPH_IF | ops::GRAPH_LOOP | ops::HOST_IF | ops::HOST_LOOP
    )
}

/// The function that attribute `attr` of `op` names.
pub fn callee(m: &Module, op: OpId, attr: &str) -> Result<Function, IrError> {
    match m.op(op).attrs.get(attr) {
        Some(Attribute::String(name)) => Ok(m.function(name).ok_or_else(|| {
            format!("'{attr}' names '{name}', which is no function of the module")
        })?),
        _ => Err(format!("'{}' needs a string attribute '{attr}'", m.op(op).name).into()),
    }
}

/// The functions `op` may call: both branches of an if, the body of a loop.
pub fn callees(m: &Module, op: OpId) -> Result<Vec<Function>, IrError> {
    match m.op(op).name {
        ops::GRAPH_IF | ops::HOST_IF => {
            Ok(vec![callee(m, op, THEN_ATTR)?, callee(m, op, ELSE_ATTR)?])
        }
        ops::GRAPH_LOOP | ops::HOST_LOOP => Ok(vec![callee(m, op, BODY_ATTR)?]),
        _ => Ok(Vec::new()),
    }
}

/// The names of the functions some control-flow op calls: they are parts of their
/// callers, not entry points of the module.
pub fn called_functions(m: &Module) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in m.functions() {
        for &op in &m.block(f.entry_block(m)).ops {
            for attr in [THEN_ATTR, ELSE_ATTR, BODY_ATTR] {
                if let (true, Some(Attribute::String(s))) =
                    (is_control_flow(m, op), m.op(op).attrs.get(attr))
                {
                    out.insert(s.clone());
                }
            }
        }
    }
    out
}

fn signature(m: &Module, f: Function) -> (Vec<Type>, Vec<Type>) {
    match m.op(f.0).attrs.get("function_type") {
        Some(Attribute::Type(Type::Function(ft))) => (ft.inputs.clone(), ft.results.clone()),
        _ => (Vec::new(), Vec::new()),
    }
}

fn types(m: &Module, values: &[crate::ValueId]) -> Vec<Type> {
    values.iter().map(|&v| m.value_type(v).clone()).collect()
}

fn list(types: &[Type]) -> String {
    let v: Vec<String> = types.iter().map(Type::to_string).collect();
    format!("({})", v.join(", "))
}

/// A one-element tensor or buffer of element type `elem`: a condition or a counter.
fn is_single(t: &Type, elem: ElementType) -> bool {
    match t {
        Type::Tensor(t) | Type::MemRef(t) => t.elem == elem && t.shape.numel() == 1,
        _ => false,
    }
}

fn single(what: &str, t: &Type, elem: ElementType) -> Result<(), IrError> {
    if is_single(t, elem) {
        Ok(())
    } else {
        Err(format!("{what} must hold one {elem}, found {t}").into())
    }
}

/// `found` must be `expected`; else an error "`what` <found>, `than` <expected>".
fn agree(what: String, found: &[Type], than: &str, expected: &[Type]) -> Result<(), IrError> {
    if found == expected {
        return Ok(());
    }
    Err(format!("{what} {}, {than} {}", list(found), list(expected)).into())
}

fn no_recursion(m: &Module, op: OpId, f: Function) -> Result<(), IrError> {
    let caller = m
        .op(op)
        .parent
        .and_then(|b| m.functions().find(|g| g.entry_block(m) == b));
    if caller == Some(f) {
        return Err(format!("'{}' calls its own function", f.name(m)).into());
    }
    Ok(())
}

fn verify_graph_if(m: &Module, op: OpId) -> Result<(), IrError> {
    let d = m.op(op);
    let Some((&cond, captured)) = d.operands.split_first() else {
        return Err("graph.if takes a condition".into());
    };
    single("the condition", m.value_type(cond), ElementType::Bool)?;
    let (ins, outs) = (types(m, captured), types(m, &d.results));
    for attr in [THEN_ATTR, ELSE_ATTR] {
        let f = callee(m, op, attr)?;
        no_recursion(m, op, f)?;
        let (fi, fo) = signature(m, f);
        let name = f.name(m);
        agree(format!("{attr} '{name}' takes"), &fi, "the if passes", &ins)?;
        agree(
            format!("{attr} '{name}' returns"),
            &fo,
            "the if's results are",
            &outs,
        )?;
    }
    Ok(())
}

fn verify_graph_loop(m: &Module, op: OpId) -> Result<(), IrError> {
    let d = m.op(op);
    let n = d.results.len();
    if d.operands.len() < 2 + n {
        return Err(format!(
            "graph.loop takes a trip count, a condition and {n} carried values, found {} operands",
            d.operands.len()
        )
        .into());
    }
    single(
        "the trip count",
        m.value_type(d.operands[0]),
        ElementType::I64,
    )?;
    single(
        "the condition",
        m.value_type(d.operands[1]),
        ElementType::Bool,
    )?;
    let carried = types(m, &d.operands[2..2 + n]);
    agree(
        "the carried values are".into(),
        &carried,
        "the results",
        &types(m, &d.results),
    )?;
    let f = callee(m, op, BODY_ATTR)?;
    no_recursion(m, op, f)?;
    let (fi, fo) = signature(m, f);
    let body = f.name(m);
    if fi.len() != d.operands.len() {
        return Err(format!(
            "body '{body}' takes {} values, the loop passes {} (counter, condition, carried, captured)",
            fi.len(),
            d.operands.len()
        )
        .into());
    }
    single("the body's counter", &fi[0], ElementType::I64)?;
    single("the body's condition", &fi[1], ElementType::Bool)?;
    agree(
        format!("body '{body}' takes after its counter and condition"),
        &fi[2..],
        "the loop passes",
        &types(m, &d.operands[2..]),
    )?;
    match fo.split_first() {
        Some((c, rest)) if is_single(c, ElementType::Bool) && rest == carried.as_slice() => Ok(()),
        _ => Err(format!(
            "body '{body}' returns {}, a loop body returns its condition and the carried {}",
            list(&fo),
            list(&carried)
        )
        .into()),
    }
}

/// A host function's inputs and outputs.
fn host_signature(m: &Module, f: Function) -> Result<(Vec<Type>, usize), IrError> {
    let n_in = crate::host::num_inputs(m, f)
        .ok_or_else(|| format!("'{}' is not a host function", f.name(m)))?;
    let args = signature(m, f).0;
    if n_in > args.len() {
        return Err(format!(
            "'{}' declares {n_in} inputs but has {} arguments",
            f.name(m),
            args.len()
        )
        .into());
    }
    Ok((args, n_in))
}

fn verify_host_if(m: &Module, op: OpId) -> Result<(), IrError> {
    let d = m.op(op);
    let Some((&cond, args)) = d.operands.split_first() else {
        return Err("host.if takes a condition".into());
    };
    single("the condition", m.value_type(cond), ElementType::Bool)?;
    if !d.results.is_empty() {
        return Err("host.if has no results: its branches write their output buffers".into());
    }
    let mut inputs = None;
    for attr in [THEN_ATTR, ELSE_ATTR] {
        let f = callee(m, op, attr)?;
        no_recursion(m, op, f)?;
        let (fi, n_in) = host_signature(m, f)?;
        agree(
            format!("{attr} '{}' takes", f.name(m)),
            &fi,
            "the if binds",
            &types(m, args),
        )?;
        if inputs.is_some_and(|k| k != n_in) {
            return Err("the branches differ in how many of the buffers they read".into());
        }
        inputs = Some(n_in);
    }
    Ok(())
}

/// The number of carried values of a `host.loop` (its body's outputs but the condition).
pub fn host_loop_carried(m: &Module, op: OpId) -> Result<usize, IrError> {
    let f = callee(m, op, BODY_ATTR)?;
    let (fi, n_in) = host_signature(m, f)?;
    // A declared input count past the arguments is an error, not an underflow.
    let outputs = fi.len().checked_sub(n_in);
    match outputs.and_then(|o| o.checked_sub(1)) {
        Some(n) if n_in >= 2 + n => Ok(n),
        _ => Err(format!(
            "body '{}' declares {n_in} inputs of {} arguments: a loop body reads its counter, condition and state, and writes its condition and one buffer per carried value",
            f.name(m),
            fi.len()
        )
        .into()),
    }
}

fn verify_host_loop(m: &Module, op: OpId) -> Result<(), IrError> {
    let d = m.op(op);
    let Some((&trip, args)) = d.operands.split_first() else {
        return Err("host.loop takes a trip count".into());
    };
    single("the trip count", m.value_type(trip), ElementType::I64)?;
    let f = callee(m, op, BODY_ATTR)?;
    no_recursion(m, op, f)?;
    let (fi, n_in) = host_signature(m, f)?;
    agree(
        format!("body '{}' takes", f.name(m)),
        &fi,
        "the loop binds",
        &types(m, args),
    )?;
    let n = host_loop_carried(m, op)?;
    single("the body's counter", &fi[0], ElementType::I64)?;
    single("the body's condition", &fi[1], ElementType::Bool)?;
    // What the body writes is copied over what it reads, byte for byte (the conditions
    // may differ in shape, `[]` and `[1]`).
    single(
        "the condition the body writes",
        &fi[n_in],
        ElementType::Bool,
    )?;
    if fi[n_in + 1..] != fi[2..2 + n] {
        return Err(format!(
            "body '{}' writes {} but reads its condition and state as {}",
            f.name(m),
            list(&fi[n_in..]),
            list(&fi[1..2 + n])
        )
        .into());
    }
    Ok(())
}

/// The value of a one-element condition tensor.
pub fn condition(t: &crate::Tensor) -> bool {
    t.to_le_bytes().iter().any(|&b| b != 0)
}

/// The value of a one-element i64 tensor.
pub fn count(t: &crate::Tensor) -> i64 {
    let b = t.to_le_bytes();
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8.min(b.len())]);
    i64::from_le_bytes(a)
}

/// A counter of type `ty` (one i64) holding `i`.
pub fn counter(ty: &TensorType, i: i64) -> Result<crate::Tensor, IrError> {
    crate::Tensor::from_le_bytes(ElementType::I64, ty.shape.clone(), &i.to_le_bytes())
}

#[cfg(test)]
mod tests {
    use crate::{interp, parse_module, verify_module, Tensor};

    /// `y = c ? x + x : -x` and `z = x + n·x` (a loop adding the captured `x` to a state
    /// that starts at `x`, `n` times).
    const PROGRAM: &str = r#""builtin.module"() ({
  "func.func"() ({
  ^bb0(%c: tensor<i1>, %x: tensor<4xf32>, %n: tensor<i64>):
    %t = "graph.constant"() {value = dense<true> : tensor<i1>} : () -> tensor<i1>
    %y = "graph.if"(%c, %x) {else_branch = "neg", then_branch = "double"} : (tensor<i1>, tensor<4xf32>) -> tensor<4xf32>
    %z = "graph.loop"(%n, %t, %x, %x) {body = "step"} : (tensor<i64>, tensor<i1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    "func.return"(%y, %z) : (tensor<4xf32>, tensor<4xf32>) -> ()
  }) {function_type = (tensor<i1>, tensor<4xf32>, tensor<i64>) -> (tensor<4xf32>, tensor<4xf32>), sym_name = "main"} : () -> ()
  "func.func"() ({
  ^bb0(%x: tensor<4xf32>):
    %y = "graph.add"(%x, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    "func.return"(%y) : (tensor<4xf32>) -> ()
  }) {function_type = (tensor<4xf32>) -> tensor<4xf32>, sym_name = "double"} : () -> ()
  "func.func"() ({
  ^bb0(%x: tensor<4xf32>):
    %y = "graph.neg"(%x) : (tensor<4xf32>) -> tensor<4xf32>
    "func.return"(%y) : (tensor<4xf32>) -> ()
  }) {function_type = (tensor<4xf32>) -> tensor<4xf32>, sym_name = "neg"} : () -> ()
  "func.func"() ({
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %s: tensor<4xf32>, %x: tensor<4xf32>):
    %s2 = "graph.add"(%s, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    "func.return"(%c, %s2) : (tensor<i1>, tensor<4xf32>) -> ()
  }) {function_type = (tensor<i64>, tensor<i1>, tensor<4xf32>, tensor<4xf32>) -> (tensor<i1>, tensor<4xf32>), sym_name = "step"} : () -> ()
}) : () -> ()"#;

    fn run(c: bool, n: i64) -> Vec<Vec<f32>> {
        let m = parse_module(PROGRAM).unwrap();
        verify_module(&m).unwrap();
        let x = Tensor::from_vec(vec![4], vec![1f32, -2.0, 3.0, 0.5]).unwrap();
        let out = interp::run(&m, "main", &[Tensor::scalar(c), x, Tensor::scalar(n)]).unwrap();
        out.iter()
            .map(|t| t.as_slice::<f32>().unwrap().to_vec())
            .collect()
    }

    #[test]
    fn ifs_and_loops_run_the_functions_they_name() {
        assert_eq!(
            run(true, 3),
            vec![vec![2.0, -4.0, 6.0, 1.0], vec![4.0, -8.0, 12.0, 2.0]]
        );
        assert_eq!(
            run(false, 0),
            vec![vec![-1.0, 2.0, -3.0, -0.5], vec![1.0, -2.0, 3.0, 0.5]]
        );
        let m = parse_module(PROGRAM).unwrap();
        let called: Vec<String> = super::called_functions(&m).into_iter().collect();
        assert_eq!(called, ["double", "neg", "step"]);
    }

    #[test]
    fn callees_that_do_not_fit_are_verifier_errors() {
        let cases = [
            // A branch returning another type than the other.
            (
                r#"%y = "graph.neg"(%x) : (tensor<4xf32>) -> tensor<4xf32>
    "func.return"(%y) : (tensor<4xf32>) -> ()
  }) {function_type = (tensor<4xf32>) -> tensor<4xf32>, sym_name = "neg"}"#,
                r#"%y = "graph.cast"(%x) {to = f64} : (tensor<4xf32>) -> tensor<4xf64>
    "func.return"(%y) : (tensor<4xf64>) -> ()
  }) {function_type = (tensor<4xf32>) -> tensor<4xf64>, sym_name = "neg"}"#,
                "else_branch 'neg' returns (tensor<4xf64>)",
            ),
            (
                r#"body = "step""#,
                r#"body = "main""#,
                "calls its own function",
            ),
            (
                r#"then_branch = "double""#,
                r#"then_branch = "triple""#,
                "names 'triple', which is no function",
            ),
            // A body that drops its condition.
            (
                r#""func.return"(%c, %s2) : (tensor<i1>, tensor<4xf32>) -> ()
  }) {function_type = (tensor<i64>, tensor<i1>, tensor<4xf32>, tensor<4xf32>) -> (tensor<i1>, tensor<4xf32>)"#,
                r#""func.return"(%s2) : (tensor<4xf32>) -> ()
  }) {function_type = (tensor<i64>, tensor<i1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>"#,
                "a loop body returns its condition",
            ),
        ];
        for (from, to, expected) in cases {
            assert!(PROGRAM.contains(from), "{from}");
            let m = parse_module(&PROGRAM.replace(from, to)).unwrap();
            let e = verify_module(&m).unwrap_err().to_string();
            assert!(e.contains(expected), "expected '{expected}' in: {e}");
        }
    }
}
