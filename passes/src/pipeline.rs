//! The built-in passes, and the pipelines made of them. Pipelines are written MLIR style,
//! `egraph,lower-to-kernel,fuse` ([`crate::pass::Registry::parse`]).
//!
//! | pass | does |
//! |---|---|
//! | `target{kind=cpu\|vulkan\|systolic,<field>=..}` | set the module's target description (or change fields of it) |
//! | `fold-batchnorm` | fold inference BatchNormalization into the convolution before it, rescaling its weights in place |
//! | `egraph{node-limit=N}` | e-graph optimization of graph ops, with the target's cost model |
//! | `lower-to-kernel` | graph ops to `kernel.generic` where a lowering exists |
//! | `fuse` | inline elementwise kernels into the kernels that read them |
//! | `expand-composites` | composite scalar ops (selu, mish, gelu...) into primitives, from their one definition |
//! | `channels-last` | convolutions and the kernels between them in NHWC (targets whose matrix products are taken whole: CPUs, systolic machines) |
//! | `tile` | choose each kernel's schedule: workgroup and cache tiles, loop order |
//! | `lower-to-loops` | kernels to `loop.kernel`s (following their schedules) and `loop.dispatch` |
//! | `stage` | copy reused operand tiles into workgroup memory (targets with shared memory) |
//! | `vectorize` | innermost contiguous parallel loops to vector steps |
//! | `unroll{factor=N}` | repeat innermost loop bodies (the target's factor by default) |
//! | `bufferize` | tensors to buffers: a `host` program with a planned arena |
//! | `dedupe-kernels` | identical kernels become one, their dispatches call it |
//!
//! Passes that depend on the machine read the module's target description
//! (`strata.target`), which the compiler sets from `--target` before the pipeline runs, or
//! a leading `target{...}` sets: the target is named once, never per pass. The whole way
//! down is [`FULL`].

use crate::egraph::{optimize_module, OptimizeOptions};
use crate::loops::LoopParams;
use crate::pass::{module_target, Options, Pass, PassError, PassInfo, Pipeline, Registry, Stats};
use strata_ir::target::{set_target, target_of, Target, TargetKind};
use strata_ir::Module;

/// The whole pipeline from graph to host program, for the module's target.
pub const FULL: &str = "fold-batchnorm,egraph,lower-to-kernel,fuse,expand-composites,channels-last,tile,lower-to-loops,stage,vectorize,unroll,bufferize,dedupe-kernels";

/// Parses a pipeline of built-in passes.
pub fn parse_pipeline(text: &str) -> Result<Pipeline, PassError> {
    Registry::builtin().parse(text)
}

/// Runs pipeline `text` of built-in passes on a copy of `m` with target description
/// `target` set first (`None`: the module's own).
pub fn run_pipeline(
    m: &Module,
    text: &str,
    target: Option<&Target>,
    print_ir_after_all: bool,
) -> Result<(Module, crate::pass::PipelineReport), PassError> {
    let pipeline = parse_pipeline(text)?;
    let mut out = m.clone();
    if let Some(t) = target {
        set_target(&mut out, t);
    }
    let report = pipeline.run(&mut out, print_ir_after_all)?;
    Ok((out, report))
}

/// Names `pass` in an error that does not name its pass yet.
fn err<E: Into<PassError>>(pass: &str) -> impl Fn(E) -> PassError + '_ {
    move |e| {
        let mut e = e.into();
        if e.pass.is_empty() {
            e.pass = pass.into();
        }
        e
    }
}

/// A pass made of a name and a function that replaces the module.
struct Simple {
    name: &'static str,
    run: fn(&Module) -> Result<(Module, Stats), crate::pass::PassError>,
}

impl Pass for Simple {
    fn spelling(&self) -> String {
        self.name.into()
    }

    fn run(&self, m: &mut Module) -> Result<Stats, PassError> {
        let (out, stats) = (self.run)(m).map_err(err(self.name))?;
        *m = out;
        Ok(stats)
    }
}

