// A matmul with a GELU epilogue: a contraction with a fused elementwise tail.
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%x: tensor<8x32xf32>, %w: tensor<32x16xf32>):
    %0 = "graph.matmul"(%x, %w) : (tensor<8x32xf32>, tensor<32x16xf32>) -> tensor<8x16xf32>
    %1 = "graph.gelu"(%0) : (tensor<8x16xf32>) -> tensor<8x16xf32>
    "func.return"(%1) : (tensor<8x16xf32>) -> ()
  }) {function_type = (tensor<8x32xf32>, tensor<32x16xf32>) -> tensor<8x16xf32>, sym_name = "main"} : () -> ()
}) : () -> ()
