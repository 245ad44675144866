//! Shaders the back end produces pass the reference validator (`spirv-val` for Vulkan
//! 1.1), say which device features they need, and ops it cannot translate are errors
//! naming the op. (Running them on a device is the conformance suite's job.)

use strata_ir::target::{set_target, Target, TargetKind};
use strata_ir::{parse_module, Module};

/// A kernel over `n` buffers of the given element types (`%a0`..) writing `out` (f32).
fn kernel(elems: &[&str], body: &str) -> Module {
    let mut args: Vec<String> = elems
        .iter()
        .enumerate()
        .map(|(i, e)| format!("%a{i}: memref<8x{e}>"))
        .collect();
    args.push("%out: memref<8xf32>".into());
    let text = format!(
        r#""builtin.module"() ({{
  "loop.kernel"() ({{
  ^bb0({}):
    "loop.for"() ({{
    ^bb0(%i: index):
{body}
    }}) {{iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 8 : i64}} : () -> ()
  }}) {{sym_name = "k"}} : () -> ()
}}) : () -> ()
"#,
        args.join(", ")
    );
    let mut m = parse_module(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    strata_ir::verify_module(&m).unwrap();
    set_target(&mut m, &Target::generic(TargetKind::Vulkan));
    m
}

/// Graph IR `text` through the whole GPU pipeline.
fn through_gpu_pipeline(text: &str) -> Module {
    let m = parse_module(text).unwrap();
    let gpu = Target::generic(TargetKind::Vulkan);
    strata_passes::pipeline::run_pipeline(&m, strata_passes::pipeline::FULL, Some(&gpu), false)
        .unwrap()
        .0
}

/// `m`'s shader, checked by spirv-val (composite ops expanded first, as the pipeline
/// does).
fn validate(m: &Module) -> strata_spirv::Shader {
    let mut m = m.clone();
    strata_ir::kernel::composite::expand_module(&mut m).unwrap();
    let shader = strata_spirv::translate(&m).unwrap();
    strata_spirv::validate(&shader.bytes()).unwrap();
    shader
}

#[test]
fn every_element_type_loads_computes_and_stores_in_a_valid_shader() {
    let elems = ["f16", "bf16", "i8", "ui8", "i1", "i64", "i16", "f64"];
    let mut body = String::new();
    for (i, e) in elems.iter().enumerate() {
        body.push_str(&format!(
            "      %l{i} = \"loop.load\"(%a{i}, %i) : (memref<8x{e}>, index) -> {e}\n"
        ));
    }
    // A little arithmetic in each type, then everything summed in f32.
    body.push_str(
        r#"      %h = "kernel.mul"(%l0, %l0) : (f16, f16) -> f16
      %b = "kernel.exp"(%l1) : (bf16) -> bf16
      %c = "kernel.div"(%l2, %l2) : (i8, i8) -> i8
      %d = "kernel.bit_shift"(%l3, %l3) {direction = "LEFT"} : (ui8, ui8) -> ui8
      %n = "kernel.not"(%l4) : (i1) -> i1
      %p = "kernel.pow"(%l5, %l5) : (i64, i64) -> i64
      %m = "kernel.mod"(%l6, %l6) : (i16, i16) -> i16
      %s = "kernel.sqrt"(%l7) : (f64) -> f64
      %f0 = "kernel.cast"(%h) : (f16) -> f32
      %f1 = "kernel.cast"(%b) : (bf16) -> f32
      %f2 = "kernel.cast"(%c) : (i8) -> f32
      %f3 = "kernel.cast"(%d) : (ui8) -> f32
      %f4 = "kernel.cast"(%n) : (i1) -> f32
      %f5 = "kernel.cast"(%p) : (i64) -> f32
      %f6 = "kernel.cast"(%m) : (i16) -> f32
      %f7 = "kernel.cast"(%s) : (f64) -> f32
      %e = "kernel.erf"(%f0) : (f32) -> f32
      %g = "kernel.gelu"(%f1) {approximate = "tanh"} : (f32) -> f32
      %t = "kernel.add"(%e, %g) : (f32, f32) -> f32
      %t2 = "kernel.add"(%t, %f2) : (f32, f32) -> f32
      %t3 = "kernel.add"(%t2, %f3) : (f32, f32) -> f32
      %t4 = "kernel.add"(%t3, %f4) : (f32, f32) -> f32
      %t5 = "kernel.add"(%t4, %f5) : (f32, f32) -> f32
      %t6 = "kernel.add"(%t5, %f6) : (f32, f32) -> f32
      %t7 = "kernel.add"(%t6, %f7) : (f32, f32) -> f32
      "loop.store"(%t7, %out, %i) : (f32, memref<8xf32>, index) -> ()"#,
    );
    let shader = validate(&kernel(&elems, &body));
    assert_eq!(shader.kernels.len(), 1);
    assert_eq!(shader.kernels[0], "k");
    let f = shader.features;
    assert!(f.int64 && f.float64 && f.storage8 && f.storage16, "{f:?}");
}

#[test]
fn f32_kernels_need_no_optional_feature() {
    let body = r#"      %x = "loop.load"(%a0, %i) : (memref<8xf32>, index) -> f32
      %y = "kernel.tanh"(%x) : (f32) -> f32
      "loop.store"(%y, %out, %i) : (f32, memref<8xf32>, index) -> ()"#;
    let shader = validate(&kernel(&["f32"], body));
    assert!(shader.features.names().is_empty(), "{:?}", shader.features);
    // SPIR-V's magic number, little-endian.
    assert_eq!(&shader.bytes()[..4], &[0x03, 0x02, 0x23, 0x07]);
}

