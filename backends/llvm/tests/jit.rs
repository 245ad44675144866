//! LLVM-compiled kernels compute what the loop interpreter computes: programs go through
//! the whole CPU pipeline (fusion with epilogues, tiling, vectorization, unrolling), then
//! every kernel runs on the same random buffers both ways.

use inkwell::context::Context;
use strata_ir::loops::interp::{Binding, CompiledKernel};
use strata_ir::loops::{grid_size, kernel_argument_types};
use strata_ir::target::Target;
use strata_ir::{parse_module, Attribute, ElementType, Module};
use strata_passes::pipeline::{run_pipeline, FULL};

/// The whole pipeline for a target of `kind`: a generic CPU with 256-bit vectors and two
/// threads, or the Vulkan baseline GPU.
fn full_pipeline(kind: &str) -> String {
    match kind {
        "cpu" => format!("target{{kind=cpu,vector-bits=256,threads=2}},{FULL}"),
        _ => format!("target{{kind=vulkan}},{FULL}"),
    }
}

/// `graph` through the whole pipeline for `kind`.
fn lower(graph: &Module, kind: &str) -> Module {
    run_pipeline(graph, &full_pipeline(kind), None, false)
        .unwrap()
        .0
}

const PROGRAM: &str = r#""builtin.module"() ({
  "func.func"() ({
  ^bb0(%x: tensor<16x32xf32>, %w1: tensor<32x64xf32>, %b1: tensor<64xf32>, %w2: tensor<64x16xf32>):
    %0 = "graph.matmul"(%x, %w1) : (tensor<16x32xf32>, tensor<32x64xf32>) -> tensor<16x64xf32>
    %1 = "graph.add"(%0, %b1) : (tensor<16x64xf32>, tensor<64xf32>) -> tensor<16x64xf32>
    %2 = "graph.relu"(%1) : (tensor<16x64xf32>) -> tensor<16x64xf32>
    %3 = "graph.matmul"(%2, %w2) : (tensor<16x64xf32>, tensor<64x16xf32>) -> tensor<16x16xf32>
    %4 = "graph.softmax"(%3) {axis = -1 : i64} : (tensor<16x16xf32>) -> tensor<16x16xf32>
    %5 = "graph.transpose"(%4) {perm = array<i64: 1, 0>} : (tensor<16x16xf32>) -> tensor<16x16xf32>
    %6 = "graph.reduce_mean"(%5) {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<16x16xf32>) -> tensor<16xf32>
    %7 = "graph.sqrt"(%6) : (tensor<16xf32>) -> tensor<16xf32>
    "func.return"(%7, %4) : (tensor<16xf32>, tensor<16x16xf32>) -> ()
  }) {function_type = (tensor<16x32xf32>, tensor<32x64xf32>, tensor<64xf32>, tensor<64x16xf32>) -> (tensor<16xf32>, tensor<16x16xf32>), sym_name = "main"} : () -> ()
}) : () -> ()"#;

