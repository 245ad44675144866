//! The runtime under concurrent load: many threads calling the same functions of the
//! project's models at once, on the CPU and on Vulkan (lavapipe in CI). Every output
//! equals, bit for bit, what a single caller got for the same input; and where some
//! callers' inputs make a kernel fail (a Gather index out of range), exactly those calls
//! fail, naming the kernel, while the others' results stay right.

use std::sync::Arc;
use strata::compile::{compile, CompileOptions};
use strata::runtime::{Device, Module, Runtime, Tensor};

mod common;

fn models_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/models")
}

/// Caller threads, and calls each makes, per device (lavapipe runs kernels on the CPU,
/// far slower than the CPU device).
const THREADS: usize = 8;
fn calls_on(device: &str) -> usize {
    if device == "cpu" {
        24
    } else {
        6
    }
}

fn devices() -> Vec<(&'static str, Arc<dyn Device>)> {
    let rt = Runtime::new();
    vec![
        ("cpu", rt.cpu(Some(2)).unwrap()),
        ("vulkan", rt.device("vulkan").unwrap()),
    ]
}

fn compiled(m: strata::ir::Module) -> Vec<u8> {
    let options = CompileOptions::for_targets("cpu,vulkan", &Default::default()).unwrap();
    compile(m, &options).unwrap().to_bytes().unwrap()
}

/// Input sets for a function: its model's own inputs, each scaled by `1 + k/8`.
fn variants(name: &str, f: &strata::runtime::Function, n: usize) -> Vec<Vec<Tensor>> {
    let dir = models_dir().join(name).join("inputs");
    (0..n)
        .map(|k| {
            f.inputs()
                .iter()
                .map(|s| {
                    let t = common::load(&dir.join(format!("{}.npy", s.name)));
                    let scale = 1.0 + k as f32 / 8.0;
                    let v: Vec<f32> = t.to_f64s().iter().map(|&x| x as f32 * scale).collect();
                    Tensor::from_slice(&s.shape, &v).unwrap()
                })
                .collect()
        })
        .collect()
}

#[test]
fn many_callers_get_what_one_caller_gets() {
    let mut lines = Vec::new();
    for name in ["mlp", "moe"] {
        let path = models_dir().join(name).join("model.onnx");
        let bytes = compiled(strata::load_model(&path, &Default::default()).unwrap());
        for (device, dev) in devices() {
            let module = Module::from_bytes(&dev, &bytes).unwrap();
            let f = module.function("main").unwrap();
            let inputs = variants(name, &f, 4);
            let want: Vec<Vec<Tensor>> = inputs.iter().map(|i| f.call(i).unwrap()).collect();
            let start = std::time::Instant::now();
            let calls = calls_on(device);
            std::thread::scope(|s| {
                for t in 0..THREADS {
                    let (f, inputs, want) = (&f, &inputs, &want);
                    s.spawn(move || {
                        for c in 0..calls {
                            let k = (t + c) % inputs.len();
                            let got = f.call(&inputs[k]).unwrap();
                            for (g, w) in got.iter().zip(&want[k]) {
                                assert!(
                                    g.bytes() == w.bytes(),
                                    "{name} on {device}: thread {t}, call {c}: differs from one caller's result"
                                );
                            }
                        }
                    });
                }
            });
            lines.push(format!(
                "{name} on {device}: {THREADS} threads x {calls} calls in {:.2} s, all equal to one caller's",
                start.elapsed().as_secs_f64()
            ));
        }
    }
    println!("{}", lines.join("\n"));
}

#[test]
fn a_failing_call_fails_alone() {
    let text = r#""builtin.module"() ({
  "func.func"() ({
  ^bb0(%arg0: tensor<64x16xf32>, %arg1: tensor<8xi64>):
    %0 = "graph.gather"(%arg0, %arg1) {axis = 0 : i64} : (tensor<64x16xf32>, tensor<8xi64>) -> tensor<8x16xf32>
    %1 = "graph.relu"(%0) : (tensor<8x16xf32>) -> tensor<8x16xf32>
    "func.return"(%1) : (tensor<8x16xf32>) -> ()
  }) {function_type = (tensor<64x16xf32>, tensor<8xi64>) -> tensor<8x16xf32>, sym_name = "main"} : () -> ()
}) : () -> ()
"#;
    let bytes = compiled(strata::ir::parse_module(text).unwrap());
    let data: Vec<f32> = (0..64 * 16).map(|i| (i % 37) as f32 - 18.0).collect();
    let data = Tensor::from_slice(&[64, 16], &data).unwrap();
    let good = |k: i64| Tensor::from_slice(&[8], &[k, 1, 2, 3, 63, -1, 7, 9]).unwrap();
    let bad = Tensor::from_slice(&[8], &[0i64, 1, 2, 300, 4, 5, 6, 7]).unwrap();
    for (device, dev) in devices() {
        let module = Module::from_bytes(&dev, &bytes).unwrap();
        let f = module.function("main").unwrap();
        let want: Vec<Tensor> = (0..4)
            .map(|k| f.call(&[data.clone(), good(k)]).unwrap().remove(0))
            .collect();
        let calls = 2 * calls_on(device);
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let (f, want, data, bad) = (&f, &want, &data, &bad);
                s.spawn(move || {
                    for c in 0..calls {
                        // Odd threads send a bad index every third call.
                        if t % 2 == 1 && c % 3 == 0 {
                            let e = f.call(&[data.clone(), bad.clone()]).err();
                            let e = e.unwrap_or_else(|| {
                                panic!("{device}: thread {t}, call {c}: an index of 300 in 64 rows was accepted")
                            });
                            assert!(e.to_string().contains("out of"), "{device}: {e}");
                        } else {
                            let k = (t + c) % 4;
                            let got = f.call(&[data.clone(), good(k as i64)]);
                            let got = got.unwrap_or_else(|e| {
                                panic!("{device}: thread {t}, call {c}: a good call failed: {e}")
                            });
                            assert!(got[0].bytes() == want[k].bytes(), "{device}: thread {t}, call {c}");
                        }
                    }
                });
            }
        });
    }
}
