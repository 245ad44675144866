//! From a model to the array: a MatMul lowered by the systolic target's pipeline (which
//! takes the product whole, as `loop.contract`, with its weights as stored), mapped onto
//! the array by `kernel_schedule`, and simulated over the kernel's arguments, gives the
//! graph interpreter's product to bf16's precision, in the analytic model's cycles.

use strata_abi::SystolicTarget;
use strata_ir::{interp, parse_module, Tensor};
use strata_passes::pipeline::{run_pipeline, FULL};
use strata_runtime::systolic::simulate;
use strata_systolic::{gemm_cycles, kernel_schedule};

fn values(n: usize, seed: &mut u64) -> Vec<f32> {
    (0..n)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            ((*seed % 2001) as f32 - 1000.0) / 1000.0
        })
        .collect()
}

fn hex(v: &[f32]) -> String {
    v.iter()
        .flat_map(|x| x.to_le_bytes())
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// A product `x · W` written as a MatMul (`W` stored `[k][n]`) or as a Gemm with
/// `transB` (stored `[n][k]`, which the pipeline stores `[k][n]` for the array).
fn product_model(transposed: bool, (m, k, n): (usize, usize, usize), w: &[f32]) -> String {
    let (op, wt, attrs, stored) = if transposed {
        let mut t = vec![0f32; k * n];
        for l in 0..k {
            for j in 0..n {
                t[j * k + l] = w[l * n + j];
            }
        }
        ("graph.gemm", format!("{n}x{k}"), " {transB = 1 : i64}", t)
    } else {
        ("graph.matmul", format!("{k}x{n}"), "", w.to_vec())
    };
    format!(
        r#""builtin.module"() ({{
  "func.func"() ({{
  ^bb0(%arg0: tensor<{m}x{k}xf32>):
    %w = "graph.constant"() {{value = dense<"0x{hex}"> : tensor<{wt}xf32>}} : () -> tensor<{wt}xf32>
    %y = "{op}"(%arg0, %w){attrs} : (tensor<{m}x{k}xf32>, tensor<{wt}xf32>) -> tensor<{m}x{n}xf32>
    "func.return"(%y) : (tensor<{m}x{n}xf32>) -> ()
  }}) {{function_type = (tensor<{m}x{k}xf32>) -> tensor<{m}x{n}xf32>, sym_name = "main"}} : () -> ()
}}) : () -> ()"#,
        hex = hex(&stored)
    )
}

/// The elements of the module's one constant of `numel` elements.
fn weights_of(host: &strata_ir::Module, numel: usize) -> Vec<f32> {
    let found: Vec<Vec<f32>> = host
        .block(host.body())
        .ops
        .iter()
        .filter(|&&op| host.op(op).name == "host.global")
        .filter_map(|&op| match host.op(op).attrs.get("value") {
            Some(strata_ir::Attribute::Dense(t)) if t.numel() == numel => {
                Some(t.to_f64s().into_iter().map(|x| x as f32).collect())
            }
            _ => None,
        })
        .collect();
    assert_eq!(found.len(), 1, "one constant of {numel} elements");
    found.into_iter().next().unwrap()
}

/// Every kernel of `host` with products for the array, scheduled for `machine` and
/// simulated over its arguments: the `m × n` result zeroed, every other argument as
/// `fill` gives it for its shape. Each run's counters and result bytes.
fn run_array_kernels(
    host: &strata_ir::Module,
    machine: &SystolicTarget,
    (m, n): (usize, usize),
    fill: impl Fn(&[usize]) -> Vec<u8>,
) -> Vec<(strata_runtime::systolic::Counters, Vec<u8>)> {
    let mut runs = Vec::new();
    for (kernel, name) in strata_ir::loops::kernels(host).unwrap() {
        let Some(s) = kernel_schedule(host, kernel, machine).unwrap() else {
            continue;
        };
        let args = &host.block(strata_ir::loops::body_of(host, kernel)).args;
        let mut result = None;
        let mut dram: Vec<Vec<u8>> = Vec::new();
        for (i, &a) in args.iter().enumerate() {
            let dims = host
                .value_type(a)
                .as_memref()
                .unwrap()
                .shape
                .dims()
                .to_vec();
            if dims == [m, n] {
                result = Some(i);
                dram.push(vec![0; m * n * 4]);
            } else {
                dram.push(fill(&dims));
            }
        }
        let counters = simulate(machine, &s, &mut dram).unwrap();
        let result = result.unwrap_or_else(|| panic!("{name} writes no {m}x{n} result"));
        runs.push((counters, dram.swap_remove(result)));
    }
    runs
}

