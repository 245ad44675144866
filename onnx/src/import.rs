//! The importer: walks the ONNX graph in dependency order and builds one `func.func`.
//!
//! Each ONNX value becomes an [`ImportValue`]: its static type, and either an SSA value or
//! a known constant (or both). Constants are folded through every op whose operands are
//! all known, and become `graph.constant` ops only where a real op consumes them.

use crate::ops;
use crate::proto::{attribute_type as at, GraphProto, ModelProto, NodeProto, ValueInfoProto};
use crate::tensor::{element_type, tensor_from_proto};
use crate::{ImportError, ImportOptions};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::Path;
use std::rc::Rc;
use strata_ir::graph;
use strata_ir::module::BlockId;
use strata_ir::ops as names;
use strata_ir::OpName;
use strata_ir::{
    Attribute, ElementType, Function, Location, Module, OpSpec, Tensor, TensorType, Type, ValueId,
};

/// The most elements of a constant the importer builds: `strata_abi::limits`'
/// `fold_elements`.
pub(crate) fn fold_limit() -> usize {
    strata_ir::limits::Limit::FoldElements.get_usize()
}

/// The ONNX op types the importer converts (the graph dialect's plus those import
/// resolves itself), sorted. This is the list of ops Strata claims to support.
pub fn supported_op_types() -> Vec<&'static str> {
    let mut v = graph::onnx_op_types();
    v.extend(ops::IMPORT_ONLY_OPS);
    v.extend(crate::sequence::SEQUENCE_OPS);
    v.sort_unstable();
    v.dedup();
    v
}

/// One ONNX value during import.
#[derive(Clone)]
pub(crate) struct ImportValue {
    pub ty: TensorType,
    pub id: Option<ValueId>,
    pub known: Option<Rc<Tensor>>,
    /// Graph inputs this value depends on (to explain non-constant shape arguments).
    pub deps: Rc<BTreeSet<String>>,
    /// Set when the value is a sequence (then `ty` is a rank-0 tensor of its element type
    /// and `id` and `known` are `None`).
    pub seq: Option<Rc<Sequence>>,
    /// Set for an empty optional (`Optional` without an input). A present optional is
    /// the value it holds: presence is known at import.
    pub absent: bool,
}

/// A sequence of static length: its elements, each a tensor value of the scope.
/// Sequences exist only during import; the IR sees their elements.
#[derive(Debug)]
pub(crate) struct Sequence {
    pub elem: ElementType,
    pub items: Vec<usize>,
}

/// What a subgraph output is: a tensor, or a sequence returned as its elements.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Port {
    Tensor(TensorType),
    Sequence(ElementType, Vec<TensorType>),
}

impl Port {
    /// The tensors the port is made of.
    pub fn flat(&self) -> Vec<TensorType> {
        match self {
            Port::Tensor(t) => vec![t.clone()],
            Port::Sequence(_, items) => items.clone(),
        }
    }
}

impl std::fmt::Display for Port {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Port::Tensor(t) => write!(f, "{t}"),
            Port::Sequence(e, items) => {
                write!(f, "a sequence of {} {e} tensors (", items.len())?;
                for (i, t) in items.iter().enumerate() {
                    write!(f, "{}{t}", if i > 0 { ", " } else { "" })?;
                }
                write!(f, ")")
            }
        }
    }
}

/// Which inputs of an op may be empty optionals (the ops that pass or test them).
fn optional_slots(op_type: &str, slot: usize) -> bool {
    match op_type {
        "Identity" | "OptionalHasElement" | "OptionalGetElement" => slot == 0,
        "Loop" => slot >= 2,
        _ => false,
    }
}

/// Which inputs of an op may be sequences (the ops that read sequences).
fn sequence_slots(op_type: &str, slot: usize) -> bool {
    match op_type {
        "Identity" | "OptionalHasElement" | "OptionalGetElement" | "Optional" | "SequenceAt"
        | "SequenceInsert" | "SequenceErase" | "SequenceLength" | "ConcatFromSequence" => slot == 0,
        "SequenceMap" => true,
        "Loop" => slot >= 2,
        _ => false,
    }
}

/// One node being converted.
pub(crate) struct NodeCtx<'n> {
    pub proto: &'n NodeProto,
    pub name: String,
    pub opset: i64,
    /// Value index of each input slot; `None` for an omitted optional input.
    pub inputs: Vec<Option<usize>>,
}

impl NodeCtx<'_> {
    pub fn op_type(&self) -> &str {
        &self.proto.op_type
    }

    pub fn error(&self, message: impl Into<String>) -> ImportError {
        ImportError::Node {
            node: self.name.clone(),
            op_type: self.proto.op_type.clone(),
            message: message.into(),
        }
    }

    pub fn unsupported(&self, message: impl Into<String>) -> ImportError {
        ImportError::UnsupportedFeature {
            node: self.name.clone(),
            op_type: self.proto.op_type.clone(),
            message: message.into(),
        }
    }

    /// The elements of a constant of `dims` that the importer is about to build, or an
    /// error naming `what` when the product overflows or passes the fold limit.
    pub fn fold_size(&self, what: &str, dims: &[usize]) -> Result<usize, ImportError> {
        dims.iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .filter(|&n| n <= fold_limit())
            .ok_or_else(|| {
                self.unsupported(format!(
                    "{what} of {} elements, past {}",
                    dims.iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join(" x "),
                    strata_ir::limits::Limit::FoldElements.named()
                ))
            })
    }

    pub fn attr(&self, name: &str) -> Option<&crate::proto::AttributeProto> {
        self.proto.attribute.iter().find(|a| a.name == name)
    }

    pub fn attr_int(&self, name: &str) -> Option<i64> {
        self.attr(name).map(|a| a.i)
    }

    pub fn attr_ints(&self, name: &str) -> Option<Vec<i64>> {
        self.attr(name).map(|a| a.ints.clone())
    }

    pub fn attr_float(&self, name: &str) -> Option<f32> {
        self.attr(name).map(|a| a.f)
    }

    /// A string attribute, or `default` when the node does not set it.
    pub fn attr_string(&self, name: &str, default: &str) -> String {
        self.attr(name)
            .map(|a| String::from_utf8_lossy(&a.s).into_owned())
            .unwrap_or_else(|| default.to_string())
    }

    pub fn input(&self, i: usize) -> Option<usize> {
        self.inputs.get(i).copied().flatten()
    }

    /// The number of outputs the node asks for (trailing omitted ones dropped).
    pub fn num_outputs(&self) -> usize {
        self.proto
            .output
            .iter()
            .rposition(|o| !o.is_empty())
            .map_or(0, |i| i + 1)
    }
}

