//! Packaging: host programs and their compiled kernels into one module file (the
//! `strata-abi` format the runtime loads).
//!
//! Each target contributes its host program (the `host` dialect after `bufferize`) and its
//! executable's bytes. The host program becomes the runtime's commands — allocations turn
//! into arena offsets, views into the buffer they view, constants into offsets of the
//! constants section, dispatches into entry-point indices with their bindings — and each
//! kernel's entry point gets its symbol and argument sizes from the host IR itself.
//! Constants the targets share are stored once.

use std::collections::HashMap;
use strata_abi::format::{
    BufferRef, Bytes, Command, Constants, EntryPoint, ExecutableDef, ExecutableFormat, FunctionDef,
    Manifest, Memory, ModuleFile, Program, TensorSpec,
};
use strata_ir::ops;
use strata_ir::target::{target_of, Target};
use strata_ir::{host, loops, Attribute, Module, ValueId};

/// One target's compiled kernels, as a back end made them.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub format: ExecutableFormat,
    pub bytes: Bytes,
    /// Prepended to each kernel's name to make its symbol.
    pub symbol_prefix: String,
    /// Optional device features the code uses beyond the target description.
    pub features: Vec<String>,
    /// Per kernel name, the most loop iterations one invocation runs (GPU shaders).
    pub loop_iterations: HashMap<String, u64>,
}

fn bytes_of(
    host: &Module,
    v: ValueId,
) -> Result<(strata_abi::ElementType, Vec<usize>, usize), crate::pass::PassError> {
    let t = host
        .value_type(v)
        .as_memref()
        .ok_or_else(|| format!("expected a buffer, found {}", host.value_type(v)))?;
    let n = strata_abi::tensor_bytes(t.elem, t.shape.dims())
        .ok_or_else(|| format!("a buffer of type {} is too large", host.value_type(v)))?;
    Ok((t.elem, t.shape.dims().to_vec(), n))
}

/// The entry points of `host`'s kernels sorted by name, and each kernel's index.
pub fn entry_points(
    host: &Module,
    symbol_prefix: &str,
    loop_iterations: &HashMap<String, u64>,
) -> Result<(Vec<EntryPoint>, HashMap<String, usize>), crate::pass::PassError> {
    let mut kernels = loops::kernels(host)?;
    kernels.sort_by(|a, b| a.1.cmp(b.1));
    let mut points = Vec::with_capacity(kernels.len());
    let mut index = HashMap::new();
    for (i, (op, name)) in kernels.into_iter().enumerate() {
        points.push(EntryPoint {
            symbol: format!("{symbol_prefix}{name}"),
            argument_bytes: loops::kernel_argument_bytes(host, op)?,
            loop_iterations: loop_iterations.get(name).copied(),
        });
        index.insert(name.to_string(), i);
    }
    Ok((points, index))
}

/// The runtime's form of `host`'s functions (one program each, for `target`, over
/// executable `executable`, given each kernel's entry-point index by name), placing the
/// constants they read in `constants`.
pub fn host_functions(
    host: &Module,
    target: strata_abi::TargetKind,
    executable: usize,
    entries: &HashMap<String, usize>,
    constants: &mut Constants,
) -> Result<Vec<FunctionDef>, crate::pass::PassError> {
    let mut placed_globals: HashMap<String, usize> = HashMap::new();
    let mut functions = Vec::new();
    // Branches and loop bodies are inlined into their callers.
    let called = strata_ir::control::called_functions(host);
    for f in host.functions() {
        let name = f.name(host).to_string();
        if called.contains(&name) {
            continue;
        }
        let Some(n_in) = host::num_inputs(host, f) else {
            return Err(format!(
                "function '{name}' is not a host program (run the pipeline to 'bufferize')"
            )
            .into());
        };
        let args = f.arguments(host);
        if n_in > args.len() {
            return Err(format!(
                "function '{name}' declares {n_in} inputs but has {} arguments",
                args.len()
            )
            .into());
        }
        let spec = |v: ValueId, name: String| -> Result<TensorSpec, crate::pass::PassError> {
            let (dtype, shape, _) = bytes_of(host, v)?;
            Ok(TensorSpec { name, dtype, shape })
        };
        let inputs = args[..n_in]
            .iter()
            .zip(f.input_names(host))
            .map(|(&a, n)| spec(a, n))
            .collect::<Result<Vec<_>, _>>()?;
        let outputs = args[n_in..]
            .iter()
            .zip(f.output_names(host))
            .map(|(&a, n)| spec(a, n))
            .collect::<Result<Vec<_>, _>>()?;
        let mut place: HashMap<ValueId, (Memory, usize)> = HashMap::new();
        for (i, &a) in args.iter().enumerate() {
            let memory = if i < n_in {
                Memory::Input(i)
            } else {
                Memory::Output(i - n_in)
            };
            place.insert(a, (memory, 0));
        }
        let mut arena_bytes = 0;
        let mut ctx = Context {
            host,
            executable,
            entries,
            constants,
            placed_globals: &mut placed_globals,
        };
        let program = ctx.program(f, place, 0, &mut arena_bytes, 0)?;
        functions.push(FunctionDef {
            name,
            inputs,
            outputs,
            programs: vec![Program {
                target,
                arena_bytes,
                commands: program,
            }],
        });
    }
    Ok(functions)
}