fn random_bytes(elem: ElementType, n: usize, seed: &mut u64) -> Vec<u8> {
    if elem != ElementType::F32 {
        // Index tables: zero is in range everywhere.
        return vec![0; n * elem.size_bytes()];
    }
    let mut out = Vec::with_capacity(n * elem.size_bytes());
    for _ in 0..n {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        let v = ((*seed % 4001) as f32 - 2000.0) / 1000.0;
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

fn compare_kernels(m: &Module) -> usize {
    let ctx = Context::create();
    let jit = strata_llvm::Jit::new(&ctx, m).expect("kernels translate and compile");
    let mut compared = 0;
    let mut seed = 0x9E3779B97F4A7C15u64;
    for &op in &m.block(m.body()).ops {
        if m.op(op).name != "loop.kernel" {
            continue;
        }
        let Some(Attribute::String(name)) = m.op(op).attrs.get("sym_name") else {
            panic!("kernel without a name");
        };
        let types = kernel_argument_types(m, op);
        let buffers: Vec<Vec<u8>> = types
            .iter()
            .map(|t| {
                let t = t.as_memref().unwrap();
                random_bytes(t.elem, t.shape.numel(), &mut seed)
            })
            .collect();
        let mut interpreted = buffers.clone();
        let bindings: Vec<Binding> = (0..buffers.len())
            .map(|memory| Binding { memory, offset: 0 })
            .collect();
        CompiledKernel::compile(m, op)
            .unwrap()
            .run(m, &mut interpreted, &bindings)
            .unwrap();
        let mut compiled = buffers.clone();
        jit.run(name, &mut compiled, grid_size(m, op).unwrap())
            .unwrap();
        for (i, (a, b)) in interpreted.iter().zip(&compiled).enumerate() {
            let fa: Vec<f32> = a
                .chunks(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                .collect();
            let fb: Vec<f32> = b
                .chunks(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                .collect();
            for (k, (x, y)) in fa.iter().zip(&fb).enumerate() {
                let close = (x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-5 * (1.0 + x.abs());
                assert!(
                    close,
                    "kernel {name}, buffer {i}, element {k}: interpreter {x}, LLVM {y}"
                );
            }
        }
        compared += 1;
    }
    compared
}

#[test]
fn compiled_kernels_match_the_loop_interpreter() {
    let graph = parse_module(PROGRAM).unwrap();
    for target in ["cpu", "gpu"] {
        let host = lower(&graph, target);
        let compared = compare_kernels(&host);
        assert!(compared >= 5, "{target}: only {compared} kernels compared");
    }
}

/// Windows with strides 2 and 3 whose last window ends on the buffer's last element
/// (strided loads read a span contiguously), and a constant pad (fills and a copy).
const WINDOWS: &str = r#""builtin.module"() ({
  "func.func"() ({
  ^bb0(%x: tensor<1x4x17x17xf32>, %y: tensor<1x2x19x19xf32>):
    %0 = "graph.max_pool"(%x) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x4x17x17xf32>) -> tensor<1x4x8x8xf32>
    %1 = "graph.max_pool"(%y) {kernel_shape = array<i64: 4, 4>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 3, 3>} : (tensor<1x2x19x19xf32>) -> tensor<1x2x6x6xf32>
    %2 = "graph.pad"(%1) {mode = "constant", pads = array<i64: 0, 0, 1, 2, 0, 0, 2, 1>, value = dense<0.5> : tensor<f32>} : (tensor<1x2x6x6xf32>) -> tensor<1x2x9x9xf32>
    "func.return"(%0, %2) : (tensor<1x4x8x8xf32>, tensor<1x2x9x9xf32>) -> ()
  }) {function_type = (tensor<1x4x17x17xf32>, tensor<1x2x19x19xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x2x9x9xf32>), sym_name = "main"} : () -> ()
}) : () -> ()"#;

#[test]
fn strided_windows_and_pads_match_the_loop_interpreter() {
    let graph = parse_module(WINDOWS).unwrap();
    let host = lower(&graph, "cpu");
    let text = strata_ir::print_module(&host);
    assert!(
        text.contains("stride = 2") && text.contains("stride = 3"),
        "{text}"
    );
    assert_eq!(compare_kernels(&host), 3);
}

#[test]
fn unsupported_ops_are_errors_naming_the_op() {
    // Every op the verifier accepts translates; one it would reject (bitwise logic on
    // floats) must still be an error naming it, not a crash.
    let text = r#""builtin.module"() ({
  "loop.kernel"() ({
  ^bb0(%a: memref<4xf32>, %out: memref<4xf32>):
    "loop.for"() ({
    ^bb0(%i: index):
      %x = "loop.load"(%a, %i) : (memref<4xf32>, index) -> f32
      %y = "kernel.bitwise_and"(%x, %x) : (f32, f32) -> f32
      "loop.store"(%y, %out, %i) : (f32, memref<4xf32>, index) -> ()
    }) {iterator = "parallel", lower = 0 : i64, step = 1 : i64, upper = 4 : i64} : () -> ()
  }) {sym_name = "k"} : () -> ()
}) : () -> ()"#;
    let m = parse_module(text).unwrap();
    let ctx = Context::create();
    let e = strata_llvm::Jit::new(&ctx, &m)
        .err()
        .expect("must fail")
        .to_string();
    assert!(
        e.contains("kernel.bitwise_and") && e.contains(strata_llvm::NO_TRANSLATION),
        "{e}"
    );
}

/// Runs a one-input, one-output f32 graph op through the CPU pipeline, compiled.
fn run_unary(op: &str, xs: &[f32]) -> Vec<f32> {
    let n = xs.len();
    let text = format!(
        r#""builtin.module"() ({{
  "func.func"() ({{
  ^bb0(%x: tensor<{n}xf32>):
    %0 = "{op}"(%x) : (tensor<{n}xf32>) -> tensor<{n}xf32>
    "func.return"(%0) : (tensor<{n}xf32>) -> ()
  }}) {{function_type = (tensor<{n}xf32>) -> tensor<{n}xf32>, sym_name = "main"}} : () -> ()
}}) : () -> ()"#
    );
    let graph = parse_module(&text).unwrap();
    let host = lower(&graph, "cpu");
    let ctx = Context::create();
    let mut exec = strata_llvm::JitExecutor::new(&ctx, &host).unwrap();
    let x = strata_ir::Tensor::from_vec(vec![n], xs.to_vec()).unwrap();
    let f = host.function("main").unwrap();
    let out = strata_ir::host::run_host_with(&host, f, &[x], &mut exec).unwrap();
    out[0].to_f64s().iter().map(|&v| v as f32).collect()
}