pub(crate) struct Importer<'a> {
    graph: &'a GraphProto,
    base_dir: Option<&'a Path>,
    options: &'a ImportOptions,
    opset: Option<i64>,
    pub m: Module,
    block: Option<BlockId>,
    pub values: Vec<ImportValue>,
    env: HashMap<String, usize>,
    /// A `graph.constant` per known value, made on first use.
    materialized: HashMap<usize, ValueId>,
    /// Told each initializer's raw data once it is converted.
    release: Option<&'a dyn Fn(&bytes::Bytes)>,
    /// The name of the function being imported, and how many functions were outlined
    /// from it (If branches and Loop bodies run at run time).
    main_name: String,
    outlined: usize,
}

/// For a value declared as a sequence: its elements' type and rank (where declared).
fn sequence_element(
    vi: &ValueInfoProto,
    what: &str,
) -> Result<Option<(ElementType, Option<usize>)>, ImportError> {
    let Some(seq) = vi
        .r#type
        .as_ref()
        .and_then(|t| t.present().sequence_type.as_ref())
    else {
        return Ok(None);
    };
    let not_tensors = || {
        ImportError::UnsupportedType(format!(
            "{what} '{}' is a sequence whose elements are not tensors",
            vi.name
        ))
    };
    let tt = seq
        .elem_type
        .as_ref()
        .and_then(|t| t.tensor_type.as_ref())
        .ok_or_else(not_tensors)?;
    let elem = element_type(tt.elem_type).ok_or_else(|| {
        ImportError::UnsupportedType(format!(
            "{what} '{}' is a sequence of element type {}",
            vi.name,
            crate::proto::data_type::name(tt.elem_type)
        ))
    })?;
    Ok(Some((elem, tt.shape.as_ref().map(|s| s.dim.len()))))
}

fn type_from_value_info(
    vi: &ValueInfoProto,
    what: &str,
    overrides: &HashMap<String, Vec<usize>>,
) -> Result<TensorType, ImportError> {
    let tp = vi
        .r#type
        .as_ref()
        .ok_or_else(|| ImportError::InvalidModel(format!("{what} '{}' has no type", vi.name)))?
        .present();
    let tt = match &tp.tensor_type {
        Some(t) => t,
        None => {
            let kind = if tp.sequence_type.is_some() {
                "a sequence"
            } else if tp.map_type.is_some() {
                "a map"
            } else if tp.optional_type.is_some() {
                "an optional"
            } else if tp.sparse_tensor_type.is_some() {
                "a sparse tensor"
            } else {
                "not a tensor"
            };
            return Err(ImportError::UnsupportedType(format!(
                "{what} '{}' is {kind}; Strata handles dense tensors",
                vi.name
            )));
        }
    };
    let elem = element_type(tt.elem_type).ok_or_else(|| {
        ImportError::UnsupportedType(format!(
            "{what} '{}' has element type {}",
            vi.name,
            crate::proto::data_type::name(tt.elem_type)
        ))
    })?;
    let shape = tt.shape.as_ref().ok_or_else(|| {
        ImportError::InvalidModel(format!(
            "{what} '{}' has no shape: Strata needs static shapes",
            vi.name
        ))
    })?;
    if let Some(dims) = overrides.get(&vi.name) {
        if dims.len() != shape.dim.len() {
            return Err(ImportError::InvalidModel(format!(
                "shape override for '{}' has rank {}, the model's rank is {}",
                vi.name,
                dims.len(),
                shape.dim.len()
            )));
        }
        return Ok(TensorType::new(dims.clone(), elem));
    }
    let mut dims = Vec::with_capacity(shape.dim.len());
    for (i, d) in shape.dim.iter().enumerate() {
        match (d.dim_value, &d.dim_param) {
            (Some(v), _) if v >= 0 => dims.push(v as usize),
            (Some(v), _) => {
                return Err(ImportError::InvalidModel(format!(
                    "{what} '{}' has negative dimension {v} (an unknown size) at axis {i}: give it a size with an input shape override",
                    vi.name
                )))
            }
            (None, Some(p)) => {
                return Err(ImportError::InvalidModel(format!(
                    "{what} '{}' has symbolic dimension '{p}' at axis {i}: give it a size with an input shape override",
                    vi.name
                )))
            }
            (None, None) => {
                return Err(ImportError::InvalidModel(format!(
                    "{what} '{}' has an unknown dimension at axis {i}: give it a size with an input shape override",
                    vi.name
                )))
            }
        }
    }
    Ok(TensorType::new(dims, elem))
}

