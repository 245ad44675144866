//! Strata's CPU back end: `loop.kernel`s to LLVM IR (through inkwell, LLVM 22 linked
//! dynamically), optimized by LLVM and run by JIT or emitted as object code, for the CPU
//! the module's target description names.
//!
//! - [`translate`]: loop kernels to LLVM IR;
//! - [`target`]: CPU descriptions (this machine's, or a triple, CPU and features) and the
//!   LLVM target machines made from them;
//! - [`jit`]: kernels compiled in-process, for the host interpreter and tests;
//! - [`link`]: object files into the shared objects the runtime's CPU device loads.
//!
//! **Kernel ABI** (`strata_abi::kernel`). Each kernel becomes
//! `i32 @name(ptr %bindings, i64 %wg_x, i64 %wg_y, i64 %wg_z)`: `%bindings` points to one
//! base pointer per kernel argument (inputs, then outputs), and one call runs one
//! workgroup — loops marked `grid = k` take workgroup id `k` as their index instead of
//! iterating. The runtime calls every workgroup of the grid, on as many threads as it likes.
//! It returns `Status::OK`, or `Status::OUT_OF_BOUNDS` when an index read from data (a
//! gather's, through `loop.index_cast`) falls outside its buffer: those accesses are
//! checked, the affine ones are in bounds by construction.
//!
//! **Status.** Loops (grid, serial), index arithmetic, scalar, vector and strided vector
//! loads/stores, broadcasts, scratch buffers, casts, `loop.contract` (packed,
//! register-blocked matrix products, in one library object per model), and every scalar
//! op of the kernel dialect on every element type the IR has. An op the verifier would reject (bitwise logic on floats, say)
//! is an error naming it ([`NO_TRANSLATION`]), never a crash.
//!
//! **Numerics.** Results follow the reference interpreter: integer division and remainder
//! by zero give 0 and overflow wraps, shifts by the width or more shift every bit out,
//! float→int casts saturate. 16-bit floats (`f16`, `bf16`) are stored as such and
//! computed in `f32` registers, rounded back after every op. `erf` (and exact GELU) is our
//! own approximation, LLVM having no intrinsic: a Taylor polynomial below |x| = 0.5 and
//! an exponential-times-Chebyshev form for `erfc` above; its error against the exact
//! function is at most 1.3e-7 absolute in f32, measured by a test over [-6, 6].

mod error;
pub mod jit;
pub mod link;
pub mod target;
pub mod translate;

pub use error::CodegenError;
pub use jit::{Jit, JitExecutor};
pub use link::{link_shared_object, link_shared_objects};
pub use target::{describe_cpu, host_cpu, CpuRequest};
pub use translate::{translate, NO_TRANSLATION};

use inkwell::context::Context;
use strata_ir::target::{target_of, Target};
use strata_ir::{Module, OpId};

/// The CPU description of a module to compile: its target's.
pub fn module_cpu(m: &Module) -> Result<strata_abi::CpuTarget, CodegenError> {
    match target_of(m)? {
        Some(Target::Cpu(c)) => Ok(c),
        Some(other) => Err(CodegenError::from(format!(
            "the module is compiled for '{}', not for a CPU",
            other.kind()
        ))),
        None => Err(CodegenError::from(
            "the module has no target description (compile it with --target cpu)",
        )),
    }
}

/// Translates `m`'s kernels, optimizes them with LLVM's `-O3` pipeline for the CPU of the
/// module's target description and returns a relocatable object file's bytes. Each
/// kernel's symbol is `symbol_prefix` + its name.
pub fn compile_object(m: &Module, symbol_prefix: &str) -> Result<Vec<u8>, CodegenError> {
    let cpu = module_cpu(m)?;
    let all: Vec<OpId> = strata_ir::loops::kernels(m)?
        .into_iter()
        .map(|(op, _)| op)
        .collect();
    compile_share(m, &cpu, symbol_prefix, &all)
}

/// `m`'s kernels as LLVM IR text, before LLVM optimizes them: what this back end itself
/// generates (for snapshot tests, and for reading what a kernel became).
pub fn translate_to_text(m: &Module, symbol_prefix: &str) -> Result<String, CodegenError> {
    let ctx = Context::create();
    let llvm = ctx.create_module("strata");
    translate(&ctx, m, &llvm, symbol_prefix)?;
    llvm.verify()
        .map_err(|e| CodegenError::Llvm(e.to_string()))?;
    Ok(llvm.print_to_string().to_string())
}

