//! The IR container: operations, values, blocks and regions in arenas, addressed by typed
//! indices.
//!
//! A [`Module`] is MLIR's `builtin.module`: one body block holding functions (`func.func`).
//! An operation has a dialect-qualified name (`graph.add`), operands and results (SSA
//! values), a sorted attribute dictionary, regions, and a location. Values are defined
//! once, by an op result or a block argument. Nothing is reference counted: passes edit the
//! arenas through the module, and erased ops simply become unreachable.

use crate::attr::Attribute;
use crate::ops;
use crate::ops::OpName;
use crate::types::{FunctionType, TensorType, Type};
use smallvec::SmallVec;
use std::collections::BTreeMap;
use std::fmt;

macro_rules! entity {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);
        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

entity!(
    /// An operation in a [`Module`].
    OpId
);
entity!(
    /// An SSA value in a [`Module`].
    ValueId
);
entity!(
    /// A block (a list of operations with arguments) in a [`Module`].
    BlockId
);
entity!(
    /// A region (a list of blocks owned by an operation) in a [`Module`].
    RegionId
);

/// Where an operation came from. Printed as MLIR's trailing `loc(...)`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Location {
    #[default]
    Unknown,
    /// A name, such as the ONNX node the op was imported from: `loc("conv1")`.
    Name(String),
    /// A position in a file: `loc("model.mlir":3:7)`.
    FileLineCol { file: String, line: u32, col: u32 },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Unknown => f.write_str("unknown location"),
            Location::Name(n) => write!(f, "node '{n}'"),
            Location::FileLineCol { file, line, col } => write!(f, "{file}:{line}:{col}"),
        }
    }
}

/// A line and column in IR text (1-based), kept for diagnostics but never printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourcePos {
    pub line: u32,
    pub col: u32,
}

/// How a value is defined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueDef {
    OpResult { op: OpId, index: u32 },
    BlockArg { block: BlockId, index: u32 },
}

#[derive(Clone, Debug)]
pub struct ValueData {
    pub ty: Type,
    pub def: ValueDef,
}

#[derive(Clone, Debug)]
pub struct OpData {
    /// Dialect-qualified name, e.g. `graph.conv`, interned.
    pub name: OpName,
    pub operands: SmallVec<[ValueId; 4]>,
    pub results: SmallVec<[ValueId; 2]>,
    pub attrs: BTreeMap<String, Attribute>,
    pub regions: SmallVec<[RegionId; 1]>,
    pub loc: Location,
    pub parent: Option<BlockId>,
    /// Position in the text this op was parsed from, for diagnostics.
    pub source_pos: Option<SourcePos>,
}

#[derive(Clone, Debug, Default)]
pub struct BlockData {
    pub args: Vec<ValueId>,
    pub ops: Vec<OpId>,
    pub parent: Option<RegionId>,
}

#[derive(Clone, Debug, Default)]
pub struct RegionData {
    pub blocks: Vec<BlockId>,
    pub parent: Option<OpId>,
}

/// A module: arenas plus the body block that holds the functions, and the module's own
/// attributes (its target description, [`crate::target`]).
#[derive(Clone, Debug)]
pub struct Module {
    ops: Vec<OpData>,
    values: Vec<ValueData>,
    blocks: Vec<BlockData>,
    regions: Vec<RegionData>,
    body: BlockId,
    attrs: BTreeMap<String, Attribute>,
}

impl Default for Module {
    fn default() -> Self {
        Self::new()
    }
}

/// The attribute on `func.func` argument/result dictionaries that keeps a model's tensor
/// names (ONNX input and output names) through the pipeline.
pub const NAME_ATTR: &str = "strata.name";

impl Module {
    pub fn new() -> Self {
        Module {
            ops: Vec::new(),
            values: Vec::new(),
            blocks: vec![BlockData::default()],
            regions: Vec::new(),
            body: BlockId(0),
            attrs: BTreeMap::new(),
        }
    }

    /// The attributes of the `builtin.module` itself.
    pub fn attrs(&self) -> &BTreeMap<String, Attribute> {
        &self.attrs
    }

