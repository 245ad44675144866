// RUN: target{kind=cpu,vector-bits=256,threads=2},egraph
// x * 1 and double negation disappear, the written-out GELU becomes one op, and a MatMul
// followed by a bias Add becomes one Gemm.
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<2x3xf32>, %arg1: tensor<3x4xf32>):
    %0 = "graph.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
    %1 = "graph.mul"(%arg0, %0) : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
    %2 = "graph.neg"(%1) : (tensor<2x3xf32>) -> tensor<2x3xf32>
    %3 = "graph.neg"(%2) : (tensor<2x3xf32>) -> tensor<2x3xf32>
    %4 = "graph.matmul"(%3, %arg1) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
    %5 = "graph.constant"() {value = dense<[0.5, -1.0, 2.0, 0.25]> : tensor<4xf32>} : () -> tensor<4xf32>
    %6 = "graph.add"(%4, %5) : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
    %7 = "graph.constant"() {value = dense<1.41421354> : tensor<f32>} : () -> tensor<f32>
    %8 = "graph.div"(%6, %7) : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
    %9 = "graph.erf"(%8) : (tensor<2x4xf32>) -> tensor<2x4xf32>
    %10 = "graph.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
    %11 = "graph.add"(%9, %10) : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
    %12 = "graph.mul"(%6, %11) : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
    %13 = "graph.constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
    %14 = "graph.mul"(%12, %13) : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
    "func.return"(%14) : (tensor<2x4xf32>) -> ()
  }) {function_type = (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>, sym_name = "main"} : () -> ()
}) : () -> ()
// ----- expected
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<2x3xf32>, %arg1: tensor<3x4xf32>):
    %0 = "graph.constant"() {value = dense<[0.5, -1.0, 2.0, 0.25]> : tensor<4xf32>} : () -> tensor<4xf32>
    %1 = "graph.gemm"(%arg0, %arg1, %0) : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
    %2 = "graph.gelu"(%1) : (tensor<2x4xf32>) -> tensor<2x4xf32>
    "func.return"(%2) : (tensor<2x4xf32>) -> ()
  }) {arg_attrs = [{strata.name = "input0"}, {strata.name = "input1"}], function_type = (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>, res_attrs = [{strata.name = "output0"}], sym_name = "main"} : () -> ()
}) {strata.target = {cpu = "generic", features = [], kind = "cpu", l1_bytes = 32768 : i64, l2_bytes = 524288 : i64, l3_bytes = 8388608 : i64, threads = 2 : i64, triple = "", vector_bits = 256 : i64}} : () -> ()