#[test]
fn erf_is_accurate_to_the_documented_bound() {
    // The bound in the crate docs: 1.3e-7 absolute over [-6, 6] (erf is ±1 beyond).
    let xs: Vec<f32> = (0..=24000).map(|i| -6.0 + i as f32 * 0.0005).collect();
    let ys = run_unary("graph.erf", &xs);
    let mut worst = (0.0f64, 0.0f32);
    for (&x, &y) in xs.iter().zip(&ys) {
        let d = (y as f64 - libm::erf(x as f64)).abs();
        if d > worst.0 {
            worst = (d, x);
        }
    }
    println!("erf: max abs error {:.3e} at x = {}", worst.0, worst.1);
    assert!(
        worst.0 <= strata_ir::kernel::approx::ERF_MAX_ABS_ERROR,
        "erf error {:.3e} at {}",
        worst.0,
        worst.1
    );
    // Odd, and exact at 0.
    assert_eq!(run_unary("graph.erf", &[0.0, -0.0])[0], 0.0);
}

/// Units in the last place between `y` and the exact `e` (rounded to f32), counting
/// subnormals at the smallest normal's spacing.
fn ulps(y: f32, e: f64) -> f64 {
    let spacing = (e.abs() as f32).max(f32::MIN_POSITIVE);
    let ulp = (f32::from_bits(spacing.to_bits() + 1) - spacing) as f64;
    (y as f64 - e).abs() / ulp
}

#[test]
fn exp_is_accurate_to_the_documented_bound_over_the_whole_range() {
    use strata_ir::kernel::approx::{exp_f32, EXP_F32_MAX_ULP};
    // Every 1/4096 across the range where exp is neither 0 nor ∞ (and past both ends).
    let xs: Vec<f32> = (-106 * 4096..=90 * 4096)
        .map(|i| i as f32 / 4096.0)
        .chain([
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MIN,
            f32::MAX,
            0.0,
            -0.0,
            1e-30,
        ])
        .collect();
    let ys = run_unary("graph.exp", &xs);
    let mut worst = (0.0f64, 0.0f32);
    for (&x, &y) in xs.iter().zip(&ys) {
        let exact = libm::exp(x as f64);
        let u = if exact.is_infinite() || exact > f32::MAX as f64 {
            assert_eq!(y, f32::INFINITY, "exp({x}) overflows");
            0.0
        } else {
            ulps(y, exact)
        };
        if u > worst.0 {
            worst = (u, x);
        }
        // The compiled code is the documented formula, to the bit.
        assert_eq!(y.to_bits(), exp_f32(x).to_bits(), "exp({x})");
    }
    println!("exp: max error {:.2} ulp at x = {}", worst.0, worst.1);
    assert!(
        worst.0 <= EXP_F32_MAX_ULP,
        "exp error {:.2} ulp at {}",
        worst.0,
        worst.1
    );
    assert!(run_unary("graph.exp", &[f32::NAN])[0].is_nan());
}

