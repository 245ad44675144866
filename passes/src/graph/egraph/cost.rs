//! Per-target cost models: a roofline estimate of each op's run time.
//!
//! An op that launches a kernel costs the target's per-kernel overhead plus the larger of
//! its compute time (FLOPs over peak) and its memory time (bytes moved over bandwidth).
//! Ops that only reinterpret a shape launch nothing. The systolic target runs
//! contractions on its array, whose utilization falls when the contraction's dimensions
//! do not fill it, and everything else on a much slower vector unit, so it prefers large
//! contractions that fill the array. Its array takes the products of one element type
//! (f32 sums on bf16 machines, i32 sums of 8-bit factors on int8 ones); a product of
//! another type is vector work.

use strata_ir::ops;
use strata_ir::target::{Target, TargetKind};
use strata_ir::OpName;
use strata_ir::{Attribute, TensorType};

/// The rates the roofline estimate uses, derived from a target description.
#[derive(Clone, Debug, PartialEq)]
pub struct CostModel {
    /// The kind of target, for reports.
    pub kind: TargetKind,
    /// Peak arithmetic rate, FLOP/s.
    pub peak_flops: f64,
    /// Memory bandwidth, bytes/s.
    pub bandwidth: f64,
    /// Fixed cost of launching one kernel, seconds.
    pub kernel_overhead: f64,
    /// For systolic targets, the machine: contractions cost what its schedules take
    /// (`strata_systolic::gemm_cycles`, the model the simulator is held to);
    /// `peak_flops` is then the vector unit's rate.
    pub systolic: Option<strata_abi::SystolicTarget>,
}

/// Clock rate assumed for CPU cores and GPUs, whose descriptions do not carry one.
const ASSUMED_CLOCK_HZ: f64 = 3e9;
/// Fused multiply-adds a CPU core issues per cycle per vector lane (two FMA pipes), each
/// two FLOPs.
const CPU_FLOPS_PER_LANE_CYCLE: f64 = 4.0;
/// Main memory bandwidth assumed for a CPU socket and for a discrete GPU, bytes/s.
const CPU_BANDWIDTH: f64 = 30e9;
const GPU_BANDWIDTH: f64 = 900e9;

impl CostModel {
    /// The rates of `target`: a CPU's peak from its threads and vector width, a GPU's
    /// from its resident invocations, a systolic array's from its size and clock.
    pub fn for_target(target: &Target) -> CostModel {
        match target {
            Target::Cpu(c) => CostModel {
                kind: TargetKind::Cpu,
                peak_flops: c.threads as f64
                    * (c.vector_bits as f64 / 32.0)
                    * CPU_FLOPS_PER_LANE_CYCLE
                    * ASSUMED_CLOCK_HZ,
                bandwidth: CPU_BANDWIDTH,
                kernel_overhead: 2e-6,
                systolic: None,
            },
            Target::Vulkan(g) => CostModel {
                kind: TargetKind::Vulkan,
                // One FMA per invocation per cycle over every resident invocation, with
                // a quarter of them issuing at once.
                peak_flops: g.resident_workgroups as f64 * g.workgroup_size as f64 / 4.0
                    * 2.0
                    * ASSUMED_CLOCK_HZ,
                bandwidth: GPU_BANDWIDTH,
                kernel_overhead: 5e-6,
                systolic: None,
            },
            Target::Systolic(s) => {
                let clock = s.clock_hz as f64;
                CostModel {
                    kind: TargetKind::Systolic,
                    peak_flops: 2.0 * s.vector_lanes as f64 * clock,
                    bandwidth: s.bandwidth as f64,
                    kernel_overhead: 10e-6,
                    systolic: Some(s.clone()),
                }
            }
        }
    }

    /// The model of each kind's generic description (for reports and tests).
    pub fn all_generic() -> Vec<CostModel> {
        TargetKind::ALL
            .into_iter()
            .map(|k| CostModel::for_target(&Target::generic(k)))
            .collect()
    }

