// RUN: lower-to-kernel
// A dense layer: MatMul, a broadcast bias Add, Relu; each becomes a kernel.generic.
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<2x3xf32>, %arg1: tensor<3x4xf32>, %arg2: tensor<4xf32>):
    %0 = "graph.matmul"(%arg0, %arg1) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
    %1 = "graph.add"(%0, %arg2) : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
    %2 = "graph.relu"(%1) : (tensor<2x4xf32>) -> tensor<2x4xf32>
    "func.return"(%2) : (tensor<2x4xf32>) -> ()
  }) {function_type = (tensor<2x3xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>, sym_name = "main"} : () -> ()
}) : () -> ()
// ----- expected
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<2x3xf32>, %arg1: tensor<3x4xf32>, %arg2: tensor<4xf32>):
    %0 = "kernel.generic"(%arg0, %arg1) ({
    ^bb0(%arg3: f32, %arg4: f32, %arg5: f32):
      %1 = "kernel.mul"(%arg3, %arg4) : (f32, f32) -> f32
      %2 = "kernel.add"(%arg5, %1) : (f32, f32) -> f32
      "kernel.yield"(%2) : (f32) -> ()
    }) {domain = array<i64: 2, 4, 3>, indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterators = ["parallel", "parallel", "reduction"]} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
    %3 = "kernel.generic"(%0, %arg2) ({
    ^bb0(%arg6: f32, %arg7: f32, %arg8: f32):
      %4 = "kernel.add"(%arg6, %arg7) : (f32, f32) -> f32
      "kernel.yield"(%4) : (f32) -> ()
    }) {domain = array<i64: 2, 4>, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterators = ["parallel", "parallel"]} : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
    %5 = "kernel.generic"(%3) ({
    ^bb0(%arg9: f32, %arg10: f32):
      %6 = "kernel.relu"(%arg9) : (f32) -> f32
      "kernel.yield"(%6) : (f32) -> ()
    }) {domain = array<i64: 2, 4>, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterators = ["parallel", "parallel"]} : (tensor<2x4xf32>) -> tensor<2x4xf32>
    "func.return"(%5) : (tensor<2x4xf32>) -> ()
  }) {arg_attrs = [{strata.name = "input0"}, {strata.name = "input1"}, {strata.name = "input2"}], function_type = (tensor<2x3xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>, res_attrs = [{strata.name = "output0"}], sym_name = "main"} : () -> ()
}) : () -> ()
