//! The machine parameters the loop-level schedule follows, read off the target
//! description once.

use strata_ir::target::Target;

/// The machine parameters that loop tiling, vectorization, staging and unrolling follow,
/// read off a target description.
#[derive(Clone, Debug, PartialEq)]
pub struct LoopParams {
    /// Vector register width in bits (lanes = bits / element bits).
    pub vector_bits: usize,
    /// Fast memory one workgroup works in: L1 cache on a CPU core or a GPU compute unit,
    /// the unified buffer of an accelerator.
    pub fast_memory_bytes: usize,
    /// How many workgroups keep the machine busy.
    pub workgroups: usize,
    /// Points one workgroup should cover at least (GPU invocations per workgroup), so
    /// tiny workgroups don't waste the machine.
    pub min_workgroup_points: usize,
    /// Innermost-loop unroll factor.
    pub unroll: usize,
    /// Workgroup memory a kernel may stage reused operand tiles in (`stage` pass): GPU
    /// shared memory; 0 where caches do that job (CPUs).
    pub stage_bytes: usize,
    /// Whether reductions may be reassociated into vector accumulators (`vectorize`):
    /// CPUs and systolic machines' vector units, where that is what makes a row sum or
    /// max run at vector speed. Results then differ from the kernel level's in rounding
    /// (sums), never in meaning.
    pub reassociate: bool,
    /// Whether a vector load may gather, its lanes along an outer dimension
    /// (`vectorize`: a transpose's reads): CPUs, whose back end makes it one gather.
    pub gathers: bool,
    /// Vector registers (for the register tile of `loop.contract`).
    pub vector_registers: usize,
    /// Threads that run workgroups at once (1 where the device schedules them itself).
    pub threads: usize,
    /// Whether the back end takes whole matrix products (`loop.contract`): CPUs, whose
    /// code generator has a packed, register-blocked kernel for them, and systolic
    /// machines, whose back end maps them onto the array.
    pub contract: bool,
    /// Whether the back end takes integer products of 8-bit factors into i32
    /// (`acc + ext(x)·ext(y)`, a quantized model's) as `loop.contract`: int8 systolic
    /// machines. Elsewhere they run as loops.
    pub contract_int8: bool,
    /// Whether constant factors of a `loop.contract` are stored in the micro-kernel's
    /// panels at compile time (CPUs); a systolic machine's DMA reads them row by row.
    pub prepack: bool,
    /// Whether a constant B (a layer's weights) is stored row-major `[k][n]` at compile
    /// time, whatever its layout in the model (a Gemm's `transB`): systolic machines,
    /// whose DMA loads weight tiles by rows.
    pub weights_row_major: bool,
}

/// Workgroups per CPU thread: enough that uneven workgroups still balance over threads.
const CPU_WORKGROUPS_PER_THREAD: usize = 8;

impl LoopParams {
    /// The parameters of `target`.
    pub fn for_target(target: &Target) -> LoopParams {
        match target {
            Target::Cpu(c) => LoopParams {
                vector_bits: c.vector_bits as usize,
                fast_memory_bytes: c.l1_bytes as usize,
                workgroups: c.threads as usize * CPU_WORKGROUPS_PER_THREAD,
                min_workgroup_points: 1,
                unroll: 2,
                stage_bytes: 0,
                contract: true,
                contract_int8: false,
                prepack: true,
                weights_row_major: false,
                reassociate: true,
                gathers: true,
                vector_registers: c.vector_registers() as usize,
                threads: c.threads as usize,
            },
            Target::Vulkan(g) => LoopParams {
                vector_bits: g.vector_bits as usize,
                fast_memory_bytes: g.l1_bytes as usize,
                workgroups: g.resident_workgroups as usize,
                min_workgroup_points: g.workgroup_size as usize,
                unroll: 1,
                stage_bytes: g.shared_memory_bytes as usize,
                contract: false,
                contract_int8: false,
                prepack: false,
                weights_row_major: false,
                reassociate: false,
                gathers: false,
                vector_registers: 16,
                threads: 1,
            },
            Target::Systolic(s) => LoopParams {
                vector_bits: s.vector_lanes as usize * 32,
                fast_memory_bytes: s.buffer_bytes as usize,
                workgroups: 1,
                min_workgroup_points: s.rows as usize * s.cols as usize,
                unroll: 1,
                stage_bytes: 0,
                // The products the array takes; the others run on the vector unit.
                contract: array_sums(s) == strata_ir::ElementType::F32,
                contract_int8: array_sums(s) == strata_ir::ElementType::I32,
                prepack: false,
                weights_row_major: true,
                reassociate: true,
                gathers: false,
                vector_registers: 16,
                threads: 1,
            },
        }
    }
}

/// What the products a systolic array takes sum in: f32 on a bf16 array (f32 factors
/// rounded to bf16 as they enter), i32 on an int8 array (8-bit factors widened, as
/// quantized products import). The tile pass and the e-graph's cost model both ask.
pub fn array_sums(s: &strata_abi::SystolicTarget) -> strata_ir::ElementType {
    match s.input_type {
        strata_abi::ArrayInput::Bf16 => strata_ir::ElementType::F32,
        strata_abi::ArrayInput::Int8 => strata_ir::ElementType::I32,
    }
}

impl LoopParams {
    /// Whether the back end takes a whole matrix product summing in `elem` (f32, or i32
    /// from 8-bit factors) as `loop.contract`.
    pub fn contracts(&self, elem: strata_ir::ElementType) -> bool {
        match elem {
            strata_ir::ElementType::F32 => self.contract,
            strata_ir::ElementType::I32 => self.contract_int8,
            _ => false,
        }
    }

    /// The register tile `[rows, columns]` of a contraction with `columns` columns
    /// ([`strata_abi::target::micro_tile`]).
    pub fn micro_tile(&self, columns: usize) -> [usize; 2] {
        strata_abi::target::micro_tile(
            self.vector_bits as u32,
            self.vector_registers as u32,
            columns,
        )
    }
}

/// Lanes of a vector of elements of `bytes` bytes.
pub(crate) fn lanes(params: &LoopParams, bytes: usize) -> usize {
    (params.vector_bits / (8 * bytes.max(1))).clamp(1, 64)
}
