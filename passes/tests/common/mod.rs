//! Random well-typed tensor programs for property tests.

#![allow(dead_code)]

use std::collections::BTreeMap;
use strata_ir::{
    graph, Attribute, ElementType, Module, OpSpec, Shape, Tensor, TensorType, Type, ValueId,
};

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }

    fn value(&mut self) -> f64 {
        (self.below(401) as f64 - 200.0) / 100.0
    }
}

fn attr(pairs: &[(&str, Attribute)]) -> BTreeMap<String, Attribute> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// Appends `op` if it type-checks; returns its result.
fn try_op(
    m: &mut Module,
    block: strata_ir::module::BlockId,
    op: &str,
    operands: &[ValueId],
    attrs: BTreeMap<String, Attribute>,
) -> Option<ValueId> {
    let types: Vec<TensorType> = operands
        .iter()
        .map(|&v| m.tensor_type(v).cloned().ok())
        .collect::<Option<_>>()?;
    let results = graph::infer_types(op, &types, &attrs, 1).ok()?;
    let mut spec = OpSpec::new(op)
        .operands(operands.iter().copied())
        .results(results.into_iter().map(Type::Tensor));
    spec.attrs = attrs;
    let created = m.append_op(block, spec);
    Some(m.result(created))
}

fn constant(m: &mut Module, block: strata_ir::module::BlockId, t: Tensor) -> ValueId {
    let ty = t.ty();
    let op = m.append_op(
        block,
        OpSpec::new("graph.constant")
            .attr("value", Attribute::Dense(t))
            .results([Type::Tensor(ty)]),
    );
    m.result(op)
}

/// A random program of up to `steps` ops over two f32 inputs, with the inputs' values.
pub fn random_program(seed: u64, steps: usize) -> (Module, Vec<Tensor>) {
    let mut r = Rng(seed | 1);
    let dims: Vec<usize> = (0..2).map(|_| 1 + r.below(4)).collect();
    let ty = TensorType::new(dims.clone(), ElementType::F32);
    let mut m = Module::new();
    let (func, block) = m.add_function(
        "main",
        &[("a".into(), ty.clone()), ("b".into(), ty.clone())],
    );
    let mut pool: Vec<ValueId> = func.arguments(&m).to_vec();
    for _ in 0..steps {
        let x = pool[r.below(pool.len())];
        let y = pool[r.below(pool.len())];
        let xt = m.tensor_type(x).cloned().expect("tensor");
        let made = match r.below(12) {
            0 => try_op(
                &mut m,
                block,
                [
                    "graph.relu",
                    "graph.neg",
                    "graph.tanh",
                    "graph.sigmoid",
                    "graph.abs",
                    "graph.erf",
                ][r.below(6)],
                &[x],
                BTreeMap::new(),
            ),
            1 | 2 => try_op(
                &mut m,
                block,
                ["graph.add", "graph.sub", "graph.mul", "graph.max"][r.below(4)],
                &[x, y],
                BTreeMap::new(),
            ),
            3 => {
                // A constant operand, sometimes an identity element to feed the algebra rules.
                let v = [0.0, 1.0, 2.0, 0.5, r.value()][r.below(5)];
                let c = constant(
                    &mut m,
                    block,
                    Tensor::from_f64s(ElementType::F32, Shape::scalar(), &[v]),
                );
                try_op(
                    &mut m,
                    block,
                    ["graph.add", "graph.mul", "graph.sub"][r.below(3)],
                    &[x, c],
                    BTreeMap::new(),
                )
            }
            4 => try_op(
                &mut m,
                block,
                "graph.transpose",
                &[x],
                attr(&[(
                    "perm",
                    Attribute::I64Array((0..xt.shape.rank() as i64).rev().collect()),
                )]),
            ),
            5 => try_op(&mut m, block, "graph.matmul", &[x, y], BTreeMap::new()),
            6 => {
                let k = xt.shape.dims().last().copied().unwrap_or(1);
                let n = 1 + r.below(3);
                let vals: Vec<f64> = (0..k * n).map(|_| r.value()).collect();
                let w = constant(
                    &mut m,
                    block,
                    Tensor::from_f64s(ElementType::F32, Shape::new([k, n]), &vals),
                );
                try_op(&mut m, block, "graph.matmul", &[x, w], BTreeMap::new())
            }
            7 => try_op(
                &mut m,
                block,
                "graph.reshape",
                &[x],
                attr(&[("shape", Attribute::I64Array(vec![xt.shape.numel() as i64]))]),
            ),
            8 => try_op(
                &mut m,
                block,
                "graph.softmax",
                &[x],
                attr(&[("axis", Attribute::Int(-1))]),
            ),
            9 => try_op(
                &mut m,
                block,
                "graph.reduce_sum",
                &[x],
                attr(&[
                    ("axes", Attribute::I64Array(vec![-1])),
                    ("keepdims", Attribute::Int(1)),
                ]),
            ),
            10 => try_op(&mut m, block, "graph.gelu", &[x], BTreeMap::new()),
            _ => try_op(&mut m, block, "graph.neg", &[x], BTreeMap::new())
                .and_then(|n| try_op(&mut m, block, "graph.neg", &[n], BTreeMap::new())),
        };
        if let Some(v) = made {
            pool.push(v);
        }
    }
    let outs: Vec<(String, ValueId)> = pool
        .iter()
        .rev()
        .take(2)
        .enumerate()
        .map(|(i, &v)| (format!("out{i}"), v))
        .collect();
    m.set_return(func, &outs);
    let inputs = (0..2)
        .map(|_| {
            Tensor::from_f64s(
                ElementType::F32,
                Shape::new(dims.clone()),
                &(0..ty.shape.numel()).map(|_| r.value()).collect::<Vec<_>>(),
            )
        })
        .collect();
    (m, inputs)
}

pub fn assert_close(a: &Tensor, e: &Tensor) -> Result<(), String> {
    if a.ty() != e.ty() {
        return Err(format!("type {} != {}", a.ty(), e.ty()));
    }
    let (av, ev) = (a.to_f64s(), e.to_f64s());
    let scale = ev
        .iter()
        .filter(|x| x.is_finite())
        .fold(1.0f64, |m, x| m.max(x.abs()));
    for (i, (x, y)) in av.iter().zip(&ev).enumerate() {
        if !((x.is_nan() && y.is_nan()) || x == y || (x - y).abs() <= 1e-3 * scale) {
            return Err(format!("element {i}: {y} before, {x} after"));
        }
    }
    Ok(())
}
