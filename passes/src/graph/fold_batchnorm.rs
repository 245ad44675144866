//! `fold-batchnorm`: `BatchNormalization(Conv(x, w, b))` with constant weights and
//! statistics becomes `Conv(x, w·k, (b − mean)·k + beta)`, `k = scale / √(var + ε)` per
//! output channel — the inference-time fold every deployment compiler does.
//!
//! The e-graph has the same fold as a rule (so it also fires where other rewrites expose
//! one); this pass does it first, in place, on the module's own weights: a weight used
//! only by its convolution is rescaled where it lies instead of being copied, so a CNN's
//! weights are never held twice. A weight shared with other ops is copied first, which
//! leaves them untouched.

use std::collections::HashMap;
use strata_ir::ops;
use strata_ir::{Attribute, Module, OpId, OpSpec, Shape, Tensor, Type, ValueId};

/// The constant a value is, if `graph.constant` defines it.
fn constant_op(m: &Module, v: ValueId) -> Option<OpId> {
    match m.value(v).def {
        strata_ir::module::ValueDef::OpResult { op, .. } => {
            let d = m.op(op);
            (d.name == ops::GRAPH_CONSTANT
                && matches!(d.attrs.get("value"), Some(Attribute::Dense(_))))
            .then_some(op)
        }
        _ => None,
    }
}

fn dense(m: &Module, op: OpId) -> Option<&Tensor> {
    match m.op(op).attrs.get("value") {
        Some(Attribute::Dense(t)) => Some(t),
        _ => None,
    }
}

/// Folds every foldable pair in `m`; returns how many.
pub fn fold_batchnorm(m: &mut Module) -> Result<usize, crate::pass::PassError> {
    let mut folded = 0;
    let functions: Vec<_> = m.functions().collect();
    for f in functions {
        let block = f.entry_block(m);
        let mut uses: HashMap<ValueId, usize> = HashMap::new();
        for &op in &m.block(block).ops {
            for &v in &m.op(op).operands {
                *uses.entry(v).or_default() += 1;
            }
        }
        let ops = m.block(block).ops.clone();
        for bn in ops {
            if fold_one(m, block, bn, &mut uses)? {
                folded += 1;
            }
        }
    }
    Ok(folded)
}

