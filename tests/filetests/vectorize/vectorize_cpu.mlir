// RUN: target{kind=cpu,vector-bits=256,threads=2},vectorize
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
          %2 = "loop.broadcast"(%0) : (f32) -> vector<8xf32>
          "loop.vstore"(%2, %arg3, %1, %arg6) : (vector<8xf32>, memref<16x64xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 8 : i64, upper = 64 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%arg7: index):
        "loop.for"() ({
        ^bb0(%arg8: index):
          "loop.for"() ({
          ^bb0(%arg9: index):
            %3 = "loop.apply"(%arg4, %arg7) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %4 = "loop.load"(%arg0, %3, %arg8) : (memref<16x32xf32>, index, index) -> f32
            %5 = "loop.vload"(%arg1, %arg8, %arg9) : (memref<32x64xf32>, index, index) -> vector<8xf32>
            %6 = "loop.apply"(%arg4, %arg7) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %7 = "loop.vload"(%arg3, %6, %arg9) : (memref<16x64xf32>, index, index) -> vector<8xf32>
            %8 = "loop.broadcast"(%4) : (f32) -> vector<8xf32>
            %9 = "kernel.mul"(%8, %5) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            %10 = "kernel.add"(%7, %9) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            "loop.vstore"(%10, %arg3, %6, %arg9) : (vector<8xf32>, memref<16x64xf32>, index, index) -> ()
          }) {iterator = "parallel", lower = 0 : i64, step = 8 : i64, upper = 64 : i64} : () -> ()
        }) {iterator = "reduction", lower = 0 : i64, step = 1 : i64, upper = 32 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%arg10: index):
        "loop.for"() ({
        ^bb0(%arg11: index):
          %11 = "loop.vload"(%arg2, %arg11) : (memref<64xf32>, index) -> vector<8xf32>
          %12 = "loop.apply"(%arg4, %arg10) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %13 = "loop.vload"(%arg3, %12, %arg11) : (memref<16x64xf32>, index, index) -> vector<8xf32>
          %14 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          %15 = "kernel.add"(%13, %11) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
          %16 = "kernel.gelu"(%15) : (vector<8xf32>) -> vector<8xf32>
          "loop.vstore"(%16, %arg3, %12, %arg11) : (vector<8xf32>, memref<16x64xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 8 : i64, upper = 64 : i64} : () -> ()
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
          %2 = "loop.broadcast"(%0) : (f32) -> vector<8xf32>
          "loop.vstore"(%2, %arg2, %1, %arg5) : (vector<8xf32>, memref<16x16xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 8 : i64, upper = 16 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%arg6: index):
        "loop.for"() ({
        ^bb0(%arg7: index):
          "loop.for"() ({
          ^bb0(%arg8: index):
            %3 = "loop.apply"(%arg3, %arg6) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %4 = "loop.load"(%arg0, %3, %arg7) : (memref<16x64xf32>, index, index) -> f32
            %5 = "loop.vload"(%arg1, %arg7, %arg8) : (memref<64x16xf32>, index, index) -> vector<8xf32>
            %6 = "loop.apply"(%arg3, %arg6) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %7 = "loop.vload"(%arg2, %6, %arg8) : (memref<16x16xf32>, index, index) -> vector<8xf32>
            %8 = "loop.broadcast"(%4) : (f32) -> vector<8xf32>
            %9 = "kernel.mul"(%8, %5) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            %10 = "kernel.add"(%7, %9) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            "loop.vstore"(%10, %arg2, %6, %arg8) : (vector<8xf32>, memref<16x16xf32>, index, index) -> ()
          }) {iterator = "parallel", lower = 0 : i64, step = 8 : i64, upper = 16 : i64} : () -> ()
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
        %3 = "loop.alloca"() : () -> memref<8xf32>
        %4 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
        %5 = "kernel.constant"() {value = 0xFF800000 : f32} : () -> f32
        %6 = "loop.broadcast"(%5) : (f32) -> vector<8xf32>
        "loop.vstore"(%6, %3, %4) : (vector<8xf32>, memref<8xf32>, index) -> ()
        "loop.for"() ({
        ^bb0(%arg5: index):
          %7 = "loop.apply"(%arg2, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %8 = "loop.vload"(%arg0, %7, %arg5) : (memref<16x16xf32>, index, index) -> vector<8xf32>
          %9 = "loop.apply"(%arg2, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %10 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %11 = "loop.vload"(%3, %4) : (memref<8xf32>, index) -> vector<8xf32>
          %12 = "kernel.max"(%11, %8) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
          "loop.vstore"(%12, %3, %4) : (vector<8xf32>, memref<8xf32>, index) -> ()
        }) {iterator = "reduction", lower = 0 : i64, step = 8 : i64, upper = 16 : i64} : () -> ()
        %13 = "loop.apply"(%arg2, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
        %14 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
        %15 = "loop.load"(%arg1, %13, %14) : (memref<16x1xf32>, index, index) -> f32
        %16 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
        %17 = "loop.load"(%3, %16) : (memref<8xf32>, index) -> f32
        %18 = "kernel.max"(%15, %17) : (f32, f32) -> f32
        %19 = "loop.apply"() {map = affine_map<() -> (1)>} : () -> index
        %20 = "loop.load"(%3, %19) : (memref<8xf32>, index) -> f32
        %21 = "kernel.max"(%18, %20) : (f32, f32) -> f32
        %22 = "loop.apply"() {map = affine_map<() -> (2)>} : () -> index
        %23 = "loop.load"(%3, %22) : (memref<8xf32>, index) -> f32
        %24 = "kernel.max"(%21, %23) : (f32, f32) -> f32
        %25 = "loop.apply"() {map = affine_map<() -> (3)>} : () -> index
        %26 = "loop.load"(%3, %25) : (memref<8xf32>, index) -> f32
        %27 = "kernel.max"(%24, %26) : (f32, f32) -> f32
        %28 = "loop.apply"() {map = affine_map<() -> (4)>} : () -> index
        %29 = "loop.load"(%3, %28) : (memref<8xf32>, index) -> f32
        %30 = "kernel.max"(%27, %29) : (f32, f32) -> f32
        %31 = "loop.apply"() {map = affine_map<() -> (5)>} : () -> index
        %32 = "loop.load"(%3, %31) : (memref<8xf32>, index) -> f32
        %33 = "kernel.max"(%30, %32) : (f32, f32) -> f32
        %34 = "loop.apply"() {map = affine_map<() -> (6)>} : () -> index
        %35 = "loop.load"(%3, %34) : (memref<8xf32>, index) -> f32
        %36 = "kernel.max"(%33, %35) : (f32, f32) -> f32
        %37 = "loop.apply"() {map = affine_map<() -> (7)>} : () -> index
        %38 = "loop.load"(%3, %37) : (memref<8xf32>, index) -> f32
        %39 = "kernel.max"(%36, %38) : (f32, f32) -> f32
        "loop.store"(%39, %arg1, %13, %14) : (f32, memref<16x1xf32>, index, index) -> ()
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
        %3 = "loop.alloca"() : () -> memref<8xf32>
        %4 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
        %5 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
        %6 = "loop.broadcast"(%5) : (f32) -> vector<8xf32>
        "loop.vstore"(%6, %3, %4) : (vector<8xf32>, memref<8xf32>, index) -> ()
        "loop.for"() ({
        ^bb0(%arg6: index):
          %7 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %8 = "loop.vload"(%arg0, %7, %arg6) : (memref<16x16xf32>, index, index) -> vector<8xf32>
          %9 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %10 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %11 = "loop.load"(%arg1, %9, %10) : (memref<16x1xf32>, index, index) -> f32
          %12 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %13 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %14 = "loop.vload"(%3, %4) : (memref<8xf32>, index) -> vector<8xf32>
          %15 = "loop.broadcast"(%11) : (f32) -> vector<8xf32>
          %16 = "kernel.sub"(%8, %15) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
          %17 = "kernel.exp"(%16) : (vector<8xf32>) -> vector<8xf32>
          %18 = "kernel.add"(%14, %17) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
          "loop.vstore"(%18, %3, %4) : (vector<8xf32>, memref<8xf32>, index) -> ()
        }) {iterator = "reduction", lower = 0 : i64, step = 8 : i64, upper = 16 : i64} : () -> ()
        %19 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
        %20 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
        %21 = "loop.load"(%arg2, %19, %20) : (memref<16x1xf32>, index, index) -> f32
        %22 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
        %23 = "loop.load"(%3, %22) : (memref<8xf32>, index) -> f32
        %24 = "kernel.add"(%21, %23) : (f32, f32) -> f32
        %25 = "loop.apply"() {map = affine_map<() -> (1)>} : () -> index
        %26 = "loop.load"(%3, %25) : (memref<8xf32>, index) -> f32
        %27 = "kernel.add"(%24, %26) : (f32, f32) -> f32
        %28 = "loop.apply"() {map = affine_map<() -> (2)>} : () -> index
        %29 = "loop.load"(%3, %28) : (memref<8xf32>, index) -> f32
        %30 = "kernel.add"(%27, %29) : (f32, f32) -> f32
        %31 = "loop.apply"() {map = affine_map<() -> (3)>} : () -> index
        %32 = "loop.load"(%3, %31) : (memref<8xf32>, index) -> f32
        %33 = "kernel.add"(%30, %32) : (f32, f32) -> f32
        %34 = "loop.apply"() {map = affine_map<() -> (4)>} : () -> index
        %35 = "loop.load"(%3, %34) : (memref<8xf32>, index) -> f32
        %36 = "kernel.add"(%33, %35) : (f32, f32) -> f32
        %37 = "loop.apply"() {map = affine_map<() -> (5)>} : () -> index
        %38 = "loop.load"(%3, %37) : (memref<8xf32>, index) -> f32
        %39 = "kernel.add"(%36, %38) : (f32, f32) -> f32
        %40 = "loop.apply"() {map = affine_map<() -> (6)>} : () -> index
        %41 = "loop.load"(%3, %40) : (memref<8xf32>, index) -> f32
        %42 = "kernel.add"(%39, %41) : (f32, f32) -> f32
        %43 = "loop.apply"() {map = affine_map<() -> (7)>} : () -> index
        %44 = "loop.load"(%3, %43) : (memref<8xf32>, index) -> f32
        %45 = "kernel.add"(%42, %44) : (f32, f32) -> f32
        "loop.store"(%45, %arg2, %19, %20) : (f32, memref<16x1xf32>, index, index) -> ()
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
          %1 = "loop.vload"(%arg0, %0, %arg6) : (memref<16x16xf32>, index, index) -> vector<8xf32>
          %2 = "loop.apply"(%arg4, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %3 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %4 = "loop.load"(%arg1, %2, %3) : (memref<16x1xf32>, index, index) -> f32
          %5 = "loop.apply"(%arg4, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %6 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %7 = "loop.load"(%arg2, %5, %6) : (memref<16x1xf32>, index, index) -> f32
          %8 = "loop.apply"(%arg4, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %9 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          %10 = "loop.broadcast"(%4) : (f32) -> vector<8xf32>
          %11 = "kernel.sub"(%1, %10) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
          %12 = "kernel.exp"(%11) : (vector<8xf32>) -> vector<8xf32>
          %13 = "loop.broadcast"(%7) : (f32) -> vector<8xf32>
          %14 = "kernel.div"(%12, %13) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
          "loop.vstore"(%14, %arg3, %8, %arg6) : (vector<8xf32>, memref<16x16xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 8 : i64, upper = 16 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
    }) {grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 16 : i64} : () -> ()
  }) {sym_name = "main_k4"} : () -> ()
}) {strata.target = {cpu = "generic", features = [], kind = "cpu", l1_bytes = 32768 : i64, l2_bytes = 524288 : i64, l3_bytes = 8388608 : i64, threads = 2 : i64, triple = "", vector_bits = 256 : i64}} : () -> ()
