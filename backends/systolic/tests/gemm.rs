//! Matrix products scheduled for systolic arrays and run on the simulated machine: the
//! results are the array's numerics to the bit (bf16 inputs, f32 sums in the array's
//! order; int8 with i32), within bf16's error of the exact product, and the simulated
//! cycles equal the analytic model's (`gemm_cycles`) on 128×128 and 32×32
//! weight-stationary arrays and a 128×128 output-stationary one.

use strata_abi::systolic::{bf16_bits, bf16_value, Op, Schedule};
use strata_abi::{ArrayInput, Dataflow, SystolicTarget};
use strata_runtime::systolic::simulate;
use strata_systolic::{gemm, gemm_cycles, Matrix};

fn machine(rows: u32, dataflow: &str) -> SystolicTarget {
    SystolicTarget::from_machine_file(&format!(
        "preset = \"mxu-128\"\nrows = {rows}\ncols = {rows}\ndataflow = \"{dataflow}\"\n"
    ))
    .unwrap()
}

/// Buffer `buffer` from its start, rows of `cols` 4-byte elements (f32 in, f32 or i32 out).
fn mat(buffer: u32, cols: usize) -> Matrix {
    Matrix {
        buffer,
        offset: 0,
        row_bytes: cols as u64 * 4,
    }
}

fn random(n: usize, seed: &mut u64) -> Vec<f32> {
    (0..n)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            ((*seed % 2001) as f32 - 1000.0) / 1000.0
        })
        .collect()
}

fn bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The array's result for `C = A·B`, computed the way the machine adds: weight-stationary,
/// each reduction tile's products summed in order then added to the running sum;
/// output-stationary, every product added in order from zero.
fn reference(
    t: &SystolicTarget,
    a: &[f32],
    b: &[f32],
    (m, k, n): (usize, usize, usize),
) -> Vec<f32> {
    let q = |x: f32| bf16_value(bf16_bits(x));
    let mut c = vec![0f32; m * n];
    for i in 0..m {
        for j in 0..n {
            let mut acc = 0f32;
            match t.dataflow {
                Dataflow::Ws => {
                    for (ti, k0) in (0..k).step_by(t.rows as usize).enumerate() {
                        let mut s = 0f32;
                        for l in k0..(k0 + t.rows as usize).min(k) {
                            let p = q(a[i * k + l]) * q(b[l * n + j]);
                            s = if l == k0 { p } else { s + p };
                        }
                        acc = if ti == 0 { s } else { acc + s };
                    }
                }
                Dataflow::Os => {
                    for l in 0..k {
                        acc += q(a[i * k + l]) * q(b[l * n + j]);
                    }
                }
            }
            c[i * n + j] = acc;
        }
    }
    c
}

fn run(t: &SystolicTarget, (m, k, n): (usize, usize, usize)) -> (u64, u64, f64) {
    let mut seed = 0x9E3779B97F4A7C15u64 ^ (m * 7 + k * 13 + n) as u64;
    let a = random(m * k, &mut seed);
    let b = random(k * n, &mut seed);
    let mut dram = vec![bytes(&a), bytes(&b), vec![0u8; m * n * 4]];
    let dims = (m as u64, k as u64, n as u64);
    let s = gemm(t, dims, mat(0, k), mat(1, n), mat(2, n)).unwrap();
    let counters = simulate(t, &s, &mut dram).unwrap();
    let got: Vec<f32> = dram[2]
        .chunks_exact(4)
        .map(|x| f32::from_le_bytes([x[0], x[1], x[2], x[3]]))
        .collect();
    let want = reference(t, &a, &b, (m, k, n));
    for (e, (x, y)) in got.iter().zip(&want).enumerate() {
        assert_eq!(
            x.to_bits(),
            y.to_bits(),
            "{m}x{k}x{n} on {t:?}: element {e} is {x}, the array's order gives {y}"
        );
    }
    // And that is the product, to bf16's precision.
    for i in (0..m).step_by(m.div_ceil(7)) {
        for j in (0..n).step_by(n.div_ceil(5)) {
            let (mut exact, mut scale) = (0f64, 0f64);
            for l in 0..k {
                exact += a[i * k + l] as f64 * b[l * n + j] as f64;
                scale += (a[i * k + l] as f64 * b[l * n + j] as f64).abs();
            }
            let err = (got[i * n + j] as f64 - exact).abs();
            assert!(
                err <= 2f64.powi(-7) * scale + 1e-6,
                "C[{i},{j}] = {} vs {exact}",
                got[i * n + j]
            );
        }
    }
    assert_eq!(counters.macs, (m * k * n) as u64);
    let model = gemm_cycles(t, dims.0, dims.1, dims.2).unwrap();
    (counters.total_cycles, model, counters.busy())
}