#[test]
fn a_matmul_model_runs_on_the_simulated_array() {
    run_product(false);
}

#[test]
fn a_gemm_with_transposed_weights_runs_on_the_simulated_array() {
    run_product(true);
}

fn run_product(transposed: bool) {
    let (m, k, n) = (64usize, 300usize, 200usize);
    let mut seed = 7u64;
    let w = values(k * n, &mut seed);
    let x = values(m * k, &mut seed);
    let text = product_model(transposed, (m, k, n), &w);
    let model = parse_module(&text).unwrap();
    let input = Tensor::from_vec(vec![m, k], x.clone()).unwrap();
    let expected = interp::run(&model, "main", std::slice::from_ref(&input)).unwrap();
    let expected: Vec<f64> = expected[0].to_f64s();

    // A 32x32 weight-stationary array (the rows take several reduction tiles).
    let machine =
        SystolicTarget::from_machine_file("preset = \"mxu-128\"\nrows = 32\ncols = 32\n").unwrap();
    let target = strata_abi::Target::Systolic(machine.clone());
    let (host, _) = run_pipeline(&model, FULL, Some(&target), false).unwrap();
    let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let runs = run_array_kernels(&host, &machine, (m, n), |dims| match dims {
        d if d == [m, k] => bytes(&x),
        // The weights as the pipeline stored them: `[k][n]` either way.
        d if d == [k, n] || d == [k * n] => {
            let stored = weights_of(&host, k * n);
            assert_eq!(stored, w, "the weights are stored [k][n]");
            bytes(&stored)
        }
        d => panic!("an argument of shape {d:?}"),
    });
    assert_eq!(runs.len(), 1, "{}", strata_ir::print_module(&host));
    for (counters, result) in runs {
        assert_eq!(counters.macs, (m * k * n) as u64);
        // One product, in the model's cycles.
        assert_eq!(
            counters.total_cycles,
            gemm_cycles(&machine, m as u64, k as u64, n as u64).unwrap()
        );
        let got: Vec<f32> = result
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        for i in 0..m {
            for j in 0..n {
                let scale: f64 = (0..k)
                    .map(|l| (x[i * k + l] * w[l * n + j]).abs() as f64)
                    .sum();
                let e = expected[i * n + j];
                assert!(
                    (got[i * n + j] as f64 - e).abs() <= 2f64.powi(-7) * scale + 1e-6,
                    "y[{i},{j}] = {} on the array, {e} interpreted",
                    got[i * n + j]
                );
            }
        }
    }
}

