//! Target descriptions: every fact about the machine a module is compiled for, written
//! once. The compiler sets one on the module before its pipeline runs; the cost models,
//! the tiling and vectorization passes and the back ends read it from there; the module
//! file stores it with each executable, and the runtime's devices check it against the
//! machine they run on before loading any code.
//!
//! A description is plain data (serde), so it prints as a dictionary attribute on the IR
//! module (`strata.target = {kind = "cpu", ...}`), travels in the manifest as JSON, and
//! any field can be set from a pipeline option ([`Target::set`]:
//! `target{kind=cpu,vector-bits=256}`).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Something wrong with a target description or a request for one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TargetError(pub String);

fn error(msg: impl Into<String>) -> TargetError {
    TargetError(msg.into())
}

/// The kinds of machine Strata compiles for. Each layer that handles targets matches on
/// this enum exhaustively, so a new kind is a compile error wherever it needs a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    /// A CPU, through LLVM.
    Cpu,
    /// A GPU, through SPIR-V and Vulkan compute.
    Vulkan,
    /// A TPU-style systolic-array accelerator.
    Systolic,
}

impl TargetKind {
    /// Every kind.
    pub const ALL: [TargetKind; 3] = [TargetKind::Cpu, TargetKind::Vulkan, TargetKind::Systolic];

    /// The kind's name, as device kinds, `--target` and manifests spell it.
    pub fn name(self) -> &'static str {
        match self {
            TargetKind::Cpu => "cpu",
            TargetKind::Vulkan => "vulkan",
            TargetKind::Systolic => "systolic",
        }
    }

    /// Parses [`TargetKind::name`]; `gpu` is accepted for `vulkan`, the one GPU kind.
    pub fn from_name(name: &str) -> Result<TargetKind, TargetError> {
        match name {
            "gpu" => Ok(TargetKind::Vulkan),
            _ => Self::ALL
                .into_iter()
                .find(|k| k.name() == name)
                .ok_or_else(|| {
                    error(format!(
                        "unknown target '{name}' (cpu, vulkan or gpu, systolic)"
                    ))
                }),
        }
    }
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A CPU: what LLVM compiles for and what the schedule is tuned to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuTarget {
    /// The LLVM target triple (`x86_64-pc-linux-gnu`); empty for the compiling machine's.
    pub triple: String,
    /// The LLVM CPU name (`znver4`, `neoverse-v2`, `generic`).
    pub cpu: String,
    /// The instruction-set extensions the code may use, in LLVM's spelling without the
    /// `+` (`avx2`, `avx512f`), sorted. Only those a device can check are listed
    /// ([`cpu_features::checkable`]); a CPU device refuses code needing one it lacks, and
    /// the code generator disables those of the CPU name's defaults that are not listed.
    pub features: Vec<String>,
    /// The widest vector register, in bits.
    pub vector_bits: u32,
    /// The L1 data cache of one core, in bytes: what one workgroup's tile works in.
    pub l1_bytes: u64,
    /// The L2 cache of one core, in bytes.
    pub l2_bytes: u64,
    /// The last-level cache, shared by the cores, in bytes.
    pub l3_bytes: u64,
    /// The worker threads the code is scheduled for.
    pub threads: u32,
}

/// A GPU driven through Vulkan compute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuTarget {
    /// Invocations per workgroup (one dimension).
    pub workgroup_size: u32,
    /// Invocations that run in lockstep (a warp, a wavefront).
    pub subgroup_size: u32,
    /// Workgroup shared memory a kernel may use, in bytes.
    pub shared_memory_bytes: u32,
    /// Storage buffers one kernel may bind, its status buffer included.
    pub max_bindings: u32,
    /// 32-bit words of push constants a dispatch may use (see
    /// [`crate::kernel::push_constants`] for their layout).
    pub push_constant_words: u32,
    /// The widest load or store one invocation issues, in bits.
    pub vector_bits: u32,
    /// Cache per compute unit the tiling plans for, in bytes.
    pub l1_bytes: u64,
    /// Workgroups in flight that keep the whole device busy (compute units × occupancy).
    pub resident_workgroups: u32,
}

/// Optional Vulkan device features GPU code may use: the shader says which it uses, the
/// device which it has, by these names (`VkPhysicalDeviceFeatures` and friends).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GpuFeatures {
    pub int64: bool,
    pub float64: bool,
    pub storage8: bool,
    pub storage16: bool,
}

