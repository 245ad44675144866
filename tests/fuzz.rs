//! The project's fuzzing: mutation harnesses for every door a user's bytes come through
//! (IR text, ONNX models, `.npy` arrays, module files, and module files through the C
//! API), each structure-aware where that finds more (deep nesting and huge numbers in IR
//! text; dims, attributes and types in ONNX; shapes and types in `.npy` headers; manifest
//! edits and constants in module files with the digest recomputed). An input may be
//! accepted or refused with an error; a panic, crash or hang is a failure (through the C
//! API a panic is `STRATA_ERROR_INTERNAL`, also a failure).
//!
//! Each kind runs for `STRATA_FUZZ_SECONDS` (default 3; the closing notes' runs used 600)
//! from a fixed seed (`STRATA_FUZZ_SEED` for others). Every reproducer ever found is
//! kept in `tests/fuzz/<kind>/` and replayed first. While a case runs it is also written
//! to `$TMPDIR/strata-fuzz-<kind>.current`, so that one that crashes the process (a
//! stack overflow, an abort) is left behind; one that runs past `HANG_SECONDS` is saved
//! there and the process exits with a message naming it.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

/// A case running longer than this is a hang.
const HANG_SECONDS: u64 = 20;

/// splitmix64: small, fast, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    /// A number a careless reader overflows on, or a small one.
    fn interesting(&mut self) -> i64 {
        const VALUES: [i64; 14] = [
            0,
            1,
            -1,
            2,
            255,
            65536,
            i32::MAX as i64,
            i32::MIN as i64,
            1 << 32,
            1 << 40,
            i64::MAX,
            i64::MIN,
            1_000_000_007,
            3,
        ];
        VALUES[self.below(VALUES.len())]
    }
}

/// Byte-level mutations: flips, interesting bytes, deletions, duplications, splices.
fn mutate_bytes(rng: &mut Rng, data: &mut Vec<u8>, others: &[Vec<u8>]) {
    let n = data.len();
    match rng.below(7) {
        0 if n > 0 => {
            let i = rng.below(n);
            data[i] ^= 1 << rng.below(8);
        }
        1 if n > 0 => {
            let i = rng.below(n);
            data[i] = [0u8, 0xff, 0x7f, 0x80, 1, b'9', b'-'][rng.below(7)];
        }
        2 if n > 1 => {
            let a = rng.below(n);
            let len = rng.below((n - a).min(64)) + 1;
            data.drain(a..a + len);
        }
        3 if n > 1 => {
            let a = rng.below(n);
            let len = rng.below((n - a).min(256)) + 1;
            let piece = data[a..a + len].to_vec();
            let at = rng.below(n);
            data.splice(at..at, piece);
        }
        4 if !others.is_empty() => {
            let o = &others[rng.below(others.len())];
            if !o.is_empty() {
                let a = rng.below(o.len());
                let len = rng.below((o.len() - a).min(256)) + 1;
                let at = rng.below(n + 1);
                data.splice(at..at, o[a..a + len].iter().copied());
            }
        }
        5 if n > 0 => data.truncate(rng.below(n)),
        _ if n >= 8 => {
            // An aligned little-endian integer overwritten (sizes, offsets, counts).
            let i = rng.below(n - 7) & !3;
            let v = rng.interesting().to_le_bytes();
            let w = if rng.chance(2) { 4 } else { 8 };
            data[i..i + w].copy_from_slice(&v[..w]);
        }
        _ => data.push(rng.below(256) as u8),
    }
}

