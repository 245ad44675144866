// RUN: target{kind=vulkan},vectorize
// The same transpose for a GPU, which does not gather: the loop stays scalar.
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<32x16xf32>):
    %0 = "loop.dispatch"(%arg0) {kernel = "main_k0"} : (tensor<32x16xf32>) -> tensor<16x32xf32>
    "func.return"(%0) : (tensor<16x32xf32>) -> ()
  }) {arg_attrs = [{strata.name = "x"}], function_type = (tensor<32x16xf32>) -> tensor<16x32xf32>, res_attrs = [{strata.name = "y"}], sym_name = "main"} : () -> ()
  "loop.kernel"() ({
  ^bb0(%arg0: memref<32x16xf32>, %arg1: memref<16x32xf32>):
    "loop.for"() ({
    ^bb0(%arg2: index):
      "loop.for"() ({
      ^bb0(%arg3: index):
        "loop.for"() ({
        ^bb0(%arg4: index):
          %0 = "loop.apply"(%arg2, %arg3) {map = affine_map<(d0, d1) -> (d0 * 2 + d1)>} : (index, index) -> index
          %1 = "loop.load"(%arg0, %arg4, %0) : (memref<32x16xf32>, index, index) -> f32
          %2 = "loop.apply"(%arg2, %arg3) {map = affine_map<(d0, d1) -> (d0 * 2 + d1)>} : (index, index) -> index
          %3 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          "loop.store"(%1, %arg1, %2, %arg4) : (f32, memref<16x32xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 32 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 2 : i64} : () -> ()
    }) {grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 8 : i64} : () -> ()
  }) {sym_name = "main_k0"} : () -> ()
}) : () -> ()
// ----- expected
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<32x16xf32>):
    %0 = "loop.dispatch"(%arg0) {kernel = "main_k0"} : (tensor<32x16xf32>) -> tensor<16x32xf32>
    "func.return"(%0) : (tensor<16x32xf32>) -> ()
  }) {arg_attrs = [{strata.name = "x"}], function_type = (tensor<32x16xf32>) -> tensor<16x32xf32>, res_attrs = [{strata.name = "y"}], sym_name = "main"} : () -> ()
  "loop.kernel"() ({
  ^bb0(%arg0: memref<32x16xf32>, %arg1: memref<16x32xf32>):
    "loop.for"() ({
    ^bb0(%arg2: index):
      "loop.for"() ({
      ^bb0(%arg3: index):
        "loop.for"() ({
        ^bb0(%arg4: index):
          %0 = "loop.apply"(%arg2, %arg3) {map = affine_map<(d0, d1) -> (d0 * 2 + d1)>} : (index, index) -> index
          %1 = "loop.load"(%arg0, %arg4, %0) : (memref<32x16xf32>, index, index) -> f32
          %2 = "loop.apply"(%arg2, %arg3) {map = affine_map<(d0, d1) -> (d0 * 2 + d1)>} : (index, index) -> index
          %3 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          "loop.store"(%1, %arg1, %2, %arg4) : (f32, memref<16x32xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 32 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 2 : i64} : () -> ()
    }) {grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 8 : i64} : () -> ()
  }) {sym_name = "main_k0"} : () -> ()
}) {strata.target = {kind = "vulkan", l1_bytes = 49152 : i64, max_bindings = 32 : i64, push_constant_words = 32 : i64, resident_workgroups = 256 : i64, shared_memory_bytes = 16384 : i64, subgroup_size = 32 : i64, vector_bits = 128 : i64, workgroup_size = 64 : i64}} : () -> ()