/// Deeper nesting of branches and loops than this is refused (it is far past any model's).
const MAX_NESTING: usize = 64;

/// What turning host functions into commands shares.
struct Context<'a> {
    host: &'a Module,
    executable: usize,
    entries: &'a HashMap<String, usize>,
    constants: &'a mut Constants,
    placed_globals: &'a mut HashMap<String, usize>,
}

impl Context<'_> {
    /// The commands of host function `f` with its arguments at `place`, its arena at
    /// `arena_base` of the caller's; raises `arena_end` to the end of what it and its
    /// callees use. A callee's arena follows its caller's (both branches of an if share
    /// theirs).
    fn program(
        &mut self,
        f: strata_ir::Function,
        mut place: HashMap<ValueId, (Memory, usize)>,
        arena_base: usize,
        arena_end: &mut usize,
        depth: usize,
    ) -> Result<Vec<Command>, crate::pass::PassError> {
        let host = self.host;
        if depth > MAX_NESTING {
            return Err(format!(
                "'{}': control flow nested more than {MAX_NESTING} deep (a recursive call?)",
                f.name(host)
            )
            .into());
        }
        let own = match host.op(f.0).attrs.get(host::ARENA_ATTR) {
            Some(Attribute::Int(n)) if *n >= 0 => *n as usize,
            _ => 0,
        };
        let own_end = arena_base + own;
        *arena_end = (*arena_end).max(own_end);
        let callee_base = own_end.div_ceil(64) * 64;
        let mut program = Vec::new();
        for &op in &host.block(f.entry_block(host)).ops {
            let d = host.op(op);
            let location = || strata_ir::verify::op_location(host, op);
            let at = |place: &HashMap<ValueId, (Memory, usize)>,
                      v: &ValueId|
             -> Result<BufferRef, crate::pass::PassError> {
                let (memory, offset) = *place
                    .get(v)
                    .ok_or_else(|| format!("{}: %{} has no buffer", location(), v.0))?;
                Ok(BufferRef {
                    memory,
                    offset,
                    bytes: bytes_of(host, *v)?.2,
                })
            };
            match d.name {
                ops::HOST_CONSTANT => {
                    let global = match d.attrs.get("global") {
                        Some(Attribute::String(s)) => s.clone(),
                        _ => {
                            return Err(
                                format!("{}: host.constant without a global", location()).into()
                            )
                        }
                    };
                    let offset = match self.placed_globals.get(&global) {
                        Some(&o) => o,
                        None => {
                            let t = host::find_global(host, &global)
                                .ok_or_else(|| format!("{}: no global '{global}'", location()))?;
                            let o = self.constants.place(t.le_bytes());
                            self.placed_globals.insert(global, o);
                            o
                        }
                    };
                    place.insert(d.results[0], (Memory::Constants, offset));
                }
                ops::HOST_ALLOC => {
                    let offset = host::alloc_offset(host, op)?;
                    place.insert(d.results[0], (Memory::Arena, arena_base + offset));
                }
                ops::HOST_VIEW => {
                    let p = *place
                        .get(&d.operands[0])
                        .ok_or_else(|| format!("{}: a view of an unknown buffer", location()))?;
                    place.insert(d.results[0], p);
                }
                ops::HOST_COPY => program.push(Command::Copy {
                    src: at(&place, &d.operands[0])?,
                    dst: at(&place, &d.operands[1])?,
                }),
                ops::HOST_DISPATCH => {
                    let kernel = match d.attrs.get("kernel") {
                        Some(Attribute::String(s)) => s.clone(),
                        _ => {
                            return Err(
                                format!("{}: host.dispatch without a kernel", location()).into()
                            )
                        }
                    };
                    let entry = *self
                        .entries
                        .get(&kernel)
                        .ok_or_else(|| format!("{}: no compiled kernel '{kernel}'", location()))?;
                    let w = host::workgroups(host, op)?;
                    let workgroups = w.map(|x| u32::try_from(x).unwrap_or(u32::MAX));
                    program.push(Command::Dispatch {
                        executable: self.executable,
                        entry,
                        bindings: d
                            .operands
                            .iter()
                            .map(|v| at(&place, v))
                            .collect::<Result<_, _>>()?,
                        workgroups,
                    });
                }
                ops::HOST_IF | ops::HOST_LOOP => {
                    let bound = &d.operands[1..];
                    let mut run = |this: &mut Self, attr: &str| {
                        let callee = strata_ir::control::callee(host, op, attr)?;
                        let mut inner = HashMap::new();
                        for (&a, v) in callee.arguments(host).iter().zip(bound) {
                            let p = *place
                                .get(v)
                                .ok_or_else(|| format!("{}: %{} has no buffer", location(), v.0))?;
                            inner.insert(a, p);
                        }
                        this.program(callee, inner, callee_base, arena_end, depth + 1)
                    };
                    if d.name == ops::HOST_IF {
                        let then = run(self, strata_ir::control::THEN_ATTR)?;
                        let otherwise = run(self, strata_ir::control::ELSE_ATTR)?;
                        program.push(Command::If {
                            cond: at(&place, &d.operands[0])?,
                            then,
                            otherwise,
                        });
                    } else {
                        let mut body = run(self, strata_ir::control::BODY_ATTR)?;
                        let n = strata_ir::control::host_loop_carried(host, op)?;
                        let callee =
                            strata_ir::control::callee(host, op, strata_ir::control::BODY_ATTR)?;
                        let n_in = host::num_inputs(host, callee).unwrap_or(0);
                        // What an iteration wrote is what the next one reads.
                        for j in 0..=n {
                            body.push(Command::Copy {
                                src: at(&place, &bound[n_in + j])?,
                                dst: at(&place, &bound[1 + j])?,
                            });
                        }
                        program.push(Command::Loop {
                            trip_count: at(&place, &d.operands[0])?,
                            counter: at(&place, &bound[0])?,
                            cond: at(&place, &bound[1])?,
                            body,
                        });
                    }
                }
                ops::FUNC_RETURN => break,
                other => {
                    return Err(
                        format!("{}: '{other}' cannot run in a host program", location()).into(),
                    )
                }
            }
        }
        Ok(program)
    }
}