/// A quantized product (`u8` activations times `i8` weights, summed in i32), lowered
/// for an int8 machine: the pipeline takes it whole as a `loop.contract` on the 8-bit
/// buffers themselves (the widening casts read where the factors are; the weights,
/// folded to i32 constants, stored as `i8` again), the host program run by the loop
/// interpreter and the simulated array both give the graph interpreter's product exactly.
#[test]
fn an_integer_product_runs_on_the_int8_array() {
    let (m, k, n) = (20usize, 70usize, 24usize);
    let mut seed = 11u64;
    let mut byte = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 256) as u8
    };
    let x: Vec<u8> = (0..m * k).map(|_| byte()).collect();
    let w: Vec<u8> = (0..k * n).map(|_| byte()).collect();
    let hex: String = w.iter().map(|b| format!("{b:02X}")).collect();
    let text = format!(
        r#""builtin.module"() ({{
  "func.func"() ({{
  ^bb0(%arg0: tensor<{m}x{k}xui8>):
    %w = "graph.constant"() {{value = dense<"0x{hex}"> : tensor<{k}x{n}xi8>}} : () -> tensor<{k}x{n}xi8>
    %xi = "graph.cast"(%arg0) {{to = i32}} : (tensor<{m}x{k}xui8>) -> tensor<{m}x{k}xi32>
    %wi = "graph.cast"(%w) {{to = i32}} : (tensor<{k}x{n}xi8>) -> tensor<{k}x{n}xi32>
    %y = "graph.matmul"(%xi, %wi) : (tensor<{m}x{k}xi32>, tensor<{k}x{n}xi32>) -> tensor<{m}x{n}xi32>
    "func.return"(%y) : (tensor<{m}x{n}xi32>) -> ()
  }}) {{function_type = (tensor<{m}x{k}xui8>) -> tensor<{m}x{n}xi32>, sym_name = "main"}} : () -> ()
}}) : () -> ()"#
    );
    let model = parse_module(&text).unwrap();
    let input = Tensor::from_vec(vec![m, k], x.clone()).unwrap();
    let expected = interp::run(&model, "main", std::slice::from_ref(&input)).unwrap();
    let want: Vec<i32> = (0..m * n)
        .map(|e| {
            let (i, j) = (e / n, e % n);
            (0..k)
                .map(|l| x[i * k + l] as i32 * w[l * n + j] as i8 as i32)
                .sum()
        })
        .collect();
    assert_eq!(expected[0].as_slice::<i32>().unwrap(), &want[..]);

    let machine =
        SystolicTarget::from_machine_file("preset = \"tpu-v1\"\nrows = 16\ncols = 16\n").unwrap();
    let target = strata_abi::Target::Systolic(machine.clone());
    let (host, _) = run_pipeline(&model, FULL, Some(&target), false).unwrap();
    let printed = strata_ir::print_module(&host);
    let contract = printed
        .lines()
        .find(|l| l.contains("\"loop.contract\""))
        .unwrap_or_else(|| panic!("no loop.contract: {printed}"));
    assert!(
        contract.contains(&format!("memref<{m}x{k}xui8>")) && contract.contains("xi8>"),
        "the product reads the 8-bit buffers: {contract}"
    );
    // The host program on the loop interpreter.
    let main = host.function("main").unwrap();
    let ran = strata_ir::host::run_host(&host, main, std::slice::from_ref(&input)).unwrap();
    assert_eq!(ran[0].as_slice::<i32>().unwrap(), &want[..]);
    // The product's kernel on the simulated array.
    let runs = run_array_kernels(&host, &machine, (m, n), |dims| match dims {
        d if d == [m, k] => x.clone(),
        d if d == [k, n] || d == [k * n] => w.clone(),
        d => panic!("an argument of shape {d:?}"),
    });
    assert_eq!(runs.len(), 1, "{printed}");
    for (counters, result) in runs {
        assert_eq!(counters.macs, (m * k * n) as u64);
        let got: Vec<i32> = result
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        assert_eq!(got, want, "the array's product");
    }
}

#[test]
fn products_the_array_does_not_take_are_errors_naming_them() {
    // A product that adds to C, and one whose C is transposed (columns 8 apart): the
    // array's drain overwrites rows of contiguous columns.
    let kernel = |accumulate: bool, c_type: &str, n_dims: &str| {
        format!(
            r#""builtin.module"() ({{
  "loop.kernel"() ({{
  ^bb0(%arg0: memref<8x16xf32>, %arg1: memref<16x4xf32>, %arg2: {c_type}):
    %0 = "loop.apply"() {{map = affine_map<() -> (0)>}} : () -> index
    "loop.contract"(%arg0, %arg1, %arg2, %0, %0, %0) {{accumulate = {accumulate}, k_dims = array<i64: 16, 1, 4>, m_dims = array<i64: 8, 16, {m_c}>, n_dims = array<i64: {n_dims}>}} : (memref<8x16xf32>, memref<16x4xf32>, {c_type}, index, index, index) -> ()
  }}) {{sym_name = "k"}} : () -> ()
}}) : () -> ()"#,
            m_c = if c_type.contains("4x8") { 1 } else { 4 }
        )
    };
    let machine = SystolicTarget::default();
    for (text, expect) in [
        (kernel(true, "memref<8x4xf32>", "4, 1, 1"), "overwrites C"),
        (kernel(false, "memref<4x8xf32>", "4, 1, 8"), "C is strided"),
    ] {
        let host = parse_module(&text).unwrap();
        let (k, _) = strata_ir::loops::kernels(&host).unwrap()[0];
        let e = kernel_schedule(&host, k, &machine).unwrap_err().0;
        assert!(e.contains("loop.contract") && e.contains(expect), "{e}");
    }
}
