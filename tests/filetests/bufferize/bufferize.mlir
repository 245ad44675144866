// RUN: bufferize
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
          %3 = "loop.apply"(%arg6) {map = affine_map<(d0) -> (d0 + 8)>} : (index) -> index
          %4 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          %5 = "loop.apply"(%arg4, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %6 = "loop.broadcast"(%4) : (f32) -> vector<8xf32>
          "loop.vstore"(%6, %arg3, %5, %3) : (vector<8xf32>, memref<16x64xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 16 : i64, upper = 64 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%arg7: index):
        "loop.for"() ({
        ^bb0(%arg8: index):
          "loop.for"() ({
          ^bb0(%arg9: index):
            %7 = "loop.apply"(%arg4, %arg7) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %8 = "loop.load"(%arg0, %7, %arg8) : (memref<16x32xf32>, index, index) -> f32
            %9 = "loop.vload"(%arg1, %arg8, %arg9) : (memref<32x64xf32>, index, index) -> vector<8xf32>
            %10 = "loop.apply"(%arg4, %arg7) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %11 = "loop.vload"(%arg3, %10, %arg9) : (memref<16x64xf32>, index, index) -> vector<8xf32>
            %12 = "loop.broadcast"(%8) : (f32) -> vector<8xf32>
            %13 = "kernel.mul"(%12, %9) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            %14 = "kernel.add"(%11, %13) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            "loop.vstore"(%14, %arg3, %10, %arg9) : (vector<8xf32>, memref<16x64xf32>, index, index) -> ()
            %15 = "loop.apply"(%arg9) {map = affine_map<(d0) -> (d0 + 8)>} : (index) -> index
            %16 = "loop.apply"(%arg4, %arg7) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %17 = "loop.load"(%arg0, %16, %arg8) : (memref<16x32xf32>, index, index) -> f32
            %18 = "loop.vload"(%arg1, %arg8, %15) : (memref<32x64xf32>, index, index) -> vector<8xf32>
            %19 = "loop.apply"(%arg4, %arg7) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %20 = "loop.vload"(%arg3, %19, %15) : (memref<16x64xf32>, index, index) -> vector<8xf32>
            %21 = "loop.broadcast"(%17) : (f32) -> vector<8xf32>
            %22 = "kernel.mul"(%21, %18) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            %23 = "kernel.add"(%20, %22) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            "loop.vstore"(%23, %arg3, %19, %15) : (vector<8xf32>, memref<16x64xf32>, index, index) -> ()
          }) {iterator = "parallel", lower = 0 : i64, step = 16 : i64, upper = 64 : i64} : () -> ()
        }) {iterator = "reduction", lower = 0 : i64, step = 1 : i64, upper = 32 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%arg10: index):
        "loop.for"() ({
        ^bb0(%arg11: index):
          %24 = "loop.vload"(%arg2, %arg11) : (memref<64xf32>, index) -> vector<8xf32>
          %25 = "loop.apply"(%arg4, %arg10) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %26 = "loop.vload"(%arg3, %25, %arg11) : (memref<16x64xf32>, index, index) -> vector<8xf32>
          %27 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          %28 = "kernel.add"(%26, %24) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
          %29 = "kernel.gelu"(%28) : (vector<8xf32>) -> vector<8xf32>
          "loop.vstore"(%29, %arg3, %25, %arg11) : (vector<8xf32>, memref<16x64xf32>, index, index) -> ()
          %30 = "loop.apply"(%arg11) {map = affine_map<(d0) -> (d0 + 8)>} : (index) -> index
          %31 = "loop.vload"(%arg2, %30) : (memref<64xf32>, index) -> vector<8xf32>
          %32 = "loop.apply"(%arg4, %arg10) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %33 = "loop.vload"(%arg3, %32, %30) : (memref<16x64xf32>, index, index) -> vector<8xf32>
          %34 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          %35 = "kernel.add"(%33, %31) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
          %36 = "kernel.gelu"(%35) : (vector<8xf32>) -> vector<8xf32>
          "loop.vstore"(%36, %arg3, %32, %30) : (vector<8xf32>, memref<16x64xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 16 : i64, upper = 64 : i64} : () -> ()
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
          %3 = "loop.apply"(%arg5) {map = affine_map<(d0) -> (d0 + 8)>} : (index) -> index
          %4 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          %5 = "loop.apply"(%arg3, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %6 = "loop.broadcast"(%4) : (f32) -> vector<8xf32>
          "loop.vstore"(%6, %arg2, %5, %3) : (vector<8xf32>, memref<16x16xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 16 : i64, upper = 16 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%arg6: index):
        "loop.for"() ({
        ^bb0(%arg7: index):
          "loop.for"() ({
          ^bb0(%arg8: index):
            %7 = "loop.apply"(%arg3, %arg6) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %8 = "loop.load"(%arg0, %7, %arg7) : (memref<16x64xf32>, index, index) -> f32
            %9 = "loop.vload"(%arg1, %arg7, %arg8) : (memref<64x16xf32>, index, index) -> vector<8xf32>
            %10 = "loop.apply"(%arg3, %arg6) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %11 = "loop.vload"(%arg2, %10, %arg8) : (memref<16x16xf32>, index, index) -> vector<8xf32>
            %12 = "loop.broadcast"(%8) : (f32) -> vector<8xf32>
            %13 = "kernel.mul"(%12, %9) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            %14 = "kernel.add"(%11, %13) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            "loop.vstore"(%14, %arg2, %10, %arg8) : (vector<8xf32>, memref<16x16xf32>, index, index) -> ()
            %15 = "loop.apply"(%arg8) {map = affine_map<(d0) -> (d0 + 8)>} : (index) -> index
            %16 = "loop.apply"(%arg3, %arg6) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %17 = "loop.load"(%arg0, %16, %arg7) : (memref<16x64xf32>, index, index) -> f32
            %18 = "loop.vload"(%arg1, %arg7, %15) : (memref<64x16xf32>, index, index) -> vector<8xf32>
            %19 = "loop.apply"(%arg3, %arg6) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %20 = "loop.vload"(%arg2, %19, %15) : (memref<16x16xf32>, index, index) -> vector<8xf32>
            %21 = "loop.broadcast"(%17) : (f32) -> vector<8xf32>
            %22 = "kernel.mul"(%21, %18) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            %23 = "kernel.add"(%20, %22) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            "loop.vstore"(%23, %arg2, %19, %15) : (vector<8xf32>, memref<16x16xf32>, index, index) -> ()
          }) {iterator = "parallel", lower = 0 : i64, step = 16 : i64, upper = 16 : i64} : () -> ()
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
          %9 = "loop.apply"(%arg5) {map = affine_map<(d0) -> (d0 + 1)>} : (index) -> index
          %10 = "loop.apply"(%arg2, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %11 = "loop.load"(%arg0, %10, %9) : (memref<16x16xf32>, index, index) -> f32
          %12 = "loop.apply"(%arg2, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %13 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %14 = "loop.load"(%arg1, %12, %13) : (memref<16x1xf32>, index, index) -> f32
          %15 = "kernel.max"(%14, %11) : (f32, f32) -> f32
          "loop.store"(%15, %arg1, %12, %13) : (f32, memref<16x1xf32>, index, index) -> ()
        }) {iterator = "reduction", lower = 0 : i64, step = 2 : i64, upper = 16 : i64} : () -> ()
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
          %14 = "loop.apply"(%arg6) {map = affine_map<(d0) -> (d0 + 1)>} : (index) -> index
          %15 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %16 = "loop.load"(%arg0, %15, %14) : (memref<16x16xf32>, index, index) -> f32
          %17 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %18 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %19 = "loop.load"(%arg1, %17, %18) : (memref<16x1xf32>, index, index) -> f32
          %20 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %21 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %22 = "loop.load"(%arg2, %20, %21) : (memref<16x1xf32>, index, index) -> f32
          %23 = "kernel.sub"(%16, %19) : (f32, f32) -> f32
          %24 = "kernel.exp"(%23) : (f32) -> f32
          %25 = "kernel.add"(%22, %24) : (f32, f32) -> f32
          "loop.store"(%25, %arg2, %20, %21) : (f32, memref<16x1xf32>, index, index) -> ()
        }) {iterator = "reduction", lower = 0 : i64, step = 2 : i64, upper = 16 : i64} : () -> ()
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
          %15 = "loop.apply"(%arg6) {map = affine_map<(d0) -> (d0 + 8)>} : (index) -> index
          %16 = "loop.apply"(%arg4, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %17 = "loop.vload"(%arg0, %16, %15) : (memref<16x16xf32>, index, index) -> vector<8xf32>
          %18 = "loop.apply"(%arg4, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %19 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %20 = "loop.load"(%arg1, %18, %19) : (memref<16x1xf32>, index, index) -> f32
          %21 = "loop.apply"(%arg4, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %22 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %23 = "loop.load"(%arg2, %21, %22) : (memref<16x1xf32>, index, index) -> f32
          %24 = "loop.apply"(%arg4, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %25 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          %26 = "loop.broadcast"(%20) : (f32) -> vector<8xf32>
          %27 = "kernel.sub"(%17, %26) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
          %28 = "kernel.exp"(%27) : (vector<8xf32>) -> vector<8xf32>
          %29 = "loop.broadcast"(%23) : (f32) -> vector<8xf32>
          %30 = "kernel.div"(%28, %29) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
          "loop.vstore"(%30, %arg3, %24, %15) : (vector<8xf32>, memref<16x16xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 16 : i64, upper = 16 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
    }) {grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 16 : i64} : () -> ()
  }) {sym_name = "main_k4"} : () -> ()
}) : () -> ()
// ----- expected
"builtin.module"() ({
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
          %3 = "loop.apply"(%arg6) {map = affine_map<(d0) -> (d0 + 8)>} : (index) -> index
          %4 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          %5 = "loop.apply"(%arg4, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %6 = "loop.broadcast"(%4) : (f32) -> vector<8xf32>
          "loop.vstore"(%6, %arg3, %5, %3) : (vector<8xf32>, memref<16x64xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 16 : i64, upper = 64 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%arg7: index):
        "loop.for"() ({
        ^bb0(%arg8: index):
          "loop.for"() ({
          ^bb0(%arg9: index):
            %7 = "loop.apply"(%arg4, %arg7) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %8 = "loop.load"(%arg0, %7, %arg8) : (memref<16x32xf32>, index, index) -> f32
            %9 = "loop.vload"(%arg1, %arg8, %arg9) : (memref<32x64xf32>, index, index) -> vector<8xf32>
            %10 = "loop.apply"(%arg4, %arg7) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %11 = "loop.vload"(%arg3, %10, %arg9) : (memref<16x64xf32>, index, index) -> vector<8xf32>
            %12 = "loop.broadcast"(%8) : (f32) -> vector<8xf32>
            %13 = "kernel.mul"(%12, %9) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            %14 = "kernel.add"(%11, %13) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            "loop.vstore"(%14, %arg3, %10, %arg9) : (vector<8xf32>, memref<16x64xf32>, index, index) -> ()
            %15 = "loop.apply"(%arg9) {map = affine_map<(d0) -> (d0 + 8)>} : (index) -> index
            %16 = "loop.apply"(%arg4, %arg7) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %17 = "loop.load"(%arg0, %16, %arg8) : (memref<16x32xf32>, index, index) -> f32
            %18 = "loop.vload"(%arg1, %arg8, %15) : (memref<32x64xf32>, index, index) -> vector<8xf32>
            %19 = "loop.apply"(%arg4, %arg7) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %20 = "loop.vload"(%arg3, %19, %15) : (memref<16x64xf32>, index, index) -> vector<8xf32>
            %21 = "loop.broadcast"(%17) : (f32) -> vector<8xf32>
            %22 = "kernel.mul"(%21, %18) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            %23 = "kernel.add"(%20, %22) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            "loop.vstore"(%23, %arg3, %19, %15) : (vector<8xf32>, memref<16x64xf32>, index, index) -> ()
          }) {iterator = "parallel", lower = 0 : i64, step = 16 : i64, upper = 64 : i64} : () -> ()
        }) {iterator = "reduction", lower = 0 : i64, step = 1 : i64, upper = 32 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%arg10: index):
        "loop.for"() ({
        ^bb0(%arg11: index):
          %24 = "loop.vload"(%arg2, %arg11) : (memref<64xf32>, index) -> vector<8xf32>
          %25 = "loop.apply"(%arg4, %arg10) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %26 = "loop.vload"(%arg3, %25, %arg11) : (memref<16x64xf32>, index, index) -> vector<8xf32>
          %27 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          %28 = "kernel.add"(%26, %24) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
          %29 = "kernel.gelu"(%28) : (vector<8xf32>) -> vector<8xf32>
          "loop.vstore"(%29, %arg3, %25, %arg11) : (vector<8xf32>, memref<16x64xf32>, index, index) -> ()
          %30 = "loop.apply"(%arg11) {map = affine_map<(d0) -> (d0 + 8)>} : (index) -> index
          %31 = "loop.vload"(%arg2, %30) : (memref<64xf32>, index) -> vector<8xf32>
          %32 = "loop.apply"(%arg4, %arg10) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %33 = "loop.vload"(%arg3, %32, %30) : (memref<16x64xf32>, index, index) -> vector<8xf32>
          %34 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          %35 = "kernel.add"(%33, %31) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
          %36 = "kernel.gelu"(%35) : (vector<8xf32>) -> vector<8xf32>
          "loop.vstore"(%36, %arg3, %32, %30) : (vector<8xf32>, memref<16x64xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 16 : i64, upper = 64 : i64} : () -> ()
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
          %3 = "loop.apply"(%arg5) {map = affine_map<(d0) -> (d0 + 8)>} : (index) -> index
          %4 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          %5 = "loop.apply"(%arg3, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %6 = "loop.broadcast"(%4) : (f32) -> vector<8xf32>
          "loop.vstore"(%6, %arg2, %5, %3) : (vector<8xf32>, memref<16x16xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 16 : i64, upper = 16 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
      "loop.for"() ({
      ^bb0(%arg6: index):
        "loop.for"() ({
        ^bb0(%arg7: index):
          "loop.for"() ({
          ^bb0(%arg8: index):
            %7 = "loop.apply"(%arg3, %arg6) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %8 = "loop.load"(%arg0, %7, %arg7) : (memref<16x64xf32>, index, index) -> f32
            %9 = "loop.vload"(%arg1, %arg7, %arg8) : (memref<64x16xf32>, index, index) -> vector<8xf32>
            %10 = "loop.apply"(%arg3, %arg6) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %11 = "loop.vload"(%arg2, %10, %arg8) : (memref<16x16xf32>, index, index) -> vector<8xf32>
            %12 = "loop.broadcast"(%8) : (f32) -> vector<8xf32>
            %13 = "kernel.mul"(%12, %9) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            %14 = "kernel.add"(%11, %13) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            "loop.vstore"(%14, %arg2, %10, %arg8) : (vector<8xf32>, memref<16x16xf32>, index, index) -> ()
            %15 = "loop.apply"(%arg8) {map = affine_map<(d0) -> (d0 + 8)>} : (index) -> index
            %16 = "loop.apply"(%arg3, %arg6) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %17 = "loop.load"(%arg0, %16, %arg7) : (memref<16x64xf32>, index, index) -> f32
            %18 = "loop.vload"(%arg1, %arg7, %15) : (memref<64x16xf32>, index, index) -> vector<8xf32>
            %19 = "loop.apply"(%arg3, %arg6) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
            %20 = "loop.vload"(%arg2, %19, %15) : (memref<16x16xf32>, index, index) -> vector<8xf32>
            %21 = "loop.broadcast"(%17) : (f32) -> vector<8xf32>
            %22 = "kernel.mul"(%21, %18) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            %23 = "kernel.add"(%20, %22) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
            "loop.vstore"(%23, %arg2, %19, %15) : (vector<8xf32>, memref<16x16xf32>, index, index) -> ()
          }) {iterator = "parallel", lower = 0 : i64, step = 16 : i64, upper = 16 : i64} : () -> ()
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
          %9 = "loop.apply"(%arg5) {map = affine_map<(d0) -> (d0 + 1)>} : (index) -> index
          %10 = "loop.apply"(%arg2, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %11 = "loop.load"(%arg0, %10, %9) : (memref<16x16xf32>, index, index) -> f32
          %12 = "loop.apply"(%arg2, %arg4) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %13 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %14 = "loop.load"(%arg1, %12, %13) : (memref<16x1xf32>, index, index) -> f32
          %15 = "kernel.max"(%14, %11) : (f32, f32) -> f32
          "loop.store"(%15, %arg1, %12, %13) : (f32, memref<16x1xf32>, index, index) -> ()
        }) {iterator = "reduction", lower = 0 : i64, step = 2 : i64, upper = 16 : i64} : () -> ()
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
          %14 = "loop.apply"(%arg6) {map = affine_map<(d0) -> (d0 + 1)>} : (index) -> index
          %15 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %16 = "loop.load"(%arg0, %15, %14) : (memref<16x16xf32>, index, index) -> f32
          %17 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %18 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %19 = "loop.load"(%arg1, %17, %18) : (memref<16x1xf32>, index, index) -> f32
          %20 = "loop.apply"(%arg3, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %21 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %22 = "loop.load"(%arg2, %20, %21) : (memref<16x1xf32>, index, index) -> f32
          %23 = "kernel.sub"(%16, %19) : (f32, f32) -> f32
          %24 = "kernel.exp"(%23) : (f32) -> f32
          %25 = "kernel.add"(%22, %24) : (f32, f32) -> f32
          "loop.store"(%25, %arg2, %20, %21) : (f32, memref<16x1xf32>, index, index) -> ()
        }) {iterator = "reduction", lower = 0 : i64, step = 2 : i64, upper = 16 : i64} : () -> ()
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
          %15 = "loop.apply"(%arg6) {map = affine_map<(d0) -> (d0 + 8)>} : (index) -> index
          %16 = "loop.apply"(%arg4, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %17 = "loop.vload"(%arg0, %16, %15) : (memref<16x16xf32>, index, index) -> vector<8xf32>
          %18 = "loop.apply"(%arg4, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %19 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %20 = "loop.load"(%arg1, %18, %19) : (memref<16x1xf32>, index, index) -> f32
          %21 = "loop.apply"(%arg4, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %22 = "loop.apply"() {map = affine_map<() -> (0)>} : () -> index
          %23 = "loop.load"(%arg2, %21, %22) : (memref<16x1xf32>, index, index) -> f32
          %24 = "loop.apply"(%arg4, %arg5) {map = affine_map<(d0, d1) -> (d0 + d1)>} : (index, index) -> index
          %25 = "kernel.constant"() {value = 0.0 : f32} : () -> f32
          %26 = "loop.broadcast"(%20) : (f32) -> vector<8xf32>
          %27 = "kernel.sub"(%17, %26) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
          %28 = "kernel.exp"(%27) : (vector<8xf32>) -> vector<8xf32>
          %29 = "loop.broadcast"(%23) : (f32) -> vector<8xf32>
          %30 = "kernel.div"(%28, %29) : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
          "loop.vstore"(%30, %arg3, %24, %15) : (vector<8xf32>, memref<16x16xf32>, index, index) -> ()
        }) {iterator = "parallel", lower = 0 : i64, step = 16 : i64, upper = 16 : i64} : () -> ()
      }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 1 : i64} : () -> ()
    }) {grid = 0 : i64, iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 16 : i64} : () -> ()
  }) {sym_name = "main_k4"} : () -> ()
  "func.func"() ({
  ^bb0(%arg0: memref<16x32xf32>, %arg1: memref<32x64xf32>, %arg2: memref<64xf32>, %arg3: memref<64x16xf32>, %arg4: memref<256xf32>):
    %0 = "host.alloc"() {offset = 0 : i64} : () -> memref<16x64xf32>
    "host.dispatch"(%arg0, %arg1, %arg2, %0) {kernel = "main_k0", workgroups = array<i64: 16, 1, 1>} : (memref<16x32xf32>, memref<32x64xf32>, memref<64xf32>, memref<16x64xf32>) -> ()
    %1 = "host.alloc"() {offset = 4096 : i64} : () -> memref<16x16xf32>
    "host.dispatch"(%0, %arg3, %1) {kernel = "main_k1", workgroups = array<i64: 16, 1, 1>} : (memref<16x64xf32>, memref<64x16xf32>, memref<16x16xf32>) -> ()
    %2 = "host.alloc"() {offset = 0 : i64} : () -> memref<16x1xf32>
    "host.dispatch"(%1, %2) {kernel = "main_k2", workgroups = array<i64: 16, 1, 1>} : (memref<16x16xf32>, memref<16x1xf32>) -> ()
    %3 = "host.alloc"() {offset = 64 : i64} : () -> memref<16x1xf32>
    "host.dispatch"(%1, %2, %3) {kernel = "main_k3", workgroups = array<i64: 16, 1, 1>} : (memref<16x16xf32>, memref<16x1xf32>, memref<16x1xf32>) -> ()
    %4 = "host.view"(%arg4) : (memref<256xf32>) -> memref<16x16xf32>
    "host.dispatch"(%1, %2, %3, %4) {kernel = "main_k4", workgroups = array<i64: 16, 1, 1>} : (memref<16x16xf32>, memref<16x1xf32>, memref<16x1xf32>, memref<16x16xf32>) -> ()
    %5 = "host.view"(%4) : (memref<16x16xf32>) -> memref<256xf32>
    "func.return"() : () -> ()
  }) {arg_attrs = [{strata.name = "input0"}, {strata.name = "input1"}, {strata.name = "input2"}, {strata.name = "input3"}, {strata.name = "output0"}], function_type = (memref<16x32xf32>, memref<32x64xf32>, memref<64xf32>, memref<64x16xf32>, memref<256xf32>) -> (), host.arena_bytes = 5120 : i64, host.num_inputs = 4 : i64, host.unplanned_bytes = 5248 : i64, res_attrs = [], sym_name = "main"} : () -> ()
}) : () -> ()
