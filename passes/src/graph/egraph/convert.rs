//! Graph-dialect function ⇄ e-graph.
//!
//! Into the e-graph: each op becomes an e-node over its operands' e-classes (plus its
//! attribute leaf), constants become `Const` leaves, arguments `input.N` leaves, and the
//! returned values one `outputs` root. Out of it: given one chosen e-node per e-class,
//! the function is rebuilt in dependency order, with its original name and its input and
//! output names, and verified.

use super::analysis::{operands_and_attrs, GraphAnalysis, GraphEGraph, RESULT_TYPES_ATTR};
use super::lang::{op_symbol, split_op_name, AttrSet, ConstTensor, GraphNode};
use egg::{Id, Language};
use std::collections::HashMap;
use strata_ir::graph;
use strata_ir::ops;
use strata_ir::{Attribute, Function, Module, OpSpec, TensorType, Type, ValueId};

/// A function in an e-graph, with what is needed to rebuild it.
pub struct FunctionGraph {
    pub egraph: GraphEGraph,
    pub root: Id,
    pub name: String,
    pub input_names: Vec<String>,
    pub output_names: Vec<String>,
    /// The function's own nodes, in program order (the original program is always in
    /// the e-graph; see [`original_choices`]).
    pub original: Vec<(Id, GraphNode)>,
}

/// The original program's node for each class it reaches, after saturation merged
/// classes: the earliest original node of each class. That choice is acyclic: a node's
/// children were added before it, so a child class's earliest node precedes the node,
/// and a class cannot be its own child's class without contradicting "earliest".
pub fn original_choices(fg: &FunctionGraph) -> HashMap<Id, GraphNode> {
    let mut choices = HashMap::new();
    for (id, node) in &fg.original {
        let class = fg.egraph.find(*id);
        choices
            .entry(class)
            .or_insert_with(|| node.clone().map_children(|c| fg.egraph.find(c)));
    }
    choices
}

/// Puts a function into a fresh e-graph. Fails, naming the op, when the function holds
/// something the e-graph cannot represent (an op outside the graph dialect, a region).
pub fn function_to_egraph(
    m: &Module,
    f: Function,
) -> Result<FunctionGraph, crate::pass::PassError> {
    let inputs: Vec<TensorType> = f
        .arguments(m)
        .iter()
        .map(|&a| m.tensor_type(a).cloned())
        .collect::<Result<_, _>>()?;
    let mut egraph = GraphEGraph::new(GraphAnalysis { inputs });
    let mut original: Vec<(Id, GraphNode)> = Vec::new();
    let mut add = |egraph: &mut GraphEGraph, node: GraphNode| {
        let id = egraph.add(node.clone());
        original.push((id, node));
        id
    };
    let mut ids: HashMap<ValueId, Id> = HashMap::new();
    for (i, &a) in f.arguments(m).iter().enumerate() {
        ids.insert(a, add(&mut egraph, GraphNode::Input(i as u32)));
    }
    let mut root = None;
    for &op in &m.block(f.entry_block(m)).ops {
        let data = m.op(op);
        let operand = |v: &ValueId| {
            ids.get(v)
                .copied()
                .ok_or_else(|| format!("'{}' uses a value defined outside the function", data.name))
        };
        if data.name == ops::FUNC_RETURN {
            let outs = data
                .operands
                .iter()
                .map(operand)
                .collect::<Result<Vec<_>, _>>()?;
            root = Some(add(&mut egraph, GraphNode::Outputs(outs)));
            continue;
        }
        if data.name == ops::GRAPH_CONSTANT {
            let Some(Attribute::Dense(t)) = data.attrs.get("value") else {
                return Err("graph.constant without a dense value".into());
            };
            let id = add(&mut egraph, GraphNode::Const(ConstTensor::new(t.clone())));
            ids.insert(data.results[0], id);
            continue;
        }
        // Control flow is opaque: its callees are optimized as functions of their own.
        let opaque = matches!(data.name, ops::GRAPH_IF | ops::GRAPH_LOOP);
        if (graph::op_def(data.name).is_none() && !opaque) || !data.regions.is_empty() {
            return Err(format!("'{}' cannot be represented in the e-graph", data.name).into());
        }
        let mut attrs = data.attrs.clone();
        if opaque {
            let types = data
                .results
                .iter()
                .map(|&r| Attribute::Type(m.value_type(r).clone()))
                .collect();
            attrs.insert(RESULT_TYPES_ATTR.into(), Attribute::Array(types));
        }
        let mut children: smallvec::SmallVec<[Id; 4]> = data
            .operands
            .iter()
            .map(operand)
            .collect::<Result<_, _>>()?;
        if !attrs.is_empty() {
            children.push(add(&mut egraph, GraphNode::Attrs(AttrSet::new(attrs))));
        }
        let n = data.results.len();
        let node_id = add(
            &mut egraph,
            GraphNode::Op(op_symbol(data.name, n), children),
        );
        if n == 1 {
            ids.insert(data.results[0], node_id);
        } else {
            for (i, &r) in data.results.iter().enumerate() {
                ids.insert(r, add(&mut egraph, GraphNode::Proj(i as u32, [node_id])));
            }
        }
    }
    let root = root.ok_or("the function has no func.return")?;
    egraph.rebuild();
    Ok(FunctionGraph {
        egraph,
        root,
        name: f.name(m).to_string(),
        input_names: f.input_names(m),
        output_names: f.output_names(m),
        original,
    })
}

