//! Kernels compiled for Vulkan and run on the device (lavapipe in CI):
//! - f64 math the GPU back end builds itself (GLSL.std.450 stops at 32 bits), against
//!   libm: exp and log over every binade and their special values, and the functions built
//!   on them;
//! - contractions whose operand tiles are staged in workgroup memory, against the
//!   reference interpreter.

use strata::compile::{compile, CompileOptions};
use strata::ir::kernel::approx::{EXP_MAX_REL_ERROR, LOG_MAX_REL_ERROR};
use strata::ir::parse_module;
use strata::runtime::{Module, Runtime, Tensor};

mod common;
use common::{call_f32, max_diff_to, one_op};

/// Runs `graph.<op>` elementwise over `xs` (f64) on the Vulkan device.
fn on_vulkan(op: &str, xs: &[f64]) -> Vec<f64> {
    let n = xs.len();
    let text = format!(
        r#""builtin.module"() ({{
  "func.func"() ({{
  ^bb0(%x: tensor<{n}xf64>):
    %y = "graph.{op}"(%x) : (tensor<{n}xf64>) -> tensor<{n}xf64>
    "func.return"(%y) : (tensor<{n}xf64>) -> ()
  }}) {{function_type = (tensor<{n}xf64>) -> tensor<{n}xf64>, sym_name = "main"}} : () -> ()
}}) : () -> ()
"#
    );
    let graph = parse_module(&text).unwrap();
    let options = CompileOptions {
        validate: true,
        ..CompileOptions::for_targets("vulkan", &Default::default()).unwrap()
    };
    let file = compile(graph.clone(), &options).unwrap();
    let device = Runtime::new().device("vulkan").unwrap();
    let module = Module::from_file(&device, file).unwrap();
    let x = Tensor::from_slice(&[n], xs).unwrap();
    let out = module.function("main").unwrap().call(&[x]).unwrap();
    out[0].to_vec::<f64>().unwrap()
}

/// Inputs over every binade of both signs, plus the special values.
fn inputs() -> Vec<f64> {
    let mut xs: Vec<f64> = (-1074..1024)
        .step_by(3)
        .flat_map(|e| [1.0, 1.37, 1.999].map(|m| m * 2f64.powi(e)))
        .flat_map(|x| [x, -x])
        .collect();
    xs.extend((-2000..=2000).map(|i| i as f64 / 1000.0));
    xs.extend([
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        f64::MIN_POSITIVE,
        f64::from_bits(1),
        709.78,
        -745.0,
    ]);
    xs
}

/// Checks `got` against `want` (libm): equal where `want` is special, within `bound`
/// relative error where it is normal, within 2 of the smallest subnormal below that.
fn check(name: &str, xs: &[f64], got: &[f64], want: impl Fn(f64) -> f64, bound: f64) {
    let mut worst: f64 = 0.0;
    for (&x, &g) in xs.iter().zip(got) {
        let w = want(x);
        let ok = if w.is_nan() {
            g.is_nan()
        } else if w.is_infinite() || w == 0.0 {
            g == w
        } else if w.is_subnormal() {
            (g - w).abs() <= 2.0 * f64::from_bits(1)
        } else {
            let rel = ((g - w) / w).abs();
            worst = worst.max(rel);
            rel <= bound
        };
        assert!(ok, "{name}({x:e}) = {g:e} on Vulkan, libm says {w:e}");
    }
    println!(
        "f64 {name} on Vulkan: worst relative error {:.2} ε over {} inputs",
        worst / f64::EPSILON,
        xs.len()
    );
}

#[test]
fn f64_exp_and_log_match_libm_on_vulkan() {
    let xs = inputs();
    // exp's argument range is small: also the log of every input, which covers it densely.
    let mut exp_xs = xs.clone();
    exp_xs.extend(xs.iter().filter(|x| **x > 0.0).map(|x| x.ln()));
    let got = on_vulkan("exp", &exp_xs);
    check("exp", &exp_xs, &got, f64::exp, EXP_MAX_REL_ERROR);
    let got = on_vulkan("log", &xs);
    check("log", &xs, &got, f64::ln, LOG_MAX_REL_ERROR);
}

#[test]
fn f64_functions_built_on_exp_and_log_match_libm_on_vulkan() {
    let xs: Vec<f64> = (-40_000..=40_000)
        .map(|i| i as f64 / 100.0)
        .chain([f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 1e-300, -1e-300])
        .collect();
    // A few ε more than exp's: one division or one log1p on top.
    let bound = 8.0 * f64::EPSILON;
    let got = on_vulkan("sigmoid", &xs);
    check("sigmoid", &xs, &got, |x| 1.0 / (1.0 + (-x).exp()), bound);
    let got = on_vulkan("softplus", &xs);
    let softplus = |x: f64| {
        if x.is_nan() {
            x
        } else {
            x.max(0.0) + (-x.abs()).exp().ln_1p()
        }
    };
    check("softplus", &xs, &got, softplus, bound);
}