/// The products on one array: each simulated to the cycle the model says.
fn products_on(name: &str, t: &SystolicTarget) {
    let shapes = [
        (128, 128, 128),
        (1024, 1024, 1024),
        (64, 784, 512),
        (128, 768, 3072),
        (300, 200, 700),
    ];
    let mut report = String::new();
    {
        for &shape in &shapes {
            let (simulated, model, busy) = run(t, shape);
            let off = (simulated as f64 - model as f64).abs() / model as f64;
            report.push_str(&format!(
                "{name} {shape:?}: simulated {simulated}, model {model} ({:+.2}%), array busy {:.1}%\n",
                100.0 * (simulated as f64 - model as f64) / model as f64,
                100.0 * busy
            ));
            assert_eq!(simulated, model, "{name} {shape:?}: simulated {simulated} cycles, the model says {model} ({off})\n{report}");
            if name == "128x128 ws" && shape == (1024, 1024, 1024) {
                assert!(busy >= 0.9, "1024³ on mxu-128 keeps the array busy {busy}");
            }
        }
    }
    println!("{report}");
}

#[test]
fn products_on_a_128x128_weight_stationary_array() {
    products_on("128x128 ws", &machine(128, "ws"));
}

#[test]
fn products_on_a_32x32_weight_stationary_array() {
    products_on("32x32 ws", &machine(32, "ws"));
}

#[test]
fn products_on_a_128x128_output_stationary_array() {
    products_on("128x128 os", &machine(128, "os"));
}

/// Int8 arrays multiply 8-bit operands each by its own signedness (a quantized model's
/// `u8` activations and `i8` weights) into i32 sums: every combination, on both
/// dataflows, equals the integer product exactly, with values at the types' ends.
#[test]
fn int8_products_are_exact() {
    use strata_systolic::{gemm_layouts, Layout};
    let (m, k, n) = (37usize, 50usize, 23usize);
    let mut seed = 99u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 256) as u8
    };
    let mut a: Vec<u8> = (0..m * k).map(|_| next()).collect();
    let mut b: Vec<u8> = (0..k * n).map(|_| next()).collect();
    // The extremes of both readings (0, 127, 128, 255) in both operands.
    a[..4].copy_from_slice(&[0, 127, 128, 255]);
    b[..4].copy_from_slice(&[255, 128, 127, 0]);
    for dataflow in ["ws", "os"] {
        let t = SystolicTarget::from_machine_file(&format!(
            "preset = \"tpu-v1\"\nrows = 16\ncols = 16\ndataflow = \"{dataflow}\"\n"
        ))
        .unwrap();
        assert_eq!(t.input_type, ArrayInput::Int8);
        for (a_unsigned, b_unsigned) in [(false, false), (true, false), (false, true), (true, true)]
        {
            let value = |x: u8, unsigned: bool| if unsigned { x as i32 } else { x as i8 as i32 };
            let mut dram = vec![a.clone(), b.clone(), vec![0u8; m * n * 4]];
            // int8 inputs: a byte an element; the i32 results four.
            let bytes_wide = |buffer: u32, row_bytes: u64| Matrix {
                buffer,
                offset: 0,
                row_bytes,
            };
            let layout = |x: Matrix, rows: usize, cols: usize, unsigned: bool| Layout {
                unsigned,
                ..Layout::of_matrix(x, rows as u64, cols as u64, 1)
            };
            let s = gemm_layouts(
                &t,
                (m as u64, k as u64, n as u64),
                &layout(bytes_wide(0, k as u64), m, k, a_unsigned),
                &layout(bytes_wide(1, n as u64), k, n, b_unsigned),
                bytes_wide(2, 4 * n as u64),
            )
            .unwrap();
            simulate(&t, &s, &mut dram).unwrap();
            for i in 0..m {
                for j in 0..n {
                    let want: i32 = (0..k)
                        .map(|l| value(a[i * k + l], a_unsigned) * value(b[l * n + j], b_unsigned))
                        .sum();
                    let at = (i * n + j) * 4;
                    let got = i32::from_le_bytes([
                        dram[2][at],
                        dram[2][at + 1],
                        dram[2][at + 2],
                        dram[2][at + 3],
                    ]);
                    assert_eq!(
                        got, want,
                        "{dataflow} u8 ({a_unsigned}, {b_unsigned}): C[{i},{j}]"
                    );
                }
            }
        }
    }
}

