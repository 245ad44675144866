//! The pass API: a [`Pass`] transforms a module in place; a [`Registry`] knows passes by
//! name and builds them from pipeline text (`tile,lower-to-loops,unroll{factor=4}`); a
//! [`Pipeline`] runs them in order, verifying the module at every boundary, timing each
//! pass and optionally keeping the IR after each one.
//!
//! The registry is open: a crate outside `strata-passes` adds its own passes
//! ([`Registry::register`]) and they compose with the built-in ones in one pipeline
//! string.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};
use strata_ir::target::Target;
use strata_ir::Module;

/// A pass failed, or could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassError {
    /// The pass, as spelled in the pipeline (empty for errors in the pipeline text).
    pub pass: String,
    /// The op at fault, when there is one (`kernel.generic`).
    pub op: Option<String>,
    /// Where that op came from (an ONNX node, a line of IR text).
    pub location: Option<String>,
    pub message: String,
}

impl PassError {
    /// An error of `pass` with no op to point at.
    pub fn new(pass: impl Into<String>, message: impl Into<String>) -> PassError {
        PassError {
            pass: pass.into(),
            op: None,
            location: None,
            message: message.into(),
        }
    }

    /// An error about pipeline text rather than a pass run.
    pub fn pipeline(message: impl Into<String>) -> PassError {
        PassError::new("", message)
    }

    /// This error about op `op` of `m`.
    pub fn at(mut self, m: &Module, op: strata_ir::OpId) -> PassError {
        self.op = Some(m.op(op).name.to_string());
        self.location = Some(strata_ir::verify::op_location(m, op));
        self
    }
}