impl<'a> Importer<'a> {
    pub fn new(
        model: &'a ModelProto,
        base_dir: Option<&'a Path>,
        options: &'a ImportOptions,
    ) -> Result<Self, ImportError> {
        let graph = model
            .graph
            .as_ref()
            .ok_or_else(|| ImportError::InvalidModel("the model has no graph".into()))?;
        let opset = model
            .opset_import
            .iter()
            .find(|o| o.domain.is_empty() || o.domain == "ai.onnx")
            .map(|o| o.version);
        if let Some(opset) = opset.filter(|&v| v < 7) {
            return Err(ImportError::UnsupportedFeature {
                node: "model".into(),
                op_type: "opset".into(),
                message: format!("opset {opset} is older than 7, the oldest Strata imports"),
            });
        }
        Ok(Importer {
            graph,
            base_dir,
            options,
            opset,
            m: Module::new(),
            block: None,
            values: Vec::new(),
            env: HashMap::new(),
            materialized: HashMap::new(),
            release: None,
            main_name: String::new(),
            outlined: 0,
        })
    }

    /// Calls `release` on each initializer's raw data once it is converted (the file
    /// reader gives its pages back).
    pub fn releasing(mut self, release: &'a dyn Fn(&bytes::Bytes)) -> Self {
        self.release = Some(release);
        self
    }

    fn node_name(node: &NodeProto, index: usize) -> String {
        if node.name.is_empty() {
            format!("{}#{index}", node.op_type)
        } else {
            node.name.clone()
        }
    }

    /// Lists every unsupported op type with its nodes, before converting anything.
    fn check_supported(&self) -> Result<(), ImportError> {
        let supported: BTreeSet<&str> = supported_op_types().into_iter().collect();
        let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
        fn scan(
            nodes: &[NodeProto],
            supported: &BTreeSet<&str>,
            missing: &mut BTreeMap<String, Vec<String>>,
        ) {
            for (i, node) in nodes.iter().enumerate() {
                let default_domain = node.domain.is_empty() || node.domain == "ai.onnx";
                let preview = crate::ops::OTHER_DOMAIN_OPS
                    .contains(&(node.domain.as_str(), node.op_type.as_str()));
                if !preview && (!default_domain || !supported.contains(node.op_type.as_str())) {
                    let key = if default_domain {
                        node.op_type.clone()
                    } else {
                        format!("{}::{}", node.domain, node.op_type)
                    };
                    missing
                        .entry(key)
                        .or_default()
                        .push(Importer::node_name(node, i));
                }
                // The branches of an If are imported with it: their ops count too.
                for g in node.attribute.iter().filter_map(|a| a.g.as_ref()) {
                    scan(&g.node, supported, missing);
                }
            }
        }
        scan(&self.graph.node, &supported, &mut missing);
        if missing.is_empty() {
            Ok(())
        } else {
            Err(ImportError::UnsupportedOps(missing.into_iter().collect()))
        }
    }

    /// Orders nodes so every value is produced before use; reports cycles and dangling
    /// inputs by node name.
    fn topological_order(
        nodes: &[NodeProto],
        available: &BTreeSet<String>,
    ) -> Result<Vec<usize>, ImportError> {
        let mut producer: HashMap<&str, usize> = HashMap::new();
        for (i, n) in nodes.iter().enumerate() {
            for o in n.output.iter().filter(|o| !o.is_empty()) {
                if available.contains(o) {
                    return Err(ImportError::InvalidModel(format!(
                        "node '{}' redefines '{o}', which is a graph input or initializer",
                        Self::node_name(n, i)
                    )));
                }
                if let Some(&prev) = producer.get(o.as_str()) {
                    return Err(ImportError::InvalidModel(format!(
                        "value '{o}' is produced by both node '{}' and node '{}'",
                        Self::node_name(&nodes[prev], prev),
                        Self::node_name(n, i)
                    )));
                }
                producer.insert(o, i);
            }
        }
        let mut pending = vec![0usize; nodes.len()];
        let mut users: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
        for (i, n) in nodes.iter().enumerate() {
            // A subgraph reads values of this scope by name without listing them.
            let mut implicit = Vec::new();
            for g in n.attribute.iter().filter_map(|a| a.g.as_ref()) {
                outer_names(g, &mut implicit);
            }
            for inp in implicit {
                if let Some(&p) = producer.get(inp.as_str()) {
                    if p != i {
                        pending[i] += 1;
                        users[p].push(i);
                    }
                }
            }
            for inp in n.input.iter().filter(|s| !s.is_empty()) {
                if available.contains(inp) {
                    continue;
                }
                match producer.get(inp.as_str()) {
                    Some(&p) => {
                        pending[i] += 1;
                        users[p].push(i);
                    }
                    None => {
                        return Err(ImportError::InvalidModel(format!(
                        "node '{}' ({}) reads '{inp}', which no node, input or initializer defines",
                        Self::node_name(n, i),
                        n.op_type
                    )))
                    }
                }
            }
        }
        let mut ready: VecDeque<usize> = (0..nodes.len()).filter(|&i| pending[i] == 0).collect();
        let mut order = Vec::with_capacity(nodes.len());
        while let Some(i) = ready.pop_front() {
            order.push(i);
            for &u in &users[i] {
                pending[u] -= 1;
                if pending[u] == 0 {
                    ready.push_back(u);
                }
            }
        }
        if order.len() != nodes.len() {
            let stuck: Vec<String> = (0..nodes.len())
                .filter(|&i| pending[i] > 0)
                .map(|i| Self::node_name(&nodes[i], i))
                .collect();
            return Err(ImportError::InvalidModel(format!(
                "the graph has a cycle through nodes {}",
                stuck.join(", ")
            )));
        }
        Ok(order)
    }

