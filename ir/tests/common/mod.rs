//! Random modules for property tests: valid graph functions plus ops of an unregistered
//! `test` dialect that carry every kind of attribute.

#![allow(dead_code)]

use std::collections::BTreeMap;
use strata_ir::{
    Attribute, ElementType, FunctionType, Module, OpSpec, Shape, Tensor, TensorType, Type,
};

/// A small deterministic generator (xorshift), driven by a proptest-chosen seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const FLOATS: [f64; 10] = [
    0.0,
    -0.0,
    1.0,
    -2.5,
    1e-5,
    3.4e38,
    1e-40,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
];

fn float_value(r: &mut Rng) -> f64 {
    if r.below(2) == 0 {
        *r.pick(&FLOATS)
    } else {
        (r.next() as i64 as f64) / (1u64 << (r.below(60) + 1)) as f64
    }
}

pub fn random_elem(r: &mut Rng) -> ElementType {
    *r.pick(&ElementType::ALL)
}

pub fn random_shape(r: &mut Rng, max_rank: usize, max_dim: usize) -> Shape {
    Shape::new((0..r.below(max_rank + 1)).map(|_| r.below(max_dim + 1)))
}

pub fn random_tensor(r: &mut Rng, ty: &TensorType) -> Tensor {
    let n = ty.shape.numel();
    if ty.elem.is_float() {
        let v: Vec<f64> = (0..n).map(|_| float_value(r)).collect();
        Tensor::from_f64s(ty.elem, ty.shape.clone(), &v)
    } else if ty.elem == ElementType::Bool {
        Tensor::from_bools(ty.shape.clone(), (0..n).map(|_| r.below(2) == 1).collect())
    } else {
        let v: Vec<i64> = (0..n).map(|_| r.next() as i64).collect();
        Tensor::from_i64s(ty.elem, ty.shape.clone(), &v)
    }
}

fn random_string(r: &mut Rng) -> String {
    const PARTS: [&str; 9] = ["a", "Z_9", "\"", "\\", "\n", "\t", "é", "\u{1}", " x.y "];
    (0..r.below(5)).map(|_| *r.pick(&PARTS)).collect()
}

fn random_type(r: &mut Rng, depth: usize) -> Type {
    match r.below(if depth > 0 { 3 } else { 2 }) {
        0 => Type::Tensor(TensorType::new(random_shape(r, 3, 5), random_elem(r))),
        1 => Type::Scalar(random_elem(r)),
        _ => Type::Function(FunctionType {
            inputs: (0..r.below(3)).map(|_| random_type(r, depth - 1)).collect(),
            results: (0..r.below(3)).map(|_| random_type(r, depth - 1)).collect(),
        }),
    }
}

pub fn random_attr(r: &mut Rng, depth: usize) -> Attribute {
    let kinds = if depth > 0 { 11 } else { 9 };
    match r.below(kinds) {
        8 => {
            let num_dims = r.below(4) as u32;
            let results = (0..r.below(4))
                .map(|_| {
                    let terms: Vec<(u32, i64)> = (0..r.below(3))
                        .filter(|_| num_dims > 0)
                        .map(|_| (r.below(num_dims as usize) as u32, r.below(7) as i64 - 3))
                        .collect();
                    strata_ir::AffineExpr::linear(terms, r.below(9) as i64 - 4)
                })
                .collect();
            Attribute::AffineMap(strata_ir::AffineMap { num_dims, results })
        }
        0 => Attribute::Int(r.next() as i64 >> r.below(64)),
        1 => {
            let elem = *r.pick(&[
                ElementType::F32,
                ElementType::F16,
                ElementType::BF16,
                ElementType::F64,
            ]);
            // Round to a value the type holds exactly, as a parsed attribute would be.
            let v = Tensor::from_f64s(elem, Shape::scalar(), &[float_value(r)]).to_f64s()[0];
            Attribute::Float(if v.is_nan() { f64::NAN } else { v }, elem)
        }
        2 => Attribute::Bool(r.below(2) == 1),
        3 => Attribute::String(random_string(r)),
        4 => Attribute::Type(random_type(r, 2)),
        5 => Attribute::I64Array(
            (0..r.below(5))
                .map(|_| r.next() as i64 >> r.below(64))
                .collect(),
        ),
        6 => Attribute::F32Array(
            (0..r.below(5))
                .map(|_| {
                    let v = float_value(r) as f32;
                    if v.is_nan() {
                        f32::NAN
                    } else {
                        v
                    }
                })
                .collect(),
        ),
        7 => {
            let ty = TensorType::new(random_shape(r, 3, 6), random_elem(r));
            let t = random_tensor(r, &ty);
            // Canonical NaNs only: NaN payloads are not part of the round-trip contract.
            Attribute::Dense(canonical_nans(t))
        }
        9 => Attribute::Array((0..r.below(4)).map(|_| random_attr(r, depth - 1)).collect()),
        _ => Attribute::Dict(
            (0..r.below(4))
                .map(|_| (random_key(r), random_attr(r, depth - 1)))
                .collect(),
        ),
    }
}

