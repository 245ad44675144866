//! Quantization keeps ONNX's rounding through every level: ties go to even before the
//! zero point is added, results saturate, and the division by the scale stays a division
//! (the e-graph's `x / c → x * (1/c)` would move some quotients across a rounding
//! boundary, so the quantize ops lower only after it).

use strata_ir::{interp, parse_module, ElementType, Shape, Tensor};
use strata_passes::pipeline::run_pipeline;

const PIPELINES: &[&str] = &[
    "target{kind=cpu},egraph",
    "target{kind=cpu},egraph,lower-to-kernel,fuse",
    "target{kind=cpu},egraph,lower-to-kernel,fuse,tile,lower-to-loops,stage,vectorize,unroll,bufferize",
    "target{kind=systolic},egraph,lower-to-kernel,fuse,tile,lower-to-loops,stage,vectorize,unroll,bufferize",
];

fn quantize_module(n: usize, scale: f32, zp: i64, to: &str) -> String {
    format!(
        r#""builtin.module"() ({{
  "func.func"() ({{
  ^bb0(%x: tensor<{n}xf32>):
    %s = "graph.constant"() {{value = dense<{scale:e}> : tensor<f32>}} : () -> tensor<f32>
    %z = "graph.constant"() {{value = dense<{zp}> : tensor<{to}>}} : () -> tensor<{to}>
    %q = "graph.quantize_linear"(%x, %s, %z) : (tensor<{n}xf32>, tensor<f32>, tensor<{to}>) -> tensor<{n}x{to}>
    "func.return"(%q) : (tensor<{n}x{to}>) -> ()
  }}) {{function_type = (tensor<{n}xf32>) -> tensor<{n}x{to}>, sym_name = "main"}} : () -> ()
}}) : () -> ()"#
    )
}

/// Runs `text`'s main on `x` as written and after each pipeline; all must give `want`.
fn check_everywhere(text: &str, x: &Tensor, want: &[i64]) {
    let m = parse_module(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    strata_ir::verify_module(&m).unwrap();
    let got = interp::run(&m, "main", std::slice::from_ref(x)).unwrap();
    assert_eq!(got[0].to_i64s(), want, "graph interpreter");
    for p in PIPELINES {
        let (lowered, _) = run_pipeline(&m, p, None, false).unwrap();
        let got = interp::run(&lowered, "main", std::slice::from_ref(x)).unwrap();
        assert_eq!(got[0].to_i64s(), want, "after {p}");
    }
}

#[test]
fn ties_round_to_even_before_the_zero_point_and_results_saturate() {
    let x = Tensor::from_f64s(
        ElementType::F32,
        Shape::new([6]),
        &[1.25, 0.75, -0.25, 100.0, -100.0, 0.0],
    );
    // x / 0.5 = 2.5, 1.5, -0.5, 200, -200, 0; plus 3 after rounding (5.5 would round to 6).
    check_everywhere(
        &quantize_module(6, 0.5, 3, "i8"),
        &x,
        &[5, 5, 3, 127, -128, 3],
    );
    check_everywhere(
        &quantize_module(6, 0.5, 3, "ui8"),
        &x,
        &[5, 5, 3, 203, 0, 3],
    );
}

#[test]
fn the_division_by_a_constant_scale_is_not_a_multiply_by_its_reciprocal() {
    // In f32, -1.4885001 / 0.013 and -1.4885001 * (1 / 0.013) fall on either side of
    // -114.5, so they round to different integers; ONNX divides.
    let v = f32::from_bits(3216934700) as f64;
    let x = Tensor::from_f64s(ElementType::F32, Shape::new([1]), &[v]);
    let by_reciprocal = (v as f32 * (1.0f32 / 0.013f32)).round_ties_even() as i64;
    let by_division = (v as f32 / 0.013f32).round_ties_even() as i64;
    assert_ne!(
        by_reciprocal, by_division,
        "the chosen value must tell them apart"
    );
    check_everywhere(&quantize_module(1, 0.013, 0, "i8"), &x, &[by_division]);
}