    pub fn run(mut self) -> Result<Module, ImportError> {
        self.check_supported()?;
        // A model of ai.onnx.ml ops alone needs no version of the default opset.
        let only_other_domains = self
            .graph
            .node
            .iter()
            .all(|n| !n.domain.is_empty() && n.domain != "ai.onnx");
        let opset = match self.opset {
            Some(v) => v,
            None if only_other_domains && !self.graph.node.is_empty() => crate::ops::NEWEST_OPSET,
            None => {
                return Err(ImportError::InvalidModel(
                    "the model imports no version of the default ONNX opset".into(),
                ))
            }
        };
        if let Some(s) = self.graph.sparse_initializer.first() {
            let name = s.values.as_ref().map(|v| v.name.as_str()).unwrap_or("");
            return Err(ImportError::UnsupportedType(format!(
                "sparse initializer '{name}'"
            )));
        }
        let mut available = BTreeSet::new();
        for init in &self.graph.initializer {
            let t =
                tensor_from_proto(init, &format!("initializer '{}'", init.name), self.base_dir)?;
            if let Some(release) = self.release {
                release(&init.raw_data);
            }
            let v = self.known(t, Rc::new(BTreeSet::new()));
            self.env.insert(init.name.clone(), v);
            available.insert(init.name.clone());
        }
        let mut args = Vec::new();
        let mut sequences = Vec::new();
        for vi in &self.graph.input {
            if available.contains(&vi.name) {
                continue; // An initializer listed as an input by an old exporter.
            }
            if let Some(t) = self.options.constant_inputs.get(&vi.name) {
                let deps = Rc::new(BTreeSet::from([vi.name.clone()]));
                let v = self.known(t.clone(), deps);
                self.env.insert(vi.name.clone(), v);
                available.insert(vi.name.clone());
                continue;
            }
            available.insert(vi.name.clone());
            if let Some((elem, rank)) = sequence_element(vi, "input")? {
                let shapes = self.options.sequence_inputs.get(&vi.name).ok_or_else(|| {
                    ImportError::InvalidModel(format!(
                        "input '{}' is a sequence: Strata compiles sequences of a static length; give its elements' shapes (ImportOptions::sequence_inputs, --sequence-input NAME=DIMS,DIMS,...)",
                        vi.name
                    ))
                })?;
                for (i, dims) in shapes.iter().enumerate() {
                    if let Some(r) = rank.filter(|&r| r != dims.len()) {
                        return Err(ImportError::InvalidModel(format!(
                            "sequence input '{}' element {i} is given rank {}, the model declares rank {r}",
                            vi.name,
                            dims.len()
                        )));
                    }
                    let name = crate::sequence_element_name(&vi.name, i);
                    args.push((name, TensorType::new(dims.clone(), elem)));
                }
                sequences.push((vi.name.clone(), elem, shapes.len()));
                continue;
            }
            let ty = type_from_value_info(vi, "input", &self.options.input_shapes)?;
            args.push((vi.name.clone(), ty));
        }
        let fname = self
            .options
            .function_name
            .clone()
            .unwrap_or_else(|| "main".into());
        self.main_name = fname.clone();
        let (func, entry) = self.m.add_function(&fname, &args);
        self.block = Some(entry);
        for ((name, ty), &arg) in args.iter().zip(func.arguments(&self.m).to_vec().iter()) {
            let idx = self.values.len();
            self.values.push(ImportValue {
                ty: ty.clone(),
                id: Some(arg),
                known: None,
                deps: Rc::new(BTreeSet::from([name.clone()])),
                seq: None,
                absent: false,
            });
            self.env.insert(name.clone(), idx);
        }
        for (name, elem, len) in sequences {
            let items: Vec<usize> = (0..len)
                .map(|i| self.env[&crate::sequence_element_name(&name, i)])
                .collect();
            let deps = Rc::new(BTreeSet::from([name.clone()]));
            for &item in &items {
                self.values[item].deps = deps.clone();
            }
            let v = self.sequence(elem, items);
            self.env.insert(name, v);
        }
        let graph = self.graph;
        self.import_nodes(&graph.node, &available, opset)?;
        self.finish(func)
    }

    /// Converts `nodes` in dependency order, reading `available` names from the scope.
    fn import_nodes(
        &mut self,
        nodes: &[NodeProto],
        available: &BTreeSet<String>,
        opset: i64,
    ) -> Result<(), ImportError> {
        let order = Self::topological_order(nodes, available)?;
        for i in order {
            let node = &nodes[i];
            let inputs = node
                .input
                .iter()
                .map(|n| {
                    if n.is_empty() {
                        None
                    } else {
                        self.env.get(n).copied()
                    }
                })
                .collect();
            let ctx = NodeCtx {
                proto: node,
                name: Self::node_name(node, i),
                opset,
                inputs,
            };
            for (slot, v) in ctx.inputs.iter().enumerate() {
                let absent = v.is_some_and(|v| self.values[v].absent);
                if absent && !optional_slots(&node.op_type, slot) {
                    return Err(ctx.error(format!(
                        "input '{}' is an empty optional; {} takes a value there",
                        node.input[slot], node.op_type
                    )));
                }
                let Some(seq) = v.and_then(|v| self.values[v].seq.clone()) else {
                    continue;
                };
                if !sequence_slots(&node.op_type, slot) {
                    return Err(ctx.error(format!(
                        "input '{}' is a sequence of {} tensors; {} takes a tensor there",
                        node.input[slot],
                        seq.items.len(),
                        node.op_type
                    )));
                }
            }
            for a in &node.attribute {
                if !a.ref_attr_name.is_empty() {
                    return Err(ctx.error(format!(
                        "attribute '{}' refers to a function attribute outside a function",
                        a.name
                    )));
                }
            }
            let outputs = ops::convert(self, &ctx)?;
            for (name, v) in node.output.iter().zip(outputs) {
                if !name.is_empty() {
                    self.env.insert(name.clone(), v);
                }
            }
            if let Some(missing) = node
                .output
                .iter()
                .find(|o| !o.is_empty() && !self.env.contains_key(*o))
            {
                return Err(ctx.unsupported(format!(
                    "output '{missing}' is not produced by Strata's conversion"
                )));
            }
        }
        Ok(())
    }

