//! The `host` dialect: the program the runtime runs — allocations, dispatches and copies
//! over buffers, and the branches and loops of [`crate::control`] (`host.if`,
//! `host.loop`, calling other host functions on the caller's buffers) — and its
//! interpreter.
//!
//! ```text
//! "host.global"() {sym_name = "c0", value = dense<...> : tensor<512xf32>} : () -> ()
//! "func.func"() ({
//! ^bb0(%x: memref<8x784xf32>, %logits: memref<8x10xf32>):
//!   %w = "host.constant"() {global = "c0"} : () -> memref<512xf32>
//!   %t = "host.alloc"() {offset = 0 : i64} : () -> memref<8x512xf32>
//!   "host.dispatch"(%x, %w, %t) {kernel = "main_k0", workgroups = array<i64: 4, 8, 1>} : (...) -> ()
//!   %v = "host.view"(%t) : (memref<8x512xf32>) -> memref<4096xf32>
//!   "host.copy"(%a, %logits) : (memref<8x10xf32>, memref<8x10xf32>) -> ()
//!   "func.return"() : () -> ()
//! }) {function_type = ..., host.num_inputs = 1 : i64, host.arena_bytes = 16384 : i64, ...}
//! ```
//!
//! A host function takes its inputs' buffers, then its outputs' buffers (the caller owns
//! both, as with onnxruntime's and IREE's output binding), and returns nothing.
//! Intermediates live in one arena of `host.arena_bytes` bytes at offsets chosen by the
//! memory planner; constants are module-level `host.global`s, kept apart from code so a
//! module file can memory-map them. `host.view` reinterprets a buffer with another shape of
//! the same size (reshapes cost nothing), and `host.dispatch` runs a `loop.kernel` on
//! buffers with the workgroup count of its grid loops.

use crate::attr::Attribute;
use crate::interp::InterpError;
use crate::loops::interp::{Binding, CompiledKernel};
use crate::loops::{dispatched_kernel, grid_size, kernel_argument_types};
use crate::module::{Function, Module, OpId, ValueId};
use crate::ops;
use crate::tensor::Tensor;
use crate::types::{TensorType, Type};
use crate::verify::{DialectRegistry, OpDefinition};
use crate::IrError;
use std::collections::HashMap;

/// Function attribute: how many leading arguments are inputs (the rest are outputs).
pub const NUM_INPUTS_ATTR: &str = "host.num_inputs";
/// Function attribute: the size of the intermediate arena.
pub const ARENA_ATTR: &str = "host.arena_bytes";
/// Function attribute: what the intermediates would take without reuse.
pub const UNPLANNED_ATTR: &str = "host.unplanned_bytes";

/// Registers the host dialect's ops.
pub fn register(r: &mut DialectRegistry) {
    for (name, verify) in [
        (
            ops::HOST_GLOBAL,
            verify_global as fn(&Module, OpId) -> Result<(), crate::IrError>,
        ),
        (ops::HOST_CONSTANT, verify_constant),
        (ops::HOST_ALLOC, verify_alloc),
        (ops::HOST_VIEW, verify_view),
        (ops::HOST_DISPATCH, verify_dispatch),
        (ops::HOST_COPY, verify_copy),
    ] {
        r.register(OpDefinition {
            name,
            verify,
            infer: None,
        });
    }
}

fn bytes_of(t: &TensorType) -> usize {
    t.shape.numel().saturating_mul(t.elem.size_bytes())
}

/// `n` zero bytes, or an error at `at` when they cannot be had (sizes a program declares):
/// past the `allocation_bytes` limit, or refused by the allocator.
fn zeroed(m: &Module, n: usize, what: &str, at: OpId) -> Result<Vec<u8>, InterpError> {
    let limit = crate::limits::Limit::AllocationBytes;
    if n as u64 > limit.get() {
        return Err(InterpError::at(
            m,
            at,
            format!(
                "cannot allocate the {n} bytes of {what}: past {}",
                limit.named()
            ),
        ));
    }
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| InterpError::at(m, at, format!("cannot allocate the {n} bytes of {what}")))?;
    v.resize(n, 0);
    Ok(v)
}

