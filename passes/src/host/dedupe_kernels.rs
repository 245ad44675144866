//! `dedupe-kernels`: kernels that compute the same thing become one. Models repeat blocks
//! of the same shapes (a ResNet stage's convolutions, a transformer's layers), and each
//! distinct kernel costs code generation time and code size on every target; dispatches
//! of a duplicate call the kernel it duplicates instead.

use std::collections::HashMap;
use strata_ir::ops;
use strata_ir::{loops, Attribute, Module};

/// Merges identical `loop.kernel`s of a host program; returns how many were removed.
pub fn dedupe_kernels(m: &mut Module) -> Result<usize, crate::pass::PassError> {
    let kernels: Vec<(strata_ir::OpId, String)> = loops::kernels(m)?
        .into_iter()
        .map(|(op, name)| (op, name.to_string()))
        .collect();
    let mut first: HashMap<String, String> = HashMap::new();
    let mut rename: HashMap<String, String> = HashMap::new();
    let mut dead = Vec::new();
    for (op, name) in kernels {
        let text = strata_ir::printer::print_top_level_op(m, op)
            .replace(&format!("sym_name = \"{name}\""), "sym_name = \"\"");
        match first.get(&text) {
            Some(kept) => {
                rename.insert(name, kept.clone());
                dead.push(op);
            }
            None => {
                first.insert(text, name);
            }
        }
    }
    if dead.is_empty() {
        return Ok(0);
    }
    let mut stack: Vec<strata_ir::OpId> = m.block(m.body()).ops.clone();
    while let Some(op) = stack.pop() {
        let d = m.op(op);
        for &r in &d.regions {
            for &b in &m.region(r).blocks {
                stack.extend(m.block(b).ops.iter().copied());
            }
        }
        if matches!(d.name, ops::HOST_DISPATCH | ops::LOOP_DISPATCH) {
            if let Some(Attribute::String(k)) = m.op_mut(op).attrs.get_mut("kernel") {
                if let Some(kept) = rename.get(k.as_str()) {
                    *k = kept.clone();
                }
            }
        }
    }
    for &op in &dead {
        m.erase_op(op);
    }
    Ok(dead.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_kernels_become_one_and_results_stay() {
        // Two relus of the same shape: after lowering, two identical kernels.
        let text = r#""builtin.module"() ({
  "func.func"() ({
  ^bb0(%a: tensor<8x16xf32>, %b: tensor<8x16xf32>):
    %0 = "graph.relu"(%a) : (tensor<8x16xf32>) -> tensor<8x16xf32>
    %1 = "graph.sigmoid"(%b) : (tensor<8x16xf32>) -> tensor<8x16xf32>
    %2 = "graph.relu"(%1) : (tensor<8x16xf32>) -> tensor<8x16xf32>
    "func.return"(%0, %2) : (tensor<8x16xf32>, tensor<8x16xf32>) -> ()
  }) {function_type = (tensor<8x16xf32>, tensor<8x16xf32>) -> (tensor<8x16xf32>, tensor<8x16xf32>), sym_name = "main"} : () -> ()
}) : () -> ()"#;
        let m = strata_ir::parse_module(text).unwrap();
        let (host, _) = crate::pipeline::run_pipeline(
            &m,
            "target{kind=cpu},lower-to-kernel,tile,lower-to-loops,bufferize",
            None,
            false,
        )
        .unwrap();
        let mut deduped = host.clone();
        let before = loops::kernels(&host).unwrap().len();
        assert_eq!(dedupe_kernels(&mut deduped).unwrap(), 1);
        strata_ir::verify_module(&deduped).unwrap();
        assert_eq!(loops::kernels(&deduped).unwrap().len(), before - 1);
        let inputs = [
            strata_ir::Tensor::from_f64_fn(strata_ir::ElementType::F32, vec![8, 16].into(), |i| {
                i as f64 / 9.0 - 6.0
            }),
            strata_ir::Tensor::from_f64_fn(strata_ir::ElementType::F32, vec![8, 16].into(), |i| {
                3.0 - i as f64 / 11.0
            }),
        ];
        let a = strata_ir::interp::run(&host, "main", &inputs).unwrap();
        let b = strata_ir::interp::run(&deduped, "main", &inputs).unwrap();
        assert!(a.iter().zip(&b).all(|(x, y)| x.bitwise_eq(y)));
        assert_eq!(dedupe_kernels(&mut deduped).unwrap(), 0);
    }
}
