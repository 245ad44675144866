// RUN: target{kind=cpu,vector-bits=512,threads=1},channels-last
// A convolution (its input padded), its ReLU epilogue and a max-pool: the pad keeps the
// NCHW of the argument it reads, the convolution reads that in place and writes NHWC (its
// domain in that order), and the pool reads NHWC but writes the returned value in NCHW.
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<1x2x4x4xf32>):
    %0 = "graph.constant"() {value = dense<"0x4F7F1A3D995422BDE3BC443EB9E6003DC18E24BEFC29DE3D5E4BC83EBD78913EFE2F58BE665EC2BE4C783FBE1E204B3CF78F32BFF46C86BD365FBFBED9F360BE453227BEB755C2BDE3E7FC3D4B21A03E82F11DBD88E3D13E0A594CBEC1F7D73DE5C58A3E6C0BE73C296764BEB7938DBE069D0CBEB349873DCD139BBE798480BDDBA743BDD425263EF6E2833D4B57DA3D2DDB48BEEC441FBD57D6703E1A64E53E7964C1BEE889E83EFAB9CE3ED404703E467BA23DCADFC0BDB5F3DF3E3F8C163F955D0A3FFCFFC93E1493DB3D0699B9BEC624AFBA4AAB493E6FE4C5BE54C3F23DDB0D043E07D3553E6AE1B5BE68464BBEAA1206BE7CAEB3BE5D95053F025818BE731ECA3DF2DD9EBDB038F33EB5CECA3EE190423EC43A29BF9ABB7F3C4507523E"> : tensor<4x2x3x3xf32>} : () -> tensor<4x2x3x3xf32>
    %1 = "graph.constant"() {value = dense<[1.0039616, -0.61790705, 1.8220114, -1.320431]> : tensor<4xf32>} : () -> tensor<4xf32>
    %2 = "graph.constant"() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
    %3 = "graph.constant"() {value = dense<[0, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
    %4 = "graph.constant"() {value = dense<[-1, 0, 1, 2, 3, -1]> : tensor<6xi64>} : () -> tensor<6xi64>
    %5 = "graph.constant"() {value = dense<[-1, 0, 1, 2, 3, -1]> : tensor<6xi64>} : () -> tensor<6xi64>
    %6 = "kernel.generic"(%arg0, %2, %3, %4, %5) ({
    ^bb0(%arg1: f32, %arg2: i64, %arg3: i64, %arg4: i64, %arg5: i64, %arg6: f32):
      %7 = "kernel.constant"() {value = 0 : i64} : () -> i64
      %8 = "kernel.greater_or_equal"(%arg2, %7) : (i64, i64) -> i1
      %9 = "kernel.max"(%arg2, %7) : (i64, i64) -> i64
      %10 = "kernel.constant"() {value = 0 : i64} : () -> i64
      %11 = "kernel.greater_or_equal"(%arg3, %10) : (i64, i64) -> i1
      %12 = "kernel.and"(%8, %11) : (i1, i1) -> i1
      %13 = "kernel.max"(%arg3, %10) : (i64, i64) -> i64
      %14 = "kernel.constant"() {value = 0 : i64} : () -> i64
      %15 = "kernel.greater_or_equal"(%arg4, %14) : (i64, i64) -> i1
      %16 = "kernel.and"(%12, %15) : (i1, i1) -> i1
      %17 = "kernel.max"(%arg4, %14) : (i64, i64) -> i64
      %18 = "kernel.constant"() {value = 0 : i64} : () -> i64
      %19 = "kernel.greater_or_equal"(%arg5, %18) : (i64, i64) -> i1
      %20 = "kernel.and"(%16, %19) : (i1, i1) -> i1
      %21 = "kernel.max"(%arg5, %18) : (i64, i64) -> i64
      %22 = "kernel.extract"(%9, %13, %17, %21) {operand = 0 : i64} : (i64, i64, i64, i64) -> f32
      %23 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
      %24 = "kernel.select"(%20, %22, %23) : (i1, f32, f32) -> f32
      "kernel.yield"(%24) : (f32) -> ()
    }) {domain = array<i64: 1, 2, 6, 6>, indexing_maps = [affine_map<(d0, d1, d2, d3) -> (0, 0, 0, 0)>, affine_map<(d0, d1, d2, d3) -> (d0)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d2)>, affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterators = ["parallel", "parallel", "parallel", "parallel"]} : (tensor<1x2x4x4xf32>, tensor<1xi64>, tensor<2xi64>, tensor<6xi64>, tensor<6xi64>) -> tensor<1x2x6x6xf32>
    %25 = "kernel.generic"(%6, %0, %1) ({
    ^bb0(%arg7: f32, %arg8: f32, %arg9: f32, %arg10: f32):
      %26 = "kernel.mul"(%arg7, %arg8) : (f32, f32) -> f32
      %27 = "kernel.add"(%arg10, %26) : (f32, f32) -> f32
      "kernel.yield"(%27) : (f32) -> ()
    }, {
    ^bb0(%arg11: f32, %arg12: f32, %arg13: f32, %arg14: f32):
      %28 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
      %29 = "kernel.add"(%arg14, %arg13) : (f32, f32) -> f32
      %30 = "kernel.relu"(%29) : (f32) -> f32
      "kernel.yield"(%30) : (f32) -> ()
    }) {domain = array<i64: 1, 4, 4, 4, 2, 3, 3>, indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 + d5, d3 + d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterators = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} : (tensor<1x2x6x6xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
    %31 = "kernel.generic"(%25) ({
    ^bb0(%arg15: f32, %arg16: f32):
      %32 = "kernel.max"(%arg16, %arg15) : (f32, f32) -> f32
      "kernel.yield"(%32) : (f32) -> ()
    }) {domain = array<i64: 1, 4, 2, 2, 2, 2>, indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>], inits = [0xFF800000 : f32], iterators = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} : (tensor<1x4x4x4xf32>) -> tensor<1x4x2x2xf32>
    "func.return"(%31) : (tensor<1x4x2x2xf32>) -> ()
  }) {arg_attrs = [{strata.name = "x"}], function_type = (tensor<1x2x4x4xf32>) -> tensor<1x4x2x2xf32>, res_attrs = [{strata.name = "y"}], sym_name = "main"} : () -> ()
}) : () -> ()
// ----- expected
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<1x2x4x4xf32>):
    %0 = "graph.constant"() {value = dense<"0x4F7F1A3D995422BDE3BC443EB9E6003DC18E24BEFC29DE3D5E4BC83EBD78913EFE2F58BE665EC2BE4C783FBE1E204B3CF78F32BFF46C86BD365FBFBED9F360BE453227BEB755C2BDE3E7FC3D4B21A03E82F11DBD88E3D13E0A594CBEC1F7D73DE5C58A3E6C0BE73C296764BEB7938DBE069D0CBEB349873DCD139BBE798480BDDBA743BDD425263EF6E2833D4B57DA3D2DDB48BEEC441FBD57D6703E1A64E53E7964C1BEE889E83EFAB9CE3ED404703E467BA23DCADFC0BDB5F3DF3E3F8C163F955D0A3FFCFFC93E1493DB3D0699B9BEC624AFBA4AAB493E6FE4C5BE54C3F23DDB0D043E07D3553E6AE1B5BE68464BBEAA1206BE7CAEB3BE5D95053F025818BE731ECA3DF2DD9EBDB038F33EB5CECA3EE190423EC43A29BF9ABB7F3C4507523E"> : tensor<4x2x3x3xf32>} : () -> tensor<4x2x3x3xf32>
    %1 = "graph.constant"() {value = dense<[1.0039616, -0.61790705, 1.8220114, -1.320431]> : tensor<4xf32>} : () -> tensor<4xf32>
    %2 = "graph.constant"() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
    %3 = "graph.constant"() {value = dense<[0, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
    %4 = "graph.constant"() {value = dense<[-1, 0, 1, 2, 3, -1]> : tensor<6xi64>} : () -> tensor<6xi64>
    %5 = "graph.constant"() {value = dense<[-1, 0, 1, 2, 3, -1]> : tensor<6xi64>} : () -> tensor<6xi64>
    %6 = "kernel.generic"(%arg0, %2, %3, %4, %5) ({
    ^bb0(%arg1: f32, %arg2: i64, %arg3: i64, %arg4: i64, %arg5: i64, %arg6: f32):
      %7 = "kernel.constant"() {value = 0 : i64} : () -> i64
      %8 = "kernel.greater_or_equal"(%arg2, %7) : (i64, i64) -> i1
      %9 = "kernel.max"(%arg2, %7) : (i64, i64) -> i64
      %10 = "kernel.constant"() {value = 0 : i64} : () -> i64
      %11 = "kernel.greater_or_equal"(%arg3, %10) : (i64, i64) -> i1
      %12 = "kernel.and"(%8, %11) : (i1, i1) -> i1
      %13 = "kernel.max"(%arg3, %10) : (i64, i64) -> i64
      %14 = "kernel.constant"() {value = 0 : i64} : () -> i64
      %15 = "kernel.greater_or_equal"(%arg4, %14) : (i64, i64) -> i1
      %16 = "kernel.and"(%12, %15) : (i1, i1) -> i1
      %17 = "kernel.max"(%arg4, %14) : (i64, i64) -> i64
      %18 = "kernel.constant"() {value = 0 : i64} : () -> i64
      %19 = "kernel.greater_or_equal"(%arg5, %18) : (i64, i64) -> i1
      %20 = "kernel.and"(%16, %19) : (i1, i1) -> i1
      %21 = "kernel.max"(%arg5, %18) : (i64, i64) -> i64
      %22 = "kernel.extract"(%9, %13, %17, %21) {operand = 0 : i64} : (i64, i64, i64, i64) -> f32
      %23 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
      %24 = "kernel.select"(%20, %22, %23) : (i1, f32, f32) -> f32
      "kernel.yield"(%24) : (f32) -> ()
    }) {domain = array<i64: 1, 2, 6, 6>, indexing_maps = [affine_map<(d0, d1, d2, d3) -> (0, 0, 0, 0)>, affine_map<(d0, d1, d2, d3) -> (d0)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d2)>, affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterators = ["parallel", "parallel", "parallel", "parallel"]} : (tensor<1x2x4x4xf32>, tensor<1xi64>, tensor<2xi64>, tensor<6xi64>, tensor<6xi64>) -> tensor<1x2x6x6xf32>
    %25 = "kernel.generic"(%6, %0, %1) ({
    ^bb0(%arg7: f32, %arg8: f32, %arg9: f32, %arg10: f32):
      %26 = "kernel.mul"(%arg7, %arg8) : (f32, f32) -> f32
      %27 = "kernel.add"(%arg10, %26) : (f32, f32) -> f32
      "kernel.yield"(%27) : (f32) -> ()
    }, {
    ^bb0(%arg11: f32, %arg12: f32, %arg13: f32, %arg14: f32):
      %28 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
      %29 = "kernel.add"(%arg14, %arg13) : (f32, f32) -> f32
      %30 = "kernel.relu"(%29) : (f32) -> f32
      "kernel.yield"(%30) : (f32) -> ()
    }) {domain = array<i64: 1, 4, 4, 4, 2, 3, 3>, indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d1 + d5, d2 + d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d3, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d3)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterators = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} : (tensor<1x2x6x6xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
    %31 = "kernel.generic"(%25) ({
    ^bb0(%arg15: f32, %arg16: f32):
      %32 = "kernel.max"(%arg16, %arg15) : (f32, f32) -> f32
      "kernel.yield"(%32) : (f32) -> ()
    }) {domain = array<i64: 1, 4, 2, 2, 2, 2>, indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2 * 2 + d4, d3 * 2 + d5, d1)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>], inits = [0xFF800000 : f32], iterators = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} : (tensor<1x4x4x4xf32>) -> tensor<1x4x2x2xf32>
    "func.return"(%31) : (tensor<1x4x2x2xf32>) -> ()
  }) {arg_attrs = [{strata.name = "x"}], function_type = (tensor<1x2x4x4xf32>) -> tensor<1x4x2x2xf32>, res_attrs = [{strata.name = "y"}], sym_name = "main"} : () -> ()
}) {strata.target = {cpu = "generic", features = [], kind = "cpu", l1_bytes = 32768 : i64, l2_bytes = 524288 : i64, l3_bytes = 8388608 : i64, threads = 1 : i64, triple = "", vector_bits = 512 : i64}} : () -> ()
