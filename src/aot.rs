//! Ahead-of-time compilation for Rust programs: in a `build.rs`, compile an ONNX model
//! into a static library of its kernels plus a generated Rust module with a typed entry
//! point. The program links the kernels statically and embeds the weights; at run time it
//! needs no compiler, no LLVM, no runtime and no model file.
//!
//! ```no_run
//! // build.rs: compile model.onnx into $OUT_DIR as Rust module `mlp`.
//! strata::aot::build_script("model.onnx", "mlp").unwrap();
//! // main.rs:
//! //     include!(concat!(env!("OUT_DIR"), "/mlp.rs"));
//! //     let mut logits = [0f32; 80];
//! //     mlp::main(&x, &mut logits)?;
//! ```
//!
//! The generated module has one function per host function, taking each input as
//! `&[T; N]` and each output as `&mut [T; N]` (row-major, `N` the element count; 16-bit
//! floats as `u16` bits), and constants describing every tensor's name and shape. It runs
//! workgroups one after another on the calling thread.

use crate::compile::{lower_to_host, CompileOptions, CpuRequest};
use crate::ir;
use anyhow::{anyhow, bail, Context as _};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use strata_passes::host::package::Compiled;
use strata_runtime::format::{BufferRef, Command, ExecutableFormat, Memory};
use strata_runtime::{DType, TargetKind};

/// What [`compile`] wrote.
#[derive(Clone, Debug)]
pub struct AotArtifacts {
    /// `lib<library>.a`: the kernels.
    pub archive: PathBuf,
    /// The name to link (`cargo:rustc-link-lib=static=<library>`).
    pub library: String,
    /// The generated Rust module (`<name>.rs`), for `include!`.
    pub rust_module: PathBuf,
    /// The weights, embedded by the Rust module with `include_bytes!`.
    pub constants: PathBuf,
}

fn rust_type(d: DType) -> &'static str {
    match d {
        DType::F32 => "f32",
        DType::F64 => "f64",
        DType::F16 | DType::BF16 => "u16",
        DType::I8 => "i8",
        DType::I16 => "i16",
        DType::I32 => "i32",
        DType::I64 => "i64",
        DType::U8 => "u8",
        DType::U16 => "u16",
        DType::U32 => "u32",
        DType::U64 => "u64",
        DType::Bool => "bool",
        // Storage types cross the C boundary as their bytes.
        strata_abi::storage_types!() => "u8",
    }
}

/// A Rust identifier for a tensor name, unique among `taken`.
fn identifier(name: &str, taken: &mut Vec<String>) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 't');
    }
    const KEYWORDS: &[&str] = &[
        "as",
        "break",
        "const",
        "continue",
        "crate",
        "else",
        "enum",
        "extern",
        "false",
        "fn",
        "for",
        "if",
        "impl",
        "in",
        "let",
        "loop",
        "match",
        "mod",
        "move",
        "mut",
        "pub",
        "ref",
        "return",
        "self",
        "static",
        "struct",
        "super",
        "trait",
        "true",
        "type",
        "unsafe",
        "use",
        "where",
        "while",
        "async",
        "await",
        "dyn",
        "abstract",
        "become",
        "box",
        "do",
        "final",
        "macro",
        "override",
        "priv",
        "typeof",
        "unsized",
        "virtual",
        "yield",
        "try",
        "gen",
        "arena",
        "constants",
        "ptrs",
    ];
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    let base = s.clone();
    let mut k = 1;
    while taken.contains(&s) {
        s = format!("{base}_{k}");
        k += 1;
    }
    taken.push(s.clone());
    s
}

/// Checks that `name` can name a Rust module and a C symbol.
fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        bail!("the AOT name '{name}' must be a lowercase Rust identifier ([a-z][a-z0-9_]*)");
    }
    Ok(())
}