    /// Imports a subgraph's nodes into the current scope (an If branch chosen at import)
    /// and returns its outputs.
    pub(crate) fn inline_subgraph(
        &mut self,
        g: &GraphProto,
        opset: i64,
        what: &str,
    ) -> Result<Vec<usize>, ImportError> {
        if !g.input.is_empty() {
            return Err(ImportError::InvalidModel(format!(
                "{what} declares inputs; an If branch reads its scope's values by name"
            )));
        }
        self.inline_bound(g, opset, &[], what)
    }

    /// Imports subgraph `g`'s nodes into the current scope with its declared inputs bound
    /// to `inputs` (one iteration of a Scan unrolled at import) and returns its outputs.
    /// The names it defines do not leak into the scope.
    pub(crate) fn inline_bound(
        &mut self,
        g: &GraphProto,
        opset: i64,
        inputs: &[usize],
        what: &str,
    ) -> Result<Vec<usize>, ImportError> {
        if g.input.len() != inputs.len() {
            return Err(ImportError::InvalidModel(format!(
                "{what} declares {} inputs, {} are passed",
                g.input.len(),
                inputs.len()
            )));
        }
        let saved = self.env.clone();
        for (vi, &v) in g.input.iter().zip(inputs) {
            self.env.insert(vi.name.clone(), v);
        }
        let result = self.import_body(g, opset, what);
        self.env = saved;
        result
    }

    /// Converts subgraph `g`'s initializers and nodes in the current scope (its inputs
    /// bound already) and returns the values of its outputs.
    fn import_body(
        &mut self,
        g: &GraphProto,
        opset: i64,
        what: &str,
    ) -> Result<Vec<usize>, ImportError> {
        for init in &g.initializer {
            let t =
                tensor_from_proto(init, &format!("initializer '{}'", init.name), self.base_dir)?;
            let v = self.known(t, Rc::new(BTreeSet::new()));
            self.env.insert(init.name.clone(), v);
        }
        let available: BTreeSet<String> = self.env.keys().cloned().collect();
        self.import_nodes(&g.node, &available, opset)?;
        g.output
            .iter()
            .map(|o| {
                self.env.get(&o.name).copied().ok_or_else(|| {
                    ImportError::InvalidModel(format!(
                        "{what}: output '{}' is never defined",
                        o.name
                    ))
                })
            })
            .collect()
    }

    /// The values of this scope that subgraphs `graphs` read and that are known only at
    /// run time, by name (sorted, each once): what a call of the outlined subgraphs passes.
    pub(crate) fn captures(&self, graphs: &[&GraphProto]) -> Vec<String> {
        let mut names = Vec::new();
        for g in graphs {
            outer_names(g, &mut names);
        }
        let names: BTreeSet<String> = names
            .into_iter()
            .filter(|n| {
                self.env
                    .get(n)
                    .is_some_and(|&v| self.values[v].known.is_none())
            })
            .collect();
        names.into_iter().collect()
    }

    /// Imports subgraph `g` as function `fname` of the module (a branch or a loop body run
    /// at run time). Its arguments are `leading` (the subgraph's own inputs, typed by the
    /// caller), then the `captured` values of this scope; the other values of this scope
    /// it reads are known, and become its constants. Returns the function's outputs'
    /// ports (a sequence output is returned as its elements). The current function is left
    /// as it was.
    pub(crate) fn outline_subgraph(
        &mut self,
        g: &GraphProto,
        opset: i64,
        fname: &str,
        leading: &[(String, TensorType)],
        captured: &[String],
        what: &str,
    ) -> Result<Vec<Port>, ImportError> {
        let mut free = Vec::new();
        outer_names(g, &mut free);
        let mut env: HashMap<String, usize> = HashMap::new();
        for name in free {
            let Some(&v) = self.env.get(&name) else {
                continue;
            };
            if let Some(t) = self.values[v].known.clone() {
                let deps = self.values[v].deps.clone();
                self.values.push(ImportValue {
                    ty: t.ty(),
                    id: None,
                    known: Some(t),
                    deps,
                    seq: None,
                    absent: false,
                });
                env.insert(name, self.values.len() - 1);
            }
        }
        let mut args: Vec<(String, TensorType)> = leading.to_vec();
        for c in captured {
            let v = *self.env.get(c).ok_or_else(|| {
                ImportError::InvalidModel(format!("{what} reads '{c}', which is not defined"))
            })?;
            if self.values[v].seq.is_some() || self.values[v].absent {
                return Err(ImportError::UnsupportedFeature {
                    node: what.to_string(),
                    op_type: "subgraph".into(),
                    message: format!(
                        "it reads '{c}', a sequence or an optional, and runs at run time; those are resolved at import, so the indices, trip counts and conditions that pick them must be known then"
                    ),
                });
            }
            args.push((c.clone(), self.values[v].ty.clone()));
        }
        let saved_env = std::mem::replace(&mut self.env, env);
        let saved_block = self.block;
        let saved_materialized = std::mem::take(&mut self.materialized);
        let result = (|| {
            let (func, entry) = self.m.add_function(fname, &args);
            self.block = Some(entry);
            let ids = func.arguments(&self.m).to_vec();
            for ((name, ty), id) in args.iter().zip(ids) {
                self.values.push(ImportValue {
                    ty: ty.clone(),
                    id: Some(id),
                    known: None,
                    deps: Rc::new(BTreeSet::from([name.clone()])),
                    seq: None,
                    absent: false,
                });
                self.env.insert(name.clone(), self.values.len() - 1);
            }
            let outputs = self.import_body(g, opset, what)?;
            let mut returns = Vec::new();
            let mut ports = Vec::new();
            for (o, v) in g.output.iter().zip(outputs) {
                if self.values[v].absent {
                    return Err(ImportError::UnsupportedFeature {
                        node: what.to_string(),
                        op_type: "subgraph".into(),
                        message: format!(
                            "its output '{}' is an empty optional; a subgraph run at run time returns values",
                            o.name
                        ),
                    });
                }
                ports.push(self.export(&o.name, v, &mut returns));
            }
            self.m.set_return(func, &returns);
            Ok(ports)
        })();
        self.env = saved_env;
        self.block = saved_block;
        self.materialized = saved_materialized;
        result
    }

