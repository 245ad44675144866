//! Throughput under concurrent callers: calls per second of the project's MLP and MoE
//! (compiled for the CPU and Vulkan) with 1, 2, 4 and 8 threads calling the same
//! function at once. Rounds alternate the caller counts; the table gives each count's
//! median over the rounds. (Each Vulkan call records and waits on its own stream; on
//! lavapipe the kernels themselves run on the same two cores as the callers.)
//!
//! `cargo bench --bench callers` prints a Markdown table.

use std::time::{Duration, Instant};
use strata::compile::{compile, CompileOptions};
use strata::runtime::{Module, Runtime, Tensor};

mod common;
use common::{load_model, median};

const ROUNDS: usize = 5;
const CALLERS: [usize; 4] = [1, 2, 4, 8];

fn main() {
    let rt = Runtime::new();
    println!("| model | device | calls per caller | 1 caller (calls/s) | 2 | 4 | 8 | 8 / 1 |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for name in ["mlp", "moe"] {
        let options = CompileOptions::for_targets("cpu,vulkan", &Default::default()).unwrap();
        let bytes = compile(load_model(name), &options)
            .unwrap()
            .to_bytes()
            .unwrap();
        for device in ["cpu", "vulkan"] {
            let dev = if device == "cpu" {
                rt.cpu(None).unwrap()
            } else {
                rt.device(device).unwrap()
            };
            let module = Module::from_bytes(&dev, &bytes).unwrap();
            let f = module.function("main").unwrap();
            let args: Vec<Tensor> = f
                .inputs()
                .iter()
                .map(|s| {
                    let n: usize = s.shape.iter().product();
                    let v: Vec<f32> = (0..n).map(|i| ((i % 17) as f32 - 8.0) / 8.0).collect();
                    Tensor::from_slice(&s.shape, &v).unwrap()
                })
                .collect();
            // Calls per caller: about 0.2 s of one caller's work.
            let start = Instant::now();
            f.call(&args).unwrap();
            let one = start.elapsed().max(Duration::from_micros(20));
            let calls = ((0.2 / one.as_secs_f64()) as usize).clamp(2, 400);
            let mut times: Vec<Vec<Duration>> = vec![Vec::new(); CALLERS.len()];
            for _ in 0..ROUNDS {
                for (slot, &n) in times.iter_mut().zip(&CALLERS) {
                    let start = Instant::now();
                    std::thread::scope(|s| {
                        for _ in 0..n {
                            s.spawn(|| {
                                for _ in 0..calls {
                                    f.call(&args).unwrap();
                                }
                            });
                        }
                    });
                    slot.push(start.elapsed() / n as u32);
                }
            }
            // Calls per second over all callers: n * calls in n * (per-caller share).
            let rate: Vec<f64> = times
                .into_iter()
                .map(|t| calls as f64 / median(t).as_secs_f64())
                .collect();
            println!(
                "| {name} | {device} | {calls} | {:.0} | {:.0} | {:.0} | {:.0} | {:.2} |",
                rate[0],
                rate[1],
                rate[2],
                rate[3],
                rate[3] / rate[0]
            );
        }
    }
}