/// Compiles `model` (any level) for the CPU `cpu` into `out_dir`: the kernels' static
/// library, the weights, and Rust module `name` with the typed entry points.
pub fn compile(
    model: &ir::Module,
    name: &str,
    out_dir: &Path,
    cpu: &CpuRequest,
) -> anyhow::Result<AotArtifacts> {
    check_name(name)?;
    let prefix = format!("strata_{name}_");
    let target = crate::compile::describe_target(TargetKind::Cpu, cpu)?;
    let options = CompileOptions {
        symbol_prefix: prefix.clone(),
        ..CompileOptions::new(vec![target.clone()])
    };
    let host = lower_to_host(model, &target, &options)?;
    let object = strata_llvm::compile_object(&host, &prefix)?;
    // The module file's manifest, packaged as for the runtime, is what the generated
    // code runs: programs, constants and entry points, checked.
    let file = strata_passes::host::package::package(
        &[(
            &host,
            Compiled {
                format: ExecutableFormat::ElfSharedObject,
                bytes: Default::default(),
                symbol_prefix: prefix.clone(),
                features: Vec::new(),
                loop_iterations: Default::default(),
            },
        )],
        "strata aot",
    )
    .map_err(|e| anyhow!(e))?;
    let functions = file.manifest.functions;
    let constants = file.constants;
    let symbols: Vec<String> = file
        .manifest
        .executables
        .first()
        .map(|e| e.entry_points.iter().map(|p| p.symbol.clone()).collect())
        .unwrap_or_default();
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create '{}'", out_dir.display()))?;
    let library = format!("strata_{name}");
    let object_path = out_dir.join(format!("{library}.o"));
    let archive = out_dir.join(format!("lib{library}.a"));
    std::fs::write(&object_path, &object)
        .with_context(|| format!("cannot write '{}'", object_path.display()))?;
    let _ = std::fs::remove_file(&archive);
    let ar = std::env::var("AR").unwrap_or_else(|_| "ar".into());
    let out = std::process::Command::new(&ar)
        .arg("crs")
        .arg(&archive)
        .arg(&object_path)
        .output()
        .with_context(|| format!("cannot run the archiver '{ar}'"))?;
    if !out.status.success() {
        bail!(
            "the archiver '{ar}' failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let constants_path = out_dir.join(format!("{name}.constants.bin"));
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(&constants_path)
            .with_context(|| format!("cannot write '{}'", constants_path.display()))?,
    );
    constants.write_to(&mut out)?;
    std::io::Write::flush(&mut out)
        .with_context(|| format!("cannot write '{}'", constants_path.display()))?;

    let mut src = String::new();
    let w = &mut src;
    let _ = writeln!(
        w,
        "// Generated by strata::aot ({}). Do not edit.\n",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(w, "/// The model compiled ahead of time by Strata.");
    let _ = writeln!(w, "#[allow(dead_code, clippy::all)]\npub mod {name} {{");
    let _ = writeln!(
        w,
        "    #[repr(C, align(64))]\n    struct Aligned<T: ?Sized>(T);\n    static CONSTANTS: &Aligned<[u8; {}]> = &Aligned(*include_bytes!({:?}));\n",
        constants.len(),
        constants_path.display().to_string()
    );
    let _ = writeln!(w, "    extern \"C\" {{");
    for symbol in &symbols {
        let _ = writeln!(
            w,
            "        fn {symbol}(bindings: *const *mut u8, x: i64, y: i64, z: i64) -> i32;"
        );
    }
    let _ = writeln!(w, "    }}\n");
    let _ = writeln!(
        w,
        r#"    /// A kernel reported an error: an index in the data (a gather's, a scatter's) out
    /// of bounds.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Error {{
        pub kernel: &'static str,
        pub status: i32,
    }}

    impl std::fmt::Display for Error {{
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{
            match self.status {{
                {out_of_bounds} => write!(f, "kernel '{{}}': {out_of_bounds_message}", self.kernel),
                s => write!(f, "kernel '{{}}': status {{s}}", self.kernel),
            }}
        }}
    }}

    impl std::error::Error for Error {{}}

    /// A tensor's name, element type and shape.
    pub struct TensorInfo {{
        pub name: &'static str,
        pub dtype: &'static str,
        pub shape: &'static [usize],
    }}

    #[repr(C, align(64))]
    #[derive(Clone, Copy)]
    struct Block([u8; 64]);

    type Kernel = {kernel_fn};

    /// Runs every workgroup of a kernel.
    ///
    /// # Safety
    /// `ptrs` holds one pointer per kernel argument, each to a buffer of its size.
    unsafe fn dispatch(f: Kernel, name: &'static str, ptrs: &[*mut u8], grid: [i64; 3]) -> Result<(), Error> {{
        for z in 0..grid[2] {{
            for y in 0..grid[1] {{
                for x in 0..grid[0] {{
                    let status = f(ptrs.as_ptr(), x, y, z);
                    if status != {ok} {{
                        return Err(Error {{ kernel: name, status }});
                    }}
                }}
            }}
        }}
        Ok(())
    }}
