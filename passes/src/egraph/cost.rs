//! Per-target cost models: a roofline estimate of each op's run time.
//!
//! An op that launches a kernel costs the target's per-kernel overhead plus the larger of
//! its compute time (FLOPs over peak) and its memory time (bytes moved over bandwidth).
//! Ops that only reinterpret a shape launch nothing. The systolic target runs
//! contractions on its array, whose utilization falls when the contraction's dimensions
//! do not fill it, and everything else on a much slower vector unit, so it prefers large
//! contractions that fill the array.

use strata_ir::{Attribute, TensorType};

/// A target's performance parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub name: &'static str,
    /// Peak arithmetic rate, FLOP/s.
    pub peak_flops: f64,
    /// Memory bandwidth, bytes/s.
    pub bandwidth: f64,
    /// Fixed cost of launching one kernel, seconds.
    pub kernel_overhead: f64,
    /// For systolic targets: the array's side and the rate of its contraction engine
    /// (`peak_flops` is then the vector unit's rate).
    pub systolic: Option<(usize, f64)>,
    /// What the loop-level schedule is chosen from.
    pub loops: LoopParams,
}

/// The machine parameters that loop tiling, vectorization and unrolling follow.
#[derive(Clone, Debug, PartialEq)]
pub struct LoopParams {
    /// Vector register width in bits (lanes = bits / element bits).
    pub vector_bits: usize,
    /// Fast memory one workgroup works in: L1 cache on a CPU core, shared memory on a GPU
    /// workgroup, the local buffer of an accelerator.
    pub fast_memory_bytes: usize,
    /// How many workgroups keep the machine busy (CPU threads, GPU multiprocessors x
    /// occupancy).
    pub workgroups: usize,
    /// Invocations one workgroup should cover at least (GPU threads per workgroup), so
    /// tiny workgroups don't waste the machine.
    pub min_workgroup_points: usize,
    /// Innermost-loop unroll factor.
    pub unroll: usize,
    /// Workgroup memory a kernel may stage reused operand tiles in (`stage` pass): GPU
    /// shared memory; 0 where caches do that job (CPUs).
    pub stage_bytes: usize,
}

impl Target {
    /// A many-core CPU with wide vectors.
    pub fn cpu() -> Self {
        Target {
            name: "cpu",
            peak_flops: 200e9,
            bandwidth: 30e9,
            kernel_overhead: 2e-6,
            systolic: None,
            loops: LoopParams {
                vector_bits: 256,
                fast_memory_bytes: 32 << 10,
                workgroups: 16,
                min_workgroup_points: 1,
                unroll: 2,
                stage_bytes: 0,
            },
        }
    }

    /// A discrete GPU.
    pub fn gpu() -> Self {
        Target {
            name: "gpu",
            peak_flops: 20e12,
            bandwidth: 900e9,
            kernel_overhead: 5e-6,
            systolic: None,
            loops: LoopParams {
                vector_bits: 128,
                fast_memory_bytes: 48 << 10,
                workgroups: 256,
                min_workgroup_points: 64,
                unroll: 1,
                // The least shared memory (maxComputeSharedMemorySize) Vulkan guarantees.
                stage_bytes: 16 << 10,
            },
        }
    }

    /// A TPU-style accelerator with a 128x128 systolic array.
    pub fn systolic() -> Self {
        Target {
            name: "systolic",
            peak_flops: 1e12,
            bandwidth: 600e9,
            kernel_overhead: 10e-6,
            systolic: Some((128, 90e12)),
            loops: LoopParams {
                vector_bits: 1024,
                fast_memory_bytes: 16 << 20,
                workgroups: 1,
                min_workgroup_points: 128 * 128,
                unroll: 1,
                stage_bytes: 0,
            },
        }
    }

    pub fn by_name(name: &str) -> Result<Self, String> {
        match name {
            "cpu" => Ok(Self::cpu()),
            "gpu" => Ok(Self::gpu()),
            "systolic" => Ok(Self::systolic()),
            other => Err(format!("unknown target '{other}' (cpu, gpu, systolic)")),
        }
    }

    pub fn all() -> [Target; 3] {
        [Self::cpu(), Self::gpu(), Self::systolic()]
    }
}

/// The cost of anything that launches no kernel: positive, so extraction still prefers
/// fewer nodes, but negligible next to any kernel.
pub const FREE: f64 = 1e-12;

fn bytes(t: &TensorType) -> f64 {
    (t.shape.numel() * t.elem.size_bytes()) as f64
}

fn numel(t: &TensorType) -> f64 {
    t.shape.numel() as f64
}

/// Fraction of a `side x side` array a contraction of size (m, n, k) keeps busy.
fn array_utilization(side: usize, dims: [f64; 3]) -> f64 {
    let s = side as f64;
    dims.iter()
        .map(|&d| {
            if d <= 0.0 {
                1.0
            } else {
                d / ((d / s).ceil() * s)
            }
        })
        .product::<f64>()
        .max(1e-3)
}

