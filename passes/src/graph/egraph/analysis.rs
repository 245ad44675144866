//! The e-class analysis: every class knows its result types and, when all its inputs are
//! constant, its value.
//!
//! Types come from the graph dialect's own inference rules and values from its reference
//! evaluation, so rule conditions ("are these shapes broadcast-compatible", "is this a
//! constant of ones") and constant folding use exactly the semantics the interpreter
//! checks against.

use super::lang::{split_op_name, AttrSet, ConstTensor, GraphNode};
use egg::{Analysis, DidMerge, EGraph, Id};
use smallvec::SmallVec;
use std::sync::Arc;
use strata_ir::graph;
use strata_ir::{Tensor, TensorType};

/// Folded results larger than this (in elements) are left to run time.
pub const FOLD_LIMIT: usize = 1 << 22;

/// What the analysis knows about an e-class.
#[derive(Debug, Clone, Default)]
pub struct ClassData {
    /// One type per result; empty for attribute leaves and the root.
    pub types: SmallVec<[TensorType; 1]>,
    /// The values of all results, when the class is constant.
    pub values: Option<Vec<Arc<Tensor>>>,
    /// For attribute leaves, the attributes.
    pub attrs: Option<AttrSet>,
    /// False when inference rejected the node (a rule built something ill-typed): such
    /// classes are never extracted.
    pub valid: bool,
}

impl ClassData {
    /// The single result type, for single-result classes.
    pub fn ty(&self) -> Option<&TensorType> {
        match self.types.as_slice() {
            [t] => Some(t),
            _ => None,
        }
    }

    /// The constant value of a single-result class.
    pub fn constant(&self) -> Option<&Tensor> {
        self.values
            .as_ref()
            .filter(|v| v.len() == 1)
            .map(|v| v[0].as_ref())
    }
}

/// The analysis; holds the function's input types.
#[derive(Debug, Clone, Default)]
pub struct GraphAnalysis {
    pub inputs: Vec<TensorType>,
}

pub type GraphEGraph = EGraph<GraphNode, GraphAnalysis>;

/// Splits an op node's children into operand classes and its attribute leaf, if any.
pub fn operands_and_attrs(
    egraph: &GraphEGraph,
    children: &[Id],
) -> (SmallVec<[Id; 4]>, Option<AttrSet>) {
    match children.last().and_then(|&c| egraph[c].data.attrs.clone()) {
        Some(a) => (
            children[..children.len() - 1].iter().copied().collect(),
            Some(a),
        ),
        None => (children.iter().copied().collect(), None),
    }
}

fn invalid() -> ClassData {
    ClassData::default()
}

impl Analysis<GraphNode> for GraphAnalysis {
    type Data = ClassData;

    fn make(egraph: &mut GraphEGraph, enode: &GraphNode, _id: Id) -> ClassData {
        match enode {
            GraphNode::Input(i) => match egraph.analysis.inputs.get(*i as usize) {
                Some(t) => ClassData {
                    types: smallvec::smallvec![t.clone()],
                    valid: true,
                    ..Default::default()
                },
                None => invalid(),
            },
            GraphNode::Const(c) => ClassData {
                types: smallvec::smallvec![c.tensor().ty()],
                values: Some(vec![c.shared()]),
                valid: true,
                ..Default::default()
            },
            GraphNode::Attrs(a) => ClassData {
                attrs: Some(a.clone()),
                valid: true,
                ..Default::default()
            },
            GraphNode::Proj(i, [c]) => {
                let d = &egraph[*c].data;
                match d.types.get(*i as usize) {
                    Some(t) if d.valid => ClassData {
                        types: smallvec::smallvec![t.clone()],
                        values: d.values.as_ref().map(|v| vec![v[*i as usize].clone()]),
                        valid: true,
                        ..Default::default()
                    },
                    _ => invalid(),
                }
            }
            GraphNode::Outputs(children) => ClassData {
                valid: children.iter().all(|&c| egraph[c].data.valid),
                ..Default::default()
            },
            GraphNode::Op(name, children) => {
                let (operands, attrs) = operands_and_attrs(egraph, children);
                let (op, results) = split_op_name(name.as_str());
                let mut types = Vec::with_capacity(operands.len());
                for &o in &operands {
                    match egraph[o].data.ty() {
                        Some(t) if egraph[o].data.valid => types.push(t.clone()),
                        _ => return invalid(),
                    }
                }
                let attrs_map = attrs
                    .as_ref()
                    .map(|a| a.attrs().clone())
                    .unwrap_or_default();
                let Ok(result_types) = infer_types(op, &types, &attrs_map, results) else {
                    return invalid();
                };
                let values = fold(egraph, op, &operands, &types, &attrs_map, &result_types);
                ClassData {
                    types: result_types.into_iter().collect(),
                    values,
                    attrs: None,
                    valid: true,
                }
            }
        }
    }