fn memref(m: &Module, v: ValueId) -> Result<&TensorType, crate::IrError> {
    Ok(m.value_type(v)
        .as_memref()
        .ok_or_else(|| format!("expected a buffer, found {}", m.value_type(v)))?)
}

fn one_result(m: &Module, op: OpId) -> Result<&TensorType, crate::IrError> {
    match m.op(op).results.as_slice() {
        [r] => memref(m, *r),
        _ => Err(format!("'{}' has one result", m.op(op).name).into()),
    }
}

fn verify_global(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let d = m.op(op);
    if m.block(m.body()).ops.iter().all(|&o| o != op) {
        return Err("host.global must be at the top level".into());
    }
    match (d.attrs.get("sym_name"), d.attrs.get("value")) {
        (Some(Attribute::String(_)), Some(Attribute::Dense(_))) => Ok(()),
        _ => Err("host.global needs 'sym_name' and a dense 'value'".into()),
    }
}

/// The `host.global` named `name` and its value.
pub fn find_global<'m>(m: &'m Module, name: &str) -> Option<&'m Tensor> {
    m.block(m.body()).ops.iter().find_map(|&op| {
        let d = m.op(op);
        match (d.name, d.attrs.get("sym_name"), d.attrs.get("value")) {
            (ops::HOST_GLOBAL, Some(Attribute::String(s)), Some(Attribute::Dense(t)))
                if s == name =>
            {
                Some(t)
            }
            _ => None,
        }
    })
}

fn global_of(m: &Module, op: OpId) -> Result<&Tensor, crate::IrError> {
    match m.op(op).attrs.get("global") {
        Some(Attribute::String(name)) => {
            Ok(find_global(m, name).ok_or_else(|| format!("no host.global named '{name}'"))?)
        }
        _ => Err("host.constant needs a string 'global'".into()),
    }
}

fn verify_constant(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let t = global_of(m, op)?;
    if *one_result(m, op)? != t.ty() {
        return Err(format!("the global is {}, the result differs", t.ty()).into());
    }
    Ok(())
}

/// The byte offset of a `host.alloc` in the arena.
pub fn alloc_offset(m: &Module, op: OpId) -> Result<usize, crate::IrError> {
    match m.op(op).attrs.get("offset") {
        Some(Attribute::Int(o)) if *o >= 0 => Ok(*o as usize),
        _ => Err("host.alloc needs a non-negative 'offset'".into()),
    }
}

fn verify_alloc(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    one_result(m, op)?;
    alloc_offset(m, op)?;
    if !m.op(op).operands.is_empty() {
        return Err("host.alloc takes no operands".into());
    }
    Ok(())
}

fn verify_view(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let d = m.op(op);
    let [src] = d.operands.as_slice() else {
        return Err("host.view takes one buffer".into());
    };
    let (from, to) = (memref(m, *src)?, one_result(m, op)?);
    if from.elem != to.elem || from.shape.numel() != to.shape.numel() {
        return Err(format!(
            "a view keeps the element type and count: {} to {}",
            Type::MemRef(from.clone()),
            Type::MemRef(to.clone())
        )
        .into());
    }
    Ok(())
}

/// The workgroup count of a `host.dispatch`.
pub fn workgroups(m: &Module, op: OpId) -> Result<[i64; 3], crate::IrError> {
    match m.op(op).attrs.get("workgroups") {
        Some(Attribute::I64Array(v)) if v.len() == 3 && v.iter().all(|&x| x >= 1) => {
            Ok([v[0], v[1], v[2]])
        }
        _ => Err("host.dispatch needs 'workgroups' = array<i64: x, y, z>".into()),
    }
}

