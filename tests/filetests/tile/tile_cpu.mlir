// RUN: target{kind=cpu,vector-bits=256,threads=2},tile
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<16x32xf32>, %arg1: tensor<32x64xf32>, %arg2: tensor<64xf32>, %arg3: tensor<64x16xf32>):
    %0 = "kernel.generic"(%arg0, %arg1, %arg2) ({
    ^bb0(%arg4: f32, %arg5: f32, %arg6: f32, %arg7: f32):
      %1 = "kernel.mul"(%arg4, %arg5) : (f32, f32) -> f32
      %2 = "kernel.add"(%arg7, %1) : (f32, f32) -> f32
      "kernel.yield"(%2) : (f32) -> ()
    }, {
    ^bb0(%arg8: f32, %arg9: f32, %arg10: f32, %arg11: f32):
      %3 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
      %4 = "kernel.add"(%arg11, %arg10) : (f32, f32) -> f32
      %5 = "kernel.gelu"(%4) : (f32) -> f32
      "kernel.yield"(%5) : (f32) -> ()
    }) {domain = array<i64: 16, 64, 32>, indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterators = ["parallel", "parallel", "reduction"]} : (tensor<16x32xf32>, tensor<32x64xf32>, tensor<64xf32>) -> tensor<16x64xf32>
    %6 = "kernel.generic"(%0, %arg3) ({
    ^bb0(%arg12: f32, %arg13: f32, %arg14: f32):
      %7 = "kernel.mul"(%arg12, %arg13) : (f32, f32) -> f32
      %8 = "kernel.add"(%arg14, %7) : (f32, f32) -> f32
      "kernel.yield"(%8) : (f32) -> ()
    }) {domain = array<i64: 16, 16, 64>, indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterators = ["parallel", "parallel", "reduction"]} : (tensor<16x64xf32>, tensor<64x16xf32>) -> tensor<16x16xf32>
    %9 = "kernel.generic"(%6) ({
    ^bb0(%arg15: f32, %arg16: f32):
      %10 = "kernel.max"(%arg16, %arg15) : (f32, f32) -> f32
      "kernel.yield"(%10) : (f32) -> ()
    }) {domain = array<i64: 16, 16>, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>], inits = [0xFF800000 : f32], iterators = ["parallel", "reduction"]} : (tensor<16x16xf32>) -> tensor<16x1xf32>
    %11 = "kernel.generic"(%6, %9) ({
    ^bb0(%arg17: f32, %arg18: f32, %arg19: f32):
      %12 = "kernel.sub"(%arg17, %arg18) : (f32, f32) -> f32
      %13 = "kernel.exp"(%12) : (f32) -> f32
      %14 = "kernel.add"(%arg19, %13) : (f32, f32) -> f32
      "kernel.yield"(%14) : (f32) -> ()
    }) {domain = array<i64: 16, 16>, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, 0)>], iterators = ["parallel", "reduction"]} : (tensor<16x16xf32>, tensor<16x1xf32>) -> tensor<16x1xf32>
    %15 = "kernel.generic"(%6, %9, %11) ({
    ^bb0(%arg20: f32, %arg21: f32, %arg22: f32, %arg23: f32):
      %16 = "kernel.sub"(%arg20, %arg21) : (f32, f32) -> f32
      %17 = "kernel.exp"(%16) : (f32) -> f32
      %18 = "kernel.div"(%17, %arg22) : (f32, f32) -> f32
      "kernel.yield"(%18) : (f32) -> ()
    }) {domain = array<i64: 16, 16>, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterators = ["parallel", "parallel"]} : (tensor<16x16xf32>, tensor<16x1xf32>, tensor<16x1xf32>) -> tensor<16x16xf32>
    %19 = "graph.reshape"(%15) {shape = array<i64: 256>} : (tensor<16x16xf32>) -> tensor<256xf32>
    "func.return"(%19) : (tensor<256xf32>) -> ()
  }) {arg_attrs = [{strata.name = "input0"}, {strata.name = "input1"}, {strata.name = "input2"}, {strata.name = "input3"}], function_type = (tensor<16x32xf32>, tensor<32x64xf32>, tensor<64xf32>, tensor<64x16xf32>) -> tensor<256xf32>, res_attrs = [{strata.name = "output0"}], sym_name = "main"} : () -> ()
}) : () -> ()
// ----- expected
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<16x32xf32>, %arg1: tensor<32x64xf32>, %arg2: tensor<64xf32>, %arg3: tensor<64x16xf32>):
    %0 = "kernel.generic"(%arg0, %arg1, %arg2) ({
    ^bb0(%arg4: f32, %arg5: f32, %arg6: f32, %arg7: f32):
      %1 = "kernel.mul"(%arg4, %arg5) : (f32, f32) -> f32
      %2 = "kernel.add"(%arg7, %1) : (f32, f32) -> f32
      "kernel.yield"(%2) : (f32) -> ()
    }, {
    ^bb0(%arg8: f32, %arg9: f32, %arg10: f32, %arg11: f32):
      %3 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
      %4 = "kernel.add"(%arg11, %arg10) : (f32, f32) -> f32
      %5 = "kernel.gelu"(%4) : (f32) -> f32
      "kernel.yield"(%5) : (f32) -> ()
    }) {cache_tiles = array<i64: 0, 0, 0>, contract = array<i64: 6, 16>, domain = array<i64: 16, 64, 32>, grid_tiles = array<i64: 0, 0, 0>, indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterators = ["parallel", "parallel", "reduction"], loop_order = array<i64: 0, 2, 1>} : (tensor<16x32xf32>, tensor<32x64xf32>, tensor<64xf32>) -> tensor<16x64xf32>
    %6 = "kernel.generic"(%0, %arg3) ({
    ^bb0(%arg12: f32, %arg13: f32, %arg14: f32):
      %7 = "kernel.mul"(%arg12, %arg13) : (f32, f32) -> f32
      %8 = "kernel.add"(%arg14, %7) : (f32, f32) -> f32
      "kernel.yield"(%8) : (f32) -> ()
    }) {cache_tiles = array<i64: 0, 0, 0>, contract = array<i64: 6, 16>, domain = array<i64: 16, 16, 64>, grid_tiles = array<i64: 0, 0, 0>, indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterators = ["parallel", "parallel", "reduction"], loop_order = array<i64: 0, 2, 1>} : (tensor<16x64xf32>, tensor<64x16xf32>) -> tensor<16x16xf32>
    %9 = "kernel.generic"(%6) ({
    ^bb0(%arg15: f32, %arg16: f32):
      %10 = "kernel.max"(%arg16, %arg15) : (f32, f32) -> f32
      "kernel.yield"(%10) : (f32) -> ()
    }) {cache_tiles = array<i64: 0, 0>, domain = array<i64: 16, 16>, grid_tiles = array<i64: 1, 0>, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>], inits = [0xFF800000 : f32], iterators = ["parallel", "reduction"], loop_order = array<i64: 0, 1>} : (tensor<16x16xf32>) -> tensor<16x1xf32>
    %11 = "kernel.generic"(%6, %9) ({
    ^bb0(%arg17: f32, %arg18: f32, %arg19: f32):
      %12 = "kernel.sub"(%arg17, %arg18) : (f32, f32) -> f32
      %13 = "kernel.exp"(%12) : (f32) -> f32
      %14 = "kernel.add"(%arg19, %13) : (f32, f32) -> f32
      "kernel.yield"(%14) : (f32) -> ()
    }) {cache_tiles = array<i64: 0, 0>, domain = array<i64: 16, 16>, grid_tiles = array<i64: 1, 0>, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, 0)>], iterators = ["parallel", "reduction"], loop_order = array<i64: 0, 1>} : (tensor<16x16xf32>, tensor<16x1xf32>) -> tensor<16x1xf32>
    %15 = "kernel.generic"(%6, %9, %11) ({
    ^bb0(%arg20: f32, %arg21: f32, %arg22: f32, %arg23: f32):
      %16 = "kernel.sub"(%arg20, %arg21) : (f32, f32) -> f32
      %17 = "kernel.exp"(%16) : (f32) -> f32
      %18 = "kernel.div"(%17, %arg22) : (f32, f32) -> f32
      "kernel.yield"(%18) : (f32) -> ()
    }) {cache_tiles = array<i64: 0, 0>, domain = array<i64: 16, 16>, grid_tiles = array<i64: 1, 0>, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterators = ["parallel", "parallel"], loop_order = array<i64: 0, 1>} : (tensor<16x16xf32>, tensor<16x1xf32>, tensor<16x1xf32>) -> tensor<16x16xf32>
    %19 = "graph.reshape"(%15) {shape = array<i64: 256>} : (tensor<16x16xf32>) -> tensor<256xf32>
    "func.return"(%19) : (tensor<256xf32>) -> ()
  }) {arg_attrs = [{strata.name = "input0"}, {strata.name = "input1"}, {strata.name = "input2"}, {strata.name = "input3"}], function_type = (tensor<16x32xf32>, tensor<32x64xf32>, tensor<64xf32>, tensor<64x16xf32>) -> tensor<256xf32>, res_attrs = [{strata.name = "output0"}], sym_name = "main"} : () -> ()
}) {strata.target = {cpu = "generic", features = [], kind = "cpu", l1_bytes = 32768 : i64, l2_bytes = 524288 : i64, l3_bytes = 8388608 : i64, threads = 2 : i64, triple = "", vector_bits = 256 : i64}} : () -> ()
