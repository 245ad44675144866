//! The rule catalogue, by theme. Every rule has a name, a one-line reason, and a sampler
//! that builds random instances of its left-hand side for the soundness harness.
//!
//! Following Cranelift's guidance, there is no blanket commutativity or associativity:
//! each rule targets a rewrite that removes work, enables another rule, or recognizes a
//! fused op; the cost model decides whether the result is used.

mod algebra;
mod fusion;
mod layout;
mod quant;

use super::analysis::{GraphAnalysis, GraphEGraph};
use super::lang::GraphNode;
use crate::soundness::SampleBuilder;
use egg::{Id, Rewrite, Subst, Var};
use strata_ir::ops;
use strata_ir::OpName;
use strata_ir::{Attribute, Tensor, TensorType, ValueId};

/// Builds random instances of a rule's left-hand side; returns the outputs.
pub type Sampler = std::sync::Arc<
    dyn Fn(&mut SampleBuilder) -> Result<Vec<ValueId>, crate::pass::PassError> + Send + Sync,
>;

/// Wraps a closure as a [`Sampler`].
pub fn sampler(
    f: impl Fn(&mut SampleBuilder) -> Result<Vec<ValueId>, crate::pass::PassError>
        + Send
        + Sync
        + 'static,
) -> Sampler {
    std::sync::Arc::new(f)
}

/// A named, documented, testable rewrite rule.
#[derive(Clone)]
pub struct Rule {
    pub name: &'static str,
    /// Why the rule exists, in one line.
    pub reason: &'static str,
    pub rewrite: Rewrite<GraphNode, GraphAnalysis>,
    pub sample: Sampler,
}

impl Rule {
    /// A rule from a rewrite and a sampler of its left-hand side.
    pub fn new(
        name: &'static str,
        reason: &'static str,
        rewrite: Rewrite<GraphNode, GraphAnalysis>,
        sample: impl Fn(&mut SampleBuilder) -> Result<Vec<ValueId>, crate::pass::PassError>
            + Send
            + Sync
            + 'static,
    ) -> Rule {
        Rule {
            name,
            reason,
            rewrite,
            sample: sampler(sample),
        }
    }
}

/// Every built-in rule.
pub fn all_rules() -> Vec<Rule> {
    let mut rules = algebra::rules();
    rules.extend(layout::rules());
    rules.extend(fusion::rules());
    rules.extend(quant::rules());
    rules.into_iter().map(skip_constant_classes).collect()
}

/// Makes a rule leave alone e-classes whose value is already known: extraction takes the
/// constant there anyway, and rewriting inside constant classes only manufactures new
/// constants (2·2, 4·2, ...) without end.
pub fn skip_constant_classes(rule: Rule) -> Rule {
    let rewrite = Rewrite::new(
        rule.rewrite.name,
        SearcherRef(rule.rewrite.searcher.clone()),
        NonConstant(rule.rewrite.applier.clone()),
    )
    .expect("wrapping keeps the rule well-formed");
    Rule { rewrite, ..rule }
}

struct SearcherRef(std::sync::Arc<dyn egg::Searcher<GraphNode, GraphAnalysis> + Send + Sync>);

impl egg::Searcher<GraphNode, GraphAnalysis> for SearcherRef {
    fn search_eclass_with_limit(
        &self,
        egraph: &GraphEGraph,
        eclass: Id,
        limit: usize,
    ) -> Option<egg::SearchMatches<'_, GraphNode>> {
        self.0.search_eclass_with_limit(egraph, eclass, limit)
    }

    fn search_with_limit(
        &self,
        egraph: &GraphEGraph,
        limit: usize,
    ) -> Vec<egg::SearchMatches<'_, GraphNode>> {
        self.0.search_with_limit(egraph, limit)
    }

    fn get_pattern_ast(&self) -> Option<&egg::PatternAst<GraphNode>> {
        self.0.get_pattern_ast()
    }

    fn vars(&self) -> Vec<Var> {
        self.0.vars()
    }
}

struct NonConstant(std::sync::Arc<dyn egg::Applier<GraphNode, GraphAnalysis> + Send + Sync>);

impl egg::Applier<GraphNode, GraphAnalysis> for NonConstant {
    fn apply_one(
        &self,
        egraph: &mut GraphEGraph,
        eclass: Id,
        subst: &Subst,
        ast: Option<&egg::PatternAst<GraphNode>>,
        rule: egg::Symbol,
    ) -> Vec<Id> {
        if egraph[eclass].data.values.is_some() {
            return vec![];
        }
        self.0.apply_one(egraph, eclass, subst, ast, rule)
    }

