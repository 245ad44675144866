//! `unroll{factor=N}` (the target's factor by default): innermost loops whose trip count
//! the factor divides repeat their body with the index advanced, in order, so reductions
//! accumulate in the same order. Grid loops (the workgroups) and loops around a
//! `loop.contract` stay as they are.

use super::{innermost_loops, set_loop};
use std::collections::HashMap;
use strata_ir::loops::{body_of, ForLoop};
use strata_ir::ops;
use strata_ir::{AffineExpr, AffineMap, Attribute, Module, OpSpec, Type, ValueId};

/// The `unroll` pass: repeats the body of innermost loops `factor` times.
pub fn unroll(m: &Module, factor: usize) -> Result<(Module, usize), crate::pass::PassError> {
    crate::require_valid(m, "unroll")?;
    let mut out = m.clone();
    let mut count = 0;
    if factor < 2 {
        return Ok((out, 0));
    }
    for l in innermost_loops(&out) {
        let mut info = ForLoop::of(&out, l)?;
        if info.trip_count() % factor as i64 != 0 || info.trip_count() < factor as i64 {
            continue;
        }
        let body = body_of(&out, l);
        // A grid loop's iterations are the workgroups the runtime spreads over threads
        // (unrolled, half of them would run one after another); a matrix-product tile is
        // a whole blocked loop nest already.
        let contracts = out
            .block(body)
            .ops
            .iter()
            .any(|&op| out.op(op).name == ops::LOOP_CONTRACT);
        if info.grid.is_some() || contracts {
            continue;
        }
        let iv = out.block(body).args[0];
        let ops = out.block(body).ops.clone();
        for u in 1..factor {
            let shifted = out.append_op(
                body,
                OpSpec::new(ops::LOOP_APPLY)
                    .operands([iv])
                    .results([Type::Index])
                    .attr(
                        "map",
                        Attribute::AffineMap(AffineMap {
                            num_dims: 1,
                            results: vec![AffineExpr::linear([(0, 1)], u as i64 * info.step)],
                        }),
                    ),
            );
            let mut map: HashMap<ValueId, ValueId> = HashMap::from([(iv, out.result(shifted))]);
            for &op in &ops {
                let d = out.op(op).clone();
                let mut spec = OpSpec::new(d.name)
                    .operands(d.operands.iter().map(|v| map.get(v).copied().unwrap_or(*v)))
                    .results(d.results.iter().map(|&r| out.value_type(r).clone()));
                spec.attrs = d.attrs.clone();
                let new = out.append_op(body, spec);
                for (&old, &newv) in d.results.iter().zip(out.results(new).to_vec().iter()) {
                    map.insert(old, newv);
                }
            }
        }
        info.step *= factor as i64;
        set_loop(&mut out, l, info);
        count += 1;
    }
    Ok((out, count))
}
