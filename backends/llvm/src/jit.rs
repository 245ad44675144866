//! JIT compilation of a module's kernels for this machine, to run them in-process (the
//! host interpreter's `--jit` mode, and tests).

use crate::translate::translate;
use crate::CodegenError;
use inkwell::context::Context;
use inkwell::execution_engine::ExecutionEngine;
use inkwell::OptimizationLevel;
use std::collections::HashMap;
use strata_abi::{KernelFn, Status};
use strata_ir::{Module, OpId};

/// A JIT-compiled module of kernels.
pub struct Jit<'ctx> {
    engine: ExecutionEngine<'ctx>,
    /// Each kernel's argument sizes, by name.
    sizes: HashMap<String, Vec<usize>>,
}

impl<'ctx> Jit<'ctx> {
    /// Translates `m`'s kernels and compiles them for this machine at `-O3`.
    pub fn new(ctx: &'ctx Context, m: &Module) -> Result<Jit<'ctx>, CodegenError> {
        let llvm = ctx.create_module("strata");
        translate(ctx, m, &llvm, "")?;
        let sizes = strata_ir::loops::kernels(m)?
            .into_iter()
            .map(|(op, name)| {
                Ok((
                    name.to_string(),
                    strata_ir::loops::kernel_argument_bytes(m, op)?,
                ))
            })
            .collect::<Result<_, strata_ir::IrError>>()?;
        llvm.verify()
            .map_err(|e| CodegenError::Llvm(e.to_string()))?;
        let engine = llvm
            .create_jit_execution_engine(OptimizationLevel::Aggressive)
            .map_err(|e| CodegenError::Llvm(e.to_string()))?;
        Ok(Jit { engine, sizes })
    }

    /// The byte size of each argument buffer of kernel `name`.
    pub fn argument_sizes(&self, name: &str) -> Result<&[usize], CodegenError> {
        self.sizes
            .get(name)
            .map(Vec::as_slice)
            .ok_or_else(|| CodegenError::from(format!("no kernel '{name}'")))
    }

    /// Runs kernel `name` over its whole grid on `buffers`, one per kernel argument, each
    /// exactly the argument's size (checked).
    pub fn run(
        &self,
        name: &str,
        buffers: &mut [Vec<u8>],
        grid: [i64; 3],
    ) -> Result<(), CodegenError> {
        let sizes = self.argument_sizes(name)?;
        if buffers.len() != sizes.len() || buffers.iter().zip(sizes).any(|(b, &n)| b.len() != n) {
            return Err(CodegenError::Kernel {
                kernel: name.into(),
                message: format!(
                    "takes buffers of {sizes:?} bytes, got {:?}",
                    buffers.iter().map(Vec::len).collect::<Vec<_>>()
                ),
            });
        }
        let ptrs: Vec<*mut u8> = buffers.iter_mut().map(|b| b.as_mut_ptr()).collect();
        // Safety: one pointer per argument, each to a buffer of the argument's size.
        unsafe { self.run_pointers(name, &ptrs, grid) }
    }

    /// Runs kernel `name` over its whole grid with argument base pointers `ptrs`.
    ///
    /// # Safety
    /// `ptrs` has one pointer per kernel argument ([`Jit::argument_sizes`]), each valid for
    /// reads and writes of that many bytes, and no other thread uses them meanwhile.
    pub unsafe fn run_pointers(
        &self,
        name: &str,
        ptrs: &[*mut u8],
        grid: [i64; 3],
    ) -> Result<(), CodegenError> {
        let kernel_error = |message: String| CodegenError::Kernel {
            kernel: name.into(),
            message,
        };
        if ptrs.len() != self.argument_sizes(name)?.len() {
            return Err(kernel_error("wrong number of buffers".into()));
        }
        // Safety: the function has the kernel ABI signature by construction.
        let f = unsafe { self.engine.get_function::<KernelFn>(name) }
            .map_err(|e| kernel_error(e.to_string()))?;
        for z in 0..grid[2] {
            for y in 0..grid[1] {
                for x in 0..grid[0] {
                    // Safety: the caller's guarantee on `ptrs`; the kernel checks the
                    // indices it reads from data.
                    let status = unsafe { f.call(ptrs.as_ptr(), x, y, z) };
                    if status != Status::OK {
                        return Err(kernel_error(Status::from_code(status).message()));
                    }
                }
            }
        }
        Ok(())
    }
}

/// Runs a host program's kernels as JIT-compiled code (see [`Jit`]).
pub struct JitExecutor<'ctx> {
    jit: Jit<'ctx>,
}

impl<'ctx> JitExecutor<'ctx> {
    /// Compiles every kernel of `m`.
    pub fn new(ctx: &'ctx Context, m: &Module) -> Result<Self, CodegenError> {
        Ok(JitExecutor {
            jit: Jit::new(ctx, m)?,
        })
    }
}

impl strata_ir::host::KernelExecutor for JitExecutor<'_> {
    fn dispatch(
        &mut self,
        m: &Module,
        kernel: OpId,
        memories: &mut [Vec<u8>],
        bindings: &[strata_ir::loops::interp::Binding],
    ) -> Result<(), strata_ir::IrError> {
        let name = match m.op(kernel).attrs.get("sym_name") {
            Some(strata_ir::Attribute::String(s)) => s.clone(),
            _ => return Err("kernel without a name".into()),
        };
        let sizes = self
            .jit
            .argument_sizes(&name)
            .map_err(|e| strata_ir::IrError::new(e.to_string()))?;
        if bindings.len() != sizes.len() {
            return Err(format!(
                "kernel '{name}' takes {} buffers, {} were bound",
                sizes.len(),
                bindings.len()
            )
            .into());
        }
        let mut ptrs = Vec::with_capacity(bindings.len());
        for (b, &need) in bindings.iter().zip(sizes) {
            let mem = memories
                .get_mut(b.memory)
                .ok_or("binding to a missing memory")?;
            if b.offset.checked_add(need).is_none_or(|end| end > mem.len()) {
                return Err(format!(
                    "binding at byte {} of {} does not fit its memory of {} bytes",
                    b.offset,
                    need,
                    mem.len()
                )
                .into());
            }
            // Safety: in bounds, checked just above.
            ptrs.push(unsafe { mem.as_mut_ptr().add(b.offset) });
        }
        let grid = strata_ir::loops::grid_size(m, kernel)?;
        // Safety: one pointer per argument, each checked above to address its size.
        unsafe { self.jit.run_pointers(&name, &ptrs, grid) }
            .map_err(|e| strata_ir::IrError::new(e.to_string()))
    }
}