    /// The module's attributes, to change.
    pub fn attrs_mut(&mut self) -> &mut BTreeMap<String, Attribute> {
        &mut self.attrs
    }

    /// The block holding the module's top-level operations.
    pub fn body(&self) -> BlockId {
        self.body
    }

    pub fn op(&self, op: OpId) -> &OpData {
        &self.ops[op.index()]
    }

    pub fn op_mut(&mut self, op: OpId) -> &mut OpData {
        &mut self.ops[op.index()]
    }

    pub fn value(&self, v: ValueId) -> &ValueData {
        &self.values[v.index()]
    }

    pub fn value_type(&self, v: ValueId) -> &Type {
        &self.values[v.index()].ty
    }

    /// The tensor type of a value, or an error naming the value's kind of type.
    pub fn tensor_type(&self, v: ValueId) -> Result<&TensorType, crate::IrError> {
        match self.value_type(v) {
            Type::Tensor(t) => Ok(t),
            other => Err(format!("expected a tensor value, got a value of type {other}").into()),
        }
    }

    pub fn block(&self, b: BlockId) -> &BlockData {
        &self.blocks[b.index()]
    }

    pub fn region(&self, r: RegionId) -> &RegionData {
        &self.regions[r.index()]
    }

    pub fn num_values(&self) -> usize {
        self.values.len()
    }

    pub fn num_ops(&self) -> usize {
        self.ops.len()
    }

    /// Creates a detached region owned by nobody yet.
    pub fn new_region(&mut self) -> RegionId {
        self.regions.push(RegionData::default());
        RegionId(self.regions.len() as u32 - 1)
    }

    /// Appends a block with arguments of the given types to `region`.
    pub fn append_block(&mut self, region: RegionId, arg_types: &[Type]) -> BlockId {
        let block = BlockId(self.blocks.len() as u32);
        let args = arg_types
            .iter()
            .enumerate()
            .map(|(i, ty)| {
                self.new_value(
                    ty.clone(),
                    ValueDef::BlockArg {
                        block,
                        index: i as u32,
                    },
                )
            })
            .collect();
        self.blocks.push(BlockData {
            args,
            ops: Vec::new(),
            parent: Some(region),
        });
        self.regions[region.index()].blocks.push(block);
        block
    }

    fn new_value(&mut self, ty: Type, def: ValueDef) -> ValueId {
        self.values.push(ValueData { ty, def });
        ValueId(self.values.len() as u32 - 1)
    }

    /// Creates an operation (not yet in any block) with results of the given types.
    pub fn create_op(&mut self, spec: OpSpec) -> OpId {
        let op = OpId(self.ops.len() as u32);
        let results = spec
            .result_types
            .into_iter()
            .enumerate()
            .map(|(i, ty)| {
                self.new_value(
                    ty,
                    ValueDef::OpResult {
                        op,
                        index: i as u32,
                    },
                )
            })
            .collect();
        for &r in &spec.regions {
            self.regions[r.index()].parent = Some(op);
        }
        self.ops.push(OpData {
            name: spec.name,
            operands: spec.operands.into_iter().collect(),
            results,
            attrs: spec.attrs,
            regions: spec.regions.into_iter().collect(),
            loc: spec.loc,
            parent: None,
            source_pos: None,
        });
        op
    }

    /// Creates an operation and appends it to the end of `block`.
    pub fn append_op(&mut self, block: BlockId, spec: OpSpec) -> OpId {
        let op = self.create_op(spec);
        self.ops[op.index()].parent = Some(block);
        self.blocks[block.index()].ops.push(op);
        op
    }

    /// Appends an existing, detached operation to the end of `block`.
    pub fn push_op(&mut self, block: BlockId, op: OpId) {
        self.ops[op.index()].parent = Some(block);
        self.blocks[block.index()].ops.push(op);
    }

    /// The results of `op`.
    pub fn results(&self, op: OpId) -> &[ValueId] {
        &self.ops[op.index()].results
    }