impl GpuFeatures {
    /// The Vulkan names of the features set.
    pub fn names(&self) -> Vec<String> {
        [
            (self.int64, "shaderInt64"),
            (self.float64, "shaderFloat64"),
            (self.storage8, "storageBuffer8BitAccess"),
            (self.storage16, "storageBuffer16BitAccess"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| n.to_string())
        .collect()
    }
}

/// How operands move through a systolic array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dataflow {
    /// Weight-stationary (the TPU's): a tile of weights sits in the cells while
    /// activations stream through and partial sums flow down into the accumulators.
    Ws,
    /// Output-stationary (Gemmini's other mode): each cell keeps one output's sum while
    /// activations and weights stream past, and drains it at the end.
    Os,
}

/// What the array multiplies, and so what it accumulates in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArrayInput {
    /// bfloat16 inputs (rounded to nearest even from f32), f32 accumulation.
    Bf16,
    /// int8 inputs, i32 accumulation.
    Int8,
}

impl ArrayInput {
    /// Bytes of one input element.
    pub fn bytes(self) -> u64 {
        match self {
            ArrayInput::Bf16 => 2,
            ArrayInput::Int8 => 1,
        }
    }
}

/// A TPU-style accelerator: a systolic array of multiply-accumulate cells fed from an
/// on-chip unified buffer, accumulators below it, a vector unit for everything that is
/// not a contraction, and off-chip memory behind a DMA engine. The machine file
/// ([`SystolicTarget::from_machine_file`]) starts from a preset
/// ([`SystolicTarget::PRESETS`]) and overrides fields by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystolicTarget {
    /// Rows of the array (the reduction depth of one weight tile, weight-stationary).
    pub rows: u32,
    /// Columns of the array (output columns of one tile).
    pub cols: u32,
    /// How operands flow through the array.
    pub dataflow: Dataflow,
    /// The array's input type (and so its accumulator type).
    pub input_type: ArrayInput,
    /// The on-chip unified buffer (activations, weights, results), in bytes.
    pub buffer_bytes: u64,
    /// The accumulators below the array, in bytes (32-bit sums).
    pub accumulator_bytes: u64,
    /// Off-chip memory bandwidth, bytes per second.
    pub bandwidth: u64,
    /// Cycles from a DMA request to its first byte.
    pub dram_latency_cycles: u64,
    /// Lanes of the vector unit (32-bit).
    pub vector_lanes: u32,
    /// Cycles per vector of a simple op (add, multiply, compare, select, max).
    pub vector_op_cycles: u32,
    /// Cycles per vector of a transcendental (exp, log, tanh, erf, sqrt).
    pub vector_transcendental_cycles: u32,
    /// Cycles per vector of a division.
    pub vector_divide_cycles: u32,
    /// Clock, in Hz.
    pub clock_hz: u64,
}

/// The most on-chip memory (unified buffer, accumulators) a systolic description may
/// have: the simulator holds it in host memory.
pub const MAX_ON_CHIP_BYTES: u64 = 1 << 30;