    fn apply_matches(
        &self,
        egraph: &mut GraphEGraph,
        matches: &[egg::SearchMatches<GraphNode>],
        rule: egg::Symbol,
    ) -> Vec<Id> {
        let mut added = vec![];
        for m in matches {
            if egraph[m.eclass].data.values.is_some() {
                continue;
            }
            for subst in &m.substs {
                added.extend(self.0.apply_one(egraph, m.eclass, subst, None, rule));
            }
        }
        added
    }

    fn vars(&self) -> Vec<Var> {
        self.0.vars()
    }
}

pub(crate) fn var(name: &str) -> Var {
    name.parse().expect("rule variables are written as ?name")
}

/// The single type of the class bound to `v`.
pub(crate) fn ty_of(eg: &GraphEGraph, subst: &Subst, v: &str) -> Option<TensorType> {
    eg[subst[var(v)]].data.ty().cloned()
}

/// The constant bound to `v`, if it is one.
pub(crate) fn constant_of<'a>(eg: &'a GraphEGraph, subst: &Subst, v: &str) -> Option<&'a Tensor> {
    eg[subst[var(v)]].data.constant()
}

/// The attributes bound to `v` (an attribute leaf).
pub(crate) fn attrs_of(eg: &GraphEGraph, subst: &Subst, v: &str) -> Option<super::lang::AttrSet> {
    eg[subst[var(v)]].data.attrs.clone()
}

/// Condition: `v` is a constant whose every element satisfies `pred`.
pub fn const_all(
    v: &'static str,
    pred: fn(f64) -> bool,
) -> impl Fn(&mut GraphEGraph, Id, &Subst) -> bool {
    move |eg, _, subst| constant_of(eg, subst, v).is_some_and(|t| t.numel() > 0 && t.all_f64(pred))
}

/// Condition: the matched class has the same type as `v` (the rewrite drops an op
/// whose broadcasting would otherwise have changed the shape).
pub fn keeps_type(v: &'static str) -> impl Fn(&mut GraphEGraph, Id, &Subst) -> bool {
    move |eg, root, subst| {
        eg[root].data.ty().is_some() && eg[root].data.ty() == eg[subst[var(v)]].data.ty()
    }
}

/// Condition: both hold.
pub fn both<A, B>(a: A, b: B) -> impl Fn(&mut GraphEGraph, Id, &Subst) -> bool
where
    A: Fn(&mut GraphEGraph, Id, &Subst) -> bool,
    B: Fn(&mut GraphEGraph, Id, &Subst) -> bool,
{
    move |eg, id, s| a(eg, id, s) && b(eg, id, s)
}

/// Condition: the classes bound to `a` and `b` have the same type.
pub fn same_type(
    a: &'static str,
    b: &'static str,
) -> impl Fn(&mut GraphEGraph, Id, &Subst) -> bool {
    move |eg, _, s| ty_of(eg, s, a).is_some() && ty_of(eg, s, a) == ty_of(eg, s, b)
}

/// Condition: `a` and `b` are different e-classes. Factoring `x·b + x·b` gains nothing
/// and, with associativity, feeds unbounded growth.
pub fn distinct(a: &'static str, b: &'static str) -> impl Fn(&mut GraphEGraph, Id, &Subst) -> bool {
    move |eg, _, s| eg.find(s[var(a)]) != eg.find(s[var(b)])
}

/// Condition: `v` is not the matched class itself. When a class equals itself times a
/// constant (`x·0 = (x·0)·0.5`), regrouping constants would mint a new constant (0.25,
/// 0.125, ...) every iteration.
pub fn not_the_match(v: &'static str) -> impl Fn(&mut GraphEGraph, Id, &Subst) -> bool {
    move |eg, root, s| eg.find(s[var(v)]) != eg.find(root)
}

/// Condition: `v` has a float element type.
pub fn is_float(v: &'static str) -> impl Fn(&mut GraphEGraph, Id, &Subst) -> bool {
    move |eg, _, s| ty_of(eg, s, v).is_some_and(|t| t.elem.is_float())
}