fn canonical_nans(t: Tensor) -> Tensor {
    if !t.elem().is_float() {
        return t;
    }
    let v: Vec<f64> = t
        .to_f64s()
        .into_iter()
        .map(|x| if x.is_nan() { f64::NAN } else { x })
        .collect();
    Tensor::from_f64s(t.elem(), t.shape().clone(), &v)
}

fn random_key(r: &mut Rng) -> String {
    const KEYS: [&str; 6] = ["axis", "kernel_shape", "strata.name", "a b", "x-y", "_k9"];
    r.pick(&KEYS).to_string()
}

/// A random module: 1 to 3 functions mixing verified graph ops and attribute-laden
/// `test.attrs` ops (which the round trip must keep, though no verifier knows them).
pub fn random_module(seed: u64, with_test_ops: bool) -> Module {
    let mut r = Rng::new(seed);
    let mut m = Module::new();
    for f in 0..1 + r.below(3) {
        let elem = *r.pick(&[
            ElementType::F32,
            ElementType::F64,
            ElementType::I32,
            ElementType::F16,
        ]);
        let shape = random_shape(&mut r, 3, 4);
        let ty = TensorType::new(shape.clone(), elem);
        let inputs: Vec<(String, TensorType)> = (0..1 + r.below(2))
            .map(|i| (format!("in{i}-{}", random_string(&mut r)), ty.clone()))
            .collect();
        let (func, block) = m.add_function(&format!("f{f}"), &inputs);
        let mut values: Vec<_> = func.arguments(&m).to_vec();
        for _ in 0..r.below(8) {
            let a = *r.pick(&values);
            let b = *r.pick(&values);
            let t = Type::Tensor(ty.clone());
            let spec = match r.below(5) {
                0 => OpSpec::new(*r.pick(&["graph.add", "graph.mul", "graph.max"]))
                    .operands([a, b])
                    .results([t]),
                1 => OpSpec::new(*r.pick(&["graph.neg", "graph.abs", "graph.relu"]))
                    .operands([a])
                    .results([t]),
                2 => OpSpec::new("graph.constant")
                    .attr("value", Attribute::Dense(random_tensor(&mut r, &ty)))
                    .results([t]),
                3 if with_test_ops => {
                    let mut spec = OpSpec::new("test.attrs").operands([a]).results([t]);
                    let attrs: BTreeMap<String, Attribute> = (0..1 + r.below(3))
                        .map(|_| (random_key(&mut r), random_attr(&mut r, 2)))
                        .collect();
                    spec.attrs = attrs;
                    spec
                }
                _ => OpSpec::new("graph.transpose")
                    .operands([a])
                    .attr(
                        "perm",
                        Attribute::I64Array((0..shape.rank() as i64).collect()),
                    )
                    .results([t]),
            };
            let spec = if r.below(2) == 0 {
                spec.loc(strata_ir::Location::Name(random_string(&mut r)))
            } else {
                spec
            };
            let op = m.append_op(block, spec);
            values.push(m.result(op));
        }
        let returned: Vec<(String, _)> = (0..1 + r.below(2))
            .map(|i| (format!("out{i}"), *r.pick(&values)))
            .collect();
        m.set_return(func, &returned);
    }
    m
}