#[test]
fn untranslatable_ops_are_errors_naming_them() {
    let body = r#"      %x = "loop.load"(%a0, %i) : (memref<8xf64>, index) -> f64
      %y = "kernel.sin"(%x) : (f64) -> f64
      %z = "kernel.cast"(%y) : (f64) -> f32
      "loop.store"(%z, %out, %i) : (f32, memref<8xf32>, index) -> ()"#;
    let e = strata_spirv::translate(&kernel(&["f64"], body))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("'kernel.sin'") && e.contains(strata_spirv::NO_TRANSLATION) && e.contains("f64"),
        "{e}"
    );
}

#[test]
fn kernels_of_the_gpu_pipeline_validate() {
    // A matmul + bias + relu (contraction phases, barriers) and a softmax (reductions),
    // through the whole GPU pipeline.
    let text = r#""builtin.module"() ({
  "func.func"() ({
  ^bb0(%x: tensor<8x64xf32>, %w: tensor<64x32xf32>, %b: tensor<32xf32>):
    %0 = "graph.matmul"(%x, %w) : (tensor<8x64xf32>, tensor<64x32xf32>) -> tensor<8x32xf32>
    %1 = "graph.add"(%0, %b) : (tensor<8x32xf32>, tensor<32xf32>) -> tensor<8x32xf32>
    %2 = "graph.relu"(%1) : (tensor<8x32xf32>) -> tensor<8x32xf32>
    %3 = "graph.softmax"(%2) {axis = -1 : i64} : (tensor<8x32xf32>) -> tensor<8x32xf32>
    "func.return"(%3) : (tensor<8x32xf32>) -> ()
  }) {function_type = (tensor<8x64xf32>, tensor<64x32xf32>, tensor<32xf32>) -> tensor<8x32xf32>, sym_name = "main"} : () -> ()
}) : () -> ()
"#;
    let host = through_gpu_pipeline(text);
    let shader = validate(&host);
    assert!(shader.kernels.len() >= 2, "{:?}", shader.kernels);
}

#[test]
fn staged_operands_live_in_workgroup_memory() {
    // The x row each workgroup reuses is staged by the GPU pipeline (see strata-passes'
    // staging tests); its shader declares it in workgroup memory and separates the copy
    // from the contraction by barriers inside the reduction loop.
    let text = r#""builtin.module"() ({
  "func.func"() ({
  ^bb0(%x: tensor<16x96xf32>, %w: tensor<96x64xf32>):
    %0 = "graph.matmul"(%x, %w) : (tensor<16x96xf32>, tensor<96x64xf32>) -> tensor<16x64xf32>
    "func.return"(%0) : (tensor<16x64xf32>) -> ()
  }) {function_type = (tensor<16x96xf32>, tensor<96x64xf32>) -> tensor<16x64xf32>, sym_name = "main"} : () -> ()
}) : () -> ()
"#;
    let host = through_gpu_pipeline(text);
    let shader = validate(&host);
    let module = rspirv::dr::load_words(&shader.words).unwrap();
    use rspirv::dr::Operand;
    use rspirv::spirv::{Op, StorageClass};
    let workgroup_vars = module
        .types_global_values
        .iter()
        .filter(|i| {
            i.class.opcode == Op::Variable
                && i.operands.first() == Some(&Operand::StorageClass(StorageClass::Workgroup))
        })
        .count();
    assert_eq!(workgroup_vars, 1);
    let barriers = module
        .functions
        .iter()
        .flat_map(|f| &f.blocks)
        .flat_map(|b| &b.instructions)
        .filter(|i| i.class.opcode == Op::ControlBarrier)
        .count();
    // After the copy, at the end of each reduction step, and before the epilogue at least.
    assert!(barriers >= 2, "{barriers} barriers");
}

#[test]
fn shaders_follow_the_target_description() {
    let body = r#"      %x = "loop.load"(%a0, %i) : (memref<8xf32>, index) -> f32
      "loop.store"(%x, %out, %i) : (f32, memref<8xf32>, index) -> ()"#;
    let mut m = kernel(&["f32"], body);
    let mut gpu = Target::generic(TargetKind::Vulkan);
    gpu.set("workgroup-size", "128").unwrap();
    gpu.set("push-constant-words", "8").unwrap();
    set_target(&mut m, &gpu);
    let shader = validate(&m);
    let module = rspirv::dr::load_words(&shader.words).unwrap();
    use rspirv::dr::Operand;
    let local_size: Vec<&Operand> = module
        .execution_modes
        .iter()
        .flat_map(|i| &i.operands)
        .collect();
    assert!(
        local_size.windows(3).any(|w| w
            == [
                &Operand::LiteralBit32(128),
                &Operand::LiteralBit32(1),
                &Operand::LiteralBit32(1)
            ]),
        "{local_size:?}"
    );
    // A kernel of two buffers does not fit a GPU that binds two (one is the status).
    gpu.set("max-bindings", "2").unwrap();
    set_target(&mut m, &gpu);
    let e = strata_spirv::translate(&m).unwrap_err().to_string();
    assert!(e.contains("2 buffers") && e.contains("at most 1"), "{e}");
    // Shaders are for Vulkan targets only.
    set_target(&mut m, &Target::generic(TargetKind::Cpu));
    let e = strata_spirv::translate(&m).unwrap_err().to_string();
    assert!(e.contains("not for a Vulkan GPU"), "{e}");
}