"#,
        kernel_fn = strata_abi::kernel::KERNEL_FN_RUST,
        ok = strata_abi::Status::OK,
        out_of_bounds = strata_abi::Status::OUT_OF_BOUNDS,
        out_of_bounds_message = strata_abi::Status::OutOfBounds.message(),
    );
    for f in &functions {
        let mut taken = Vec::new();
        let fname = identifier(&f.name, &mut Vec::new());
        let upper = fname.to_uppercase();
        let info = |specs: &[strata_runtime::TensorSpec]| {
            specs
                .iter()
                .map(|s| {
                    format!(
                        "TensorInfo {{ name: {:?}, dtype: {:?}, shape: &{:?} }}",
                        s.name,
                        s.dtype.name(),
                        s.shape
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            w,
            "    /// The inputs of [`{fname}`].\n    pub const {upper}_INPUTS: &[TensorInfo] = &[{}];",
            info(&f.inputs)
        );
        let _ = writeln!(
            w,
            "    /// The outputs of [`{fname}`].\n    pub const {upper}_OUTPUTS: &[TensorInfo] = &[{}];\n",
            info(&f.outputs)
        );
        let mut params = Vec::new();
        let mut doc = Vec::new();
        let mut ptr_lines = Vec::new();
        let sides = [
            ("input", "in", "&", "as_ptr", &f.inputs),
            ("output", "out", "&mut ", "as_mut_ptr", &f.outputs),
        ];
        for (what, short, reference, as_ptr, specs) in sides {
            for (i, s) in specs.iter().enumerate() {
                let id = identifier(&s.name, &mut taken);
                let n: usize = s.shape.iter().product();
                params.push(format!("{id}: {reference}[{}; {n}]", rust_type(s.dtype)));
                doc.push(format!(
                    "    /// - {what} `{}`: {}{:?}",
                    s.name,
                    s.dtype.name(),
                    s.shape
                ));
                ptr_lines.push(format!("let {short}{i} = {id}.{as_ptr}() as *mut u8;"));
            }
        }
        let program = f
            .program(TargetKind::Cpu)
            .ok_or_else(|| anyhow!("function '{}' has no CPU program", f.name))?;
        let _ = writeln!(
            w,
            "    /// Runs `{}` (row-major tensors):\n{}",
            f.name,
            doc.join("\n")
        );
        let _ = writeln!(
            w,
            "    pub fn {fname}({}) -> Result<(), Error> {{",
            params.join(", ")
        );
        let _ = writeln!(
            w,
            "        let mut arena = vec![Block([0; 64]); {}];",
            program.arena_bytes.div_ceil(64).max(1)
        );
        let _ = writeln!(w, "        let arena = arena.as_mut_ptr() as *mut u8;");
        let _ = writeln!(
            w,
            "        let constants = CONSTANTS.0.as_ptr() as *mut u8;"
        );
        for l in &ptr_lines {
            let _ = writeln!(w, "        {l}");
        }
        let ptr = |r: &BufferRef| -> String {
            let base = match r.memory {
                Memory::Input(i) => format!("in{i}"),
                Memory::Output(i) => format!("out{i}"),
                Memory::Arena => "arena".into(),
                Memory::Constants => "constants".into(),
            };
            format!("{base}.add({})", r.offset)
        };
        // `host_program` checked every binding against its kernel argument's size and
        // its memory's, which the generated safety comment relies on.
        let _ = writeln!(
            w,
            "        // Safety: the compiler checked every range against its buffer's size;\n        // kernels write only their results, never inputs or constants.\n        unsafe {{"
        );
        emit_commands(w, &program.commands, &ptr, &symbols, &prefix, 12);
        let _ = writeln!(w, "        }}\n        Ok(())\n    }}\n");
    }
    let _ = writeln!(w, "}}");
    let rust_module = out_dir.join(format!("{name}.rs"));
    std::fs::write(&rust_module, src)
        .with_context(|| format!("cannot write '{}'", rust_module.display()))?;
    Ok(AotArtifacts {
        archive,
        library,
        rust_module,
        constants: constants_path,
    })
}

/// Writes `commands` as statements of the generated function's unsafe block, `indent`
/// spaces deep; `ptr` spells a buffer reference as a pointer expression.
fn emit_commands(
    w: &mut String,
    commands: &[Command],
    ptr: &dyn Fn(&BufferRef) -> String,
    symbols: &[String],
    prefix: &str,
    indent: usize,
) {
    let pad = " ".repeat(indent);
    for c in commands {
        match c {
            Command::Dispatch {
                entry,
                bindings,
                workgroups,
                ..
            } => {
                let symbol = &symbols[*entry];
                let k = symbol.strip_prefix(prefix).unwrap_or(symbol);
                let ptrs: Vec<String> = bindings.iter().map(ptr).collect();
                let _ = writeln!(
                    w,
                    "{pad}dispatch({symbol}, {k:?}, &[{}], [{}, {}, {}])?;",
                    ptrs.join(", "),
                    workgroups[0],
                    workgroups[1],
                    workgroups[2]
                );
            }
            Command::Copy { src, dst } => {
                let _ = writeln!(
                    w,
                    "{pad}std::ptr::copy({}, {}, {});",
                    ptr(src),
                    ptr(dst),
                    src.bytes
                );
            }
            Command::If {
                cond,
                then,
                otherwise,
            } => {
                let _ = writeln!(w, "{pad}if *{} != 0 {{", ptr(cond));
                emit_commands(w, then, ptr, symbols, prefix, indent + 4);
                let _ = writeln!(w, "{pad}}} else {{");
                emit_commands(w, otherwise, ptr, symbols, prefix, indent + 4);
                let _ = writeln!(w, "{pad}}}");
            }
            Command::Loop {
                trip_count,
                counter,
                cond,
                body,
            } => {
                // Names by depth: an inner loop's counter never shadows an outer one's.
                let (trip, i) = (format!("trip{indent}"), format!("i{indent}"));
                let _ = writeln!(
                    w,
                    "{pad}let {trip} = ({} as *const i64).read_unaligned();\n{pad}let mut {i} = 0i64;\n{pad}while {i} < {trip} && *{} != 0 {{\n{pad}    ({} as *mut i64).write_unaligned({i});",
                    ptr(trip_count),
                    ptr(cond),
                    ptr(counter)
                );
                emit_commands(w, body, ptr, symbols, prefix, indent + 4);
                let _ = writeln!(w, "{pad}    {i} += 1;\n{pad}}}");
            }
        }
    }
}

/// For `build.rs`: compiles the ONNX (or IR) model at `model` into `$OUT_DIR` as Rust
/// module `name` (include it with `include!(concat!(env!("OUT_DIR"), "/<name>.rs"))`),
/// and tells Cargo to link the kernels and to rebuild when the model changes. Code is
/// generated for Cargo's `TARGET`, tuned for this machine's CPU when it is the host.
pub fn build_script(model: impl AsRef<Path>, name: &str) -> anyhow::Result<AotArtifacts> {
    let model = model.as_ref();
    let out_dir = PathBuf::from(
        std::env::var_os("OUT_DIR").context("OUT_DIR is not set: call this from build.rs")?,
    );
    let module = crate::load_model(model, &Default::default())
        .with_context(|| format!("cannot load '{}'", model.display()))?;
    let target = std::env::var("TARGET").ok();
    let host = std::env::var("HOST").ok();
    let mut cpu = CpuRequest::default();
    if target.is_some() && target != host {
        cpu.triple = target;
    }
    let a = compile(&module, name, &out_dir, &cpu)?;
    println!("cargo:rerun-if-changed={}", model.display());
    println!("cargo:rustc-link-search=native={}", out_dir.display());
    println!("cargo:rustc-link-lib=static={}", a.library);
    // The kernels call the C math library (expf, tanhf, ...).
    println!("cargo:rustc-link-lib=m");
    Ok(a)
}
