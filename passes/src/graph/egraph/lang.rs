//! The e-graph language: graph-dialect ops as e-nodes.
//!
//! One generic variant serves every op, so the dialect's op table is the only list of
//! ops: `Op` carries the op name and its children, which are the operands followed, when
//! the op has attributes, by one [`AttrSet`] leaf. Attributes as a child (not part of the
//! operator) let patterns bind them (`(graph.transpose ?x ?perm)`) and let conditions
//! inspect them, as TENSAT does with its attribute leaves.
//!
//! Ops with several results are one `Op` node whose name records the count
//! (`graph.split/3`), read through `proj.N` nodes. A function's inputs are `input.N`
//! leaves, constants are [`ConstTensor`] leaves, and `outputs` is the single root.

use egg::{Id, Language, Symbol};
use smallvec::SmallVec;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use strata_ir::OpName;
use strata_ir::{Attribute, Tensor};

/// A constant tensor leaf. Equality is by value (so equal constants share an e-class);
/// the hash is computed once, since weights can be large, and the tensor is shared, not
/// copied, by the analysis and extraction.
#[derive(Clone)]
pub struct ConstTensor {
    hash: u64,
    tensor: Arc<Tensor>,
}

impl ConstTensor {
    pub fn new(tensor: Tensor) -> Self {
        Self::from_arc(Arc::new(tensor))
    }

    pub fn from_arc(tensor: Arc<Tensor>) -> Self {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        // The type is part of the identity: the same bytes as f32 and i32 differ.
        tensor.ty().to_string().hash(&mut h);
        strata_abi::format::content_hash(&tensor.le_bytes()).hash(&mut h);
        ConstTensor {
            hash: h.finish(),
            tensor,
        }
    }

    pub fn tensor(&self) -> &Tensor {
        &self.tensor
    }

    pub fn shared(&self) -> Arc<Tensor> {
        self.tensor.clone()
    }
}

impl PartialEq for ConstTensor {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash
            && (Arc::ptr_eq(&self.tensor, &other.tensor) || self.tensor.bitwise_eq(&other.tensor))
    }
}

impl Eq for ConstTensor {}

impl Hash for ConstTensor {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.hash.hash(state);
    }
}

impl Ord for ConstTensor {
    fn cmp(&self, other: &Self) -> Ordering {
        self.hash.cmp(&other.hash).then_with(|| {
            if self == other {
                Ordering::Equal
            } else {
                self.tensor.le_bytes().cmp(&other.tensor.le_bytes())
            }
        })
    }
}

impl PartialOrd for ConstTensor {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for ConstTensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "const<{}>", self.tensor.ty())
    }
}

/// An op's attribute dictionary as a leaf. Identified by its printed form, which is
/// canonical (sorted keys, exact values).
#[derive(Clone)]
pub struct AttrSet {
    text: Arc<str>,
    attrs: Arc<BTreeMap<String, Attribute>>,
}

impl AttrSet {
    pub fn new(attrs: BTreeMap<String, Attribute>) -> Self {
        let text = Attribute::Dict(attrs.clone()).to_string();
        AttrSet {
            text: text.into(),
            attrs: Arc::new(attrs),
        }
    }

    pub fn attrs(&self) -> &BTreeMap<String, Attribute> {
        &self.attrs
    }

    pub fn get(&self, name: &str) -> Option<&Attribute> {
        self.attrs.get(name)
    }

    /// A copy with one attribute set.
    pub fn with(&self, name: &str, value: Attribute) -> AttrSet {
        let mut a = (*self.attrs).clone();
        a.insert(name.to_string(), value);
        AttrSet::new(a)
    }
}