    fn finish(mut self, func: Function) -> Result<Module, ImportError> {
        let mut returns = Vec::new();
        for vi in &self.graph.output {
            let &v = self.env.get(&vi.name).ok_or_else(|| {
                ImportError::InvalidModel(format!("graph output '{}' is never defined", vi.name))
            })?;
            if self.values[v].absent {
                return Err(ImportError::UnsupportedFeature {
                    node: vi.name.clone(),
                    op_type: "graph output".into(),
                    message: "it is an empty optional: a compiled function returns values".into(),
                });
            }
            let declared = sequence_element(vi, "graph output")?;
            match (self.values[v].seq.clone(), declared) {
                (None, None) => {
                    self.check_declared(vi, &self.values[v].ty)?;
                    self.export(&vi.name, v, &mut returns);
                }
                (Some(seq), declared) => {
                    if let Some((elem, _)) = declared.filter(|(e, _)| *e != seq.elem) {
                        return Err(ImportError::InvalidModel(format!(
                            "graph output '{}' is declared a sequence of {elem}, but the graph computes one of {}",
                            vi.name, seq.elem
                        )));
                    }
                    self.export(&vi.name, v, &mut returns);
                }
                (None, Some(_)) => {
                    return Err(ImportError::InvalidModel(format!(
                        "graph output '{}' is declared a sequence, but the graph computes {}",
                        vi.name, self.values[v].ty
                    )))
                }
            }
        }
        self.m.set_return(func, &returns);
        strata_ir::verify_module(&self.m).map_err(|e| ImportError::Verify(e.to_string()))?;
        Ok(self.m)
    }

    /// Appends value `v` to a function's `returns` as output `name` — a sequence as its
    /// elements, `name[0]`, `name[1]`, ... — and says what it returned.
    fn export(&mut self, name: &str, v: usize, returns: &mut Vec<(String, ValueId)>) -> Port {
        match self.values[v].seq.clone() {
            None => {
                returns.push((name.to_string(), self.materialize(v)));
                Port::Tensor(self.values[v].ty.clone())
            }
            Some(seq) => {
                let mut types = Vec::with_capacity(seq.items.len());
                for (i, &item) in seq.items.iter().enumerate() {
                    types.push(self.values[item].ty.clone());
                    let id = self.materialize(item);
                    returns.push((crate::sequence_element_name(name, i), id));
                }
                Port::Sequence(seq.elem, types)
            }
        }
    }