impl SystolicTarget {
    /// The machines a description can start from, by name.
    pub const PRESETS: [&'static str; 3] = ["mxu-128", "tpu-v1", "edge-16"];

    /// A preset: `mxu-128` (a 128×128 bf16 weight-stationary matrix unit at 1.05 GHz
    /// with HBM, about one TPU-v4 core's), `tpu-v1` (256×256 int8 weight-stationary at
    /// 700 MHz with DDR3, as the first TPU), `edge-16` (16×16 bf16 output-stationary at
    /// 1 GHz with a small scratchpad, as Gemmini's default).
    pub fn preset(name: &str) -> Result<SystolicTarget, TargetError> {
        let t = match name {
            "mxu-128" => SystolicTarget::mxu_128(),
            "tpu-v1" => SystolicTarget {
                rows: 256,
                cols: 256,
                dataflow: Dataflow::Ws,
                input_type: ArrayInput::Int8,
                buffer_bytes: 24 << 20,
                accumulator_bytes: 4 << 20,
                bandwidth: 34_000_000_000,
                dram_latency_cycles: 300,
                vector_lanes: 256,
                vector_op_cycles: 1,
                vector_transcendental_cycles: 8,
                vector_divide_cycles: 16,
                clock_hz: 700_000_000,
            },
            "edge-16" => SystolicTarget {
                rows: 16,
                cols: 16,
                dataflow: Dataflow::Os,
                input_type: ArrayInput::Bf16,
                buffer_bytes: 256 << 10,
                accumulator_bytes: 64 << 10,
                bandwidth: 16_000_000_000,
                dram_latency_cycles: 100,
                vector_lanes: 16,
                vector_op_cycles: 1,
                vector_transcendental_cycles: 8,
                vector_divide_cycles: 16,
                clock_hz: 1_000_000_000,
            },
            _ => {
                return Err(error(format!(
                    "unknown systolic preset '{name}' (presets: {})",
                    Self::PRESETS.join(", ")
                )))
            }
        };
        Ok(t)
    }

    /// Reads a machine file: TOML whose optional `preset = "NAME"` is the starting
    /// point (`mxu-128` without it) and whose other keys override its fields (snake- or
    /// kebab-case: `rows = 32`, `dataflow = "os"`, `input-type = "int8"`). Integers for
    /// sizes, strings for the dataflow and input type; an unknown key, a bad value or a
    /// description that cannot work (a zero size) is an error naming the key.
    pub fn from_machine_file(text: &str) -> Result<SystolicTarget, TargetError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| error(format!("machine file: {}", e.message())))?;
        let base = match table.get("preset") {
            None => SystolicTarget::default(),
            Some(toml::Value::String(name)) => SystolicTarget::preset(name)?,
            Some(v) => {
                return Err(error(format!(
                    "machine file: 'preset' names a preset, as a string, not as a {}",
                    v.type_str()
                )))
            }
        };
        let mut t = Target::Systolic(base);
        let mut fields = Vec::new();
        for (key, value) in table.iter().filter(|(k, _)| *k != "preset") {
            let text = match value {
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::String(s) => s.clone(),
                other => {
                    return Err(error(format!(
                        "machine file: '{key}' takes an integer or a string, not a {}",
                        other.type_str()
                    )))
                }
            };
            fields.push((key.as_str(), text));
        }
        t.set_all(fields)
            .map_err(|e| error(format!("machine file: {e}")))?;
        match t {
            Target::Systolic(s) => Ok(s),
            _ => Err(error("machine file: not a systolic description")),
        }
    }

    /// The `mxu-128` preset, which is also the default.
    fn mxu_128() -> SystolicTarget {
        SystolicTarget {
            rows: 128,
            cols: 128,
            dataflow: Dataflow::Ws,
            input_type: ArrayInput::Bf16,
            buffer_bytes: 16 << 20,
            accumulator_bytes: 4 << 20,
            bandwidth: 600_000_000_000,
            dram_latency_cycles: 500,
            vector_lanes: 128,
            vector_op_cycles: 1,
            vector_transcendental_cycles: 4,
            vector_divide_cycles: 8,
            clock_hz: 1_050_000_000,
        }
    }

    /// Multiply-accumulates the array does per cycle when busy.
    pub fn macs_per_cycle(&self) -> u64 {
        self.rows as u64 * self.cols as u64
    }
}

/// One target, described.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Target {
    Cpu(CpuTarget),
    Vulkan(GpuTarget),
    Systolic(SystolicTarget),
}

/// The register tile `[rows, columns]` of an f32 matrix-product micro-kernel for
/// `columns`-wide products on a CPU with `vector_bits`-bit vectors and `registers` of
/// them: up to 4 vectors per row (2 with 16 registers), fewer for narrow products, and
/// as many rows as the accumulators, the B vectors and one broadcast leave registers for
/// (6 × 4 vectors with AVX-512's 32, 6 × 2 with AVX2's 16). The compiler's tiling and
/// the code generator both follow it: operands packed at compile time are laid out in it.
pub fn micro_tile(vector_bits: u32, registers: u32, columns: usize) -> [usize; 2] {
    let lanes = (vector_bits / 32).clamp(4, 16);
    let nv_max = if registers >= 32 { 4 } else { 2 };
    let nv = (columns.div_ceil(lanes as usize) as u32).clamp(1, nv_max);
    let mr = (registers.saturating_sub(nv + 1) / nv).clamp(1, 16);
    [mr as usize, (nv * lanes) as usize]
}

impl CpuTarget {
    /// A CPU of `triple`'s architecture with nothing beyond its baseline instruction set,
    /// one thread and common cache sizes: a description that does not depend on the
    /// machine compiling (for tests, and a start for explicit settings).
    pub fn generic(triple: &str) -> CpuTarget {
        CpuTarget {
            triple: triple.into(),
            cpu: "generic".into(),
            features: Vec::new(),
            vector_bits: 128,
            l1_bytes: 32 << 10,
            l2_bytes: 512 << 10,
            l3_bytes: 8 << 20,
            threads: 1,
        }
    }

    /// How many vector registers the code may use: 32 with AVX-512 or on AArch64, 16
    /// otherwise (SSE, AVX, AVX2). What a register-blocked kernel's tile is sized by.
    pub fn vector_registers(&self) -> u32 {
        let avx512 = self.features.iter().any(|f| f == "avx512f");
        if avx512 || self.arch() == "aarch64" {
            32
        } else {
            16
        }
    }