impl PartialEq for AttrSet {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for AttrSet {}

impl Hash for AttrSet {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl Ord for AttrSet {
    fn cmp(&self, other: &Self) -> Ordering {
        self.text.cmp(&other.text)
    }
}

impl PartialOrd for AttrSet {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for AttrSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// An e-node.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GraphNode {
    /// Function argument `N` (`input.N`).
    Input(u32),
    Const(ConstTensor),
    Attrs(AttrSet),
    /// An op (`graph.add`, or `graph.split/3` for three results) and its children.
    Op(Symbol, SmallVec<[Id; 4]>),
    /// Result `N` of a multi-result op (`proj.N`).
    Proj(u32, [Id; 1]),
    /// The function's returned values: the root.
    Outputs(Vec<Id>),
}

/// Splits `graph.split/3` into (`graph.split`, 3); plain names have one result.
pub fn split_op_name(name: &str) -> (&str, usize) {
    match name.rsplit_once('/') {
        Some((op, n)) => (op, n.parse().unwrap_or(1)),
        None => (name, 1),
    }
}

/// The e-node symbol for an op with `results` results.
pub fn op_symbol(op: OpName, results: usize) -> Symbol {
    if results == 1 {
        Symbol::from(op.as_str())
    } else {
        Symbol::from(format!("{op}/{results}"))
    }
}

/// What `matches` compares beyond children: the variant and its payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Input(u32),
    Const(u64),
    Attrs,
    Op(Symbol),
    Proj(u32),
    Outputs,
}

impl Language for GraphNode {
    type Discriminant = NodeKind;

    fn discriminant(&self) -> NodeKind {
        match self {
            GraphNode::Input(i) => NodeKind::Input(*i),
            GraphNode::Const(c) => NodeKind::Const(c.hash),
            GraphNode::Attrs(_) => NodeKind::Attrs,
            GraphNode::Op(s, _) => NodeKind::Op(*s),
            GraphNode::Proj(i, _) => NodeKind::Proj(*i),
            GraphNode::Outputs(_) => NodeKind::Outputs,
        }
    }

    fn matches(&self, other: &Self) -> bool {
        match (self, other) {
            (GraphNode::Input(a), GraphNode::Input(b)) => a == b,
            (GraphNode::Const(a), GraphNode::Const(b)) => a == b,
            (GraphNode::Attrs(a), GraphNode::Attrs(b)) => a == b,
            (GraphNode::Op(a, x), GraphNode::Op(b, y)) => a == b && x.len() == y.len(),
            (GraphNode::Proj(a, _), GraphNode::Proj(b, _)) => a == b,
            (GraphNode::Outputs(x), GraphNode::Outputs(y)) => x.len() == y.len(),
            _ => false,
        }
    }

    fn children(&self) -> &[Id] {
        match self {
            GraphNode::Op(_, c) => c,
            GraphNode::Proj(_, c) => c,
            GraphNode::Outputs(c) => c,
            _ => &[],
        }
    }

    fn children_mut(&mut self) -> &mut [Id] {
        match self {
            GraphNode::Op(_, c) => c,
            GraphNode::Proj(_, c) => c,
            GraphNode::Outputs(c) => c,
            _ => &mut [],
        }
    }
}

impl fmt::Display for GraphNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphNode::Input(i) => write!(f, "input.{i}"),
            GraphNode::Const(c) => write!(f, "{c:?}"),
            GraphNode::Attrs(a) => write!(f, "{a:?}"),
            GraphNode::Op(s, _) => write!(f, "{s}"),
            GraphNode::Proj(i, _) => write!(f, "proj.{i}"),
            GraphNode::Outputs(_) => f.write_str("outputs"),
        }
    }
}

/// Parses pattern operators: op names, `proj.N`, `input.N` and `outputs`.
impl egg::FromOp for GraphNode {
    type Error = String;

    fn from_op(op: &str, children: Vec<Id>) -> Result<Self, String> {
        if let Some(n) = op.strip_prefix("proj.") {
            let i = n.parse().map_err(|_| format!("bad projection '{op}'"))?;
            let [c] = children.as_slice() else {
                return Err(format!("'{op}' takes one child"));
            };
            return Ok(GraphNode::Proj(i, [*c]));
        }
        if let Some(n) = op.strip_prefix("input.") {
            return n
                .parse()
                .map(GraphNode::Input)
                .map_err(|_| format!("bad input '{op}'"));
        }
        if op == "outputs" {
            return Ok(GraphNode::Outputs(children));
        }
        if !op.contains('.') {
            return Err(format!("unknown e-node operator '{op}'"));
        }
        Ok(GraphNode::Op(
            Symbol::from(op),
            children.into_iter().collect(),
        ))
    }
}
