//! The soundness harness: property tests that a rewrite rule preserves meaning.
//!
//! For a rule and a *sampler* (a function that builds random instances of the rule's
//! left-hand side), each case: draws random choices, builds an instance with random
//! shapes, element types and constants, fills its inputs with random data, applies the
//! rule once in an e-graph, extracts the rewritten program (preferring the nodes the rule
//! added), and checks that the reference interpreter gives the same outputs before and
//! after, within a tolerance that allows for float reassociation. Cases where the rule
//! does not fire do not count; a sampler that rarely produces instances is an error, so a
//! test can never pass vacuously.
//!
//! Choices come from a vector of numbers that proptest shrinks toward zero, and every
//! draw maps zero to the simplest option (rank 1, size 1, f32, value 0), so a failure
//! shrinks to a small instance.
//!
//! Testing your own rule:
//!
//! ```
//! use egg::rewrite;
//! use strata_passes::egraph::rules::{const_all, sampler, Rule};
//! use strata_passes::soundness::{check_rule, HarnessConfig};
//! use strata_ir::Tensor;
//!
//! // x * 2 => x + x
//! let rule = Rule {
//!     name: "double-to-add",
//!     reason: "an add is cheaper than a multiply on some targets",
//!     rewrite: rewrite!("double-to-add"; "(graph.mul ?x ?two)" => "(graph.add ?x ?x)"
//!         if const_all("?two", |v| v == 2.0)),
//!     // Random instances of the left-hand side: any float tensor times a scalar 2.
//!     sample: sampler(|b| {
//!         let ty = b.float_type(3);
//!         let x = b.input(ty.clone());
//!         let two = b.constant(Tensor::from_f64s(ty.elem, strata_ir::Shape::scalar(), &[2.0]));
//!         Ok(vec![b.op("graph.mul", &[x, two], &[])?])
//!     }),
//! };
//! let report = check_rule(&rule, &HarnessConfig { cases: 32, ..HarnessConfig::default() }).unwrap();
//! assert!(report.fired >= 16);
//! ```

use crate::egraph::analysis::GraphEGraph;
use crate::egraph::lang::GraphNode;
use crate::egraph::rules::Rule;
use crate::egraph::{convert, cost, extract};
use egg::{Id, Language, Runner};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use std::collections::HashSet;
use strata_ir::module::BlockId;
use strata_ir::ops;
use strata_ir::OpName;
use strata_ir::{
    graph, interp, Attribute, ElementType, Module, OpSpec, Shape, Tensor, TensorType, Type, ValueId,
};

/// Harness settings.
#[derive(Clone, Debug)]
pub struct HarnessConfig {
    /// Cases in which the rule fired needed to pass (others are discarded).
    pub cases: u32,
    /// Relative tolerance; the absolute tolerance is this times the outputs' magnitude.
    pub rtol: f64,
}

impl Default for HarnessConfig {
    /// 128 cases, or `STRATA_SOUNDNESS_CASES` (for longer nightly runs).
    fn default() -> Self {
        let cases = std::env::var("STRATA_SOUNDNESS_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(128);
        HarnessConfig { cases, rtol: 1e-4 }
    }
}

/// What a harness run saw.
#[derive(Clone, Debug, Default)]
pub struct RuleReport {
    pub cases: u32,
    pub fired: u32,
}

/// Random draws for a sampler, from numbers that shrink toward zero.
pub struct SampleBuilder {
    choices: Vec<u32>,
    pos: usize,
    m: Module,
    block: BlockId,
    inputs: Vec<TensorType>,
}

impl SampleBuilder {
    fn new(choices: Vec<u32>) -> Self {
        let mut m = Module::new();
        let (_, block) = m.add_function("main", &[]);
        SampleBuilder {
            choices,
            pos: 0,
            m,
            block,
            inputs: Vec::new(),
        }
    }

    /// A number below `n`; 0 when the choices run out.
    pub fn below(&mut self, n: usize) -> usize {
        let c = self.choices.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        c as usize % n.max(1)
    }

    /// True with probability about one half.
    pub fn flip(&mut self) -> bool {
        self.below(2) == 1
    }

    /// A shape of rank 1 to `max_rank` with sizes 1 to 4.
    pub fn shape(&mut self, max_rank: usize) -> Shape {
        let rank = 1 + self.below(max_rank.max(1));
        Shape::new((0..rank).map(|_| 1 + self.below(4)))
    }

    /// Mostly f32, sometimes f64 or f16.
    pub fn float_elem(&mut self) -> ElementType {
        [
            ElementType::F32,
            ElementType::F32,
            ElementType::F64,
            ElementType::F16,
        ][self.below(4)]
    }

    /// A float tensor type of rank 1 to `max_rank`.
    pub fn float_type(&mut self, max_rank: usize) -> TensorType {
        let shape = self.shape(max_rank);
        TensorType::new(shape, self.float_elem())
    }

    /// A shape `shape` broadcasts with: some trailing dimensions, some set to 1.
    pub fn broadcastable(&mut self, shape: &Shape) -> Shape {
        let keep = self.below(shape.rank() + 1);
        let dims = &shape.dims()[shape.rank() - keep..];
        Shape::new(dims.iter().map(|&d| if self.flip() { 1 } else { d }))
    }