/// A pass made of a name and a function that changes the module where it is: for passes
/// that replace weights, whose originals must not outlive their replacements.
struct InPlace {
    name: &'static str,
    run: fn(&mut Module) -> Result<Stats, crate::pass::PassError>,
}

impl Pass for InPlace {
    fn spelling(&self) -> String {
        self.name.into()
    }

    fn run(&self, m: &mut Module) -> Result<Stats, PassError> {
        (self.run)(m).map_err(err(self.name))
    }
}

/// A pass body that replaces the module given its target's loop parameters.
type ParamsFn = fn(&Module, &LoopParams) -> Result<(Module, Stats), crate::pass::PassError>;

/// A pass that replaces the module using the loop parameters of its target.
struct WithParams {
    name: &'static str,
    run: ParamsFn,
}

impl Pass for WithParams {
    fn spelling(&self) -> String {
        self.name.into()
    }

    fn run(&self, m: &mut Module) -> Result<Stats, PassError> {
        let params = LoopParams::for_target(&module_target(m, self.name)?);
        let (out, stats) = (self.run)(m, &params).map_err(err(self.name))?;
        *m = out;
        Ok(stats)
    }
}

/// `target{kind=..,field=..}`.
struct SetTarget {
    kind: Option<TargetKind>,
    fields: Vec<(String, String)>,
}

impl Pass for SetTarget {
    fn spelling(&self) -> String {
        let mut parts: Vec<String> = self.kind.iter().map(|k| format!("kind={k}")).collect();
        parts.extend(self.fields.iter().map(|(k, v)| format!("{k}={v}")));
        if parts.is_empty() {
            "target".into()
        } else {
            format!("target{{{}}}", parts.join(","))
        }
    }

    fn run(&self, m: &mut Module) -> Result<Stats, PassError> {
        let current = target_of(m).map_err(err("target"))?;
        let mut t =
            match (current, self.kind) {
                (Some(t), None) => t,
                (Some(t), Some(k)) if t.kind() == k => t,
                (_, Some(k)) => Target::generic(k),
                (None, None) => return Err(PassError::new(
                    "target",
                    "the module has no target description to change: give kind=cpu|vulkan|systolic",
                )),
            };
        for (k, v) in &self.fields {
            t.set(k, v).map_err(|e| PassError::new("target", e.0))?;
        }
        set_target(m, &t);
        Ok(Stats::default())
    }
}

fn create_target(o: &Options) -> Result<Box<dyn Pass>, crate::pass::PassError> {
    let kind = o
        .get("kind")
        .map(TargetKind::from_name)
        .transpose()
        .map_err(|e| e.0)?;
    let fields: Vec<(String, String)> = o.0.iter().filter(|(k, _)| k != "kind").cloned().collect();
    // Check the fields now when the kind is known, so a typo fails before anything runs.
    if let Some(k) = kind {
        let mut t = Target::generic(k);
        for (f, v) in &fields {
            t.set(f, v).map_err(|e| e.0)?;
        }
    }
    Ok(Box::new(SetTarget { kind, fields }))
}

/// `fold-batchnorm`: edits the module where it is (no copy of its weights).
struct FoldBatchnorm;

impl Pass for FoldBatchnorm {
    fn spelling(&self) -> String {
        "fold-batchnorm".into()
    }

    fn run(&self, m: &mut Module) -> Result<Stats, PassError> {
        let n = crate::graph::fold_batchnorm::fold_batchnorm(m).map_err(err("fold-batchnorm"))?;
        Ok(Stats::one("batch normalizations folded", n))
    }
}

/// `expand-composites`: in place.
struct ExpandComposites;

impl Pass for ExpandComposites {
    fn spelling(&self) -> String {
        "expand-composites".into()
    }

    fn run(&self, m: &mut Module) -> Result<Stats, PassError> {
        let n = strata_ir::kernel::composite::expand_module(m).map_err(err("expand-composites"))?;
        Ok(Stats::one("ops expanded", n))
    }
}

/// `egraph{node-limit=N}`.
struct Egraph {
    node_limit: Option<usize>,
}

impl Pass for Egraph {
    fn spelling(&self) -> String {
        match self.node_limit {
            Some(n) => format!("egraph{{node-limit={n}}}"),
            None => "egraph".into(),
        }
    }