    /// The single result of `op` (panics if it has none; callers create the op themselves).
    pub fn result(&self, op: OpId) -> ValueId {
        self.ops[op.index()].results[0]
    }

    /// The elements of the `graph.constant` that defines `v`, if one does (weights a
    /// pass can read, repack or narrow at compile time).
    pub fn constant_value(&self, v: ValueId) -> Option<&crate::Tensor> {
        let ValueDef::OpResult { op, .. } = self.value(v).def else {
            return None;
        };
        match self.op(op).attrs.get("value") {
            Some(Attribute::Dense(t)) if self.op(op).name == ops::GRAPH_CONSTANT => Some(t),
            _ => None,
        }
    }

    /// A new `graph.constant` holding `t`, inserted into `block` just before `before`;
    /// returns its value.
    pub fn constant_before(&mut self, block: BlockId, before: OpId, t: crate::Tensor) -> ValueId {
        let ty = t.ty();
        let op = self.create_op(
            OpSpec::new(ops::GRAPH_CONSTANT)
                .results([Type::Tensor(ty)])
                .attr("value", Attribute::Dense(t)),
        );
        self.insert_op_before(block, before, op);
        self.result(op)
    }

    /// The function operations in the module body, in order.
    pub fn functions(&self) -> impl Iterator<Item = Function> + '_ {
        self.block(self.body)
            .ops
            .iter()
            .copied()
            .filter(|&op| self.op(op).name == ops::FUNC_FUNC)
            .map(Function)
    }

    /// Finds a function by symbol name.
    pub fn function(&self, name: &str) -> Option<Function> {
        self.functions().find(|f| f.name(self) == name)
    }

    /// Adds `func.func @name` with named arguments; returns the function and its entry block.
    /// Finish it with [`Module::set_return`].
    pub fn add_function(
        &mut self,
        name: &str,
        inputs: &[(String, TensorType)],
    ) -> (Function, BlockId) {
        let typed: Vec<(String, Type)> = inputs
            .iter()
            .map(|(n, t)| (n.clone(), Type::Tensor(t.clone())))
            .collect();
        self.add_function_of_types(name, &typed)
    }

    /// [`Module::add_function`] for arguments of any type (buffers, for host programs).
    pub fn add_function_of_types(
        &mut self,
        name: &str,
        inputs: &[(String, Type)],
    ) -> (Function, BlockId) {
        let region = self.new_region();
        let arg_types: Vec<Type> = inputs.iter().map(|(_, t)| t.clone()).collect();
        let entry = self.append_block(region, &arg_types);
        let mut attrs = BTreeMap::new();
        attrs.insert("sym_name".to_string(), Attribute::String(name.to_string()));
        attrs.insert(
            "function_type".to_string(),
            Attribute::Type(Type::Function(FunctionType {
                inputs: arg_types,
                results: vec![],
            })),
        );
        attrs.insert(
            "arg_attrs".to_string(),
            name_dicts(inputs.iter().map(|(n, _)| n.as_str())),
        );
        let op = self.append_op(
            self.body,
            OpSpec {
                attrs,
                regions: vec![region],
                ..OpSpec::new(crate::ops::FUNC_FUNC)
            },
        );
        (Function(op), entry)
    }

    /// Ends `func` with `func.return` of `values`, naming the results, and updates its type.
    pub fn set_return(&mut self, func: Function, values: &[(String, ValueId)]) {
        let block = func.entry_block(self);
        let operands: Vec<ValueId> = values.iter().map(|(_, v)| *v).collect();
        let results: Vec<Type> = operands
            .iter()
            .map(|v| self.value_type(*v).clone())
            .collect();
        self.append_op(
            block,
            OpSpec {
                operands,
                ..OpSpec::new(crate::ops::FUNC_RETURN)
            },
        );
        let attrs = &mut self.ops[func.0.index()].attrs;
        if let Some(Attribute::Type(Type::Function(ft))) = attrs.get_mut("function_type") {
            ft.results = results;
        }
        attrs.insert(
            "res_attrs".to_string(),
            name_dicts(values.iter().map(|(n, _)| n.as_str())),
        );
    }

    /// Changes the type of value `v` (for passes that retype in place, such as
    /// vectorization); the caller keeps the IR consistent.
    pub fn set_value_type(&mut self, v: ValueId, ty: Type) {
        self.values[v.index()].ty = ty;
    }

    /// Reorders `block`'s arguments: the new argument `i` is the old one at `order[i]`
    /// (a permutation of the argument positions). The caller reorders whatever binds
    /// them (an op's operands, for a `kernel.generic` body) the same way.
    pub fn permute_block_args(&mut self, block: BlockId, order: &[usize]) {
        let old = self.blocks[block.index()].args.clone();
        let args: Vec<ValueId> = order.iter().map(|&i| old[i]).collect();
        for (i, &v) in args.iter().enumerate() {
            self.values[v.index()].def = ValueDef::BlockArg {
                block,
                index: i as u32,
            };
        }
        self.blocks[block.index()].args = args;
    }

    /// Makes every use of `from` a use of `to`.
    pub fn replace_all_uses(&mut self, from: ValueId, to: ValueId) {
        for op in &mut self.ops {
            for v in op.operands.iter_mut() {
                if *v == from {
                    *v = to;
                }
            }
        }
    }

    /// Inserts a detached operation into `block` just before `before`.
    pub fn insert_op_before(&mut self, block: BlockId, before: OpId, op: OpId) {
        self.ops[op.index()].parent = Some(block);
        let ops = &mut self.blocks[block.index()].ops;
        let at = ops.iter().position(|&o| o == before).unwrap_or(ops.len());
        ops.insert(at, op);
    }

    /// A detached copy of `op` with its regions, reading `map`'s value where `map` has
    /// one (values defined outside `op` it does not name are read as they are). Every
    /// result and block argument of the copy is entered in `map` for its original.
    pub fn clone_op(
        &mut self,
        op: OpId,
        map: &mut std::collections::HashMap<ValueId, ValueId>,
    ) -> OpId {
        let d = self.ops[op.index()].clone();
        let mut regions = Vec::with_capacity(d.regions.len());
        for &r in &d.regions {
            let copy = self.new_region();
            for b in self.regions[r.index()].blocks.clone() {
                let types: Vec<Type> = self.blocks[b.index()]
                    .args
                    .iter()
                    .map(|&a| self.values[a.index()].ty.clone())
                    .collect();
                let nb = self.append_block(copy, &types);
                for (&old, &new) in self.blocks[b.index()]
                    .args
                    .clone()
                    .iter()
                    .zip(&self.blocks[nb.index()].args.clone())
                {
                    map.insert(old, new);
                }
                for inner in self.blocks[b.index()].ops.clone() {
                    let c = self.clone_op(inner, map);
                    self.push_op(nb, c);
                }
            }
            regions.push(copy);
        }
        let created = self.create_op(OpSpec {
            name: d.name,
            operands: d
                .operands
                .iter()
                .map(|v| map.get(v).copied().unwrap_or(*v))
                .collect(),
            result_types: d
                .results
                .iter()
                .map(|&r| self.values[r.index()].ty.clone())
                .collect(),
            attrs: d.attrs,
            regions,
            loc: d.loc,
        });
        for (&old, &new) in d
            .results
            .iter()
            .zip(&self.ops[created.index()].results.clone())
        {
            map.insert(old, new);
        }
        created
    }

    /// Removes `op` from its block. Its results must have no remaining uses.
    /// Unlinks `op` from its block (it may be inserted again elsewhere).
    pub fn erase_op(&mut self, op: OpId) {
        if let Some(block) = self.ops[op.index()].parent.take() {
            self.blocks[block.index()].ops.retain(|&o| o != op);
        }
    }

    /// Erases `op` for good: its attributes, and those of the ops in its regions, are
    /// dropped, so an erased constant's weights are freed at once unless a clone of the
    /// module shares them.
    pub fn discard_op(&mut self, op: OpId) {
        self.erase_op(op);
        let mut stack = vec![op];
        while let Some(o) = stack.pop() {
            let data = &mut self.ops[o.index()];
            data.attrs.clear();
            for &r in &data.regions {
                for &b in &self.regions[r.index()].blocks {
                    stack.extend(self.blocks[b.index()].ops.iter().copied());
                }
            }
        }
    }
}