#[test]
fn objects_are_emitted_for_the_host_and_cross_targets() {
    let graph = parse_module(PROGRAM).unwrap();
    let dir = std::env::temp_dir().join(format!("strata-llvm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (triple, arch) in [
        (None, "x86-64"),
        (Some("aarch64-unknown-linux-gnu"), "aarch64"),
    ] {
        let cpu = strata_llvm::describe_cpu(&strata_llvm::CpuRequest {
            triple: triple.map(String::from),
            ..Default::default()
        })
        .unwrap();
        let (host, _) = run_pipeline(&graph, FULL, Some(&Target::Cpu(cpu)), false).unwrap();
        let object = strata_llvm::compile_object(&host, "").unwrap();
        let text = disassemble(&dir.join(format!("{arch}.o")), &object);
        assert!(
            text.contains(arch),
            "{arch}: wrong format:\n{}",
            &text[..text.len().min(400)]
        );
        assert!(text.contains("<main_k0>:"), "{arch}: kernel symbol missing");
    }
    let e = strata_llvm::describe_cpu(&strata_llvm::CpuRequest {
        triple: Some("nonsense-none-none".into()),
        ..Default::default()
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("unknown target triple"), "{e}");
    // A host program without a CPU description is refused, naming what is missing.
    let mut vulkan = lower(&graph, "gpu");
    let e = strata_llvm::compile_object(&vulkan, "")
        .unwrap_err()
        .to_string();
    assert!(e.contains("not for a CPU"), "{e}");
    vulkan.attrs_mut().clear();
    let e = strata_llvm::compile_object(&vulkan, "")
        .unwrap_err()
        .to_string();
    assert!(e.contains("no target description"), "{e}");
}

fn disassemble(path: &std::path::Path, object: &[u8]) -> String {
    std::fs::write(path, object).unwrap();
    let out = std::process::Command::new("/usr/lib/llvm-22/bin/llvm-objdump")
        .arg("-d")
        .arg(path)
        .output()
        .expect("llvm-objdump (llvm-22) runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn cpu_descriptions_list_what_llvm_enables_and_code_uses_only_that() {
    let describe = |cpu: &str, features: Option<&str>| {
        strata_llvm::describe_cpu(&strata_llvm::CpuRequest {
            triple: Some("x86_64-pc-linux-gnu".into()),
            cpu: Some(cpu.into()),
            features: features.map(String::from),
        })
    };
    // A CPU name implies its extensions, which LLVM's C API does not list.
    let v3 = describe("x86-64-v3", None).unwrap();
    for f in ["avx", "avx2", "fma", "bmi2", "sse4.2"] {
        assert!(v3.features.iter().any(|g| g == f), "{f}: {:?}", v3.features);
    }
    assert!(!v3.features.iter().any(|g| g == "avx512f"));
    assert_eq!(v3.vector_bits, 256);
    let v4 = describe("x86-64-v4", None).unwrap();
    assert!(v4.features.iter().any(|g| g == "avx512f"));
    assert_eq!(v4.vector_bits, 512);
    // Removing an extension removes those built on it.
    let no512 = describe("x86-64-v4", Some("-avx512f")).unwrap();
    assert!(
        !no512.features.iter().any(|g| g.starts_with("avx512")),
        "{:?}",
        no512.features
    );
    assert_eq!(no512.vector_bits, 256);
    let e = describe("no-such-cpu", None).unwrap_err().to_string();
    assert!(e.contains("not a CPU LLVM knows"), "{e}");

    // Code for a description follows its list, not the CPU name's defaults: zmm
    // registers for x86-64-v4, none once its AVX-512 is taken out of the description.
    let graph = parse_module(PROGRAM).unwrap();
    let dir = std::env::temp_dir().join(format!("strata-llvm-isa-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut trimmed = v4.clone();
    trimmed.features.retain(|f| !f.starts_with("avx512"));
    for (name, cpu, zmm) in [("v4", v4, true), ("trimmed", trimmed, false)] {
        let mut cpu = cpu;
        cpu.vector_bits = 512;
        let (host, _) = run_pipeline(&graph, FULL, Some(&Target::Cpu(cpu)), false).unwrap();
        let object = strata_llvm::compile_object(&host, "").unwrap();
        let text = disassemble(&dir.join(format!("{name}.o")), &object);
        assert_eq!(text.contains("zmm"), zmm, "{name}");
    }
}

#[test]
fn out_of_range_gather_indices_are_errors_not_crashes() {
    let text = r#""builtin.module"() ({
  "func.func"() ({
  ^bb0(%data: tensor<4x3xf32>, %idx: tensor<2xi64>):
    %0 = "graph.gather"(%data, %idx) {axis = 0 : i64} : (tensor<4x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
    "func.return"(%0) : (tensor<2x3xf32>) -> ()
  }) {function_type = (tensor<4x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>, sym_name = "main"} : () -> ()
}) : () -> ()"#;
    let graph = parse_module(text).unwrap();
    let host = lower(&graph, "cpu");
    let ctx = Context::create();
    let f = host.function("main").unwrap();
    let data =
        strata_ir::Tensor::from_vec(vec![4, 3], (0..12).map(|v| v as f32).collect()).unwrap();
    for (index, ok) in [(3i64, true), (-1, true), (4, false), (1 << 40, false)] {
        let idx = strata_ir::Tensor::from_vec(vec![2], vec![0i64, index]).unwrap();
        let mut jit = strata_llvm::JitExecutor::new(&ctx, &host).unwrap();
        let got = strata_ir::host::run_host_with(&host, f, &[data.clone(), idx], &mut jit);
        match got {
            Ok(out) if ok => {
                let row = if index < 0 { 3 } else { index as usize };
                let v = out[0].as_slice::<f32>().unwrap();
                assert_eq!(
                    &v[3..],
                    &[(row * 3) as f32, (row * 3 + 1) as f32, (row * 3 + 2) as f32]
                );
            }
            Err(e) if !ok => assert!(e.to_string().contains("out of bounds"), "{e}"),
            other => panic!("index {index}: {other:?}"),
        }
    }
}
