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

/// The QDQ form onnxruntime writes around data movement and pooling (a per-tensor
/// `DequantizeLinear → Transpose → QuantizeLinear`, then the same around MaxPool and
/// Relu) folds to the ops on the integers: no quantization is left, and every pipeline
/// gives what the unfolded graph gives.
#[test]
fn qdq_chains_around_movement_and_pooling_fold_to_integer_ops() {
    let text = r#""builtin.module"() ({
  "func.func"() ({
  ^bb0(%q: tensor<1x2x4x4xui8>):
    %s = "graph.constant"() {value = dense<0.05> : tensor<f32>} : () -> tensor<f32>
    %z = "graph.constant"() {value = dense<7> : tensor<ui8>} : () -> tensor<ui8>
    %d = "graph.dequantize_linear"(%q, %s, %z) : (tensor<1x2x4x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xf32>
    %t = "graph.transpose"(%d) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %q1 = "graph.quantize_linear"(%t, %s, %z) {saturate = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xui8>
    %d1 = "graph.dequantize_linear"(%q1, %s, %z) : (tensor<1x2x4x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xf32>
    %p = "graph.max_pool"(%d1) {kernel_shape = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x3x3xf32>
    %q2 = "graph.quantize_linear"(%p, %s, %z) {saturate = 1 : i64} : (tensor<1x2x3x3xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x3x3xui8>
    %d2 = "graph.dequantize_linear"(%q2, %s, %z) : (tensor<1x2x3x3xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x2x3x3xf32>
    %r = "graph.relu"(%d2) : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
    %q3 = "graph.quantize_linear"(%r, %s, %z) {saturate = 1 : i64} : (tensor<1x2x3x3xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x3x3xui8>
    "func.return"(%q3) : (tensor<1x2x3x3xui8>) -> ()
  }) {function_type = (tensor<1x2x4x4xui8>) -> tensor<1x2x3x3xui8>, sym_name = "main"} : () -> ()
}) : () -> ()"#;
    let m = parse_module(text).unwrap();
    let values: Vec<f64> = (0..32).map(|i| ((i * 37) % 256) as f64).collect();
    let q = Tensor::from_f64s(ElementType::U8, Shape::new([1, 2, 4, 4]), &values);
    let want = interp::run(&m, "main", std::slice::from_ref(&q)).unwrap()[0].to_i64s();
    // Relu's zero is the zero point: nothing below 7 survives.
    assert!(want.iter().all(|&v| v >= 7) && want.iter().any(|&v| v > 7));
    let (folded, _) = run_pipeline(&m, "target{kind=cpu},egraph", None, false).unwrap();
    let printed = strata_ir::print_module(&folded);
    assert!(
        !printed.contains("quantize_linear"),
        "quantization left after folding:\n{printed}"
    );
    assert!(
        printed.contains("(tensor<1x2x4x4xui8>) -> tensor<1x2x3x3xui8>"),
        "{printed}"
    );
    check_everywhere(text, &q, &want);
}
