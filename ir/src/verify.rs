//! The dialect registry and the module verifier.
//!
//! Each dialect registers its operations with a verifier. The module verifier walks every
//! operation, checks structure (known op, operand/result/region shape) and runs the op's
//! own verifier, collecting every problem rather than stopping at the first one. Each
//! diagnostic names the op and where it came from (its `loc`, else its line in the text).

use crate::attr::Attribute;
use crate::module::{Location, Module, OpId};
use crate::ops;
use crate::ops::OpName;
use crate::types::Type;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// Checks one operation; returns a message describing what is wrong.
pub type VerifyFn = fn(&Module, OpId) -> Result<(), crate::IrError>;

/// Infers an op's result types from its operand types, attributes and result count.
pub type InferTypesFn =
    fn(OpName, &[Type], &BTreeMap<String, Attribute>, usize) -> Result<Vec<Type>, crate::IrError>;

/// An operation a dialect defines.
#[derive(Clone, Copy)]
pub struct OpDefinition {
    pub name: OpName,
    pub verify: VerifyFn,
    /// Result-type inference, for ops whose results follow from operands and attributes.
    pub infer: Option<InferTypesFn>,
}

/// The operations known to the verifier, by qualified name.
#[derive(Clone, Default)]
pub struct DialectRegistry {
    ops: HashMap<OpName, OpDefinition>,
}

impl DialectRegistry {
    pub fn empty() -> Self {
        Self::default()
    }

    /// The builtin `func` dialect plus every dialect of the compiler.
    pub fn with_all_dialects() -> Self {
        let mut r = Self::empty();
        r.register(OpDefinition {
            name: ops::FUNC_FUNC,
            verify: verify_func,
            infer: None,
        });
        r.register(OpDefinition {
            name: ops::FUNC_RETURN,
            verify: verify_return,
            infer: None,
        });
        crate::graph::register(&mut r);
        crate::kernel::register(&mut r);
        crate::loops::register(&mut r);
        crate::host::register(&mut r);
        crate::control::register(&mut r);
        r
    }

    pub fn register(&mut self, def: OpDefinition) {
        self.ops.insert(def.name, def);
    }

    pub fn get(&self, name: OpName) -> Option<&OpDefinition> {
        self.ops.get(&name)
    }

    pub fn op_names(&self) -> impl Iterator<Item = OpName> + '_ {
        self.ops.keys().copied()
    }

    /// The result types of op `name` for these operands and attributes, so passes can
    /// create ops without computing types themselves.
    pub fn infer_result_types(
        &self,
        name: impl Into<OpName>,
        operands: &[Type],
        attrs: &BTreeMap<String, Attribute>,
        num_results: usize,
    ) -> Result<Vec<Type>, crate::IrError> {
        let name = name.into();
        let def = self
            .get(name)
            .ok_or_else(|| format!("unknown operation '{name}'"))?;
        let infer = def
            .infer
            .ok_or_else(|| format!("'{name}' does not infer its result types"))?;
        infer(name, operands, attrs, num_results)
    }
}

/// One problem found by the verifier.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub op_name: String,
    /// Where the op came from: its location, else its position in parsed text.
    pub location: String,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: '{}': {}", self.location, self.op_name, self.message)
    }
}