fn verify_dispatch(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let d = m.op(op);
    let kernel = dispatched_kernel(m, op)?;
    let types: Vec<Type> = d
        .operands
        .iter()
        .map(|&v| m.value_type(v).clone())
        .collect();
    if kernel_argument_types(m, kernel) != types || !d.results.is_empty() {
        return Err("the bound buffers do not match the kernel's arguments".into());
    }
    let grid = grid_size(m, kernel)?;
    if workgroups(m, op)? != grid {
        return Err(format!(
            "workgroups {:?} differ from the kernel's grid {grid:?}",
            workgroups(m, op)?
        )
        .into());
    }
    Ok(())
}

fn verify_copy(m: &Module, op: OpId) -> Result<(), crate::IrError> {
    let d = m.op(op);
    match d.operands.as_slice() {
        [a, b] if memref(m, *a)? == memref(m, *b)? && d.results.is_empty() => Ok(()),
        _ => Err("host.copy copies one buffer to another of the same type".into()),
    }
}

/// The number of leading input arguments of a host function, if it is one.
pub fn num_inputs(m: &Module, f: Function) -> Option<usize> {
    match m.op(f.0).attrs.get(NUM_INPUTS_ATTR) {
        Some(Attribute::Int(n)) if *n >= 0 => Some(*n as usize),
        _ => None,
    }
}

/// Runs kernels for a host program: the loop interpreter, or compiled code.
pub trait KernelExecutor {
    /// Runs `loop.kernel` op `kernel` over its whole grid on buffers at `bindings` in
    /// `memories` (the verifier has checked their types against the kernel's).
    fn dispatch(
        &mut self,
        m: &Module,
        kernel: OpId,
        memories: &mut [Vec<u8>],
        bindings: &[Binding],
    ) -> Result<(), crate::IrError>;
}

/// Runs kernels with the loop interpreter, compiling each once.
#[derive(Default)]
pub struct Interpreter {
    kernels: HashMap<OpId, CompiledKernel>,
}

impl KernelExecutor for Interpreter {
    fn dispatch(
        &mut self,
        m: &Module,
        kernel: OpId,
        memories: &mut [Vec<u8>],
        bindings: &[Binding],
    ) -> Result<(), crate::IrError> {
        if let std::collections::hash_map::Entry::Vacant(e) = self.kernels.entry(kernel) {
            e.insert(CompiledKernel::compile(m, kernel)?);
        }
        self.kernels[&kernel].run(m, memories, bindings)
    }
}

/// Runs host function `f` on `inputs` with the loop interpreter; returns its outputs.
pub fn run_host(m: &Module, f: Function, inputs: &[Tensor]) -> Result<Vec<Tensor>, InterpError> {
    run_host_with(m, f, inputs, &mut Interpreter::default())
}

/// Runs host function `f` on `inputs`, dispatching kernels to `executor`.
pub fn run_host_with(
    m: &Module,
    f: Function,
    inputs: &[Tensor],
    executor: &mut dyn KernelExecutor,
) -> Result<Vec<Tensor>, InterpError> {
    // Copies, views and dispatches slice memory by the types the verifier checks.
    crate::verify::verify_module(m).map_err(|e| InterpError::at(m, f.0, e.to_string()))?;
    execute(m, f, inputs, executor)
}