impl fmt::Display for PassError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.pass.is_empty() {
            write!(f, "pass '{}': ", self.pass)?;
        }
        if let Some(l) = &self.location {
            write!(f, "{l}: ")?;
        }
        if let Some(op) = &self.op {
            write!(f, "'{op}': ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for PassError {}

impl From<String> for PassError {
    /// An error of the pass that is running (the pipeline names it).
    fn from(message: String) -> PassError {
        PassError::new("", message)
    }
}

impl From<&str> for PassError {
    fn from(message: &str) -> PassError {
        PassError::new("", message)
    }
}

impl From<strata_ir::IrError> for PassError {
    fn from(e: strata_ir::IrError) -> PassError {
        PassError {
            pass: String::new(),
            op: e.op,
            location: e.location,
            message: e.message,
        }
    }
}

impl From<PassError> for String {
    /// For callers at the edge that report text.
    fn from(e: PassError) -> String {
        e.to_string()
    }
}

/// What a pass did, as named counts (`kernels staged`, `loops vectorized`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats(pub BTreeMap<String, usize>);

impl Stats {
    /// Stats with one count.
    pub fn one(name: &str, count: usize) -> Stats {
        let mut s = Stats::default();
        s.0.insert(name.into(), count);
        s
    }
}

/// A transformation of a module.
///
/// `run` may assume its input verifies: the [`Pipeline`] checks the module before the
/// first pass and after each one, so each boundary is verified once.
pub trait Pass {
    /// The pass as written in a pipeline string, with its options.
    fn spelling(&self) -> String;
    /// Transforms `m`. On error, `m` may be left partly transformed.
    fn run(&self, m: &mut Module) -> Result<Stats, PassError>;
}

/// A pass's options as given in pipeline text (`{key=value,...}`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options(pub Vec<(String, String)>);

impl Options {
    /// The value of `key`, if given.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `key` parsed as a number, if given.
    pub fn number(&self, key: &str) -> Result<Option<usize>, crate::pass::PassError> {
        Ok(self
            .get(key)
            .map(|v| {
                v.parse()
                    .map_err(|_| format!("option '{key}' takes a number, not '{v}'"))
            })
            .transpose()?)
    }
}

/// How a registry knows a pass.
#[derive(Clone)]
pub struct PassInfo {
    /// The name pipelines spell it by.
    pub name: &'static str,
    /// One line: what it does.
    pub description: &'static str,
    /// The options it takes and what each means; `None` when it takes any (the
    /// `target` pass takes the fields of a target description).
    pub options: Option<&'static [(&'static str, &'static str)]>,
    /// Builds the pass from its options (already checked against `options`).
    pub create: fn(&Options) -> Result<Box<dyn Pass>, crate::pass::PassError>,
}

/// The passes a pipeline string may name.
#[derive(Clone, Default)]
pub struct Registry {
    passes: Vec<PassInfo>,
}

impl Registry {
    /// A registry with no passes.
    pub fn empty() -> Registry {
        Registry::default()
    }

    /// A registry with every built-in pass of `strata-passes`.
    pub fn builtin() -> Registry {
        let mut r = Registry::empty();
        for info in crate::pipeline::builtin_passes() {
            // The built-in names are distinct.
            let _ = r.register(info);
        }
        r
    }

    /// Adds a pass; its name must be new.
    pub fn register(&mut self, info: PassInfo) -> Result<(), crate::pass::PassError> {
        if self.get(info.name).is_some() {
            return Err(format!("a pass named '{}' is already registered", info.name).into());
        }
        self.passes.push(info);
        Ok(())
    }

    /// The pass called `name`.
    pub fn get(&self, name: &str) -> Option<&PassInfo> {
        self.passes.iter().find(|p| p.name == name)
    }

    /// Every registered pass, in registration order.
    pub fn passes(&self) -> &[PassInfo] {
        &self.passes
    }

    /// Builds the pipeline a string names: passes separated by commas, each with
    /// optional `{key=value,...}` options. Errors name the pass or option at fault.
    pub fn parse(&self, text: &str) -> Result<Pipeline, PassError> {
        let mut passes = Vec::new();
        for part in split_top_level(text).into_iter().map(str::trim) {
            if part.is_empty() {
                return Err(PassError::pipeline(format!(
                    "empty pass in pipeline '{text}'"
                )));
            }
            let (name, body) = match part.split_once('{') {
                Some((n, rest)) => {
                    let body = rest.strip_suffix('}').ok_or_else(|| {
                        PassError::pipeline(format!("unclosed options in '{part}'"))
                    })?;
                    (n.trim(), Some(body))
                }
                None => (part, None),
            };
            let info = self.get(name).ok_or_else(|| {
                PassError::pipeline(format!(
                    "unknown pass '{name}' ({})",
                    self.passes
                        .iter()
                        .map(|p| p.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            let mut options = Options::default();
            for kv in body
                .into_iter()
                .flat_map(|b| b.split(','))
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                let (k, v) = kv.split_once('=').ok_or_else(|| {
                    PassError::pipeline(format!("option '{kv}' of '{name}' must be key=value"))
                })?;
                let k = k.trim();
                if let Some(known) = info.options {
                    if !known.iter().any(|(o, _)| *o == k) {
                        let hint = if k == "target" {
                            " (the target is set once for the whole pipeline: \
                             --target, or a leading target{kind=..})"
                        } else {
                            ""
                        };
                        return Err(PassError::pipeline(if known.is_empty() {
                            format!("pass '{name}' takes no options, not '{k}'{hint}")
                        } else {
                            format!(
                                "unknown option '{k}' of pass '{name}' (it takes: {}){hint}",
                                known.iter().map(|(o, _)| *o).collect::<Vec<_>>().join(", ")
                            )
                        }));
                    }
                }
                options.0.push((k.to_string(), v.trim().to_string()));
            }
            passes.push((info.create)(&options).map_err(|e| PassError::new(name, e))?);
        }
        Ok(Pipeline { passes })
    }
}

/// Splits at commas that are not inside braces.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Passes to run in order.
#[derive(Default)]
pub struct Pipeline {
    passes: Vec<Box<dyn Pass>>,
}

/// What running a pipeline did.
#[derive(Clone, Debug, Default)]
pub struct PipelineReport {
    /// Each pass's spelling and run time.
    pub timings: Vec<(String, Duration)>,
    /// Each pass's spelling and stats.
    pub stats: Vec<(String, Stats)>,
    /// The IR after each pass, when asked for.
    pub ir_after: Vec<(String, String)>,
}

impl Pipeline {
    /// A pipeline of these passes.
    pub fn new(passes: Vec<Box<dyn Pass>>) -> Pipeline {
        Pipeline { passes }
    }

    /// The passes.
    pub fn passes(&self) -> &[Box<dyn Pass>] {
        &self.passes
    }

    /// The pipeline as text (parses back to the same passes).
    pub fn spelling(&self) -> String {
        self.passes
            .iter()
            .map(|p| p.spelling())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Runs every pass on `m` in order, verifying before the first and after each;
    /// keeps the IR after each pass if `print_ir_after_all`.
    pub fn run(
        &self,
        m: &mut Module,
        print_ir_after_all: bool,
    ) -> Result<PipelineReport, PassError> {
        strata_ir::verify_module(m)
            .map_err(|e| PassError::pipeline(format!("the input does not verify: {e}")))?;
        let mut report = PipelineReport::default();
        for pass in &self.passes {
            let name = pass.spelling();
            let start = Instant::now();
            let stats = crate::in_pipeline(|| pass.run(m)).map_err(|mut e| {
                if e.pass.is_empty() {
                    e.pass = name.clone();
                }
                e
            })?;
            report.timings.push((name.clone(), start.elapsed()));
            strata_ir::verify_module(m)
                .map_err(|e| PassError::new(&name, format!("its output does not verify: {e}")))?;
            if print_ir_after_all {
                report
                    .ir_after
                    .push((name.clone(), strata_ir::print_module(m)));
            }
            report.stats.push((name, stats));
        }
        Ok(report)
    }
}

/// The target description a pass needs: the module's.
pub fn module_target(m: &Module, pass: &str) -> Result<Target, PassError> {
    strata_ir::target::target_of(m)
        .map_err(|e| PassError::new(pass, e))?
        .ok_or_else(|| {
            PassError::new(
                pass,
                "the module has no target description: give one with --target, or begin \
                 the pipeline with target{kind=cpu|vulkan|systolic}",
            )
        })
}