/// FLOPs and (m, n, k) of a contraction, or None for other ops.
fn contraction(
    op: &str,
    inputs: &[TensorType],
    outputs: &[TensorType],
    attrs: Option<&std::collections::BTreeMap<String, Attribute>>,
) -> Option<(f64, [f64; 3])> {
    let out = outputs.first()?;
    let o = numel(out);
    match op {
        "graph.matmul" | "graph.gemm" => {
            let a = inputs.first()?;
            let transposed = attrs
                .and_then(|a| a.get("transA"))
                .is_some_and(|v| matches!(v, Attribute::Int(1)));
            let dims = a.shape.dims();
            let k = match dims.len() {
                0 => 1.0,
                1 => dims[0] as f64,
                r if transposed => dims[r - 2] as f64,
                r => dims[r - 1] as f64,
            };
            let od = out.shape.dims();
            let n = od.last().copied().unwrap_or(1) as f64;
            Some((2.0 * o * k, [o / n.max(1.0), n, k]))
        }
        "graph.conv" => {
            let w = inputs.get(1)?;
            let per_output: f64 = w.shape.dims()[1..].iter().product::<usize>() as f64;
            let m = out.shape.dims().get(1).copied().unwrap_or(1) as f64;
            Some((2.0 * o * per_output, [o / m.max(1.0), m, per_output]))
        }
        "graph.conv_transpose" => {
            let (x, w) = (inputs.first()?, inputs.get(1)?);
            let per_input: f64 = w.shape.dims()[1..].iter().product::<usize>() as f64;
            Some((
                2.0 * numel(x) * per_input,
                [
                    numel(x) / w.shape.dims()[0].max(1) as f64,
                    per_input,
                    w.shape.dims()[0] as f64,
                ],
            ))
        }
        "graph.einsum" => {
            let product: f64 = inputs.iter().map(numel).product();
            let k = (product / o.max(1.0)).sqrt().max(1.0);
            Some((2.0 * o * k, [o, 1.0, k]))
        }
        _ => None,
    }
}

/// Rough FLOPs per output element of non-contraction ops.
fn elementwise_flops(op: &str) -> f64 {
    match op {
        "graph.exp" | "graph.log" | "graph.erf" | "graph.tanh" | "graph.sigmoid" | "graph.pow"
        | "graph.sqrt" | "graph.div" | "graph.reciprocal" | "graph.sin" | "graph.cos"
        | "graph.softplus" | "graph.mish" | "graph.swish" => 8.0,
        "graph.gelu" => 12.0,
        "graph.softmax"
        | "graph.log_softmax"
        | "graph.layer_normalization"
        | "graph.rms_normalization"
        | "graph.batch_normalization"
        | "graph.instance_normalization"
        | "graph.group_normalization" => 10.0,
        _ => 1.0,
    }
}

/// Ops that only reinterpret a buffer's shape.
pub fn is_metadata_only(op: &str) -> bool {
    matches!(
        op,
        "graph.reshape" | "graph.flatten" | "graph.squeeze" | "graph.unsqueeze" | "graph.identity"
    )
}

/// Ops that move data without arithmetic.
fn is_data_movement(op: &str) -> bool {
    matches!(
        op,
        "graph.transpose"
            | "graph.concat"
            | "graph.split"
            | "graph.slice"
            | "graph.gather"
            | "graph.gather_elements"
            | "graph.gather_nd"
            | "graph.expand"
            | "graph.tile"
            | "graph.pad"
            | "graph.depth_to_space"
            | "graph.space_to_depth"
            | "graph.cast"
    )
}

/// Estimated run time, in seconds, of `op` on `target`.
pub fn op_cost(
    target: &Target,
    op: &str,
    inputs: &[TensorType],
    outputs: &[TensorType],
    attrs: Option<&std::collections::BTreeMap<String, Attribute>>,
) -> f64 {
    if is_metadata_only(op) || op == "graph.constant" {
        return FREE;
    }
    let moved: f64 = inputs.iter().map(bytes).sum::<f64>() + outputs.iter().map(bytes).sum::<f64>();
    let memory = moved / target.bandwidth;
    if let Some((flops, dims)) = contraction(op, inputs, outputs, attrs) {
        let rate = match target.systolic {
            Some((side, peak)) => peak * array_utilization(side, dims),
            None => target.peak_flops,
        };
        return target.kernel_overhead + (flops / rate).max(memory);
    }
    let flops = if is_data_movement(op) {
        0.0
    } else {
        let elements = outputs
            .iter()
            .map(numel)
            .sum::<f64>()
            .max(inputs.iter().map(numel).sum::<f64>());
        elements * elementwise_flops(op)
    };
    target.kernel_overhead + (flops / target.peak_flops).max(memory)
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_ir::ElementType;

    fn t(dims: &[usize]) -> TensorType {
        TensorType::new(dims.to_vec(), ElementType::F32)
    }

    #[test]
    fn fused_ops_cost_less_than_their_parts() {
        let target = Target::cpu();
        let x = t(&[128, 768]);
        let one = op_cost(
            &target,
            "graph.gelu",
            std::slice::from_ref(&x),
            std::slice::from_ref(&x),
            None,
        );
        let parts: f64 = [
            "graph.div",
            "graph.erf",
            "graph.add",
            "graph.mul",
            "graph.mul",
        ]
        .iter()
        .map(|op| {
            op_cost(
                &target,
                op,
                &[x.clone(), x.clone()],
                std::slice::from_ref(&x),
                None,
            )
        })
        .sum();
        assert!(one < parts, "{one} >= {parts}");
        assert_eq!(
            op_cost(
                &target,
                "graph.reshape",
                std::slice::from_ref(&x),
                &[t(&[768, 128])],
                None
            ),
            FREE
        );
    }

    #[test]
    fn the_systolic_target_prefers_contractions_that_fill_the_array() {
        let mm = |target: &Target, d: usize| {
            op_cost(
                target,
                "graph.matmul",
                &[t(&[d, d]), t(&[d, d])],
                &[t(&[d, d])],
                None,
            )
        };
        let s = Target::systolic();
        // 1030 has 2% more work than 1024 but spills into a ninth pass over the array.
        assert!(mm(&s, 1030) > 1.2 * mm(&s, 1024));
        let cpu = Target::cpu();
        assert!(mm(&cpu, 1030) < 1.1 * mm(&cpu, 1024));
    }
}