    /// A new function input.
    pub fn input(&mut self, ty: TensorType) -> ValueId {
        self.inputs.push(ty);
        // Inputs are added when the function is finished; record a placeholder op now.
        let op = self.m.append_op(
            self.block,
            OpSpec::new("sample.input")
                .attr("index", Attribute::Int(self.inputs.len() as i64 - 1))
                .results([Type::Tensor(
                    self.inputs.last().cloned().expect("just pushed"),
                )]),
        );
        self.m.result(op)
    }

    /// A constant operand.
    pub fn constant(&mut self, t: Tensor) -> ValueId {
        let ty = t.ty();
        let op = self.m.append_op(
            self.block,
            OpSpec::new(ops::GRAPH_CONSTANT)
                .attr("value", Attribute::Dense(t))
                .results([Type::Tensor(ty)]),
        );
        self.m.result(op)
    }

    /// A constant of random values in [-2, 2] (small integers for integer types).
    pub fn random_constant(&mut self, ty: &TensorType) -> ValueId {
        let values: Vec<f64> = (0..ty.shape.numel())
            .map(|_| (self.below(41) as f64 - 20.0) / 10.0)
            .collect();
        self.constant(Tensor::from_f64s(ty.elem, ty.shape.clone(), &values))
    }

    /// The type of a value built so far.
    pub fn type_of(&self, v: ValueId) -> TensorType {
        self.m
            .tensor_type(v)
            .cloned()
            .expect("samples build tensors")
    }

    /// A graph op with one result; fails when the operands do not fit it.
    pub fn op(
        &mut self,
        name: impl Into<OpName>,
        operands: &[ValueId],
        attrs: &[(&str, Attribute)],
    ) -> Result<ValueId, crate::pass::PassError> {
        Ok(self.op_n(name, operands, attrs, 1)?[0])
    }

    /// A graph op with `n` results.
    pub fn op_n(
        &mut self,
        name: impl Into<OpName>,
        operands: &[ValueId],
        attrs: &[(&str, Attribute)],
        n: usize,
    ) -> Result<Vec<ValueId>, crate::pass::PassError> {
        let name = name.into();
        let types: Vec<TensorType> = operands.iter().map(|&v| self.type_of(v)).collect();
        let attrs: std::collections::BTreeMap<String, Attribute> = attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let results = graph::infer_types(name, &types, &attrs, n)?;
        let mut spec = OpSpec::new(name)
            .operands(operands.iter().copied())
            .results(results.into_iter().map(Type::Tensor));
        spec.attrs = attrs;
        let op = self.m.append_op(self.block, spec);
        Ok(self.m.results(op).to_vec())
    }

    /// Random input data for the sample's inputs.
    fn input_values(&mut self) -> Vec<Tensor> {
        let types = self.inputs.clone();
        types
            .iter()
            .map(|t| {
                let v: Vec<f64> = (0..t.shape.numel())
                    .map(|_| {
                        if t.elem.is_float() {
                            (self.below(4001) as f64 - 2000.0) / 1000.0
                        } else {
                            self.below(9) as f64 - 4.0
                        }
                    })
                    .collect();
                Tensor::from_f64s(t.elem, t.shape.clone(), &v)
            })
            .collect()
    }

    /// Turns the recorded ops into a verified function returning `outputs`.
    fn finish(self, outputs: &[ValueId]) -> Result<Module, crate::pass::PassError> {
        let mut m = Module::new();
        let inputs: Vec<(String, TensorType)> = self
            .inputs
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("x{i}"), t.clone()))
            .collect();
        let (func, block) = m.add_function("main", &inputs);
        let args = func.arguments(&m).to_vec();
        let mut map = std::collections::HashMap::new();
        for &op in &self.m.block(self.block).ops {
            let d = self.m.op(op);
            if d.name == "sample.input" {
                let Some(Attribute::Int(i)) = d.attrs.get("index") else {
                    continue;
                };
                map.insert(d.results[0], args[*i as usize]);
                continue;
            }
            let spec = OpSpec {
                name: d.name,
                operands: d.operands.iter().map(|v| map[v]).collect(),
                result_types: d
                    .results
                    .iter()
                    .map(|&r| self.m.value_type(r).clone())
                    .collect(),
                attrs: d.attrs.clone(),
                regions: vec![],
                loc: Default::default(),
            };
            let created = m.append_op(block, spec);
            for (&old, &new) in d.results.iter().zip(m.results(created).to_vec().iter()) {
                map.insert(old, new);
            }
        }
        let outs: Vec<(String, ValueId)> = outputs
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("y{i}"), map[v]))
            .collect();
        m.set_return(func, &outs);
        strata_ir::verify_module(&m).map_err(|e| e.to_string())?;
        Ok(m)
    }
}