/// Text-aware mutations of IR: deep nesting, huge numbers, lines dropped or repeated.
fn mutate_text(rng: &mut Rng, data: &mut Vec<u8>, others: &[Vec<u8>]) {
    let n = data.len();
    match rng.below(6) {
        0 => {
            let open = ["(", "[", "{a = ", "tensor<", "((", "[[", "\"f\"() ({\n"][rng.below(7)];
            let times = [10, 300, 30_000][rng.below(3)];
            let at = rng.below(n + 1);
            data.splice(at..at, open.repeat(times).into_bytes());
        }
        1 => {
            // A number replaced by one that overflows, or a size that is huge.
            let digits: Vec<usize> = (0..n).filter(|&i| data[i].is_ascii_digit()).collect();
            if let Some(&i) = digits.get(rng.below(digits.len().max(1))) {
                let mut j = i;
                while j < n && data[j].is_ascii_digit() {
                    j += 1;
                }
                let v = match rng.below(3) {
                    0 => rng.interesting().to_string(),
                    1 => "99999999999999999999999".into(),
                    _ => "4294967296".into(),
                };
                data.splice(i..j, v.into_bytes());
            }
        }
        2 | 3 => {
            let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
            if lines.len() > 1 {
                let mut lines: Vec<Vec<u8>> = lines.into_iter().map(<[u8]>::to_vec).collect();
                let i = rng.below(lines.len());
                if rng.chance(2) {
                    lines.remove(i);
                } else {
                    let l = lines[i].clone();
                    lines.insert(rng.below(lines.len()), l);
                }
                *data = lines.join(&b'\n');
            }
        }
        _ => mutate_bytes(rng, data, others),
    }
}

/// Mutations of ONNX models through their structure (dims, attributes, types, wiring),
/// or of their bytes.
fn mutate_onnx(rng: &mut Rng, data: &mut Vec<u8>, others: &[Vec<u8>]) {
    use prost::Message;
    use strata::onnx::proto::ModelProto;
    let Ok(mut m) = ModelProto::decode(data.as_slice()) else {
        return mutate_bytes(rng, data, others);
    };
    let Some(g) = m.graph.as_mut() else {
        return mutate_bytes(rng, data, others);
    };
    match rng.below(7) {
        0 => {
            let pick = rng.below(g.input.len() + g.output.len());
            let vis: Vec<_> = g.input.iter_mut().chain(g.output.iter_mut()).collect();
            if let Some(vi) = vis.into_iter().nth(pick) {
                let dims = vi
                    .r#type
                    .as_mut()
                    .and_then(|t| t.tensor_type.as_mut())
                    .and_then(|t| t.shape.as_mut())
                    .map(|s| &mut s.dim);
                if let Some(d) = dims.and_then(|d| {
                    let n = d.len();
                    d.get_mut(rng.below(n))
                }) {
                    d.dim_value = Some(rng.interesting());
                    d.dim_param = None;
                }
            }
        }
        1 => {
            let n = g.initializer.len();
            if let Some(t) = g.initializer.get_mut(rng.below(n)) {
                match rng.below(3) {
                    0 if !t.dims.is_empty() => {
                        let i = rng.below(t.dims.len());
                        t.dims[i] = rng.interesting();
                    }
                    1 => t.data_type = rng.below(24) as i32,
                    _ => t.dims.push(rng.interesting()),
                }
            }
        }
        2 => {
            let n = g.node.len();
            if let Some(node) = g.node.get_mut(rng.below(n)) {
                let k = node.attribute.len();
                if let Some(a) = node.attribute.get_mut(rng.below(k)) {
                    a.i = rng.interesting();
                    if !a.ints.is_empty() {
                        let i = rng.below(a.ints.len());
                        a.ints[i] = rng.interesting();
                    }
                    if rng.chance(3) {
                        a.r#type = rng.below(15) as i32;
                    }
                }
            }
        }
        3 => {
            let n = g.node.len();
            if let Some(node) = g.node.get_mut(rng.below(n)) {
                match rng.below(3) {
                    0 => {
                        node.input.pop();
                    }
                    1 => node
                        .input
                        .push(node.input.first().cloned().unwrap_or_default()),
                    _ => node.output.push("extra".into()),
                }
            }
        }
        4 => {
            for o in &mut m.opset_import {
                o.version = [1, 7, 11, 13, 18, 23, 99, -1][rng.below(8)];
            }
        }
        5 => {
            let vis: Vec<_> = g.input.iter_mut().collect();
            let n = vis.len();
            if let Some(vi) = vis.into_iter().nth(rng.below(n)) {
                if let Some(t) = vi.r#type.as_mut().and_then(|t| t.tensor_type.as_mut()) {
                    t.elem_type = rng.below(24) as i32;
                }
            }
        }
        _ => {
            *data = m.encode_to_vec();
            return mutate_bytes(rng, data, others);
        }
    }
    *data = m.encode_to_vec();
}