    fn run(&self, m: &mut Module) -> Result<Stats, PassError> {
        let mut options = OptimizeOptions::for_target(&module_target(m, "egraph")?);
        if let Some(n) = self.node_limit {
            options.node_limit = n;
        }
        let (out, per_function) = optimize_module(m, &options).map_err(err("egraph"))?;
        *m = out;
        let mut stats = Stats::default();
        for s in per_function {
            *stats.0.entry("e-nodes".into()).or_default() += s.enodes;
            *stats.0.entry("iterations".into()).or_default() += s.iterations;
        }
        Ok(stats)
    }
}

/// `unroll{factor=N}`.
struct Unroll {
    factor: Option<usize>,
}

impl Pass for Unroll {
    fn spelling(&self) -> String {
        match self.factor {
            Some(n) => format!("unroll{{factor={n}}}"),
            None => "unroll".into(),
        }
    }

    fn run(&self, m: &mut Module) -> Result<Stats, PassError> {
        let factor = match self.factor {
            Some(f) => f,
            None => LoopParams::for_target(&module_target(m, "unroll")?).unroll,
        };
        let (out, n) = crate::loops::unroll(m, factor).map_err(err("unroll"))?;
        *m = out;
        Ok(Stats::one("loops unrolled", n))
    }
}

fn boxed<P: Pass + 'static>(p: P) -> Result<Box<dyn Pass>, crate::pass::PassError> {
    Ok(Box::new(p))
}

const NO_OPTIONS: Option<&[(&str, &str)]> = Some(&[]);