/// [`run_host_with`] on a verified module.
fn execute(
    m: &Module,
    f: Function,
    inputs: &[Tensor],
    executor: &mut dyn KernelExecutor,
) -> Result<Vec<Tensor>, InterpError> {
    let fail_at = |op: OpId, message: String| InterpError::at(m, op, message);
    let n_in = num_inputs(m, f).ok_or_else(|| fail_at(f.0, "not a host function".into()))?;
    let args = f.arguments(m);
    let names = f.input_names(m);
    let arg_types: Vec<TensorType> = args
        .iter()
        .map(|&a| memref(m, a).cloned())
        .collect::<Result<_, _>>()
        .map_err(|e| fail_at(f.0, e.to_string()))?;
    if inputs.len() != n_in || n_in > args.len() {
        return Err(InterpError {
            op: "input".into(),
            location: "function arguments".into(),
            message: format!("expected {n_in} inputs, got {}", inputs.len()),
        });
    }
    for (i, t) in inputs.iter().enumerate() {
        if t.ty() != arg_types[i] {
            return Err(InterpError {
                op: "input".into(),
                location: "function arguments".into(),
                message: format!(
                    "input '{}' must be {}, got {}",
                    names.get(i).cloned().unwrap_or_default(),
                    Type::Tensor(arg_types[i].clone()),
                    t.ty()
                ),
            });
        }
    }
    let arena = match m.op(f.0).attrs.get(ARENA_ATTR) {
        Some(Attribute::Int(n)) if *n >= 0 => *n as usize,
        _ => 0,
    };
    // Memory 0 is the arena; then the arguments; then each constant used.
    let mut memories: Vec<Vec<u8>> = vec![zeroed(m, arena, "the arena", f.0)?];
    let mut place: HashMap<ValueId, Binding> = HashMap::new();
    for (i, &a) in args.iter().enumerate() {
        place.insert(
            a,
            Binding {
                memory: memories.len(),
                offset: 0,
            },
        );
        memories.push(match inputs.get(i) {
            Some(t) => t.to_le_bytes(),
            None => zeroed(m, bytes_of(&arg_types[i]), "an output", f.0)?,
        });
    }
    for &op in &m.block(f.entry_block(m)).ops {
        let d = m.op(op);
        let fail = |e: IrError| fail_at(op, e.message);
        let at = |v: &ValueId| {
            place
                .get(v)
                .copied()
                .ok_or_else(|| fail(format!("%{} has no buffer", v.0).into()))
        };
        match d.name {
            ops::HOST_CONSTANT => {
                let t = global_of(m, op).map_err(fail)?;
                place.insert(
                    d.results[0],
                    Binding {
                        memory: memories.len(),
                        offset: 0,
                    },
                );
                memories.push(t.to_le_bytes());
            }
            ops::HOST_ALLOC => {
                let offset = alloc_offset(m, op).map_err(fail)?;
                let size = bytes_of(one_result(m, op).map_err(fail)?);
                if offset + size > arena {
                    return Err(fail(
                        format!(
                            "bytes [{offset}, {}) lie outside the arena of {arena}",
                            offset + size
                        )
                        .into(),
                    ));
                }
                place.insert(d.results[0], Binding { memory: 0, offset });
            }
            ops::HOST_VIEW => {
                let b = at(&d.operands[0])?;
                place.insert(d.results[0], b);
            }
            ops::HOST_COPY => {
                let (src, dst) = (at(&d.operands[0])?, at(&d.operands[1])?);
                let n = bytes_of(memref(m, d.operands[0]).map_err(fail)?);
                let bytes = memories[src.memory][src.offset..src.offset + n].to_vec();
                memories[dst.memory][dst.offset..dst.offset + n].copy_from_slice(&bytes);
            }
            ops::HOST_DISPATCH => {
                let kernel = dispatched_kernel(m, op).map_err(fail)?;
                let bindings = d.operands.iter().map(at).collect::<Result<Vec<_>, _>>()?;
                executor
                    .dispatch(m, kernel, &mut memories, &bindings)
                    .map_err(fail)?;
            }
            ops::HOST_IF | ops::HOST_LOOP => {
                let bindings = d.operands.iter().map(at).collect::<Result<Vec<_>, _>>()?;
                run_control(m, op, &mut memories, &bindings, executor)?;
            }
            ops::FUNC_RETURN => {
                return args[n_in..]
                    .iter()
                    .zip(&arg_types[n_in..])
                    .map(|(a, t)| {
                        let b = place[a];
                        Tensor::from_le_bytes(t.elem, t.shape.clone(), &memories[b.memory])
                            .map_err(fail)
                    })
                    .collect();
            }
            other => {
                return Err(fail(
                    format!("'{other}' cannot run in a host program").into(),
                ))
            }
        }
    }
    Err(fail_at(f.0, "function has no func.return".into()))
}