/// Mutations of `.npy` headers (shapes, types, order) or bytes.
fn mutate_npy(rng: &mut Rng, data: &mut Vec<u8>, others: &[Vec<u8>]) {
    let text = String::from_utf8_lossy(data).into_owned();
    let edited = match rng.below(4) {
        0 => {
            let huge = [
                "(4294967296, 4294967296)",
                "(0,)",
                "(-1,)",
                "(3037000500, 3037000500, 4)",
                "(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35)",
            ][rng.below(5)];
            text.find("'shape': (").and_then(|a| {
                let b = a + text[a..].find(')')? + 1;
                Some(format!("{}'shape': {huge}{}", &text[..a], &text[b..]))
            })
        }
        1 => {
            let descr =
                ["'<f8'", "'|b1'", "'>i4'", "'<c8'", "'<U3'", "'|O'", "'<f2'"][rng.below(7)];
            text.find("'descr': '").and_then(|a| {
                let start = a + "'descr': ".len();
                let end = start + 1 + text[start + 1..].find('\'')? + 1;
                Some(format!("{}{descr}{}", &text[..start], &text[end..]))
            })
        }
        2 => Some(text.replace("'fortran_order': False", "'fortran_order': True")),
        _ => None,
    };
    match edited {
        // The header is ASCII: its edits keep the data bytes after it as they were.
        Some(t) if data.is_ascii() => *data = t.into_bytes(),
        Some(_) | None => mutate_bytes(rng, data, others),
    }
}

/// Mutations of module files as a hostile editor makes them: the header, the section
/// table, the manifest (as bytes or as JSON), the constants or the executables' binding,
/// with the digest recomputed; never the code itself (native code is trusted as far as
/// its origin is: that is signing's job).
fn mutate_module(rng: &mut Rng, data: &mut Vec<u8>, others: &[Vec<u8>]) {
    use strata::runtime::format::{raw_sections, reseal, with_section};
    let Ok(sections) = raw_sections(data) else {
        return mutate_bytes(rng, data, others);
    };
    let choice = rng.below(4);
    let edited = match choice {
        3 => {
            let exes: Vec<_> = sections
                .iter()
                .filter(|(n, _)| n.starts_with("exe."))
                .collect();
            match exes.get(rng.below(exes.len())) {
                Some((name, code)) if code.len() >= 128 => {
                    let mut code = code.clone();
                    let i = rng.below(128);
                    code[i] ^= 1 << rng.below(8);
                    with_section(data, name, &code)
                }
                _ => return mutate_bytes(rng, data, others),
            }
        }
        0 => {
            // Header or table bytes.
            let end = 128 + 32 * sections.len();
            let i = 8 + rng.below(end.min(data.len()) - 8);
            let v = rng.interesting().to_le_bytes();
            let w = [1, 4, 8][rng.below(3)].min(data.len() - i);
            data[i..i + w].copy_from_slice(&v[..w]);
            reseal(data);
            return;
        }
        1 | 2 if sections.len() >= 2 => {
            let (name, mut bytes) = sections[choice - 1].clone();
            if choice == 1 && rng.chance(2) {
                if let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                    edit_json(rng, &mut json);
                    bytes = serde_json::to_vec(&json).unwrap_or(bytes);
                }
            } else {
                mutate_bytes(rng, &mut bytes, others);
            }
            with_section(data, &name, &bytes)
        }
        _ => return mutate_bytes(rng, data, others),
    };
    if let Ok(e) = edited {
        *data = e;
    }
}

/// One leaf of a JSON value changed (numbers to interesting ones, strings, booleans).
fn edit_json(rng: &mut Rng, v: &mut serde_json::Value) {
    use serde_json::Value as V;
    match v {
        V::Array(items) if !items.is_empty() => {
            let n = items.len();
            if rng.chance(8) {
                items.remove(rng.below(n));
            } else {
                let i = rng.below(n);
                edit_json(rng, &mut items[i]);
            }
        }
        V::Object(members) if !members.is_empty() => {
            let n = members.len();
            let key = members
                .keys()
                .nth(rng.below(n))
                .cloned()
                .unwrap_or_default();
            if let Some(x) = members.get_mut(&key) {
                edit_json(rng, x);
            }
        }
        V::Number(_) => *v = V::from(rng.interesting()),
        V::String(s) => s.push('x'),
        V::Bool(b) => *b = !*b,
        _ => *v = V::from(rng.interesting()),
    }
}

/// What one kind's run saw.
#[derive(Default, Debug)]
struct Counts {
    cases: usize,
    accepted: usize,
    errors: usize,
}

