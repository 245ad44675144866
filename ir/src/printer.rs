//! Prints a module in MLIR's generic operation syntax.
//!
//! ```text
//! "builtin.module"() ({
//!   "func.func"() ({
//!   ^bb0(%arg0: tensor<2xf32>):
//!     %0 = "graph.relu"(%arg0) : (tensor<2xf32>) -> tensor<2xf32> loc("relu")
//!     "func.return"(%0) : (tensor<2xf32>) -> ()
//!   }) {function_type = (tensor<2xf32>) -> tensor<2xf32>, sym_name = "main"} : () -> ()
//! }) : () -> ()
//! ```
//!
//! Values are numbered afresh in each top-level operation: block arguments `%argN`, op
//! results `%N` (`%N:k` for k results, used as `%N#i`). The output is deterministic, so
//! print → parse → print is byte-identical.

use crate::attr::write_dict;
use crate::module::{BlockId, Location, Module, OpId, RegionId, ValueDef, ValueId};
use std::collections::HashMap;
use std::fmt::{self, Write};

/// Prints one top-level operation (a function, a kernel) as [`print_module`] would,
/// values numbered from zero: two ops that print the same compute the same.
pub fn print_top_level_op(m: &Module, op: OpId) -> String {
    let mut out = String::new();
    Printer {
        m,
        names: HashMap::new(),
        next_result: 0,
        next_arg: 0,
        out: &mut out,
    }
    .op(op, 0);
    out
}

/// Prints the whole module.
pub fn print_module(m: &Module) -> String {
    let mut out = String::from("\"builtin.module\"() ({\n");
    for &op in &m.block(m.body()).ops {
        let mut p = Printer {
            m,
            names: HashMap::new(),
            next_result: 0,
            next_arg: 0,
            out: &mut out,
        };
        p.op(op, 1);
    }
    out.push_str("})");
    if !m.attrs().is_empty() {
        let _ = write!(out, " {}", DictDisplay(m.attrs()));
    }
    out.push_str(" : () -> ()\n");
    out
}

struct Printer<'a> {
    m: &'a Module,
    names: HashMap<ValueId, String>,
    next_result: usize,
    next_arg: usize,
    out: &'a mut String,
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

impl Printer<'_> {
    fn value_name(&self, v: ValueId) -> String {
        self.names
            .get(&v)
            .cloned()
            .unwrap_or_else(|| format!("%<undefined {}>", v.0))
    }

    fn op(&mut self, op: OpId, depth: usize) {
        let data = self.m.op(op);
        indent(self.out, depth);
        match data.results.len() {
            0 => {}
            1 => {
                let name = format!("%{}", self.next_result);
                self.next_result += 1;
                let _ = write!(self.out, "{name} = ");
                self.names.insert(data.results[0], name);
            }
            n => {
                let group = self.next_result;
                self.next_result += 1;
                let _ = write!(self.out, "%{group}:{n} = ");
                for (i, &r) in data.results.iter().enumerate() {
                    self.names.insert(r, format!("%{group}#{i}"));
                }
            }
        }
        let _ = write!(self.out, "\"{}\"(", data.name);
        for (i, &v) in data.operands.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            let name = self.value_name(v);
            self.out.push_str(&name);
        }
        self.out.push(')');
        if !data.regions.is_empty() {
            self.out.push_str(" (");
            for (i, &r) in data.regions.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.region(r, depth);
            }
            self.out.push(')');
        }
        if !data.attrs.is_empty() {
            let _ = write!(self.out, " {}", DictDisplay(&data.attrs));
        }
        self.out.push_str(" : (");
        for (i, &v) in data.operands.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            let _ = write!(self.out, "{}", self.m.value_type(v));
        }
        self.out.push_str(") -> ");
        match data.results.as_slice() {
            [single] => {
                let _ = write!(self.out, "{}", self.m.value_type(*single));
            }
            results => {
                self.out.push('(');
                for (i, &v) in results.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    let _ = write!(self.out, "{}", self.m.value_type(v));
                }
                self.out.push(')');
            }
        }
        match &data.loc {
            Location::Unknown => {}
            Location::Name(n) => {
                let _ = write!(
                    self.out,
                    " loc({})",
                    crate::attr::Attribute::String(n.clone())
                );
            }
            Location::FileLineCol { file, line, col } => {
                let _ = write!(
                    self.out,
                    " loc({}:{line}:{col})",
                    crate::attr::Attribute::String(file.clone())
                );
            }
        }
        self.out.push('\n');
    }

    fn region(&mut self, r: RegionId, depth: usize) {
        self.out.push_str("{\n");
        let blocks = &self.m.region(r).blocks;
        for (i, &b) in blocks.iter().enumerate() {
            self.block(b, i, depth);
        }
        indent(self.out, depth);
        self.out.push('}');
    }

    fn block(&mut self, b: BlockId, index: usize, depth: usize) {
        let data = self.m.block(b);
        if index > 0 || !data.args.is_empty() {
            indent(self.out, depth);
            let _ = write!(self.out, "^bb{index}");
            if !data.args.is_empty() {
                self.out.push('(');
                for (i, &a) in data.args.iter().enumerate() {
                    debug_assert!(matches!(self.m.value(a).def, ValueDef::BlockArg { .. }));
                    let name = format!("%arg{}", self.next_arg);
                    self.next_arg += 1;
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    let _ = write!(self.out, "{name}: {}", self.m.value_type(a));
                    self.names.insert(a, name);
                }
                self.out.push(')');
            }
            self.out.push_str(":\n");
        }
        for &op in &data.ops {
            self.op(op, depth + 1);
        }
    }
}

struct DictDisplay<'a>(&'a std::collections::BTreeMap<String, crate::attr::Attribute>);

impl fmt::Display for DictDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_dict(f, self.0)
    }
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&print_module(self))
    }
}
