// RUN: lower-to-loops
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
    }) {cache_tiles = array<i64: 0, 0, 0>, domain = array<i64: 16, 64, 32>, grid_tiles = array<i64: 1, 0, 0>, indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterators = ["parallel", "parallel", "reduction"], loop_order = array<i64: 0, 2, 1>} : (tensor<16x32xf32>, tensor<32x64xf32>, tensor<64xf32>) -> tensor<16x64xf32>
    %6 = "kernel.generic"(%0, %arg3) ({
    ^bb0(%arg12: f32, %arg13: f32, %arg14: f32):
      %7 = "kernel.mul"(%arg12, %arg13) : (f32, f32) -> f32
      %8 = "kernel.add"(%arg14, %7) : (f32, f32) -> f32
      "kernel.yield"(%8) : (f32) -> ()
    }) {cache_tiles = array<i64: 0, 0, 0>, domain = array<i64: 16, 16, 64>, grid_tiles = array<i64: 1, 0, 0>, indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterators = ["parallel", "parallel", "reduction"], loop_order = array<i64: 0, 2, 1>} : (tensor<16x64xf32>, tensor<64x16xf32>) -> tensor<16x16xf32>
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
}) : () -> ()
// ----- expected
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<16x32xf32>, %arg1: tensor<32x64xf32>, %arg2: tensor<64xf32>, %arg3: tensor<64x16xf32>):
    %0 = "loop.dispatch"(%arg0, %arg1, %arg2) {kernel = "main_k0"} : (tensor<16x32xf32>, tensor<32x64xf32>, tensor<64xf32>) -> tensor<16x64xf32>
    %1 = "loop.dispatch"(%0, %arg3) {kernel = "main_k1"} : (tensor<16x64xf32>, tensor<64x16xf32>) -> tensor<16x16xf32>
    %2 = "loop.dispatch"(%1) {kernel = "main_k2"} : (tensor<16x16xf32>) -> tensor<16x1xf32>
    %3 = "loop.dispatch"(%1, %2) {kernel = "main_k3"} : (tensor<16x16xf32>, tensor<16x1xf32>) -> tensor<16x1xf32>
    %4 = "loop.dispatch"(%1, %2, %3) {kernel = "main_k4"} : (tensor<16x16xf32>, tensor<16x1xf32>, tensor<16x1xf32>) -> tensor<16x16xf32>
    %5 = "graph.reshape"(%4) {shape = array<i64: 256>} : (tensor<16x16xf32>) -> tensor<256xf32>
    "func.return"(%5) : (tensor<256xf32>) -> ()
  }) {arg_attrs = [{strata.name = "input0"}, {strata.name = "input1"}, {strata.name = "input2"}, {strata.name = "input3"}], function_type = (tensor<16x32xf32>, tensor<32x64xf32>, tensor<64xf32>, tensor<64x16xf32>) -> tensor<256xf32>, res_attrs = [{strata.name = "output0"}], sym_name = "main"} : () -> ()
  "loop.kernel"() ({
  ^bb0(%arg0: memref<16x32xf32>, %arg1: memref<32x64xf32>, %arg2: memref<64xf32>, %arg3: memref<16x64xf32>):
    "loop.for"() ({
    ^bb0(%arg4: index):
      "loop.for"() ({
      ^bb0(%arg5: index):
        "loop.for"() ({
        ^bb0(%arg6: index):
          %0 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          %1 = "loop.apply"(%arg4, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          "loop.store"(%0, %arg3, %1, %arg6) : (f32, memref<16x64xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 64 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%arg7: index):
        "loop.for"() ({
        ^bb0(%arg8: index):
          "loop.for"() ({
          ^bb0(%arg9: index):
            %2 = "loop.apply"(%arg4, %arg7) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %3 = "loop.load"(%arg0, %2, %arg8) : (memref<16x32xf32>, index, index) -> f32
            %4 = "loop.load"(%arg1, %arg8, %arg9) : (memref<32x64xf32>, index, index) -> f32
            %5 = "loop.apply"(%arg4, %arg7) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %6 = "loop.load"(%arg3, %5, %arg9) : (memref<16x64xf32>, index, index) -> f32
            %7 = "kernel.mul"(%3, %4) : (f32, f32) -> f32
            %8 = "kernel.add"(%6, %7) : (f32, f32) -> f32
            "loop.store"(%8, %arg3, %5, %arg9) : (f32, memref<16x64xf32>, index, index) -> ()
          }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 64 : i64} : () -> ()
        }) {iterator = "reduction", lower = 0 : i64, step = 1 : i64, upper = 32 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%arg10: index):
        "loop.for"() ({
        ^bb0(%arg11: index):
          %9 = "loop.load"(%arg2, %arg11) : (memref<64xf32>, index) -> f32
          %10 = "loop.apply"(%arg4, %arg10) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %11 = "loop.load"(%arg3, %10, %arg11) : (memref<16x64xf32>, index, index) -> f32
          %12 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          %13 = "kernel.add"(%11, %9) : (f32, f32) -> f32
          %14 = "kernel.gelu"(%13) : (f32) -> f32
          "loop.store"(%14, %arg3, %10, %arg11) : (f32, memref<16x64xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 64 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
    }) {grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 16 : i64} : () -> ()
  }) {sym_name = "main_k0"} : () -> ()
  "loop.kernel"() ({
  ^bb0(%arg0: memref<16x64xf32>, %arg1: memref<64x16xf32>, %arg2: memref<16x16xf32>):
    "loop.for"() ({
    ^bb0(%arg3: index):
      "loop.for"() ({
      ^bb0(%arg4: index):
        "loop.for"() ({
        ^bb0(%arg5: index):
          %0 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          %1 = "loop.apply"(%arg3, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          "loop.store"(%0, %arg2, %1, %arg5) : (f32, memref<16x16xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 16 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%arg6: index):
        "loop.for"() ({
        ^bb0(%arg7: index):
          "loop.for"() ({
          ^bb0(%arg8: index):
            %2 = "loop.apply"(%arg3, %arg6) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %3 = "loop.load"(%arg0, %2, %arg7) : (memref<16x64xf32>, index, index) -> f32
            %4 = "loop.load"(%arg1, %arg7, %arg8) : (memref<64x16xf32>, index, index) -> f32
            %5 = "loop.apply"(%arg3, %arg6) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %6 = "loop.load"(%arg2, %5, %arg8) : (memref<16x16xf32>, index, index) -> f32
            %7 = "kernel.mul"(%3, %4) : (f32, f32) -> f32
            %8 = "kernel.add"(%6, %7) : (f32, f32) -> f32
            "loop.store"(%8, %arg2, %5, %arg8) : (f32, memref<16x16xf32>, index, index) -> ()
          }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 16 : i64} : () -> ()
        }) {iterator = "reduction", lower = 0 : i64, step = 1 : i64, upper = 64 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
    }) {grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 16 : i64} : () -> ()
  }) {sym_name = "main_k1"} : () -> ()
  "loop.kernel"() ({
  ^bb0(%arg0: memref<16x16xf32>, %arg1: memref<16x1xf32>):
    "loop.for"() ({
    ^bb0(%arg2: index):
      "loop.for"() ({
      ^bb0(%arg3: index):
        %0 = "kernel.constant"() {value = 0xFF800000 : f32} : () -> f32
        %1 = "loop.apply"(%arg2, %arg3) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
        %2 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
        "loop.store"(%0, %arg1, %1, %2) : (f32, memref<16x1xf32>, index, index) -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%arg4: index):
        "loop.for"() ({
        ^bb0(%arg5: index):
          %3 = "loop.apply"(%arg2, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %4 = "loop.load"(%arg0, %3, %arg5) : (memref<16x16xf32>, index, index) -> f32
          %5 = "loop.apply"(%arg2, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %6 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %7 = "loop.load"(%arg1, %5, %6) : (memref<16x1xf32>, index, index) -> f32
          %8 = "kernel.max"(%7, %4) : (f32, f32) -> f32
          "loop.store"(%8, %arg1, %5, %6) : (f32, memref<16x1xf32>, index, index) -> ()
        }) {iterator = "reduction", lower = 0 : i64, step = 1 : i64, upper = 16 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
    }) {grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 16 : i64} : () -> ()
  }) {sym_name = "main_k2"} : () -> ()
  "loop.kernel"() ({
  ^bb0(%arg0: memref<16x16xf32>, %arg1: memref<16x1xf32>, %arg2: memref<16x1xf32>):
    "loop.for"() ({
    ^bb0(%arg3: index):
      "loop.for"() ({
      ^bb0(%arg4: index):
        %0 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
        %1 = "loop.apply"(%arg3, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
        %2 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
        "loop.store"(%0, %arg2, %1, %2) : (f32, memref<16x1xf32>, index, index) -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%arg5: index):
        "loop.for"() ({
        ^bb0(%arg6: index):
          %3 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %4 = "loop.load"(%arg0, %3, %arg6) : (memref<16x16xf32>, index, index) -> f32
          %5 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %6 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %7 = "loop.load"(%arg1, %5, %6) : (memref<16x1xf32>, index, index) -> f32
          %8 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %9 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %10 = "loop.load"(%arg2, %8, %9) : (memref<16x1xf32>, index, index) -> f32
          %11 = "kernel.sub"(%4, %7) : (f32, f32) -> f32
          %12 = "kernel.exp"(%11) : (f32) -> f32
          %13 = "kernel.add"(%10, %12) : (f32, f32) -> f32
          "loop.store"(%13, %arg2, %8, %9) : (f32, memref<16x1xf32>, index, index) -> ()
        }) {iterator = "reduction", lower = 0 : i64, step = 1 : i64, upper = 16 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
    }) {grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 16 : i64} : () -> ()
  }) {sym_name = "main_k3"} : () -> ()
  "loop.kernel"() ({
  ^bb0(%arg0: memref<16x16xf32>, %arg1: memref<16x1xf32>, %arg2: memref<16x1xf32>, %arg3: memref<16x16xf32>):
    "loop.for"() ({
    ^bb0(%arg4: index):
      "loop.for"() ({
      ^bb0(%arg5: index):
        "loop.for"() ({
        ^bb0(%arg6: index):
          %0 = "loop.apply"(%arg4, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %1 = "loop.load"(%arg0, %0, %arg6) : (memref<16x16xf32>, index, index) -> f32
          %2 = "loop.apply"(%arg4, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %3 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %4 = "loop.load"(%arg1, %2, %3) : (memref<16x1xf32>, index, index) -> f32
          %5 = "loop.apply"(%arg4, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %6 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %7 = "loop.load"(%arg2, %5, %6) : (memref<16x1xf32>, index, index) -> f32
          %8 = "loop.apply"(%arg4, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %9 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          %10 = "kernel.sub"(%1, %4) : (f32, f32) -> f32
          %11 = "kernel.exp"(%10) : (f32) -> f32
          %12 = "kernel.div"(%11, %7) : (f32, f32) -> f32
          "loop.store"(%12, %arg3, %8, %arg6) : (f32, memref<16x16xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 16 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
    }) {grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 16 : i64} : () -> ()
  }) {sym_name = "main_k4"} : () -> ()
}) : () -> ()
