//! Models with weights too large to be careless with (scripts/models.py): an MLP with
//! 1 GiB of weights in the external-data format compiles and runs in under 1.5× its
//! weights' size of memory, and a VGG-sized ConstantOfShape weight stays one element in
//! the module. In a test binary of its own: the peak memory of the `strata` processes it
//! starts is read from `getrusage(RUSAGE_CHILDREN)`, which no other test's children may
//! raise.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{load, max_abs_diff};

fn model_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".cache/models")
        .join(name);
    assert!(
        dir.join("model.onnx").exists(),
        "{} is missing: run scripts/setup.sh",
        dir.display()
    );
    dir
}

/// Runs `strata ARGS`, asserting success.
fn strata(args: &[&std::ffi::OsStr]) {
    let (ok, err) = common::strata(args);
    assert!(ok, "strata {args:?} failed: {err}");
}

/// The largest resident set of any child process waited for so far, in bytes.
fn children_peak_bytes() -> u64 {
    // Safety: getrusage writes the struct it is given and nothing else.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) }, 0);
    u.ru_maxrss as u64 * 1024
}

#[test]
fn weights_of_a_gigabyte_compile_and_run_in_under_one_and_a_half_times_their_size() {
    let dir = model_dir("big_mlp");
    let weights = std::fs::metadata(dir.join("weights.bin")).unwrap().len();
    assert!(
        weights >= 1 << 30,
        "the model has {weights} bytes of weights"
    );
    let work = std::env::temp_dir().join(format!("strata-big-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let module = work.join("big.strata");
    strata(&[
        "compile".as_ref(),
        dir.join("model.onnx").as_os_str(),
        "--target".as_ref(),
        "cpu".as_ref(),
        "-o".as_ref(),
        module.as_os_str(),
    ]);
    let compile_peak = children_peak_bytes();
    let input = format!("x={}", dir.join("inputs/x.npy").display());
    strata(&[
        "run".as_ref(),
        module.as_os_str(),
        "-i".as_ref(),
        input.as_ref(),
        "--output-dir".as_ref(),
        work.as_os_str(),
    ]);
    let peak = children_peak_bytes();
    let y = load(&work.join("y.npy"));
    let _ = std::fs::remove_dir_all(&work);
    let expected = load(&dir.join("expected/y.npy"));
    let diff = max_abs_diff(&y, &expected);
    let ratio = |b: u64| b as f64 / weights as f64;
    println!(
        "big_mlp ({weights} bytes of weights): peak {:.2}x the weights compiling, {:.2}x over compiling and running; max abs diff vs onnxruntime {diff:.3e}",
        ratio(compile_peak),
        ratio(peak)
    );
    assert!(diff <= 1e-4, "max abs diff {diff}");
    assert!(
        ratio(compile_peak) < 1.5 && ratio(peak) < 1.5,
        "peak memory {compile_peak} bytes compiling, {peak} running, for {weights} bytes of weights"
    );
}

/// A ConstantOfShape weight of [4096, 25088] (411 MB if built) stays one element: the
/// kernel that broadcasts it is fused into the product that reads it, so the module file
/// stays small, nothing is materialized at run time (an empty arena), and the CPU's and
/// Vulkan's results match onnxruntime.
#[test]
fn a_splat_weight_is_one_element_in_the_module() {
    let dir = model_dir("splat_fc");
    let work = std::env::temp_dir().join(format!("strata-splat-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let module = work.join("splat.strata");
    strata(&[
        "compile".as_ref(),
        dir.join("model.onnx").as_os_str(),
        "--target".as_ref(),
        "cpu,vulkan".as_ref(),
        "-o".as_ref(),
        module.as_os_str(),
    ]);
    let size = std::fs::metadata(&module).unwrap().len();
    println!("splat_fc: module file of {size} bytes");
    assert!(size < 1 << 20, "the module file has {size} bytes");
    let input = format!("x={}", dir.join("inputs/x.npy").display());
    let run = |device: &str| {
        Command::new(env!("CARGO_BIN_EXE_strata"))
            .args([
                "run".as_ref(),
                module.as_os_str(),
                "--device".as_ref(),
                device.as_ref(),
            ])
            .args(["-i".as_ref(), std::ffi::OsStr::new(&input)])
            .args(["--output-dir".as_ref(), work.join(device).as_os_str()])
            .output()
            .unwrap()
    };
    let expected = load(&dir.join("expected/y.npy"));
    for device in ["cpu", "vulkan"] {
        let out = run(device);
        assert!(
            out.status.success(),
            "{device}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let y = load(&work.join(device).join("y.npy"));
        let diff = max_abs_diff(&y, &expected);
        println!("splat_fc on {device}: max abs diff vs onnxruntime {diff:.3e}");
        assert!(diff <= 1e-4, "{device}: max abs diff {diff}");
    }
    let inspect = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["inspect".as_ref(), module.as_os_str()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&inspect.stdout);
    assert!(
        text.lines()
            .filter(|l| l.contains("arena bytes"))
            .all(|l| l.contains(" 0 arena bytes")),
        "the splat is materialized:\n{text}"
    );
    let _ = std::fs::remove_dir_all(&work);
}