/// Compares outputs with NaNs equal and a tolerance scaled by the outputs' magnitude.
fn close(a: &Tensor, e: &Tensor, rtol: f64) -> Result<(), crate::pass::PassError> {
    if a.ty() != e.ty() {
        return Err(format!("type changed: {} -> {}", e.ty(), a.ty()).into());
    }
    let (av, ev) = (a.to_f64s(), e.to_f64s());
    let scale = ev
        .iter()
        .filter(|x| x.is_finite())
        .fold(1.0f64, |m, x| m.max(x.abs()));
    let rtol = match e.elem() {
        ElementType::F16 | ElementType::BF16 => rtol.max(2e-2),
        _ => rtol,
    };
    for (i, (x, y)) in av.iter().zip(&ev).enumerate() {
        let ok = (x.is_nan() && y.is_nan()) || x == y || (x - y).abs() <= rtol * scale;
        if !ok {
            return Err(format!("element {i}: {y} before, {x} after").into());
        }
    }
    Ok(())
}

/// Applies `rule` once to the sample and rebuilds the program, preferring new nodes.
/// Returns `None` when the rule did not fire.
fn rewrite_once(rule: &Rule, m: &Module) -> Result<Option<Module>, crate::pass::PassError> {
    let f = m.function("main").ok_or("no main")?;
    let fg = convert::function_to_egraph(m, f)?;
    let original: HashSet<GraphNode> = fg
        .egraph
        .classes()
        .flat_map(|c| c.nodes.iter().cloned())
        .collect();
    let runner = Runner::default()
        .with_egraph(fg.egraph.clone())
        .with_iter_limit(1)
        .with_node_limit(10_000)
        .run(std::slice::from_ref(&rule.rewrite));
    let fired: usize = runner
        .iterations
        .iter()
        .map(|it| it.applied.get(&rule.rewrite.name).copied().unwrap_or(0))
        .sum();
    if fired == 0 {
        return Ok(None);
    }
    let eg: GraphEGraph = runner.egraph;
    let original: HashSet<GraphNode> = original
        .into_iter()
        .map(|n| n.map_children(|c| eg.find(c)))
        .collect();
    let target = cost::CostModel::for_target(&strata_ir::target::Target::generic(
        strata_ir::target::TargetKind::Cpu,
    ));
    let penalty = |g: &GraphEGraph, c: Id, n: &GraphNode| {
        let base = crate::egraph::node_cost(&target, g, c, n);
        if original.contains(&n.clone().map_children(|x| g.find(x))) {
            base + 1.0
        } else {
            base
        }
    };
    let ex = extract::extract(&eg, fg.root, &penalty);
    let fg = convert::FunctionGraph { egraph: eg, ..fg };
    let mut out = Module::new();
    convert::egraph_to_function(&fg, &|c| ex.choices[&fg.egraph.find(c)].clone(), &mut out)?;
    strata_ir::verify_module(&out)
        .map_err(|e| format!("rewritten program does not verify: {e}"))?;
    Ok(Some(out))
}

/// Checks `rule` on random instances from its sampler. Fails with the smallest
/// counterexample proptest finds.
pub fn check_rule(
    rule: &Rule,
    config: &HarnessConfig,
) -> Result<RuleReport, crate::pass::PassError> {
    let fired = std::cell::Cell::new(0u32);
    let tried = std::cell::Cell::new(0u32);
    let mut runner = TestRunner::new(Config {
        cases: config.cases,
        max_global_rejects: config.cases * 4,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = proptest::collection::vec(any::<u32>(), 96);
    let result = runner.run(&strategy, |choices| {
        tried.set(tried.get() + 1);
        let mut b = SampleBuilder::new(choices);
        let outputs = match (rule.sample)(&mut b) {
            Ok(o) => o,
            Err(_) => return Err(TestCaseError::reject("sampler made an invalid instance")),
        };
        let inputs = b.input_values();
        let m = b
            .finish(&outputs)
            .map_err(|e| TestCaseError::fail(format!("sample does not verify: {e}")))?;
        let Some(after) = rewrite_once(rule, &m).map_err(|e| TestCaseError::fail(e.to_string()))?
        else {
            return Err(TestCaseError::reject("rule did not fire"));
        };
        fired.set(fired.get() + 1);
        let before_out = interp::run(&m, "main", &inputs)
            .map_err(|e| TestCaseError::fail(format!("before: {e}")))?;
        let after_out = interp::run(&after, "main", &inputs)
            .map_err(|e| TestCaseError::fail(format!("after: {e}")))?;
        for (i, (a, e)) in after_out.iter().zip(&before_out).enumerate() {
            close(a, e, config.rtol).map_err(|msg| {
                TestCaseError::fail(format!(
                    "output {i}: {msg}\nbefore:\n{}\nafter:\n{}",
                    strata_ir::print_module(&m),
                    strata_ir::print_module(&after)
                ))
            })?;
        }
        Ok(())
    });
    match result {
        Ok(()) => Ok(RuleReport {
            cases: tried.get(),
            fired: fired.get(),
        }),
        Err(TestError::Fail(why, _)) => {
            Err(format!("rule '{}' is unsound: {why}", rule.name).into())
        }
        Err(TestError::Abort(why)) => Err(format!(
            "rule '{}': its sampler rarely produces instances the rule fires on ({why})",
            rule.name
        )
        .into()),
    }
}