/// Every built-in pass, in pipeline order.
pub fn builtin_passes() -> Vec<PassInfo> {
    vec![
        PassInfo {
            name: "target",
            description: "set the module's target description, or change fields of it",
            options: None,
            create: create_target,
        },
        PassInfo {
            name: "fold-batchnorm",
            description: "fold BatchNormalization into the convolution before it, in place",
            options: NO_OPTIONS,
            create: |_| Ok(Box::new(FoldBatchnorm)),
        },
        PassInfo {
            name: "egraph",
            description: "e-graph optimization of graph ops with the target's cost model",
            options: Some(&[(
                "node-limit",
                "stop growing the e-graph at this many e-nodes",
            )]),
            create: |o| {
                boxed(Egraph {
                    node_limit: o.number("node-limit")?,
                })
            },
        },
        PassInfo {
            name: "lower-to-kernel",
            description: "graph ops to kernel.generic where a lowering exists",
            options: NO_OPTIONS,
            create: |_| {
                boxed(Simple {
                    name: "lower-to-kernel",
                    run: |m| {
                        Ok((
                            crate::conversion::lower_graph_to_kernel(m)?,
                            Stats::default(),
                        ))
                    },
                })
            },
        },
        PassInfo {
            name: "fuse",
            description: "inline elementwise kernels into the kernels that read them",
            options: NO_OPTIONS,
            create: |_| {
                boxed(Simple {
                    name: "fuse",
                    run: |m| {
                        let mut out = m.clone();
                        let n = crate::kernel::fuse_elementwise_producers(&mut out)?;
                        Ok((out, Stats::one("kernels fused", n)))
                    },
                })
            },
        },
        PassInfo {
            name: "expand-composites",
            description: "composite scalar ops into primitive ones, from their one definition",
            options: NO_OPTIONS,
            create: |_| Ok(Box::new(ExpandComposites)),
        },
        PassInfo {
            name: "channels-last",
            description:
                "convolutions and the kernels between them in NHWC, on CPUs and systolic machines",
            options: NO_OPTIONS,
            create: |_| {
                boxed(WithParams {
                    name: "channels-last",
                    run: |m, p| {
                        let (out, n) = crate::kernel::channels_last(m, p.contract)?;
                        Ok((out, Stats::one("values laid out channels-last", n)))
                    },
                })
            },
        },
        PassInfo {
            name: "tile",
            description: "choose each kernel's schedule: workgroup and cache tiles, loop order",
            options: NO_OPTIONS,
            create: |_| {
                boxed(WithParams {
                    name: "tile",
                    run: |m, p| Ok((crate::kernel::tile(m, p)?, Stats::default())),
                })
            },
        },
        PassInfo {
            name: "lower-to-loops",
            description: "kernels to loop.kernels following their schedules, and loop.dispatch",
            options: NO_OPTIONS,
            create: |_| {
                boxed(InPlace {
                    name: "lower-to-loops",
                    run: |m| {
                        crate::conversion::lower_kernels_to_loops_in_place(m)?;
                        Ok(Stats::default())
                    },
                })
            },
        },
        PassInfo {
            name: "stage",
            description: "copy reused operand tiles into workgroup memory",
            options: NO_OPTIONS,
            create: |_| {
                boxed(WithParams {
                    name: "stage",
                    run: |m, p| {
                        let (out, n) = crate::loops::stage(m, p)?;
                        Ok((out, Stats::one("tiles staged", n)))
                    },
                })
            },
        },
        PassInfo {
            name: "vectorize",
            description: "innermost contiguous parallel loops to vector steps",
            options: NO_OPTIONS,
            create: |_| {
                boxed(WithParams {
                    name: "vectorize",
                    run: |m, p| {
                        let (out, n) = crate::loops::vectorize(m, p)?;
                        Ok((out, Stats::one("loops vectorized", n)))
                    },
                })
            },
        },
        PassInfo {
            name: "unroll",
            description: "repeat innermost loop bodies (the target's factor by default)",
            options: Some(&[("factor", "copies of the body per iteration")]),
            create: |o| {
                boxed(Unroll {
                    factor: o.number("factor")?,
                })
            },
        },
        PassInfo {
            name: "bufferize",
            description: "tensors to buffers: a host program with a planned arena",
            options: NO_OPTIONS,
            create: |_| {
                boxed(Simple {
                    name: "bufferize",
                    run: |m| {
                        let (out, plans) = crate::conversion::bufferize(m)?;
                        let mut stats = Stats::default();
                        for (_, p) in plans {
                            *stats.0.entry("arena bytes".into()).or_default() += p.peak_bytes;
                            *stats.0.entry("buffers".into()).or_default() += p.buffers;
                        }
                        Ok((out, stats))
                    },
                })
            },
        },
        PassInfo {
            name: "dedupe-kernels",
            description: "identical kernels become one; their dispatches call it",
            options: NO_OPTIONS,
            create: |_| {
                boxed(Simple {
                    name: "dedupe-kernels",
                    run: |m| {
                        let mut out = m.clone();
                        let n = crate::host::dedupe_kernels::dedupe_kernels(&mut out)?;
                        Ok((out, Stats::one("kernels removed", n)))
                    },
                })
            },
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipelines_parse_and_errors_name_the_problem() {
        let p = parse_pipeline("target{kind=gpu}, egraph{ node-limit=500},lower-to-kernel,fuse")
            .unwrap();
        assert_eq!(p.passes().len(), 4);
        assert_eq!(
            p.spelling(),
            "target{kind=vulkan},egraph{node-limit=500},lower-to-kernel,fuse"
        );
        assert_eq!(
            parse_pipeline(&p.spelling()).unwrap().spelling(),
            p.spelling()
        );
        let full = parse_pipeline(FULL).unwrap();
        assert_eq!(full.passes().len(), 13);
        assert_eq!(full.spelling(), FULL);
        for (bad, needle) in [
            ("target{kind=tpu}", "unknown target 'tpu'"),
            ("target{kind=cpu,warp=32}", "no field 'warp'"),
            ("lower-to-kernel,frobnicate", "unknown pass 'frobnicate'"),
            (
                "egraph{speed=11}",
                "unknown option 'speed' of pass 'egraph'",
            ),
            ("egraph{node-limit=500", "unclosed options"),
            ("fuse,,fuse", "empty pass"),
            ("fuse{x=1}", "takes no options"),
            ("tile{target=gpu}", "the target is set once"),
            ("egraph{target=cpu}", "the target is set once"),
            ("stage{speed=1}", "takes no options, not 'speed'"),
            (
                "unroll{factor=x}",
                "option 'factor' takes a number, not 'x'",
            ),
            ("bufferize{a=b}", "takes no options"),
        ] {
            let e = parse_pipeline(bad).err().unwrap().to_string();
            assert!(e.contains(needle), "{bad}: {e}");
        }
    }

    #[test]
    fn passes_that_need_a_target_say_so() {
        let m = strata_ir::parse_module(
            r#""builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<4xf32>):
    %0 = "graph.relu"(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
    "func.return"(%0) : (tensor<4xf32>) -> ()
  }) {function_type = (tensor<4xf32>) -> tensor<4xf32>, sym_name = "main"} : () -> ()
}) : () -> ()"#,
        )
        .unwrap();
        let e = run_pipeline(&m, "lower-to-kernel,tile", None, false)
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("pass 'tile'") && e.contains("no target description"),
            "{e}"
        );
        let (out, _) = run_pipeline(
            &m,
            "target{kind=cpu,vector-bits=256},lower-to-kernel,tile",
            None,
            false,
        )
        .unwrap();
        let t = target_of(&out).unwrap().unwrap();
        assert_eq!(t.as_cpu().unwrap().vector_bits, 256);
        // A later target pass changes fields of the description already there.
        let (out, _) = run_pipeline(&out, "target{threads=4}", None, false).unwrap();
        let c = target_of(&out).unwrap().unwrap();
        assert_eq!(
            (c.as_cpu().unwrap().vector_bits, c.as_cpu().unwrap().threads),
            (256, 4)
        );
    }

    /// Every dense tensor held by an op attribute of `m`.
    fn dense_tensors(m: &Module) -> Vec<strata_ir::Tensor> {
        (0..m.num_ops() as u32)
            .flat_map(|i| m.op(strata_ir::OpId(i)).attrs.values())
            .filter_map(|a| match a {
                strata_ir::Attribute::Dense(t) => Some(t.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_full_pipeline_shares_weights_it_keeps_and_drops_those_it_packs() {
        let w: Vec<String> = (0..8)
            .map(|r| {
                let row: Vec<String> = (0..8).map(|c| format!("{}.5", (r + c) % 7)).collect();
                format!("[{}]", row.join(", "))
            })
            .collect();
        let m = strata_ir::parse_module(&format!(
            r#""builtin.module"() ({{
  "func.func"() ({{
  ^bb0(%x: tensor<2x8xf32>):
    %w = "graph.constant"() {{value = dense<[{}]> : tensor<8x8xf32>}} : () -> tensor<8x8xf32>
    %0 = "graph.matmul"(%x, %w) : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
    %1 = "graph.relu"(%0) : (tensor<2x8xf32>) -> tensor<2x8xf32>
    "func.return"(%1) : (tensor<2x8xf32>) -> ()
  }}) {{function_type = (tensor<2x8xf32>) -> tensor<2x8xf32>, sym_name = "main"}} : () -> ()
}}) : () -> ()"#,
            w.join(", ")
        ))
        .unwrap();
        let weights = dense_tensors(&m);
        assert_eq!(weights.len(), 1);
        // A weight a kernel reads as it is stays the input's storage.
        let (host, _) =
            run_pipeline(&m, &format!("target{{kind=vulkan}},{FULL}"), None, false).unwrap();
        let held = dense_tensors(&host);
        assert!(
            held.iter().any(|t| t.shares_data(&weights[0])),
            "the host program holds a copy of the weights, not the input's storage"
        );
        // One the CPU's kernel packs is replaced by its packed form: the host program
        // (dead ops included) holds that one tensor, never the original beside it.
        let (host, _) =
            run_pipeline(&m, &format!("target{{kind=cpu}},{FULL}"), None, false).unwrap();
        let held = dense_tensors(&host);
        assert!(
            held.iter().all(|t| !t.shares_data(&weights[0])) && held.len() == 1,
            "the CPU's host program holds {} tensors, the original among them: {}",
            held.len(),
            held.iter().any(|t| t.shares_data(&weights[0]))
        );
    }
}
