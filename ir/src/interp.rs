//! The reference interpreter: runs a function op by op with each dialect's evaluation
//! rules. It is the oracle every pass and back end is checked against.

use crate::control;
use crate::graph;
use crate::module::{Function, Module, OpId, ValueId};
use crate::ops;
use crate::tensor::Tensor;
use crate::types::Type;
use crate::verify::op_location;
use std::fmt;

/// A failure while interpreting, naming the op and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct InterpError {
    /// The failing op's name, or `input` for a bad argument.
    pub op: String,
    pub location: String,
    pub message: String,
}

impl fmt::Display for InterpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: '{}': {}", self.location, self.op, self.message)
    }
}

impl std::error::Error for InterpError {}

impl InterpError {
    /// A failure of op `op` of `m`, located where the op came from.
    pub fn at(m: &Module, op: OpId, message: impl Into<String>) -> InterpError {
        InterpError {
            op: m.op(op).name.to_string(),
            location: op_location(m, op),
            message: message.into(),
        }
    }
}

fn input_error(message: String) -> InterpError {
    InterpError {
        op: "input".into(),
        location: "function arguments".into(),
        message,
    }
}

/// Runs the function named `name` of a verified module on `inputs`.
pub fn run(m: &Module, name: &str, inputs: &[Tensor]) -> Result<Vec<Tensor>, InterpError> {
    let func = m
        .function(name)
        .ok_or_else(|| input_error(format!("the module has no function '{name}'")))?;
    run_function(m, func, inputs)
}

/// Runs `func` on `inputs`, checking them against its signature first.
pub fn run_function(
    m: &Module,
    func: Function,
    inputs: &[Tensor],
) -> Result<Vec<Tensor>, InterpError> {
    if crate::host::num_inputs(m, func).is_some() {
        return crate::host::run_host(m, func, inputs);
    }
    let args = func.arguments(m);
    let names = func.input_names(m);
    if inputs.len() != args.len() {
        return Err(input_error(format!(
            "expected {} inputs ({}), got {}",
            args.len(),
            names.join(", "),
            inputs.len()
        )));
    }
    let mut env: Vec<Option<Tensor>> = vec![None; m.num_values()];
    for ((&arg, t), name) in args.iter().zip(inputs).zip(&names) {
        let expected = m.value_type(arg);
        if &Type::Tensor(t.ty()) != expected {
            return Err(input_error(format!(
                "input '{name}' must be {expected}, got {}",
                t.ty()
            )));
        }
        env[arg.index()] = Some(t.clone());
    }
    let ops = &m.block(func.entry_block(m)).ops;
    // Free each value after its last use: whole CNNs stay within a few activations.
    let mut last_use = vec![usize::MAX; m.num_values()];
    for (i, &op) in ops.iter().enumerate() {
        for &v in &m.op(op).operands {
            last_use[v.index()] = i;
        }
    }
    for (i, &op) in ops.iter().enumerate() {
        let data = m.op(op);
        let fail = |e: crate::IrError| InterpError::at(m, op, e.message);
        let operand = |v: ValueId| {
            env[v.index()].as_ref().ok_or_else(|| {
                fail(format!("operand %{} has no value (used before definition?)", v.0).into())
            })
        };
        if data.name == ops::FUNC_RETURN {
            return data.operands.iter().map(|&v| operand(v).cloned()).collect();
        }
        let values = data
            .operands
            .iter()
            .map(|&v| operand(v))
            .collect::<Result<Vec<_>, _>>()?;
        // Ops with a rule of their own; graph ops follow below.
        let special = match data.name {
            ops::KERNEL_GENERIC => {
                Some(crate::kernel::eval_generic(m, op, &values).map_err(&fail)?)
            }
            ops::LOOP_DISPATCH => {
                Some(crate::loops::interp::eval_dispatch(m, op, &values).map_err(&fail)?)
            }
            ops::GRAPH_IF | ops::GRAPH_LOOP => Some(run_control(m, op, &values)?),
            _ => None,
        };
        if let Some(results) = special {
            for (&r, t) in data.results.iter().zip(results) {
                env[r.index()] = Some(t);
            }
            for &v in &data.operands {
                if last_use[v.index()] == i {
                    env[v.index()] = None;
                }
            }
            continue;
        }
        let def = graph::op_def(data.name)
            .ok_or_else(|| fail("the interpreter has no rule for this op".into()))?;
        let types: Vec<_> = values.iter().map(|t| t.ty()).collect();
        let args = graph::OpArgs {
            name: def.name,
            inputs: &types,
            attrs: &data.attrs,
            num_results: data.results.len(),
        };
        // Inference first: it rejects operand types the evaluation rules do not handle,
        // so modules that skipped the verifier still get errors rather than panics.
        let expected = (def.infer)(&args).map_err(&fail)?;
        if expected.len() < data.results.len() {
            return Err(fail(
                format!(
                    "the op defines {} results, expected at most {}",
                    data.results.len(),
                    expected.len()
                )
                .into(),
            ));
        }
        let results = (def.eval)(&args, &values).map_err(&fail)?;
        if results.len() < data.results.len() {
            return Err(fail(
                format!(
                    "produced {} results, expected {}",
                    results.len(),
                    data.results.len()
                )
                .into(),
            ));
        }
        for (&r, t) in data.results.iter().zip(results) {
            if &Type::Tensor(t.ty()) != m.value_type(r) {
                return Err(fail(
                    format!(
                        "produced {} but the result is declared {}",
                        t.ty(),
                        m.value_type(r)
                    )
                    .into(),
                ));
            }
            env[r.index()] = Some(t);
        }
        for &v in &data.operands {
            if last_use[v.index()] == i {
                env[v.index()] = None;
            }
        }
    }
    Err(InterpError {
        op: ops::FUNC_FUNC.to_string(),
        location: op_location(m, func.0),
        message: "function has no func.return".into(),
    })
}

/// Runs a `graph.if` or `graph.loop` by running the functions it calls.
fn run_control(m: &Module, op: OpId, values: &[&Tensor]) -> Result<Vec<Tensor>, InterpError> {
    let fail = |e: crate::IrError| InterpError::at(m, op, e.message);
    let owned = |v: &[&Tensor]| -> Vec<Tensor> { v.iter().map(|&t| t.clone()).collect() };
    if m.op(op).name == ops::GRAPH_IF {
        let branch = if control::condition(values[0]) {
            control::THEN_ATTR
        } else {
            control::ELSE_ATTR
        };
        let f = control::callee(m, op, branch).map_err(fail)?;
        return run_function(m, f, &owned(&values[1..]));
    }
    let body = control::callee(m, op, control::BODY_ATTR).map_err(fail)?;
    let n = m.op(op).results.len();
    let counter_type = m.tensor_type(body.arguments(m)[0]).map_err(fail)?.clone();
    let trip = control::count(values[0]);
    let mut cond = values[1].clone();
    let mut carried = owned(&values[2..2 + n]);
    let captured = owned(&values[2 + n..]);
    let mut i = 0i64;
    while i < trip && control::condition(&cond) {
        let mut args = vec![control::counter(&counter_type, i).map_err(fail)?, cond];
        args.append(&mut carried);
        args.extend(captured.iter().cloned());
        let mut out = run_function(m, body, &args)?.into_iter();
        cond = out
            .next()
            .ok_or_else(|| fail("the body returned nothing".into()))?;
        carried = out.collect();
        i += 1;
    }
    Ok(carried)
}