fn bytes_at(memories: &[Vec<u8>], b: Binding, n: usize) -> &[u8] {
    &memories[b.memory][b.offset..b.offset + n]
}

/// Runs host function `f` on buffers of the caller's memories: its inputs are read from
/// `bindings`, its outputs written back there.
fn call(
    m: &Module,
    f: Function,
    memories: &mut [Vec<u8>],
    bindings: &[Binding],
    executor: &mut dyn KernelExecutor,
) -> Result<(), InterpError> {
    let fail = |e: IrError| InterpError::at(m, f.0, e.message);
    let n_in = num_inputs(m, f).unwrap_or(0);
    let types: Vec<TensorType> = f
        .arguments(m)
        .iter()
        .map(|&a| memref(m, a).cloned())
        .collect::<Result<_, _>>()
        .map_err(fail)?;
    let mut inputs = Vec::with_capacity(n_in);
    for (t, &b) in types.iter().zip(bindings).take(n_in) {
        let bytes = bytes_at(memories, b, bytes_of(t));
        inputs.push(Tensor::from_le_bytes(t.elem, t.shape.clone(), bytes).map_err(fail)?);
    }
    let outputs = execute(m, f, &inputs, executor)?;
    for (t, &b) in outputs.iter().zip(&bindings[n_in..]) {
        let bytes = t.to_le_bytes();
        memories[b.memory][b.offset..b.offset + bytes.len()].copy_from_slice(&bytes);
    }
    Ok(())
}

