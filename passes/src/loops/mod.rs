//! Loop-level passes, on `loop.kernel`s: staging of reused operand tiles in workgroup
//! memory, vectorization and unrolling. Every choice follows the target's
//! [`params::LoopParams`].

pub mod params;
pub mod stage;
pub mod unroll;
pub mod vectorize;

pub use params::LoopParams;
pub use stage::stage;
pub use unroll::unroll;
pub use vectorize::vectorize;

use strata_ir::loops::ForLoop;
use strata_ir::ops;
use strata_ir::{Module, OpId};

/// Every `loop.for` with no loop inside it, in every kernel.
pub(crate) fn innermost_loops(m: &Module) -> Vec<OpId> {
    let mut found = Vec::new();
    let mut stack: Vec<OpId> = m
        .block(m.body())
        .ops
        .iter()
        .copied()
        .filter(|&op| m.op(op).name == ops::LOOP_KERNEL)
        .collect();
    while let Some(op) = stack.pop() {
        let d = m.op(op);
        let children: Vec<OpId> = d
            .regions
            .iter()
            .flat_map(|&r| m.region(r).blocks.clone())
            .flat_map(|b| m.block(b).ops.clone())
            .filter(|&c| m.op(c).name == ops::LOOP_FOR)
            .collect();
        if d.name == ops::LOOP_FOR && children.is_empty() {
            found.push(op);
        }
        stack.extend(children);
    }
    found
}

pub(crate) fn set_loop(m: &mut Module, op: OpId, l: ForLoop) {
    for (k, v) in l.attrs() {
        m.op_mut(op).attrs.insert(k.into(), v);
    }
}