fn seconds() -> u64 {
    std::env::var("STRATA_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
}

fn regressions(kind: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz")
        .join(kind);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    out.sort();
    out
}

/// Runs `target` on the kind's regressions, then on mutations of `seeds` for the time
/// budget; panics (after all cases) if any case panicked, naming where each was saved.
fn fuzz(
    kind: &str,
    seeds: Vec<Vec<u8>>,
    mutate: fn(&mut Rng, &mut Vec<u8>, &[Vec<u8>]),
    target: impl Fn(&[u8]) -> Result<(), String>,
) -> Counts {
    assert!(!seeds.is_empty(), "{kind}: no seeds");
    let current = std::env::temp_dir().join(format!("strata-fuzz-{kind}.current"));
    let started = Arc::new(AtomicU64::new(0));
    let clock = Instant::now();
    let epoch = clock;
    {
        // The watchdog: a case past HANG_SECONDS is a hang.
        let (started, current) = (started.clone(), current.clone());
        let kind = kind.to_string();
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_secs(1));
            let s = started.load(Ordering::Relaxed);
            if s != 0 && epoch.elapsed().as_millis() as u64 - s > HANG_SECONDS * 1000 {
                eprintln!(
                    "fuzz {kind}: a case ran past {HANG_SECONDS} s (a hang); it is in {}",
                    current.display()
                );
                std::process::exit(3);
            }
        });
    }
    let found = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fuzz-found")
        .join(kind);
    // Panic messages can quote whole inputs: keep the first lines.
    std::panic::set_hook(Box::new(|info| {
        let text = info.to_string();
        let cut: String = text.chars().take(600).collect();
        eprintln!(
            "{cut}{}",
            if cut.len() < text.len() { " [...]" } else { "" }
        );
    }));
    let mut counts = Counts::default();
    let mut failures = Vec::new();
    let run = |input: &[u8], counts: &mut Counts, failures: &mut Vec<String>| {
        let _ = std::fs::write(&current, input);
        started.store(epoch.elapsed().as_millis().max(1) as u64, Ordering::Relaxed);
        let outcome = catch_unwind(AssertUnwindSafe(|| target(input)));
        started.store(0, Ordering::Relaxed);
        counts.cases += 1;
        match outcome {
            Ok(Ok(())) => counts.accepted += 1,
            Ok(Err(_)) => counts.errors += 1,
            Err(p) => {
                let msg = strata::conformance::panic_message(p.as_ref());
                std::fs::create_dir_all(&found).unwrap();
                let path = found.join(format!(
                    "{:016x}",
                    strata::runtime::format::content_hash(input)
                ));
                std::fs::write(&path, input).unwrap();
                failures.push(format!("{}: {msg}", path.display()));
            }
        }
    };
    for (path, input) in regressions(kind) {
        let before = failures.len();
        run(&input, &mut counts, &mut failures);
        if failures.len() > before {
            failures.push(format!("(the regression {})", path.display()));
        }
    }
    let seed = std::env::var("STRATA_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED);
    let mut rng = Rng(seed ^ kind.len() as u64);
    let budget = Duration::from_secs(seconds());
    while clock.elapsed() < budget {
        let mut input = seeds[rng.below(seeds.len())].clone();
        for _ in 0..1 + rng.below(3) {
            mutate(&mut rng, &mut input, &seeds);
        }
        run(&input, &mut counts, &mut failures);
    }
    let _ = std::fs::remove_file(&current);
    println!(
        "fuzz {kind}: {} cases in {:.0} s, {} accepted, {} clean errors, {} panics",
        counts.cases,
        clock.elapsed().as_secs_f64(),
        counts.accepted,
        counts.errors,
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "fuzz {kind}: {} panics (copy each to tests/fuzz/{kind}/ once fixed):\n{}",
        failures.len(),
        failures.join("\n")
    );
    counts
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every node test's model (a deterministic sample of them), for ONNX and, printed after
/// import, for IR text.
fn node_test_models(every: usize) -> Vec<PathBuf> {
    let dir = root().join(".cache/onnx-node-tests");
    let mut all: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/setup.sh)", dir.display()))
        .flatten()
        .map(|e| e.path().join("model.onnx"))
        .filter(|p| p.exists())
        .collect();
    all.sort();
    all.into_iter().step_by(every).collect()
}