    /// The architecture part of the triple (`x86_64`); the compiling machine's when the
    /// triple is empty.
    pub fn arch(&self) -> &str {
        match self.triple.split('-').next() {
            Some(a) if !a.is_empty() => a,
            _ => std::env::consts::ARCH,
        }
    }
}

impl Default for GpuTarget {
    /// What every Vulkan 1.1 device offers at least where it matters (shared memory,
    /// push constants), with a 64-wide workgroup and a mid-size GPU's occupancy.
    fn default() -> Self {
        GpuTarget {
            workgroup_size: 64,
            subgroup_size: 32,
            // maxComputeSharedMemorySize and maxPushConstantsSize guaranteed by Vulkan.
            shared_memory_bytes: 16 << 10,
            max_bindings: 32,
            push_constant_words: 32,
            vector_bits: 128,
            l1_bytes: 48 << 10,
            resident_workgroups: 256,
        }
    }
}

impl GpuTarget {
    /// The most buffers a kernel may take: one binding is the status buffer, and each
    /// argument needs a push-constant word for its offset.
    pub fn max_kernel_arguments(&self) -> usize {
        (self.max_bindings.saturating_sub(1) as usize).min(
            crate::kernel::push_constants::max_arguments(self.push_constant_words as usize),
        )
    }
}

impl Default for SystolicTarget {
    /// The `mxu-128` preset.
    fn default() -> Self {
        SystolicTarget::mxu_128()
    }
}

impl Target {
    /// The description of `kind` that depends on nothing of the compiling machine
    /// (a generic CPU of this architecture, the Vulkan baseline GPU, the default array).
    pub fn generic(kind: TargetKind) -> Target {
        match kind {
            TargetKind::Cpu => Target::Cpu(CpuTarget::generic("")),
            TargetKind::Vulkan => Target::Vulkan(GpuTarget::default()),
            TargetKind::Systolic => Target::Systolic(SystolicTarget::default()),
        }
    }

    pub fn kind(&self) -> TargetKind {
        match self {
            Target::Cpu(_) => TargetKind::Cpu,
            Target::Vulkan(_) => TargetKind::Vulkan,
            Target::Systolic(_) => TargetKind::Systolic,
        }
    }

    pub fn as_cpu(&self) -> Option<&CpuTarget> {
        match self {
            Target::Cpu(c) => Some(c),
            _ => None,
        }
    }

    pub fn as_gpu(&self) -> Option<&GpuTarget> {
        match self {
            Target::Vulkan(g) => Some(g),
            _ => None,
        }
    }

    pub fn as_systolic(&self) -> Option<&SystolicTarget> {
        match self {
            Target::Systolic(s) => Some(s),
            _ => None,
        }
    }

    /// The most buffers one kernel may take on this target (`usize::MAX`: no limit).
    pub fn max_kernel_arguments(&self) -> usize {
        match self {
            Target::Vulkan(g) => g.max_kernel_arguments(),
            Target::Cpu(_) | Target::Systolic(_) => usize::MAX,
        }
    }

    /// The description as JSON (the manifest's and the IR attribute's form).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// A description from [`Target::to_json`]'s form; every field must be there.
    pub fn from_json(value: serde_json::Value) -> Result<Target, TargetError> {
        serde_json::from_value(value).map_err(|e| error(format!("bad target description: {e}")))
    }