/// Every problem found in a module.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifyError {
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "module failed to verify ({} problem",
            self.diagnostics.len()
        )?;
        if self.diagnostics.len() != 1 {
            f.write_str("s")?;
        }
        f.write_str("):")?;
        for d in &self.diagnostics {
            write!(f, "\n  {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for VerifyError {}

/// Describes where `op` is, for diagnostics.
pub fn op_location(m: &Module, op: OpId) -> String {
    let data = m.op(op);
    match (&data.loc, data.source_pos) {
        (Location::Unknown, Some(p)) => format!("line {}:{}", p.line, p.col),
        (Location::Unknown, None) => format!("op #{}", op.0),
        (loc, _) => loc.to_string(),
    }
}

/// Verifies every operation of the module against `registry`.
pub fn verify_module_with(m: &Module, registry: &DialectRegistry) -> Result<(), VerifyError> {
    let mut diagnostics = Vec::new();
    // The target description is read by passes and back ends long after parsing: a bad
    // one is reported here, with the rest of what is wrong, not by the first reader.
    if let Err(e) = crate::target::target_of(m) {
        diagnostics.push(Diagnostic {
            op_name: ops::BUILTIN_MODULE.to_string(),
            location: "module".into(),
            message: e.message,
        });
    }
    let mut stack: Vec<OpId> = m.block(m.body()).ops.iter().rev().copied().collect();
    while let Some(op) = stack.pop() {
        let data = m.op(op);
        let result = match registry.get(data.name) {
            None => Err(format!("unknown operation '{}'", data.name).into()),
            Some(def) => (def.verify)(m, op),
        };
        if let Err(e) = result {
            diagnostics.push(Diagnostic {
                op_name: data.name.to_string(),
                location: op_location(m, op),
                message: e.message,
            });
        }
        for &r in data.regions.iter().rev() {
            for &b in m.region(r).blocks.iter().rev() {
                stack.extend(m.block(b).ops.iter().rev().copied());
            }
        }
    }
    if diagnostics.is_empty() {
        Ok(())
    } else {
        Err(VerifyError { diagnostics })
    }
}

/// Verifies a module against all of the compiler's dialects.
pub fn verify_module(m: &Module) -> Result<(), VerifyError> {
    verify_module_with(m, &DialectRegistry::with_all_dialects())
}

fn verify_func(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let data = m.op(op);
    if m.block(m.body()).ops.iter().all(|&o| o != op) {
        return Err("func.func must be at the top level of the module".into());
    }
    match data.attrs.get("sym_name") {
        Some(Attribute::String(s)) if !s.is_empty() => {}
        _ => return Err("missing string attribute 'sym_name'".into()),
    }
    let ft = match data.attrs.get("function_type") {
        Some(Attribute::Type(Type::Function(ft))) => ft,
        _ => return Err("missing function type attribute 'function_type'".into()),
    };
    if !data.operands.is_empty() || !data.results.is_empty() {
        return Err("func.func takes no operands and has no results".into());
    }
    let [region] = data.regions.as_slice() else {
        return Err(format!("expected 1 region, found {}", data.regions.len()).into());
    };
    let blocks = &m.region(*region).blocks;
    if blocks.len() != 1 {
        return Err(format!(
            "function bodies have exactly one block here, found {}",
            blocks.len()
        )
        .into());
    }
    let entry = m.block(blocks[0]);
    let arg_types: Vec<&Type> = entry.args.iter().map(|&a| m.value_type(a)).collect();
    if arg_types.len() != ft.inputs.len() || arg_types.iter().zip(&ft.inputs).any(|(a, b)| *a != b)
    {
        return Err("entry block arguments do not match the function type's inputs".into());
    }
    for (attr, count) in [
        ("arg_attrs", ft.inputs.len()),
        ("res_attrs", ft.results.len()),
    ] {
        match data.attrs.get(attr) {
            None => {}
            Some(Attribute::Array(items))
                if items.len() == count
                    && items.iter().all(|i| matches!(i, Attribute::Dict(_))) => {}
            Some(_) => {
                return Err(format!("'{attr}' must be an array of {count} dictionaries").into())
            }
        }
    }
    let Some(&last) = entry.ops.last() else {
        return Err("function body must end with func.return".into());
    };
    if m.op(last).name != ops::FUNC_RETURN {
        return Err("function body must end with func.return".into());
    }
    let returned: Vec<&Type> = m
        .op(last)
        .operands
        .iter()
        .map(|&v| m.value_type(v))
        .collect();
    if returned.len() != ft.results.len() || returned.iter().zip(&ft.results).any(|(a, b)| *a != b)
    {
        return Err("func.return operands do not match the function type's results".into());
    }
    Ok(())
}

fn verify_return(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let data = m.op(op);
    if !data.results.is_empty() || !data.regions.is_empty() {
        return Err("func.return has no results and no regions".into());
    }
    let Some(block) = data.parent else {
        return Err("func.return is not inside a block".into());
    };
    if m.block(block).ops.last() != Some(&op) {
        return Err("func.return must be the last operation of its block".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ElementType, TensorType};

    #[test]
    fn the_registry_infers_graph_result_types() {
        let r = DialectRegistry::with_all_dialects();
        let t = |dims: Vec<usize>| Type::Tensor(TensorType::new(dims, ElementType::F32));
        let types = r
            .infer_result_types(
                "graph.matmul",
                &[t(vec![2, 3]), t(vec![3, 5])],
                &BTreeMap::new(),
                1,
            )
            .unwrap();
        assert_eq!(types, vec![t(vec![2, 5])]);
        assert!(r
            .infer_result_types(
                "graph.matmul",
                &[t(vec![2, 3]), t(vec![4, 5])],
                &BTreeMap::new(),
                1
            )
            .is_err());
        assert!(r
            .infer_result_types("func.return", &[], &BTreeMap::new(), 0)
            .is_err());
        assert!(r
            .infer_result_types("nope.op", &[], &BTreeMap::new(), 0)
            .is_err());
    }
}