fn name_dicts<'a>(names: impl Iterator<Item = &'a str>) -> Attribute {
    Attribute::Array(
        names
            .map(|n| {
                let mut d = BTreeMap::new();
                d.insert(NAME_ATTR.to_string(), Attribute::String(n.to_string()));
                Attribute::Dict(d)
            })
            .collect(),
    )
}

/// Everything needed to create an operation.
#[derive(Clone, Debug)]
pub struct OpSpec {
    pub name: OpName,
    pub operands: Vec<ValueId>,
    pub result_types: Vec<Type>,
    pub attrs: BTreeMap<String, Attribute>,
    pub regions: Vec<RegionId>,
    pub loc: Location,
}

impl OpSpec {
    pub fn new(name: impl Into<OpName>) -> Self {
        OpSpec {
            name: name.into(),
            operands: Vec::new(),
            result_types: Vec::new(),
            attrs: Default::default(),
            regions: Vec::new(),
            loc: Location::Unknown,
        }
    }

    pub fn operands(mut self, operands: impl IntoIterator<Item = ValueId>) -> Self {
        self.operands = operands.into_iter().collect();
        self
    }

    pub fn results(mut self, types: impl IntoIterator<Item = Type>) -> Self {
        self.result_types = types.into_iter().collect();
        self
    }