    /// The names of the fields [`Target::set`] takes for this kind (kebab-case).
    pub fn fields(&self) -> Vec<String> {
        match self.to_json() {
            serde_json::Value::Object(o) => o
                .keys()
                .filter(|k| *k != "kind")
                .map(|k| k.replace('_', "-"))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Sets field `key` (kebab- or snake-case) from text: numbers for numeric fields,
    /// `+`-separated names for `features` (`avx2+fma`, a leading `+` allowed).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), TargetError> {
        let mut json = self.to_json();
        self.apply(&mut json, key, value)?;
        let updated = Target::from_json(json)?;
        updated.check()?;
        *self = updated;
        Ok(())
    }

    /// Several [`Target::set`]s at once, checked together at the end (one field's new
    /// value may only make sense with another's).
    pub fn set_all<'a>(
        &mut self,
        fields: impl IntoIterator<Item = (&'a str, String)>,
    ) -> Result<(), TargetError> {
        let mut json = self.to_json();
        for (key, value) in fields {
            self.apply(&mut json, key, &value)?;
            // Each value must parse as its field's type, named while it is known.
            Target::from_json(json.clone()).map_err(|e| error(format!("'{key}': {e}")))?;
        }
        let updated = Target::from_json(json)?;
        updated.check()?;
        *self = updated;
        Ok(())
    }

    /// Writes field `key` of `json` (this target's form) from text.
    fn apply(
        &self,
        json: &mut serde_json::Value,
        key: &str,
        value: &str,
    ) -> Result<(), TargetError> {
        let field = key.replace('-', "_");
        let slot = json
            .as_object_mut()
            .filter(|_| field != "kind")
            .and_then(|o| o.get_mut(&field))
            .ok_or_else(|| {
                error(format!(
                    "a {} target has no field '{key}' (it has: {})",
                    self.kind(),
                    self.fields().join(", ")
                ))
            })?;
        *slot = match slot {
            serde_json::Value::Number(_) => value
                .parse::<u64>()
                .map(serde_json::Value::from)
                .map_err(|_| {
                    error(format!(
                        "target field '{key}' takes a non-negative integer, not '{value}'"
                    ))
                })?,
            serde_json::Value::Array(_) => {
                let mut names: Vec<String> = value
                    .split(['+', ' '])
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                names.sort();
                names.dedup();
                serde_json::Value::from(names)
            }
            _ => serde_json::Value::from(value),
        };
        Ok(())
    }

    /// Checks that the description is usable: no zero sizes where a size divides, a
    /// vector width the loop passes can use.
    pub fn check(&self) -> Result<(), TargetError> {
        let positive = |what: &str, v: u64| {
            if v == 0 {
                Err(error(format!("target field '{what}' must be positive")))
            } else {
                Ok(())
            }
        };
        let vector = |bits: u32| {
            if bits < 8 || !bits.is_power_of_two() || bits > 4096 {
                Err(error(format!(
                    "a vector width of {bits} bits is not a power of two from 8 to 4096"
                )))
            } else {
                Ok(())
            }
        };
        match self {
            Target::Cpu(c) => {
                vector(c.vector_bits)?;
                positive("threads", c.threads as u64)?;
                positive("l1-bytes", c.l1_bytes)?;
                Ok(())
            }
            Target::Vulkan(g) => {
                vector(g.vector_bits)?;
                positive("workgroup-size", g.workgroup_size as u64)?;
                positive("subgroup-size", g.subgroup_size as u64)?;
                positive("resident-workgroups", g.resident_workgroups as u64)?;
                positive("l1-bytes", g.l1_bytes)?;
                if g.max_kernel_arguments() == 0 {
                    return Err(error(
                        "a GPU target needs at least two bindings and two push-constant words",
                    ));
                }
                Ok(())
            }
            Target::Systolic(s) => {
                positive("rows", s.rows as u64)?;
                positive("cols", s.cols as u64)?;
                positive("vector-lanes", s.vector_lanes as u64)?;
                positive("clock-hz", s.clock_hz)?;
                positive("bandwidth", s.bandwidth)?;
                positive("vector-op-cycles", s.vector_op_cycles as u64)?;
                positive(
                    "vector-transcendental-cycles",
                    s.vector_transcendental_cycles as u64,
                )?;
                positive("vector-divide-cycles", s.vector_divide_cycles as u64)?;
                // Limits beat trust: a simulated array of a billion cells, or on-chip
                // memories the simulator cannot allocate, are typos.
                if s.rows > 4096 || s.cols > 4096 {
                    return Err(error(format!(
                        "a {}x{} array is past the 4096x4096 the simulator models",
                        s.rows, s.cols
                    )));
                }
                for (what, bytes) in [
                    ("buffer-bytes", s.buffer_bytes),
                    ("accumulator-bytes", s.accumulator_bytes),
                ] {
                    if bytes > MAX_ON_CHIP_BYTES {
                        return Err(error(format!(
                            "target field '{what}' of {bytes} is past the {MAX_ON_CHIP_BYTES} bytes the simulator models"
                        )));
                    }
                }
                // One weight tile (double-buffered) and one accumulator row per column
                // must fit, or no schedule exists.
                let tile = 2 * s.rows as u64 * s.cols as u64 * s.input_type.bytes();
                if s.buffer_bytes < tile {
                    return Err(error(format!(
                        "a unified buffer of {} bytes cannot hold two {}x{} weight tiles ({tile} bytes)",
                        s.buffer_bytes, s.rows, s.cols
                    )));
                }
                if s.accumulator_bytes < 4 * s.cols as u64 {
                    return Err(error(format!(
                        "{} bytes of accumulators cannot hold one row of {} sums",
                        s.accumulator_bytes, s.cols
                    )));
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Cpu(c) => write!(
                f,
                "cpu {} {} ({}-bit vectors, {} thread{}{})",
                if c.triple.is_empty() {
                    "(host triple)"
                } else {
                    &c.triple
                },
                c.cpu,
                c.vector_bits,
                c.threads,
                if c.threads == 1 { "" } else { "s" },
                if c.features.is_empty() {
                    String::new()
                } else {
                    format!(", {} features", c.features.len())
                }
            ),
            Target::Vulkan(g) => write!(
                f,
                "vulkan (workgroups of {}, {} KiB shared memory, {} bindings)",
                g.workgroup_size,
                g.shared_memory_bytes >> 10,
                g.max_bindings
            ),
            Target::Systolic(s) => write!(
                f,
                "systolic ({}x{} {} array, {}, {} KiB buffer, {:.2} GHz)",
                s.rows,
                s.cols,
                match s.input_type {
                    ArrayInput::Bf16 => "bf16",
                    ArrayInput::Int8 => "int8",
                },
                match s.dataflow {
                    Dataflow::Ws => "weight-stationary",
                    Dataflow::Os => "output-stationary",
                },
                s.buffer_bytes >> 10,
                s.clock_hz as f64 / 1e9
            ),
        }
    }
}

/// The CPU instruction-set extensions a device can check before it runs code, and this
/// machine's. Names are LLVM's (what `CpuTarget::features` holds); each maps to the
/// standard library's run-time detection, which also checks that the operating system
/// saves the registers the extension uses.
pub mod cpu_features {
    macro_rules! table {
        ($names:ident, $arch:literal, $detect:ident; $($llvm:literal => $std:tt),* $(,)?) => {
            /// The checkable extensions of this architecture, by LLVM name.
            pub const $names: &[&str] = &[$($llvm),*];

            /// The extensions of the table this machine has.
            #[cfg(target_arch = $arch)]
            pub fn host() -> Vec<&'static str> {
                let mut v = Vec::new();
                $( if std::$detect!($std) { v.push($llvm); } )*
                v
            }
        };
    }

    table!(X86_64, "x86_64", is_x86_feature_detected;
        "sse" => "sse", "sse2" => "sse2", "sse3" => "sse3", "ssse3" => "ssse3",
        "sse4.1" => "sse4.1", "sse4.2" => "sse4.2", "sse4a" => "sse4a",
        "avx" => "avx", "avx2" => "avx2", "fma" => "fma", "f16c" => "f16c",
        "bmi" => "bmi1", "bmi2" => "bmi2", "lzcnt" => "lzcnt", "popcnt" => "popcnt",
        "movbe" => "movbe", "aes" => "aes", "pclmul" => "pclmulqdq", "sha" => "sha",
        "adx" => "adx", "rdrnd" => "rdrand", "rdseed" => "rdseed", "fxsr" => "fxsr",
        "xsave" => "xsave", "xsaveopt" => "xsaveopt", "xsavec" => "xsavec",
        "xsaves" => "xsaves", "cx16" => "cmpxchg16b", "tbm" => "tbm",
        "avx512f" => "avx512f", "avx512cd" => "avx512cd", "avx512bw" => "avx512bw",
        "avx512dq" => "avx512dq", "avx512vl" => "avx512vl", "avx512ifma" => "avx512ifma",
        "avx512vbmi" => "avx512vbmi", "avx512vbmi2" => "avx512vbmi2",
        "avx512vnni" => "avx512vnni", "avx512bitalg" => "avx512bitalg",
        "avx512vpopcntdq" => "avx512vpopcntdq", "avx512bf16" => "avx512bf16",
        "avx512fp16" => "avx512fp16", "avx512vp2intersect" => "avx512vp2intersect",
        "gfni" => "gfni", "vaes" => "vaes", "vpclmulqdq" => "vpclmulqdq",
        "avxvnni" => "avxvnni", "avxifma" => "avxifma", "avxneconvert" => "avxneconvert",
        "avxvnniint8" => "avxvnniint8", "avxvnniint16" => "avxvnniint16",
        "sha512" => "sha512", "sm3" => "sm3", "sm4" => "sm4",
    );

    table!(AARCH64, "aarch64", is_aarch64_feature_detected;
        "neon" => "neon", "fp-armv8" => "fp", "fullfp16" => "fp16", "dotprod" => "dotprod",
        "sve" => "sve", "sve2" => "sve2", "bf16" => "bf16", "i8mm" => "i8mm", "crc" => "crc",
        "lse" => "lse", "rdm" => "rdm", "aes" => "aes", "sha2" => "sha2", "sha3" => "sha3",
        "fcma" => "fcma", "jsconv" => "jsconv", "rcpc" => "rcpc",
    );

    /// Machines whose extensions this build cannot detect report none.
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    pub fn host() -> Vec<&'static str> {
        Vec::new()
    }

    /// The checkable extensions of `arch` (an LLVM triple's first part), by LLVM name.
    pub fn checkable(arch: &str) -> &'static [&'static str] {
        match arch {
            "x86_64" => X86_64,
            "aarch64" | "arm64" => AARCH64,
            _ => &[],
        }
    }

