//! `channels-last` changes no bit: random small convolutional networks (convolutions of
//! any kernel, stride and padding, with and without bias; ReLUs, max-pools, residual
//! adds; results returned from the middle, or reshaped) compute the same in the kernel
//! interpreter before and after the pass, and the whole CPU pipeline (where rows of
//! `loop.contract` become a box of output rows and columns) matches the graph
//! interpreter.

mod common;

use common::assert_close;
use proptest::prelude::*;
use strata_ir::{interp, parse_module, print_module, verify_module, Module, Tensor};
use strata_passes::pipeline::{run_pipeline, FULL};

const CPU: &str = "target{kind=cpu,vector-bits=512,threads=2}";

fn fail(e: impl ToString) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn values(&mut self, n: usize) -> Vec<f32> {
        (0..n)
            .map(|_| (self.below(2001) as f32 - 1000.0) / 1000.0)
            .collect()
    }
}

fn ty(dims: &[usize]) -> String {
    let d: Vec<String> = dims.iter().map(|x| x.to_string()).collect();
    format!("tensor<{}xf32>", d.join("x"))
}

/// A constant's elements as the printer spells them: little-endian bytes in hex.
fn dense(values: &[f32], dims: &[usize]) -> String {
    let hex: String = values
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .map(|b| format!("{b:02X}"))
        .collect();
    format!("dense<\"0x{hex}\"> : {}", ty(dims))
}

/// A random network over a `[n, c, h, w]` input, in graph IR, and its input.
fn random_net(seed: u64) -> (Module, Vec<Tensor>) {
    let mut r = Rng(seed | 1);
    let input = [
        1 + r.below(2),
        1 + r.below(5),
        3 + r.below(7),
        3 + r.below(7),
    ];
    let mut lines = Vec::new();
    let mut values: Vec<(String, [usize; 4])> = vec![("%arg0".into(), input)];
    let mut fresh = 0;
    let mut name = || {
        fresh += 1;
        format!("%v{fresh}")
    };
    let steps = 1 + r.below(6);
    for _ in 0..steps {
        let (x, s) = values.last().cloned().expect("a value");
        let [n, c, h, w] = s;
        match r.below(5) {
            0 | 1 => {
                let (k, stride, pad) = (1 + r.below(3), 1 + r.below(2), r.below(2));
                if h + 2 * pad < k || w + 2 * pad < k {
                    continue;
                }
                let co = 1 + r.below(6);
                let out = [
                    n,
                    co,
                    (h + 2 * pad - k) / stride + 1,
                    (w + 2 * pad - k) / stride + 1,
                ];
                let wd = [co, c, k, k];
                let weights = name();
                lines.push(format!(
                    r#"{weights} = "graph.constant"() {{value = {}}} : () -> {}"#,
                    dense(&r.values(co * c * k * k), &wd),
                    ty(&wd)
                ));
                let mut operands = vec![x.clone(), weights.clone()];
                let mut types = vec![ty(&s), ty(&wd)];
                if r.below(2) == 0 {
                    let bias = name();
                    lines.push(format!(
                        r#"{bias} = "graph.constant"() {{value = {}}} : () -> {}"#,
                        dense(&r.values(co), &[co]),
                        ty(&[co])
                    ));
                    operands.push(bias);
                    types.push(ty(&[co]));
                }
                let y = name();
                lines.push(format!(
                    r#"{y} = "graph.conv"({}) {{kernel_shape = array<i64: {k}, {k}>, pads = array<i64: {pad}, {pad}, {pad}, {pad}>, strides = array<i64: {stride}, {stride}>}} : ({}) -> {}"#,
                    operands.join(", "),
                    types.join(", "),
                    ty(&out)
                ));
                values.push((y, out));
            }
            2 => {
                let y = name();
                lines.push(format!(
                    r#"{y} = "graph.relu"({x}) : ({t}) -> {t}"#,
                    t = ty(&s)
                ));
                values.push((y, s));
            }
            3 if h >= 2 && w >= 2 => {
                let out = [n, c, h / 2, w / 2];
                let y = name();
                lines.push(format!(
                    r#"{y} = "graph.max_pool"({x}) {{kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>}} : ({}) -> {}"#,
                    ty(&s),
                    ty(&out)
                ));
                values.push((y, out));
            }
            _ => {
                // A residual: the last value plus an earlier one of its shape.
                let same: Vec<String> = values
                    .iter()
                    .filter(|(_, t)| *t == s)
                    .map(|(v, _)| v.clone())
                    .collect();
                let other = same[r.below(same.len())].clone();
                let y = name();
                lines.push(format!(
                    r#"{y} = "graph.add"({x}, {other}) : ({t}, {t}) -> {t}"#,
                    t = ty(&s)
                ));
                values.push((y, s));
            }
        }
    }
    let (last, s) = values.last().cloned().expect("a value");
    let mut results = vec![(last, ty(&s))];
    match r.below(3) {
        // An intermediate value returned too: it keeps NCHW.
        0 if values.len() > 2 => {
            let (v, t) = values[1 + r.below(values.len() - 2)].clone();
            results.push((v, ty(&t)));
        }
        // Flattened, as before a classifier.
        1 => {
            let flat = [s[0], s[1] * s[2] * s[3]];
            let y = name();
            lines.push(format!(
                r#"{y} = "graph.reshape"({}) {{shape = array<i64: {}, {}>}} : ({}) -> {}"#,
                results[0].0,
                flat[0],
                flat[1],
                results[0].1,
                ty(&flat)
            ));
            results[0] = (y, ty(&flat));
        }
        _ => {}
    }
    let (names, types): (Vec<String>, Vec<String>) = results.into_iter().unzip();
    let text = format!(
        r#""builtin.module"() ({{
  "func.func"() ({{
  ^bb0(%arg0: {it}):
    {body}
    "func.return"({names}) : ({types}) -> ()
  }}) {{function_type = ({it}) -> ({types}), sym_name = "main"}} : () -> ()
}}) : () -> ()"#,
        it = ty(&input),
        body = lines.join("\n    "),
        names = names.join(", "),
        types = types.join(", "),
    );
    let m = parse_module(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let numel = input.iter().product();
    let x = Tensor::from_vec(input.to_vec(), r.values(numel)).expect("input");
    (m, vec![x])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn channels_last_changes_no_bit(seed in any::<u64>()) {
        let (m, inputs) = random_net(seed);
        verify_module(&m).map_err(|e| fail(format!("{e}\n{}", print_module(&m))))?;
        let kernels = run_pipeline(&m, "lower-to-kernel,fuse,expand-composites", None, false)
            .map_err(fail)?
            .0;
        let reference = interp::run(&kernels, "main", &inputs).map_err(fail)?;
        let (nhwc, _) = run_pipeline(&kernels, &format!("{CPU},channels-last"), None, false)
            .map_err(|e| fail(format!("{e}\n{}", print_module(&kernels))))?;
        verify_module(&nhwc).map_err(|e| fail(format!("{e}\n{}", print_module(&nhwc))))?;
        let got = interp::run(&nhwc, "main", &inputs)
            .map_err(|e| fail(format!("{e}\n{}", print_module(&nhwc))))?;
        for (a, e) in got.iter().zip(&reference) {
            prop_assert!(a.bitwise_eq(e), "the layout changed results\n{}", print_module(&nhwc));
        }
        let (host, _) = run_pipeline(&m, &format!("{CPU},{FULL}"), None, false).map_err(fail)?;
        let expected = interp::run(&m, "main", &inputs).map_err(fail)?;
        let got = interp::run(&host, "main", &inputs)
            .map_err(|e| fail(format!("{e}\n{}", print_module(&host))))?;
        for (a, e) in got.iter().zip(&expected) {
            assert_close(a, e).map_err(|msg| fail(format!("{msg}\n{}", print_module(&host))))?;
        }
    }
}