    pub fn attr(mut self, name: &str, value: Attribute) -> Self {
        self.attrs.insert(name.to_string(), value);
        self
    }

    pub fn loc(mut self, loc: Location) -> Self {
        self.loc = loc;
        self
    }
}

/// A `func.func` operation, viewed as a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Function(pub OpId);

impl Function {
    pub fn name(self, m: &Module) -> &str {
        match m.op(self.0).attrs.get("sym_name") {
            Some(Attribute::String(s)) => s,
            _ => "",
        }
    }

    /// The function's body region (the verifier guarantees there is exactly one).
    pub fn body(self, m: &Module) -> Option<RegionId> {
        m.op(self.0).regions.first().copied()
    }

    /// The entry block. Functions built by [`Module::add_function`] or accepted by the
    /// verifier always have one.
    pub fn entry_block(self, m: &Module) -> BlockId {
        let region = self.body(m).expect("function has a body region");
        m.region(region).blocks[0]
    }

    pub fn arguments(self, m: &Module) -> &[ValueId] {
        &m.block(self.entry_block(m)).args
    }

    /// The `func.return` that ends the entry block, if any.
    pub fn return_op(self, m: &Module) -> Option<OpId> {
        let ops = &m.block(self.entry_block(m)).ops;
        ops.last()
            .copied()
            .filter(|&op| m.op(op).name == ops::FUNC_RETURN)
    }

    /// The returned values.
    pub fn returned_values(self, m: &Module) -> Vec<ValueId> {
        self.return_op(m)
            .map(|op| m.op(op).operands.to_vec())
            .unwrap_or_default()
    }

    fn names(self, m: &Module, attr: &str, count: usize, prefix: &str) -> Vec<String> {
        let dicts = match m.op(self.0).attrs.get(attr) {
            Some(Attribute::Array(items)) => items.as_slice(),
            _ => &[],
        };
        (0..count)
            .map(|i| match dicts.get(i) {
                Some(Attribute::Dict(d)) => match d.get(NAME_ATTR) {
                    Some(Attribute::String(s)) => s.clone(),
                    _ => format!("{prefix}{i}"),
                },
                _ => format!("{prefix}{i}"),
            })
            .collect()
    }