fn fold_one(
    m: &mut Module,
    block: strata_ir::module::BlockId,
    bn: OpId,
    uses: &mut HashMap<ValueId, usize>,
) -> Result<bool, crate::pass::PassError> {
    let d = m.op(bn);
    if d.name != ops::GRAPH_BATCH_NORMALIZATION || d.operands.len() != 5 || d.results.len() != 1 {
        return Ok(false);
    }
    let bn_operands = d.operands.clone();
    let bn_result = d.results[0];
    let eps = match d.attrs.get("epsilon") {
        Some(Attribute::Float(e, _)) => *e,
        _ => 1e-5,
    };
    let x = bn_operands[0];
    let strata_ir::module::ValueDef::OpResult { op: conv, .. } = m.value(x).def else {
        return Ok(false);
    };
    let c = m.op(conv);
    if c.name != ops::GRAPH_CONV || !(2..=3).contains(&c.operands.len()) || uses.get(&x) != Some(&1)
    {
        return Ok(false);
    }
    let conv_operands = c.operands.clone();
    let Some(w_op) = constant_op(m, conv_operands[1]) else {
        return Ok(false);
    };
    let params: Option<Vec<Vec<f64>>> = bn_operands[1..]
        .iter()
        .map(|&v| {
            constant_op(m, v)
                .and_then(|op| dense(m, op))
                .map(Tensor::to_f64s)
        })
        .collect();
    let Some(params) = params else {
        return Ok(false);
    };
    let Some(w) = dense(m, w_op) else {
        return Ok(false);
    };
    let elem = w.elem();
    let channels = w.dims().first().copied().unwrap_or(0);
    let bias = match conv_operands.get(2) {
        Some(&b) => match constant_op(m, b).and_then(|op| dense(m, op)) {
            Some(t) => t.to_f64s(),
            None => return Ok(false),
        },
        None => vec![0.0; channels],
    };
    if !elem.is_float()
        || channels == 0
        || bias.len() != channels
        || params.iter().any(|p| p.len() != channels)
    {
        return Ok(false);
    }
    let (scale, beta, mean, var) = (&params[0], &params[1], &params[2], &params[3]);
    let k: Vec<f64> = (0..channels)
        .map(|i| scale[i] / (var[i] + eps).sqrt())
        .collect();
    let per = (w.numel() / channels).max(1);
    let new_bias: Vec<f64> = (0..channels)
        .map(|i| (bias[i] - mean[i]) * k[i] + beta[i])
        .collect();
    // Rescale the weight where it is when the convolution is its only reader.
    let w_value = conv_operands[1];
    let scale_weight = |t: &mut Tensor| t.update_f64(|i, v| v * k[i / per]);
    if uses.get(&w_value) == Some(&1) {
        if let Some(Attribute::Dense(t)) = m.op_mut(w_op).attrs.get_mut("value") {
            scale_weight(t);
        }
    } else {
        let mut t = dense(m, w_op)
            .cloned()
            .ok_or("the weight is no longer a constant")?;
        scale_weight(&mut t);
        let ty = t.ty();
        let copy = m.create_op(
            OpSpec::new(ops::GRAPH_CONSTANT)
                .attr("value", Attribute::Dense(t))
                .results([Type::Tensor(ty)]),
        );
        m.insert_op_before(block, conv, copy);
        let v = m.result(copy);
        m.op_mut(conv).operands[1] = v;
        *uses.entry(w_value).or_default() -= 1;
        uses.insert(v, 1);
    }
    let b = Tensor::from_f64s(elem, Shape::new([channels]), &new_bias);
    let ty = b.ty();
    let bias_op = m.create_op(
        OpSpec::new(ops::GRAPH_CONSTANT)
            .attr("value", Attribute::Dense(b))
            .results([Type::Tensor(ty)]),
    );
    m.insert_op_before(block, conv, bias_op);
    let bias_value = m.result(bias_op);
    match conv_operands.get(2) {
        Some(&old) => {
            m.op_mut(conv).operands[2] = bias_value;
            *uses.entry(old).or_default() -= 1;
        }
        None => m.op_mut(conv).operands.push(bias_value),
    }
    uses.insert(bias_value, 1);
    // The convolution now computes the normalized value.
    let conv_result = m.result(conv);
    m.replace_all_uses(bn_result, conv_result);
    if let Some(n) = uses.remove(&bn_result) {
        *uses.entry(conv_result).or_default() += n;
    }
    m.erase_op(bn);
    for v in bn_operands {
        *uses.entry(v).or_default() -= 1;
    }
    // Constants nothing reads any more go too (the old bias, the statistics).
    let mut dead = Vec::new();
    for &op in &m.block(block).ops {
        let d = m.op(op);
        if d.name == ops::GRAPH_CONSTANT
            && d.results
                .iter()
                .all(|r| uses.get(r).copied().unwrap_or(0) == 0)
        {
            dead.push(op);
        }
    }
    for op in dead {
        m.erase_op(op);
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONV_BN: &str = r#""builtin.module"() ({
  "func.func"() ({
  ^bb0(%x: tensor<1x1x4x4xf32>):
    %w = "graph.constant"() {value = dense<[[[[1.0, 2.0], [3.0, 4.0]]], [[[-1.0, 0.5], [0.25, 2.0]]], [[[0.5, 0.5], [0.5, 0.5]]]]> : tensor<3x1x2x2xf32>} : () -> tensor<3x1x2x2xf32>
    %s = "graph.constant"() {value = dense<[1.5, 0.5, 2.0]> : tensor<3xf32>} : () -> tensor<3xf32>
    %b = "graph.constant"() {value = dense<[0.1, -0.2, 0.3]> : tensor<3xf32>} : () -> tensor<3xf32>
    %m = "graph.constant"() {value = dense<[0.5, 1.0, -1.0]> : tensor<3xf32>} : () -> tensor<3xf32>
    %v = "graph.constant"() {value = dense<[2.0, 0.25, 1.0]> : tensor<3xf32>} : () -> tensor<3xf32>
    %c = "graph.conv"(%x, %w) : (tensor<1x1x4x4xf32>, tensor<3x1x2x2xf32>) -> tensor<1x3x3x3xf32>
    %y = "graph.batch_normalization"(%c, %s, %b, %m, %v) {epsilon = 0.001 : f32} : (tensor<1x3x3x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x3x3xf32>
    "func.return"(%y) : (tensor<1x3x3x3xf32>) -> ()
  }) {function_type = (tensor<1x1x4x4xf32>) -> tensor<1x3x3x3xf32>, sym_name = "main"} : () -> ()
}) : () -> ()"#;

    fn weight_pointer(m: &Module) -> usize {
        let f = m.functions().next().unwrap();
        let op = m
            .block(f.entry_block(m))
            .ops
            .iter()
            .copied()
            .find(|&o| dense(m, o).is_some_and(|t| t.dims().len() == 4))
            .unwrap();
        dense(m, op).unwrap().le_bytes().as_ptr() as usize
    }

    #[test]
    fn folds_in_place_and_computes_the_same() {
        let mut m = strata_ir::parse_module(CONV_BN).unwrap();
        strata_ir::verify_module(&m).unwrap();
        let x = Tensor::from_f64_fn(strata_ir::ElementType::F32, Shape::new([1, 1, 4, 4]), |i| {
            (i as f64 * 0.37).sin()
        });
        let before = strata_ir::interp::run(&m, "main", std::slice::from_ref(&x)).unwrap();
        let pointer = weight_pointer(&m);
        assert_eq!(fold_batchnorm(&mut m).unwrap(), 1);
        strata_ir::verify_module(&m).unwrap();
        let text = strata_ir::print_module(&m);
        assert!(!text.contains("batch_normalization"), "{text}");
        // Two constants left: the rescaled weight (same storage) and the new bias.
        assert_eq!(text.matches("graph.constant").count(), 2, "{text}");
        assert_eq!(weight_pointer(&m), pointer, "the weight was copied");
        let after = strata_ir::interp::run(&m, "main", &[x]).unwrap();
        for (a, b) in after[0].to_f64s().iter().zip(before[0].to_f64s()) {
            assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
        }
    }

    #[test]
    fn a_shared_weight_is_copied_and_other_patterns_are_left_alone() {
        // The weight also feeds the output: it must keep its values.
        let shared = CONV_BN
            .replace(
                "\"func.return\"(%y) : (tensor<1x3x3x3xf32>) -> ()",
                "\"func.return\"(%y, %w) : (tensor<1x3x3x3xf32>, tensor<3x1x2x2xf32>) -> ()",
            )
            .replace(
                "-> tensor<1x3x3x3xf32>, sym_name",
                "-> (tensor<1x3x3x3xf32>, tensor<3x1x2x2xf32>), sym_name",
            );
        let mut m = strata_ir::parse_module(&shared).unwrap();
        strata_ir::verify_module(&m).unwrap();
        let x = Tensor::from_f64_fn(strata_ir::ElementType::F32, Shape::new([1, 1, 4, 4]), |i| {
            i as f64 / 7.0
        });
        let before = strata_ir::interp::run(&m, "main", std::slice::from_ref(&x)).unwrap();
        assert_eq!(fold_batchnorm(&mut m).unwrap(), 1);
        strata_ir::verify_module(&m).unwrap();
        let after = strata_ir::interp::run(&m, "main", &[x]).unwrap();
        assert!(after[1].bitwise_eq(&before[1]), "the shared weight changed");
        for (a, b) in after[0].to_f64s().iter().zip(before[0].to_f64s()) {
            assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
        }
        // A BatchNormalization whose statistics are inputs is not folded.
        let text = CONV_BN
            .replace(
                "^bb0(%x: tensor<1x1x4x4xf32>):",
                "^bb0(%x: tensor<1x1x4x4xf32>, %vv: tensor<3xf32>):",
            )
            .replace("%m, %v)", "%m, %vv)")
            .replace(
                "function_type = (tensor<1x1x4x4xf32>) ->",
                "function_type = (tensor<1x1x4x4xf32>, tensor<3xf32>) ->",
            );
        let mut m = strata_ir::parse_module(&text).unwrap();
        strata_ir::verify_module(&m).unwrap();
        assert_eq!(fold_batchnorm(&mut m).unwrap(), 0);
    }
}
