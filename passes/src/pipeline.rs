//! Named passes composed as a pipeline string, MLIR style:
//! `egraph{target=cpu},lower-to-kernel,fuse`.
//!
//! | pass | does |
//! |---|---|
//! | `egraph{target=cpu\|gpu\|systolic,node-limit=N}` | e-graph optimization of graph ops |
//! | `lower-to-kernel` | graph ops to `kernel.generic` where a lowering exists |
//! | `fuse` | inline elementwise kernels into the kernels that read them |
//! | `tile{target=..}` | choose each kernel's schedule: workgroup and cache tiles, loop order |
//! | `lower-to-loops` | kernels to `loop.kernel`s (following their schedules) and `loop.dispatch` |
//! | `stage{target=..}` | copy reused operand tiles into workgroup memory (GPU) |
//! | `vectorize{target=..}` | innermost contiguous parallel loops to vector steps |
//! | `unroll{factor=N\|target=..}` | repeat innermost loop bodies |
//! | `bufferize` | tensors to buffers: a `host` program with a planned arena |
//!
//! The whole way down for the CPU:
//! `egraph{target=cpu},lower-to-kernel,fuse,tile{target=cpu},lower-to-loops,stage{target=cpu},vectorize{target=cpu},unroll{target=cpu},bufferize`
//! ([`FULL_CPU`]; [`full_pipeline`] for any target).
//!
//! Running a pipeline verifies the module after every pass, times every pass, and can
//! print the IR after each one (`--print-ir-after-all`), which is how decisions such as
//! fusion show themselves.

use crate::egraph::{optimize_module, OptimizeOptions, Target};
use std::time::{Duration, Instant};
use strata_ir::Module;

/// The whole pipeline from graph to host program for the CPU.
pub const FULL_CPU: &str = "egraph{target=cpu},lower-to-kernel,fuse,tile{target=cpu},lower-to-loops,stage{target=cpu},vectorize{target=cpu},unroll{target=cpu},bufferize";

/// The whole pipeline from graph to host program for `target`.
pub fn full_pipeline(target: &str) -> String {
    FULL_CPU.replace("cpu", target)
}

/// One pass with its options.
#[derive(Clone, Debug, PartialEq)]
pub enum Pass {
    Egraph {
        target: Target,
        node_limit: Option<usize>,
    },
    LowerToKernel,
    Fuse,
    LowerToLoops,
    Bufferize,
    Tile(Target),
    Stage(Target),
    Vectorize(Target),
    Unroll(usize),
}

impl Pass {
    /// The pass as written in a pipeline string.
    pub fn spelling(&self) -> String {
        match self {
            Pass::Egraph { target, node_limit } => match node_limit {
                Some(n) => format!("egraph{{target={},node-limit={n}}}", target.name),
                None => format!("egraph{{target={}}}", target.name),
            },
            Pass::LowerToKernel => "lower-to-kernel".into(),
            Pass::Fuse => "fuse".into(),
            Pass::LowerToLoops => "lower-to-loops".into(),
            Pass::Bufferize => "bufferize".into(),
            Pass::Tile(t) => format!("tile{{target={}}}", t.name),
            Pass::Stage(t) => format!("stage{{target={}}}", t.name),
            Pass::Vectorize(t) => format!("vectorize{{target={}}}", t.name),
            Pass::Unroll(n) => format!("unroll{{factor={n}}}"),
        }
    }

    /// Runs the pass.
    pub fn run(&self, m: &Module) -> Result<Module, String> {
        match self {
            Pass::Egraph { target, node_limit } => {
                let mut options = OptimizeOptions::for_target(target.clone());
                if let Some(n) = node_limit {
                    options.node_limit = *n;
                }
                optimize_module(m, &options).map(|(m, _)| m)
            }
            Pass::LowerToKernel => crate::lower::lower_graph_to_kernel(m),
            Pass::Fuse => {
                let mut out = m.clone();
                crate::kernel::fuse_elementwise_producers(&mut out)?;
                Ok(out)
            }
            Pass::LowerToLoops => crate::lower::lower_kernels_to_loops(m),
            Pass::Bufferize => crate::bufferize::bufferize(m).map(|(m, _)| m),
            Pass::Tile(t) => crate::loops::tile(m, &t.loops),
            Pass::Stage(t) => crate::stage::stage(m, &t.loops).map(|(m, _)| m),
            Pass::Vectorize(t) => crate::loops::vectorize(m, &t.loops).map(|(m, _)| m),
            Pass::Unroll(n) => crate::loops::unroll(m, *n).map(|(m, _)| m),
        }
    }
}

/// Splits at commas that are not inside braces.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
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