/// Condition: `v` has this rank.
pub fn has_rank(v: &'static str, rank: usize) -> impl Fn(&mut GraphEGraph, Id, &Subst) -> bool {
    move |eg, _, s| ty_of(eg, s, v).is_some_and(|t| t.shape.rank() == rank)
}

/// Adds an op node with attributes to the e-graph and returns its class.
pub(crate) fn add_op(
    eg: &mut GraphEGraph,
    op: OpName,
    operands: &[Id],
    attrs: Option<std::collections::BTreeMap<String, Attribute>>,
) -> Id {
    let mut children: smallvec::SmallVec<[Id; 4]> = operands.iter().copied().collect();
    if let Some(a) = attrs.filter(|a| !a.is_empty()) {
        children.push(eg.add(GraphNode::Attrs(super::lang::AttrSet::new(a))));
    }
    eg.add(GraphNode::Op(egg::Symbol::from(op.as_str()), children))
}

/// A scalar constant of the type of the sample value `like`.
pub(crate) fn scalar_like(b: &mut SampleBuilder, like: ValueId, value: f64) -> ValueId {
    let elem = b.type_of(like).elem;
    b.constant(Tensor::from_f64s(
        elem,
        strata_ir::Shape::scalar(),
        &[value],
    ))
}

/// A constant filled with `value`, of a shape broadcasting with `like`'s.
pub(crate) fn filled_like(b: &mut SampleBuilder, like: ValueId, value: f64) -> ValueId {
    let ty = b.type_of(like);
    let shape = b.broadcastable(&ty.shape);
    let n = shape.numel();
    b.constant(Tensor::from_f64s(ty.elem, shape, &vec![value; n]))
}

/// A float input of random type.
pub(crate) fn float_input(b: &mut SampleBuilder, max_rank: usize) -> ValueId {
    let ty = b.float_type(max_rank);
    b.input(ty)
}

/// An applier written in Rust: builds the right-hand side (or declines with `None`) and
/// is unioned with the matched class.
pub struct Build(pub fn(&mut GraphEGraph, Id, &Subst) -> Option<Id>);

impl egg::Applier<GraphNode, GraphAnalysis> for Build {
    fn apply_one(
        &self,
        egraph: &mut GraphEGraph,
        eclass: Id,
        subst: &Subst,
        _ast: Option<&egg::PatternAst<GraphNode>>,
        _rule: egg::Symbol,
    ) -> Vec<Id> {
        match (self.0)(egraph, eclass, subst) {
            Some(new) if egraph.union(new, eclass) => vec![new],
            _ => vec![],
        }
    }
}

/// A rule whose right-hand side is built in Rust.
pub(crate) fn built(
    name: &'static str,
    reason: &'static str,
    lhs: &str,
    build: fn(&mut GraphEGraph, Id, &Subst) -> Option<Id>,
    sample: impl Fn(&mut SampleBuilder) -> Result<Vec<ValueId>, crate::pass::PassError>
        + Send
        + Sync
        + 'static,
) -> Rule {
    let searcher: egg::Pattern<GraphNode> = lhs.parse().expect("rule patterns parse");
    Rule {
        name,
        reason,
        rewrite: Rewrite::new(name, searcher, Build(build)).expect("rule is well-formed"),
        sample: sampler(sample),
    }
}

/// The integer list attribute `name` of the attribute leaf bound to `v`.
pub(crate) fn ints_attr(eg: &GraphEGraph, subst: &Subst, v: &str, name: &str) -> Option<Vec<i64>> {
    match attrs_of(eg, subst, v)?.get(name)? {
        Attribute::I64Array(a) => Some(a.clone()),
        _ => None,
    }
}

/// The reshape of the class bound to `x` to the type of `like`.
pub(crate) fn reshape_to(eg: &mut GraphEGraph, x: Id, dims: &[usize]) -> Id {
    let mut a = std::collections::BTreeMap::new();
    a.insert(
        "shape".to_string(),
        Attribute::I64Array(dims.iter().map(|&d| d as i64).collect()),
    );
    add_op(eg, ops::GRAPH_RESHAPE, &[x], Some(a))
}

/// A random constant of a shape broadcasting with `like`'s.
pub(crate) fn random_like(b: &mut SampleBuilder, like: ValueId) -> ValueId {
    let t = b.type_of(like);
    let shape = b.broadcastable(&t.shape);
    b.random_constant(&TensorType::new(shape, t.elem))
}