    /// The kind's name (`cpu`, `vulkan`, `systolic`).
    pub fn name(&self) -> &'static str {
        self.kind.name()
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

/// Seconds a contraction of `flops` and `(m, n, k)` takes on systolic machine `s`: its
/// schedule's cycles by the analytic model; where no schedule fits, the array's peak
/// scaled by how much of it the product's tiles fill.
fn systolic_seconds(s: &strata_abi::SystolicTarget, flops: f64, [m, n, k]: [f64; 3]) -> f64 {
    let as_u64 = |x: f64| x.max(1.0).round() as u64;
    let clock = s.clock_hz as f64;
    match strata_systolic::gemm_cycles(s, as_u64(m), as_u64(k), as_u64(n)) {
        Ok(cycles) => cycles as f64 / clock,
        Err(_) => {
            let side = s.rows.min(s.cols) as usize;
            let peak = 2.0 * s.rows as f64 * s.cols as f64 * clock;
            flops / (peak * array_utilization(side, [m, n, k]))
        }
    }
}

/// FLOPs and (m, n, k) of a contraction, or None for other ops.
fn contraction(
    op: OpName,
    inputs: &[TensorType],
    outputs: &[TensorType],
    attrs: Option<&std::collections::BTreeMap<String, Attribute>>,
) -> Option<(f64, [f64; 3])> {
    let out = outputs.first()?;
    let o = numel(out);
    match op {
        ops::GRAPH_MATMUL | ops::GRAPH_GEMM => {
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
        ops::GRAPH_CONV => {
            let w = inputs.get(1)?;
            let per_output: f64 = w.shape.dims()[1..].iter().product::<usize>() as f64;
            let m = out.shape.dims().get(1).copied().unwrap_or(1) as f64;
            Some((2.0 * o * per_output, [o / m.max(1.0), m, per_output]))
        }
        ops::GRAPH_CONV_TRANSPOSE => {
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
        ops::GRAPH_EINSUM => {
            let product: f64 = inputs.iter().map(numel).product();
            let k = (product / o.max(1.0)).sqrt().max(1.0);
            Some((2.0 * o * k, [o, 1.0, k]))
        }
        _ => None,
    }
}

/// Rough FLOPs per output element of non-contraction ops.
fn elementwise_flops(op: OpName) -> f64 {
    match op {
        ops::GRAPH_EXP
        | ops::GRAPH_LOG
        | ops::GRAPH_ERF
        | ops::GRAPH_TANH
        | ops::GRAPH_SIGMOID
        | ops::GRAPH_POW
        | ops::GRAPH_SQRT
        | ops::GRAPH_DIV
        | ops::GRAPH_RECIPROCAL
        | ops::GRAPH_SIN
        | ops::GRAPH_COS
        | ops::GRAPH_SOFTPLUS
        | ops::GRAPH_MISH
        | ops::GRAPH_SWISH => 8.0,
        ops::GRAPH_GELU => 12.0,
        ops::GRAPH_SOFTMAX
        | ops::GRAPH_LOG_SOFTMAX
        | ops::GRAPH_LAYER_NORMALIZATION
        | ops::GRAPH_RMS_NORMALIZATION
        | ops::GRAPH_BATCH_NORMALIZATION
        | ops::GRAPH_INSTANCE_NORMALIZATION
        | ops::GRAPH_GROUP_NORMALIZATION => 10.0,
        _ => 1.0,
    }
}

/// Ops that only reinterpret a buffer's shape.
pub fn is_metadata_only(op: OpName) -> bool {
    matches!(
        op,
        ops::GRAPH_RESHAPE
            | ops::GRAPH_FLATTEN
            | ops::GRAPH_SQUEEZE
            | ops::GRAPH_UNSQUEEZE
            | ops::GRAPH_IDENTITY
    )
}

/// Ops that move data without arithmetic.
fn is_data_movement(op: OpName) -> bool {
    matches!(
        op,
        ops::GRAPH_TRANSPOSE
            | ops::GRAPH_CONCAT
            | ops::GRAPH_SPLIT
            | ops::GRAPH_SLICE
            | ops::GRAPH_GATHER
            | ops::GRAPH_GATHER_ELEMENTS
            | ops::GRAPH_GATHER_ND
            | ops::GRAPH_EXPAND
            | ops::GRAPH_TILE
            | ops::GRAPH_PAD
            | ops::GRAPH_DEPTH_TO_SPACE
            | ops::GRAPH_SPACE_TO_DEPTH
            | ops::GRAPH_CAST
    )
}

/// Estimated run time, in seconds, of `op` on `target`.
pub fn op_cost(
    target: &CostModel,
    op: OpName,
    inputs: &[TensorType],
    outputs: &[TensorType],
    attrs: Option<&std::collections::BTreeMap<String, Attribute>>,
) -> f64 {
    if is_metadata_only(op) || op == ops::GRAPH_CONSTANT {
        return FREE;
    }
    let moved: f64 = inputs.iter().map(bytes).sum::<f64>() + outputs.iter().map(bytes).sum::<f64>();
    let memory = moved / target.bandwidth;
    if let Some((flops, dims)) = contraction(op, inputs, outputs, attrs) {
        // A product the array does not take (f32 on an int8 array, i32 on a bf16 one)
        // runs on the vector unit, at `peak_flops`.
        let elem = outputs.first().map(|t| t.elem);
        let compute = match &target.systolic {
            Some(s) if elem == Some(crate::loops::params::array_sums(s)) => {
                systolic_seconds(s, flops, dims)
            }
            _ => flops / target.peak_flops,
        };
        return target.kernel_overhead + compute.max(memory);
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
        let target = CostModel::for_target(&Target::generic(TargetKind::Cpu));
        let x = t(&[128, 768]);
        let one = op_cost(
            &target,
            ops::GRAPH_GELU,
            std::slice::from_ref(&x),
            std::slice::from_ref(&x),
            None,
        );
        let parts: f64 = [
            ops::GRAPH_DIV,
            ops::GRAPH_ERF,
            ops::GRAPH_ADD,
            ops::GRAPH_MUL,
            ops::GRAPH_MUL,
        ]
        .iter()
        .map(|op| {
            op_cost(
                &target,
                *op,
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
                ops::GRAPH_RESHAPE,
                std::slice::from_ref(&x),
                &[t(&[768, 128])],
                None
            ),
            FREE
        );
    }

    #[test]
    fn the_systolic_target_prefers_contractions_that_fill_the_array() {
        let mm = |target: &CostModel, d: usize| {
            op_cost(
                target,
                ops::GRAPH_MATMUL,
                &[t(&[d, d]), t(&[d, d])],
                &[t(&[d, d])],
                None,
            )
        };
        let s = CostModel::for_target(&Target::generic(TargetKind::Systolic));
        // 1030 has 2% more work than 1024 but spills into a ninth pass over the array.
        assert!(mm(&s, 1030) > 1.2 * mm(&s, 1024));
        let cpu = CostModel::for_target(&Target::generic(TargetKind::Cpu));
        assert!(mm(&cpu, 1030) < 1.1 * mm(&cpu, 1024));
        // The estimate is the schedule's modelled cycles, which the simulator matches.
        let machine = Target::generic(TargetKind::Systolic)
            .as_systolic()
            .unwrap()
            .clone();
        let cycles = strata_systolic::gemm_cycles(&machine, 1024, 1024, 1024).unwrap();
        let want = s.kernel_overhead + cycles as f64 / machine.clock_hz as f64;
        assert!(
            (mm(&s, 1024) - want).abs() < 1e-12,
            "{} vs {want}",
            mm(&s, 1024)
        );
    }

    #[test]
    fn an_array_prices_only_the_products_it_takes() {
        let mm = |target: &CostModel, elem: ElementType| {
            let t = TensorType::new(vec![512, 512], elem);
            op_cost(
                target,
                ops::GRAPH_MATMUL,
                &[t.clone(), t.clone()],
                std::slice::from_ref(&t),
                None,
            )
        };
        let model = |preset: &str| {
            let s = strata_abi::SystolicTarget::preset(preset).unwrap();
            CostModel::for_target(&Target::Systolic(s))
        };
        let (bf16, int8) = (model("mxu-128"), model("tpu-v1"));
        // Each array is over 5x faster on its own products than its vector unit is
        // (measured: 49x on mxu-128; 7.4x on tpu-v1, where 512^3 is memory-bound).
        assert!(mm(&bf16, ElementType::F32) * 5.0 < mm(&bf16, ElementType::I32));
        assert!(mm(&int8, ElementType::I32) * 5.0 < mm(&int8, ElementType::F32));
    }
}
