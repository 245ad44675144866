// RUN: dedupe-kernels
// The two Relus became identical kernels; one remains and both dispatches call it.
"builtin.module"() ({
  "loop.kernel"() ({
  ^bb0(%arg0: memref<8x16xf32>, %arg1: memref<8x16xf32>):
    "loop.for"() ({
    ^bb0(%arg2: index):
      "loop.for"() ({
      ^bb0(%arg3: index):
        "loop.for"() ({
        ^bb0(%arg4: index):
          "loop.for"() ({
          ^bb0(%arg5: index):
            %0 = "loop.apply"(%arg2, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %1 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 * 8 + d1)>} : (index, index) -> index
            %2 = "loop.load"(%arg0, %0, %1) : (memref<8x16xf32>, index, index) -> f32
            %3 = "loop.apply"(%arg2, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %4 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 * 8 + d1)>} : (index, index) -> index
            %5 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
            %6 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
            %7 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
            %8 = "kernel.less"(%2, %7) : (f32, f32) -> i1
            %9 = "kernel.select"(%8, %6, %2) : (i1, f32, f32) -> f32
            "loop.store"(%9, %arg1, %3, %4) : (f32, memref<8x16xf32>, index, index) -> ()
          }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 8 : i64} : () -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      }) {grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 2 : i64} : () -> ()
    }) {grid = 1 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 8 : i64} : () -> ()
  }) {sym_name = "main_k0"} : () -> ()
  "loop.kernel"() ({
  ^bb0(%arg0: memref<8x16xf32>, %arg1: memref<8x16xf32>):
    "loop.for"() ({
    ^bb0(%arg2: index):
      "loop.for"() ({
      ^bb0(%arg3: index):
        "loop.for"() ({
        ^bb0(%arg4: index):
          "loop.for"() ({
          ^bb0(%arg5: index):
            %0 = "loop.apply"(%arg2, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %1 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 * 8 + d1)>} : (index, index) -> index
            %2 = "loop.load"(%arg0, %0, %1) : (memref<8x16xf32>, index, index) -> f32
            %3 = "loop.apply"(%arg2, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %4 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 * 8 + d1)>} : (index, index) -> index
            %5 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
            %6 = "kernel.abs"(%2) : (f32) -> f32
            %7 = "kernel.neg"(%6) : (f32) -> f32
            %8 = "kernel.exp"(%7) : (f32) -> f32
            %9 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
            %10 = "kernel.constant"() {value = 1.0 : f32} : () -> f32
            %11 = "kernel.greater_or_equal"(%2, %9) : (f32, f32) -> i1
            %12 = "kernel.select"(%11, %10, %8) : (i1, f32, f32) -> f32
            %13 = "kernel.add"(%10, %8) : (f32, f32) -> f32
            %14 = "kernel.div"(%12, %13) : (f32, f32) -> f32
            "loop.store"(%14, %arg1, %3, %4) : (f32, memref<8x16xf32>, index, index) -> ()
          }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 8 : i64} : () -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      }) {grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 2 : i64} : () -> ()
    }) {grid = 1 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 8 : i64} : () -> ()
  }) {sym_name = "main_k1"} : () -> ()
  "loop.kernel"() ({
  ^bb0(%arg0: memref<8x16xf32>, %arg1: memref<8x16xf32>):
    "loop.for"() ({
    ^bb0(%arg2: index):
      "loop.for"() ({
      ^bb0(%arg3: index):
        "loop.for"() ({
        ^bb0(%arg4: index):
          "loop.for"() ({
          ^bb0(%arg5: index):
            %0 = "loop.apply"(%arg2, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %1 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 * 8 + d1)>} : (index, index) -> index
            %2 = "loop.load"(%arg0, %0, %1) : (memref<8x16xf32>, index, index) -> f32
            %3 = "loop.apply"(%arg2, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %4 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 * 8 + d1)>} : (index, index) -> index
            %5 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
            %6 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
            %7 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
            %8 = "kernel.less"(%2, %7) : (f32, f32) -> i1
            %9 = "kernel.select"(%8, %6, %2) : (i1, f32, f32) -> f32
            "loop.store"(%9, %arg1, %3, %4) : (f32, memref<8x16xf32>, index, index) -> ()
          }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 8 : i64} : () -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      }) {grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 2 : i64} : () -> ()
    }) {grid = 1 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 8 : i64} : () -> ()
  }) {sym_name = "main_k2"} : () -> ()
  "func.func"() ({
  ^bb0(%arg0: memref<8x16xf32>, %arg1: memref<8x16xf32>, %arg2: memref<8x16xf32>, %arg3: memref<8x16xf32>):
    "host.dispatch"(%arg0, %arg2) {kernel = "main_k0", workgroups = array<i64: 2, 8, 1>} : (memref<8x16xf32>, memref<8x16xf32>) -> ()
    %0 = "host.alloc"() {offset = 0 : i64} : () -> memref<8x16xf32>
    "host.dispatch"(%arg1, %0) {kernel = "main_k1", workgroups = array<i64: 2, 8, 1>} : (memref<8x16xf32>, memref<8x16xf32>) -> ()
    "host.dispatch"(%0, %arg3) {kernel = "main_k2", workgroups = array<i64: 2, 8, 1>} : (memref<8x16xf32>, memref<8x16xf32>) -> ()
    "func.return"() : () -> ()
  }) {arg_attrs = [{strata.name = "input0"}, {strata.name = "input1"}, {strata.name = "output0"}, {strata.name = "output1"}], function_type = (memref<8x16xf32>, memref<8x16xf32>, memref<8x16xf32>, memref<8x16xf32>) -> (), host.arena_bytes = 512 : i64, host.num_inputs = 2 : i64, host.unplanned_bytes = 512 : i64, res_attrs = [], sym_name = "main"} : () -> ()
}) {strata.target = {cpu = "znver5", features = ["adx", "aes", "avx", "avx2", "avx512bf16", "avx512bitalg", "avx512bw", "avx512cd", "avx512dq", "avx512f", "avx512ifma", "avx512vbmi", "avx512vbmi2", "avx512vl", "avx512vnni", "avx512vp2intersect", "avx512vpopcntdq", "avxvnni", "bmi", "bmi2", "cx16", "f16c", "fma", "fxsr", "gfni", "lzcnt", "movbe", "pclmul", "popcnt", "rdrnd", "rdseed", "sha", "sse", "sse2", "sse3", "sse4.1", "sse4.2", "sse4a", "ssse3", "vaes", "vpclmulqdq", "xsave", "xsavec", "xsaveopt", "xsaves"], kind = "cpu", l1_bytes = 49152 : i64, l2_bytes = 1048576 : i64, l3_bytes = 33554432 : i64, threads = 2 : i64, triple = "x86_64-pc-linux-gnu", vector_bits = 256 : i64}} : () -> ()
// ----- expected
"builtin.module"() ({
  "loop.kernel"() ({
  ^bb0(%arg0: memref<8x16xf32>, %arg1: memref<8x16xf32>):
    "loop.for"() ({
    ^bb0(%arg2: index):
      "loop.for"() ({
      ^bb0(%arg3: index):
        "loop.for"() ({
        ^bb0(%arg4: index):
          "loop.for"() ({
          ^bb0(%arg5: index):
            %0 = "loop.apply"(%arg2, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %1 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 * 8 + d1)>} : (index, index) -> index
            %2 = "loop.load"(%arg0, %0, %1) : (memref<8x16xf32>, index, index) -> f32
            %3 = "loop.apply"(%arg2, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %4 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 * 8 + d1)>} : (index, index) -> index
            %5 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
            %6 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
            %7 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
            %8 = "kernel.less"(%2, %7) : (f32, f32) -> i1
            %9 = "kernel.select"(%8, %6, %2) : (i1, f32, f32) -> f32
            "loop.store"(%9, %arg1, %3, %4) : (f32, memref<8x16xf32>, index, index) -> ()
          }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 8 : i64} : () -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      }) {grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 2 : i64} : () -> ()
    }) {grid = 1 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 8 : i64} : () -> ()
  }) {sym_name = "main_k0"} : () -> ()
  "loop.kernel"() ({
  ^bb0(%arg0: memref<8x16xf32>, %arg1: memref<8x16xf32>):
    "loop.for"() ({
    ^bb0(%arg2: index):
      "loop.for"() ({
      ^bb0(%arg3: index):
        "loop.for"() ({
        ^bb0(%arg4: index):
          "loop.for"() ({
          ^bb0(%arg5: index):
            %0 = "loop.apply"(%arg2, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %1 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 * 8 + d1)>} : (index, index) -> index
            %2 = "loop.load"(%arg0, %0, %1) : (memref<8x16xf32>, index, index) -> f32
            %3 = "loop.apply"(%arg2, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %4 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 * 8 + d1)>} : (index, index) -> index
            %5 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
            %6 = "kernel.abs"(%2) : (f32) -> f32
            %7 = "kernel.neg"(%6) : (f32) -> f32
            %8 = "kernel.exp"(%7) : (f32) -> f32
            %9 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
            %10 = "kernel.constant"() {value = 1.0 : f32} : () -> f32
            %11 = "kernel.greater_or_equal"(%2, %9) : (f32, f32) -> i1
            %12 = "kernel.select"(%11, %10, %8) : (i1, f32, f32) -> f32
            %13 = "kernel.add"(%10, %8) : (f32, f32) -> f32
            %14 = "kernel.div"(%12, %13) : (f32, f32) -> f32
            "loop.store"(%14, %arg1, %3, %4) : (f32, memref<8x16xf32>, index, index) -> ()
          }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 8 : i64} : () -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      }) {grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 2 : i64} : () -> ()
    }) {grid = 1 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 8 : i64} : () -> ()
  }) {sym_name = "main_k1"} : () -> ()
  "func.func"() ({
  ^bb0(%arg0: memref<8x16xf32>, %arg1: memref<8x16xf32>, %arg2: memref<8x16xf32>, %arg3: memref<8x16xf32>):
    "host.dispatch"(%arg0, %arg2) {kernel = "main_k0", workgroups = array<i64: 2, 8, 1>} : (memref<8x16xf32>, memref<8x16xf32>) -> ()
    %0 = "host.alloc"() {offset = 0 : i64} : () -> memref<8x16xf32>
    "host.dispatch"(%arg1, %0) {kernel = "main_k1", workgroups = array<i64: 2, 8, 1>} : (memref<8x16xf32>, memref<8x16xf32>) -> ()
    "host.dispatch"(%0, %arg3) {kernel = "main_k0", workgroups = array<i64: 2, 8, 1>} : (memref<8x16xf32>, memref<8x16xf32>) -> ()
    "func.return"() : () -> ()
  }) {arg_attrs = [{strata.name = "input0"}, {strata.name = "input1"}, {strata.name = "output0"}, {strata.name = "output1"}], function_type = (memref<8x16xf32>, memref<8x16xf32>, memref<8x16xf32>, memref<8x16xf32>) -> (), host.arena_bytes = 512 : i64, host.num_inputs = 2 : i64, host.unplanned_bytes = 512 : i64, res_attrs = [], sym_name = "main"} : () -> ()
}) {strata.target = {cpu = "znver5", features = ["adx", "aes", "avx", "avx2", "avx512bf16", "avx512bitalg", "avx512bw", "avx512cd", "avx512dq", "avx512f", "avx512ifma", "avx512vbmi", "avx512vbmi2", "avx512vl", "avx512vnni", "avx512vp2intersect", "avx512vpopcntdq", "avxvnni", "bmi", "bmi2", "cx16", "f16c", "fma", "fxsr", "gfni", "lzcnt", "movbe", "pclmul", "popcnt", "rdrnd", "rdseed", "sha", "sse", "sse2", "sse3", "sse4.1", "sse4.2", "sse4a", "ssse3", "vaes", "vpclmulqdq", "xsave", "xsavec", "xsaveopt", "xsaves"], kind = "cpu", l1_bytes = 49152 : i64, l2_bytes = 1048576 : i64, l3_bytes = 33554432 : i64, threads = 2 : i64, triple = "x86_64-pc-linux-gnu", vector_bits = 256 : i64}} : () -> ()