    /// Checks an output's declared type (where it is static) against the inferred one.
    fn check_declared(
        &self,
        vi: &ValueInfoProto,
        inferred: &TensorType,
    ) -> Result<(), ImportError> {
        let Some(tt) = vi.r#type.as_ref().and_then(|t| t.tensor_type.as_ref()) else {
            return Ok(());
        };
        let mismatch = |what: String| {
            Err(ImportError::InvalidModel(format!(
                "graph output '{}' is declared with {what}, but the graph computes {inferred}",
                vi.name
            )))
        };
        if tt.elem_type != 0 && element_type(tt.elem_type) != Some(inferred.elem) {
            return mismatch(format!(
                "element type {}",
                crate::proto::data_type::name(tt.elem_type)
            ));
        }
        if let Some(shape) = &tt.shape {
            let dims = inferred.shape.dims();
            if !shape.dim.is_empty() || dims.is_empty() {
                if shape.dim.len() != dims.len() {
                    return mismatch(format!("rank {}", shape.dim.len()));
                }
                for (d, &actual) in shape.dim.iter().zip(dims) {
                    // A negative size (PaddlePaddle writes -1) means unknown, like a
                    // symbolic or missing one.
                    if let Some(v) = d.dim_value.filter(|&v| v >= 0) {
                        if v != actual as i64 {
                            return mismatch(format!(
                                "dimensions {:?}",
                                shape.dim.iter().map(|d| d.dim_value).collect::<Vec<_>>()
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The value a name of the current scope stands for.
    pub(crate) fn lookup(&self, name: &str) -> Option<usize> {
        self.env.get(name).copied()
    }

    /// A name for a function outlined from the function being imported.
    pub(crate) fn outlined_name(&mut self, what: &str) -> String {
        self.outlined += 1;
        format!("{}_{what}{}", self.main_name, self.outlined - 1)
    }

    /// Creates an op whose result types the caller knows (a control-flow op, whose
    /// results are its callees'), never folded.
    pub(crate) fn emit_typed(
        &mut self,
        node: &NodeCtx,
        op: OpName,
        operands: &[usize],
        attrs: BTreeMap<String, Attribute>,
        result_types: Vec<TensorType>,
    ) -> Vec<usize> {
        let deps: BTreeSet<String> = operands
            .iter()
            .flat_map(|&v| self.values[v].deps.iter().cloned())
            .collect();
        let deps = Rc::new(deps);
        let ids: Vec<ValueId> = operands.iter().map(|&v| self.materialize(v)).collect();
        let block = self.block.expect("emit runs while building the function");
        let created = self.m.append_op(
            block,
            OpSpec {
                name: op,
                operands: ids,
                result_types: result_types.iter().cloned().map(Type::Tensor).collect(),
                attrs,
                regions: vec![],
                loc: Location::Name(node.name.clone()),
            },
        );
        let results = self.m.results(created).to_vec();
        results
            .into_iter()
            .zip(result_types)
            .map(|(id, ty)| {
                self.values.push(ImportValue {
                    ty,
                    id: Some(id),
                    known: None,
                    deps: deps.clone(),
                    seq: None,
                    absent: false,
                });
                self.values.len() - 1
            })
            .collect()
    }

    /// Registers a known constant value.
    pub fn known(&mut self, t: Tensor, deps: Rc<BTreeSet<String>>) -> usize {
        self.values.push(ImportValue {
            ty: t.ty(),
            id: None,
            known: Some(Rc::new(t)),
            deps,
            seq: None,
            absent: false,
        });
        self.values.len() - 1
    }

    /// Registers a sequence of `items` (tensor values of this scope).
    pub fn sequence(&mut self, elem: ElementType, items: Vec<usize>) -> usize {
        let deps: BTreeSet<String> = items
            .iter()
            .flat_map(|&v| self.values[v].deps.iter().cloned())
            .collect();
        self.values.push(ImportValue {
            ty: TensorType::new(vec![], elem),
            id: None,
            known: None,
            deps: Rc::new(deps),
            seq: Some(Rc::new(Sequence { elem, items })),
            absent: false,
        });
        self.values.len() - 1
    }

    /// Registers an empty optional.
    pub fn absent(&mut self) -> usize {
        self.values.push(ImportValue {
            ty: TensorType::new(vec![], ElementType::F32),
            id: None,
            known: None,
            deps: Rc::default(),
            seq: None,
            absent: true,
        });
        self.values.len() - 1
    }

    /// Input `i` of `node`, which must be a sequence.
    pub fn sequence_input(&self, node: &NodeCtx, i: usize) -> Result<Rc<Sequence>, ImportError> {
        let v = self.required(node, i)?;
        self.values[v].seq.clone().ok_or_else(|| {
            node.error(format!(
                "input '{}' is {}, not a sequence",
                node.proto.input[i], self.values[v].ty
            ))
        })
    }

    /// The SSA value of an import value, creating its `graph.constant` if needed.
    pub fn materialize(&mut self, v: usize) -> ValueId {
        if let Some(id) = self.values[v].id {
            return id;
        }
        if let Some(&id) = self.materialized.get(&v) {
            return id;
        }
        let t = self.values[v]
            .known
            .clone()
            .expect("a value is either an SSA value or known");
        let block = self
            .block
            .expect("materialize runs while building the function");
        let op = self.m.append_op(
            block,
            OpSpec::new(names::GRAPH_CONSTANT)
                .attr("value", Attribute::Dense((*t).clone()))
                .results([Type::Tensor(t.ty())]),
        );
        let id = self.m.result(op);
        self.materialized.insert(v, id);
        id
    }

    /// Creates a graph op (or folds it when every operand is known) and returns its results.
    pub fn emit(
        &mut self,
        node: &NodeCtx,
        op: OpName,
        operands: &[usize],
        attrs: BTreeMap<String, Attribute>,
        num_results: usize,
    ) -> Result<Vec<usize>, ImportError> {
        let types: Vec<TensorType> = operands
            .iter()
            .map(|&v| self.values[v].ty.clone())
            .collect();
        let result_types =
            graph::infer_types(op, &types, &attrs, num_results).map_err(|e| node.error(e))?;
        let deps: BTreeSet<String> = operands
            .iter()
            .flat_map(|&v| self.values[v].deps.iter().cloned())
            .collect();
        let deps = Rc::new(deps);
        // Fold when every operand is known, unless the result is too large to keep around
        // as a constant (then the op computes it at run time).
        let result_elems = result_types
            .iter()
            .fold(0usize, |acc, t| acc.saturating_add(t.shape.numel()));
        if !operands.is_empty()
            && result_elems <= fold_limit()
            && operands.iter().all(|&v| self.values[v].known.is_some())
        {
            let def =
                graph::op_def(op).ok_or_else(|| node.error(format!("unknown graph op '{op}'")))?;
            let known: Vec<Rc<Tensor>> = operands
                .iter()
                .map(|&v| self.values[v].known.clone().expect("checked"))
                .collect();
            let refs: Vec<&Tensor> = known.iter().map(|t| t.as_ref()).collect();
            let args = graph::OpArgs {
                name: op,
                inputs: &types,
                attrs: &attrs,
                num_results,
            };
            let results = (def.eval)(&args, &refs).map_err(|e| node.error(e))?;
            return Ok(results
                .into_iter()
                .take(num_results)
                .map(|t| self.known(t, deps.clone()))
                .collect());
        }
        let ids: Vec<ValueId> = operands.iter().map(|&v| self.materialize(v)).collect();
        let block = self.block.expect("emit runs while building the function");
        let created = self.m.append_op(
            block,
            OpSpec {
                name: op,
                operands: ids,
                result_types: result_types.iter().cloned().map(Type::Tensor).collect(),
                attrs,
                regions: vec![],
                loc: Location::Name(node.name.clone()),
            },
        );
        let results = self.m.results(created).to_vec();
        Ok(results
            .into_iter()
            .zip(result_types)
            .map(|(id, ty)| {
                self.values.push(ImportValue {
                    ty,
                    id: Some(id),
                    known: None,
                    deps: deps.clone(),
                    seq: None,
                    absent: false,
                });
                self.values.len() - 1
            })
            .collect())
    }

    /// The constant value of input `i`, `None` when the input is omitted, or an error
    /// naming the graph inputs it depends on when it is not a compile-time constant.
    pub fn const_input(&self, node: &NodeCtx, i: usize) -> Result<Option<Rc<Tensor>>, ImportError> {
        let Some(v) = node.input(i) else {
            return Ok(None);
        };
        match &self.values[v].known {
            Some(t) => Ok(Some(t.clone())),
            None => Err(ImportError::NotConstant {
                node: node.name.clone(),
                op_type: node.op_type().to_string(),
                input: node.proto.input[i].clone(),
                graph_inputs: self.values[v].deps.iter().cloned().collect(),
            }),
        }
    }

    /// Input `i`, which the op requires.
    pub fn required(&self, node: &NodeCtx, i: usize) -> Result<usize, ImportError> {
        node.input(i)
            .ok_or_else(|| node.error(format!("missing required input #{i}")))
    }

    /// Converts the node's ONNX attributes to IR attributes, leaving out `skip`.
    pub fn convert_attrs(
        &self,
        node: &NodeCtx,
        skip: &[&str],
    ) -> Result<BTreeMap<String, Attribute>, ImportError> {
        let mut out = BTreeMap::new();
        for a in &node.proto.attribute {
            if skip.contains(&a.name.as_str()) {
                continue;
            }
            let kind = if a.r#type != 0 {
                a.r#type
            } else if !a.floats.is_empty() {
                at::FLOATS
            } else if !a.ints.is_empty() {
                at::INTS
            } else if !a.strings.is_empty() {
                at::STRINGS
            } else if a.t.is_some() {
                at::TENSOR
            } else if !a.s.is_empty() {
                at::STRING
            } else if a.f != 0.0 {
                at::FLOAT
            } else {
                at::INT
            };
            let value = match kind {
                at::FLOAT => Attribute::Float(a.f as f64, strata_ir::ElementType::F32),
                at::INT => Attribute::Int(a.i),
                at::STRING => Attribute::String(String::from_utf8_lossy(&a.s).into_owned()),
                at::FLOATS => Attribute::F32Array(a.floats.clone()),
                at::INTS => Attribute::I64Array(a.ints.clone()),
                at::STRINGS => Attribute::Array(
                    a.strings
                        .iter()
                        .map(|s| Attribute::String(String::from_utf8_lossy(s).into_owned()))
                        .collect(),
                ),
                at::TENSOR => {
                    let t = a.t.as_ref().ok_or_else(|| {
                        node.error(format!("attribute '{}' has no tensor", a.name))
                    })?;
                    Attribute::Dense(tensor_from_proto(
                        t,
                        &format!("attribute '{}' of node '{}'", a.name, node.name),
                        self.base_dir,
                    )?)
                }
                at::GRAPH | at::GRAPHS => {
                    return Err(node.unsupported(format!(
                        "attribute '{}' is a subgraph (control flow)",
                        a.name
                    )))
                }
                at::SPARSE_TENSOR | at::SPARSE_TENSORS => {
                    return Err(
                        node.unsupported(format!("attribute '{}' is a sparse tensor", a.name))
                    )
                }
                at::TYPE_PROTO | at::TYPE_PROTOS | at::TENSORS => {
                    return Err(node.unsupported(format!(
                        "attribute '{}' has a kind Strata does not read",
                        a.name
                    )))
                }
                other => {
                    return Err(
                        node.error(format!("attribute '{}' has unknown kind {other}", a.name))
                    )
                }
            };
            out.insert(a.name.clone(), value);
        }
        Ok(out)
    }
}

/// The names a subgraph reads that it does not define (its outer-scope references),
/// nested subgraphs included.
fn outer_names(g: &GraphProto, out: &mut Vec<String>) {
    let mut defined: BTreeSet<&str> = g.initializer.iter().map(|t| t.name.as_str()).collect();
    defined.extend(g.input.iter().map(|v| v.name.as_str()));
    for n in &g.node {
        defined.extend(n.output.iter().map(String::as_str));
    }
    for n in &g.node {
        for i in n.input.iter().filter(|i| !i.is_empty()) {
            if !defined.contains(i.as_str()) {
                out.push(i.clone());
            }
        }
        for sub in n.attribute.iter().filter_map(|a| a.g.as_ref()) {
            let mut inner = Vec::new();
            outer_names(sub, &mut inner);
            out.extend(inner.into_iter().filter(|i| !defined.contains(i.as_str())));
        }
    }
}
