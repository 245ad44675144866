// RUN: expand-composites
// Selu and Mish (f32) and tanh-GELU (f16) become primitive scalar ops, from their one
// definition; the f16 op computes in f32 and rounds once.
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<8xf32>, %arg1: tensor<8xf16>):
    %0 = "kernel.generic"(%arg0) ({
    ^bb0(%arg2: f32, %arg3: f32):
      %1 = "kernel.selu"(%arg2) : (f32) -> f32
      %2 = "kernel.mish"(%1) : (f32) -> f32
      "kernel.yield"(%2) : (f32) -> ()
    }) {domain = array<i64: 8>, indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterators = ["parallel"]} : (tensor<8xf32>) -> tensor<8xf32>
    %3 = "kernel.generic"(%arg1) ({
    ^bb0(%arg4: f16, %arg5: f16):
      %4 = "kernel.gelu"(%arg4) {approximate = "tanh"} : (f16) -> f16
      "kernel.yield"(%4) : (f16) -> ()
    }) {domain = array<i64: 8>, indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterators = ["parallel"]} : (tensor<8xf16>) -> tensor<8xf16>
    "func.return"(%0, %3) : (tensor<8xf32>, tensor<8xf16>) -> ()
  }) {arg_attrs = [{strata.name = "input0"}, {strata.name = "input1"}], function_type = (tensor<8xf32>, tensor<8xf16>) -> (tensor<8xf32>, tensor<8xf16>), res_attrs = [{strata.name = "output0"}, {strata.name = "output1"}], sym_name = "main"} : () -> ()
}) {strata.target = {cpu = "znver5", features = ["adx", "aes", "avx", "avx2", "avx512bf16", "avx512bitalg", "avx512bw", "avx512cd", "avx512dq", "avx512f", "avx512ifma", "avx512vbmi", "avx512vbmi2", "avx512vl", "avx512vnni", "avx512vp2intersect", "avx512vpopcntdq", "avxvnni", "bmi", "bmi2", "cx16", "f16c", "fma", "fxsr", "gfni", "lzcnt", "movbe", "pclmul", "popcnt", "rdrnd", "rdseed", "sha", "sse", "sse2", "sse3", "sse4.1", "sse4.2", "sse4a", "ssse3", "vaes", "vpclmulqdq", "xsave", "xsavec", "xsaveopt", "xsaves"], kind = "cpu", l1_bytes = 49152 : i64, l2_bytes = 1048576 : i64, l3_bytes = 33554432 : i64, threads = 2 : i64, triple = "x86_64-pc-linux-gnu", vector_bits = 512 : i64}} : () -> ()
// ----- expected
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<8xf32>, %arg1: tensor<8xf16>):
    %0 = "kernel.generic"(%arg0) ({
    ^bb0(%arg2: f32, %arg3: f32):
      %1 = "kernel.constant"() {value = 1.6732632 : f32} : () -> f32
      %2 = "kernel.constant"() {value = 1.050701 : f32} : () -> f32
      %3 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
      %4 = "kernel.exp"(%arg2) : (f32) -> f32
      %5 = "kernel.mul"(%1, %4) : (f32, f32) -> f32
      %6 = "kernel.sub"(%5, %1) : (f32, f32) -> f32
      %7 = "kernel.less_or_equal"(%arg2, %3) : (f32, f32) -> i1
      %8 = "kernel.select"(%7, %6, %arg2) : (i1, f32, f32) -> f32
      %9 = "kernel.mul"(%2, %8) : (f32, f32) -> f32
      %10 = "kernel.abs"(%9) : (f32) -> f32
      %11 = "kernel.neg"(%10) : (f32) -> f32
      %12 = "kernel.exp"(%11) : (f32) -> f32
      %13 = "kernel.log1p"(%12) : (f32) -> f32
      %14 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
      %15 = "kernel.max"(%9, %14) : (f32, f32) -> f32
      %16 = "kernel.add"(%15, %13) : (f32, f32) -> f32
      %17 = "kernel.tanh"(%16) : (f32) -> f32
      %18 = "kernel.mul"(%9, %17) : (f32, f32) -> f32
      "kernel.yield"(%18) : (f32) -> ()
    }) {domain = array<i64: 8>, indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterators = ["parallel"]} : (tensor<8xf32>) -> tensor<8xf32>
    %19 = "kernel.generic"(%arg1) ({
    ^bb0(%arg4: f16, %arg5: f16):
      %20 = "kernel.cast"(%arg4) : (f16) -> f32
      %21 = "kernel.constant"() {value = 0.044715 : f32} : () -> f32
      %22 = "kernel.constant"() {value = 0.7978846 : f32} : () -> f32
      %23 = "kernel.mul"(%20, %20) : (f32, f32) -> f32
      %24 = "kernel.mul"(%23, %20) : (f32, f32) -> f32
      %25 = "kernel.mul"(%21, %24) : (f32, f32) -> f32
      %26 = "kernel.add"(%20, %25) : (f32, f32) -> f32
      %27 = "kernel.mul"(%22, %26) : (f32, f32) -> f32
      %28 = "kernel.tanh"(%27) : (f32) -> f32
      %29 = "kernel.constant"() {value = 0.5 : f32} : () -> f32
      %30 = "kernel.constant"() {value = 1.0 : f32} : () -> f32
      %31 = "kernel.mul"(%29, %20) : (f32, f32) -> f32
      %32 = "kernel.add"(%30, %28) : (f32, f32) -> f32
      %33 = "kernel.mul"(%31, %32) : (f32, f32) -> f32
      %34 = "kernel.cast"(%33) : (f32) -> f16
      "kernel.yield"(%34) : (f16) -> ()
    }) {domain = array<i64: 8>, indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterators = ["parallel"]} : (tensor<8xf16>) -> tensor<8xf16>
    "func.return"(%0, %19) : (tensor<8xf32>, tensor<8xf16>) -> ()
  }) {arg_attrs = [{strata.name = "input0"}, {strata.name = "input1"}], function_type = (tensor<8xf32>, tensor<8xf16>) -> (tensor<8xf32>, tensor<8xf16>), res_attrs = [{strata.name = "output0"}, {strata.name = "output1"}], sym_name = "main"} : () -> ()
}) {strata.target = {cpu = "znver5", features = ["adx", "aes", "avx", "avx2", "avx512bf16", "avx512bitalg", "avx512bw", "avx512cd", "avx512dq", "avx512f", "avx512ifma", "avx512vbmi", "avx512vbmi2", "avx512vl", "avx512vnni", "avx512vp2intersect", "avx512vpopcntdq", "avxvnni", "bmi", "bmi2", "cx16", "f16c", "fma", "fxsr", "gfni", "lzcnt", "movbe", "pclmul", "popcnt", "rdrnd", "rdseed", "sha", "sse", "sse2", "sse3", "sse4.1", "sse4.2", "sse4a", "ssse3", "vaes", "vpclmulqdq", "xsave", "xsavec", "xsaveopt", "xsaves"], kind = "cpu", l1_bytes = 49152 : i64, l2_bytes = 1048576 : i64, l3_bytes = 33554432 : i64, threads = 2 : i64, triple = "x86_64-pc-linux-gnu", vector_bits = 512 : i64}} : () -> ()