#[test]
fn ir_text() {
    let mut seeds: Vec<Vec<u8>> = Vec::new();
    let mut stack = vec![root().join("tests/filetests")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "mlir") {
                seeds.push(std::fs::read(&p).unwrap());
            }
        }
    }
    for p in node_test_models(40) {
        if let Ok(m) = strata::onnx::import_file(&p, &Default::default()) {
            seeds.push(strata::ir::print_module(&m).into_bytes());
        }
    }
    fuzz("ir", seeds, mutate_text, |bytes| {
        let text = String::from_utf8_lossy(bytes);
        let m = strata::ir::parse_module(&text).map_err(|e| e.to_string())?;
        strata::ir::verify_module(&m).map_err(|e| e.to_string())
    });
}

#[test]
fn onnx_models() {
    let seeds: Vec<Vec<u8>> = node_test_models(8)
        .into_iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    fuzz("onnx", seeds, mutate_onnx, |bytes| {
        strata::onnx::import_model(bytes, None, &Default::default())
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
}

#[test]
fn npy_arrays() {
    use strata::ir::{npy, Tensor};
    let mut seeds: Vec<Vec<u8>> = Vec::new();
    for t in [
        Tensor::from_vec(vec![2, 3], vec![1f32, 2., 3., 4., 5., 6.]).unwrap(),
        Tensor::from_vec(vec![4], vec![1i64, -2, 3, 4]).unwrap(),
        Tensor::from_vec(vec![3], vec![true, false, true]).unwrap(),
        Tensor::from_vec(vec![2, 2], vec![1u8, 2, 3, 4]).unwrap(),
        Tensor::scalar(7i32),
    ] {
        seeds.push(npy::to_npy(&t).unwrap());
    }
    for e in std::fs::read_dir(root().join(".cache/models/mlp/inputs"))
        .unwrap()
        .flatten()
    {
        seeds.push(std::fs::read(e.path()).unwrap());
    }
    fuzz("npy", seeds, mutate_npy, |bytes| {
        let t = npy::from_npy(bytes).map_err(|e| e.to_string())?;
        // What was accepted writes back and reads again as itself (bit for bit: NaNs).
        let again = npy::from_npy(&npy::to_npy(&t).map_err(|e| e.to_string())?).unwrap();
        assert!(again.ty() == t.ty() && again.to_le_bytes() == t.to_le_bytes());
        Ok(())
    });
}

/// Module files to mutate: one-op modules for the CPU and the systolic machine, and the MLP.
fn module_seeds() -> Vec<Vec<u8>> {
    use strata::compile::{compile, CompileOptions};
    let mut seeds = Vec::new();
    for (op, ins, out) in [
        ("matmul", ["4x8", "8x3"], "4x3"),
        ("add", ["2x3", "2x3"], "2x3"),
    ] {
        let m = strata::ir::parse_module(&common::one_op(op, "", &ins, out)).unwrap();
        let options = CompileOptions::for_targets("cpu,systolic", &Default::default()).unwrap();
        seeds.push(compile(m, &options).unwrap().to_bytes().unwrap());
    }
    let mlp = root().join(".cache/models/mlp/model.onnx");
    let m = strata::load_model(&mlp, &Default::default()).unwrap();
    let options = CompileOptions::for_targets("cpu", &Default::default()).unwrap();
    seeds.push(compile(m, &options).unwrap().to_bytes().unwrap());
    seeds
}

#[test]
fn module_files() {
    use strata::runtime::{Module, Runtime, Tensor};
    let seeds = module_seeds();
    let runtime = Runtime::new();
    let devices = [
        runtime.cpu(Some(1)).unwrap(),
        runtime.device("systolic").unwrap(),
    ];
    fuzz("module", seeds, mutate_module, |bytes| {
        for d in &devices {
            let m = Module::from_bytes(d, bytes).map_err(|e| e.to_string())?;
            for f in &m.manifest().functions {
                if f.program(d.kind()).is_none() {
                    continue;
                }
                let func = m.function(&f.name).map_err(|e| e.to_string())?;
                let args: Vec<Tensor> = func
                    .inputs()
                    .iter()
                    .map(|s| Tensor::try_zeros(s.dtype, &s.shape))
                    .collect::<Result<_, _>>()
                    .map_err(|e| e.to_string())?;
                func.call(&args).map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    });
}

/// The C API on mutated module files: loading, the signature and tensor queries (one index
/// past the end included), a call with the declared sizes and one with an input a byte
/// short, which must be refused. A panic inside is `STRATA_ERROR_INTERNAL`: a failure here.
#[test]
fn c_api() {
    use std::ffi::{c_void, CStr, CString};
    use strata_runtime_c::*;
    let file = std::env::temp_dir().join(format!("strata-fuzz-capi-{}.strata", std::process::id()));
    let path = CString::new(file.to_str().unwrap()).unwrap();
    let mut device = std::ptr::null_mut();
    assert_eq!(
        unsafe { strata_device_create_cpu(1, &mut device) },
        STRATA_OK
    );
    let check = |status: i32, call: &str| -> Result<(), String> {
        let msg = unsafe { CStr::from_ptr(strata_last_error()) }
            .to_string_lossy()
            .into_owned();
        match status {
            STRATA_OK => Ok(()),
            STRATA_ERROR_INTERNAL => panic!("{call}: {msg}"),
            _ if msg.is_empty() => panic!("{call}: error {status} without a message"),
            _ => Err(format!("{call}: {msg}")),
        }
    };
    fuzz("capi", module_seeds(), mutate_module, |bytes| {
        std::fs::write(&file, bytes).map_err(|e| e.to_string())?;
        let mut module = std::ptr::null_mut();
        check(
            unsafe { strata_module_load(device, path.as_ptr(), &mut module) },
            "load",
        )?;
        let result = (|| {
            let main = CString::new("main").unwrap();
            let (mut n_in, mut n_out) = (0usize, 0usize);
            check(
                unsafe { strata_function_signature(module, main.as_ptr(), &mut n_in, &mut n_out) },
                "signature",
            )?;
            let mut sizes = [Vec::new(), Vec::new()];
            for (is_output, n) in [(0, n_in), (1, n_out)] {
                for i in 0..=n {
                    let mut info = std::mem::MaybeUninit::<StrataTensorInfo>::zeroed();
                    let status = unsafe {
                        strata_function_tensor_info(
                            module,
                            main.as_ptr(),
                            is_output,
                            i,
                            info.as_mut_ptr(),
                        )
                    };
                    if i == n {
                        assert_ne!(status, STRATA_OK, "tensor {i} of {n} answered");
                        check(status, "tensor_info past the end").unwrap_err();
                    } else {
                        check(status, "tensor_info")?;
                        sizes[is_output as usize].push(unsafe { info.assume_init() }.bytes);
                    }
                }
            }
            // Sizes come from the manifest: past this the call is not worth making.
            if sizes.iter().flatten().sum::<usize>() > 1 << 26 {
                return Ok(());
            }
            let mut ins: Vec<Vec<u8>> = sizes[0].iter().map(|&n| vec![0u8; n]).collect();
            let mut outs: Vec<Vec<u8>> = sizes[1].iter().map(|&n| vec![0u8; n]).collect();
            let call = |ins: &[Vec<u8>], outs: &mut [Vec<u8>]| {
                let in_ptrs: Vec<*const c_void> = ins.iter().map(|b| b.as_ptr() as _).collect();
                let in_bytes: Vec<usize> = ins.iter().map(Vec::len).collect();
                let out_bytes: Vec<usize> = outs.iter().map(Vec::len).collect();
                let out_ptrs: Vec<*mut c_void> =
                    outs.iter_mut().map(|b| b.as_mut_ptr() as _).collect();
                unsafe {
                    strata_function_call(
                        module,
                        main.as_ptr(),
                        in_ptrs.as_ptr(),
                        in_bytes.as_ptr(),
                        in_ptrs.len(),
                        out_ptrs.as_ptr(),
                        out_bytes.as_ptr(),
                        out_ptrs.len(),
                    )
                }
            };
            let status = call(&ins, &mut outs);
            check(status, "call")?;
            if let Some(first) = ins.iter_mut().find(|b| !b.is_empty()) {
                first.pop();
                let status = call(&ins, &mut outs);
                assert_ne!(status, STRATA_OK, "an input a byte short was taken");
                check(status, "short call").unwrap_err();
            }
            Ok(())
        })();
        unsafe { strata_module_release(module) };
        result
    });
    unsafe { strata_device_release(device) };
}