#[test]
fn contractions_with_staged_operands_match_the_interpreter_on_vulkan() {
    let cases = [
        ("matmul", "", vec!["16x96", "96x64"], "16x64"),
        ("matmul", "", vec!["4x8x160", "4x160x32"], "4x8x32"),
        (
            "gemm",
            "{transB = 1 : i64}",
            vec!["32x200", "48x200"],
            "32x48",
        ),
    ];
    let device = Runtime::new().device("vulkan").unwrap();
    for (op, attrs, inputs, output) in cases {
        let text = one_op(op, attrs, &inputs, output);
        let graph = parse_module(&text).unwrap();
        let options = CompileOptions {
            validate: true,
            ..CompileOptions::for_targets("vulkan", &Default::default()).unwrap()
        };
        let host = strata::compile::lower_to_host(&graph, &options.targets[0], &options).unwrap();
        let staged = strata::ir::print_module(&host)
            .matches("loop.alloca")
            .count();
        assert!(staged > 0, "{op} {inputs:?}: nothing staged");
        let tensors: Vec<strata::ir::Tensor> = inputs
            .iter()
            .enumerate()
            .map(|(k, t)| {
                let dims: Vec<usize> = t.split('x').map(|d| d.parse().unwrap()).collect();
                strata::ir::Tensor::from_f64_fn(
                    strata::ir::ElementType::F32,
                    dims.into(),
                    move |i| ((i * (7919 + k)) % 103) as f64 / 51.0 - 1.0,
                )
            })
            .collect();
        let want = strata::ir::interp::run(&graph, "main", &tensors).unwrap()[0].to_f64s();
        let file = compile(graph.clone(), &options).unwrap();
        let module = Module::from_file(&device, file).unwrap();
        let diff = max_diff_to(&call_f32(&module, &tensors), &want);
        println!("{op} {inputs:?}: {staged} staged tile(s), max abs diff {diff:.2e}");
        // The interpreter rounds its sums its own way: a few ulp of 100–200-term f32 sums.
        assert!(diff < 1e-4, "{op} {inputs:?}: {diff}");
    }
}

/// llvmpipe ends every loop of an invocation once it has run 65535 iterations in all and
/// keeps what the loops had computed. A long reduction that stays under the count is
/// exact (a 1×60000 · 60000×8 product once lost every term past the 21,700th: the
/// per-invocation column loop, one iteration long, counted double); a longer one is
/// unrolled under the count (200,000 terms: 8 per pass); one past what unrolling brings
/// under it is refused by name when it is loaded, not run to a wrong result.
#[test]
fn long_reductions_run_exactly_or_are_refused_on_lavapipe() {
    let device = Runtime::new().device("vulkan").unwrap();
    let options = CompileOptions {
        validate: true,
        ..CompileOptions::for_targets("vulkan", &Default::default()).unwrap()
    };
    let lavapipe = device.description().contains("llvmpipe");
    for (k, n, fits) in [
        (60000usize, 8usize, true),
        (200_000, 1, true),
        (1_000_000, 1, false),
    ] {
        let text = one_op(
            "matmul",
            "",
            &[&format!("1x{k}"), &format!("{k}x{n}")],
            &format!("1x{n}"),
        );
        let file = compile(parse_module(&text).unwrap(), &options).unwrap();
        let loaded = Module::from_file(&device, file);
        if !fits && lavapipe {
            let e = loaded.err().expect("refused").to_string();
            assert!(
                e.contains("main_k0") && e.contains("loop iterations per invocation"),
                "{e}"
            );
            continue;
        }
        let module = loaded.unwrap();
        // x = 1 and w[i][j] = j + 1 (exact in f32): every column sums to k·(j + 1).
        let x = Tensor::from_slice(&[1, k], &vec![1.0f32; k]).unwrap();
        let w: Vec<f32> = (0..k * n).map(|i| (i % n + 1) as f32).collect();
        let w = Tensor::from_slice(&[k, n], &w).unwrap();
        let got = module.function("main").unwrap().call(&[x, w]).unwrap()[0]
            .to_vec::<f32>()
            .unwrap();
        let want: Vec<f32> = (0..n).map(|j| (k * (j + 1)) as f32).collect();
        assert_eq!(got, want, "1x{k} · {k}x{n}");
    }
}
