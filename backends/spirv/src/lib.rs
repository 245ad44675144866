//! Strata's GPU back end: `loop.kernel`s to SPIR-V compute shaders (through rspirv) that
//! any Vulkan 1.1 device runs.
//!
//! **Shader ABI.** All kernels of a module become entry points of one SPIR-V 1.3 module
//! (GLCompute, logical addressing, GLSL450 memory model), each named as its kernel. Kernel
//! argument `i` (inputs, then outputs) is the storage buffer at descriptor set 0, binding
//! `i`, an array of its element type; binding `n` (one past the arguments) is a status
//! buffer of 32-bit words. One push-constant block of the target's `push_constant_words`
//! carries the dynamic values, laid out as `strata_abi::kernel::push_constants` says: the
//! dispatch's number, then the byte offset of each argument inside its binding (so that
//! the runtime can bind a buffer at an offset its device's alignment allows and pass the
//! rest here). A kernel that reads an index from
//! data (a gather's) checks it and, when it is out of bounds, writes `number + 1` to the
//! status buffer instead of touching memory outside its buffer.
//!
//! **Mapping to the GPU.** Every fact about the device comes from the module's target
//! description (`strata_abi::GpuTarget`). Loops marked `grid = k` are workgroup id `k`.
//! Inside a workgroup of the target's `workgroup_size` invocations, each loop nest at workgroup level (a
//! *phase*: the initialization, accumulation and epilogue of a contraction, say) has its
//! band of perfectly nested parallel loops with the most iterations collapsed and dealt
//! out to the invocations round-robin — the per-invocation tiles; the loops outside and
//! inside the band run in every invocation. A workgroup barrier separates a phase that
//! writes memory from the next that touches it. A phase whose stores no parallel band
//! covers (or that reads back what another invocation may write) runs in invocation 0
//! alone, which is slow but right. A reduction loop at workgroup level that holds several
//! phases (the `stage` pass's copy of an operand tile, then the contraction over it) runs
//! in every invocation with its body treated as a workgroup block, and a barrier ends each
//! iteration so the next copy waits for this one's readers. `loop.alloca`s are workgroup
//! memory (arrays of the register type, so narrow types need no extra capability),
//! shared by the invocations and ordered by the same phases and barriers as any buffer.
//! A band with at most one iteration per invocation is a condition on the invocation's
//! id, and a loop of one iteration its body: llvmpipe counts every loop pass of an
//! invocation, the last one that exits included, and ends them all after 65535, so the
//! back end counts them too ([`Shader::loop_iterations`], an upper bound) for the runtime
//! to refuse what would come back wrong. To stay under that count, an innermost loop (or
//! band) whose passes per invocation would pass 4096 runs up to 8 copies of its body per
//! pass, each after the first guarded by the loop's bound (a long window's max, a long
//! reduction over few outputs).
//!
//! **Types.** Every element type is stored as itself (8- and 16-bit types through the
//! `StorageBuffer8BitAccess`/`StorageBuffer16BitAccess` capabilities, 64-bit through
//! `Int64`/`Float64`) and computed in 32-bit registers where it is narrower: `f16` and
//! `bf16` in `f32`, rounded after every op as the interpreter rounds; `i8`, `u8`, `i16` in
//! `i32`, wrapped after every op. [`Shader::features`] says which device features the
//! module needs. Vectors of the loop dialect are split into their lanes.
//!
//! **Numerics.** As the CPU back end's: integer division by 0 gives 0, overflow wraps,
//! float→int casts saturate, max/min propagate NaN, `erf` is the approximation of
//! [`strata_ir::kernel::approx`] (at most 1.3e-7 absolute error in exact f32 arithmetic;
//! the device's `exp` adds its own error, a few ulp by the Vulkan spec). Transcendental
//! functions use GLSL.std.450, which defines them for 32-bit floats only; on `f64`, `exp`
//! and `log` (and what is built on them: sigmoid, softplus, erf, elu, …) are the shared
//! approximations of [`strata_ir::kernel::approx`] (within 4 ε of libm), the others an
//! error naming the op ([`NO_TRANSLATION`]).

mod abi;
mod error;
mod kernel;
mod ops;
mod types;
mod validate;

pub use error::ShaderError;
use kernel::KernelGen;
use types::Gen;
pub use validate::{disassemble, validate};

use rspirv::spirv::Capability;
use strata_abi::GpuTarget;
use strata_ir::target::{target_of, Target};
use strata_ir::{Module, OpId};

/// The Vulkan environment the shaders target (for `spirv-val --target-env`).
pub const TARGET_ENV: &str = "vulkan1.1";
/// The phrase for an op this back end does not translate.
pub const NO_TRANSLATION: &str = "no SPIR-V translation for";

fn err(m: &Module, op: OpId, msg: impl std::fmt::Display) -> ShaderError {
    ShaderError::at(m, op, msg)
}

/// Optional device features a shader module uses.
pub use strata_abi::target::GpuFeatures as Features;

/// A SPIR-V module with one entry point per kernel.
#[derive(Clone, Debug)]
pub struct Shader {
    pub words: Vec<u32>,
    /// The kernels' names (their entry points'), in module order.
    pub kernels: Vec<String>,
    /// Per kernel (in `kernels`' order), the most loop iterations one invocation runs,
    /// all its loops together: drivers that end long-running loops (llvmpipe stops a
    /// shader's loops after 65535 iterations in all) refuse kernels past their limit.
    pub loop_iterations: Vec<u64>,
    pub features: Features,
}

impl Shader {
    /// The module as bytes (little-endian words), as Vulkan and files take it.
    pub fn bytes(&self) -> Vec<u8> {
        self.words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }
}

/// The GPU description of a module to translate: its target's.
pub fn module_gpu(m: &Module) -> Result<GpuTarget, crate::ShaderError> {
    match target_of(m)? {
        Some(Target::Vulkan(g)) => Ok(g),
        Some(other) => Err(format!(
            "the module is compiled for '{}', not for a Vulkan GPU",
            other.kind()
        )
        .into()),
        None => {
            Err("the module has no target description (compile it with --target vulkan)".into())
        }
    }
}

/// Translates every `loop.kernel` of `m` into one shader module, for the GPU of the
/// module's target description.
pub fn translate(m: &Module) -> Result<Shader, crate::ShaderError> {
    let mut g = Gen::new(module_gpu(m)?);
    let mut kernels = Vec::new();
    let mut loop_iterations = Vec::new();
    for (op, name) in strata_ir::loops::kernels(m)? {
        loop_iterations.push(KernelGen::run(&mut g, m, op, name)?);
        kernels.push(name.to_string());
    }
    let features = g.features;
    if kernels.is_empty() {
        // Nothing to run: an empty module (no entry point) is not valid SPIR-V for Vulkan.
        return Ok(Shader {
            words: Vec::new(),
            kernels,
            loop_iterations,
            features,
        });
    }
    for (on, cap) in [
        (features.int64, Capability::Int64),
        (features.float64, Capability::Float64),
        (features.storage8, Capability::StorageBuffer8BitAccess),
        (features.storage16, Capability::StorageBuffer16BitAccess),
    ] {
        if on {
            g.b.capability(cap);
        }
    }
    if features.storage8 {
        g.b.extension("SPV_KHR_8bit_storage");
    }
    if features.storage16 {
        g.b.extension("SPV_KHR_16bit_storage");
    }
    use rspirv::binary::Assemble;
    Ok(Shader {
        words: g.b.module().assemble(),
        kernels,
        loop_iterations,
        features,
    })
}
