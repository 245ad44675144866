// RUN: target{kind=vulkan,workgroup-size=128,shared-memory-bytes=32768}
// The description is set once, on the module, for every later pass to read; fields not
// given keep the Vulkan baseline.
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%x: tensor<4x8xf32>):
    %0 = "graph.relu"(%x) : (tensor<4x8xf32>) -> tensor<4x8xf32>
    "func.return"(%0) : (tensor<4x8xf32>) -> ()
  }) {function_type = (tensor<4x8xf32>) -> tensor<4x8xf32>, sym_name = "main"} : () -> ()
}) : () -> ()
// ----- expected
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<4x8xf32>):
    %0 = "graph.relu"(%arg0) : (tensor<4x8xf32>) -> tensor<4x8xf32>
    "func.return"(%0) : (tensor<4x8xf32>) -> ()
  }) {function_type = (tensor<4x8xf32>) -> tensor<4x8xf32>, sym_name = "main"} : () -> ()
}) {strata.target = {kind = "vulkan", l1_bytes = 49152 : i64, max_bindings = 32 : i64, push_constant_words = 32 : i64, resident_workgroups = 256 : i64, shared_memory_bytes = 32768 : i64, subgroup_size = 32 : i64, vector_bits = 128 : i64, workgroup_size = 128 : i64}} : () -> ()
