// RUN: stage
// For a GPU target: the row of x each workgroup reads once per output column is copied
// into workgroup memory (a loop.alloca) per cache-tile step, and the contraction reads it there.
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<16x96xf32>, %arg1: tensor<96x64xf32>):
    %0 = "loop.dispatch"(%arg0, %arg1) {kernel = "main_k0"} : (tensor<16x96xf32>, tensor<96x64xf32>) -> tensor<16x64xf32>
    "func.return"(%0) : (tensor<16x64xf32>) -> ()
  }) {arg_attrs = [{strata.name = "input0"}, {strata.name = "input1"}], function_type = (tensor<16x96xf32>, tensor<96x64xf32>) -> tensor<16x64xf32>, res_attrs = [{strata.name = "output0"}], sym_name = "main"} : () -> ()
  "loop.kernel"() ({
  ^bb0(%arg0: memref<16x96xf32>, %arg1: memref<96x64xf32>, %arg2: memref<16x64xf32>):
    "loop.for"() ({
    ^bb0(%arg3: index):
      "loop.for"() ({
      ^bb0(%arg4: index):
        "loop.for"() ({
        ^bb0(%arg5: index):
          %0 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          %1 = "loop.apply"(%arg3, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          "loop.store"(%0, %arg2, %1, %arg5) : (f32, memref<16x64xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 64 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%arg6: index):
        "loop.for"() ({
        ^bb0(%arg7: index):
          "loop.for"() ({
          ^bb0(%arg8: index):
            "loop.for"() ({
            ^bb0(%arg9: index):
              %2 = "loop.apply"(%arg3, %arg7) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
              %3 = "loop.apply"(%arg6, %arg8) {map = affine_map<(d0, d1) -> (d0 * 48 + d1)>} : (index, index) -> index
              %4 = "loop.load"(%arg0, %2, %3) : (memref<16x96xf32>, index, index) -> f32
              %5 = "loop.apply"(%arg6, %arg8) {map = affine_map<(d0, d1) -> (d0 * 48 + d1)>} : (index, index) -> index
              %6 = "loop.load"(%arg1, %5, %arg9) : (memref<96x64xf32>, index, index) -> f32
              %7 = "loop.apply"(%arg3, %arg7) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
              %8 = "loop.load"(%arg2, %7, %arg9) : (memref<16x64xf32>, index, index) -> f32
              %9 = "kernel.mul"(%4, %6) : (f32, f32) -> f32
              %10 = "kernel.add"(%8, %9) : (f32, f32) -> f32
              "loop.store"(%10, %arg2, %7, %arg9) : (f32, memref<16x64xf32>, index, index) -> ()
            }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 64 : i64} : () -> ()
          }) {iterator = "reduction", lower = 0 : i64, step = 1 : i64, upper = 48 : i64} : () -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      }) {iterator = "reduction", lower = 0 : i64, step = 1 : i64, upper = 2 : i64} : () -> ()
    }) {grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 16 : i64} : () -> ()
  }) {sym_name = "main_k0"} : () -> ()
}) {strata.target = {kind = "vulkan", l1_bytes = 49152 : i64, max_bindings = 32 : i64, push_constant_words = 32 : i64, resident_workgroups = 256 : i64, shared_memory_bytes = 16384 : i64, subgroup_size = 32 : i64, vector_bits = 128 : i64, workgroup_size = 64 : i64}} : () -> ()
// ----- expected
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<16x96xf32>, %arg1: tensor<96x64xf32>):
    %0 = "loop.dispatch"(%arg0, %arg1) {kernel = "main_k0"} : (tensor<16x96xf32>, tensor<96x64xf32>) -> tensor<16x64xf32>
    "func.return"(%0) : (tensor<16x64xf32>) -> ()
  }) {arg_attrs = [{strata.name = "input0"}, {strata.name = "input1"}], function_type = (tensor<16x96xf32>, tensor<96x64xf32>) -> tensor<16x64xf32>, res_attrs = [{strata.name = "output0"}], sym_name = "main"} : () -> ()
  "loop.kernel"() ({
  ^bb0(%arg0: memref<16x96xf32>, %arg1: memref<96x64xf32>, %arg2: memref<16x64xf32>):
    %0 = "loop.alloca"() : () -> memref<1x48xf32>
    "loop.for"() ({
    ^bb0(%arg3: index):
      "loop.for"() ({
      ^bb0(%arg4: index):
        "loop.for"() ({
        ^bb0(%arg5: index):
          %1 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          %2 = "loop.apply"(%arg3, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          "loop.store"(%1, %arg2, %2, %arg5) : (f32, memref<16x64xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 64 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%arg6: index):
        "loop.for"() ({
        ^bb0(%arg7: index):
          "loop.for"() ({
          ^bb0(%arg8: index):
            %3 = "loop.apply"(%arg3, %arg7) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %4 = "loop.apply"(%arg6, %arg8) {map = affine_map<(d0, d1) -> (d0 * 48 + d1)>} : (index, index) -> index
            %5 = "loop.load"(%arg0, %3, %4) : (memref<16x96xf32>, index, index) -> f32
            "loop.store"(%5, %0, %arg7, %arg8) : (f32, memref<1x48xf32>, index, index) -> ()
          }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 48 : i64} : () -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
        "loop.for"() ({
        ^bb0(%arg9: index):
          "loop.for"() ({
          ^bb0(%arg10: index):
            "loop.for"() ({
            ^bb0(%arg11: index):
              %6 = "loop.apply"(%arg3, %arg9) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
              %7 = "loop.apply"(%arg6, %arg10) {map = affine_map<(d0, d1) -> (d0 * 48 + d1)>} : (index, index) -> index
              %8 = "loop.load"(%0, %arg9, %arg10) : (memref<1x48xf32>, index, index) -> f32
              %9 = "loop.apply"(%arg6, %arg10) {map = affine_map<(d0, d1) -> (d0 * 48 + d1)>} : (index, index) -> index
              %10 = "loop.load"(%arg1, %9, %arg11) : (memref<96x64xf32>, index, index) -> f32
              %11 = "loop.apply"(%arg3, %arg9) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
              %12 = "loop.load"(%arg2, %11, %arg11) : (memref<16x64xf32>, index, index) -> f32
              %13 = "kernel.mul"(%8, %10) : (f32, f32) -> f32
              %14 = "kernel.add"(%12, %13) : (f32, f32) -> f32
              "loop.store"(%14, %arg2, %11, %arg11) : (f32, memref<16x64xf32>, index, index) -> ()
            }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 64 : i64} : () -> ()
          }) {iterator = "reduction", lower = 0 : i64, step = 1 : i64, upper = 48 : i64} : () -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      }) {iterator = "reduction", lower = 0 : i64, step = 1 : i64, upper = 2 : i64} : () -> ()
    }) {grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 16 : i64} : () -> ()
  }) {sym_name = "main_k0"} : () -> ()
}) {strata.target = {kind = "vulkan", l1_bytes = 49152 : i64, max_bindings = 32 : i64, push_constant_words = 32 : i64, resident_workgroups = 256 : i64, shared_memory_bytes = 16384 : i64, subgroup_size = 32 : i64, vector_bits = 128 : i64, workgroup_size = 64 : i64}} : () -> ()