/// A module file from each target's host program and compiled kernels: an executable
/// per target that dispatches anything, the functions with a program per target, the
/// constants of all of them stored once. Each host program must carry its target
/// description. The result is checked as the runtime would check it.
pub fn package(
    targets: &[(&Module, Compiled)],
    producer: &str,
) -> Result<ModuleFile, crate::pass::PassError> {
    let mut constants = Constants::default();
    let mut functions: Vec<FunctionDef> = Vec::new();
    let mut executables = Vec::new();
    let mut bytes = Vec::new();
    for (host, compiled) in targets {
        let target: Target =
            target_of(host)?.ok_or("a host program to package has no target description")?;
        let kind = target.kind();
        if functions
            .iter()
            .any(|f| f.programs.iter().any(|p| p.target == kind))
        {
            return Err(format!("target '{kind}' is given twice").into());
        }
        let (points, entries) =
            entry_points(host, &compiled.symbol_prefix, &compiled.loop_iterations)?;
        let index = executables.len();
        for mut f in host_functions(host, kind, index, &entries, &mut constants)? {
            match functions.iter_mut().find(|g| g.name == f.name) {
                Some(g) if g.inputs == f.inputs && g.outputs == f.outputs => {
                    g.programs.append(&mut f.programs)
                }
                Some(_) => {
                    return Err(format!(
                        "function '{}' has a different signature for '{kind}'",
                        f.name
                    )
                    .into())
                }
                None => functions.push(f),
            }
        }
        // A target whose programs dispatch nothing (only copies) needs no executable.
        if !points.is_empty() {
            executables.push(ExecutableDef {
                target,
                format: compiled.format,
                section: format!("exe.{index}"),
                entry_points: points,
                features: compiled.features.clone(),
            });
            bytes.push(compiled.bytes.clone());
        }
    }
    let file = ModuleFile {
        manifest: Manifest {
            producer: producer.into(),
            functions,
            executables,
        },
        constants,
        executables: bytes,
    };
    file.check().map_err(|e| format!("internal error: {e}"))?;
    Ok(file)
}