/// Rebuilds a function from one chosen node per e-class (`choice` answers for every class
/// reachable from the root), appending it to `m`.
pub fn egraph_to_function(
    fg: &FunctionGraph,
    choice: &dyn Fn(Id) -> GraphNode,
    m: &mut Module,
) -> Result<Function, crate::pass::PassError> {
    let eg = &fg.egraph;
    let inputs: Vec<(String, TensorType)> = fg
        .input_names
        .iter()
        .cloned()
        .zip(eg.analysis.inputs.iter().cloned())
        .collect();
    let (func, block) = m.add_function(&fg.name, &inputs);
    let args = func.arguments(m).to_vec();
    let mut done: HashMap<Id, Vec<ValueId>> = HashMap::new();
    let root = eg.find(fg.root);
    // Iterative post-order: a class is emitted once all the classes it reads are.
    let mut stack: Vec<(Id, bool)> = vec![(root, false)];
    let mut on_path: std::collections::HashSet<Id> = std::collections::HashSet::new();
    let mut outputs = None;
    while let Some((class, expanded)) = stack.pop() {
        let class = eg.find(class);
        if done.contains_key(&class) {
            continue;
        }
        let node = choice(class);
        if !expanded {
            if !on_path.insert(class) {
                return Err("the chosen program has a cycle".into());
            }
            stack.push((class, true));
            for &c in node.children() {
                if !done.contains_key(&eg.find(c)) {
                    stack.push((c, false));
                }
            }
            continue;
        }
        on_path.remove(&class);
        let value_of =
            |c: Id, done: &HashMap<Id, Vec<ValueId>>| -> Result<ValueId, crate::pass::PassError> {
                Ok(done
                    .get(&eg.find(c))
                    .and_then(|v| v.first().copied())
                    .ok_or_else(|| "an operand was not built".to_string())?)
            };
        let values = match &node {
            GraphNode::Input(i) => {
                vec![*args.get(*i as usize).ok_or("input index out of range")?]
            }
            GraphNode::Const(c) => {
                let op = m.append_op(
                    block,
                    OpSpec::new(ops::GRAPH_CONSTANT)
                        .attr("value", Attribute::Dense(c.tensor().clone()))
                        .results([Type::Tensor(c.tensor().ty())]),
                );
                vec![m.result(op)]
            }
            GraphNode::Attrs(_) => vec![],
            GraphNode::Proj(i, [c]) => {
                let all = done
                    .get(&eg.find(*c))
                    .ok_or("a projected op was not built")?;
                vec![*all.get(*i as usize).ok_or("projection out of range")?]
            }
            GraphNode::Outputs(children) => {
                outputs = Some(
                    children
                        .iter()
                        .map(|&c| value_of(c, &done))
                        .collect::<Result<Vec<_>, _>>()?,
                );
                vec![]
            }
            GraphNode::Op(sym, children) => {
                let (operands, attrs) = operands_and_attrs(eg, children);
                let (op, _) = split_op_name(sym.as_str());
                let operand_values = operands
                    .iter()
                    .map(|&c| value_of(c, &done))
                    .collect::<Result<Vec<_>, _>>()?;
                let data = &eg[class].data;
                if !data.valid {
                    return Err(format!("chose an ill-typed '{op}'").into());
                }
                let mut spec = OpSpec::new(op)
                    .operands(operand_values)
                    .results(data.types.iter().cloned().map(Type::Tensor));
                if let Some(a) = attrs {
                    spec.attrs = a.attrs().clone();
                    spec.attrs.remove(RESULT_TYPES_ATTR);
                }
                let created = m.append_op(block, spec);
                m.results(created).to_vec()
            }
        };
        done.insert(class, values);
    }
    let outputs = outputs.ok_or("the root is not an outputs node")?;
    let named: Vec<(String, ValueId)> = fg.output_names.iter().cloned().zip(outputs).collect();
    m.set_return(func, &named);
    Ok(func)
}

/// Copies a function whose ops have no regions into `dst` unchanged.
pub fn copy_function(
    src: &Module,
    f: Function,
    dst: &mut Module,
) -> Result<Function, crate::pass::PassError> {
    Ok(strata_ir::module::rebuild_function(
        src,
        f,
        dst,
        &mut |_, _, _, _| Ok(None),
    )?)
}