    fn merge(&mut self, a: &mut ClassData, b: ClassData) -> DidMerge {
        let mut changed_a = false;
        if !a.valid && b.valid {
            *a = b;
            return DidMerge(true, false);
        }
        if a.values.is_none() && b.values.is_some() {
            a.values = b.values;
            changed_a = true;
        }
        DidMerge(changed_a, a.values.is_some())
    }

    /// Constant classes get their value as a `Const` node, so extraction can replace the
    /// computation by the constant.
    fn modify(egraph: &mut GraphEGraph, id: Id) {
        let Some(value) = egraph[id].data.constant().cloned() else {
            return;
        };
        if egraph[id]
            .nodes
            .iter()
            .any(|n| matches!(n, GraphNode::Const(_)))
        {
            return;
        }
        let c = egraph.add(GraphNode::Const(ConstTensor::new(value)));
        egraph.union(id, c);
    }
}

/// The attribute that carries an opaque op's result types through the e-graph: control
/// flow (`graph.if`, `graph.loop`), whose results are its callees' and which no rule
/// rewrites. It exists only inside the e-graph.
pub const RESULT_TYPES_ATTR: &str = "egraph.result_types";

/// The result types of `op`: the graph dialect's inference, or the types an opaque op
/// carries.
pub fn infer_types(
    op: &str,
    inputs: &[TensorType],
    attrs: &std::collections::BTreeMap<String, strata_ir::Attribute>,
    results: usize,
) -> Result<Vec<TensorType>, strata_ir::IrError> {
    if let Some(strata_ir::Attribute::Array(types)) = attrs.get(RESULT_TYPES_ATTR) {
        return types
            .iter()
            .map(|t| match t {
                strata_ir::Attribute::Type(strata_ir::Type::Tensor(t)) => Ok(t.clone()),
                _ => Err(format!("'{op}': result types that are not tensors").into()),
            })
            .collect();
    }
    graph::infer_types(op, inputs, attrs, results)
}

/// Evaluates an op whose operands are all constant.
fn fold(
    egraph: &GraphEGraph,
    op: &str,
    operands: &[Id],
    types: &[TensorType],
    attrs: &std::collections::BTreeMap<String, strata_ir::Attribute>,
    result_types: &[TensorType],
) -> Option<Vec<Arc<Tensor>>> {
    if operands.is_empty()
        || result_types.iter().map(|t| t.shape.numel()).sum::<usize>() > FOLD_LIMIT
    {
        return None;
    }
    let values: Vec<&Tensor> = operands
        .iter()
        .map(|&o| egraph[o].data.constant())
        .collect::<Option<Vec<_>>>()?;
    let def = graph::op_def(op)?;
    let args = graph::OpArgs {
        name: def.name,
        inputs: types,
        attrs,
        num_results: result_types.len(),
    };
    let mut results = (def.eval)(&args, &values).ok()?;
    results.truncate(result_types.len());
    Some(results.into_iter().map(Arc::new).collect())
}