/// Runs a `host.if` or a `host.loop` (see [`crate::control`]) on bound buffers.
fn run_control(
    m: &Module,
    op: OpId,
    memories: &mut [Vec<u8>],
    bindings: &[Binding],
    executor: &mut dyn KernelExecutor,
) -> Result<(), InterpError> {
    use crate::control;
    let fail = |e: IrError| InterpError::at(m, op, e.message);
    let size = |v: ValueId| memref(m, v).map(bytes_of).map_err(fail);
    let operands = &m.op(op).operands;
    if m.op(op).name == ops::HOST_IF {
        let taken = bytes_at(memories, bindings[0], size(operands[0])?)
            .iter()
            .any(|&b| b != 0);
        let attr = if taken {
            control::THEN_ATTR
        } else {
            control::ELSE_ATTR
        };
        let f = control::callee(m, op, attr).map_err(fail)?;
        return call(m, f, memories, &bindings[1..], executor);
    }
    let body = control::callee(m, op, control::BODY_ATTR).map_err(fail)?;
    let n = control::host_loop_carried(m, op).map_err(fail)?;
    let n_in = num_inputs(m, body).unwrap_or(0);
    let mut trip = [0u8; 8];
    trip.copy_from_slice(bytes_at(memories, bindings[0], 8));
    let trip = i64::from_le_bytes(trip);
    let args = &bindings[1..];
    let cond_size = size(operands[2])?;
    let mut i = 0i64;
    while i < trip
        && bytes_at(memories, args[1], cond_size)
            .iter()
            .any(|&b| b != 0)
    {
        let c = args[0];
        memories[c.memory][c.offset..c.offset + 8].copy_from_slice(&i.to_le_bytes());
        call(m, body, memories, args, executor)?;
        for j in 0..=n {
            let bytes = bytes_at(memories, args[n_in + j], size(operands[1 + n_in + j])?).to_vec();
            let dst = args[1 + j];
            memories[dst.memory][dst.offset..dst.offset + bytes.len()].copy_from_slice(&bytes);
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{interp, parse_module, verify_module, Tensor};

    /// A host program: `y = x * 2` computed through a scratch buffer in a kernel, with an
    /// arena intermediate and a view.
    const PROGRAM: &str = r#""builtin.module"() ({
  "loop.kernel"() ({
  ^bb0(%in: memref<2x4xf32>, %out: memref<2x4xf32>):
    %tmp = "loop.alloca"() : () -> memref<4xf32>
    "loop.for"() ({
    ^bb0(%i: index):
      "loop.for"() ({
      ^bb0(%j: index):
        %x = "loop.load"(%in, %i, %j) : (memref<2x4xf32>, index, index) -> f32
        %y = "kernel.add"(%x, %x) : (f32, f32) -> f32
        "loop.store"(%y, %tmp, %j) : (f32, memref<4xf32>, index) -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 4 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%j: index):
        %v = "loop.vload"(%tmp, %j) : (memref<4xf32>, index) -> vector<4xf32>
        "loop.vstore"(%v, %out, %i, %j) : (vector<4xf32>, memref<2x4xf32>, index, index) -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 4 : i64, upper = 4 : i64} : () -> ()
    }) {grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 2 : i64} : () -> ()
  }) {sym_name = "double"} : () -> ()
  "func.func"() ({
  ^bb0(%x: memref<8xf32>, %y: memref<2x4xf32>):
    %a = "host.view"(%x) : (memref<8xf32>) -> memref<2x4xf32>
    %t = "host.alloc"() {offset = 0 : i64} : () -> memref<2x4xf32>
    "host.dispatch"(%a, %t) {kernel = "double", workgroups = array<i64: 2, 1, 1>} : (memref<2x4xf32>, memref<2x4xf32>) -> ()
    "host.dispatch"(%t, %y) {kernel = "double", workgroups = array<i64: 2, 1, 1>} : (memref<2x4xf32>, memref<2x4xf32>) -> ()
    "func.return"() : () -> ()
  }) {arg_attrs = [{strata.name = "x"}, {strata.name = "y"}], function_type = (memref<8xf32>, memref<2x4xf32>) -> (), host.arena_bytes = 32 : i64, host.num_inputs = 1 : i64, sym_name = "main"} : () -> ()
}) : () -> ()"#;

    #[test]
    fn host_programs_run_kernels_on_planned_buffers() {
        let m = parse_module(PROGRAM).unwrap();
        verify_module(&m).unwrap();
        let x = Tensor::from_vec(vec![8], (0..8).map(|v| v as f32).collect()).unwrap();
        let y = interp::run(&m, "main", &[x]).unwrap();
        assert_eq!(y[0].dims(), &[2, 4]);
        let expected: Vec<f32> = (0..8).map(|v| 4.0 * v as f32).collect();
        assert_eq!(y[0].as_slice::<f32>().unwrap(), expected.as_slice());
    }

    #[test]
    fn bad_programs_and_inputs_are_errors() {
        let m = parse_module(PROGRAM).unwrap();
        // Wrong input shape: named, not a panic.
        let x = Tensor::from_vec(vec![4], vec![0f32; 4]).unwrap();
        let e = interp::run(&m, "main", &[x]).unwrap_err();
        assert!(
            e.to_string().contains("input 'x' must be tensor<8xf32>"),
            "{e}"
        );
        // A workgroup count that disagrees with the kernel's grid.
        let bad = PROGRAM.replacen("array<i64: 2, 1, 1>", "array<i64: 3, 1, 1>", 1);
        let e = verify_module(&parse_module(&bad).unwrap()).unwrap_err();
        assert!(
            e.to_string().contains("differ from the kernel's grid"),
            "{e}"
        );
        // An allocation outside the arena.
        let bad = PROGRAM.replace("offset = 0 : i64", "offset = 16 : i64");
        let m = parse_module(&bad).unwrap();
        let x = Tensor::from_vec(vec![8], vec![0f32; 8]).unwrap();
        let e = interp::run(&m, "main", std::slice::from_ref(&x)).unwrap_err();
        assert!(e.to_string().contains("outside the arena"), "{e}");
        // An out-of-bounds access inside a kernel.
        let bad = PROGRAM.replace(
            "upper = 4 : i64} : () -> ()\n      \"loop.for\"",
            "upper = 5 : i64} : () -> ()\n      \"loop.for\"",
        );
        let m = parse_module(&bad).unwrap();
        let e = interp::run(&m, "main", &[x]).unwrap_err();
        assert!(e.to_string().contains("out of bounds"), "{e}");
    }
}
