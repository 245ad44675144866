// A gather: indices read from data are checked before the load.
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%data: tensor<16x8xf32>, %idx: tensor<4xi64>):
    %0 = "graph.gather"(%data, %idx) {axis = 0 : i64} : (tensor<16x8xf32>, tensor<4xi64>) -> tensor<4x8xf32>
    "func.return"(%0) : (tensor<4x8xf32>) -> ()
  }) {function_type = (tensor<16x8xf32>, tensor<4xi64>) -> tensor<4x8xf32>, sym_name = "main"} : () -> ()
}) : () -> ()