/// A convolution feeding a pool: both kernels change layout (the pool writes the
/// returned value in NCHW), the pad in front of the convolution keeps the argument's
/// NCHW (the convolution reads it in place), and the convolution's rows become two
/// dimensions of `loop.contract`.
#[test]
fn convolutions_and_their_neighbours_go_channels_last() {
    let mut r = Rng(7);
    let text = format!(
        r#""builtin.module"() ({{
  "func.func"() ({{
  ^bb0(%arg0: tensor<1x3x8x8xf32>):
    %w = "graph.constant"() {{value = {}}} : () -> tensor<16x3x3x3xf32>
    %c = "graph.conv"(%arg0, %w) {{kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>}} : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x8x8xf32>
    %p = "graph.max_pool"(%c) {{kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>}} : (tensor<1x16x8x8xf32>) -> tensor<1x16x4x4xf32>
    "func.return"(%p) : (tensor<1x16x4x4xf32>) -> ()
  }}) {{function_type = (tensor<1x3x8x8xf32>) -> tensor<1x16x4x4xf32>, sym_name = "main"}} : () -> ()
}}) : () -> ()"#,
        dense(&r.values(16 * 27), &[16, 3, 3, 3])
    );
    let m = parse_module(&text).unwrap();
    let (k, _) = run_pipeline(
        &m,
        &format!("{CPU},lower-to-kernel,fuse,channels-last"),
        None,
        false,
    )
    .unwrap();
    let printed = print_module(&k);
    for t in [
        "-> tensor<1x3x10x10xf32>",
        "tensor<1x8x8x16xf32>",
        "-> tensor<1x16x4x4xf32>",
    ] {
        assert!(printed.contains(t), "no {t} in\n{printed}");
    }
    assert!(!printed.contains("tensor<1x16x8x8xf32>"), "{printed}");
    let (loops, _) = run_pipeline(&m, &format!("{CPU},{FULL}"), None, false).unwrap();
    let printed = print_module(&loops);
    // Rows: 8 image rows of 8 columns (A's rows 10 elements apart in its NCHW planes,
    // its columns 1), C dense.
    assert!(
        printed.contains("m_dims = array<i64: 8, 10, 128, 8, 1, 16>"),
        "{printed}"
    );
}