#[test]
fn schedules_that_race_or_reach_too_far_are_errors() {
    let t = machine(32, "ws");
    let s = gemm(&t, (64, 64, 64), mat(0, 64), mat(1, 64), mat(2, 64)).unwrap();
    let fresh = || vec![vec![0u8; 64 * 64 * 4]; 3];
    simulate(&t, &s, &mut fresh()).unwrap();
    assert!(s.to_string().contains("stream"), "{s}");
    // Drop the waits of the first weight load: it would read its tile before the DMA.
    let mut racy = s.clone();
    let load = racy
        .instrs
        .iter()
        .position(|i| matches!(i.op, Op::LoadWeights { .. }))
        .unwrap();
    racy.instrs[load].waits.clear();
    let e = simulate(&t, &racy, &mut fresh()).unwrap_err().0;
    assert!(e.contains("a missing wait"), "{e}");
    // A buffer too small for the product.
    let mut small = fresh();
    small[2].truncate(100);
    let e = simulate(&t, &s, &mut small).unwrap_err().0;
    assert!(e.contains("writes buffer 2"), "{e}");
    // A stream with no weights.
    let mut bare = Schedule::default();
    bare.push(
        Op::Stream {
            ub: 0,
            m: 1,
            k: 1,
            ld: 1,
            n: 1,
            acc: 0,
            accumulate: false,
            unsigned: false,
        },
        [],
    );
    let e = simulate(&t, &bare, &mut fresh()).unwrap_err().0;
    assert!(e.contains("no weight tile"), "{e}");
    // An empty product schedules nothing and takes no cycles.
    let e = gemm(&t, (0, 64, 64), mat(0, 64), mat(1, 64), mat(2, 64)).unwrap_err();
    assert!(e.0.contains("is empty"), "{e}");
    assert_eq!(gemm_cycles(&t, 64, 0, 64).unwrap(), 0);
    // A product the machine cannot hold.
    let tiny =
        SystolicTarget::from_machine_file("preset = \"edge-16\"\nbuffer_bytes = 1024\n").unwrap();
    let e = gemm(&tiny, (64, 4096, 64), mat(0, 4096), mat(1, 64), mat(2, 64)).unwrap_err();
    assert!(e.0.contains("does not fit"), "{e}");
}

#[test]
fn a_timeline_draws_every_instruction_on_its_unit() {
    let t = machine(32, "ws");
    let s = gemm(&t, (96, 64, 64), mat(0, 64), mat(1, 64), mat(2, 64)).unwrap();
    let mut dram = vec![vec![0u8; 96 * 64 * 4]; 3];
    let (counters, spans) = strata_runtime::systolic::simulate_traced(&t, &s, &mut dram).unwrap();
    assert_eq!(spans.len(), s.instrs.len());
    assert_eq!(
        spans.iter().map(|s| s.finish).max(),
        Some(counters.total_cycles)
    );
    // The array's intake is the compute counter; spans never run backwards.
    let intake: u64 = spans
        .iter()
        .filter(|s| s.unit == strata_abi::systolic::Unit::Array)
        .map(|s| s.busy_until - s.busy_from)
        .sum();
    assert_eq!(intake, counters.compute_cycles);
    assert!(spans.iter().all(|s| s.start <= s.busy_from
        && s.busy_from <= s.busy_until
        && s.busy_until <= s.finish));
    let svg = strata_runtime::systolic::timeline_svg(&spans, "96x64x64 <on> 32x32");
    assert!(
        svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
        "{svg}"
    );
    assert_eq!(svg.matches("<rect").count(), s.instrs.len());
    for lane in ["DMA in", "weights", "array", "drain", "DMA out"] {
        assert!(svg.contains(lane), "{lane}");
    }
    assert!(svg.contains("&lt;on&gt;"), "titles are escaped");
}

/// Operands the DMA gathers (stored transposed: A as `[k][m]`, B as `[n][k]`) give the
/// product of the plain ones to the bit, in the same cycles: the gather packs the same
/// tiles on chip and moves as many bytes.
#[test]
fn gathered_operands_give_the_plain_product() {
    use strata_systolic::{gemm_layouts, Dim, Layout};
    for t in [machine(32, "ws"), machine(32, "os")] {
        let (m, k, n) = (70usize, 90usize, 50usize);
        let mut seed = 11u64;
        let a = random(m * k, &mut seed);
        let b = random(k * n, &mut seed);
        let transpose = |x: &[f32], rows: usize, cols: usize| {
            let mut t = vec![0f32; x.len()];
            for i in 0..rows {
                for j in 0..cols {
                    t[j * rows + i] = x[i * cols + j];
                }
            }
            t
        };
        let dims = (m as u64, k as u64, n as u64);
        let mut plain = vec![bytes(&a), bytes(&b), vec![0u8; m * n * 4]];
        let s = gemm(&t, dims, mat(0, k), mat(1, n), mat(2, n)).unwrap();
        let want = simulate(&t, &s, &mut plain).unwrap();
        let mut stored = vec![
            bytes(&transpose(&a, m, k)),
            bytes(&transpose(&b, k, n)),
            vec![0u8; m * n * 4],
        ];
        let layout = |buffer: u32, rows: usize, cols: usize| Layout {
            buffer,
            offset: 0,
            // Element (i, j) of the logical matrix at j·rows + i of the stored one.
            rows: vec![Dim {
                extent: rows as u64,
                stride: 4,
            }],
            cols: vec![Dim {
                extent: cols as u64,
                stride: rows as u64 * 4,
            }],
            unsigned: false,
        };
        let g = gemm_layouts(&t, dims, &layout(0, m, k), &layout(1, k, n), mat(2, n)).unwrap();
        assert!(g.instrs.iter().any(|i| matches!(i.op, Op::Gather { .. })));
        let got = simulate(&t, &g, &mut stored).unwrap();
        assert_eq!(
            stored[2], plain[2],
            "{:?}: the gathered product differs",
            t.dataflow
        );
        assert_eq!(got.total_cycles, want.total_cycles);
        assert_eq!(got.dram_bytes_read, want.dram_bytes_read);
    }
}
