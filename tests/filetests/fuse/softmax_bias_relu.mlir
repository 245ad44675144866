// RUN: lower-to-kernel,fuse
// Softmax lowers to five kernels; fusion inlines x - max and exp into both the sum
// reduction and the final division, leaving three. The bias Add and Relu fuse into one.
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<2x3xf32>, %arg1: tensor<3xf32>):
    %0 = "graph.softmax"(%arg0) {axis = -1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
    %1 = "graph.add"(%arg0, %arg1) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    %2 = "graph.relu"(%1) : (tensor<2x3xf32>) -> tensor<2x3xf32>
    "func.return"(%0, %2) : (tensor<2x3xf32>, tensor<2x3xf32>) -> ()
  }) {function_type = (tensor<2x3xf32>, tensor<3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>), sym_name = "main"} : () -> ()
}) : () -> ()
// ----- expected
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<2x3xf32>, %arg1: tensor<3xf32>):
    %0 = "kernel.generic"(%arg0) ({
    ^bb0(%arg2: f32, %arg3: f32):
      %1 = "kernel.max"(%arg3, %arg2) : (f32, f32) -> f32
      "kernel.yield"(%1) : (f32) -> ()
    }) {domain = array<i64: 2, 3>, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>], inits = [0xFF800000 : f32], iterators = ["parallel", "reduction"]} : (tensor<2x3xf32>) -> tensor<2x1xf32>
    %2 = "kernel.generic"(%arg0, %0) ({
    ^bb0(%arg4: f32, %arg5: f32, %arg6: f32):
      %3 = "kernel.sub"(%arg4, %arg5) : (f32, f32) -> f32
      %4 = "kernel.exp"(%3) : (f32) -> f32
      %5 = "kernel.add"(%arg6, %4) : (f32, f32) -> f32
      "kernel.yield"(%5) : (f32) -> ()
    }) {domain = array<i64: 2, 3>, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, 0)>], iterators = ["parallel", "reduction"]} : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x1xf32>
    %6 = "kernel.generic"(%arg0, %0, %2) ({
    ^bb0(%arg7: f32, %arg8: f32, %arg9: f32, %arg10: f32):
      %7 = "kernel.sub"(%arg7, %arg8) : (f32, f32) -> f32
      %8 = "kernel.exp"(%7) : (f32) -> f32
      %9 = "kernel.div"(%8, %arg9) : (f32, f32) -> f32
      "kernel.yield"(%9) : (f32) -> ()
    }) {domain = array<i64: 2, 3>, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterators = ["parallel", "parallel"]} : (tensor<2x3xf32>, tensor<2x1xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
    %10 = "kernel.generic"(%arg0, %arg1) ({
    ^bb0(%arg11: f32, %arg12: f32, %arg13: f32):
      %11 = "kernel.add"(%arg11, %arg12) : (f32, f32) -> f32
      %12 = "kernel.relu"(%11) : (f32) -> f32
      "kernel.yield"(%12) : (f32) -> ()
    }) {domain = array<i64: 2, 3>, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterators = ["parallel", "parallel"]} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    "func.return"(%6, %10) : (tensor<2x3xf32>, tensor<2x3xf32>) -> ()
  }) {arg_attrs = [{strata.name = "input0"}, {strata.name = "input1"}], function_type = (tensor<2x3xf32>, tensor<3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>), res_attrs = [{strata.name = "output0"}, {strata.name = "output1"}], sym_name = "main"} : () -> ()
}) : () -> ()
