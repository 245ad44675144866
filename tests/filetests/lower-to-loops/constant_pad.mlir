// RUN: lower-to-loops
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<1x2x3x4xf32>):
    %0 = "graph.constant"() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
    %1 = "graph.constant"() {value = dense<[0, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
    %2 = "graph.constant"() {value = dense<[-1, 0, 1, 2, -1]> : tensor<5xi64>} : () -> tensor<5xi64>
    %3 = "graph.constant"() {value = dense<[-1, -1, 0, 1, 2, 3]> : tensor<6xi64>} : () -> tensor<6xi64>
    %4 = "kernel.generic"(%arg0, %0, %1, %2, %3) ({
    ^bb0(%arg1: f32, %arg2: i64, %arg3: i64, %arg4: i64, %arg5: i64, %arg6: f32):
      %5 = "kernel.constant"() {value = 0 : i64} : () -> i64
      %6 = "kernel.greater_or_equal"(%arg2, %5) : (i64, i64) -> i1
      %7 = "kernel.max"(%arg2, %5) : (i64, i64) -> i64
      %8 = "kernel.constant"() {value = 0 : i64} : () -> i64
      %9 = "kernel.greater_or_equal"(%arg3, %8) : (i64, i64) -> i1
      %10 = "kernel.and"(%6, %9) : (i1, i1) -> i1
      %11 = "kernel.max"(%arg3, %8) : (i64, i64) -> i64
      %12 = "kernel.constant"() {value = 0 : i64} : () -> i64
      %13 = "kernel.greater_or_equal"(%arg4, %12) : (i64, i64) -> i1
      %14 = "kernel.and"(%10, %13) : (i1, i1) -> i1
      %15 = "kernel.max"(%arg4, %12) : (i64, i64) -> i64
      %16 = "kernel.constant"() {value = 0 : i64} : () -> i64
      %17 = "kernel.greater_or_equal"(%arg5, %16) : (i64, i64) -> i1
      %18 = "kernel.and"(%14, %17) : (i1, i1) -> i1
      %19 = "kernel.max"(%arg5, %16) : (i64, i64) -> i64
      %20 = "kernel.extract"(%7, %11, %15, %19) {operand = 0 : i64} : (i64, i64, i64, i64) -> f32
      %21 = "kernel.constant"() {value = 0.5 : f32} : () -> f32
      %22 = "kernel.select"(%18, %20, %21) : (i1, f32, f32) -> f32
      "kernel.yield"(%22) : (f32) -> ()
    }) {cache_tiles = array<i64: 0, 0, 0, 0>, domain = array<i64: 1, 2, 5, 6>, grid_tiles = array<i64: 0, 1, 0, 0>, indexing_maps = [affine_map<(d0, d1, d2, d3) -> (0, 0, 0, 0)>, affine_map<(d0, d1, d2, d3) -> (d0)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d2)>, affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterators = ["parallel", "parallel", "parallel", "parallel"], loop_order = array<i64: 0, 1, 2, 3>} : (tensor<1x2x3x4xf32>, tensor<1xi64>, tensor<2xi64>, tensor<5xi64>, tensor<6xi64>) -> tensor<1x2x5x6xf32>
    "func.return"(%4) : (tensor<1x2x5x6xf32>) -> ()
  }) {arg_attrs = [{strata.name = "input0"}], function_type = (tensor<1x2x3x4xf32>) -> tensor<1x2x5x6xf32>, res_attrs = [{strata.name = "output0"}], sym_name = "main"} : () -> ()
}) {strata.target = {cpu = "znver5", features = ["adx", "aes", "avx", "avx2", "avx512bf16", "avx512bitalg", "avx512bw", "avx512cd", "avx512dq", "avx512f", "avx512ifma", "avx512vbmi", "avx512vbmi2", "avx512vl", "avx512vnni", "avx512vp2intersect", "avx512vpopcntdq", "avxvnni", "bmi", "bmi2", "cx16", "f16c", "fma", "fxsr", "gfni", "lzcnt", "movbe", "pclmul", "popcnt", "rdrnd", "rdseed", "sha", "sse", "sse2", "sse3", "sse4.1", "sse4.2", "sse4a", "ssse3", "vaes", "vpclmulqdq", "xsave", "xsavec", "xsaveopt", "xsaves"], kind = "cpu", l1_bytes = 49152 : i64, l2_bytes = 1048576 : i64, l3_bytes = 33554432 : i64, threads = 1 : i64, triple = "x86_64-pc-linux-gnu", vector_bits = 256 : i64}} : () -> ()
// ----- expected
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<1x2x3x4xf32>):
    %0 = "graph.constant"() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
    %1 = "graph.constant"() {value = dense<[0, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
    %2 = "graph.constant"() {value = dense<[-1, 0, 1, 2, -1]> : tensor<5xi64>} : () -> tensor<5xi64>
    %3 = "graph.constant"() {value = dense<[-1, -1, 0, 1, 2, 3]> : tensor<6xi64>} : () -> tensor<6xi64>
    %4 = "loop.dispatch"(%arg0, %0, %1, %2, %3) {kernel = "main_k0"} : (tensor<1x2x3x4xf32>, tensor<1xi64>, tensor<2xi64>, tensor<5xi64>, tensor<6xi64>) -> tensor<1x2x5x6xf32>
    "func.return"(%4) : (tensor<1x2x5x6xf32>) -> ()
  }) {arg_attrs = [{strata.name = "input0"}], function_type = (tensor<1x2x3x4xf32>) -> tensor<1x2x5x6xf32>, res_attrs = [{strata.name = "output0"}], sym_name = "main"} : () -> ()
  "loop.kernel"() ({
  ^bb0(%arg0: memref<1x2x3x4xf32>, %arg1: memref<1xi64>, %arg2: memref<2xi64>, %arg3: memref<5xi64>, %arg4: memref<6xi64>, %arg5: memref<1x2x5x6xf32>):
    "loop.for"() ({
    ^bb0(%arg6: index):
      "loop.for"() ({
      ^bb0(%arg7: index):
        "loop.for"() ({
        ^bb0(%arg8: index):
          "loop.for"() ({
          ^bb0(%arg9: index):
            "loop.for"() ({
            ^bb0(%arg10: index):
              %0 = "loop.apply"(%arg6, %arg8) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
              %1 = "loop.apply"(%arg9) {map = affine_map<(d0) -> (d0 - 1)>} : (index) -> index
              %2 = "loop.apply"(%arg10) {map = affine_map<(d0) -> (d0 - 2)>} : (index) -> index
              %3 = "loop.load"(%arg0, %arg7, %0, %1, %2) : (memref<1x2x3x4xf32>, index, index, index, index) -> f32
              %4 = "loop.apply"(%arg6, %arg8) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
              "loop.store"(%3, %arg5, %arg7, %4, %arg9, %arg10) : (f32, memref<1x2x5x6xf32>, index, index, index, index) -> ()
            }) {iterator = "parallel", lower = 2 : i64, step = 1 : i64, upper = 6 : i64} : () -> ()
          }) {iterator = "parallel", lower = 1 : i64, step = 1 : i64, upper = 4 : i64} : () -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%arg11: index):
        "loop.for"() ({
        ^bb0(%arg12: index):
          "loop.for"() ({
          ^bb0(%arg13: index):
            "loop.for"() ({
            ^bb0(%arg14: index):
              %5 = "kernel.constant"() {value = 0.5 : f32} : () -> f32
              %6 = "loop.apply"(%arg6, %arg12) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
              "loop.store"(%5, %arg5, %arg11, %6, %arg13, %arg14) : (f32, memref<1x2x5x6xf32>, index, index, index, index) -> ()
            }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 6 : i64} : () -> ()
          }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%arg15: index):
        "loop.for"() ({
        ^bb0(%arg16: index):
          "loop.for"() ({
          ^bb0(%arg17: index):
            "loop.for"() ({
            ^bb0(%arg18: index):
              %7 = "kernel.constant"() {value = 0.5 : f32} : () -> f32
              %8 = "loop.apply"(%arg6, %arg16) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
              "loop.store"(%7, %arg5, %arg15, %8, %arg17, %arg18) : (f32, memref<1x2x5x6xf32>, index, index, index, index) -> ()
            }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 6 : i64} : () -> ()
          }) {iterator = "parallel", lower = 4 : i64, step = 1 : i64, upper = 5 : i64} : () -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%arg19: index):
        "loop.for"() ({
        ^bb0(%arg20: index):
          "loop.for"() ({
          ^bb0(%arg21: index):
            "loop.for"() ({
            ^bb0(%arg22: index):
              %9 = "kernel.constant"() {value = 0.5 : f32} : () -> f32
              %10 = "loop.apply"(%arg6, %arg20) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
              "loop.store"(%9, %arg5, %arg19, %10, %arg21, %arg22) : (f32, memref<1x2x5x6xf32>, index, index, index, index) -> ()
            }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 2 : i64} : () -> ()
          }) {iterator = "parallel", lower = 1 : i64, step = 1 : i64, upper = 4 : i64} : () -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
    }) {grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 2 : i64} : () -> ()
  }) {sym_name = "main_k0"} : () -> ()
}) {strata.target = {cpu = "znver5", features = ["adx", "aes", "avx", "avx2", "avx512bf16", "avx512bitalg", "avx512bw", "avx512cd", "avx512dq", "avx512f", "avx512ifma", "avx512vbmi", "avx512vbmi2", "avx512vl", "avx512vnni", "avx512vp2intersect", "avx512vpopcntdq", "avxvnni", "bmi", "bmi2", "cx16", "f16c", "fma", "fxsr", "gfni", "lzcnt", "movbe", "pclmul", "popcnt", "rdrnd", "rdseed", "sha", "sse", "sse2", "sse3", "sse4.1", "sse4.2", "sse4a", "ssse3", "vaes", "vpclmulqdq", "xsave", "xsavec", "xsaveopt", "xsaves"], kind = "cpu", l1_bytes = 49152 : i64, l2_bytes = 1048576 : i64, l3_bytes = 33554432 : i64, threads = 1 : i64, triple = "x86_64-pc-linux-gnu", vector_bits = 256 : i64}} : () -> ()