    /// The widest vector register a CPU of `arch` with `features` has, in bits.
    pub fn vector_bits(arch: &str, features: &[String]) -> u32 {
        let has = |f: &str| features.iter().any(|g| g == f);
        match arch {
            "x86_64" | "x86" | "i686" if has("avx512f") => 512,
            "x86_64" | "x86" | "i686" if has("avx") => 256,
            _ => 128,
        }
    }

    /// Of `needed` (extensions of code for this machine's architecture), those this
    /// machine lacks, and those it cannot check.
    pub fn missing(needed: &[String]) -> (Vec<String>, Vec<String>) {
        let host = host();
        let table = checkable(std::env::consts::ARCH);
        let (mut lacks, mut unknown) = (Vec::new(), Vec::new());
        for f in needed {
            if !table.contains(&f.as_str()) {
                unknown.push(f.clone());
            } else if !host.contains(&f.as_str()) {
                lacks.push(f.clone());
            }
        }
        (lacks, unknown)
    }
}

/// What this machine offers, read from the operating system where the standard library
/// does not say: cores and cache sizes.
pub mod host {
    /// The number of cores the process may run on.
    pub fn threads() -> u32 {
        std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
    }

    /// The L1 data, L2 and last-level cache sizes in bytes (Linux's sysfs), or `None`
    /// for a level it does not report.
    pub fn caches() -> [Option<u64>; 3] {
        let mut out = [None; 3];
        for index in 0..8 {
            let dir = format!("/sys/devices/system/cpu/cpu0/cache/index{index}");
            let read = |f: &str| std::fs::read_to_string(format!("{dir}/{f}")).ok();
            let (Some(level), Some(kind), Some(size)) = (read("level"), read("type"), read("size"))
            else {
                continue;
            };
            if kind.trim() == "Instruction" {
                continue;
            }
            let size = size.trim();
            let bytes = match size.strip_suffix('K') {
                Some(k) => k.parse::<u64>().ok().map(|k| k << 10),
                None => match size.strip_suffix('M') {
                    Some(m) => m.parse::<u64>().ok().map(|m| m << 20),
                    None => size.parse().ok(),
                },
            };
            let slot = match level.trim() {
                "1" => 0,
                "2" => 1,
                _ => 2,
            };
            if let Some(b) = bytes {
                out[slot] = Some(out[slot].map_or(b, |o: u64| o.max(b)));
            }
        }
        out
    }

