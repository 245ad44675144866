//! Simulates one matrix product on a systolic machine and writes its timeline:
//! `cargo run --release -p strata-systolic --example gemm_timeline -- MxKxN PRESET|FILE.toml out.svg`.

use strata_abi::SystolicTarget;
use strata_systolic::{gemm, gemm_cycles, Matrix};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dims, machine, out] = args.as_slice() else {
        return Err("usage: gemm_timeline MxKxN PRESET|FILE.toml out.svg".into());
    };
    let d: Vec<u64> = dims
        .split('x')
        .map(|x| x.parse())
        .collect::<Result<_, _>>()?;
    let [m, k, n] = d[..] else {
        return Err(format!("'{dims}' is not MxKxN").into());
    };
    let t = if machine.ends_with(".toml") {
        SystolicTarget::from_machine_file(&std::fs::read_to_string(machine)?)?
    } else {
        SystolicTarget::preset(machine)?
    };
    let mat = |buffer: u32, cols: u64| Matrix {
        buffer,
        offset: 0,
        row_bytes: cols * 4,
    };
    let s = gemm(&t, (m, k, n), mat(0, k), mat(1, n), mat(2, n))?;
    let mut dram = vec![
        vec![0u8; (m * k * 4) as usize],
        vec![0u8; (k * n * 4) as usize],
        vec![0u8; (m * n * 4) as usize],
    ];
    let (c, spans) = strata_runtime::systolic::simulate_traced(&t, &s, &mut dram)?;
    let title = format!(
        "{m}x{k}x{n} on {machine}: {} cycles (model {}), array busy {:.1}%, {} instructions",
        c.total_cycles,
        gemm_cycles(&t, m, k, n)?,
        100.0 * c.busy(),
        s.instrs.len()
    );
    std::fs::write(out, strata_runtime::systolic::timeline_svg(&spans, &title))?;
    println!("{title}");
    Ok(())
}
