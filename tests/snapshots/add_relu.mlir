// A bias add and a relu: one fused elementwise kernel, vectorized.
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%x: tensor<4x64xf32>, %b: tensor<64xf32>):
    %0 = "graph.add"(%x, %b) : (tensor<4x64xf32>, tensor<64xf32>) -> tensor<4x64xf32>
    %1 = "graph.relu"(%0) : (tensor<4x64xf32>) -> tensor<4x64xf32>
    "func.return"(%1) : (tensor<4x64xf32>) -> ()
  }) {function_type = (tensor<4x64xf32>, tensor<64xf32>) -> tensor<4x64xf32>, sym_name = "main"} : () -> ()
}) : () -> ()