/// [`compile_object`] as one object per kernel, compiled on `threads` threads (LLVM's
/// optimizer is most of a compile, and a model's kernels are independent), for linking
/// together into one shared object. The matrix-product routines the kernels call are
/// objects of their own, one per routine, compiled once beside them (they are known
/// before any kernel is translated). The biggest jobs go first, each to the next free
/// thread, so the threads finish together.
pub fn compile_objects(
    m: &Module,
    symbol_prefix: &str,
    threads: usize,
) -> Result<Vec<Vec<u8>>, CodegenError> {
    let cpu = module_cpu(m)?;
    let variants = translate::gemm_variants(m)?;
    /// One object to compile: a routine of the library, or a kernel.
    #[derive(Clone, Copy)]
    enum Job {
        Routine(usize),
        Kernel(OpId),
    }
    let mut jobs: Vec<(usize, Job)> = strata_ir::loops::kernels(m)?
        .iter()
        .map(|&(op, _)| {
            let mut nested = Vec::new();
            strata_ir::loops::nested_ops(m, op, &mut nested);
            (nested.len(), Job::Kernel(op))
        })
        .collect();
    jobs.sort_by_key(|j| std::cmp::Reverse(j.0));
    // A routine's optimization takes longer than any kernel's: first.
    jobs.splice(
        0..0,
        (0..variants.len()).map(|i| (usize::MAX, Job::Routine(i))),
    );
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = threads.clamp(1, jobs.len().max(1));
    type Linked = Result<(Vec<u8>, Vec<translate::GemmVariant>), CodegenError>;
    type Numbered = Vec<(usize, Linked)>;
    let results: Vec<Numbered> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&(_, job)) = jobs.get(i) else { break };
                        let object = match job {
                            Job::Kernel(op) => compile_linked(m, &cpu, symbol_prefix, &[op]),
                            Job::Routine(v) => compile_routine(&cpu, symbol_prefix, variants[v])
                                .map(|o| (o, vec![])),
                        };
                        mine.push((i, object));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    vec![(
                        0,
                        Err(CodegenError::Llvm(
                            "a code generator thread panicked".into(),
                        )),
                    )]
                })
            })
            .collect()
    });
    let mut all: Numbered = results.into_iter().flatten().collect();
    all.sort_by_key(|(i, _)| *i);
    let mut objects = Vec::with_capacity(all.len());
    for (_, r) in all {
        let (object, used) = r?;
        if let Some(v) = used.iter().find(|v| !variants.contains(v)) {
            return Err(CodegenError::Llvm(format!(
                "a kernel calls the matrix-product routine {} that the module's scan missed",
                v.name()
            )));
        }
        objects.push(object);
    }
    Ok(objects)
}

/// The object defining one matrix-product routine, exported as `symbol_prefix` + its name.
fn compile_routine(
    cpu: &strata_abi::CpuTarget,
    symbol_prefix: &str,
    variant: translate::GemmVariant,
) -> Result<Vec<u8>, CodegenError> {
    let ctx = Context::create();
    let llvm = ctx.create_module("strata_gemm");
    translate::define_library(&ctx, &llvm, symbol_prefix, &[variant])?;
    optimize_to_object(&llvm, cpu)
}

/// One object of the kernels `kernels` of `m` that calls the matrix-product routines it
/// needs (returned) in another object.
fn compile_linked(
    m: &Module,
    cpu: &strata_abi::CpuTarget,
    symbol_prefix: &str,
    kernels: &[OpId],
) -> Result<(Vec<u8>, Vec<translate::GemmVariant>), CodegenError> {
    let ctx = Context::create();
    let llvm = ctx.create_module("strata");
    let (_, used) = translate::translate_linking(&ctx, m, &llvm, symbol_prefix, kernels, true)?;
    Ok((optimize_to_object(&llvm, cpu)?, used))
}

/// Optimizes `llvm` with `-O3` for `cpu` and emits it as an object file.
fn optimize_to_object(
    llvm: &inkwell::module::Module,
    cpu: &strata_abi::CpuTarget,
) -> Result<Vec<u8>, CodegenError> {
    use inkwell::passes::PassBuilderOptions;
    use inkwell::targets::FileType;
    let machine = target::target_machine(cpu)?;
    llvm.set_triple(&machine.get_triple());
    llvm.set_data_layout(&machine.get_target_data().get_data_layout());
    llvm.verify()
        .map_err(|e| CodegenError::Llvm(e.to_string()))?;
    // LLVM's loop unroller off: Strata's own `unroll` pass has unrolled what it should
    // (and the matrix-product kernel is blocked by hand), and unrolling again was half of
    // LLVM's time for no measurable speed (MLP 0.32 → 0.21 s, BERT 0.63 → 0.38 s).
    let options = PassBuilderOptions::create();
    options.set_loop_unrolling(false);
    llvm.run_passes("default<O3>", &machine, options)
        .map_err(|e| CodegenError::Llvm(e.to_string()))?;
    machine
        .write_to_memory_buffer(llvm, FileType::Object)
        .map(|b| b.as_slice().to_vec())
        .map_err(|e| CodegenError::Llvm(e.to_string()))
}

/// One object of the kernels `kernels` of `m`, in a context of its own (the
/// matrix-product routines they call inside it).
fn compile_share(
    m: &Module,
    cpu: &strata_abi::CpuTarget,
    symbol_prefix: &str,
    kernels: &[OpId],
) -> Result<Vec<u8>, CodegenError> {
    let ctx = Context::create();
    let llvm = ctx.create_module("strata");
    translate::translate_kernels(&ctx, m, &llvm, symbol_prefix, kernels)?;
    optimize_to_object(&llvm, cpu)
}