/// Parses a pipeline string; errors name the pass or option at fault.
pub fn parse_pipeline(text: &str) -> Result<Vec<Pass>, String> {
    let mut passes = Vec::new();
    for part in split_top_level(text).into_iter().map(str::trim) {
        if part.is_empty() {
            return Err(format!("empty pass in pipeline '{text}'"));
        }
        let (name, options) = match part.split_once('{') {
            Some((n, rest)) => {
                let body = rest
                    .strip_suffix('}')
                    .ok_or_else(|| format!("unclosed options in '{part}'"))?;
                (n.trim(), Some(body))
            }
            None => (part, None),
        };
        let mut opts: Vec<(&str, &str)> = Vec::new();
        for kv in options
            .into_iter()
            .flat_map(|b| b.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| format!("option '{kv}' of '{name}' must be key=value"))?;
            opts.push((k.trim(), v.trim()));
        }
        let pass = match name {
            "egraph" => {
                let mut target = Target::cpu();
                let mut node_limit = None;
                for (k, v) in opts {
                    match k {
                        "target" => target = Target::by_name(v)?,
                        "node-limit" => {
                            node_limit = Some(
                                v.parse()
                                    .map_err(|_| format!("node-limit '{v}' is not a number"))?,
                            )
                        }
                        other => return Err(format!("unknown option '{other}' of pass 'egraph'")),
                    }
                }
                Pass::Egraph { target, node_limit }
            }
            "tile" | "stage" | "vectorize" => {
                let mut target = Target::cpu();
                for (k, v) in opts {
                    match k {
                        "target" => target = Target::by_name(v)?,
                        other => return Err(format!("unknown option '{other}' of pass '{name}'")),
                    }
                }
                match name {
                    "tile" => Pass::Tile(target),
                    "stage" => Pass::Stage(target),
                    _ => Pass::Vectorize(target),
                }
            }
            "unroll" => {
                let mut factor = Target::cpu().loops.unroll;
                for (k, v) in opts {
                    match k {
                        "target" => factor = Target::by_name(v)?.loops.unroll,
                        "factor" => {
                            factor = v
                                .parse()
                                .map_err(|_| format!("unroll factor '{v}' is not a number"))?
                        }
                        other => return Err(format!("unknown option '{other}' of pass 'unroll'")),
                    }
                }
                Pass::Unroll(factor)
            }
            "lower-to-kernel" | "fuse" | "lower-to-loops" | "bufferize" if !opts.is_empty() => {
                return Err(format!("pass '{name}' takes no options"))
            }
            "lower-to-kernel" => Pass::LowerToKernel,
            "fuse" => Pass::Fuse,
            "lower-to-loops" => Pass::LowerToLoops,
            "bufferize" => Pass::Bufferize,
            other => {
                return Err(format!(
                    "unknown pass '{other}' (egraph, lower-to-kernel, fuse, tile, lower-to-loops, stage, vectorize, unroll, bufferize)"
                ))
            }
        };
        passes.push(pass);
    }
    Ok(passes)
}

/// What running a pipeline did.
#[derive(Clone, Debug, Default)]
pub struct PipelineReport {
    /// Each pass's spelling and run time.
    pub timings: Vec<(String, Duration)>,
    /// The IR after each pass, when asked for.
    pub ir_after: Vec<(String, String)>,
}

/// Runs `passes` in order, verifying after each; keeps the IR after each pass if
/// `print_ir_after_all`.
pub fn run_pipeline(
    m: &Module,
    passes: &[Pass],
    print_ir_after_all: bool,
) -> Result<(Module, PipelineReport), String> {
    let mut current = m.clone();
    let mut report = PipelineReport::default();
    for pass in passes {
        let start = Instant::now();
        current = pass
            .run(&current)
            .map_err(|e| format!("pass '{}': {e}", pass.spelling()))?;
        report.timings.push((pass.spelling(), start.elapsed()));
        strata_ir::verify_module(&current)
            .map_err(|e| format!("after pass '{}': {e}", pass.spelling()))?;
        if print_ir_after_all {
            report
                .ir_after
                .push((pass.spelling(), strata_ir::print_module(&current)));
        }
    }
    Ok((current, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipelines_parse_and_errors_name_the_problem() {
        let p = parse_pipeline("egraph{target=gpu, node-limit=500},lower-to-kernel,fuse").unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].spelling(), "egraph{target=gpu,node-limit=500}");
        let round: Vec<String> = p.iter().map(|x| x.spelling()).collect();
        assert_eq!(parse_pipeline(&round.join(",")).unwrap(), p);
        for target in ["cpu", "gpu", "systolic"] {
            let full = parse_pipeline(&full_pipeline(target)).unwrap();
            assert_eq!(full.len(), 9);
            let round: Vec<String> = full.iter().map(|x| x.spelling()).collect();
            assert_eq!(parse_pipeline(&round.join(",")).unwrap(), full);
        }
        for (bad, needle) in [
            ("egraph{target=tpu}", "unknown target 'tpu'"),
            ("lower-to-kernel,frobnicate", "unknown pass 'frobnicate'"),
            ("egraph{speed=11}", "unknown option 'speed'"),
            ("egraph{target=cpu", "unclosed options"),
            ("fuse,,fuse", "empty pass"),
            ("fuse{x=1}", "takes no options"),
            ("tile{speed=1}", "unknown option 'speed' of pass 'tile'"),
            ("stage{speed=1}", "unknown option 'speed' of pass 'stage'"),
            ("unroll{factor=x}", "unroll factor 'x' is not a number"),
            ("bufferize{a=b}", "takes no options"),
        ] {
            let e = parse_pipeline(bad).unwrap_err();
            assert!(e.contains(needle), "{bad}: {e}");
        }
    }
}