    /// How many arguments are inputs: all of them, except in host programs, whose trailing
    /// arguments are the caller's output buffers.
    pub fn num_inputs(self, m: &Module) -> usize {
        let n = self.arguments(m).len();
        match m.op(self.0).attrs.get(crate::host::NUM_INPUTS_ATTR) {
            Some(Attribute::Int(k)) if *k >= 0 => (*k as usize).min(n),
            _ => n,
        }
    }

    /// Names of the inputs (`strata.name` in `arg_attrs`, else `input<i>`).
    pub fn input_names(self, m: &Module) -> Vec<String> {
        let mut names = self.names(m, "arg_attrs", self.arguments(m).len(), "input");
        names.truncate(self.num_inputs(m));
        names
    }

    /// Names of the outputs (`strata.name` in `res_attrs`, else `output<i>`; for host
    /// programs, the names of the output buffer arguments).
    pub fn output_names(self, m: &Module) -> Vec<String> {
        let n_args = self.arguments(m).len();
        let n_in = self.num_inputs(m);
        if n_in < n_args {
            return self.names(m, "arg_attrs", n_args, "output").split_off(n_in);
        }
        self.names(m, "res_attrs", self.returned_values(m).len(), "output")
    }
}

/// Rewrites one op while rebuilding a function: given the destination module, the block
/// being filled, the source op and its operands (already mapped), returns the values
/// that replace the op's results, or `None` to copy the op unchanged.
pub type OpRewrite<'a> = dyn FnMut(&mut Module, BlockId, &OpData, &[ValueId]) -> Result<Option<Vec<ValueId>>, crate::IrError>
    + 'a;

/// Rebuilds function `f` of `src` into `dst` op by op (keeping its name, input and output
/// names), letting `rewrite` replace ops. Ops must be flat (no regions); this is how
/// passes that turn one program into another (lowering, copying) walk a function.
pub fn rebuild_function(
    src: &Module,
    f: Function,
    dst: &mut Module,
    rewrite: &mut OpRewrite,
) -> Result<Function, crate::IrError> {
    let inputs: Vec<(String, TensorType)> = f
        .input_names(src)
        .into_iter()
        .zip(
            f.arguments(src)
                .iter()
                .map(|&a| src.tensor_type(a).cloned()),
        )
        .map(|(n, t)| t.map(|t| (n, t)))
        .collect::<Result<_, _>>()?;
    let (func, block) = dst.add_function(f.name(src), &inputs);
    let mut map: std::collections::HashMap<ValueId, ValueId> = f
        .arguments(src)
        .iter()
        .copied()
        .zip(func.arguments(dst).to_vec())
        .collect();
    let mut returned = Vec::new();
    for &op in &src.block(f.entry_block(src)).ops {
        let d = src.op(op);
        let operands = d
            .operands
            .iter()
            .map(|v| {
                map.get(v).copied().ok_or_else(|| {
                    format!("'{}' uses a value defined outside the function", d.name)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if d.name == ops::FUNC_RETURN {
            returned = operands;
            continue;
        }
        if !d.regions.is_empty() {
            return Err(format!("cannot rebuild '{}', which has regions", d.name).into());
        }
        let results = match rewrite(dst, block, d, &operands)? {
            Some(values) => values,
            None => {
                let created = dst.append_op(
                    block,
                    OpSpec {
                        name: d.name,
                        operands,
                        result_types: d
                            .results
                            .iter()
                            .map(|&r| src.value_type(r).clone())
                            .collect(),
                        attrs: d.attrs.clone(),
                        regions: vec![],
                        loc: d.loc.clone(),
                    },
                );
                dst.results(created).to_vec()
            }
        };
        if results.len() != d.results.len() {
            return Err(format!(
                "rewriting '{}' gave {} values for {} results",
                d.name,
                results.len(),
                d.results.len()
            )
            .into());
        }
        for (&old, &new) in d.results.iter().zip(&results) {
            map.insert(old, new);
        }
    }
    let named: Vec<(String, ValueId)> = f.output_names(src).into_iter().zip(returned).collect();
    dst.set_return(func, &named);
    Ok(func)
}
