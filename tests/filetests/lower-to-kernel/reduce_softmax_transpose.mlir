// RUN: lower-to-kernel
// ReduceMean (sum kernel + divide kernel), Softmax (max, exp(x - max), sum, divide) and a
// Transpose (a copy with a permuted map); the Reshape stays a graph op.
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<2x3xf32>):
    %0 = "graph.reduce_mean"(%arg0) {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<2x3xf32>) -> tensor<2xf32>
    %1 = "graph.softmax"(%arg0) {axis = -1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
    %2 = "graph.transpose"(%1) {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
    %3 = "graph.reshape"(%2) {shape = array<i64: 6>} : (tensor<3x2xf32>) -> tensor<6xf32>
    "func.return"(%0, %3) : (tensor<2xf32>, tensor<6xf32>) -> ()
  }) {function_type = (tensor<2x3xf32>) -> (tensor<2xf32>, tensor<6xf32>), sym_name = "main"} : () -> ()
}) : () -> ()
// ----- expected
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<2x3xf32>):
    %0 = "kernel.generic"(%arg0) ({
    ^bb0(%arg1: f32, %arg2: f32):
      %1 = "kernel.add"(%arg2, %arg1) : (f32, f32) -> f32
      "kernel.yield"(%1) : (f32) -> ()
    }) {domain = array<i64: 2, 3>, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterators = ["parallel", "reduction"]} : (tensor<2x3xf32>) -> tensor<2xf32>
    %2 = "kernel.generic"(%0) ({
    ^bb0(%arg3: f32, %arg4: f32):
      %3 = "kernel.constant"() {value = 3.0 : f32} : () -> f32
      %4 = "kernel.div"(%arg3, %3) : (f32, f32) -> f32
      "kernel.yield"(%4) : (f32) -> ()
    }) {domain = array<i64: 2>, indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterators = ["parallel"]} : (tensor<2xf32>) -> tensor<2xf32>
    %5 = "kernel.generic"(%arg0) ({
    ^bb0(%arg5: f32, %arg6: f32):
      %6 = "kernel.max"(%arg6, %arg5) : (f32, f32) -> f32
      "kernel.yield"(%6) : (f32) -> ()
    }) {domain = array<i64: 2, 3>, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>], inits = [0xFF800000 : f32], iterators = ["parallel", "reduction"]} : (tensor<2x3xf32>) -> tensor<2x1xf32>
    %7 = "kernel.generic"(%arg0, %5) ({
    ^bb0(%arg7: f32, %arg8: f32, %arg9: f32):
      %8 = "kernel.sub"(%arg7, %arg8) : (f32, f32) -> f32
      "kernel.yield"(%8) : (f32) -> ()
    }) {domain = array<i64: 2, 3>, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterators = ["parallel", "parallel"]} : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
    %9 = "kernel.generic"(%7) ({
    ^bb0(%arg10: f32, %arg11: f32):
      %10 = "kernel.exp"(%arg10) : (f32) -> f32
      "kernel.yield"(%10) : (f32) -> ()
    }) {domain = array<i64: 2, 3>, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterators = ["parallel", "parallel"]} : (tensor<2x3xf32>) -> tensor<2x3xf32>
    %11 = "kernel.generic"(%9) ({
    ^bb0(%arg12: f32, %arg13: f32):
      %12 = "kernel.add"(%arg13, %arg12) : (f32, f32) -> f32
      "kernel.yield"(%12) : (f32) -> ()
    }) {domain = array<i64: 2, 3>, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>], iterators = ["parallel", "reduction"]} : (tensor<2x3xf32>) -> tensor<2x1xf32>
    %13 = "kernel.generic"(%9, %11) ({
    ^bb0(%arg14: f32, %arg15: f32, %arg16: f32):
      %14 = "kernel.div"(%arg14, %arg15) : (f32, f32) -> f32
      "kernel.yield"(%14) : (f32) -> ()
    }) {domain = array<i64: 2, 3>, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterators = ["parallel", "parallel"]} : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
    %15 = "kernel.generic"(%13) ({
    ^bb0(%arg17: f32, %arg18: f32):
      "kernel.yield"(%arg17) : (f32) -> ()
    }) {domain = array<i64: 3, 2>, indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterators = ["parallel", "parallel"]} : (tensor<2x3xf32>) -> tensor<3x2xf32>
    %16 = "graph.reshape"(%15) {shape = array<i64: 6>} : (tensor<3x2xf32>) -> tensor<6xf32>
    "func.return"(%2, %16) : (tensor<2xf32>, tensor<6xf32>) -> ()
  }) {arg_attrs = [{strata.name = "input0"}], function_type = (tensor<2x3xf32>) -> (tensor<2xf32>, tensor<6xf32>), res_attrs = [{strata.name = "output0"}, {strata.name = "output1"}], sym_name = "main"} : () -> ()
}) : () -> ()