    /// `cpu` with this machine's cores and caches where it reports them.
    pub fn fill(cpu: &mut super::CpuTarget) {
        cpu.threads = threads();
        let [l1, l2, l3] = caches();
        cpu.l1_bytes = l1.unwrap_or(cpu.l1_bytes);
        cpu.l2_bytes = l2.unwrap_or(cpu.l2_bytes);
        cpu.l3_bytes = l3.unwrap_or(cpu.l3_bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_round_trip_and_fields_are_set_from_text() {
        for kind in TargetKind::ALL {
            let t = Target::generic(kind);
            assert_eq!(t.kind(), kind);
            assert_eq!(TargetKind::from_name(kind.name()).unwrap(), kind);
            assert_eq!(Target::from_json(t.to_json()).unwrap(), t);
            t.check().unwrap();
        }
        assert_eq!(TargetKind::from_name("gpu").unwrap(), TargetKind::Vulkan);
        assert!(TargetKind::from_name("tpu")
            .unwrap_err()
            .0
            .contains("unknown target 'tpu'"));

        let mut cpu = Target::generic(TargetKind::Cpu);
        cpu.set("vector-bits", "256").unwrap();
        cpu.set("features", "+avx2+fma").unwrap();
        cpu.set("cpu", "znver4").unwrap();
        let c = cpu.as_cpu().unwrap();
        assert_eq!((c.vector_bits, c.cpu.as_str()), (256, "znver4"));
        assert_eq!(c.features, ["avx2", "fma"]);
        let e = cpu.set("workgroup-size", "64").unwrap_err().0;
        assert!(
            e.contains("no field 'workgroup-size'") && e.contains("vector-bits"),
            "{e}"
        );
        assert!(cpu
            .set("vector-bits", "100")
            .unwrap_err()
            .0
            .contains("power of two"));
        assert!(cpu
            .set("threads", "x")
            .unwrap_err()
            .0
            .contains("non-negative integer"));
        assert!(cpu
            .set("threads", "0")
            .unwrap_err()
            .0
            .contains("must be positive"));
        assert_eq!(
            cpu.as_cpu().unwrap().threads,
            1,
            "a refused setting changes nothing"
        );

        let gpu = GpuTarget::default();
        assert_eq!(gpu.max_kernel_arguments(), 31);
    }

    #[test]
    fn systolic_presets_and_machine_files() {
        for name in SystolicTarget::PRESETS {
            let s = SystolicTarget::preset(name).unwrap();
            Target::Systolic(s.clone()).check().unwrap();
            assert_eq!(
                SystolicTarget::from_machine_file(&format!("preset = \"{name}\"")).unwrap(),
                s
            );
        }
        let v1 = SystolicTarget::preset("tpu-v1").unwrap();
        assert_eq!(
            (v1.rows, v1.input_type, v1.dataflow),
            (256, ArrayInput::Int8, Dataflow::Ws)
        );
        let edge = SystolicTarget::preset("edge-16").unwrap();
        assert_eq!((edge.cols, edge.dataflow), (16, Dataflow::Os));
        assert_eq!(
            SystolicTarget::default(),
            SystolicTarget::preset("mxu-128").unwrap()
        );

        // The example: a preset, then overrides by name (either spelling).
        let s = SystolicTarget::from_machine_file(
            "preset = \"mxu-128\"\nrows = 32\ncols = 32\ndataflow = \"os\"\ninput-type = \"int8\"\n",
        )
        .unwrap();
        let base = SystolicTarget::preset("mxu-128").unwrap();
        assert_eq!(
            (s.rows, s.cols, s.dataflow, s.input_type),
            (32, 32, Dataflow::Os, ArrayInput::Int8)
        );
        assert_eq!(
            (s.buffer_bytes, s.clock_hz),
            (base.buffer_bytes, base.clock_hz)
        );
        // Fields are checked together: a big array with the buffer it needs, in any order.
        SystolicTarget::from_machine_file("rows = 4096\ncols = 4096\nbuffer_bytes = 67108864\n")
            .unwrap();

        for (text, needle) in [
            ("rows = 0", "'rows' must be positive"),
            ("dataflow = \"xs\"", "unknown variant `xs`"),
            ("colz = 4", "no field 'colz'"),
            ("preset = \"tpu-v9\"", "unknown systolic preset 'tpu-v9'"),
            ("preset = 3", "'preset' names a preset"),
            (
                "rows = 2.5",
                "'rows' takes an integer or a string, not a float",
            ),
            ("rows = -1", "non-negative integer, not '-1'"),
            ("rows = 100000", "past the 4096x4096"),
            ("buffer_bytes = 100", "cannot hold two 128x128 weight tiles"),
            ("accumulator_bytes = 8", "cannot hold one row of 128 sums"),
            ("buffer_bytes = 70000000000000", "past the 1073741824 bytes"),
            ("rows = [", "machine file:"),
        ] {
            let e = SystolicTarget::from_machine_file(text).unwrap_err().0;
            assert!(e.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn host_features_are_checkable_and_missing_ones_are_named() {
        let host = cpu_features::host();
        let table = cpu_features::checkable(std::env::consts::ARCH);
        assert!(host.iter().all(|f| table.contains(f)));
        let have: Vec<String> = host.iter().map(|s| s.to_string()).collect();
        assert_eq!(cpu_features::missing(&have), (vec![], vec![]));
        let (lacks, unknown) = cpu_features::missing(&["no-such-extension".into()]);
        assert!(lacks.is_empty());
        assert_eq!(unknown, ["no-such-extension"]);
        if let Some(absent) = table.iter().find(|f| !host.contains(f)) {
            let (lacks, _) = cpu_features::missing(&[absent.to_string()]);
            assert_eq!(lacks, [absent.to_string()]);
        }
        assert_eq!(
            cpu_features::vector_bits("x86_64", &["avx512f".into()]),
            512
        );
        assert_eq!(
            cpu_features::vector_bits("x86_64", &["avx2".into(), "avx".into()]),
            256
        );
        assert_eq!(cpu_features::vector_bits("aarch64", &["neon".into()]), 128);
    }
}
