// RUN: fold-batchnorm
// BatchNormalization after a convolution with constant statistics folds into the
// convolution: its weight is rescaled (in place) and it gains a bias; the statistics go.
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%x: tensor<1x1x4x4xf32>):
    %w = "graph.constant"() {value = dense<[[[[1.0, 2.0], [3.0, 4.0]]], [[[-1.0, 0.5], [0.25, 2.0]]], [[[0.5, 0.5], [0.5, 0.5]]]]> : tensor<3x1x2x2xf32>} : () -> tensor<3x1x2x2xf32>
    %s = "graph.constant"() {value = dense<[1.5, 0.5, 2.0]> : tensor<3xf32>} : () -> tensor<3xf32>
    %b = "graph.constant"() {value = dense<[0.1, -0.2, 0.3]> : tensor<3xf32>} : () -> tensor<3xf32>
    %m = "graph.constant"() {value = dense<[0.5, 1.0, -1.0]> : tensor<3xf32>} : () -> tensor<3xf32>
    %v = "graph.constant"() {value = dense<[2.0, 0.25, 1.0]> : tensor<3xf32>} : () -> tensor<3xf32>
    %c = "graph.conv"(%x, %w) : (tensor<1x1x4x4xf32>, tensor<3x1x2x2xf32>) -> tensor<1x3x3x3xf32>
    %y = "graph.batch_normalization"(%c, %s, %b, %m, %v) {epsilon = 0.001 : f32} : (tensor<1x3x3x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x3x3xf32>
    "func.return"(%y) : (tensor<1x3x3x3xf32>) -> ()
  }) {function_type = (tensor<1x1x4x4xf32>) -> tensor<1x3x3x3xf32>, sym_name = "main"} : () -> ()
}) : () -> ()
// ----- expected
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<1x1x4x4xf32>):
    %0 = "graph.constant"() {value = dense<[[[[1.0603951, 2.1207902], [3.1811852, 4.2415805]]], [[[-0.998006, 0.499003], [0.2495015, 1.996012]]], [[[0.9995004, 0.9995004], [0.9995004, 0.9995004]]]]> : tensor<3x1x2x2xf32>} : () -> tensor<3x1x2x2xf32>
    %1 = "graph.constant"() {value = dense<[-0.43019754, -1.198006, 2.2990007]> : tensor<3xf32>} : () -> tensor<3xf32>
    %2 = "graph.conv"(%arg0, %0, %1) : (tensor<1x1x4x4xf32>, tensor<3x1x2x2xf32>, tensor<3xf32>) -> tensor<1x3x3x3xf32>
    "func.return"(%2) : (tensor<1x3x3x3xf32>) -> ()
  }) {function_type = (tensor<1x1x4x4xf32>) -> tensor<1x3x3x3xf32>, sym_name = "main"} : () -> ()
}) : () -> ()
