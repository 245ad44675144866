//! Constant factors of integer products at their narrowest: for targets whose matrix
//! unit multiplies 8-bit integers (`LoopParams::contract_int8`), a product
//! `acc + x * y` in i32 whose factor is an i32 constant with every value in `i8` (or
//! `u8`) range reads that constant stored as 8-bit integers, widened where it is read.
//!
//! Import folds a quantized layer's `cast(W_i8 → i32)` into an i32 constant; this gives
//! the array back the int8 weights it takes (a quarter of the bytes), with the same
//! values, so the result is unchanged.

use strata_ir::kernel::contraction::widened_8bit;
use strata_ir::module::{BlockId, ValueDef};
use strata_ir::{ops, ElementType, Module, OpId, OpSpec, Tensor, Type};

/// The 8-bit type that holds every value of i32 constant `t`, and the values in it.
fn narrowed(t: &Tensor) -> Option<Tensor> {
    let data = t.as_slice::<i32>()?;
    let shape = t.shape().clone();
    if data.iter().all(|&x| i8::try_from(x).is_ok()) {
        Tensor::from_vec(shape, data.iter().map(|&x| x as i8).collect()).ok()
    } else if data.iter().all(|&x| u8::try_from(x).is_ok()) {
        Tensor::from_vec(shape, data.iter().map(|&x| x as u8).collect()).ok()
    } else {
        None
    }
}

/// Narrows the i32 constant factors of `kernel.generic` op `op` (in function block
/// `func`) where that makes both of its product's factors 8-bit integers; returns
/// whether it did. Anything else is left as it is.
pub fn narrow_constant_factors(m: &mut Module, func: BlockId, op: OpId) -> bool {
    let d = m.op(op);
    if d.name != ops::KERNEL_GENERIC || d.results.len() != 1 {
        return false;
    }
    if m.tensor_type(d.results[0]).map(|t| t.elem) != Ok(ElementType::I32) {
        return false;
    }
    let Some(&region) = d.regions.first() else {
        return false;
    };
    let block = m.region(region).blocks[0];
    // An epilogue's arguments mirror the inputs; it must not read a narrowed one.
    let epilogue = d.regions.get(1).map(|&r| m.region(r).blocks[0]);
    let body = m.block(block).ops.clone();
    let args = m.block(block).args.clone();
    let Some(&mul) = body.len().checked_sub(3).map(|i| &body[i]) else {
        return false;
    };
    if m.op(mul).name != ops::KERNEL_MUL || m.op(mul).operands.len() != 2 {
        return false;
    }
    // Per factor: already widened from 8 bits, or an i32 constant input to narrow.
    let mut plan = Vec::new();
    for &x in &m.op(mul).operands {
        if widened_8bit(m, x).is_some() {
            continue;
        }
        let Some(p) = args[..args.len() - 1].iter().position(|&a| a == x) else {
            return false;
        };
        // Retyped, the input may feed nothing but the product.
        let other_reader = body
            .iter()
            .any(|&o| o != mul && m.op(o).operands.contains(&x));
        if other_reader {
            return false;
        }
        let epilogue_reads = epilogue.is_some_and(|e| {
            let arg = m.block(e).args[p];
            m.block(e)
                .ops
                .iter()
                .any(|&o| m.op(o).operands.contains(&arg))
        });
        if epilogue_reads {
            return false;
        }
        let Some(t) = m.constant_value(d.operands[p]).and_then(narrowed) else {
            return false;
        };
        plan.push((p, t));
    }
    if plan.is_empty() || plan.len() == 2 && plan[0].0 == plan[1].0 {
        return false;
    }
    for (p, t) in plan {
        let elem = t.elem();
        let narrow = m.constant_before(func, op, t);
        let old = std::mem::replace(&mut m.op_mut(op).operands[p], narrow);
        // The body reads the 8-bit element and widens it before the product.
        let arg = args[p];
        m.set_value_type(arg, Type::Scalar(elem));
        if let Some(e) = epilogue {
            let earg = m.block(e).args[p];
            m.set_value_type(earg, Type::Scalar(elem));
        }
        let cast = m.create_op(
            OpSpec::new(ops::KERNEL_CAST)
                .operands([arg])
                .results([Type::Scalar(ElementType::I32)])
                .loc(m.op(mul).loc.clone()),
        );
        m.insert_op_before(block, body[0], cast);
        let wide = m.result(cast);
        for v in m.op_mut(mul).operands.iter_mut() {
            if *v == arg {
                *v = wide;
            }
        }
        // The i32 constant goes where nothing else reads it.
        let readers = m
            .block(func)
            .ops
            .iter()
            .filter(|&&o| m.op(o).operands.contains(&old))
            .count();
        if readers == 0 {
            if let ValueDef::OpResult { op: def, .. } = m.value(old).def {
                m.erase_op(def);
            }
        }
    }
    true
}
